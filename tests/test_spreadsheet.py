"""tables.xlsx (helpers.report.spreadsheet): every table of the report as a spreadsheet.

Read back with a minimal reader of the Office Open XML parts (zipfile + ElementTree,
ECMA-376; openpyxl is not installed), independent of XlsxWriter, on every shipped
survey's committed workbook (REAL: the 2013 document, ANES 1996, NHANES II; INVENTED:
invented_example): every sheet is listed in the contents, every number equals its
figure in summaries.csv (read by plain pandas) by the id beside it, numbers carry
number formats, no cell is merged, a second build is byte-identical, and text a
spreadsheet would run as a formula is neutralised as the project's CSVs are.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
SURVEYS = list(PARAMS["surveys"])
SHORTHAND = {"[x]", "[z]", "[pooled]"}
NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 49: "@"}


@dataclass
class Value:
    """A cell's value (str or float) and its number format."""

    value: str | float
    fmt: str


@dataclass
class Table:
    """An Excel table: its name, its range (first/last row and column, from 0) and headers."""

    name: str
    first: tuple[int, int]
    last: tuple[int, int]
    headers: list[str]


@dataclass
class Sheet:
    """A worksheet: its cells by (row, column), its tables and merged ranges."""

    name: str
    cells: dict[tuple[int, int], Value] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    merged: int = 0


def _ref(ref: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)([0-9]+)", ref).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def _text(node: ET.Element) -> str:
    return "".join(t.text or "" for t in node.iter(f"{{{NS['m']}}}t"))


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    parts: list[str] = []
    for p in (PurePosixPath(base).parent / target).parts:
        if p == "..":
            parts.pop()
        else:
            parts.append(p)
    return "/".join(parts)


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    path = PurePosixPath(part)
    rels = f"{path.parent}/_rels/{path.name}.rels"
    if rels not in z.namelist():
        return {}
    root = ET.fromstring(z.read(rels))
    return {r.get("Id"): _target(part, r.get("Target")) for r in root}


def _formats(z: zipfile.ZipFile) -> list[str]:
    styles = ET.fromstring(z.read("xl/styles.xml"))
    custom = {
        int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{{{NS['m']}}}numFmt")
    }
    xfs = styles.find("m:cellXfs", NS)
    return [
        custom.get(int(x.get("numFmtId", 0)), BUILTIN_FORMATS.get(int(x.get("numFmtId", 0)), "?"))
        for x in xfs
    ]


def _sheet(z: zipfile.ZipFile, name: str, part: str, strings: list[str], fmts: list[str]) -> Sheet:
    root = ET.fromstring(z.read(part))
    sheet = Sheet(name)
    for c in root.iter(f"{{{NS['m']}}}c"):
        kind, v = c.get("t"), c.find("m:v", NS)
        fmt = fmts[int(c.get("s", 0))]
        if kind == "s":
            value: str | float = strings[int(v.text)]
        elif kind == "inlineStr":
            value = _text(c)
        elif v is None:
            continue
        else:
            value = float(v.text)
        sheet.cells[_ref(c.get("r"))] = Value(value, fmt)
    sheet.merged = len(list(root.iter(f"{{{NS['m']}}}mergeCell")))
    rels = _rels(z, part)
    for tp in root.iter(f"{{{NS['m']}}}tablePart"):
        table = ET.fromstring(z.read(rels[tp.get(f"{{{NS['r']}}}id")]))
        first, last = table.get("ref").split(":")
        headers = [col.get("name") for col in table.iter(f"{{{NS['m']}}}tableColumn")]
        sheet.tables.append(Table(table.get("name"), _ref(first), _ref(last), headers))
    return sheet


def read_xlsx(path: str | io.BytesIO) -> list[Sheet]:
    """Every worksheet of the workbook at ``path``, in the workbook's order."""
    with zipfile.ZipFile(path) as z:
        strings = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            strings = [_text(si) for si in root.findall("m:si", NS)]
        fmts = _formats(z)
        workbook = ET.fromstring(z.read("xl/workbook.xml"))
        rels = _rels(z, "xl/workbook.xml")
        return [
            _sheet(z, s.get("name"), rels[s.get(f"{{{NS['r']}}}id")], strings, fmts)
            for s in workbook.find("m:sheets", NS)
        ]


# ---- the tests ------------------------------------------------------------------------


def _workbook(survey: str) -> list[Sheet]:
    return read_xlsx(str(REPO / "reports" / survey / "tables.xlsx"))


def _summaries(survey: str) -> pd.DataFrame:
    return pd.read_csv(
        REPO / "data/processed" / survey / "summaries.csv",
        dtype={"shown": str, "group_code": str, "answer_code": str},
        keep_default_na=False,
        na_values=[""],
    ).set_index("figure_id")


def _rows(sheet: Sheet) -> list[dict[str, Value]]:
    """The sheet's table as rows of {header: cell} (every cell of the table's range)."""
    (table,) = sheet.tables
    (top, left), (bottom, _) = table.first, table.last
    return [
        {h: sheet.cells.get((r, left + j)) for j, h in enumerate(table.headers)}
        for r in range(top + 1, bottom + 1)
    ]


def _build(survey: str) -> bytes:
    """A fresh build of the survey's workbook from the pipeline's committed inputs."""
    from helpers.pipeline.session import open_stage
    from helpers.report.inputs import INPUTS, load_inputs
    from helpers.report.spreadsheet import workbook_bytes

    stage = open_stage("report", survey, outputs="pipeline", start=REPO)
    paths = {f"{s}.{n}": str(REPO / stage.input(s, n)) for s, n in INPUTS}
    data = load_inputs(paths, stage.params.as_dict())
    return workbook_bytes(data, survey, stage.input("summarize", "summaries")), data


@pytest.mark.parametrize("survey", SURVEYS)
def test_every_sheet_is_listed_in_the_contents_with_its_title(survey):
    sheets = _workbook(survey)
    assert [s.name for s in sheets[:2]] == ["Contents", "Notes"]
    listed = _rows(sheets[0])
    assert [r["Sheet name"].value for r in listed] == [s.name for s in sheets[1:]]
    for row, sheet in zip(listed[1:], sheets[2:], strict=True):
        assert sheet.cells[(0, 0)].value == row["Table title"].value  # title in A1
        assert row["Description"].value
    notes = [r["Note number"].value for r in _rows(sheets[1])]
    assert notes == [f"[note {k}]" for k in range(1, len(notes) + 1)]
    for sheet in sheets[2:]:  # every note a sheet refers to exists
        refs = re.findall(r"\[note \d+\]", " ".join(str(v.value) for v in sheet.cells.values()))
        assert set(refs) <= set(notes), sheet.name


def _shown_only_pooled(survey: str, summaries: pd.DataFrame) -> set[str]:
    """Figures of groups the report shows only inside "Other groups" (small-base merge).

    Under ``report.small_base_rule: merge``, a breakdown with a pooled group (code
    ``_pooled``) shows its levels under ``report.small_n`` only pooled; the pooled
    figures are in the tables, the levels' own are in summaries.csv only.
    """
    report = {**PARAMS["report"], **PARAMS["surveys"][survey]["overrides"].get("report", {})}
    if report["small_base_rule"] != "merge":
        return set()
    rows = summaries.reset_index()
    key = rows["question"] + "\x1f" + rows["group"]
    level = key + "\x1f" + rows["group_code"].astype(str)
    pooled = set(key[rows["group_code"] == "_pooled"])
    small = (
        key.isin(pooled)
        & rows["kind"].isin(["answer", "numeric"])
        & (rows["base"] < report["small_n"])
        & (rows["group_code"] != "_pooled")
    )
    return set(rows.loc[level.isin(set(level[small])), "figure_id"])


@pytest.mark.parametrize("survey", SURVEYS)
def test_every_number_is_its_figure_by_the_id_beside_it(survey):
    summaries = _summaries(survey)
    checked, ids = 0, set()
    for sheet in _workbook(survey)[2:]:
        headers = sheet.tables[0].headers
        figure_columns = [h for h in headers if f"{h} id" in headers]
        for row in _rows(sheet):
            for h in figure_columns:
                fid, cell = row[f"{h} id"].value, row[h]
                if fid in SHORTHAND:  # no figure in this cell (a base row)
                    continue
                assert fid in summaries.index, (sheet.name, fid)
                ids.add(fid)
                figure = summaries.loc[fid]
                if isinstance(cell.value, str):  # '<0.001' or a shorthand
                    assert cell.value in SHORTHAND or cell.value == figure["shown"], (fid, cell)
                    continue
                printed = {float(figure["shown"]), float(figure["n"])}
                assert cell.value in printed, (sheet.name, h, fid, cell.value, printed)
                if cell.value == float(figure["shown"]):  # formatted to the report's decimals
                    decimals = len(figure["shown"].partition(".")[2])
                    assert cell.fmt.partition(".")[2] == "0" * decimals, (fid, cell.fmt)
                count = row.get(f"{h} n") or row.get(f"{h} estimated population")
                if count is not None and not isinstance(count.value, str):
                    weighted = f"{h} estimated population" in row
                    assert count.value == float(figure["n_weighted" if weighted else "n"]), fid
                checked += 1
    assert checked > 0
    # Every figure of the report's tables is there: answers, statistics and tests.
    tabled = summaries[summaries["kind"].isin(["answer", "net", "numeric", "test"])]
    tabled = tabled[~tabled.index.isin(_shown_only_pooled(survey, summaries))]
    missing = sorted(set(tabled.index) - ids)
    assert not missing, missing[:10]


@pytest.mark.parametrize("survey", SURVEYS)
def test_numbers_have_formats_no_cell_is_merged_no_table_row_is_blank(survey):
    for sheet in _workbook(survey):
        assert sheet.merged == 0, sheet.name
        assert isinstance(sheet.cells[(0, 0)].value, str) and sheet.cells[(0, 0)].value
        (table,) = sheet.tables
        (top, left), (bottom, right) = table.first, table.last
        assert [sheet.cells[(top, left + j)].value for j in range(len(table.headers))] == (
            table.headers
        )
        for r in range(top + 1, bottom + 1):
            assert any((r, c) in sheet.cells for c in range(left, right + 1)), (sheet.name, r)
        for (r, c), cell in sheet.cells.items():
            if isinstance(cell.value, float):
                assert cell.fmt.startswith("#,##0"), (sheet.name, r, c, cell.fmt)
        assert all(
            (r, c) not in sheet.cells for r in range(bottom + 1, bottom + 3) for c in range(4)
        )


def test_a_second_build_is_byte_identical_and_equals_the_committed_workbook():
    survey = "oas_2013"
    first, _ = _build(survey)
    script = (
        "import sys; sys.path.insert(0, 'tests'); import test_spreadsheet as t; "
        f"sys.stdout.buffer.write(t._build({survey!r})[0])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "1"}
    second = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, check=True
    ).stdout
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    committed = (REPO / "reports" / survey / "tables.xlsx").read_bytes()
    assert first == committed


@pytest.mark.parametrize("survey", SURVEYS)
def test_the_committed_workbook_is_a_fresh_build(survey):
    assert _build(survey)[0] == (REPO / "reports" / survey / "tables.xlsx").read_bytes()


def test_formula_like_text_is_neutralised_as_in_the_csvs():
    from helpers.core.tables import neutralise
    from helpers.report.spreadsheet import workbook_bytes

    _, data = _build("invented_example")
    # INVENTED labels a spreadsheet would run: an answer, a group value, a question's text.
    hostile = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
    summaries = data.summaries.copy()
    answers = summaries.index[summaries["kind"] == "answer"][: len(hostile)]
    summaries.loc[answers, "answer"] = hostile
    data.summaries = summaries
    sheets = read_xlsx(io.BytesIO(workbook_bytes(data, "invented_example", "summaries.csv")))
    texts = [c.value for s in sheets for c in s.cells.values() if isinstance(c.value, str)]
    for text in hostile:
        assert neutralise(text) == f"'{text}"
        assert f"'{text}" in texts and text not in texts
    numbers = [c.value for s in sheets for c in s.cells.values() if isinstance(c.value, float)]
    assert numbers  # plain numbers stay numbers (a minus sign is not a formula)
    assert not any(t[:1] in "=+-@" for t in texts if t and t[0] != "'")
