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

from helpers.core.codebook import Codebook, Question
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


def _summaries(data: ReportInputs, figures: Figures) -> list[Sheet]:
    book = data.book
    return [
        _sheet(
            title,
            summary_table_data(book, data.summaries, group, data.small_base),
            figures,
            f"Every question {title.removeprefix('Summary ')}: percentages, counts and "
            "statistics as the report's summary table shows them",
        )
        for (_, title, _), group in zip(summary_headings(book), summary_groups(book), strict=True)
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
    caption = f"{q.short}, all respondents — {interval_name(book, data.stats)}"
    out = [
        _sheet(
            f"{question_title(q)}: all respondents", summary_data(overall, caption, policy), figures
        )
    ]
    all_rows = question_rows(summaries, q.id, "all", MATRIX_KINDS)
    for g in book.breakdowns_of(q):
        label = lower_first(book.group(g).label)
        weighted = "weighted " if book.design is not None else ""
        table = breakdown_data(
            all_rows,
            question_rows(summaries, q.id, g, MATRIX_KINDS),
            book.group(g).label,
            policy,
            f"{q.short} by {label}: {weighted}% of each group's respondents who answered",
        )
        out.append(_sheet(f"{question_title(q)} by {label}", table, figures))
    return out


def _numeric(q: Question, data: ReportInputs, figures: Figures) -> list[Sheet]:
    """A numeric question's statistics overall, then by each breakdown."""
    book, summaries, policy, sp = data.book, data.summaries, data.small_base, data.stats
    overall = numeric_rows(summaries, q.id, "all")
    if not len(overall) or overall["n"].iloc[0] == 0:
        return []
    ci = "t" if book.design is None else "design-based"
    caption = (
        f"{q.short}{f' ({q.unit})' if q.unit else ''}: mean with its {sp.ci_level * 100:g}% "
        f"{ci} interval, standard deviation (SD), median, quartiles, minimum and maximum"
    )
    rows = numeric_rows(summaries, q.id, "all", WITH_MISSING)
    out = [
        _sheet(
            f"{question_title(q)}: all respondents",
            numeric_data(rows, caption, policy, "All respondents"),
            figures,
        )
    ]
    for g in book.breakdowns_of(q):
        label = book.group(g).label
        rows = numeric_rows(summaries, q.id, g, WITH_MISSING)
        table = numeric_data(rows, f"{caption}, by {lower_first(label)}", policy, label)
        out.append(_sheet(f"{question_title(q)} by {lower_first(label)}", table, figures))
    return out


def _crosstab(row_q: str, col_q: str, data: ReportInputs, figures: Figures) -> Sheet:
    """A cross-tabulation: a numeric question's statistics or a closed one's matrix."""
    book, summaries, policy = data.book, data.summaries, data.small_base
    q, by = book.question(row_q), book.question(col_q)
    title = crosstab_title(book, row_q, col_q)
    if q.type == "numeric":
        rows = numeric_rows(summaries, row_q, col_q, WITH_MISSING)
        table = numeric_data(rows, f"{title}: mean, interval, median, quartiles", policy, by.short)
    else:
        table = breakdown_data(
            question_rows(summaries, row_q, "all", MATRIX_KINDS),
            question_rows(summaries, row_q, col_q, MATRIX_KINDS),
            f"Answer to {by.short}",
            policy,
            f"{title}: % of each row's respondents who answered",
        )
    return _sheet(title, table, figures)


def _pairs(book: Codebook) -> list[tuple[str, str, str]]:
    """(question, breakdown, its label) of every comparison the report shows, in its order."""
    out = [(q.id, g, book.group(g).label) for q in book.summarized for g in book.breakdowns_of(q)]
    out += [(r, c, f"Answer to {book.question(c).short}") for r, c in book.crosstabs]
    return out


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
            {
                "Question": data.book.question(qid).short,
                "Breakdown": label,
                "Test": test["method"],
                "Statistic name": test["statistic_name"],
                "Statistic": cells["statistic"],
                "df": cells["df"],
                "p": cells["p"],
                "p (adjusted)": cells["p_adjusted"],
                "Adjustment": test["adjust"],
                "Respondents (n)": test["n"],
            }
        )
    if not lines:
        return []
    table = table_data(pd.DataFrame(lines, dtype=object), "Tests of independence")
    description = (
        "Each breakdown's and cross-tabulation's test of independence: its statistic, "
        "degrees of freedom (df), p-value and p-value adjusted for the number of tests"
    )
    return [_sheet("Group comparisons: tests of independence", table, figures, description)]


def _audit(data: ReportInputs, figures: Figures) -> list[Sheet]:
    """The audit's claims: those that do not hold as stated, then the rest."""
    audit = data.audit
    if not len(audit):
        return []
    wrong = audit["status"].isin(OPEN_STATUSES)
    parts = [
        ("Audit: claims that do not hold as stated", audit[wrong], "mismatches first"),
        ("Audit: claims that match or cannot be checked", audit[~wrong], "the source's order"),
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
