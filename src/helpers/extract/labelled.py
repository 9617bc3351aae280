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

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.extract.export import SOURCE_LINE, _read_bytes, export_columns

FORMATS = {"respondent_sav": "an SPSS .sav file", "respondent_dta": "a Stata .dta file"}


def _reader(kind: str) -> Callable[..., Any]:
    import pyreadstat

    if kind not in FORMATS:
        raise ValueError(f"not a labelled input kind: {kind!r} (one of {sorted(FORMATS)})")
    return pyreadstat.read_sav if kind == "respondent_sav" else pyreadstat.read_dta


def read_metadata(path: str | Path, kind: str) -> Any:
    """Pyreadstat's metadata (variables, labels, value labels, missing values), no data."""
    _read_bytes(path)  # a missing file: the usual error
    try:
        _, meta = _reader(kind)(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat.ReadstatError and friends: not such a file
        raise SourceError(str(path), None, FORMATS[kind], f"{type(exc).__name__}: {exc}") \
            from None  # fmt: skip
    return meta


def _check_variables(meta: Any, book: Codebook, path: str | Path) -> list[str]:
    cols = export_columns(book)
    names = list(meta.column_names)
    missing = [c for c in cols.all if c not in names]
    if missing:
        raise SourceError(str(path), None, f"variables {cols.all} (codebook)",
                          f"no variable(s) {missing}; the file has {names}")  # fmt: skip
    return names


def describe_labelled(path: str | Path, book: Codebook, kind: str) -> dict:
    """Hash, size, case count and variables of a labelled export holding the codebook's."""
    meta = read_metadata(path, kind)
    names = _check_variables(meta, book, path)
    data = Path(path).read_bytes()
    return {"path": str(path), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
            "encoding": meta.file_encoding or "", "cases": int(meta.number_rows or 0),
            "columns": names, "kind": kind}  # fmt: skip


def read_labelled(path: str | Path, book: Codebook, kind: str) -> pl.DataFrame:
    """The codebook's variables as text (coded ones categorical), ``source_line`` = case."""
    meta = read_metadata(path, kind)
    _check_variables(meta, book, path)
    cols = export_columns(book)
    frame, _ = _reader(kind)(str(path), usecols=cols.all, output_format="polars")
    as_text = []
    for c in cols.all:
        text = pl.col(c).cast(pl.String)
        text = pl.when(text.str.strip_chars() != "").then(text)  # "" is missing, as in a CSV
        as_text.append(text.cast(pl.Categorical() if c in cols.coded else pl.String).alias(c))
    return frame.select(*as_text, pl.int_range(1, frame.height + 1, dtype=pl.Int64)
                        .alias(SOURCE_LINE))  # fmt: skip


def case_texts(path: str | Path, book: Codebook, kind: str) -> list[str]:
    """Each case as ``VAR=value, ...`` (the codebook's variables): what trace shows."""
    frame = read_labelled(path, book, kind).drop(SOURCE_LINE)
    return [", ".join(f"{c}={'' if v is None else v}" for c, v in zip(frame.columns, row,
                                                                      strict=True))
            for row in frame.iter_rows()]  # fmt: skip
