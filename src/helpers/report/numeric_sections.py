"""A numeric question's section: its distribution by group, its statistics overall and by group."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core import i18n
from helpers.core.codebook import Codebook, Question
from helpers.core.i18n import _
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.report import charts
from helpers.report.comparison import comparison
from helpers.report.formatting import lower_first
from helpers.report.markup import svg_data
from helpers.report.section_lead import lead_sentence
from helpers.report.section_parts import (
    WITH_MISSING,
    distribution_alt,
    either,
    labels_of,
    log_chart,
    missing_cited,
    numeric_rows,
    question_title,
    shown_levels,
    stats_matrix,
)
from helpers.report.tables import numeric_data
from helpers.report.templating import render


def numeric_section(
    book: Codebook,
    q: Question,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> Markup:
    """A numeric question: its distribution by group, and its statistics overall and by group."""
    overall = numeric_rows(summaries, q.id, "all")
    if not len(overall) or overall["n"].iloc[0] == 0:
        return render(
            "numeric_section.html",
            qid=q.id,
            text=q.text,
            unit=q.unit,
            base=0,
            chart=None,
            overall=None,
            by_group=[],
            missing=[],
            short=q.short,
            routing=[],
            lead="",
        )
    caption = _caption(book, q, sp)
    return render(
        "numeric_section.html",
        qid=q.id,
        text=q.text,
        unit=q.unit,
        short=q.short,
        base=int(overall["base"].iloc[0]),
        chart=_distribution(book, q, summaries, overall, sp, policy, chart_log),
        alpha=sp.alpha,
        routing=[
            (book.group(var).label, either(labels_of(book.group(var).values, codes)))
            for var, codes in q.asked_if
        ],
        overall=numeric_data(
            numeric_rows(summaries, q.id, "all", WITH_MISSING),
            caption,
            policy,
            _("All respondents"),
        ),
        by_group=_breakdowns(book, q, summaries, policy, caption),
        missing=missing_cited(summaries, q.id),
        lead=lead_sentence(q, summaries, policy),
    )


def _caption(book: Codebook, q: Question, sp: StatsParams) -> str:
    """The statistics table's caption: what each column holds, the interval's level."""
    words = (
        _(
            "{question}: mean with its {level} t interval, standard deviation (SD), median, "
            "quartiles, minimum and maximum"
        )
        if book.design is None
        else _(
            "{question}: mean with its {level} design-based interval, standard deviation "
            "(SD), median, quartiles, minimum and maximum"
        )
    )
    return words.format(
        question=f"{q.short} ({q.unit})" if q.unit else q.short,
        level=i18n.percent(f"{sp.ci_level * 100:g}"),
    )


def _distribution(
    book: Codebook,
    q: Question,
    summaries: pd.DataFrame,
    overall: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> dict[str, str]:
    """The box chart overall and by the first breakdown (its shown levels).

    Its data, alt text and id, and ``by``: the id of that breakdown's section, whose
    table holds the groups' numbers.
    """
    groups = [g for g in book.breakdowns_of(q) if not book.group(g).from_source]
    shown = pd.concat(
        [overall]
        + ([shown_levels(numeric_rows(summaries, q.id, groups[0]), policy)] if groups else [])
    )
    matrix = stats_matrix(shown, _("All respondents"))
    title = (
        _("{question}, by {group}").format(
            question=question_title(q), group=lower_first(book.group(groups[0]).label)
        )
        if groups
        else question_title(q)
    )
    note = (
        _(
            "Box: 25th to 75th percentile; line: median; diamond: mean; whiskers: minimum and "
            "maximum."
        )
        if book.design is None
        else _(
            "Box: 25th to 75th percentile; line: median; diamond: mean; whiskers: minimum and "
            "maximum; weighted."
        )
    )
    return {
        "data": svg_data(charts.distribution_chart(matrix, title, note, q.unit)),
        "alt": distribution_alt(title, matrix, sp.numeric_decimals),
        "id": log_chart(chart_log, f"chart-{q.id}-distribution", shown),
        "by": f"{q.id}-by-{groups[0]}" if groups else None,
    }


def _breakdowns(
    book: Codebook,
    q: Question,
    summaries: pd.DataFrame,
    policy: SmallBasePolicy,
    caption: str,
) -> list[dict[str, Any]]:
    """The statistics by each grouping variable, with the test of its means."""
    by_group = []
    for g in book.breakdowns_of(q):
        label = book.group(g).label
        by_group.append(
            {
                "title": _("By {group}").format(group=lower_first(label)),
                "id": f"{q.id}-by-{g}",
                "table": numeric_data(
                    numeric_rows(summaries, q.id, g, WITH_MISSING),
                    _("{caption}, by {group}").format(caption=caption, group=lower_first(label)),
                    policy,
                    label,
                ),
                "test": comparison(summaries, q.id, g),
            }
        )
    return by_group
