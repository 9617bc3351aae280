"""Render the executed report notebook to offline HTML (nbconvert) and PDF (WeasyPrint).

The HTML names its language (``<html lang>``); the PDF is tagged (PDF/UA-1: a structure
tree of headings, paragraphs, lists, tables with their header cells, figures with their
alt text) and carries the language and the title in its metadata.

A report in several languages (``surveys.<id>.languages``) is one notebook whose
outputs each name their edition (output metadata ``{"edition": "es"}``): each
edition's HTML is rendered from its own outputs only (:func:`edition_notebook`).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from helpers.core import i18n

TEMPLATES = Path(__file__).parent / "templates"


# The PDF variant: tagged, with /Lang, the title in its XMP metadata and /MarkInfo.
PDF_VARIANT = "pdf/ua-1"

# The output metadata naming the edition (language) an output belongs to.
EDITION_KEY = "edition"

# Cells tagged so keep their outputs in the executed notebook (for analysts and
# auditors: the parameters and inputs of the run) but not in the report.
HIDDEN_TAG = "report-hide"


def render_html(nb: nbformat.NotebookNode, title: str, lang: str = "en") -> str:
    """Self-contained HTML of the notebook's outputs only (no code, no notes to analysts).

    Outputs of cells tagged ``report-hide`` are left out. ``lang`` (ISO 639-1) is the
    page's ``<html lang>``, which the PDF takes as its /Lang.

    No CDN scripts or external resources: the template drops require.js, MathJax
    and mermaid, and charts are embedded as data URIs.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from nbconvert.utils.iso639_1 import iso639_1

    if lang not in iso639_1:  # nbconvert would replace it by "en" with a mere warning
        raise ValueError(f"report language: expected an ISO 639-1 code (en, es); found {lang!r}")
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="report",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=True,
        language_code=lang,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_all_outputs_tags={HIDDEN_TAG}), enabled=True
    )
    css = (TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    resources = {"report_css": css.replace(PAGE_FOOTER, page_footer(lang))}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


# The PDF's page footer as report.css writes it (English); each edition's in its words.
PAGE_FOOTER = 'content: "Page " counter(page) " of " counter(pages);'


def page_footer(lang: str) -> str:
    """The CSS ``content`` of the page footer in ``lang``: 'Página 3 de 31' in Spanish."""
    with i18n.edition(lang):
        # TRANSLATORS: the PDF's page footer; {page} and {pages} are page numbers.
        words = i18n.gettext("Page {page} of {pages}")
    counters = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
    parts = [p for p in re.split(r"(\{page\}|\{pages\})", words) if p]
    return "content: " + " ".join(counters.get(p) or f'"{p}"' for p in parts) + ";"


def render_pdf(html: str, base_url: str) -> bytes:
    """A4 tagged PDF (PDF/UA-1) of the report HTML; byte-stable for the same input."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant=PDF_VARIANT)


def edition_notebook(nb: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """A copy of ``nb`` with the outputs of ``lang``'s edition and those naming none.

    Refuses a notebook with no output of ``lang`` (an edition the notebook did not build).
    """
    nb = nbformat.from_dict(nb)
    found = False
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            edition = out.get("metadata", {}).get(EDITION_KEY)
            found |= edition == lang
            if edition in (None, lang):
                kept.append(out)
        cell["outputs"] = kept
    if not found:
        raise ValueError(
            f"report notebook: expected outputs of the {lang!r} edition (display metadata "
            f"{{{EDITION_KEY!r}: {lang!r}}}); found none"
        )
    return nb


def editions_in(nb: nbformat.NotebookNode) -> list[str]:
    """The editions the notebook's outputs name, in order of first appearance."""
    seen: dict[str, None] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            edition = out.get("metadata", {}).get(EDITION_KEY)
            if edition is not None:
                seen.setdefault(edition, None)
    return list(seen)
