"""Respondent-level exports (one row per respondent, one column per question).

The codebook names each question's column (``column``, default its id), its
answer codes in order with labels, and its declared ``missing_codes``. Cleaning
maps every cell to one of three fates, and the counts add up per question:

* a codebook answer code: kept;
* blank or a declared missing code: kept as *missing* (shown as "No answer",
  excluded from the question's base);
* any other value: set aside in ``rejects.csv`` with the reason, and missing.

A multiple-choice question's cell holds the codes of every option chosen,
joined by the question's ``separator`` (default ``;``; ``" "`` splits on
runs of spaces, as KoBoToolbox and ODK export them). It becomes one 0/1 column
per option (``<id>__<code>``, all missing when the question is). Empty pieces
("1;;3", a trailing separator) are ignored; a cell is set aside whole if a
piece is not an option code, repeats one, or mixes a missing code with answers.

Rows are read with polars. Row *i* of the data (0-based) is line *i + 2* of
the file (line 1 is the header); a blank line is a row of its own there, and
is then dropped (it holds no respondent), so later lines keep their numbers.
A field holding a line break is refused, so line numbers stay true.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.core.text import decode

SOURCE_LINE = "source_line"
ID_COLUMN = "respondent_id"


@dataclass(frozen=True)
class ExportColumns:
    """Which export column feeds which codebook variable."""

    ids: str | None
    groups: dict[str, str]
    categorical: dict[str, str]
    free_text: dict[str, str]
    multiple: dict[str, str]
    numeric: dict[str, str]
    design: dict[str, str]  # role (weight, strata, psu, fpc) -> column

    @property
    def coded(self) -> tuple[str, ...]:
        """Columns holding codes (groups, closed questions): read as categoricals."""
        return tuple(dict.fromkeys([*self.groups.values(), *self.categorical.values(),
                                    *self.multiple.values()]))  # fmt: skip

    @property
    def all(self) -> list[str]:
        """Every column read from the export."""
        cols = [*self.groups.values(), *self.categorical.values(), *self.multiple.values(),
                *self.numeric.values(), *self.free_text.values(), *self.design.values()]
        return list(dict.fromkeys(([self.ids] if self.ids else []) + cols))


def export_columns(book: Codebook) -> ExportColumns:
    """The export columns the codebook expects."""
    return ExportColumns(
        ids=book.input.get("respondent_id"),
        groups={g.id: g.source_column for g in book.groups if not g.derived_from},
        categorical={q.id: q.source_column for q in book.categorical if not q.derived_from},
        free_text={q.id: q.source_column for q in book.free_text},
        multiple={q.id: q.source_column for q in book.multiple_choice},
        numeric={q.id: q.source_column for q in book.numeric},
        design=book.design.columns if book.design else {},
    )


def describe_export(path: str | Path, book: Codebook, encoding: str = "utf-8") -> dict:
    """Hash, size and line count of an export whose header has the codebook's columns."""
    data = _read_bytes(path)
    _refuse_data_file(data, path)
    text, _ = decode(data, encoding, str(path))  # strict: names the line and offset of bad bytes
    header = _header(text, book, str(path))
    lines = data.count(b"\n")
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
            "encoding": encoding, "lines_total": lines, "columns": list(header),
            "kind": "respondent_csv"}  # fmt: skip


def _read_bytes(path: str | Path) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise SourceError(str(path), None, "an existing file (params.yaml: surveys.<id>.source)",
                          "no such file")  # fmt: skip
    return p.read_bytes()


# The first bytes of the data files a CSV export is mistaken for, and the input_kind to use.
LABELLED_MAGIC = {b"$FL2": ("an SPSS .sav file", "respondent_sav"),
                  b"$FL3": ("an SPSS .zsav file", "respondent_sav"),
                  b"<stata_dta>": ("a Stata .dta file", "respondent_dta")}  # fmt: skip


def _refuse_data_file(data: bytes, path: str | Path) -> None:
    """A .sav or .dta given as a CSV: say so, instead of an encoding error about its bytes."""
    for magic, (what, kind) in LABELLED_MAGIC.items():
        if data.startswith(magic):
            raise SourceError(str(path), None, "a CSV export (input_kind: respondent_csv)",
                              f"{what}: set input_kind: {kind} in params.yaml")  # fmt: skip


def _header(text: str, book: Codebook, path: str) -> list[str]:
    """The header's column names; the codebook's columns must be there, once each."""
    cols = export_columns(book)
    first = next(csv.reader(io.StringIO(text.partition("\n")[0].rstrip("\r"))), [])
    header = list(first)
    if not header:
        raise SourceError(path, 1, "a CSV header naming the codebook's columns", "an empty line")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise SourceError(path, 1, "each column name once in the header",
                              f"{name!r} twice")  # fmt: skip
        seen.add(name)
    missing = [c for c in cols.all if c not in header]
    if missing:
        raise SourceError(path, 1, f"columns {cols.all} (codebook)",
                          f"no column(s) {missing}; header has {header}")  # fmt: skip
    return header


def read_export(path: str | Path, book: Codebook, encoding: str = "utf-8") -> pl.DataFrame:
    """Read the export's codebook columns as text, with ``source_line``.

    Coded columns (groups, closed questions) are read as categoricals: a million
    rows hold a few distinct codes each, which are then mapped once per code.
    Only empty cells are missing ('NA' stays 'NA'); codes stay as written.
    """
    cols = export_columns(book)
    data = _read_bytes(path)
    _refuse_data_file(data, path)
    utf8 = encoding.replace("_", "-").lower() in {"utf-8", "utf8"}
    if utf8 and not data.startswith(codecs.BOM_UTF8):  # polars checks the UTF-8 itself
        body, first = data, data.partition(b"\n")[0].decode("utf-8", errors="replace")
    else:
        text, _ = decode(data, encoding, str(path))
        body, first = text.encode("utf-8"), text.partition("\n")[0]
    header = _header(first, book, str(path))
    types = {c: pl.Categorical if c in cols.coded else pl.String for c in header}
    try:
        frame = pl.read_csv(body, schema=types, columns=cols.all)
    except pl.exceptions.PolarsError as exc:
        decode(data, encoding, str(path))  # bad bytes: their line and offset
        raise SourceError(str(path), None, f"a CSV file encoded as {encoding}",
                          f"{type(exc).__name__}: {exc}") from None  # fmt: skip
    # A quoted empty field ("") is as empty as a bare one: missing.
    frame = frame.with_columns(
        *[pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in cols.all],
        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias(SOURCE_LINE))
    # A quoted line break in any field would shift every later line number: refused.
    # Polars makes one row of every line (blank ones too), so the file has exactly
    # one line more than rows (the header) unless a field holds a line break; only
    # then is every column (those the codebook does not use too) searched.
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if lines != frame.height + 1:
        _refuse_line_breaks(pl.read_csv(body, schema={c: pl.String for c in header}), path)
    return _drop_blank_lines(frame, body, cols.all)


def _refuse_line_breaks(every: pl.DataFrame, path: str | Path) -> None:
    """Raise at the first record (in file order) with a field that holds a line break."""
    found = [(row, col) for col in every.columns
             for row in every.select(pl.col(col).str.contains("\n", literal=True)
                                     .arg_true().head(1)).to_series().to_list()]  # fmt: skip
    if found:
        row, col = min(found)
        raise SourceError(str(path), row + 2, f"one record per line in column {col!r}",
                          "a field with a line break (line numbers would not match the "
                          "file)")  # fmt: skip


def _drop_blank_lines(frame: pl.DataFrame, body: bytes, columns: list[str]) -> pl.DataFrame:
    """Drop the rows polars made of blank lines (all fields empty and the line empty)."""
    empty = frame.filter(pl.all_horizontal([pl.col(c).is_null() for c in columns]))
    if not empty.height:
        return frame
    lines = body.split(b"\n")
    blank = [n for n in empty[SOURCE_LINE].to_list()
             if n - 1 >= len(lines) or not lines[n - 1].strip()]  # fmt: skip
    return frame.filter(~pl.col(SOURCE_LINE).is_in(blank)) if blank else frame
