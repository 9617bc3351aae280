"""Appendix: the column tests behind the tables' letters, each test's place in the report.

Every figure has a place (``fig-<id>``) its provenance entry links back to; a column test's
is its row here: the figure's own words (the answer, the two groups, the difference, its
standard error, the statistic and the p-value) and its adjusted p-value, one table per
question and breakdown. The HTML lists them; the PDF points to the HTML.
"""

from __future__ import annotations

import re

import pandas as pd
from markupsafe import Markup

from helpers.core import i18n
from helpers.core.codebook import Codebook
from helpers.core.codebook_figure_ids import COLUMN_TEST_KIND, PAIR_WORD
from helpers.core.i18n import N_, _
from helpers.core.params import StatsParams
from helpers.report.formatting import fmt_number, lower_first
from helpers.report.tables import fig_cell, table_data
from helpers.report.templating import render, text
from helpers.summarize.column_tests import METHOD_TEXT

# summarize's words for each test (summaries.csv, English) -> the report's message ids.
METHOD_NAMES = {
    METHOD_TEXT["z_pooled"]: N_("z test of two proportions, pooled SE"),
    METHOD_TEXT["z_unpooled"]: N_("z test of two proportions, unpooled SE"),
    METHOD_TEXT["design"]: N_("design-based difference of two domain shares, t on the design df"),
}
# The numbers of summarize's description of a test (helpers.summarize.column_tests), read
# from its end, so that a label holding ", difference" cannot be mistaken for them.
_NUMBERS = re.compile(
    r", difference (?P<diff>[+-][\d.]+) points \(SE (?P<se>[\d.]+)\), "
    r"(?:z|t \((?P<df>[\d.]+) df\)) = (?P<stat>-?[\d.]+), p = (?P<p>[\d.e+-]+) "
    r"\((?P<method>[^()]*)\)$"
)


def describe(row: pd.Series, labels: pd.DataFrame) -> str:
    """A column test in the edition's words: its answer, the two groups and its numbers.

    ``labels``: summaries indexed by figure id, whose two cells name the answer and the
    groups in the edition's language (helpers.report.editions relabels them).
    """
    found = _NUMBERS.search(text(row["answer"]))
    if found is None:
        raise ValueError(f"{row['figure_id']}: expected summarize's description of a test")
    a, _sep, b = str(row["group_code"]).partition(PAIR_WORD)
    stem = f"{row['question']}.{row['group']}"
    first = labels.loc[f"{stem}.{a}.{row['answer_code']}"]
    second = labels.loc[f"{stem}.{b}.{row['answer_code']}"]
    stat = "z" if found["df"] is None else _("t ({df} df)").format(df=i18n.number(found["df"]))
    return _(
        "{answer}: {a} against {b}, difference {diff} points (SE {se}), "
        "{stat} = {value}, p = {p} ({method})"
    ).format(
        answer=text(first["answer"]),
        a=text(first["group_value"]),
        b=text(second["group_value"]),
        diff=i18n.number(found["diff"]),
        se=i18n.number(found["se"]),
        stat=stat,
        value=i18n.number(found["stat"]),
        p=i18n.number(found["p"]),
        method=_(METHOD_NAMES[found["method"]]),
    )


def column_test_tables(book: Codebook, summaries: pd.DataFrame) -> list[dict]:
    """The ``table`` macro's data of each question and breakdown's tests, in summaries order."""
    tests = summaries[summaries["kind"] == COLUMN_TEST_KIND]
    labels = summaries.set_index("figure_id")
    out = []
    for (qid, group), rows in tests.groupby(["question", "group"], sort=False):
        cells = [
            [describe(r, labels), fig_cell(r["figure_id"], fmt_number(r["shown"]))]
            for _i, r in rows.iterrows()
        ]
        frame = pd.DataFrame(cells, columns=[_("Test"), _("Adjusted p")], dtype=object)
        caption = _("{question} by {group}").format(
            question=book.question(qid).short, group=lower_first(book.group(group).label)
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
