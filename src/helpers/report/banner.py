"""Banner tables: several breakdowns side by side (the codebook's ``banners:``).

What SPSS Custom Tables and Q call a banner: the questions and their answers in rows; a
Total column, then each breakdown's groups as a block of columns; n (%) in each cell
(weighted percentages with the weighted count, for a design) and the column-test letters
within each block (one run of letters across the table, so every letter names one
column). Every number links to its figure; the table restates figures of summaries.csv and
computes none (the summary table's cells, helpers.report.summary_table). A question is in
the banner when at least one of its breakdowns is: a block whose breakdown the question is
not broken down by (or that is the question itself) is left blank, and the note says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.codebook_parts import Banner
from helpers.core.i18n import _
from helpers.core.small_base import SmallBasePolicy
from helpers.report.column_letters import LETTERS_NOTE, cell_letters, column_letters
from helpers.report.formatting import fmt_amount, lower_first
from helpers.report.markup import heading
from helpers.report.summary_notes import cells_note, weighted_note
from helpers.report.summary_table import (
    ALL,
    Column,
    closed_rows,
    numeric_rows,
    table_columns,
)
from helpers.report.tables import joined, row_header, table_data
from helpers.report.tabulated import fits
from helpers.report.templating import render


def banner_columns(
    summaries: pd.DataFrame, banner: Banner, policy: SmallBasePolicy
) -> list[Column]:
    """Total, then each breakdown's groups in codebook order (pooled-away groups left out)."""
    total = table_columns(summaries, ALL, policy)[0]
    return [total, *[c for g in banner.by for c in table_columns(summaries, g, policy)[1:]]]


def banner_questions(book: Codebook, banner: Banner) -> list[Question]:
    """The questions of a banner: those broken down by at least one of its breakdowns."""
    return [
        q
        for q in book.summarized
        if q.type != "free_text" and any(fits(book, q, g) for g in banner.by)
    ]


def _blocks(book: Codebook, banner: Banner, columns: list[Column]) -> list[tuple[str, int]]:
    """(label, columns spanned) of the head's first row: Total, then each breakdown."""
    spans = [(book.group(g).label, sum(1 for c in columns if c.group == g)) for g in banner.by]
    return [("", 1), (_("Total"), 1), *[(label, n) for label, n in spans if n]]


def _body(
    book: Codebook,
    summaries: pd.DataFrame,
    banner: Banner,
    columns: list[Column],
    policy: SmallBasePolicy,
    alpha: float | None,
) -> tuple[list[list[Any]], list[str], bool]:
    """(rows, their classes, whether some block was left blank) of a banner's body."""
    named = column_letters([(c.group, c.code) for c in columns if c.group != ALL])
    letters = cell_letters(summaries, named, alpha) if alpha is not None else {}
    body: list[list[Any]] = []
    classes: list[str] = []
    blank = False
    for q in banner_questions(book, banner):
        if q.type == "numeric":
            lines = numeric_rows(summaries, q, columns, policy)
        else:
            lines = closed_rows(summaries, q, columns, policy, letters)
        keep = [c.group == ALL or fits(book, q, c.group) for c in columns]
        blank = blank or not all(keep)
        body.append([row_header(q.short), *[""] * len(columns)])
        classes.append("question")
        for kind, name, cells in lines:
            shown = [cell if k else "" for cell, k in zip(cells, keep, strict=True)]
            body.append([row_header(name), *shown])
            classes.append(kind)
    return body, classes, blank


def banner_table_data(
    book: Codebook,
    summaries: pd.DataFrame,
    banner: Banner,
    policy: SmallBasePolicy,
    alpha: float | None = None,
) -> dict[str, Any]:
    """What ``banner_table.html`` shows: blocks, columns, rows, caption and note."""
    columns = banner_columns(summaries, banner, policy)
    named = column_letters([(c.group, c.code) for c in columns if c.group != ALL])
    tested = alpha is not None and bool(
        ((summaries["kind"] == "column_test") & summaries["group"].isin(banner.by)).any()
    )
    head = [
        "",
        *[
            f"{_('Total') if c.group == ALL else c.label}"
            f"{f' ({named[(c.group, c.code)]})' if tested and c.group != ALL else ''}"
            f" (n = {fmt_amount(c.base)})"
            for c in columns
        ],
    ]
    body, classes, blank = _body(book, summaries, banner, columns, policy, alpha)
    weighted = summaries["base_weighted"].notna().any() if "base_weighted" in summaries else False
    note = joined(
        [
            cells_note(),
            weighted_note() if weighted else "",
            policy.legend if any(policy.small(c.base) for c in columns) else "",
            _(LETTERS_NOTE) if tested else "",
            _("blank: the question is not broken down by that breakdown") if blank else "",
        ],
    )
    frame = pd.DataFrame(body, columns=range(len(head)), dtype=object)
    out = table_data(frame, cls="matrix summary banner", note=note, row_classes=classes)
    out["columns"] = head
    out["blocks"] = _blocks(book, banner, columns)
    out["caption"] = banner_caption(book, banner)
    return out


def banner_caption(book: Codebook, banner: Banner) -> str:
    """'Every question by party identification and education'."""
    labels = [lower_first(book.group(g).label) for g in banner.by]
    joined = (
        labels[0]
        if len(labels) == 1
        else _("{first} and {second}").format(first=", ".join(labels[:-1]), second=labels[-1])
    )
    return banner.title or _("Every question by {group}").format(group=joined)


def banner_headings(book: Codebook) -> list[tuple[str, str, int]]:
    """(anchor, title, level) of each banner's heading, for the contents."""
    return [
        (f"banner-{b.id}", _("Banner: {caption}").format(caption=banner_caption(book, b)), 3)
        for b in book.banners
    ]


def banner_tables(
    book: Codebook, summaries: pd.DataFrame, policy: SmallBasePolicy, alpha: float | None
) -> Markup:
    """Every banner of the codebook, each under its heading (none: empty)."""
    out = []
    for (anchor, title, level), banner in zip(banner_headings(book), book.banners, strict=True):
        data = banner_table_data(book, summaries, banner, policy, alpha)
        out.append(render("banner_table.html", t=data, heading=heading(title, anchor, level)))
    return Markup("").join(out)
