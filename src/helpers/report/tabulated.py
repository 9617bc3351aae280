"""Which questions a breakdown's table shows: those broken down by it, not its own variable."""

from __future__ import annotations

from helpers.core.codebook import Codebook, Question

ALL = "all"


def same_variable(book: Codebook, q: Question, group: str) -> bool:
    """True if ``group`` is ``q`` itself, recoded from it or read from its column.

    Its table by the group would be a diagonal of 100% (party identification by party).
    """
    if group == q.id:
        return True
    spec = book.group(group)
    return spec.derived_from == q.id or (
        not spec.from_source and spec.source_column == q.source_column
    )


def tabulated(book: Codebook, group: str) -> tuple[list[Question], list[Question]]:
    """(the questions of the table by ``group``, those left out of it).

    A question is in it if it is broken down by the group (its ``breakdowns``, else the
    codebook's ``by_group``) and is not the group's own variable.
    """
    shown, left = [], []
    for q in book.summarized:
        (shown if group == ALL or fits(book, q, group) else left).append(q)
    return shown, left


def fits(book: Codebook, q: Question, group: str) -> bool:
    """True if ``q`` is broken down by ``group`` and is not the group's own variable."""
    return group in book.breakdowns_of(q) and not same_variable(book, q, group)
