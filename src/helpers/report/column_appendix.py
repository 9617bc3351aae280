"""Appendix: the column tests behind the tables' letters, each test's place in the report.

Every figure has a place (``fig-<id>``) its provenance entry links back to; a column test's
is its row here: the figure's own words (the answer, the two groups, the difference, its
standard error, the statistic and the p-value) and its adjusted p-value, one table per
question and breakdown. The HTML lists them; the PDF points to the HTML.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook
from helpers.core.codebook_figure_ids import COLUMN_TEST_KIND
from helpers.core.i18n import _
from helpers.core.params import StatsParams
from helpers.report.formatting import fmt_number
from helpers.report.tables import fig_cell, table_data
from helpers.report.templating import render, text


def column_test_tables(book: Codebook, summaries: pd.DataFrame) -> list[dict]:
    """The ``table`` macro's data of each question and breakdown's tests, in summaries order."""
    tests = summaries[summaries["kind"] == COLUMN_TEST_KIND]
    out = []
    for (qid, group), rows in tests.groupby(["question", "group"], sort=False):
        cells = [
            [text(r["answer"]), fig_cell(r["figure_id"], fmt_number(r["shown"]))]
            for _i, r in rows.iterrows()
        ]
        frame = pd.DataFrame(cells, columns=[_("Test"), _("Adjusted p")], dtype=object)
        caption = _("{question} by {group}").format(
            question=book.question(qid).short, group=book.group(group).label.lower()
        )
        out.append(table_data(frame, caption=caption, cls="column-tests"))
    return out


def column_tests_appendix(
    book: Codebook, summaries: pd.DataFrame, sp: StatsParams, threshold: int, report: str
) -> Markup:
    """The appendix: every column test (HTML), or a pointer to the HTML (PDF)."""
    tables = column_test_tables(book, summaries)
    return render(
        "column_tests_appendix.html",
        tables=tables,
        count=int((summaries["kind"] == COLUMN_TEST_KIND).sum()),
        alpha=sp.column_alpha,
        no_test=sp.column_test == "none",
        threshold=threshold,
        report=report,
    )
