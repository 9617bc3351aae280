"""Labels unique within each list the report shows by label."""

from __future__ import annotations

from typing import Any

from helpers.core.codebook.book import Codebook
from helpers.core.errors import CodebookError

ALL_LABEL = "All respondents"  # the overall row of the report's stacked charts


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
