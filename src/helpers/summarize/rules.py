"""Selection rules of figures: which respondents a group value, a routing or an answer selects.

Each figure's numerator and base are such rules (helpers.core.selection), written to
provenance.json; the tests check that applying them row by row gives the counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helpers.core.codebook import SELECTED, Codebook, Question, slug
from helpers.core.codes import code_index, code_key
from helpers.core.selection import ANSWERED

if TYPE_CHECKING:
    from helpers.summarize.tallies import Tallies


def group_levels(tallies: Tallies, book: Codebook, group: str) -> list[tuple[str, str]]:
    """(code, label) of each value of a grouping variable, in display order."""
    if group == "all":
        return [("all", "all")]
    if group in {q.id for q in book.categorical}:
        return [(o.code, o.label) for o in book.question(group).answers]
    spec = book.group(group)
    if spec.from_source:
        values = sorted(tallies.distinct(group), key=slug)
        return [(slug(v), v) for v in values]
    return [(o.code, o.label) for o in spec.values]


def group_key(book: Codebook, group: str, code: str, label: str) -> str:
    """The value of a group's column for one of its values (by label if from the source)."""
    if group == "all":
        return "all"
    return label if book.group(group).from_source else code


def source_codes(book: Codebook, source: str, codes: tuple[str, ...]) -> list[str]:
    """``codes`` of variable ``source`` in the codebook's spelling (they compare by value)."""
    index = code_index([o.code for o in book.group(source).values])
    return [index[code_key(c)] for c in codes]


def group_rule(book: Codebook, group: str, code: str, label: str) -> dict[str, Any]:
    """Selection rule of one group value (values taken from the source match by label).

    A derived group's rule names the source codes it recodes (``{"pid": ["0", "1",
    "2"]}``), so that provenance shows the recode.
    """
    if group == "all":
        return {}
    spec = book.group(group)
    if spec.derived_from:
        value = next(o for o in spec.values if o.code == code)
        return {spec.derived_from: source_codes(book, spec.derived_from, value.of)}
    return {group: group_key(book, group, code, label)}


def route_rule(book: Codebook, q: Question) -> dict[str, Any]:
    """The respondents ``q`` was asked of, as a rule (``{}`` without routing)."""
    return {var: source_codes(book, var, codes) for var, codes in q.asked_if}


def answer_rule(book: Codebook, q: Question, codes: tuple[str, ...]) -> dict[str, Any]:
    """The rule of answering ``q`` with one of ``codes`` (a derived question: its source's)."""
    if q.derived_from:
        of = tuple(c for o in q.answers if o.code in codes for c in o.of)
        return {q.derived_from: source_codes(book, q.derived_from, of)}
    return {q.id: list(codes) if len(codes) != 1 else codes[0]}


def answered_rule(book: Codebook, q: Question) -> dict[str, Any]:
    """Those who answered single-answer ``q`` with an answer in its base (its percentages' base).

    Without excluded answers or a recode: answered at all (``{q: "<answered>"}``).
    """
    if q.excluded or q.derived_from:
        return answer_rule(book, q, q.in_base)
    return {q.id: ANSWERED}


def base_rule(book: Codebook, q: Question, where: dict[str, Any]) -> dict[str, Any]:
    """The base of a single-answer question's percentages among ``where``."""
    return {**where, **answered_rule(book, q)}


def pooled_group_rule(book: Codebook, group: str, levels: list[tuple[str, str]]) -> dict:
    """The selection rule of several values of a group together (a recode's: its codes)."""
    spec = book.group(group)
    if spec.derived_from:
        codes = [
            c
            for code, _ in levels
            for c in source_codes(
                book, spec.derived_from, next(o for o in spec.values if o.code == code).of
            )
        ]
        return {spec.derived_from: codes}
    return {group: [group_key(book, group, code, label) for code, label in levels]}


def comparison_rule(book: Codebook, q: Question, group: str) -> dict[str, Any]:
    """Respondents of a comparison's table: asked ``q``, answered it in the base and the group."""
    answered = answered_rule(book, q)
    spec = book.group(group)
    if spec.derived_from:
        of = tuple(c for v in spec.values for c in v.of)
        in_group: dict[str, Any] = {spec.derived_from: source_codes(book, spec.derived_from, of)}
    else:
        in_group = {group: ANSWERED}
    return {**route_rule(book, q), **answered, **in_group}


def option_cells(q: Question) -> dict[str, tuple[str, str]]:
    """Option code -> (column, value) of responses that counts a respondent for it.

    A single-answer question holds the code in its own column; a multiple-choice
    question marks each option chosen in that option's 0/1 column.
    """
    if q.categorical:
        return {o.code: (q.id, o.code) for o in q.answers}
    return {o.code: (q.indicators[o.code], SELECTED) for o in q.answers}
