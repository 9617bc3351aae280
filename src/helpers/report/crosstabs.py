"""A cross-tabulation's section: answers to one question within each answer to another."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.i18n import _
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.report import charts
from helpers.report.comparison import comparison
from helpers.report.markup import svg_data
from helpers.report.matrices import breakdown_data, crosstab_matrix
from helpers.report.section_parts import (
    MATRIX_KINDS,
    WITH_MISSING,
    crosstab_title,
    distribution_alt,
    log_chart,
    named_groups,
    numeric_rows,
    question_rows,
    question_title,
    scale_answers,
    shown_levels,
    stacked_alt,
    stats_matrix,
    weighted,
)
from helpers.report.tables import numeric_data
from helpers.report.templating import render

ChartAndTable = tuple[dict[str, str] | None, dict[str, Any]]


def crosstab_section(
    book: Codebook,
    row_q: str,
    col_q: str,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> Markup:
    """Answers to ``row_q`` within each answer to ``col_q``: chart, matrix and test."""
    title = crosstab_title(book, row_q, col_q)
    test = comparison(summaries, row_q, col_q, book)
    build = _numeric if book.question(row_q).type == "numeric" else _closed
    chart, table = build(book, row_q, col_q, summaries, sp, policy, chart_log, title)
    return render(
        "crosstab_section.html", chart=chart, title=title, table=table, test=test, alpha=sp.alpha
    )


def _numeric(
    book: Codebook,
    row_q: str,
    col_q: str,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
    title: str,
) -> ChartAndTable:
    """A numeric question by answer to another: box chart and statistics per answer."""
    q, by = book.question(row_q), book.question(col_q)
    rows = numeric_rows(summaries, row_q, col_q)
    matrix = stats_matrix(shown_levels(rows, policy))
    svg = charts.distribution_chart(
        matrix,
        title,
        _("Box: quartiles; line: median; diamond: mean; whiskers: minimum and maximum."),
        q.unit,
    )
    chart = {
        "data": svg_data(svg),
        "alt": distribution_alt(title, matrix, sp.numeric_decimals),
        "id": log_chart(chart_log, f"chart-{row_q}-{col_q}", rows),
    }
    table = numeric_data(
        numeric_rows(summaries, row_q, col_q, WITH_MISSING),
        _(
            "{question} by answer to {by}: mean, interval, median, quartiles, minimum and maximum"
        ).format(question=f"{q.short} ({q.unit})" if q.unit else q.short, by=question_title(by)),
        policy,
        by.short,
    )
    return chart, table


def _closed(
    book: Codebook,
    row_q: str,
    col_q: str,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
    title: str,
) -> ChartAndTable:
    """A closed question by answer to another: stacked chart and matrix of percentages."""
    q, by = book.question(row_q), book.question(col_q)
    by_label = question_title(by)
    rows = question_rows(summaries, row_q, col_q)
    chart = _stacked_chart(book, q, by_label, rows, col_q, policy, title)
    if chart is not None:
        chart["id"] = log_chart(chart_log, f"chart-{row_q}-{col_q}", rows)
    table = breakdown_data(
        question_rows(summaries, row_q, "all", MATRIX_KINDS),
        question_rows(summaries, row_q, col_q, MATRIX_KINDS),
        _("Answer to {question}").format(question=by.short),
        policy,
        (
            _(
                "{question} by answer to {by}: % of each row's respondents who answered "
                "(estimated population count in small type)."
            )
            if weighted(book)
            else _(
                "{question} by answer to {by}: % of each row's respondents who answered "
                "(n in small type)."
            )
        ).format(question=q.short, by=by_label),
    )
    return chart, table


def _stacked_chart(
    book: Codebook,
    q: Question,
    by_label: str,
    rows: pd.DataFrame,
    col_q: str,
    policy: SmallBasePolicy,
    title: str,
) -> dict[str, str] | None:
    """The stacked chart of the rows' answers (data, alt text), or None if nobody answered."""
    shown = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
    shown = shown[[not policy.hides(b) and b > 0 for b in shown["base"]]]
    matrix = crosstab_matrix(named_groups(shown, policy, marked=True), col_q)
    if not len(matrix):  # nobody answered both (a header-only export)
        return None
    keys, labels, neutral = scale_answers(q)
    svg = charts.stacked_scale_chart(
        matrix.reindex(columns=[*keys, "base"]),
        keys,
        title,
        (
            _("Rows: answer to {by}; n = unweighted respondents in the row who answered. {legend}.")
            if weighted(book)
            else _("Rows: answer to {by}; n = respondents in the row who answered. {legend}.")
        ).format(by=by_label, legend=policy.legend),
        neutral,
        labels,
        ordered=q.type == "ordinal",  # unordered answers in distinct colours, not a scale
    )
    return {
        "data": svg_data(svg),
        "alt": stacked_alt(title, matrix.reindex(columns=[*keys, "base"]), keys, labels),
    }
