"""A CSV export's line numbers through the real stages (issue 13).

CRLF line endings, blank lines (CRLF alone) and a whitespace-only line inside the data:
every respondent's source_line, and the trace command's lines, are the physical lines
its id stands on. A short row stops the clean stage at its file and line, and the
previous outputs stay byte-identical."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from project_copy import data, env, make_project, ok, run_stage, survey_entry

from helpers.core.tables import read_csv
from helpers.pipeline import layout
from helpers.tools.synthetic_survey import write_survey

SURVEY = "lines"
EXPORT = "incoming/survey.csv"
FIGURE = "q1.all.all.1"  # q1: yes (1) / no (2); every respondent answering yes is listed


def _physical(path: Path) -> list[bytes]:
    """The file's physical lines (line n is ``[n - 1]``), split on LF only."""
    return path.read_bytes().split(b"\n")


def _damage(survey: Path) -> None:
    """CRLF line endings; blank lines (CRLF alone), one of spaces and a tab, inside the data;
    comments holding a form feed, a line separator (U+2028) and NEL (U+0085), which are
    not line breaks in a CSV (str.splitlines would break there)."""
    lines = survey.read_text(encoding="utf-8").splitlines()
    for n, odd in ((2, "\f"), (6, "\u2028"), (12, "\x85")):
        lines[n] = lines[n].rsplit(",", 1)[0] + f",page{odd}break"
    body = lines[:4] + [""] + lines[4:9] + [""] + lines[9:15] + ["", " \t"] + lines[15:]
    survey.write_bytes(("\r\n".join(body) + "\r\n").encode("utf-8"))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project copy whose one survey is the damaged export; extract, clean, summarize run."""
    root = tmp_path_factory.mktemp("line_numbers")
    _, survey = write_survey(root / "incoming", n=30, questions=2, seed=13)
    _damage(survey)
    make_project(
        root,
        {
            SURVEY: survey_entry(
                EXPORT, codebook="incoming/codebook.yaml", input_kind="respondent_csv"
            )
        },
    )
    for stage in ("extract", "clean", "summarize"):
        ok(run_stage(root, stage, SURVEY), stage, SURVEY)
    return root


def _trace(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers.tools.trace", *args],
        cwd=root,
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.pipeline
def test_source_lines_are_the_physical_lines_of_the_ids(project):
    physical = _physical(project / EXPORT)
    assert physical[4] == physical[10] == physical[17] == b"\r"  # blank lines (CRLF)
    assert physical[18] == b" \t\r"  # whitespace only: no respondent either
    responses = read_csv(data(project, "responses.csv", SURVEY))
    assert len(responses) == 30
    for rid, line in zip(responses["respondent_id"], responses["source_line"], strict=True):
        assert physical[int(line) - 1].split(b",")[0].decode() == rid, (rid, line)
    assert int(responses["source_line"].max()) == len(physical) - 1  # the last line, not 31


@pytest.mark.pipeline
def test_trace_lists_each_respondent_at_the_line_its_id_stands_on(project):
    done = _trace(project, FIGURE, "--survey", SURVEY)
    assert done.returncode == 0, done.stderr
    physical = _physical(project / EXPORT)
    listed: dict[str, list[int]] = {}
    current = None
    rows = done.stdout.partition(f"row(s) counted; source {EXPORT}:\n")[2]
    for text in rows.splitlines():
        if text.startswith("    # "):  # the header naming the columns listed
            continue
        if m := re.match(r"^    (\S+)", text):
            current = m.group(1)
            listed[current] = []
        elif m := re.match(r"^        line (\d+): (.*)$", text):
            n = int(m.group(1))
            listed[current].append(n)
            assert physical[n - 1].decode().strip().startswith(m.group(2).rstrip("…"))
    yes = {
        line.split(b",")[0].decode(): n
        for n, line in enumerate(physical, start=1)
        if n > 1 and line.strip() and line.split(b",")[3] == b"1"
    }
    assert yes and set(listed) == set(yes)
    for rid, lines in listed.items():
        assert lines and set(lines) == {yes[rid]}, rid  # the id's own physical line
    assert f"{len(yes)} row(s) counted" in done.stdout


@pytest.mark.pipeline
def test_a_short_row_stops_clean_at_its_line_and_keeps_the_outputs(project, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(project, root)
    outputs = [root / p for p in layout.stage_outputs("clean", SURVEY)]
    before = {p: p.read_bytes() for p in outputs}
    physical = _physical(root / EXPORT)
    short = 20  # a data line after every blank one
    assert physical[short - 1].strip() and physical[short - 1].count(b",") == 5
    physical[short - 1] = b",".join(physical[short - 1].split(b",")[:3]) + b"\r"
    (root / EXPORT).write_bytes(b"\n".join(physical))
    done = run_stage(root, "clean", SURVEY)
    assert done.returncode != 0
    assert (
        f"SourceError: {EXPORT}:{short}: expected 6 fields (as in the header, line 1); found 3"
    ) in done.stderr
    assert "Traceback" not in done.stderr
    assert {p: p.read_bytes() for p in outputs} == before
