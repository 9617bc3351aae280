"""A closed question's section: its chart and table overall, then a matrix per breakdown.

A numeric question is handed to :func:`numeric_sections.numeric_section`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.i18n import _
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.report import charts
from helpers.report.citing import cite_text
from helpers.report.comparison import comparison
from helpers.report.formatting import fmt_number, lower_first
from helpers.report.markup import svg_data
from helpers.report.matrices import breakdown_data, crosstab_matrix
from helpers.report.method_section import interval_name
from helpers.report.numeric_sections import numeric_section
from helpers.report.section_lead import lead_sentence
from helpers.report.section_parts import (
    MATRIX_KINDS,
    TABLE_KINDS,
    base_text,
    either,
    labels_of,
    log_chart,
    missing_cited,
    named_groups,
    question_rows,
    question_title,
    scale_answers,
    stacked_alt,
    weighted,
)
from helpers.report.tables import joined, summary_data
from helpers.report.templating import cap_text, render


def question_section(
    book: Codebook,
    q: Question,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> Markup:
    """Chart and table of one question overall, then one matrix per grouping variable."""
    if q.type == "numeric":
        return numeric_section(book, q, summaries, sp, policy, chart_log)
    method_name = interval_name(book, sp)
    overall = question_rows(summaries, q.id, "all")
    base = int(overall["base"].iloc[0]) if len(overall) else 0
    if base == 0:  # nobody answered (a header-only export): no chart, no percentages
        return _unanswered(q, summaries, sp)
    shown = fmt_number(base)  # '10,337': the edition's grouping
    return render(
        "question_section.html",
        qid=q.id,
        text=q.text,
        short=q.short,
        base=_("unweighted n = {n}").format(n=shown) if weighted(book) else f"n = {shown}",
        excluded=[o.label for o in q.answers if o.code in q.excluded],
        nets=[(n.label, labels_of(q.answers, n.of)) for n in q.nets],
        routing=[
            (var, book.group(var).label, either(labels_of(book.group(var).values, codes)))
            for var, codes in q.asked_if
        ],
        multiple=q.type == "multiple_choice",
        chart=_overall_chart(book, q, overall, method_name, chart_log),
        overall=summary_data(
            question_rows(summaries, q.id, "all", TABLE_KINDS),
            _("{question}, all respondents — {method}").format(
                question=q.short, method=method_name
            ),
            policy,
        ),
        by_group=_breakdowns(book, q, summaries, policy, chart_log),
        alpha=sp.alpha,
        missing=missing_cited(summaries, q.id),
        lead=lead_sentence(q, summaries, policy),
    )


def _unanswered(q: Question, summaries: pd.DataFrame, sp: StatsParams) -> Markup:
    """A question nobody answered: its text and the counts of missing answers only."""
    return render(
        "question_section.html",
        qid=q.id,
        text=q.text,
        short=q.short,
        base="n = 0",
        excluded=[],
        nets=[],
        routing=[],
        multiple=q.type == "multiple_choice",
        chart=None,
        overall=None,
        by_group=[],
        alpha=sp.alpha,
        missing=missing_cited(summaries, q.id, only_some=True),
        lead="",
    )


def _overall_chart(
    book: Codebook,
    q: Question,
    overall: pd.DataFrame,
    method_name: str,
    chart_log: list[dict[str, str]],
) -> dict[str, str]:
    """The bar chart of every answer overall, with its intervals: data, alt text and id."""
    base = fmt_number(int(overall["base"].iloc[0]))
    size = base_text(overall) if weighted(book) else f"n = {base}"
    if q.type == "multiple_choice":
        note = _(
            "{size} who answered; several answers allowed; bars: % choosing each; "
            "whiskers: {method}."
        )
    elif weighted(book):
        note = _(
            "{size}; bars: weighted % of respondents (in brackets: the estimated population "
            "count, a sum of weights); whiskers: {method}."
        )
    else:
        note = _("{size}; bars: % of respondents; whiskers: {method}.")
    note = note.format(size=size, method=method_name)
    alt = _("{question} bar chart: {bars}").format(
        question=cap_text(q.short),
        bars=joined(f"{cap_text(r['answer'])} {cite_text(r)}" for _i, r in overall.iterrows()),
    )
    return {
        "data": svg_data(charts.proportion_chart(overall, question_title(q), note)),
        "alt": alt,
        "id": log_chart(chart_log, f"chart-{q.id}-all", overall),
    }


def _group_chart(
    book: Codebook,
    q: Question,
    g: str,
    summaries: pd.DataFrame,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> dict[str, str] | None:
    """An ordinal question's stacked chart overall and by one breakdown, or None.

    One chart per breakdown: a chart never mixes the groups of two variables.
    """
    if q.type != "ordinal" or book.group(g).from_source or book.same_variable(q.id, g):
        return None
    matrix, rows = _stacked_matrix(summaries, q, [g], policy)
    keys, labels, neutral = scale_answers(q)
    title = _("{question}, by {group}").format(
        question=question_title(q), group=lower_first(book.group(g).label)
    )
    matrix = matrix.reindex(columns=[*keys, "base"])
    note = (
        _("Answers in scale order; n = unweighted respondents in the group who answered. {legend}.")
        if weighted(book)
        else _("Answers in scale order; n = respondents in the group who answered. {legend}.")
    )
    svg = charts.stacked_scale_chart(
        matrix, keys, title, note.format(legend=policy.legend), neutral, labels
    )
    return {
        "data": svg_data(svg),
        "alt": stacked_alt(title, matrix, keys, labels),
        "id": log_chart(chart_log, f"chart-{q.id}-by-{g}", rows),
        "title": title,
    }


def _stacked_matrix(
    summaries: pd.DataFrame, q: Question, groups: list[str], policy: SmallBasePolicy
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All respondents and each group's levels as rows of percentages.

    The small-base rule applied: suppressed levels left out, flagged ones marked †.
    """
    parts = [question_rows(summaries, q.id, "all").assign(group_value=_("All respondents"))]
    for g in groups:
        rows = question_rows(summaries, q.id, g)
        rows = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
        keep = [not policy.hides(b) for b in rows["base"]]
        rows = rows[keep]
        parts.append(named_groups(rows, policy, marked=True))
    rows = pd.concat(parts)
    rows = rows[rows["base"] > 0]
    return crosstab_matrix(rows, "group"), rows


def _breakdowns(
    book: Codebook,
    q: Question,
    summaries: pd.DataFrame,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """One matrix per grouping variable (answers by groups), its chart and its test."""
    all_rows = question_rows(summaries, q.id, "all", MATRIX_KINDS)
    by_group = []
    for g in book.breakdowns_of(q):
        label = book.group(g).label
        caption = (
            _(
                "{question} by {group}: weighted % of each group's respondents who answered "
                "(estimated population count in small type)."
            )
            if weighted(book)
            else _(
                "{question} by {group}: % of each group's respondents who answered "
                "(n in small type)."
            )
        )
        by_group.append(
            {
                "title": _("By {group}").format(group=lower_first(label)),
                "id": f"{q.id}-by-{g}",
                "chart": _group_chart(book, q, g, summaries, policy, chart_log),
                "table": breakdown_data(
                    all_rows,
                    question_rows(summaries, q.id, g, MATRIX_KINDS),
                    label,
                    policy,
                    caption.format(question=q.short, group=lower_first(label)),
                ),
                "test": comparison(summaries, q.id, g, book),
                "same": book.same_variable(q.id, g),
            }
        )
    return by_group
