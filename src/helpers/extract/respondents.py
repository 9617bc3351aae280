"""Respondent-level exports of every kind: one entry point for the extract and clean stages.

``respondent_csv`` (helpers.extract.export) numbers records by their line in the
file; ``respondent_sav`` and ``respondent_dta`` (helpers.extract.labelled) by case.
Both give the same table: the codebook's columns as text, coded ones categorical,
and ``source_line``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.inputs import input_kind
from helpers.extract.csv_structure import MAX_FIELD_BYTES
from helpers.extract.export import describe_export, read_export, scan_export
from helpers.extract.labelled import describe_labelled, read_labelled, scan_labelled


def read_respondents(
    path: str | Path,
    book: Codebook,
    kind: str,
    encoding: str = "utf-8",
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> pl.DataFrame:
    """The export's codebook columns and ``source_line`` (a line, or a case number).

    ``encoding`` (params.yaml surveys.<id>.encoding) applies to every kind: a .sav or
    .dta whose file names another encoding is refused (helpers.extract.labelled).

    ``max_field_bytes`` (params.yaml clean.max_field_bytes): a CSV's largest allowed field.
    """
    if input_kind(kind).labelled:
        return read_labelled(path, book, kind, encoding)
    return read_export(path, book, encoding=encoding, max_field_bytes=max_field_bytes)


def scan_respondents(
    path: str | Path,
    book: Codebook,
    kind: str,
    encoding: str = "utf-8",
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> pl.LazyFrame:
    """As :func:`read_respondents`, as a LazyFrame streamed from disk.

    A CSV through :func:`helpers.extract.export.scan_export`, a .sav or .dta through
    :func:`helpers.extract.labelled.scan_labelled` (its cases in chunks): each sunk
    to a temporary ``raw.parquet`` as it is read.
    """
    if input_kind(kind).labelled:
        return scan_labelled(path, book, kind, encoding)
    return scan_export(path, book, encoding=encoding, max_field_bytes=max_field_bytes)


def describe_respondents(
    path: str | Path, book: Codebook, kind: str, encoding: str = "utf-8"
) -> dict:
    """What the extract stage records of an export: hash, size, columns, kind."""
    if input_kind(kind).labelled:
        return describe_labelled(path, book, kind, encoding)
    return describe_export(path, book, encoding=encoding)


def first_record(kind: str) -> int:
    """The number of an export's first respondent: line 2 of a CSV, case 1 of a data file."""
    return input_kind(kind).first_record
