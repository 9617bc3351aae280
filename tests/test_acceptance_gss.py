"""Acceptance (issue 25, "Done when"): a real labelled survey the project does not ship.

REAL data: 400 rows of the General Social Survey's vocabulary test, 1978-2016, as
carData ships it (``carData::GSSvocab``, carData 3.0-5, GPL (>= 2); Debian
r-cran-cardata), made once by tests/fixtures/gss_vocab/make_fixture.R. At test time the
rows are written as a labelled SPSS file (tests/fixtures/gss_vocab/labelled.py: the GSS
codebook's 21 labels of EDUC, carData's levels spelled out in words, up to 61
characters), the codebook is drafted by ``python -m helpers.tools.codebook draft`` and
reviewed here as an analyst would (groups declared, short titles written, one answer
code of two questions left out, as issue 25's user did), and every stage runs in a
temporary project copy. Asserted: the report stage drew every chart through the layout
check (no overlapping or clipped text), the key findings are ranked by effect size with
no repeated group and no zero gap, the summary table holds every question, and clean's
console names every question with rows set aside, with counts from plain pandas.

What it found: a breakdown by the 20 survey years lists the groups down and the answers
across, and its 21 columns ran off the PDF's page (text drawn past the right margin);
such a table now continues in further tables of at most LISTING_MAX answers.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from project_copy import REPO_ROOT, data, env, make_project, ok, run_stage, survey_entry

from helpers.core.codebook import load_codebook
from helpers.core.small_base import SmallBasePolicy
from helpers.core.tables import read_csv
from helpers.report import findings
from helpers.report.matrices import LISTING_MAX, column_blocks

sys.path.insert(0, str(REPO_ROOT / "tests/fixtures/gss_vocab"))
import labelled  # noqa: E402

SLOW = pytest.mark.slow  # every stage of a 400-respondent survey: about a minute

SURVEY = "gss"
LEFT_OUT = {"educ": 20, "agegroup": 1}  # answer codes the review leaves out of the codebook
SHORT = {
    "nativeborn": "Born in this country",
    "agegroup": "Age group",
    "vocab": "Vocabulary test score",
    "age": "Age",
    "educ": "Highest year of school completed",
}


def review(draft: dict) -> dict:
    """The analyst's review of the drafted codebook: groups, short titles, units, codes."""
    questions = {q["id"]: q for q in draft["questions"]}
    for qid, short in SHORT.items():
        questions[qid]["short"] = short
    questions["vocab"]["unit"] = "words"
    questions["age"]["unit"] = "years"
    for qid, code in LEFT_OUT.items():
        questions[qid]["answers"] = [a for a in questions[qid]["answers"] if a["code"] != code]

    def group(gid: str, qid: str, label: str) -> dict:
        q = questions.pop(qid)
        values = [{"code": a["code"], "label": a["label"]} for a in q["answers"]]
        return {"id": gid, "column": q["column"], "label": label, "values": values}

    groups = [
        group("sex", "gender", "Sex"),
        group("schooling", "educgroup", "Years of school, grouped"),
        group("year", "year", "Survey year"),
    ]
    questions["vocab"]["breakdowns"] = ["sex", "schooling", "year"]
    questions["educ"]["breakdowns"] = ["sex", "year"]  # not by its own grouping
    return {
        "survey": {
            **draft["survey"],
            "short_title": "GSS vocabulary",
            "publisher": "NORC at the University of Chicago (as shipped in carData::GSSvocab)",
        },
        "input": draft["input"],
        "groups": groups,
        "questions": list(questions.values()),
        "breakdowns": {"by_group": ["sex", "schooling"]},
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("gss")
    sav = labelled.write_sav(root / "survey.sav")
    drafted = subprocess.run(
        [sys.executable, "-m", "helpers.tools.codebook", "draft", str(sav)],
        capture_output=True,
        text=True,
        env=env(),
        check=True,
    ).stdout
    assert "# REVIEW" in drafted
    book = review(yaml.safe_load(drafted))
    make_project(
        root,
        {SURVEY: survey_entry("survey.sav", codebook="codebook.yaml", input_kind="respondent_sav")},
        {"codebook.yaml": yaml.safe_dump(book, sort_keys=False, allow_unicode=True)},
    )
    logs = {}
    for stage in ("extract", "clean", "summarize", "audit", "report"):
        proc = run_stage(root, stage, SURVEY, timeout=600)
        ok(proc, stage, SURVEY)
        logs[stage] = proc.stderr
    return {"root": root, "logs": logs, "book": load_codebook(root / "codebook.yaml")}


@SLOW
def test_the_fixture_has_long_labels_and_a_question_of_more_than_20_codes(run):
    book = run["book"]
    assert len(labelled.EDUC) == 21 and len(book.question("educ").answers) == 20
    longest = max(len(v.label) for g in book.groups for v in g.values)
    assert longest >= 60
    assert len(book.group("year").values) == 20


@SLOW
def test_every_chart_passed_the_layout_check(run):
    """The report draws each chart through chart_layout.svg_bytes, which refuses overlapping,
    clipped or unreadable text: the stage succeeded, and every chart is in the HTML as SVG."""
    html = (run["root"] / f"reports/{SURVEY}/report.html").read_text(encoding="utf-8")
    log = read_csv(data(run["root"], "chart_figures.csv", SURVEY))
    drawn = set(re.findall(r'<figure class="chart" id="(chart-[^"]+)"', html))
    assert drawn and html.count("image/svg+xml;") == len(drawn) and "image/png" not in html
    assert set(log["chart_id"]) == drawn
    book = run["book"]
    for q in book.closed:
        assert f'id="{q.id}"' in html


def texts_past_the_margin(pdf: Path, margin_mm: float = 16) -> list[tuple[int, float, str]]:
    """Text runs of a PDF that start right of the page's content box (page, x in pt, text).

    report.css's @page margin is 16 mm on each side; a table too wide for the page is
    drawn on past it (WeasyPrint does not shrink it), its columns starting there.
    """
    import pypdf

    found: list[tuple[int, float, str]] = []
    for number, page in enumerate(pypdf.PdfReader(pdf).pages, 1):
        right = float(page.mediabox.width) - margin_mm / 25.4 * 72 + 1

        def visit(text, cm, tm, font, size, number=number, right=right):
            x = tm[4] * cm[0] + cm[4]
            if text.strip() and x > right:
                found.append((number, x, text.strip()))

        page.extract_text(visitor_text=visit)
    return found


@SLOW
def test_no_text_runs_off_the_pdf_page(run):
    pdf = run["root"] / f"reports/{SURVEY}/report.pdf"
    assert texts_past_the_margin(pdf) == []
    html = (run["root"] / f"reports/{SURVEY}/report.html").read_text(encoding="utf-8")
    assert f"Answers {LISTING_MAX + 1}–" in html  # educ by 20 years: continued


@pytest.mark.parametrize("survey", ["oas_2013", "invented_example", "anes96", "nhanes2"])
def test_no_text_runs_off_the_shipped_surveys_pdf_pages(survey):
    assert texts_past_the_margin(REPO_ROOT / "reports" / survey / "report.pdf") == []


def test_a_wide_table_continues_in_blocks_repeating_its_heading_columns():
    columns = ["Group", "Base", *[f"a{i}" for i in range(20)]]
    body = [[f"g{r}", r, *[f"{r}.{i}" for i in range(20)]] for r in range(3)]
    blocks = column_blocks(columns, body, 2, 8)
    assert [len(c) for c, _ in blocks] == [10, 10, 6]
    assert all(
        c[:2] == ["Group", "Base"] and [r[:2] for r in b] == [x[:2] for x in body]
        for c, b in blocks
    )
    assert sum((c[2:] for c, _ in blocks), []) == columns[2:]  # every column once, in order
    assert column_blocks(columns[:5], [r[:5] for r in body], 5, 8) == [
        (columns[:5], [r[:5] for r in body])
    ]


@SLOW
def test_the_console_names_every_question_with_rows_set_aside(run):
    """One line per question with answers left out, its count as plain pandas finds it."""
    raw, _ = labelled.frame()
    columns = {"educ": "educ", "agegroup": "ageGroup"}
    log = run["logs"]["clean"]
    for qid, code in LEFT_OUT.items():
        column = raw[columns[qid]]
        rejected, answered = int((column == code).sum()), int(column.notna().sum())
        assert rejected > 0
        line = f"{qid}: {rejected:,} of {answered:,} answered cells set aside"
        assert line in log, log[-2000:]
    rejects = read_csv(data(run["root"], "rejects.csv", SURVEY))
    assert set(rejects["question"]) == set(LEFT_OUT)


@SLOW
def test_key_findings_are_ranked_by_effect_size_with_distinct_groups_and_a_gap(run):
    root, book = run["root"], run["book"]
    summaries = read_csv(data(root, "summaries.csv", SURVEY), text_columns=("shown",))
    found, tested = findings.comparisons(book, summaries, SmallBasePolicy(10, "flag"), 0.05)
    assert tested > 0 and found, "no comparison below alpha: the test checks nothing"
    by_id = summaries.set_index("figure_id")
    effects = []
    for x in found:
        gap = x["gap"]
        if gap is None:
            continue
        lo, hi = by_id.loc[gap["low"][0].figure_id], by_id.loc[gap["high"][0].figure_id]
        assert lo["group_code"] != hi["group_code"]
        assert float(hi["shown"]) != float(lo["shown"]) and float(gap["difference"]) > 0
        if gap["numeric"]:
            sd = float(by_id.loc[f"{lo['question']}.all.all.sd", "estimate"])
            want = (float(hi["estimate"]) - float(lo["estimate"])) / sd
        else:
            p1, p2 = float(lo["estimate"]) / 100, float(hi["estimate"]) / 100
            want = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
        assert gap["effect"] == pytest.approx(want, rel=1e-12) and want > 0
        effects.append(want)
    assert effects and effects == sorted(effects, reverse=True)
    html = (root / f"reports/{SURVEY}/report.html").read_text(encoding="utf-8")
    block = re.sub(r"<[^>]+>", "", html.split('id="key-findings"')[1].split("<h2")[0])
    for lo, hi in re.findall(r" among ([^,()]+?) to [^()]*?\) among ([^,()]+?),", block):
        assert lo != hi


@SLOW
def test_a_summary_table_holds_every_question(run):
    html = (run["root"] / f"reports/{SURVEY}/report.html").read_text(encoding="utf-8")
    summary = html.split('id="summary"')[1].split('id="method"')[0]
    assert "<table" in summary
    for q in run["book"].summarized:
        assert q.short in summary, q.id
    answers = pd.read_csv(data(run["root"], "summaries.csv", SURVEY), dtype=str)
    assert "educ.all.all.19" in set(answers["figure_id"])
    assert 'href="#fig-educ-all-all-19"' in summary or "educ.all.all.19" in summary


@SLOW
def test_each_question_section_opens_with_its_lead(run):
    """Issue 25 item 4: before its chart and tables, each section's leading figure in words."""
    html = (run["root"] / f"reports/{SURVEY}/report.html").read_text(encoding="utf-8")
    for q in run["book"].summarized:
        section = html.split(f'id="{q.id}"', 1)[1].split("<h2", 1)[0]
        assert section.index('<p class="lead">') < section.index("<table"), q.id
