"""Column-proportion letters of the summary and banner tables, read from the column tests.

Each group column of a table gets a letter (A, B, ... Z, AA, ...); an answer's cell carries
the letters of the columns whose share it is significantly larger than: the column test
(summaries.csv's ``column_test`` figures, helpers.summarize.column_tests) of the pair has an
adjusted p-value below ``stats.column_alpha``, and the cell's estimate is the larger. Each
letter links to its test's figure. The letters restate figures; they compute no test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from helpers.core.codebook_figure_ids import COLUMN_TEST_KIND, PAIR_WORD
from helpers.core.i18n import N_

# (question, group, group code, answer code) -> [(letter, test figure id)]
Letters = dict[tuple[str, str, str, str], list[tuple[str, str]]]


def letter(i: int) -> str:
    """The i-th column's letter: A ... Z, then AA, AB ... (as spreadsheets)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def column_letters(columns: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(group, code): letter} of a table's group columns, in order (one run across blocks)."""
    return {col: letter(i) for i, col in enumerate(columns)}


def cell_letters(
    summaries: pd.DataFrame, columns: dict[tuple[str, str], str], alpha: float
) -> Letters:
    """The letters of every answer cell of the columns (``(group, code)``: letter)."""
    groups = {g for g, _code in columns}
    tests = summaries[(summaries["kind"] == COLUMN_TEST_KIND) & summaries["group"].isin(groups)]
    if not len(tests):
        return {}
    cells = summaries[summaries["kind"].isin(["answer", "net"]) & summaries["group"].isin(groups)]
    estimate = {
        (r.question, r.group, str(r.group_code), str(r.answer_code)): r.estimate
        for r in cells.itertuples()
    }
    pairs = {
        (g, f"{a}{PAIR_WORD}{b}"): (a, b)
        for g, a in columns
        for h, b in columns
        if g == h and a != b
    }
    out: Letters = {}
    for r in tests[tests["estimate"] < alpha].itertuples():
        found = pairs.get((r.group, str(r.group_code)))
        if found is None:
            continue
        a, b = found
        answer = str(r.answer_code)
        ea, eb = (estimate.get((r.question, r.group, c, answer)) for c in (a, b))
        if ea is None or eb is None or pd.isna(ea) or pd.isna(eb) or ea == eb:
            continue
        high, low = (a, b) if ea > eb else (b, a)
        out.setdefault((r.question, r.group, high, answer), []).append(
            (columns[(r.group, low)], r.figure_id)
        )
    order = {v: i for i, v in enumerate(columns.values())}
    return {k: sorted(v, key=lambda lf: order[lf[0]]) for k, v in out.items()}


def with_letters(cell: Any, found: list[tuple[str, str]] | None) -> Any:
    """A figure cell (a mapping) with its letters, each linked to its test; else as it is."""
    if not found or not isinstance(cell, dict):
        return cell
    return {**cell, "letters": found}


# The tables' note on the letters (marked for the catalog: translated where written).
LETTERS_NOTE = N_(
    "letters: the share is significantly larger than in the columns with those letters "
    "(column tests, adjusted within each row; see the method section)"
)
