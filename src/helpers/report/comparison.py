"""The test of independence a breakdown cites: its method, statistic, df and p-values.

A pair of variables is tested once; the other direction cites where it is.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.core.codebook import Codebook
from helpers.core.i18n import _
from helpers.core.methods import ADJUST_LABELS, heading, statistic_name
from helpers.report.citing import cited_equal, monte_carlo
from helpers.report.formatting import lower_first
from helpers.summarize.comparisons import pair_key


def _test_of(summaries: pd.DataFrame, qid: str, group: str) -> pd.DataFrame:
    return summaries[
        (summaries["question"] == qid)
        & (summaries["group"] == group)
        & (summaries["kind"] == "test")
    ].set_index("answer_code")


def _same_pair(
    summaries: pd.DataFrame, book: Codebook, qid: str, group: str
) -> tuple[str, str] | None:
    """(question, group) of the test of the same pair of variables in the other direction."""
    key = pair_key(book, qid, group)
    tests = summaries[(summaries["kind"] == "test") & (summaries["answer_code"] == "p")]
    for q, g in zip(tests["question"], tests["group"], strict=True):
        if (q, g) != (qid, group) and pair_key(book, q, g) == key:
            return q, g
    return None


def comparison(
    summaries: pd.DataFrame, qid: str, group: str, book: Codebook | None = None
) -> dict[str, Any] | None:
    """The test of independence of ``qid`` by ``group`` (its summaries rows), or None.

    Returns the method, and the statistic, df, p and adjusted p as cited numbers; a Monte
    Carlo p-value's tables (``monte_carlo``). A pair of variables is tested once: with
    ``book``, ``group`` by ``qid`` tested first is cited (``elsewhere``: where it is).
    """
    rows = _test_of(summaries, qid, group)
    elsewhere = None
    if "p" not in rows.index and book is not None:
        other = _same_pair(summaries, book, qid, group)
        if other is not None:
            qid, group = other
            rows = _test_of(summaries, qid, group)
            elsewhere = _("{question} by {group}").format(
                question=book.question(qid).short, group=lower_first(book.group(group).label)
            )
    if "p" not in rows.index:
        return None
    cite = {
        k: cited_equal(summaries, rows.loc[k, "figure_id"])
        for k in ("statistic", "df", "p", "p_adjusted")
        if k in rows.index
    }
    adjust = str(rows.loc["p_adjusted", "ci_method"])
    return {
        "method": _(heading(str(rows.loc["p", "ci_method"]))),
        "statistic_name": _(
            statistic_name(str(rows.loc["statistic", "ci_method"]))
            if "statistic" in rows.index
            else statistic_name("")
        ),
        "adjust": _(ADJUST_LABELS[adjust]) if adjust in ADJUST_LABELS else adjust,
        "adjusted": float(rows.loc["p_adjusted", "estimate"]),
        "monte_carlo": monte_carlo(summaries, rows.loc["p", "figure_id"]),
        "elsewhere": elsewhere,
        "n": int(rows.loc["p", "n"]),
        **cite,
    }
