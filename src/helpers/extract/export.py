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

Every record is named by its physical line in the file (line 1 is the header;
a line ends in LF or CRLF). Before polars reads the rows, a structure pass over
the bytes refuses, at the first faulty line in file order (``file:line:
expected ...; found ...``, naming the column where it can):

* a NUL byte, and a carriage return not followed by a line feed;
* a quote that does not close on its line: a quoted line break (it would shift
  every later line number) or an unterminated quote;
* a line with fewer or more fields than the header;
* a field larger than ``clean.max_field_bytes`` (params.yaml).

Blank and whitespace-only lines hold no respondent: they are skipped, and later
lines keep their numbers. The header must name every column, each once. The
pass is vectorised (one polars row per physical line), so it costs a fraction
of the main read at a million rows.
"""

from __future__ import annotations

import atexit
import codecs
import csv
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.extract.csv_blocks import scan_blocks
from helpers.extract.csv_structure import MAX_FIELD_BYTES, check_structure_file
from helpers.extract.export_text import read_text

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
        return tuple(
            dict.fromkeys(
                [*self.groups.values(), *self.categorical.values(), *self.multiple.values()]
            )
        )

    @property
    def all(self) -> list[str]:
        """Every column read from the export."""
        cols = [
            *self.groups.values(),
            *self.categorical.values(),
            *self.multiple.values(),
            *self.numeric.values(),
            *self.free_text.values(),
            *self.design.values(),
        ]
        return list(dict.fromkeys(([self.ids] if self.ids else []) + cols))


def export_columns(book: Codebook) -> ExportColumns:
    """The export columns the codebook expects."""
    return ExportColumns(
        ids=book.input.respondent_id,
        groups={g.id: g.source_column for g in book.groups if not g.derived_from},
        categorical={q.id: q.source_column for q in book.categorical if not q.derived_from},
        free_text={q.id: q.source_column for q in book.free_text},
        multiple={q.id: q.source_column for q in book.multiple_choice},
        numeric={q.id: q.source_column for q in book.numeric},
        design=book.design.columns if book.design else {},
    )


def describe_export(path: str | Path, book: Codebook, encoding: str = "utf-8") -> dict:
    """Hash, size and line count of an export whose header has the codebook's columns.

    One pass in blocks (:func:`helpers.extract.export_text.read_text`): memory holds a
    block, not the file; bad bytes stop at their line and offset, as before.
    """
    _refuse_data_file(_head(path), path)
    facts = read_text(path, encoding)
    header = _header(facts.first_line, book, str(path))
    return {
        "path": str(path),
        "sha256": facts.sha256,
        "bytes": facts.size,
        "encoding": encoding,
        "lines_total": facts.newlines,
        "columns": list(header),
        "kind": "respondent_csv",
    }


def _head(path: str | Path, size: int = 64) -> bytes:
    """The file's first bytes (a missing file refused)."""
    p = Path(path)
    if not p.is_file():
        raise SourceError(
            str(path), None, "an existing file (params.yaml: surveys.<id>.source)", "no such file"
        )
    with open(p, "rb") as fh:
        return fh.read(size)


# The first bytes of the data files a CSV export is mistaken for, and the input_kind to use.
LABELLED_MAGIC = {
    b"$FL2": ("an SPSS .sav file", "respondent_sav"),
    b"$FL3": ("an SPSS .zsav file", "respondent_sav"),
    b"<stata_dta>": ("a Stata .dta file", "respondent_dta"),
}


# Stata's formats before 117 (Stata 13) begin with their number, the byte order (1: big-,
# 2: little-endian), the file type (1) and a zero byte: 104 to 115, all that readstat reads.
OLD_STATA_FORMATS = (104, 105, 108, 110, 111, 112, 113, 114, 115)


def data_file_kind(data: bytes) -> tuple[str, str] | None:
    """What a labelled data file is, by its first bytes, and its input_kind; None: neither.

    SPSS ``$FL2`` (.sav) and ``$FL3`` (.zsav); Stata ``<stata_dta>`` (formats 117 to 119)
    and the binary headers of formats 104 to 115.
    """
    for magic, found in LABELLED_MAGIC.items():
        if data.startswith(magic):
            return found
    if (
        len(data) >= 4
        and data[0] in OLD_STATA_FORMATS
        and data[1] in (1, 2)
        and data[2] == 1
        and data[3] == 0
    ):
        return "a Stata .dta file", "respondent_dta"
    return None


def _refuse_data_file(data: bytes, path: str | Path) -> None:
    """A .sav or .dta given as a CSV: say so, instead of an encoding error about its bytes."""
    found = data_file_kind(data)
    if found:
        what, kind = found
        raise SourceError(
            str(path),
            None,
            "a CSV export (input_kind: respondent_csv)",
            f"{what}: set input_kind: {kind} in params.yaml",
        )


def _header(text: str, book: Codebook, path: str) -> list[str]:
    """The header's column names; the codebook's columns must be there, once each."""
    cols = export_columns(book)
    first = next(csv.reader(io.StringIO(text.partition("\n")[0].rstrip("\r"))), [])
    header = list(first)
    if not header:
        raise SourceError(path, 1, "a CSV header naming the codebook's columns", "an empty line")
    for i, name in enumerate(header):
        if not name.strip():
            after = f" (after {header[i - 1]!r})" if i else ""
            raise SourceError(
                path, 1, "a name for every column of the header", f"none for column {i + 1}{after}"
            )
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise SourceError(path, 1, "each column name once in the header", f"{name!r} twice")
        seen.add(name)
    missing = [c for c in cols.all if c not in header]
    if missing:
        raise SourceError(
            path,
            1,
            f"columns {cols.all} (codebook)",
            f"no column(s) {missing}; header has {header}",
        )
    return header


def read_export(
    path: str | Path,
    book: Codebook,
    encoding: str = "utf-8",
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> pl.DataFrame:
    """The export's codebook columns as text, with ``source_line``, in memory.

    :func:`scan_export` read back (for small files and tests; stages stream).
    """
    with tempfile.TemporaryDirectory(prefix="helpers-export-") as work:
        return scan_export(path, book, encoding, max_field_bytes, Path(work)).collect()


def scan_export(
    path: str | Path,
    book: Codebook,
    encoding: str = "utf-8",
    max_field_bytes: int = MAX_FIELD_BYTES,
    work: Path | None = None,
) -> pl.LazyFrame:
    """The export's codebook columns as text, with ``source_line``: a LazyFrame over Parquet.

    Coded columns (groups, closed questions) are read as categoricals. Only empty
    cells are missing ('NA' stays 'NA'); codes stay as written. The file's structure
    is checked first, in blocks (:func:`check_structure_file`); then polars reads it
    block by block (:func:`helpers.extract.csv_blocks.scan_blocks`) and its streaming
    engine writes the rows to ``work/raw.parquet`` (``work``: a folder
    that lives as long as the LazyFrame; by default a temporary one removed at exit).
    Memory holds a block, not the file. Another encoding than UTF-8 (or a UTF-8 file
    with a byte-order mark) is decoded strictly into ``work/utf8.csv`` first.
    """
    work = Path(work or work_folder())
    cols = export_columns(book)
    _refuse_data_file(_head(path), path)
    body = Path(path)
    if encoding.replace("_", "-").lower() in {"utf-8", "utf8"} and not _head(path).startswith(
        codecs.BOM_UTF8
    ):  # polars checks the UTF-8 itself
        with open(path, "rb") as fh:
            first = fh.readline().decode("utf-8", errors="replace").rstrip("\n")
    else:
        body = work / "utf8.csv"
        with open(body, "wb") as out:
            first = read_text(path, encoding, out).first_line
    header = _header(first, book, str(path))
    types = {c: pl.Categorical() if c in cols.coded else pl.String() for c in header}
    raw = work / "raw.parquet"
    try:
        blank, lines = check_structure_file(body, header, str(path), max_field_bytes)
        frame = scan_blocks(body, types, SOURCE_LINE, str(path))
        # A quoted empty field ("") is as empty as a bare one: missing.
        frame.select(
            *[pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in cols.all],
            pl.col(SOURCE_LINE),
        ).filter(~pl.col(SOURCE_LINE).is_in(blank.implode())).sink_parquet(
            raw, compression="lz4", statistics=False
        )
    except pl.exceptions.PolarsError as exc:
        read_text(path, encoding)  # bad bytes: their line and offset
        raise SourceError(
            str(path), None, f"a CSV file encoded as {encoding}", f"{type(exc).__name__}: {exc}"
        ) from None
    read = pq.read_metadata(raw).num_rows + len(blank)
    if read != lines - 1:  # one row per line after the header: checked above
        raise SourceError(
            str(path), None, f"one row per line after the header ({lines - 1})", f"{read} rows read"
        )
    return pl.scan_parquet(raw)


def work_folder() -> str:
    """A temporary folder removed when the process exits."""
    folder = tempfile.mkdtemp(prefix="helpers-export-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
