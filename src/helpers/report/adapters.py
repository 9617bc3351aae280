"""What the report shows differently for a published document and for an export.

:func:`report_adapter` looks the input kind's family up (helpers.core.inputs);
the report's sections and templates read the adapter's facts and fragments
instead of comparing ``input_kind``:

* the title block's subtitle and the method's opening paragraphs;
* whether the respondents chose to answer (the method's caveats about chance);
* the table of respondents (rebuilt organizations, or an export's first rows);
* the free-text section's note, and the unit a record number counts;
* whether the report quotes the source's lines (the source appendix, provenance lines).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from helpers.core.codebook import Codebook
from helpers.core.i18n import N_, _
from helpers.core.inputs import InputKind, input_kind
from helpers.core.text import split_lines
from helpers.extract.source_reader import read_source
from helpers.report.respondents import document_respondents, export_respondents
from helpers.report.rows import Rows

RespondentsTable = Callable[[Codebook, Rows, int, str, str], Markup]


@dataclass(frozen=True)
class ReportAdapter:
    """The report's view of one input kind."""

    kind: InputKind
    # The report quotes the source's lines: a source appendix, source lines in provenance.
    source_lines: bool
    # The respondents chose to answer (a published summary's organizations): the method
    # says what an interval and a test's "chance" mean for self-selected respondents.
    self_selected: bool
    # The hand-off's codes as pandas categoricals (an export's rows), or as text (a
    # document's), in the rows the report collects (helpers.report.rows).
    categorical_codes: bool
    # Templates of the fragments that differ (report/templates/inputs/).
    method_intro: str
    free_text_note: str
    subtitle_text: str  # a message (N_), translated where written
    table: RespondentsTable

    @property
    def unit(self) -> str:
        """What a record number counts: a 'line' of a text file or a 'case' of a data file."""
        return self.kind.record_unit

    def subtitle(self, book: Codebook) -> str:
        """The title block's subtitle (before '. Source: ...')."""
        return _(self.subtitle_text).format(publisher=book.survey.publisher)

    def respondents_table(
        self,
        book: Codebook,
        responses: Rows,
        max_rows: int = 40,
        path: str = "responses.csv",
    ) -> Markup:
        """One row per respondent (an export's first ``max_rows``; ``path``: the CSV)."""
        return self.table(book, responses, max_rows, path, self.unit)

    def source_text_lines(self, path: str, source: dict[str, Any]) -> list[str]:
        """The source's lines, for the source appendix (none for an export)."""
        if not self.source_lines:
            return []
        return split_lines(read_source(path, encoding=source["encoding"]).text)


_FAMILIES: dict[str, dict[str, Any]] = {
    "document": {
        "source_lines": True,
        "self_selected": True,
        "categorical_codes": False,
        "method_intro": "inputs/document_method.html",
        "free_text_note": "inputs/document_free_text.html",
        # TRANSLATORS: {publisher} is the publisher's name as the codebook gives it
        # ("OAS Department of International Affairs"), after a label and a colon so that
        # no article or contraction has to agree with it ("publicado pelo ...").
        "subtitle_text": N_(
            "Reproducible re-analysis of a published summary. Publisher: {publisher}"
        ),
        "table": document_respondents,
    },
    "export": {
        "source_lines": False,
        "self_selected": False,
        "categorical_codes": True,
        "method_intro": "inputs/export_method.html",
        "free_text_note": "inputs/export_free_text.html",
        "subtitle_text": N_("Reproducible analysis of a respondent-level export"),
        "table": export_respondents,
    },
}


def report_adapter(kind: str = "document") -> ReportAdapter:
    """The report's view of input kind ``kind`` (params.yaml ``input_kind``)."""
    facts = input_kind(kind)
    return ReportAdapter(kind=facts, **_FAMILIES[facts.family])
