"""The stages, run as DVC runs them, on the invented mini survey in a temporary project copy."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from doc_facts import MINI_COUNTRY_CODES, MINI_FREE_TEXT, MINI_ORGS, lines_equal, mini_bullet
from project_copy import SURVEY, data, make_project, ok, run_stage, survey_entry

from helpers.pipeline.normalize import volatile_fields

pytestmark = pytest.mark.pipeline

SOURCE = "data/raw/mini_survey.txt"
FIRST_STAGES = ("extract", "clean", "summarize")
REGISTRATION_LINES = ("Registered", "Not registered", "Not Registered")


def make_mini(dest: Path, source_text: str) -> Path:
    """A project whose one survey is the mini document."""
    return make_project(dest, {SURVEY: survey_entry(SOURCE)}, {SOURCE: source_text})


def snapshot(root: Path) -> dict[str, bytes]:
    """Bytes of every output file (data/processed and reports)."""
    files = [*(root / "data" / "processed").rglob("*"), *(root / "reports").rglob("*")]
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in files
        if p.is_file() and "_failed" not in p.parts
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory, mini_text):
    """A project on the mini survey after extract, clean and summarize."""
    root = make_mini(tmp_path_factory.mktemp("mini") / "project", mini_text)
    for stage in FIRST_STAGES:
        ok(run_stage(root, stage), stage)
    return root


def _csv(root: Path, rel: str) -> pd.DataFrame:
    return pd.read_csv(data(root, rel), keep_default_na=False, dtype=str)


def _nearest_before(lines: list[str], line: int, starts: tuple[str, ...]) -> int:
    """The closest line above ``line`` whose text starts with one of ``starts``."""
    for n in range(line - 1, 0, -1):
        text = lines[n - 1].strip()
        if any(text == s or text.startswith(s) for s in starts):
            return n
    raise AssertionError(f"nothing above line {line} starts with {starts}")


Q1_PARAGRAPHS = ("Of the 7 CSOs that completed the survey, four", "In contrast, the following")
Q2_HEADINGS = ("VERY USEFUL:", "MODERATELY USEFUL:", "USEFUL:", "DON’T KNOW:")


def test_responses_one_row_per_organization(project, mini_lines):
    responses = _csv(project, "responses.csv")
    assert responses["organization"].tolist() == list(MINI_ORGS)
    assert responses["respondent_id"].tolist() == [f"R{i:02d}" for i in range(1, 8)]
    for _, row in responses.iterrows():
        acronym, country, reg, q1, q2 = MINI_ORGS[row["organization"]]
        assert (row["acronym"], row["country"], row["oas_registered"]) == (acronym, country, reg)
        assert (row["q1"], row["q2"]) == (q1, q2 or "")
        listed = lines_equal(mini_lines, mini_bullet(row["organization"]))
        assert len(listed) == (3 if q2 else 2)
        org_line = listed[0]
        expected = {
            "organization_line": org_line,
            "country_line": _nearest_before(mini_lines, org_line, (country,)),
            "oas_registered_line": _nearest_before(mini_lines, org_line, REGISTRATION_LINES),
            "q1_line": listed[1],
            "q1_heading_line": _nearest_before(mini_lines, listed[1], Q1_PARAGRAPHS),
            "q2_line": listed[2] if q2 else "",
            "q2_heading_line": _nearest_before(mini_lines, listed[2], Q2_HEADINGS) if q2 else "",
        }
        assert {k: row[k] for k in expected} == {k: str(v) for k, v in expected.items()}
        assert mini_lines[int(row["country_line"]) - 1].strip() == country


def test_rejects_and_reconciliation(project):
    assert _csv(project, "rejects.csv").empty
    counts = _csv(project, "reconciliation.csv").set_index("list")
    assert counts["rows_read"].to_dict() == {"roster": "7", "q1": "7", "q2": "6"}
    assert set(counts["balanced"]) == {"True"}


def _expected_figures() -> dict[str, tuple[int, int | None]]:
    """figure_id -> (n, base), counted from the hand-written facts of the fixture."""
    orgs = [
        dict(zip(("acronym", "country", "oas_registered", "q1", "q2"), v, strict=True))
        for v in MINI_ORGS.values()
    ]
    for org in orgs:
        org["country_code"] = MINI_COUNTRY_CODES[org["country"]]
    answers = {
        "q1": ["yes", "no"],
        "q2": ["very_useful", "moderately_useful", "useful", "unnecessary", "dont_know"],
    }
    groups = {
        "all": {"all": lambda o: True},
        "oas_registered": {
            c: (lambda o, c=c: o["oas_registered"] == c) for c in ("registered", "not_registered")
        },
        "country": {
            c: (lambda o, c=c: o["country_code"] == c) for c in MINI_COUNTRY_CODES.values()
        },
    }
    out: dict[str, tuple[int, int | None]] = {}
    for group, levels in groups.items():
        for code, member in levels.items():
            out[f"respondents.{group}.{code}"] = (sum(map(member, orgs)), len(orgs))
    cross = {"q1": {c: (lambda o, c=c: o["q1"] == c) for c in answers["q1"]}}
    for q, codes in answers.items():
        for group, levels in {**groups, **(cross if q == "q2" else {})}.items():
            for code, member in levels.items():
                members = [o for o in orgs if member(o)]
                base = sum(o[q] is not None for o in members)
                for a in codes:
                    out[f"{q}.{group}.{code}.{a}"] = (sum(o[q] == a for o in members), base)
                if base < len(members):
                    out[f"{q}.{group}.{code}.missing"] = (len(members) - base, len(members))
            if group == "all":
                continue
            # a test of independence over the table's non-empty groups and answers
            table = [
                [sum(member(o) and o[q] == a for o in orgs) for a in codes]
                for member in levels.values()
            ]
            table = [row for row in table if sum(row)]
            used = [j for j in range(len(codes)) if sum(row[j] for row in table)]
            if len(table) >= 2 and len(used) >= 2:
                n = sum(map(sum, table))
                for part in ("statistic", "df", "p", "p_adjusted"):
                    out[f"{q}.{group}.test.{part}"] = (n, n)
    for qid in ("q1_how", "q2_comment", "q3", "q4", "q5"):
        total = sum(n for (q, _), n in MINI_FREE_TEXT.items() if q == qid)
        out[f"{qid}.all.all.count"] = (total, None)
    for item in range(1, 9):
        out[f"q3.item.{item}.count"] = (MINI_FREE_TEXT.get(("q3", str(item)), 0), None)
    return out


def test_summaries_equal_hand_counts(project):
    figures = _csv(project, "summaries.csv")
    expected = _expected_figures()
    assert sorted(figures["figure_id"]) == sorted(expected)
    for _, row in figures.iterrows():
        n, base = expected[row["figure_id"]]
        assert row["n"] == str(n), row["figure_id"]
        assert row["base"] == ("" if base is None else str(base)), row["figure_id"]
        if row["kind"] == "answer" and base:
            pct = (Decimal(100 * n) / Decimal(base)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            assert Decimal(row["pct"]) == pct, row["figure_id"]
            assert Decimal(row["ci_low"]) <= pct <= Decimal(row["ci_high"])
        elif row["kind"] == "answer":
            assert row["pct"] == "" and row["ci_low"] == ""
    free = _csv(project, "free_text.csv")
    assert Counter(zip(free["question"], free["item"], strict=True)) == Counter(MINI_FREE_TEXT)


def test_claims_csv(project, mini_lines):
    claims = _csv(project, "claims.csv")
    at_chart = claims[claims["source_line"] == str(lines_equal(mini_lines, "● Yes: 57%")[0])]
    assert sorted(at_chart[["kind", "question", "answer", "stated_text"]].values.tolist()) == [
        ["percent", "q1", "yes", "57%"],
        ["percent_sum", "q1", "", "100%"],
    ]
    assert not claims["stated_text"].isin(["123", "2012", "2013", "30"]).any()


def test_executed_notebooks_are_normalized(project):
    for name in ("01_extract", "02_clean", "03_summarize"):
        nb = nbformat.read(
            project / "reports" / SURVEY / "notebooks" / f"{name}.ipynb", as_version=4
        )
        assert volatile_fields(nb) == [], name
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), name
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1, name
    assert not (project / "reports" / "_failed").exists()


def test_rerun_is_byte_identical(project, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(project, again)
    before = snapshot(again)
    ok(run_stage(again, "extract"), "extract")
    assert snapshot(again) == before


def test_unknown_answer_heading_fails_and_keeps_outputs(project, tmp_path, mini_text):
    broken = mini_text.replace("MODERATELY USEFUL:", "SOMEWHAT USEFUL:")
    line = broken.splitlines().index("SOMEWHAT USEFUL:") + 1
    root = tmp_path / "broken"
    shutil.copytree(project, root)
    before = snapshot(root)
    (root / SOURCE).write_text(broken, encoding="utf-8")
    proc = run_stage(root, "extract")
    assert proc.returncode == 1
    assert f"[extract@{SURVEY}] FAILED" in proc.stderr
    assert f"{SOURCE}:{line}: expected an answer heading of q2" in proc.stderr
    assert "SourceError" in proc.stderr
    assert snapshot(root) == before
    assert (root / "reports" / "_failed" / SURVEY / "01_extract.ipynb").is_file()


def test_report_stage(project, tmp_path):
    root = tmp_path / "report"
    shutil.copytree(project, root)
    for stage in ("audit", "report"):
        ok(run_stage(root, stage), stage)
    html = (root / "reports" / SURVEY / "report.html").read_text(encoding="utf-8")
    for org in MINI_ORGS:
        assert org in html, org
    assert 'id="fig-q1.all.all.yes"' in html
    assert "57.1%" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "external resource"
    assert "<script src" not in html
    assert (root / "reports" / SURVEY / "report.pdf").read_bytes().startswith(b"%PDF-")
