"""The summary table (helpers.report.summary_table): every question by a breakdown.

Checked on the committed summaries of every shipped survey (REAL: ANES 1996, NHANES II,
the 2013 document; INVENTED: invented_example): each number it prints is its figure's
value as summaries.csv holds it (read by plain pandas), every figure of a tabulated
question is there once, and the small-base policy applies as in the question sections.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core.codebook import load_codebook
from helpers.core.small_base import SmallBasePolicy
from helpers.report.formatting import fmt_number, fmt_pct
from helpers.report.summary_table import ALL, summary_groups, summary_table_data, tabulated
from helpers.report.tables import SUPPRESSED
from helpers.report.templating import macro

REPO = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
SURVEYS = list(PARAMS["surveys"])
LINK = re.compile(r'<a class="v" href="#prov-([^"]+)"[^>]*>([^<]*)</a>')


def _inputs(survey: str):
    spec = PARAMS["surveys"][survey]
    book = load_codebook(REPO / spec["codebook"])
    summaries = pd.read_csv(
        REPO / "data/processed" / survey / "summaries.csv",
        dtype={"shown": str, "group_code": str, "answer_code": str},
        keep_default_na=False,
        na_values=[""],
    )
    return book, summaries


def _table(book, summaries, group, policy) -> str:
    return str(macro("table")(summary_table_data(book, summaries, group, policy)))


def _expected_text(row: pd.Series) -> str:
    if row["kind"] in ("answer", "net"):
        return fmt_pct(row["pct"])
    if row["kind"] in ("missing", "excluded"):
        return fmt_number(int(row["n"]))  # a count in the edition's format: '5,395'
    return fmt_number(row["shown"])  # numeric statistics and p-values as printed


@pytest.mark.parametrize("survey", SURVEYS)
def test_each_number_is_its_figure_and_each_figure_is_there_once(survey):
    book, summaries = _inputs(survey)
    policy = SmallBasePolicy(10, "flag")
    by_id = summaries.set_index("figure_id")
    for group in summary_groups(book):
        table = _table(book, summaries, group, policy)
        assert 'id="fig-' not in table  # figures are placed in their sections, linked here
        links = LINK.findall(table)
        assert links
        for fid, shown in links:
            assert html.unescape(shown) == _expected_text(by_id.loc[fid]), (group, fid)
        questions, left = tabulated(book, group)
        levels = {
            ALL,
            *(
                summaries.loc[
                    (summaries["question"] == "respondents") & (summaries["group"] == group),
                    "group_code",
                ]
            ),
        }
        ours = summaries[summaries["question"].isin([q.id for q in questions])]
        cells = ours[
            ours["group"].isin({ALL, group})
            & ours["group_code"].isin(levels)
            & (
                ours["kind"].isin(["answer", "net", "missing", "excluded"])
                | ours["stat"].isin(["mean", "sd", "median", "p25", "p75"])
            )
        ]
        tests = ours[(ours["group"] == group) & (ours["answer_code"] == "p_adjusted")]
        got = [fid for fid, _ in links]
        assert sorted(got) == sorted([*cells["figure_id"], *tests["figure_id"]]), (survey, group)
        for q in left:
            assert f"{q.id}." not in " ".join(got)


def test_a_question_is_never_tabulated_by_its_own_variable():
    """ANES 1996: party identification (pid) is the party group's own column: by party it
    would be a 100% diagonal, so it is left out of that table and named in its note."""
    book, summaries = _inputs("anes96")
    questions, left = tabulated(book, "party")
    assert "pid" in [q.id for q in left] and "pid" not in [q.id for q in questions]
    data = summary_table_data(book, summaries, "party", SmallBasePolicy(10, "flag"))
    assert "not by party identification: Party identification" in data["note"]
    by_education, _ = tabulated(book, "education")
    assert "pid" in [q.id for q in by_education]


def test_small_bases_are_suppressed_as_in_the_sections():
    """ANES 1996 by education under ``suppress`` with a threshold of 20: the 13 respondents
    of '1-8 grades' show '–' for every percentage and statistic, their counts stay."""
    book, summaries = _inputs("anes96")
    table = _table(book, summaries, "education", SmallBasePolicy(20, "suppress"))
    small = summaries[
        (summaries["group"] == "education")
        & (summaries["group_code"] == "1")
        & summaries["kind"].isin(["answer", "numeric"])
    ]
    shown = dict(LINK.findall(table))
    for fid in small["figure_id"]:
        if fid in shown:
            assert shown[fid] == SUPPRESSED, fid
    assert "1-8 grades (n = 13)" in table


def test_groups_pooled_under_merge_are_shown_pooled():
    """INVENTED example (small_base_rule: merge): where a question's section pools a
    breakdown's small groups (its summaries.csv has ``<q>.<group>._pooled.*`` rows), the
    summary table shows no figure of those groups on their own: each such cell says
    "pooled" and links to the pooled figure; the other groups' cells are their figures."""
    book, summaries = _inputs("invented_example")
    policy = SmallBasePolicy(10, "merge")
    by_id = summaries.set_index("figure_id")
    checked = 0
    for group in summary_groups(book):
        table = _table(book, summaries, group, policy)
        links = dict((fid, text) for fid, text in LINK.findall(table))
        pooled = summaries[(summaries["group"] == group) & (summaries["group_code"] == "_pooled")]
        for qid in pooled["question"].unique():
            rows = summaries[(summaries["question"] == qid) & (summaries["group"] == group)]
            levels = rows[
                rows["kind"].isin(["answer", "numeric"]) & (rows["group_code"] != "_pooled")
            ]
            small = {c for c, b in zip(levels["group_code"], levels["base"], strict=True) if b < 10}
            for _, r in rows[rows["group_code"].isin(small)].iterrows():
                assert r["figure_id"] not in links, r["figure_id"]  # never on its own
            for fid in pooled.loc[pooled["question"] == qid, "figure_id"]:
                if fid in links:
                    assert links[fid] == "pooled" and fid in by_id.index
                    checked += 1
    assert checked > 0  # the invented survey pools somewhere (q1 by region and by type)
