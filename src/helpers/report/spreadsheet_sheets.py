"""Every table of the report, in the report's order, as the spreadsheet's sheets.

Each table is built by the same function as the report's (summary tables, respondents,
question tables and matrices, numeric tables, cross-tabulations, the tests, the audit's
claims) and turned into a grid by :func:`spreadsheet_cells.grid_of`: the spreadsheet
restates the report's figures and computes none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.core import i18n
from helpers.core.codebook import ALL_LABEL, Codebook, Question
from helpers.core.i18n import _
from helpers.report.audit_sections import OPEN_STATUSES, claims_table
from helpers.report.comparison import comparison
from helpers.report.formatting import lower_first
from helpers.report.inputs import ReportInputs
from helpers.report.matrices import breakdown_data
from helpers.report.method_section import interval_name
from helpers.report.respondent_figures import respondent_tables
from helpers.report.section_parts import (
    MATRIX_KINDS,
    TABLE_KINDS,
    WITH_MISSING,
    crosstab_title,
    numeric_rows,
    question_rows,
    question_title,
)
from helpers.report.spreadsheet_cells import Grid, grid_of
from helpers.report.summary_table import (
    summary_groups,
    summary_headings,
    summary_table_data,
)
from helpers.report.tables import fig_cell, numeric_data, summary_data, table_data
from helpers.report.tabulated import ALL


@dataclass(frozen=True)
class Sheet:
    """One table's sheet: its title, what it shows, its grid and its notes (text)."""

    title: str
    description: str
    grid: Grid
    notes: tuple[str, ...] = ()


Figures = Mapping[str, Mapping[str, Any]]


def _sheet(title: str, table: dict[str, Any], figures: Figures, description: str = "") -> Sheet:
    """A report table's sheet; its caption (or ``description``) says what it shows."""
    note = str(table.get("note") or "")
    return Sheet(
        title,
        description or str(table.get("caption") or title),
        grid_of(table, figures),
        tuple(filter(None, [note])),
    )


def _summary_description(book: Codebook, group: str) -> str:
    """What a summary table's sheet shows: every question overall or by one breakdown."""
    if group == ALL:
        return _(
            "Every question overall: percentages, counts and statistics as the report's "
            "summary table shows them"
        )
    return _(
        "Every question by {breakdown}: percentages, counts and statistics as the report's "
        "summary table shows them"
    ).format(breakdown=lower_first(book.group(group).label))


def _summaries(data: ReportInputs, figures: Figures) -> list[Sheet]:
    book = data.book
    return [
        _sheet(
            heading[1],
            summary_table_data(book, data.summaries, group, data.small_base),
            figures,
            _summary_description(book, group),
        )
        for heading, group in zip(summary_headings(book), summary_groups(book), strict=True)
    ]


def _respondents(data: ReportInputs, figures: Figures) -> list[Sheet]:
    tables = respondent_tables(data.book, data.summaries, data.small_base)
    return [_sheet(str(t["caption"]), t, figures) for t in tables]


def _closed(q: Question, data: ReportInputs, figures: Figures) -> list[Sheet]:
    """A closed question's table overall, then its matrix by each breakdown."""
    book, summaries, policy = data.book, data.summaries, data.small_base
    overall = question_rows(summaries, q.id, "all", TABLE_KINDS)
    if not len(overall) or int(overall["base"].iloc[0]) == 0:
        return []
    caption = _("{question}, all respondents — {interval}").format(
        question=q.short, interval=interval_name(book, data.stats)
    )
    title = _("{title}: all respondents").format(title=question_title(q))
    out = [_sheet(title, summary_data(overall, caption, policy), figures)]
    all_rows = question_rows(summaries, q.id, "all", MATRIX_KINDS)
    for g in book.breakdowns_of(q):
        label = lower_first(book.group(g).label)
        if book.design is not None:
            what = _(
                "{question} by {breakdown}: weighted % of each group's respondents who answered"
            )
        else:
            what = _("{question} by {breakdown}: % of each group's respondents who answered")
        table = breakdown_data(
            all_rows,
            question_rows(summaries, q.id, g, MATRIX_KINDS),
            book.group(g).label,
            policy,
            what.format(question=q.short, breakdown=label),
        )
        out.append(_sheet(_by(question_title(q), label), table, figures))
    return out


def _by(title: str, breakdown: str) -> str:
    """A sheet's title by a breakdown: 'Party identification by education'."""
    return _("{title} by {breakdown}").format(title=title, breakdown=breakdown)


def _numeric_caption(q: Question, book: Codebook, level: float) -> str:
    """A numeric question's caption: the statistics its table gives, the interval named."""
    question = f"{q.short} ({q.unit})" if q.unit else q.short
    if book.design is None:
        text = _(
            "{question}: mean with its {level} t interval, standard deviation (SD), median, "
            "quartiles, minimum and maximum"
        )
    else:
        text = _(
            "{question}: mean with its {level} design-based interval, standard deviation "
            "(SD), median, quartiles, minimum and maximum"
        )
    return text.format(question=question, level=i18n.percent(f"{level * 100:g}"))


def _numeric(q: Question, data: ReportInputs, figures: Figures) -> list[Sheet]:
    """A numeric question's statistics overall, then by each breakdown."""
    book, summaries, policy, sp = data.book, data.summaries, data.small_base, data.stats
    overall = numeric_rows(summaries, q.id, "all")
    if not len(overall) or overall["n"].iloc[0] == 0:
        return []
    caption = _numeric_caption(q, book, sp.ci_level)
    rows = numeric_rows(summaries, q.id, "all", WITH_MISSING)
    out = [
        _sheet(
            _("{title}: all respondents").format(title=question_title(q)),
            numeric_data(rows, caption, policy, _(ALL_LABEL)),
            figures,
        )
    ]
    for g in book.breakdowns_of(q):
        label = book.group(g).label
        rows = numeric_rows(summaries, q.id, g, WITH_MISSING)
        by = _("{caption}, by {breakdown}").format(caption=caption, breakdown=lower_first(label))
        table = numeric_data(rows, by, policy, label)
        out.append(_sheet(_by(question_title(q), lower_first(label)), table, figures))
    return out


def _crosstab(row_q: str, col_q: str, data: ReportInputs, figures: Figures) -> Sheet:
    """A cross-tabulation: a numeric question's statistics or a closed one's matrix."""
    book, summaries, policy = data.book, data.summaries, data.small_base
    q, by = book.question(row_q), book.question(col_q)
    title = crosstab_title(book, row_q, col_q)
    if q.type == "numeric":
        rows = numeric_rows(summaries, row_q, col_q, WITH_MISSING)
        caption = _("{title}: mean, interval, median, quartiles").format(title=title)
        table = numeric_data(rows, caption, policy, by.short)
    else:
        table = breakdown_data(
            question_rows(summaries, row_q, "all", MATRIX_KINDS),
            question_rows(summaries, row_q, col_q, MATRIX_KINDS),
            _answer_to(by.short),
            policy,
            _("{title}: % of each row's respondents who answered").format(title=title),
        )
    return _sheet(title, table, figures)


def _pairs(book: Codebook) -> list[tuple[str, str, str]]:
    """(question, breakdown, its label) of every comparison the report shows, in its order."""
    out = [(q.id, g, book.group(g).label) for q in book.summarized for g in book.breakdowns_of(q)]
    out += [(r, c, _answer_to(book.question(c).short)) for r, c in book.crosstabs]
    return out


def _answer_to(question: str) -> str:
    """The heading of a cross-tabulation's groups: 'Answer to Party identification'."""
    # TRANSLATORS: heads the groups of a cross-tabulation: the answers to another question.
    return _("Answer to {question}").format(question=question)


def _tests(data: ReportInputs, figures: Figures) -> list[Sheet]:
    """Every test of independence the report cites, once per pair of variables."""
    lines = []
    for qid, group, label in _pairs(data.book):
        test = comparison(data.summaries, qid, group, data.book)
        if test is None or test["elsewhere"]:
            continue
        cells = {
            k: fig_cell(test[k].figure_id, figures[test[k].figure_id]["shown"]) if k in test else ""
            for k in ("statistic", "df", "p", "p_adjusted")
        }
        lines.append(
            [
                data.book.question(qid).short,
                label,
                test["method"],
                test["statistic_name"],
                cells["statistic"],
                cells["df"],
                cells["p"],
                cells["p_adjusted"],
                test["adjust"],
                test["n"],
            ]
        )
    if not lines:
        return []
    frame = pd.DataFrame(lines, columns=_test_headers(), dtype=object)
    table = table_data(frame, _("Tests of independence"))
    description = _(
        "Each breakdown's and cross-tabulation's test of independence: its statistic, "
        "degrees of freedom (df), p-value and p-value adjusted for the number of tests"
    )
    title = _("Group comparisons: tests of independence")
    return [_sheet(title, table, figures, description)]


def _test_headers() -> list[str]:
    """The column headers of the tests' sheet."""
    return [
        _("Question"),
        _("Breakdown"),
        _("Test"),
        _("Statistic name"),
        _("Statistic"),
        # TRANSLATORS: a column header: the test's degrees of freedom, abbreviated.
        _("df"),
        # TRANSLATORS: a column header: the test's p-value, abbreviated.
        _("p"),
        _("p (adjusted)"),
        _("Adjustment"),
        _("Respondents (n)"),
    ]


def _audit(data: ReportInputs, figures: Figures) -> list[Sheet]:
    """The audit's claims: those that do not hold as stated, then the rest."""
    audit = data.audit
    if not len(audit):
        return []
    wrong = audit["status"].isin(OPEN_STATUSES)
    parts = [
        (_("Audit: claims that do not hold as stated"), audit[wrong], _("mismatches first")),
        (
            _("Audit: claims that match or cannot be checked"),
            audit[~wrong],
            _("the source's order"),
        ),
    ]
    return [
        _sheet(title, claims_table(rows, f"{title} ({order})", data.book), figures)
        for title, rows, order in parts
        if len(rows)
    ]


def report_sheets(data: ReportInputs) -> list[Sheet]:
    """Every table of the report as a sheet, in the report's order."""
    figures = data.summaries.set_index("figure_id", drop=False).to_dict("index")
    out = [*_summaries(data, figures), *_respondents(data, figures)]
    for q in data.book.summarized:
        out += (_numeric if q.type == "numeric" else _closed)(q, data, figures)
    out += [_crosstab(r, c, data, figures) for r, c in data.book.crosstabs]
    return [*out, *_tests(data, figures), *_audit(data, figures)]
