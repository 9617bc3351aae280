"""A minimal reader of .xlsx files (zipfile + ElementTree), independent of the writer.

openpyxl is not installed; the tests read the Office Open XML parts themselves
(ECMA-376: workbook, relationships, shared strings, styles, worksheets, tables).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.etree import ElementTree as ET

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


def read_xlsx(path: str) -> list[Sheet]:
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
