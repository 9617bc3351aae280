"""One figure of summaries.csv: a frozen row, its columns, and what later steps need of it.

A :class:`Figure` carries the columns of summaries.csv (:data:`SUMMARY_COLUMNS`), its
selection rules (as JSON text, for provenance.json) and, outside the table, what the
steps after counting read: whether it takes a binomial interval, the decimals its
``shown`` is rounded to, its mean's standard deviation, and its cell of the design.
Steps return new figures (``dataclasses.replace``); none changes one in place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from helpers.core.codebook_figure_ids import (
    MISSING_WORD,
    NUMERIC_STAT_WORDS,
    TEST_STAT_WORDS,
    TEST_WORD,
)
from helpers.core.params import StatsParams
from helpers.core.selection import rule_text
from helpers.core.stats import exact_percent, percent

SUMMARY_COLUMNS = [
    "figure_id",
    "question",
    "group",
    "group_value",
    "answer",
    "n",
    "base",
    "pct",
    "ci_low",
    "ci_high",
    "group_code",
    "answer_code",
    "kind",
    "stat",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "ci_method",
    "shown",
    "shown_low",
    "shown_high",
    "n_weighted",
    "n_weighted_se",
    "base_weighted",
    "deff",
    "base_effective",
]
FLOAT_COLUMNS = (
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "n_weighted",
    "n_weighted_se",
    "base_weighted",
    "deff",
    "base_effective",
)
# A numeric question's statistics: (stat, answer label, quantile probability)
NUMERIC_STATS = (
    ("mean", "Mean", None),
    ("sd", "Standard deviation", None),
    ("median", "Median", 0.5),
    ("p25", "25th percentile", 0.25),
    ("p75", "75th percentile", 0.75),
    ("min", "Minimum", None),
    ("max", "Maximum", None),
)
assert tuple(s for s, _, _ in NUMERIC_STATS) == NUMERIC_STAT_WORDS  # one list of words
QUANTILES = {stat: p for stat, _, p in NUMERIC_STATS if p is not None}
MISSING_CODE = MISSING_WORD  # the figure-id words are the codebook's (codebook_figure_ids)
RESPONDENTS = "respondents"
FREE_TEXT_ANSWER = "Free-text answers"
NET_SEPARATOR = "__net_"  # the design's 0/1 column of a net: "<question>__net_<code>"
BASE_SUFFIX = "__in_base"  # the design's copy of a question without its excluded answers
TEST = TEST_WORD  # group_code and kind of a comparison's rows: <question>.<group>.test.<stat>
TEST_STATS = TEST_STAT_WORDS

# A figure's cell of the design: (column, value, group, group value)
Cell = tuple[str, Any, str, str]


@dataclass(frozen=True)
class Figure:
    """One number of the report: summaries.csv's columns, its rules, what later steps read."""

    figure_id: str
    question: str
    group: str
    group_value: str
    answer: str
    n: int
    base: int | None
    group_code: str
    answer_code: str
    kind: str
    pct: Decimal | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    stat: str | None = None
    estimate: float | None = None
    se: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    ci_method: str | None = None
    shown: str | None = None
    shown_low: str | None = None
    shown_high: str | None = None
    n_weighted: float | None = None
    n_weighted_se: float | None = None
    base_weighted: float | None = None
    deff: float | None = None
    base_effective: float | None = None
    # provenance.json: the table counted and the rules of numerator and base (JSON text)
    table: str = "responses"
    numerator_rule: str = ""
    base_rule: str = ""
    # outside the table
    interval: bool = False  # takes a binomial interval (percentages.with_intervals)
    decimals: int | None = None  # decimals of ``shown`` for an estimate (not a percentage)
    sd: float | None = None  # a mean's standard deviation (its t interval)
    cell: Cell | None = None  # the design's estimate of it
    weight_cell: Cell | None = None  # a count's: the design's sums of weights behind it

    def record(self) -> dict[str, Any]:
        """Its row of summaries.csv (:data:`SUMMARY_COLUMNS`)."""
        return {c: getattr(self, c) for c in SUMMARY_COLUMNS}


assert set(SUMMARY_COLUMNS) <= {f.name for f in fields(Figure)}


def figure(
    figure_id: str, table: str, numerator: dict | None, base: dict | None, /, **values: Any
) -> Figure:
    """A figure with its selection rules (``numerator`` and ``base``, as rules).

    Positional-only: ``values`` hold the figure's own ``base`` (a count).
    """
    return Figure(
        figure_id=figure_id,
        table=table,
        numerator_rule=rule_text(numerator),
        base_rule=rule_text(base),
        **values,
    )


def pct_fields(n: int, base: int, sp: StatsParams) -> dict[str, Any]:
    """A percentage's rounded value and its unrounded estimate (None on an empty base)."""
    return {
        "pct": percent(n, base, sp.pct_decimals, sp.rounding),
        "stat": "pct",
        "estimate": float(exact_percent(n, base)) if base else None,
        "decimals": sp.pct_decimals,
    }
