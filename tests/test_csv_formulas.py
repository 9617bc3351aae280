"""No cell of any CSV the pipeline writes is a spreadsheet formula (issue 13, item 3).

The export below is INVENTED: the invented example's codebook and twelve of its rows,
with a respondent id, group values (``org_type`` takes its values from the export)
and free text that begin with ``=``, ``+``, ``@``, a tab or a full-width ``＝`` (OWASP's
"CSV Injection" examples). Every stage runs on it in a temporary project copy.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pandas as pd
import pytest
from project_copy import REPO_ROOT, data, make_project, ok, run_stage, survey_entry

from helpers.core.tables import read_csv

SURVEY = "hostile"
EXAMPLE = REPO_ROOT / "data/examples/invented_survey"
HOSTILE_ID = '=HYPERLINK("http://x","click")'
HOSTILE_GROUP = "+cmd|' /C calc'!A0"
HOSTILE_TEXT = "@SUM(1)"
TAB_TEXT = "\tindented comment"
WIDE_GROUP = "＝1+1"
QUOTED_ID = "'=already quoted"
NUMBER_ID = "-9"  # a number: written as it is
TRIGGERS = "=+-@\t\r\n\x00＝＋－＠"
PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _export() -> str:
    """Twelve rows of the invented export, with hostile cells (INVENTED data)."""
    rows = list(csv.reader((EXAMPLE / "survey.csv").read_text(encoding="utf-8").splitlines()))
    header, body = rows[0], rows[1:13]
    col = {name: i for i, name in enumerate(header)}
    body[0][col["RESP_ID"]] = HOSTILE_ID
    body[0][col["ORG_TYPE"]] = HOSTILE_GROUP
    body[0][col["COMMENT"]] = HOSTILE_TEXT
    body[1][col["RESP_ID"]] = QUOTED_ID
    body[1][col["COMMENT"]] = TAB_TEXT
    body[2][col["ORG_TYPE"]] = WIDE_GROUP
    body[3][col["RESP_ID"]] = NUMBER_ID
    body[4][col["Q1"]] = "7"  # an unknown code: a reject row naming the hostile id below
    body[0][col["Q2"]] = "7"
    out = []
    for row in [header, *body]:
        out.append(
            ",".join(
                f'"{v.replace(chr(34), chr(34) * 2)}"' if set(v) & set(",\"'") else v for v in row
            )
        )
    return "\n".join(out) + "\n"


def _runs_as_formula(cell: str) -> bool:
    return cell != "" and cell[0] in TRIGGERS and not PLAIN_NUMBER.fullmatch(cell)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("formulas")
    files = {
        "incoming/survey.csv": _export(),
        "incoming/codebook.yaml": (EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"),
    }
    make_project(
        root,
        {
            SURVEY: survey_entry(
                "incoming/survey.csv",
                codebook="incoming/codebook.yaml",
                input_kind="respondent_csv",
                overrides={"report": {"small_n": 2}},
            )
        },
        files,
    )
    for stage in ("extract", "clean", "summarize", "audit", "report"):
        ok(run_stage(root, stage, SURVEY, timeout=300), stage, SURVEY)
    return root


@pytest.mark.pipeline
def test_no_csv_cell_runs_as_a_formula(project):
    files = sorted((project / "data/processed").rglob("*.csv"))
    assert len(files) >= 10
    neutralised = set()
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                bad = [cell for cell in row if _runs_as_formula(cell)]
                assert not bad, f"{path}: {bad}"
                neutralised |= {cell for cell in row if cell.startswith("'")}
    assert {
        "'" + HOSTILE_ID,
        "'" + HOSTILE_GROUP,
        "'" + HOSTILE_TEXT,
        "'" + TAB_TEXT,
        "'" + WIDE_GROUP,
        "'" + QUOTED_ID,
    } <= neutralised
    responses = data(project, "responses.csv", SURVEY).read_text(encoding="utf-8")
    assert f"\n{NUMBER_ID}," in responses  # -9 stays a number


@pytest.mark.pipeline
def test_read_csv_gives_the_originals_back(project):
    path = data(project, "responses.csv", SURVEY)
    with path.open(encoding="utf-8", newline="") as fh:
        written = [row[0] for row in csv.reader(fh)][1:5]
    assert written == ["'" + HOSTILE_ID, "'" + QUOTED_ID, "X0000003", NUMBER_ID]
    responses = read_csv(path)
    assert responses["respondent_id"].tolist()[:4] == [HOSTILE_ID, QUOTED_ID, "X0000003", NUMBER_ID]
    assert {HOSTILE_GROUP, WIDE_GROUP} <= set(responses["org_type"])
    free_text = read_csv(data(project, "free_text.csv", SURVEY))
    assert {HOSTILE_TEXT, TAB_TEXT} <= set(free_text["text"])
    rejects = read_csv(data(project, "rejects.csv", SURVEY))
    assert HOSTILE_ID in set(rejects["respondent_id"])
    summaries = read_csv(data(project, "summaries.csv", SURVEY))
    assert {HOSTILE_GROUP, WIDE_GROUP} <= set(summaries["group_value"].dropna())
    parquet = pd.read_parquet(data(project, "responses.parquet", SURVEY))
    assert HOSTILE_ID in set(parquet["respondent_id"])  # the hand-off holds the original


@pytest.mark.pipeline
def test_the_report_lists_the_cells_as_text(project):
    page = (project / f"reports/{SURVEY}/report.html").read_text(encoding="utf-8")
    start = page.index('aria-label="Cells written as text, not formulas"')
    block = page[start : page.index("</section>", start)]
    assert "remove that one apostrophe" in block
    folder = f"data/processed/{SURVEY}"
    for file, value in [
        ("responses.csv", HOSTILE_ID),
        ("responses.csv", HOSTILE_GROUP),
        ("free_text.csv", HOSTILE_TEXT),
        ("free_text.csv", "\\tindented comment"),
        ("rejects.csv", HOSTILE_ID),
        ("summaries.csv", HOSTILE_GROUP),
    ]:
        assert f"<code>{folder}/{file}</code>" in block
        # The page is re-serialised after rendering: quotes in text stay bare (harmless).
        assert f"<code>{html.escape(value, quote=False)}</code>" in block, value
    assert "<a " not in block and "\t" not in block  # shown as text, never live
    row = re.search(
        r"<tr><td><code>[^<]*responses\.csv</code></td><td>1</td><td>([^<]*)</td>"
        r"<td>(\d+)</td><td>respondent_id</td>",
        block,
    )
    assert re.search(
        r"summaries\.csv</code></td><td>\d+</td><td></td><td></td><td>group_value"
        r"</td><td><code>\+cmd\|' /C calc'!A0</code></td><td>\d+</td>",
        block,
    )  # one row for all the figures of that group value
    assert row and html.unescape(row[1]) == HOSTILE_ID and row[2] == "2"  # its source line
