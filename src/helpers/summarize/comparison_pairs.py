"""Which comparisons are one: A by B and B by A test the same pair of variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helpers.core.codebook import Codebook


def variable_of(book: Codebook, name: str) -> str:
    """The variable a question or group id stands for.

    A group reading a single-answer question's column is that question; a recode
    (``derived_from``) is a variable of its own.
    """
    try:
        group = book.group(name)
    except KeyError:
        return name
    if group.derived_from:
        return name
    for q in book.categorical:
        if q.id == name or (
            group.column and group.column == q.source_column and not q.derived_from
        ):
            return q.id
    return name


def pair_key(book: Codebook, question: str, group: str) -> frozenset[str]:
    """The unordered pair of variables a comparison tests: A by B and B by A are one."""
    return frozenset((variable_of(book, question), variable_of(book, group)))
