"""SPSS ``.sav`` and Stata ``.dta`` exports (pyreadstat), read like a CSV export.

The codebook's variables are read as text (numbers as pyreadstat gives them,
``6.0``: codes compare by value), coded ones as categoricals, with
``source_line`` holding the **case number** (1 for the first respondent): the
record number that ``helpers.tools.trace`` and the report cite, as a CSV's line.
User-missing values (SPSS) and Stata's missing values are read as missing; the
value labels are not applied (the codebook's answers are the labels), but
``python -m helpers.tools.codebook draft FILE`` turns them into a draft codebook.

Memory holds a chunk of cases, not the file: the file is checked on a memory map
and hashed in blocks (helpers.extract.labelled_open), its cases read in chunks and
written to Parquet as they come (helpers.extract.labelled_chunks).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.extract.export import SOURCE_LINE, ExportColumns, export_columns, work_folder
from helpers.extract.labelled_chunks import as_text, chunk_cases, write_chunks
from helpers.extract.labelled_open import Opened, digest, open_checked, reader, refusal
from helpers.extract.sav_layout import SplicedSav


def read_metadata(path: str | Path, kind: str, encoding: str | None = None) -> Any:
    """Pyreadstat's metadata (variables, labels, value labels, missing values), no data.

    ``encoding`` (params.yaml surveys.<id>.encoding): the text encoding to read with;
    None: the one the file names. The file must be of ``kind`` and whole
    (:func:`helpers.extract.labelled_open.check_whole`).
    """
    return open_checked(path, kind, encoding).meta


def _check_variables(meta: Any, book: Codebook, path: str | Path) -> list[str]:
    cols = export_columns(book)
    names = list(meta.column_names)
    missing = [c for c in cols.all if c not in names]
    if missing:
        raise SourceError(
            str(path),
            None,
            f"variables {cols.all} (codebook)",
            f"no variable(s) {missing}; the file has {names}",
        )
    return names


def describe_labelled(
    path: str | Path, book: Codebook, kind: str, encoding: str | None = None
) -> dict:
    """Hash, size, case count and variables of a labelled export holding the codebook's.

    The file is checked whole, and read with ``encoding`` (see :func:`read_metadata`);
    it is hashed in blocks and checked on a memory map, never held in memory.
    """
    meta = open_checked(path, kind, encoding).meta
    names = _check_variables(meta, book, path)
    sha256, size = digest(path)
    return {
        "path": str(path),
        "sha256": sha256,
        "bytes": size,
        "encoding": meta.file_encoding or "",
        "cases": int(meta.number_rows or 0),
        "columns": names,
        "kind": kind,
    }


def scan_labelled(
    path: str | Path,
    book: Codebook,
    kind: str,
    encoding: str | None = None,
    work: Path | None = None,
    chunk: int | None = None,
) -> pl.LazyFrame:
    """The codebook's variables as text (coded ones categorical), ``source_line`` = case.

    ``encoding``: params.yaml's (see :func:`read_metadata`); the file is checked whole
    first. The cases are read ``chunk`` at a time (None: as many as
    :func:`helpers.extract.labelled_chunks.chunk_cases` says), converted
    (:func:`helpers.extract.labelled_chunks.as_text`) and written as they come to
    ``work/raw.parquet`` (``work``: a folder that lives as long as the LazyFrame; by
    default a temporary one removed at exit), returned as a LazyFrame over it.
    """
    cols = export_columns(book)
    chunk = chunk_cases(cols) if chunk is None else chunk
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1 case, not {chunk}")
    opened = open_checked(path, kind, encoding, every=chunk)
    _check_variables(opened.meta, book, path)
    raw = Path(work or work_folder()) / "raw.parquet"
    cases = write_chunks(_chunks(path, kind, opened, cols, chunk), cols, raw)
    expected = int(opened.meta.number_rows or 0)
    if expected > 0 and cases != expected:  # the whole-file check makes this impossible
        raise SourceError(
            str(path), None, f"{expected} cases (the file's header)", f"{cases} cases read"
        )
    return pl.scan_parquet(raw)


def _chunks(
    path: str | Path, kind: str, opened: Opened, cols: ExportColumns, chunk: int
) -> Iterator[pl.DataFrame]:
    """The file's cases, about ``chunk`` at a time, as text columns numbered by case.

    A bytecode .sav is read from each chunk's first case (its starts found by the
    whole-file check; :class:`SplicedSav`), any other file with ``row_offset``
    (readstat seeks there in an uncompressed .sav and a .dta).
    """
    known = int(opened.meta.number_rows or 0)  # 0 or less: the header does not say
    starts = [*opened.starts, (known if known > 0 else None, None)]
    with open(path, "rb") as fh:
        if len(starts) > 1:  # a bytecode .sav
            for (case, at), (until, _) in itertools.pairwise(starts):
                cases = until - case if until else 0  # 0: to the end
                source = SplicedSav(fh, opened.layout, opened.dictionary, case, at, cases)
                frame = _read(path, source, kind, opened, cols, 0, cases)
                yield as_text(frame, cols, case + 1)
            return
        offset = 0
        while known <= 0 or offset < known:
            frame = _read(path, str(path), kind, opened, cols, offset, chunk)
            if frame.height:
                yield as_text(frame, cols, offset + 1)
            offset += frame.height
            if frame.height < chunk:
                return


def _read(
    path: str | Path,
    source: str | SplicedSav,
    kind: str,
    opened: Opened,
    cols: ExportColumns,
    offset: int,
    limit: int,
) -> pl.DataFrame:
    """Cases ``offset`` + 1 to ``offset`` + ``limit`` (0: to the end) of ``source``.

    ``source``: the file at ``path``, or a view of it from a case (:class:`SplicedSav`).
    """
    try:
        frame, _ = reader(kind)(
            source,
            usecols=cols.all,
            output_format="polars",
            encoding=opened.iconv,
            row_offset=offset,
            row_limit=limit,
        )
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise refusal(
            exc, path, kind, opened.head, opened.layout, opened.iconv, "its data"
        ) from None
    return frame


def read_labelled(
    path: str | Path, book: Codebook, kind: str, encoding: str | None = None
) -> pl.DataFrame:
    """:func:`scan_labelled` read back into memory (for small files, trace and tests)."""
    with tempfile.TemporaryDirectory(prefix="helpers-labelled-") as work:
        return scan_labelled(path, book, kind, encoding, Path(work)).collect()


def case_texts(
    path: str | Path, book: Codebook, kind: str, encoding: str | None = None
) -> list[str]:
    """Each case as ``VAR=value, ...`` (the codebook's variables): what trace shows."""
    frame = read_labelled(path, book, kind, encoding).drop(SOURCE_LINE)
    return [
        ", ".join(f"{c}={'' if v is None else v}" for c, v in zip(frame.columns, row, strict=True))
        for row in frame.iter_rows()
    ]
