"""The clean stage tells at the console what it set aside (issue 25 item 5): one line per
question with answers set aside and their share, printed by the stage runner (as under
`dvc repro`), its counts the same as pandas finds over the export."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from project_copy import REPO_ROOT, make_project, ok, run_stage, survey_entry

from helpers.clean.console import reason_kind, set_aside_lines
from helpers.core.codes import code_key

EXPORT = "data/examples/invented_survey"
LINE = re.compile(
    r"^\[clean@incoming\] (?P<q>\w+): (?P<n>[\d,]+) of (?P<of>[\d,]+) answered cells set aside "
    r"\((?P<pct>[\d.]+)%\): (?P<why>[^;]+); see (?P<path>\S+)$"
)


def _counted(raw: pd.DataFrame, question: dict) -> tuple[int, int]:
    """(set aside, answered) of a coded question: pandas over the export's column."""
    cells = raw[question["column"]].str.strip()
    missing = {code_key(c) for c in question.get("missing_codes", [])}
    answered = cells[(cells != "") & ~cells.map(code_key).isin(missing)]
    codes = {code_key(a["code"]) for a in question["answers"]}
    return int((~answered.map(code_key).isin(codes)).sum()), len(answered)


def test_a_code_removed_from_the_codebook_is_told_per_question(tmp_path: Path):
    book = yaml.safe_load((REPO_ROOT / EXPORT / "codebook.yaml").read_text(encoding="utf-8"))
    q2 = next(q for q in book["questions"] if q["id"] == "q2")
    q2["answers"] = [a for a in q2["answers"] if a["code"] != "4"]  # "Not useful" undefined
    files = {
        "incoming/survey.csv": (REPO_ROOT / EXPORT / "survey.csv").read_bytes(),
        "incoming/codebook.yaml": yaml.safe_dump(book, sort_keys=False),
    }
    entry = survey_entry(
        "incoming/survey.csv", "incoming/codebook.yaml", input_kind="respondent_csv"
    )
    make_project(tmp_path, {"incoming": entry}, files)
    for stage in ("extract", "clean"):
        proc = run_stage(tmp_path, stage, "incoming")
        ok(proc, stage, "incoming")
    lines = proc.stderr.splitlines()
    told = [LINE.match(line) for line in lines if "set aside" in line]
    assert told and all(told), proc.stderr
    by_question = {m["q"]: m for m in told if m}
    assert lines[-1].startswith("[clean@incoming] done")  # told before the runner's last line
    raw = pd.read_csv(tmp_path / "incoming/survey.csv", dtype=str, keep_default_na=False)
    expected = {}
    for q in book["questions"]:
        if q["type"] in ("free_text", "multiple_choice", "numeric"):
            continue
        n, answered = _counted(raw, q)
        if n:
            expected[q["id"]] = (n, answered)
    assert set(by_question) == set(expected) == {"q1", "q2"}  # q1: the export's code 7
    for qid, (n, answered) in expected.items():
        m = by_question[qid]
        assert int(m["n"].replace(",", "")) == n
        assert int(m["of"].replace(",", "")) == answered
        assert m["pct"] == f"{100 * n / answered:.1f}"
        assert m["why"] == "codes the codebook does not define"
        assert m["path"] == "data/processed/incoming/rejects.csv"
    assert by_question["q2"]["n"] == "9"  # the nine answers "4"
    rejects = pd.read_csv(tmp_path / "data/processed/incoming/rejects.csv", dtype=str)
    assert list(rejects.columns) == ["source_line", "question", "respondent_id", "reason"]
    assert rejects["question"].value_counts().to_dict() == {q: n for q, (n, _) in expected.items()}


def test_no_line_per_question_when_nothing_is_set_aside():
    counts = pd.DataFrame(
        {"question": ["q1"], "rows_read": [3], "rows_kept": [2], "rows_missing": [1]}
    ).assign(rows_rejected=0, balanced=True)
    rejects = pd.DataFrame(columns=["source_line", "question", "respondent_id", "reason"])
    assert set_aside_lines(counts, rejects, "r.csv") == ["no answers set aside (r.csv is empty)"]


def test_a_document_is_told_per_list_and_kinds_are_counted():
    counts = pd.DataFrame(
        {"list": ["roster", "q1"], "rows_read": [16, 17], "rows_kept": [15, 15]}
    ).assign(rows_rejected=[1, 2], balanced=True)
    rejects = pd.DataFrame(
        {
            "source_line": [40, 130, 131],
            "list": ["roster", "q1", "q1"],
            "organization": ["A", "B", "C"],
            "reason": [
                "duplicate of line 30 in the registration list",
                "not in the registration list (lines 29–81)",
                "duplicate of line 100 in the q1 list",
            ],
        }
    )
    assert set_aside_lines(counts, rejects, "r.csv") == [
        "roster: 1 of 16 mentions set aside (6.2%): mentions listed twice; see r.csv",
        "q1: 2 of 17 mentions set aside (11.8%): organizations not in the registration "
        "list (1), mentions listed twice (1); see r.csv",  # a tie: in the order first set aside
    ]


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (
            "code '7' is not a q1 code in the codebook (answers: 1, 2; missing: 9)",
            "codes the codebook does not define",
        ),
        (
            "routing violation: answered q3, asked only if q1 in 1; found q1 = 2",
            "answers from respondents not routed to the question",
        ),
        (
            "'42 years' is not a number (age is numeric; missing codes: none)",
            "values that are not numbers",
        ),
    ],
)
def test_reasons_are_told_in_words(reason, kind):
    assert reason_kind(reason) == kind


def test_the_runner_prints_only_what_console_cells_print():
    import nbformat

    from helpers.pipeline.runner import console_lines

    def cell(tags: list[str], *texts: str, name: str = "stdout") -> nbformat.NotebookNode:
        out = [nbformat.v4.new_output("stream", name=name, text=t) for t in texts]
        return nbformat.v4.new_code_cell("", metadata={"tags": tags}, outputs=out)

    nb = nbformat.v4.new_notebook(
        cells=[
            cell([], "not told\n"),
            cell(["console"], "q1: told\nq2: ", "told too\n"),
            cell(["console"], "a warning\n", name="stderr"),
            cell(["parameters", "console"], "\nlast\n"),
        ]
    )
    assert console_lines(nb) == ["q1: told", "q2: told too", "last"]
