"""What the clean stage tells at the console: one line per question with answers set aside.

``dvc repro`` shows these lines (notebook 02 prints them in its cell tagged ``console``;
helpers.pipeline.runner prints that cell's output, prefixed ``[clean@<survey>]``), so a
codebook that no longer matches its data is seen at once, not only in the report.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import narwhals.stable.v2 as nw

# What a reject's reason says it is, by the words it starts or ends with (clean.export,
# clean.routing, clean.value_plans; clean.reconcile for a document's lists).
KINDS = (
    ("routing violation", "answers from respondents not routed to the question"),
    ("is not a number", "values that are not numbers"),
    ("is out of range", "numbers out of range"),
    ("not in the registration list", "organizations not in the registration list"),
    ("duplicate of line", "mentions listed twice"),
    ("mixes a missing code", "cells mixing a missing code with answers"),
    ("repeats a", "cells repeating an option"),
)
UNKNOWN_CODE = "codes the codebook does not define"


def reason_kind(reason: str) -> str:
    """The kind of a reject, in a reader's words, from its reason."""
    return next((kind for words, kind in KINDS if words in reason), UNKNOWN_CODE)


def set_aside_lines(counts: Any, rejects: Any, rejects_path: str) -> list[str]:
    """One line per question (a document: per list) with rows set aside; one line if none.

    ``counts``: reconciliation.csv's table (pandas or polars); an export's answered
    cells are those kept or set aside (blank and declared missing codes are not
    answers), a document's every mention of its list. ``rejects``: rejects.csv's.
    """
    table = nw.from_native(counts, eager_only=True)
    export = "question" in table.columns
    key = "question" if export else "list"
    reasons = nw.from_native(rejects, eager_only=True)
    kinds: dict[str, Counter[str]] = {}
    for row in reasons.select(key, "reason").iter_rows(named=True):
        kinds.setdefault(str(row[key]), Counter())[reason_kind(str(row["reason"]))] += 1
    lines = []
    for row in table.iter_rows(named=True):
        rejected = int(row["rows_rejected"])
        if not rejected:
            continue
        answered = int(row["rows_kept"]) + rejected if export else int(row["rows_read"])
        what = "answered cells" if export else "mentions"
        lines.append(
            f"{row[key]}: {rejected:,} of {answered:,} {what} set aside "
            f"({rejected / answered:.1%}): {_kinds(kinds.get(str(row[key]), Counter()))}; "
            f"see {rejects_path}"
        )
    return lines or [f"no answers set aside ({rejects_path} is empty)"]


def _kinds(found: Counter[str]) -> str:
    """The kinds of rejects of one question, the most frequent first, counted when several."""
    if len(found) == 1:
        return next(iter(found))
    return ", ".join(f"{kind} ({n:,})" for kind, n in found.most_common())
