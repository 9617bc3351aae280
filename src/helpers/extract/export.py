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

Row *i* of the data (0-based) is line *i + 2* of the file (line 1 is the
header); a field holding a line break is refused, so line numbers stay true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.core.tables import read_coded_csv

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

    @property
    def all(self) -> list[str]:
        """Every column read from the export."""
        cols = [*self.groups.values(), *self.categorical.values(), *self.multiple.values(),
                *self.free_text.values()]  # fmt: skip
        return ([self.ids] if self.ids else []) + cols


def export_columns(book: Codebook) -> ExportColumns:
    """The export columns the codebook expects."""
    return ExportColumns(
        ids=book.input.get("respondent_id"),
        groups={g.id: g.source_column for g in book.groups},
        categorical={q.id: q.source_column for q in book.categorical},
        free_text={q.id: q.source_column for q in book.free_text},
        multiple={q.id: q.source_column for q in book.multiple_choice},
    )


def describe_export(path: str | Path, book: Codebook, encoding: str = "utf-8") -> dict:
    """Hash, size and line count of an export whose header has the codebook's columns."""
    import hashlib

    from helpers.core.text import decode

    p = Path(path)
    if not p.is_file():
        raise SourceError(str(path), None, "an existing file (params.yaml: surveys.<id>.source)",
                          "no such file")  # fmt: skip
    data = p.read_bytes()
    decode(data, encoding, str(path))  # strict: names the line and byte offset of bad bytes
    header = _header(p, book, encoding)
    lines = data.count(b"\n")
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
            "encoding": encoding, "lines_total": lines, "columns": list(header),
            "kind": "respondent_csv"}  # fmt: skip


def _header(path: Path, book: Codebook, encoding: str) -> list[str]:
    cols = export_columns(book)
    try:
        header = list(pd.read_csv(path, nrows=0, encoding=encoding).columns)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceError(str(path), 1, "a CSV header naming the codebook's columns",
                          f"an unreadable header ({exc})") from None  # fmt: skip
    missing = [c for c in cols.all if c not in header]
    if missing:
        raise SourceError(str(path), 1, f"columns {cols.all} (codebook)",
                          f"no column(s) {missing}; header has {header}")  # fmt: skip
    return header


def read_export(path: str | Path, book: Codebook, encoding: str = "utf-8") -> pd.DataFrame:
    """Read the export's codebook columns as text, with ``source_line``.

    Coded columns (groups, closed questions) are read as categoricals: a million
    rows hold a few distinct codes each, which are then mapped once per code.
    """
    cols = export_columns(book)
    _header(Path(path), book, encoding)
    coded = (*cols.groups.values(), *cols.categorical.values(), *cols.multiple.values())
    try:
        data = read_coded_csv(path, coded, text=tuple(c for c in cols.all if c not in coded),
                              encoding=encoding, only=tuple(cols.all))  # fmt: skip
    except (UnicodeDecodeError, ValueError) as exc:
        from helpers.core.text import decode

        decode(Path(path).read_bytes(), encoding, str(path))  # bad bytes: their line and offset
        raise SourceError(str(path), None, f"a CSV file encoded as {encoding}",
                          f"{type(exc).__name__}: {exc}") from None  # fmt: skip
    for col in cols.free_text.values():
        broken = data[col].str.contains("\n", regex=False).fillna(False).to_numpy()
        if broken.any():
            row = int(broken.argmax())
            raise SourceError(str(path), row + 2, f"one record per line in column {col!r}",
                              "a field with a line break (line numbers would not match the "
                              "file)")  # fmt: skip
    data.insert(0, SOURCE_LINE, pd.RangeIndex(2, len(data) + 2))
    return data


