"""The codebook language closed under its own rules: nets, bases, routing and recodes.

Each names codes and variables that exist: a net combines answer codes of its
question, ``excluded_from_base`` and ``neutral`` name answer codes, ``asked_if``
names another coded variable and its codes, and a derived variable recodes every
code of its source at most once; labels are unique within each list the report
shows by label.
"""

from __future__ import annotations

from typing import Any

from helpers.core.codebook_model import Codebook
from helpers.core.codebook_parts import Group, Question
from helpers.core.codebook_routing import routing_order
from helpers.core.codes import code_key
from helpers.core.errors import CodebookError
from helpers.core.i18n import N_

ALL_LABEL = N_("All respondents")  # the overall row of the report's stacked charts


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


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _labelled_lists(book: Codebook) -> list[tuple[str, str, list[Any], dict[str, str]]]:
    """(name, place prefix, [(option, key path, its place)], labels reserved) of each list."""
    where, lists = book.places, []
    as_groups = {*book.breakdown_groups, *[col for _, col in book.crosstabs]}
    for q in book.questions:
        here = where[q.id]
        options = [(o, (*here, "answers", k), f"answers[{k}]") for k, o in enumerate(q.answers)]
        options += [(o, (*here, "nets", k), f"nets[{k}]") for k, o in enumerate(q.nets)]
        reserved: dict[str, str] = {}
        if q.id in as_groups:
            reserved[_label_key(ALL_LABEL)] = f"the {ALL_LABEL!r} row ({q.id} is a breakdown)"
        lists.append((f"question {q.id}", f"questions[{here[1]}] ({q.id})", options, reserved))
    for g in book.groups:
        here = where[g.id]
        options = [(o, (*here, "values", k), f"values[{k}]") for k, o in enumerate(g.values)]
        lists.append(
            (
                f"group {g.id}",
                f"groups[{here[1]}] ({g.id})",
                options,
                {_label_key(ALL_LABEL): f"the {ALL_LABEL!r} row of the report's charts"},
            )
        )
    return lists


def check_labels(book: Codebook) -> None:
    """Labels unique within a question's answers and nets, and within a group's values.

    The report's stacked charts are keyed by label (helpers.report.markup's
    crosstab_matrix: answers by group values): two labelled alike would be merged
    into one bar, and so would a group value (or an answer of a question used as a
    group) labelled like the "All respondents" row. A net labelled like an answer
    would read as that answer in the tables.
    """
    for name, prefix, options, reserved in _labelled_lists(book):
        seen: dict[str, str] = {}
        for option, place, at in options:
            key = _label_key(option.label)
            if key in reserved or key in seen:
                other = reserved.get(key) or f"{prefix}.{seen[key]}"
                raise CodebookError(
                    f"{prefix}.{at}.label: expected labels unique within {name} "
                    f"(the report's tables and charts show them by label); "
                    f"found {option.label!r}, labelled alike as {other}",
                    (*place, "label"),
                )
            seen[key] = f"{at} (code {option.code!r})"
