"""The report's sections in order, once: the table of contents and the rendering both read it.

Each :class:`Section` names its anchor, title and level, and how its content is built
from the report's inputs (:class:`helpers.report.inputs.ReportInputs`). A heading
within another section's content (a summary table, a free-text question) has no
builder of its own: its parent renders it, the contents list it. Notebook 05 shows
the title block and contents, then each section in this order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.i18n import N_, _
from helpers.core.methods import adjust_name
from helpers.report import audit_sections as ra
from helpers.report import data_warnings as rw
from helpers.report.adapters import ReportAdapter, report_adapter
from helpers.report.appendix import appendix
from helpers.report.banner import banner_headings, banner_tables
from helpers.report.capped import KEY, capped_section, with_section, without_section
from helpers.report.column_appendix import column_tests_appendix
from helpers.report.crosstabs import crosstab_section
from helpers.report.disclosure import disclosure_section
from helpers.report.findings import key_findings
from helpers.report.free_text import free_text_section
from helpers.report.inputs import ReportInputs
from helpers.report.markup import heading, toc
from helpers.report.method_section import interval_name, method
from helpers.report.provenance_section import provenance_appendix
from helpers.report.question_sections import question_section
from helpers.report.respondent_figures import respondent_figures
from helpers.report.section_parts import crosstab_title, question_title
from helpers.report.summary_table import summary_headings, summary_tables
from helpers.report.templating import render

DOCUMENT = report_adapter("document")


@dataclass(frozen=True)
class Run:
    """Where this report goes: its survey's id and its HTML file (provenance links to it)."""

    survey: str
    report_html: str
    tables: str = "tables.xlsx"  # its spreadsheet, relative to the HTML (an edition's own)


Builder = Callable[[ReportInputs, Run], Markup]


@dataclass(frozen=True)
class Section:
    """One entry of the contents: anchor, title, level and the builder of its content.

    ``build`` is None for a heading its parent section renders.
    """

    anchor: str
    title: str
    level: int = 2
    build: Builder | None = None


def report_sections(
    book: Codebook,
    audit: bool = False,
    source_appendix: bool = True,
    max_sections: int | None = None,
) -> list[Section]:
    """Every section of the report, in order.

    ``audit``: the document states figures (claims) to audit; ``source_appendix``: the
    input's text is printed in an appendix (a document's lines); ``max_sections``:
    report.max_question_sections (None: every question gets its section).
    """
    cap = len(book.summarized) if max_sections is None else max_sections
    out = [
        Section("key-findings", _("Key findings"), build=_key_findings),
        Section("summary", _("Summary tables"), build=_summary),
        *[Section(anchor, title, level) for anchor, title, level in summary_headings(book)],
        *[Section(anchor, title, level) for anchor, title, level in banner_headings(book)],
        Section("method", _("Method and caveats"), build=_method),
        Section(DISCLOSURE[0], _(DISCLOSURE[1]), 3),
        Section("respondents", _("Respondents"), build=_respondents),
        *[
            Section(q.id, question_title(q), build=partial(_question, q))
            for q in with_section(book, cap)
        ],
        *[
            Section(
                f"crosstab-{row_q}-{col_q}",
                crosstab_title(book, row_q, col_q),
                build=partial(_crosstab, row_q, col_q),
            )
            for row_q, col_q in book.crosstabs
        ],
    ]
    if without_section(book, cap):
        out.append(Section("capped", _(CAPPED), build=partial(_capped, cap)))
    if book.free_text:  # no section for a survey without open questions
        out.append(Section("free-text", _("Free-text answers"), build=_free_text))
        out += [Section(f"free-{q.id}", question_title(q), 3) for q in book.free_text]
    return out + _appendices(book, audit, source_appendix)


def _appendices(book: Codebook, audit: bool, source_appendix: bool) -> list[Section]:
    """The audit and the appendices (see :func:`report_sections`)."""
    out = []
    if audit:
        out.append(Section("audit", _("Audit of the published figures"), build=_audit))
    out.append(
        Section(
            "appendix-provenance", _("Appendix: where each figure comes from"), build=_provenance
        )
    )
    if book.breakdown_groups:
        out.append(Section("appendix-column-tests", _("Appendix: column tests"), build=_columns))
    if audit:
        out.append(Section("appendix-claims", _("Appendix: the claims that hold"), build=_claims))
    if source_appendix:
        out.append(Section("appendix-source", _("Appendix: the source document"), build=_source))
    out.append(Section("appendix", _("Appendix: reproducibility"), build=_appendix))
    return out


def sections_of(data: ReportInputs) -> list[Section]:
    """The sections of this report: with the audit when its input states figures."""
    return report_sections(
        data.book,
        audit=bool(len(data.claims)),
        source_appendix=data.adapter.source_lines,
        max_sections=int(data.params[KEY]),
    )


def contents(sections: list[Section]) -> list[tuple[str, str, int]]:
    """The table of contents' entries: (anchor, title, level) of every section."""
    return [(s.anchor, s.title, s.level) for s in sections]


def title_block(
    book: Codebook, source: dict[str, Any], adapter: ReportAdapter = DOCUMENT
) -> Markup:
    """Title, subtitle and source document."""
    survey = book.survey
    return render(
        "title_block.html",
        title=survey.title_or(),
        subtitle=adapter.subtitle(book),
        running=_("{title} · reproducible report").format(title=survey.short),
        publisher=survey.publisher,
        path=source["path"],
        sha256=source["sha256"][:16],
    )


def front_matter(data: ReportInputs, sections: list[Section]) -> Markup:
    """The title block and the table of contents."""
    return title_block(data.book, data.source, data.adapter) + toc(contents(sections))


def rendered(sections: list[Section], data: ReportInputs, run: Run) -> list[Markup]:
    """Each section with a builder as HTML (its heading and content), in order.

    Built one after another: the charts each draws are logged in ``data.chart_log``.
    """
    return [
        heading(s.title, s.anchor, s.level) + s.build(data, run)
        for s in sections
        if s.build is not None
    ]


def _key_findings(data: ReportInputs, run: Run) -> Markup:
    return key_findings(
        data.book,
        data.summaries,
        data.small_base,
        data.stats.alpha,
        adjust_name(data.stats.p_adjust),
        data.rejects,
        ra.audit_summary(data.audit, data.book) if len(data.audit) else "",
    )


def _summary(data: ReportInputs, run: Run) -> Markup:
    alpha = data.stats.column_alpha
    return summary_tables(data.book, data.summaries, data.small_base, alpha) + banner_tables(
        data.book, data.summaries, data.small_base, alpha
    )


# The method section's disclosure of the survey (AAPOR Code of Professional Ethics, III.A)
DISCLOSURE = ("disclosure", N_("What the survey discloses (AAPOR Code, III.A)"))


def _method(data: ReportInputs, run: Run) -> Markup:
    unit = data.adapter.unit
    lines = len(data.source_lines) if data.adapter.source_lines else None
    interval = interval_name(data.book, data.stats)
    return (
        method(data.book, data.summaries, data.claims, data.stats, data.small_base, data.adapter)
        + heading(_(DISCLOSURE[1]), DISCLOSURE[0], 3)
        + disclosure_section(data.book, data.summaries, data.stats, interval, lines)
        + rw.data_warnings_html(
            data.rejects,
            data.reconciliation,
            data.responses,
            data.book,
            max_listed=data.max_rows,
            unit=unit,
            rejects_path=data.paths["clean.rejects"],
        )
        + rw.formula_cells_html(
            data.csv_tables, max_listed=data.max_rows, unit=unit, source=data.source["path"]
        )
    )


def _respondents(data: ReportInputs, run: Run) -> Markup:
    return respondent_figures(
        data.book, data.summaries, data.small_base
    ) + data.adapter.respondents_table(data.book, data.responses, data.max_rows, data.responses_csv)


def _question(q: Question, data: ReportInputs, run: Run) -> Markup:
    return question_section(
        data.book, q, data.summaries, data.stats, data.small_base, data.chart_log
    )


CAPPED = N_("Questions without a section of their own")


def _capped(cap: int, data: ReportInputs, run: Run) -> Markup:
    return capped_section(data.book, data.summaries, cap, data.small_base)


def _crosstab(row_q: str, col_q: str, data: ReportInputs, run: Run) -> Markup:
    return crosstab_section(
        data.book, row_q, col_q, data.summaries, data.stats, data.small_base, data.chart_log
    )


def _free_text(data: ReportInputs, run: Run) -> Markup:
    return free_text_section(data.book, data.free_text, data.summaries, data.max_rows, data.adapter)


def _audit(data: ReportInputs, run: Run) -> Markup:
    return ra.audit_section(data.audit, data.claims, data.book, data.chart_log)


def _provenance(data: ReportInputs, run: Run) -> Markup:
    return provenance_appendix(
        data.provenance,
        data.summaries,
        data.tables,
        data.max_rows,
        report=run.report_html,
        source_lines=data.adapter.source_lines,
        policy=data.small_base,
    )


def _columns(data: ReportInputs, run: Run) -> Markup:
    return column_tests_appendix(
        data.book, data.summaries, data.stats, data.small_base.threshold, run.report_html
    )


def _claims(data: ReportInputs, run: Run) -> Markup:
    return ra.claims_appendix(data.audit, data.book)


def _source(data: ReportInputs, run: Run) -> Markup:
    return ra.source_appendix(data.source["path"], data.source_lines)


def _appendix(data: ReportInputs, run: Run) -> Markup:
    return appendix(
        data.source, {"survey": run.survey, **data.params}, data.codebook_sha256, run.tables
    )
