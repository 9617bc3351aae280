"""Question summaries: counts, bases, percentages and intervals, driven by the codebook.

Every row is one number of the report, with a stable ``figure_id``::

    <question>.<group>.<group_code>.<answer_code>     e.g. q1.region.north.yes

``group`` is ``all`` for overall rows, a codebook group id (``region``,
``country``) for breakdowns, or another question id for cross-tabulations
(``q2.q1.yes.very_useful``: Q2 answers among those who answered Q1 "Yes").
The base of a percentage is the respondents of the group who answered the
question; respondents without an answer are counted in a ``missing`` row and
left out of the base. A numeric question has one row per statistic
(``age.party.0.mean``: ``mean``, ``median``, ``p25``, ``p75``, ``min``,
``max``), over the respondents of the group with a value (its n and base).
For a multiple-choice question each option's figure is the respondents who
chose it, of those who answered the question (so the percentages of its
options can add up to more than 100). Each figure also has selection rules
(helpers.core.selection) for its numerator and base, from which the provenance
file is written.

The table is an analysis-results table (one row per number, in the spirit of
CDISC's Analysis Results Data): ``stat`` names the statistic (``pct``, a
numeric one, or ``count`` for missing and free-text rows); ``estimate`` is it
unrounded, in its unit (percent for a percentage); ``se``, ``ci_lower`` and
``ci_upper`` its standard error and interval, unrounded, by ``ci_method``;
``shown``, ``shown_low`` and ``shown_high`` the figure and its interval exactly as
the report prints them (rounded under ``stats.rounding`` to ``pct_decimals`` or
``numeric_decimals``; a percentage's equal ``pct``, ``ci_low`` and ``ci_high``).
A survey with a design (codebook ``design:``) gets design-based estimates
(helpers.summarize.design): ``n`` and ``base`` stay unweighted counts, beside
``n_weighted``, ``base_weighted`` (sums of weights), ``deff`` and
``base_effective`` (base / deff).

The steps, each its own module, each taking and returning figures
(:class:`~helpers.summarize.figure.Figure`, frozen): tallies (counts, through
narwhals), rules (selection rules), closed, numeric and respondents (the figures of
each kind; one builder for a closed question, fed by tallies or by pooled groups),
pooling (the small-base policy ``merge``), intervals (intervals and printed values),
weighting (a design's estimates, from helpers.summarize.design) and tested (tests of
independence, from helpers.summarize.comparisons). This module runs them in order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from helpers.core.answers import leading_codes
from helpers.core.codebook import Codebook
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.summarize.closed import closed_figures, tallied_levels
from helpers.summarize.column_tests import column_test_figures
from helpers.summarize.figure import FLOAT_COLUMNS, RESPONDENTS, SUMMARY_COLUMNS, Figure
from helpers.summarize.intervals import with_intervals, with_shown
from helpers.summarize.numeric import numeric_figures
from helpers.summarize.pooling import pooled_numeric_figures, pooled_question_figures
from helpers.summarize.respondents import free_text_figures, respondent_figures
from helpers.summarize.rules import source_codes
from helpers.summarize.tallies import Tallies, column_levels
from helpers.summarize.tested import comparison_figures
from helpers.summarize.weighting import survey_design, weighed


@dataclass(frozen=True)
class Summaries:
    """The figures, and for each the selection rules that produced it (polars tables)."""

    figures: pl.DataFrame
    rules: pl.DataFrame  # figure_id, table, numerator, base (rules as JSON text)


def summary_types(sp: StatsParams) -> dict[str, pl.DataType]:
    """Column types of the figures table: percentages as decimals of ``pct_decimals`` places."""
    pct = pl.Decimal(38, sp.pct_decimals)
    counts = {"n": pl.Int64, "base": pl.Int64}
    decimals = {"pct": pct, "ci_low": pct, "ci_high": pct}
    floats = dict.fromkeys(FLOAT_COLUMNS, pl.Float64)
    return {
        c: counts.get(c) or decimals.get(c) or floats.get(c) or pl.String for c in SUMMARY_COLUMNS
    }


def routed_tallies(responses: Any, book: Codebook) -> dict[str, Tallies]:
    """For each routed question, the tallies of the respondents its ``asked_if`` selects."""
    out: dict[str, Tallies] = {}
    frame = nw.from_native(responses)
    for q in book.summarized:
        if not q.asked_if:
            continue
        condition = None
        for var, codes in q.asked_if:
            this = nw.col(var).cast(nw.String).is_in(source_codes(book, var, codes))
            condition = this if condition is None else condition & this
        out[q.id] = Tallies(nw.to_native(frame.filter(condition)))
    return out


def _counted(
    responses: Any,
    book: Codebook,
    sp: StatsParams,
    policy: SmallBasePolicy | None,
    breakdowns: dict[str, list[str]],
    tallies: Tallies,
    routed: dict[str, Tallies],
) -> list[Figure]:
    """The figures counted: respondents, then each question by each of its breakdowns.

    A breakdown's pooled small groups (``policy`` ``merge``) follow its own.
    """
    pools = policy is not None and policy.pools
    levels = column_levels(tallies, book)
    for q in book.closed:
        if not q.asked_if:
            tallies.prefetch([*breakdowns[q.id], *q.response_columns], levels)
    out = respondent_figures(tallies, book, sp)
    for q in book.closed:
        for group in breakdowns[q.id]:
            for level in tallied_levels(routed.get(q.id, tallies), book, q, group):
                out.extend(closed_figures(book, q, group, level, sp))
            if pools and group != "all":
                out.extend(pooled_question_figures(out, book, q, group, policy, sp))  # type: ignore[arg-type]
    for q in book.numeric:
        for group in breakdowns[q.id]:
            out.extend(numeric_figures(routed.get(q.id, tallies), book, q, group, sp))
            if pools and group != "all":
                out.extend(
                    pooled_numeric_figures(
                        out, routed.get(q.id, tallies), book, q, group, policy, sp
                    )
                )  # type: ignore[arg-type]
    return out


def summarize(
    responses: Any,
    free_text: Any,
    book: Codebook,
    sp: StatsParams,
    policy: SmallBasePolicy | None = None,
) -> Summaries:
    """All figures: respondents, each closed question by every breakdown, free text.

    ``responses`` and ``free_text``: any table narwhals reads (polars in the
    pipeline). Counts come from one group-by per question and breakdown;
    ``rules`` state the same selections row by row, for provenance (tests check
    they agree). ``policy``: the small-base policy; ``merge`` pools a breakdown's
    small groups (unweighted surveys only).
    """
    if policy is not None and policy.pools and book.design is not None:
        raise ValueError(
            "report.small_base_rule = merge: expected a survey without a design "
            "(pooled groups of a weighted survey are not estimated); found the "
            "codebook's design: use flag or suppress"
        )
    tallies = Tallies(responses)
    breakdowns = {
        q.id: [
            "all",
            *book.breakdowns_of(q),
            *[col for row_q, col in book.crosstabs if row_q == q.id],
        ]
        for q in (*book.closed, *book.numeric)
    }
    routed = routed_tallies(responses, book)
    figures = _counted(responses, book, sp, policy, breakdowns, tallies, routed)
    figures = with_intervals([*figures, *free_text_figures(free_text, book)], sp)
    design = survey_design(responses, book, sp) if book.design is not None else None
    if design is not None:
        figures = [weighed(f, design, book, sp) for f in figures]
    figures = [with_shown(f, sp) for f in figures]
    figures += comparison_figures(
        figures, book, breakdowns, sp, design, lambda q: routed.get(q.id, tallies)
    )
    small = policy.threshold if policy is not None else 1
    figures += column_test_figures(figures, book, breakdowns, sp, small, design)
    return _tables(figures, sp)


def _tables(figures: list[Figure], sp: StatsParams) -> Summaries:
    """The figures and their rules as tables; figure ids must be unique."""
    ids = [f.figure_id for f in figures]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dupes = [i for i in ids if i in seen or seen.add(i)]  # type: ignore[func-returns-value]
        raise ValueError(f"figure ids are not unique: {dupes}")
    types = summary_types(sp)
    table = (
        pl.DataFrame(
            [{c: stable(v) for c, v in f.record().items()} for f in figures],
            schema=types,
            orient="row",
        )
        if figures
        else pl.DataFrame(schema=types)
    )
    rules = pl.DataFrame(
        {
            "figure_id": ids,
            "table": [f.table for f in figures],
            "numerator": [f.numerator_rule for f in figures],
            "base": [f.base_rule for f in figures],
        },
        schema={
            "figure_id": pl.String,
            "table": pl.String,
            "numerator": pl.String,
            "base": pl.String,
        },
    )
    return Summaries(table, rules)


# Computed floats are stored to this many significant digits: the last bits of a design-based
# interval (exp and log of a logit, say) differ between CPUs (glibc and numpy pick their
# code by the CPU), and the summaries must be byte-identical on every machine.
STORED_DIGITS = 12


def stable(value: Any) -> Any:
    """A computed float rounded to :data:`STORED_DIGITS` significant digits; anything else as is."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{STORED_DIGITS}g}")
    return value


def headline_metrics(figures: pl.DataFrame, book: Codebook) -> dict[str, Any]:
    """The headline figures for DVC metrics, so that ``dvc metrics diff`` shows what a change did.

    Respondents; each closed question's leading answer overall (core.answers: a yes/no
    question's "yes", else the largest share) with its percentage, interval and count; each
    numeric question's mean with its interval and count. Nested by question and answer code.
    """
    rows = {r["figure_id"]: r for r in figures.iter_rows(named=True)}
    out: dict[str, Any] = {"respondents": int(rows[f"{RESPONDENTS}.all.all"]["n"])}
    for q in book.closed:
        answers = [rows[f"{q.id}.all.all.{o.code}"] for o in q.answers]
        shares = [(r["answer_code"], _number(r["pct"])) for r in answers if r["pct"] is not None]
        lead = leading_codes(q, shares)
        if lead:
            out[q.id] = {lead[0]: _metric(rows[f"{q.id}.all.all.{lead[0]}"], "pct")}
    for q in book.numeric:
        out[q.id] = {"mean": _metric(rows[f"{q.id}.all.all.mean"], "mean")}
    return out


# (metric key, figures column) of each headline figure; a weighted survey's percentage is
# weighted, so its counts are named for what they hold: respondents (unweighted) and the
# estimated population (a sum of weights, ``n_weighted``) beside it.
METRIC_COLUMNS = {
    "pct": (("pct", "pct"), ("ci_low", "ci_low"), ("ci_high", "ci_high")),
    "mean": (("mean", "estimate"), ("ci_low", "ci_lower"), ("ci_high", "ci_upper")),
}


def _metric(row: dict[str, Any], kind: str) -> dict[str, Any]:
    """One headline figure: its value and interval, its unweighted count, its weighted one."""
    out = {k: _number(row[c]) for k, c in METRIC_COLUMNS[kind]}
    out["n_unweighted"] = _number(row["n"])
    if row.get("n_weighted") is not None:
        out["n_weighted"] = _number(row["n_weighted"])
    return out


def _number(value: Any) -> float | int | None:
    """A metric's value as JSON holds it: Decimal percentages as floats, counts as ints."""
    if isinstance(value, Decimal):
        return float(value)
    return stable(value) if isinstance(value, float) else value
