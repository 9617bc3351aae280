"""SPSS ``.sav`` and Stata ``.dta`` exports (pyreadstat), read like a CSV export.

The codebook's variables are read as text (numbers as pyreadstat gives them,
``6.0``: codes compare by value), coded ones as categoricals, with
``source_line`` holding the **case number** (1 for the first respondent): the
record number that ``helpers.tools.trace`` and the report cite, as a CSV's line.
User-missing values (SPSS) and Stata's missing values are read as missing; the
value labels are not applied (the codebook's answers are the labels), but
``python -m helpers.tools.codebook draft FILE`` turns them into a draft codebook.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.extract.export import SOURCE_LINE, _read_bytes, data_file_kind, export_columns
from helpers.extract.sav_layout import SavLayout, check_sav_whole, sav_layout

FORMATS = {"respondent_sav": "an SPSS .sav file", "respondent_dta": "a Stata .dta file"}


def _reader(kind: str) -> Callable[..., Any]:
    import pyreadstat

    if kind not in FORMATS:
        raise ValueError(f"not a labelled input kind: {kind!r} (one of {sorted(FORMATS)})")
    return pyreadstat.read_sav if kind == "respondent_sav" else pyreadstat.read_dta


def read_metadata(path: str | Path, kind: str, encoding: str | None = None) -> Any:
    """Pyreadstat's metadata (variables, labels, value labels, missing values), no data.

    ``encoding`` (params.yaml surveys.<id>.encoding): the text encoding to read with;
    None: the one the file names. The file must be of ``kind`` and whole
    (:func:`check_whole`).
    """
    return _open(path, kind, encoding).meta


@dataclass(frozen=True)
class _Opened:
    data: bytes
    meta: Any
    iconv: str | None  # the encoding handed to readstat


def _open(path: str | Path, kind: str, encoding: str | None) -> _Opened:
    data = _read_bytes(path)  # a missing file: the usual error
    found = data_file_kind(data[:16])
    if kind not in FORMATS:
        _reader(kind)  # the usual ValueError
    if found and found[1] != kind:
        raise SourceError(
            str(path),
            None,
            f"{FORMATS[kind]} (input_kind: {kind})",
            f"{found[0]}: set input_kind: {found[1]} in params.yaml",
        )
    layout = sav_layout(data) if kind == "respondent_sav" else None
    iconv = _encoding(path, kind, data, layout, encoding)
    try:
        _, meta = _reader(kind)(str(path), metadataonly=True, encoding=iconv)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise _refusal(exc, path, kind, data, iconv, "its dictionary (variables, labels)") from None
    check_whole(path, kind, data, meta, layout, iconv)
    return _Opened(data, meta, iconv)


# readstat refuses any single allocation above this (MAX_MALLOC_SIZE in readstat_malloc.c):
# a guard against damaged files, which a large value-label set also reaches.
READSTAT_ALLOCATION_LIMIT = "16 MiB"


def _refusal(
    exc: Exception, path: str | Path, kind: str, data: bytes, iconv: str | None, reading: str
) -> SourceError:
    """Readstat's error told as what it means: truncation, encoding, a limit, or not a file."""
    said = f"{type(exc).__name__}: {exc}"
    text = str(exc)
    path = str(path)
    if data_file_kind(data[:16]) is None:  # it does not begin as such a file
        return SourceError(path, None, FORMATS[kind], said)
    if "expected number of rows" in text or "Unable to read from file" in text:
        cases = _header_cases(data, kind)
        return SourceError(
            path,
            None,
            f"{FORMATS[kind]} whole to its end ({cases})",
            f"the file ends before its data do ({said}): it is truncated (an "
            "interrupted copy or download?); export it again",
        )
    if "Unable to convert string" in text or "unsupported character set" in text:
        return SourceError(
            path,
            None,
            f"text encoded as {iconv or 'the file says'} (params.yaml: surveys.<id>.encoding)",
            f"{said}: set encoding to the file's text encoding (e.g. cp1252, utf-8)",
        )
    if "allocate memory" in text:
        largest = ""
        layout = sav_layout(data) if kind == "respondent_sav" else None
        if layout and layout.largest_label_set:
            largest = f"; its largest value-label set has {layout.largest_label_set:,} labels"
        return SourceError(
            path,
            None,
            "a file readstat can read within its memory limit "
            f"({READSTAT_ALLOCATION_LIMIT} per allocation)",
            f"{said} while reading {reading}{largest}: a limit of the reader, "
            "not a damaged file or a wrong type; export the file with fewer "
            "value labels (or none) on that variable",
        )
    return SourceError(path, None, FORMATS[kind], said)


def _header_cases(data: bytes, kind: str) -> str:
    layout = sav_layout(data) if kind == "respondent_sav" else None
    if layout and layout.cases >= 0:
        return f"{layout.cases} cases, as its header says"
    return "as its header describes it"


def _iconv_name(encoding: str) -> str:
    """Python's name of an encoding as readstat's iconv knows it."""
    name = codecs.lookup(encoding).name
    return {"mac-roman": "MACINTOSH", "utf-8-sig": "UTF-8"}.get(name, name.upper())


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _encoding(
    path: str | Path, kind: str, data: bytes, layout: SavLayout | None, encoding: str | None
) -> str | None:
    """The encoding readstat is to read with: params.yaml's, unless the file names another.

    A .sav's character-encoding record (extension record 20), and a Stata 14+ file
    (format 118, 119: UTF-8 by definition), name their encoding: one that is not
    params.yaml's is refused. A file that names none (an older .sav, a Stata file
    before 118) is read with params.yaml's.
    """
    if encoding is None:
        return None
    expected = f"text encoded as {encoding} (params.yaml: surveys.<id>.encoding)"
    want = _codec(encoding)
    if layout and layout.encoding and _codec(layout.encoding) != want:
        raise SourceError(
            str(path),
            None,
            expected,
            f"a file whose character-encoding record "
            f"says {layout.encoding}: set encoding: {_codec(layout.encoding)} "
            "in params.yaml",
        )
    if (
        kind == "respondent_dta"
        and data.startswith(b"<stata_dta><header><release>11")
        and data[30:32] in (b"8<", b"9<")
        and want != "utf-8"
    ):
        raise SourceError(
            str(path),
            None,
            expected,
            f"a Stata .dta file of format "
            f"11{data[30:31].decode()}, whose text is UTF-8 by definition: set "
            "encoding: utf-8 in params.yaml",
        )
    return _iconv_name(encoding)


def check_whole(
    path: str | Path,
    kind: str,
    data: bytes,
    meta: Any,
    layout: SavLayout | None = None,
    iconv: str | None = None,
) -> None:
    """Refuse a file that ends before its data do, naming the case where it breaks.

    A .sav's data are measured against its dictionary (values per case; bytecode
    walked block by block), so a file cut inside a case is refused even when its
    header gives no case count (-1), which readstat would read as the whole cases
    before the cut; a .zsav against the end of the data its header points to; a
    .dta by reading its last case (readstat seeks there).
    """
    path = str(path)
    if kind == "respondent_dta":
        n = int(meta.number_rows or 0)
        if n:
            try:
                _reader(kind)(
                    path,
                    row_offset=n - 1,
                    row_limit=1,
                    encoding=iconv,
                    usecols=list(meta.column_names)[:1],
                )
            except Exception as exc:
                raise _refusal(exc, path, kind, data, iconv, "its last case") from None
        return
    check_sav_whole(path, data, layout or sav_layout(data))


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

    The file is checked whole, and read with ``encoding`` (see :func:`read_metadata`).
    """
    opened = _open(path, kind, encoding)
    meta, data = opened.meta, opened.data
    names = _check_variables(meta, book, path)
    return {
        "path": str(path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "encoding": meta.file_encoding or "",
        "cases": int(meta.number_rows or 0),
        "columns": names,
        "kind": kind,
    }


def read_labelled(
    path: str | Path, book: Codebook, kind: str, encoding: str | None = None
) -> pl.DataFrame:
    """The codebook's variables as text (coded ones categorical), ``source_line`` = case.

    ``encoding``: params.yaml's (see :func:`read_metadata`); the file is checked whole.
    """
    opened = _open(path, kind, encoding)
    _check_variables(opened.meta, book, path)
    cols = export_columns(book)
    try:
        frame, _ = _reader(kind)(
            str(path), usecols=cols.all, output_format="polars", encoding=opened.iconv
        )
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise _refusal(exc, path, kind, opened.data, opened.iconv, "its data") from None
    as_text = []
    for c in cols.all:
        text = pl.col(c).cast(pl.String)
        text = pl.when(text.str.strip_chars() != "").then(text)  # "" is missing, as in a CSV
        as_text.append(text.cast(pl.Categorical() if c in cols.coded else pl.String).alias(c))
    return frame.select(
        *as_text, pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(SOURCE_LINE)
    )


def case_texts(
    path: str | Path, book: Codebook, kind: str, encoding: str | None = None
) -> list[str]:
    """Each case as ``VAR=value, ...`` (the codebook's variables): what trace shows."""
    frame = read_labelled(path, book, kind, encoding).drop(SOURCE_LINE)
    return [
        ", ".join(f"{c}={'' if v is None else v}" for c, v in zip(frame.columns, row, strict=True))
        for row in frame.iter_rows()
    ]
