"""A named cap on the report's size by question count (issue 23: 200 questions, 221 pages).

INVENTED data: a 200-question survey of helpers.tools.synthetic_survey (120 respondents).
Above ``report.max_question_sections`` the questions beyond it get no section of their
own; the summary tables still show every question; the report names the others and the
key; every figure keeps its place (``fig-<id>``) and its provenance entry. Pages, bytes
and seconds are printed, never asserted; the page count is bounded.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pypdf
import pytest
import yaml
from project_copy import data, make_project, ok, run_stage, survey_entry, write_params

from helpers.core.codebook import load_codebook
from helpers.report.capped import KEY, with_section, without_section
from helpers.report.contents import CAPPED, report_sections
from helpers.tools.synthetic_survey import make_codebook, write_survey

QUESTIONS = 200
CAP = 12
# Before the cap: 221 pages (issue 23). Now the question sections are bounded by the cap
# (at most SECTION_PAGES each); the summary tables, which show every question, grow by
# one row per answer, and the rest of the report is a few pages.
MAX_PAGES = 100
SECTION_PAGES = 2


def test_the_first_questions_get_sections_the_rest_are_named():
    from helpers.core.codebook import parse_codebook

    book = parse_codebook(make_codebook(30))
    anchors = [s.anchor for s in report_sections(book, max_sections=10)]
    assert [q.id for q in with_section(book, 10)] == [f"q{i}" for i in range(1, 11)]
    assert [q.id for q in without_section(book, 10)] == [f"q{i}" for i in range(11, 31)]
    assert "q10" in anchors and "q11" not in anchors and "capped" in anchors
    uncapped = [s.anchor for s in report_sections(book, max_sections=30)]
    assert "q30" in uncapped and "capped" not in uncapped
    assert [s.anchor for s in report_sections(book)] == uncapped


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cap")
    write_survey(root / "incoming", 120, QUESTIONS, seed=23)
    book = root / "incoming/codebook.yaml"
    text = book.read_text(encoding="utf-8")  # one breakdown: a shorter summary table
    book.write_text(text.replace("  - region\n  - org_type\n", "  - region\n", 1), "utf-8")
    make_project(
        root,
        {
            "big": survey_entry(
                "incoming/survey.csv", "incoming/codebook.yaml", input_kind="respondent_csv"
            )
        },
    )
    write_params(
        root,
        {
            "big": survey_entry(
                "incoming/survey.csv", "incoming/codebook.yaml", input_kind="respondent_csv"
            )
        },
        report={"max_question_sections": CAP},
    )
    took = {}
    for stage in ("extract", "clean", "summarize", "audit", "report"):
        start = time.perf_counter()
        ok(run_stage(root, stage, "big", timeout=900), stage, "big")
        took[stage] = time.perf_counter() - start
    html = (root / "reports/big/report.html").read_text(encoding="utf-8")
    pdf = root / "reports/big/report.pdf"
    texts = [page.extract_text() for page in pypdf.PdfReader(pdf).pages]
    pages = len(texts)
    parsed = load_codebook(root / "incoming/codebook.yaml")
    first = next(i for i, t in enumerate(texts) if with_section(parsed, CAP)[0].text in t)
    capped = max(i for i, t in enumerate(texts) if CAPPED in t)
    print(
        f"\n{QUESTIONS} questions, {KEY} = {CAP}: {pages} PDF pages, PDF {pdf.stat().st_size:,} "
        f"bytes, HTML {len(html.encode()):,} bytes, report stage {took['report']:.1f} s; "
        f"question sections: pages {first + 1} to {capped + 1}"
    )
    return {
        "root": root,
        "html": html,
        "pages": pages,
        "section_pages": capped - first,
        "book": parsed,
    }


@pytest.mark.slow
def test_the_pdf_of_200_questions_is_bounded(run):
    assert run["pages"] <= MAX_PAGES
    assert 0 < run["section_pages"] <= SECTION_PAGES * CAP


@pytest.mark.slow
def test_only_the_first_questions_have_a_section_and_the_report_names_the_rest(run):
    html, book = run["html"], run["book"]
    anchors = set(re.findall(r'\bid="([^"]+)"', html))
    assert {q.id for q in book.summarized if q.id in anchors} == {
        q.id for q in with_section(book, CAP)
    }
    block = html.split('id="capped"')[1].split("<h2")[0]
    assert CAPPED in html and f"<code>{KEY} = {CAP}</code>" in block
    for q in without_section(book, CAP):
        assert f"<strong>{q.short}</strong>" in block, q.id


@pytest.mark.slow
def test_the_summary_table_shows_every_question(run):
    summary = run["html"].split('id="summary"')[1].split('id="method"')[0]
    heads = re.findall(r'<th scope="row">([^<]+)</th>', summary)
    for q in run["book"].summarized:
        assert q.short in heads, q.id


@pytest.mark.slow
def test_every_figure_keeps_its_place_and_its_provenance_entry(run):
    """As tests/test_report_links.py asks of the shipped reports: nothing lost."""
    html = run["html"]
    ids = pd.read_csv(data(run["root"], "summaries.csv", "big"), usecols=["figure_id"])
    anchors = re.findall(r'\bid="([^"]+)"', html)
    # (a sectioned question's overall figures are anchored in its overall table and again in
    # each breakdown's "All" column: so in every shipped report; the capped ones once)
    capped = {q.id for q in without_section(run["book"], CAP)}
    twice = [a for a in anchors if a.startswith("fig-") and a.split(".")[0][4:] in capped]
    assert len(twice) == len(set(twice)) > 0, "a capped figure's anchor twice"
    links = set(re.findall(r'href="#([^"]+)"', html))
    back = dict(
        re.findall(
            r'<section class="prov" id="prov-([^"]+)">.*?<a class="back" href="#fig-([^"]+)"',
            html,
            re.S,
        )
    )
    have = set(anchors)
    lacking = [
        f
        for f in ids["figure_id"]
        if f"prov-{f}" not in have
        or f"fig-{back.get(f)}" not in have
        or f"fig-{f}" not in have
        or f"prov-{f}" not in links
    ]
    assert lacking == [], lacking[:8]
    assert sorted(links - have) == []


def test_the_cap_is_a_declared_report_parameter():

    root = Path(__file__).resolve().parents[1]
    stages = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    assert KEY in stages["report"]["do"]["params"]
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    assert isinstance(params["report"]["max_question_sections"], int)


def test_a_20000_character_label_is_cut_in_the_capped_list_and_the_lead(tmp_path):
    """INVENTED: a capped question and a sectioned one whose text and answer labels run to
    20,000 characters: the list and the lead show at most LABEL_CAP of them."""
    from project_copy import project_stats, summarized

    from helpers.clean.export import clean_export
    from helpers.core.codebook import parse_codebook
    from helpers.core.small_base import SmallBasePolicy
    from helpers.extract.export import read_export
    from helpers.report.capped import capped_section
    from helpers.report.section_lead import lead_sentence
    from helpers.report.templating import LABEL_CAP

    raw = make_codebook(4)
    long = "x" * 20_000
    for q in raw["questions"][:3]:
        q["text"] = long
        q["answers"][0]["label"] = long
    write_survey(tmp_path, 60, 4, seed=5)
    (tmp_path / "codebook.yaml").write_text(yaml.safe_dump(raw), "utf-8")
    book = parse_codebook(raw)
    path = tmp_path / "survey.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    figures = summarized(result.responses, free, book, project_stats()).figures
    html = str(capped_section(book, figures, 1)) + "".join(
        str(lead_sentence(q, figures, SmallBasePolicy(1, "flag"))) for q in book.summarized
    )
    shown = re.sub(r'title="[^"]*"', "", html)
    assert "x" * LABEL_CAP in html or "x" * (LABEL_CAP - 1) in html  # the labels are there
    assert not re.findall(f"x{{{LABEL_CAP},}}", shown)
    assert len(html) < 20 * 20_000  # not a full copy per figure
