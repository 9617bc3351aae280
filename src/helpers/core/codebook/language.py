"""The codebook language closed under its own rules: nets, bases, routing and recodes.

Each names codes and variables that exist: a net combines answer codes of its
question, ``excluded_from_base`` and ``neutral`` name answer codes, ``asked_if``
names another coded variable and its codes, and a derived variable recodes every
code of its source at most once.
"""

from __future__ import annotations

from typing import Any

from helpers.core.codebook.book import Codebook
from helpers.core.codebook.labels import check_labels
from helpers.core.codebook.model import Group, Question
from helpers.core.codebook.routing import routing_order
from helpers.core.codes import code_key
from helpers.core.errors import CodebookError


def _same_codes(codes: tuple[str, ...], valid: list[str]) -> tuple[list[str], list[str]]:
    """(codes mapped onto ``valid``'s spelling, codes not among them), by value."""
    index = {code_key(v): v for v in valid}
    return (
        [index[code_key(c)] for c in codes if code_key(c) in index],
        [c for c in codes if code_key(c) not in index],
    )


def check_language(book: Codebook) -> None:
    """Nets, bases, derived variables and routing name codes and variables that exist."""
    where = book.places
    for q in book.questions:
        _check_nets(q, where[q.id])
        _check_bases(q, where[q.id])
        _check_routing(book, q, where[q.id])
    for item in book.derived:
        _check_derived(book, item, (*where[item.id], "derived_from"))
    routing_order(book)  # refuses routing in a cycle
    check_labels(book)


def _check_nets(q: Question, here: tuple[Any, ...]) -> None:
    """Each net of a single-answer question combines answer codes, under a code of its own."""
    codes = [o.code for o in q.answers]
    for net in q.nets:
        if not q.categorical:
            raise CodebookError(
                f"question {q.id}: nets need a single-answer question", (*here, "nets")
            )
        _, unknown = _same_codes(net.of, codes)
        if unknown or not net.of:
            raise CodebookError(
                f"question {q.id}: net {net.code!r} combines answer codes "
                f"of {q.id} ({', '.join(codes)}); found {list(net.of)}",
                (*here, "nets"),
            )
    if set(o.code for o in q.nets) & set(codes):
        raise CodebookError(
            f"question {q.id}: a net's code is also an answer code", (*here, "nets")
        )


def _check_bases(q: Question, here: tuple[Any, ...]) -> None:
    """``excluded_from_base`` leaves an answer in the base; it and ``neutral`` name answers."""
    codes = [o.code for o in q.answers]
    _, unknown = _same_codes(q.excluded, codes)
    if unknown or (q.excluded and not q.categorical):
        raise CodebookError(
            f"question {q.id}: excluded_from_base names answer codes of a "
            f"single-answer question ({', '.join(codes)}); found {unknown}",
            (*here, "excluded_from_base"),
        )
    excluded, _ = _same_codes(q.excluded, codes)
    if codes and set(excluded) >= set(codes):
        raise CodebookError(
            f"question {q.id}: excluded_from_base: expected at least one "
            f"answer left in the base; found every answer of {q.id} "
            f"excluded ({', '.join(codes)}): its percentages would have no "
            f"base",
            (*here, "excluded_from_base"),
        )
    _, unknown = _same_codes(q.neutral, codes)
    if unknown:
        raise CodebookError(
            f"question {q.id}: neutral names answer codes of {q.id} "
            f"({', '.join(codes)}); found {unknown}",
            (*here, "neutral"),
        )


def _check_routing(book: Codebook, q: Question, here: tuple[Any, ...]) -> None:
    """``asked_if`` names another coded variable (not ``q`` nor a recode of it) and its codes."""
    for var, route in q.asked_if:
        try:
            source = book.group(var)
        except KeyError:
            raise CodebookError(
                f"question {q.id}: asked_if names {var!r}, which is no "
                f"group or single-answer question",
                (*here, "asked_if"),
            ) from None
        if book.same_variable(q.id, var) or source.from_source:
            how = (
                "values taken from the source"
                if source.from_source
                else "itself"
                if var == q.id
                else f"a recode of {q.id}"
                if source.derived_from == q.id
                else f"{q.id}'s own column {q.source_column!r}"
            )
            raise CodebookError(
                f"question {q.id}: asked_if: expected a coded variable other "
                f"than {q.id} itself or a recode of it; found {var!r}, "
                f"{how}",
                (*here, "asked_if"),
            )
        _, unknown = _same_codes(route, [o.code for o in source.values])
        if unknown or not route:
            raise CodebookError(
                f"question {q.id}: asked_if {var}: codes of {var} "
                f"({', '.join(o.code for o in source.values)}); found "
                f"{list(route)}",
                (*here, "asked_if"),
            )


def _check_derived(book: Codebook, item: Question | Group, place: tuple[Any, ...]) -> None:
    """A derived variable recodes a coded variable that is not derived, each code once."""
    values = item.answers if isinstance(item, Question) else item.values
    try:
        source = book.group(item.derived_from)
    except KeyError:
        raise CodebookError(
            f"{item.id}: derived_from names {item.derived_from!r}, which is "
            f"no group or single-answer question",
            place,
        ) from None
    chained = source.derived_from or (source.of_question and book.question(source.id).derived_from)
    if chained:
        raise CodebookError(
            f"{item.id}: derived_from: expected a coded variable that is not "
            f"derived itself; found {item.derived_from!r}, derived from "
            f"{chained!r} (derive {item.id} from {chained} directly)",
            place,
        )
    if source.from_source or (isinstance(item, Question) and not item.categorical):
        raise CodebookError(
            f"{item.id}: a single-answer question or coded group is derived "
            f"from a coded variable that is not derived itself; found "
            f"{item.derived_from!r}",
            place,
        )
    source_codes = [o.code for o in source.values]
    seen: list[str] = []
    for option in values:
        mapped, unknown = _same_codes(option.of, source_codes)
        if unknown or not option.of:
            raise CodebookError(
                f"{item.id}: value {option.code!r} recodes codes of "
                f"{source.id} ({', '.join(source_codes)}); found "
                f"{list(option.of)}",
                place,
            )
        twice = sorted(set(seen) & set(mapped))
        if twice:
            raise CodebookError(f"{item.id}: {source.id} code(s) {twice} recoded twice", place)
        seen += mapped
