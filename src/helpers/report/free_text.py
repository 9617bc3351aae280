"""The free-text answers: counts per question and item, and every answer with its source line."""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl
from markupsafe import Markup

from helpers.core.codebook import Codebook
from helpers.core.i18n import _
from helpers.report.adapters import ReportAdapter, report_adapter
from helpers.report.citing import counted
from helpers.report.formatting import fmt_number
from helpers.report.rows import Rows, rows_where
from helpers.report.section_parts import question_title
from helpers.report.tables import fig_cell, table_data
from helpers.report.templating import render

DOCUMENT = report_adapter("document")


def free_text_section(
    book: Codebook,
    free_text: Rows,
    summaries: pd.DataFrame,
    max_rows: int | None = None,
    adapter: ReportAdapter = DOCUMENT,
) -> Markup:
    """All free-text answers, by question and item, with counts cited by figure id."""
    totals = summaries[(summaries["kind"] == "free_text") & (summaries["group"] == "all")]
    short = {q.id: q.short for q in book.free_text}
    show = pd.DataFrame(
        {
            _("Question"): [short.get(q, q) for q in totals["question"]],
            _("Answers"): [
                fig_cell(f, fmt_number(n))
                for f, n in zip(totals["figure_id"], totals["n"], strict=True)
            ],
        }
    )
    questions = []
    for q in book.free_text:
        items = None
        if q.items:
            rows = summaries[(summaries["question"] == q.id) & (summaries["group"] == "item")]
            items = table_data(
                pd.DataFrame(
                    {
                        _("Activity"): rows["group_code"],
                        _("Label"): rows["group_value"],
                        _("Answers"): [
                            fig_cell(f, fmt_number(n))
                            for f, n in zip(rows["figure_id"], rows["n"], strict=True)
                        ],
                    }
                ),
                _("{question}: answers per activity").format(question=q.short),
                cls="figures",
            )
        questions.append(
            {
                "id": q.id,
                "title": question_title(q),
                "text": q.text,
                "count": counted(summaries, f"{q.id}.all.all.count"),
                "groups": free_text_groups(free_text, book, q.id, max_rows),
                "per_item": items,
            }
        )
    totals_table = table_data(show, _("Free-text answers per question"), cls="figures")
    return render(
        "free_text_section.html",
        input=adapter,
        totals=totals_table,
        questions=questions,
        unit=adapter.unit,
    )


def free_text_groups(
    answers: Rows, book: Codebook, qid: str, max_rows: int | None = None
) -> list[dict[str, Any]]:
    """The free-text answers of one question by item: code, label, count, listed answers."""
    q = book.question(qid)
    out = []
    item = pl.col("item").cast(pl.String).fill_null("")
    for code, label in [(o.code, o.label) for o in q.items] or [("", "")]:
        where = (pl.col("question") == qid) & (item == code)
        n, listed = rows_where(answers, where, ["text", "line"], max_rows)
        out.append(
            {
                "code": code,
                "label": label,
                "count": n,
                "more": n - len(listed),
                "answers": list(zip(listed["text"], listed["line"], strict=True)),
            }
        )
    return out


def free_text_block(answers: Rows, book: Codebook, qid: str, max_rows: int | None = None) -> Markup:
    """The free-text answers of one question (grouped by item), with their source lines.

    At most ``max_rows`` answers per group are listed; a note gives the rest's count.
    """
    return render(
        "free_text_block.html", qid=qid, groups=free_text_groups(answers, book, qid, max_rows)
    )
