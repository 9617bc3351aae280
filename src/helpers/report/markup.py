"""HTML fragments of the report, rendered by the macros of ``templates/macros.html``.

Every value is escaped by the templates (:mod:`helpers.report.templating`): source
text is data, never markup. Each function returns :class:`markupsafe.Markup` (a ``str``).

This module is also the report's ``rh`` namespace: it re-exports the formatting of
numbers (:mod:`formatting`), cited numbers (:mod:`citing`), table builders
(:mod:`tables`) and matrices (:mod:`matrices`), each defined once there.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from markupsafe import Markup

from helpers.report.citing import Cited, cite, cite_text, cited, cited_equal, monte_carlo, row_of
from helpers.report.formatting import (
    answer_column,
    distinct_labels,
    fmt_amount,
    fmt_ci,
    fmt_compact,
    fmt_pct,
    fmt_population,
    fmt_shown_ci,
    is_weighted,
    lower_first,
    weighted_counts,
)
from helpers.report.matrices import breakdown_data, crosstab_matrix, group_matrix
from helpers.report.tables import (
    BANNER_MAX,
    BASE_ROW,
    NUMERIC_COLUMNS,
    SUPPRESSED,
    UNWEIGHTED_BASE,
    UNWEIGHTED_BASE_ROW,
    UNWEIGHTED_N,
    WEIGHTED_CELLS,
    fig_cell,
    numeric_data,
    parts_cell,
    row_header,
    summary_data,
    table,
    table_data,
    weighted_columns,
)
from helpers.report.templating import esc, macro, render, text

__all__ = [
    "BANNER_MAX",
    "BASE_ROW",
    "NUMERIC_COLUMNS",
    "SUPPRESSED",
    "UNWEIGHTED_BASE",
    "UNWEIGHTED_BASE_ROW",
    "UNWEIGHTED_N",
    "WEIGHTED_CELLS",
    "Cited",
    "answer_column",
    "breakdown_data",
    "bullet_list",
    "cite",
    "cite_text",
    "cited",
    "cited_equal",
    "crosstab_matrix",
    "distinct_labels",
    "esc",
    "fig_cell",
    "figure",
    "fmt_amount",
    "fmt_ci",
    "fmt_compact",
    "fmt_pct",
    "fmt_population",
    "fmt_shown_ci",
    "group_matrix",
    "heading",
    "is_weighted",
    "lower_first",
    "monte_carlo",
    "numeric_data",
    "paragraph",
    "parts_cell",
    "svg_data",
    "row_header",
    "row_of",
    "summary_data",
    "table",
    "table_data",
    "text",
    "toc",
    "weighted_counts",
    "weighted_columns",
]


def heading(title: str, anchor_id: str, level: int = 2) -> Markup:
    """A section heading with an id for the table of contents."""
    return macro("heading")(title, anchor_id, level)


def toc(entries: Iterable[tuple[str, str, int]]) -> Markup:
    """Table of contents from (anchor, title, level) entries."""
    return render("toc.html", entries=list(entries))


def paragraph(html_text: str, cls: str = "") -> Markup:
    """A paragraph of HTML (the caller's: it is inserted as markup, not escaped)."""
    return macro("paragraph")(Markup(html_text), cls)


def bullet_list(items: Iterable[str], ordered: bool = False) -> Markup:
    """A list of HTML items (the caller's: they are inserted as markup, not escaped)."""
    return macro("bullet_list")([Markup(i) for i in items], ordered)


def svg_data(svg: bytes) -> str:
    """A chart's SVG bytes as the base64 text of a data URI (the ``figure`` macro's)."""
    return base64.b64encode(svg).decode("ascii")


def figure(svg: bytes, alt: str, caption: str, anchor_id: str) -> Markup:
    """An embedded SVG chart (data URI) with alt text and an HTML caption (the caller's)."""
    return macro("figure")(svg_data(svg), alt, Markup(caption), anchor_id)
