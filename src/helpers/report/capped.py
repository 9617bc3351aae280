"""The cap on the report's question sections (``report.max_question_sections``, issue 23).

A survey of hundreds of questions gave a PDF of hundreds of pages, one section per
question. Above the cap, the questions beyond it get no section of their own: every
summary table still shows them, the report names them and the key that left them out,
and each of their figures keeps its place (``fig-<id>``) in the HTML's list below, which
links to its provenance entry (and the entry back to it).
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.codebook_figure_ids import COLUMN_TEST_KIND
from helpers.core.i18n import _
from helpers.core.small_base import SmallBasePolicy
from helpers.report.formatting import fmt_number, fmt_pct
from helpers.report.tables import group_name
from helpers.report.templating import cap_text, render

KEY = "report.max_question_sections"


def with_section(book: Codebook, cap: int) -> tuple[Question, ...]:
    """The questions that get a section of their own: the first ``cap``, in codebook order."""
    return book.summarized[:cap]


def without_section(book: Codebook, cap: int) -> tuple[Question, ...]:
    """The questions beyond the cap: no section, every figure in the summary tables' rows."""
    return book.summarized[cap:]


def capped_figures(book: Codebook, summaries: pd.DataFrame, q: Question) -> pd.DataFrame:
    """The figures a capped question's own section would have shown.

    Overall and by its breakdowns; its cross-tabulations keep their sections, and its column
    tests their rows in the column-tests appendix.
    """
    crossed = {col for row, col in book.crosstabs if row == q.id}
    rows = summaries[summaries["question"] == q.id]
    return rows[~rows["group"].isin(crossed) & (rows["kind"] != COLUMN_TEST_KIND)]


def _label(row: pd.Series, policy: SmallBasePolicy | None) -> str:
    """A figure as the list shows it: its group, what it counts and its printed value."""
    value = (
        row["group_value"]
        if policy is None
        else group_name(row["group_code"], row["group_value"], policy)
    )
    group = _("All") if row["group"] == "all" else str(value)
    what = row["answer"] if row["kind"] in ("answer", "net", "excluded", "missing") else None
    what = what if isinstance(what, str) and what else str(row["answer_code"])
    value = fmt_pct(row["shown"]) if row["stat"] == "pct" else fmt_number(row["shown"])
    group, what = cap_text(group), cap_text(what)  # a 20,000-character label is cut
    if not value:
        return f"{group} · {what}"
    # TRANSLATORS: a figure of a question without a section: its group, answer and value.
    return _("{group} · {answer}: {value}").format(group=group, answer=what, value=value)


def capped_section(
    book: Codebook, summaries: pd.DataFrame, cap: int, policy: SmallBasePolicy | None = None
) -> Markup:
    """What the report says of the questions without a section, and their figures' places.

    ``policy``: the small-base policy, naming the pooled small groups in the edition's words
    (None: as summaries.csv writes them).
    """
    left = without_section(book, cap)
    questions = [
        {
            "short": q.short,
            "text": q.text,
            "figures": [
                (_label(r, policy), r["figure_id"])
                for _i, r in capped_figures(book, summaries, q).iterrows()
            ],
        }
        for q in left
    ]
    return render(
        "capped_section.html",
        key=KEY,
        cap=cap,
        total=len(book.summarized),
        questions=questions,
    )
