"""SPSS .sav and Stata .dta exports (helpers.extract.labelled) and the codebook draft.

Real data: statsmodels' anes96 (public domain) written as .sav and .dta with the value
labels of its documentation (data/examples/anes96/make_export.py); the .sav also
declares a user-missing code 99 "Refused" on income, which no case holds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
import yaml
from project_copy import (
    STORED_REL,
    data,
    make_project,
    ok,
    project_stats,
    run_stage,
    summarized,
    survey_entry,
)
from statsmodels.datasets import anes96

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import load_codebook, parse_codebook
from helpers.core.errors import SourceError
from helpers.core.tables import read_csv
from helpers.extract.labelled import describe_labelled, read_labelled
from helpers.extract.respondents import first_record, read_respondents
from helpers.tools.codebook import draft

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data/examples/anes96"
FILES = {"respondent_sav": EXAMPLE / "survey.sav", "respondent_dta": EXAMPLE / "survey.dta"}


@pytest.fixture(scope="module")
def book():
    return load_codebook(EXAMPLE / "codebook.yaml")


def _clean(path, book, kind):
    raw = read_respondents(path, book, kind)
    result, free = clean_export(raw, book, str(path))
    return check_export_responses(result.responses, book, "r", first_record(kind)), result


@pytest.mark.parametrize("kind", sorted(FILES))
def test_a_labelled_file_gives_the_csv_s_respondents_numbered_by_case(book, kind):
    csv_rows, _ = _clean(EXAMPLE / "survey.csv", book, "respondent_csv")
    rows, result = _clean(FILES[kind], book, kind)
    assert result.rejects.height == 0
    assert rows["source_line"].to_list() == list(range(1, 945))  # case numbers
    assert csv_rows["source_line"].to_list() == list(range(2, 946))  # lines after the header
    codes = [c for c in rows.columns if c not in ("respondent_id", "source_line")]
    assert rows.select(codes).equals(csv_rows.select(codes))


def test_describe_names_cases_variables_and_hash(book):
    info = describe_labelled(FILES["respondent_sav"], book, "respondent_sav")
    assert info["cases"] == 944 and "PID" in info["columns"] and len(info["sha256"]) == 64


@pytest.mark.parametrize("kind", sorted(FILES))
def test_a_variable_the_codebook_needs_but_the_file_lacks_is_named(book, kind, tmp_path):
    raw = yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))
    raw["questions"][0]["column"] = "PARTY_ID"
    with pytest.raises(SourceError, match=r"no variable\(s\) \['PARTY_ID'\]"):
        read_labelled(FILES[kind], parse_codebook(raw), kind)


def test_a_file_that_is_not_spss_is_refused(book, tmp_path):
    fake = tmp_path / "survey.sav"
    fake.write_text("RESP_ID,Q1\n1,2\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"survey\.sav: expected an SPSS \.sav file; found"):
        read_labelled(fake, book, "respondent_sav")


@pytest.mark.parametrize("kind", sorted(FILES))
def test_the_draft_codebook_passes_the_strict_check_and_keeps_the_labels(kind):
    text = draft(FILES[kind])
    assert "# REVIEW" in text and "# DRAFT codebook of survey." in text
    drafted = parse_codebook(yaml.safe_load(text))
    pid = drafted.question("pid")
    assert [o.label for o in pid.answers][:2] == ["Strong Democrat", "Weak Democrat"]
    assert [o.code for o in pid.answers] == [str(i) for i in range(7)]
    income = drafted.question("income")
    if kind == "respondent_dta":  # Stata: 99 "Refused" is a label like any other, flagged
        assert len(income.answers) == 25 and "99 'Refused' (move them to missing_codes?)" in text
    else:
        assert len(income.answers) == 24
    if kind == "respondent_sav":  # SPSS declares user-missing values; Stata has none here
        assert income.missing_codes == ("99",) and pid.type == "ordinal"
        assert drafted.question("vote").type == "single_choice"
    age = drafted.question("age")  # a numeric variable without value labels
    assert (age.type, age.text, age.source_column) == ("numeric", "Age of respondent", "age")
    assert "numeric without value labels" in text


def test_the_reviewed_draft_gives_figures_equal_to_pandas(tmp_path):
    """Draft, review (add the groups), clean and summarize: counts as pandas counts them."""
    drafted = yaml.safe_load(draft(FILES["respondent_sav"]))
    drafted["groups"] = [
        {
            "id": "education",
            "column": "educ",
            "label": "Education",
            "values": [
                {"code": o["code"], "label": o["label"]}
                for o in next(q for q in drafted["questions"] if q["id"] == "educ")["answers"]
            ],
        }
    ]
    drafted["breakdowns"] = {"by_group": ["education"]}
    book = parse_codebook(drafted)
    responses, result = _clean(FILES["respondent_sav"], book, "respondent_sav")
    figures = summarized(responses, pl.DataFrame(), book, project_stats()).figures
    shipped = anes96.load_pandas().data
    for qid, column in [("pid", "PID"), ("income", "income"), ("vote", "vote")]:
        rows = figures[
            (figures["question"] == qid)
            & (figures["group"] == "education")
            & (figures["kind"] == "answer")
        ]
        table = pd.crosstab(shipped["educ"].astype(int), shipped[column].astype(int))
        for _, r in rows.iterrows():
            g, a = int(r["group_code"]), int(r["answer_code"])
            want = int(table.loc[g, a]) if g in table.index and a in table.columns else 0
            assert r["n"] == want, r["figure_id"]
    for qid, column in [("age", "age"), ("tvnews", "TVnews")]:
        for code, part in shipped.groupby("educ"):
            row = figures[figures["figure_id"] == f"{qid}.education.{int(code)}.mean"].iloc[0]
            assert row["estimate"] == pytest.approx(part[column].mean(), rel=STORED_REL)


def test_draft_command_prints_yaml_and_refuses_other_files(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "helpers.tools.codebook", "draft", str(FILES["respondent_dta"])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout)["questions"]
    other = tmp_path / "survey.csv"
    other.write_text("a\n", encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "helpers.tools.codebook", "draft", str(other)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode != 0 and "expected a .sav, .zsav or .dta file" in bad.stderr


@pytest.mark.slow  # every stage, about a minute; the chunked read is in the fast suite
@pytest.mark.pipeline
def test_a_sav_survey_runs_through_every_stage_and_traces_to_its_cases(tmp_path):
    """A .sav export as a survey of params.yaml: every stage, the report, and the trace."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "survey.sav").write_bytes(FILES["respondent_sav"].read_bytes())
    book = yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))
    book["breakdowns"] = {"by_group": ["party"], "crosstabs": []}  # a short report
    next(q for q in book["questions"] if q["id"] == "income")["breakdowns"] = []
    (folder / "codebook.yaml").write_text(yaml.safe_dump(book, sort_keys=False), encoding="utf-8")
    make_project(
        tmp_path,
        {
            "anes": survey_entry(
                "incoming/survey.sav",
                codebook="incoming/codebook.yaml",
                input_kind="respondent_sav",
            )
        },
    )
    for stage in ("extract", "clean", "summarize", "audit", "report"):
        ok(run_stage(tmp_path, stage, "anes", timeout=300), stage, "anes")
    summaries = read_csv(data(tmp_path, "summaries.csv", "anes")).set_index("figure_id")
    shipped = anes96.load_pandas().data
    assert summaries.loc["vote.all.all.1", "n"] == int((shipped["vote"] == 1).sum())
    responses = read_csv(data(tmp_path, "responses.csv", "anes"))
    assert responses["source_line"].tolist()[:3] == [1, 2, 3]
    html = (tmp_path / "reports/anes/report.html").read_text(encoding="utf-8")
    assert "American National Election Study 1996" in html
    assert 'id="pid-by-party"' in html and 'id="income-by-party"' not in html  # its own
    done = subprocess.run(
        [sys.executable, "-m", "helpers.tools.trace", "vote.party.6.1", "--survey", "anes"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    strong_dole = shipped[(shipped["PID"] == 6) & (shipped["vote"] == 1)]
    first = int(strong_dole.index[0]) + 1  # case numbers count from 1
    assert f"case {first}: " in done.stdout and "PID=6.0" in done.stdout


@pytest.mark.parametrize("n", [2, 5, 7, 24])
def test_every_answer_of_a_long_scale_gets_its_own_blue(n):
    """Income's 24 bands (and a 7-point scale) ran out of colours before."""
    from helpers.report.charts import NEUTRAL, scale_colors

    labels = [f"band {i}" for i in range(n)] + ["Don't know"]
    colours = scale_colors(labels, neutral=["Don't know"])
    assert colours[-1] == NEUTRAL and len(set(colours[:-1])) == n


@pytest.mark.parametrize(
    ("kind", "what"),
    [("respondent_sav", "an SPSS .sav file"), ("respondent_dta", "a Stata .dta file")],
)
def test_a_data_file_given_as_a_csv_names_the_input_kind_to_use(book, kind, what):
    """Issue 12: a .sav read as CSV gave a misleading hint about text encodings."""
    from helpers.extract.export import describe_export, read_export

    for read in (describe_export, read_export):
        with pytest.raises(SourceError) as err:
            read(FILES[kind], book)
        assert f"found {what}: set input_kind: {kind} in params.yaml" in str(err.value)
        assert "encod" not in str(err.value)


def test_a_draft_of_repeated_value_labels_passes_the_check_and_says_so(tmp_path):
    """An INVENTED .sav whose value labels repeat (SPSS allows it; the codebook does not):
    the draft makes each label distinct with its code and flags it for review."""
    import pyreadstat

    path = tmp_path / "repeat.sav"
    frame = pd.DataFrame({"q1": [1.0, 2.0, 3.0, 1.0]})
    pyreadstat.write_sav(
        frame, str(path), variable_value_labels={"q1": {1.0: "Other", 2.0: "Yes", 3.0: "other "}}
    )
    text = draft(path)
    drafted = parse_codebook(yaml.safe_load(text))
    assert [o.label for o in drafted.question("q1").answers] == ["Other (1)", "Yes", "other (3)"]
    assert "value labels repeated ('other')" in text and "# REVIEW" in text
