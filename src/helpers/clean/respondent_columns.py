"""The respondent id and the design's columns of an export, or the first row without them."""

from __future__ import annotations

import polars as pl

from helpers.clean.export_checks import all_distinct
from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.extract.export import ID_COLUMN, SOURCE_LINE, ExportColumns


def respondent_ids(raw: pl.DataFrame, cols: ExportColumns, path: str) -> pl.Series:
    """The export's respondent ids (``R1``... if it has none); stop at an empty or repeated one."""
    if not cols.ids:
        width = len(str(raw.height))
        return pl.Series(
            ID_COLUMN, [f"R{i:0{width}d}" for i in range(1, raw.height + 1)], dtype=pl.String
        )
    ids = raw[cols.ids].cast(pl.String)
    if not ids.null_count() and all_distinct(ids):  # ("" is missing on read)
        return ids.alias(ID_COLUMN)
    bad = ids.is_null() | (ids == "") | ~ids.is_first_distinct()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise SourceError(
            path,
            int(raw[SOURCE_LINE][row]),
            f"a unique, non-empty respondent id in {cols.ids!r}",
            f"{ids[row]!r} (empty or seen before)",
        )
    return ids.alias(ID_COLUMN)


def design_columns(raw: pl.DataFrame, book: Codebook, path: str) -> list[pl.Expr]:
    """The design's columns (``design_weight``, ...), or stop at the first row without one.

    A weight or fpc must be a positive finite number and a stratum or PSU
    present, on every row: a respondent the design cannot place has no valid
    estimate, so the stage stops, naming the line, rather than drop it.
    """
    if book.design is None:
        return []
    exprs = []
    for role, column in book.design.columns.items():
        text = pl.col(column).cast(pl.String).str.strip_chars()
        if role in ("weight", "fpc"):
            value = text.cast(pl.Float64, strict=False)
            ok = value.is_not_null() & value.is_finite() & (value > 0)
            expected = f"a positive number in {column!r} (the design's {role})"
        elif role.startswith("rep_"):  # a replicate weight: 0 drops the case from a replicate
            value = text.cast(pl.Float64, strict=False)
            ok = value.is_not_null() & value.is_finite() & (value >= 0)
            expected = f"a number >= 0 in {column!r} (a replicate weight)"
        else:
            value = text
            ok = text.is_not_null() & (text != "")
            expected = f"a value in {column!r} (the design's {role})"
        bad = raw.select(ok.not_().arg_true().head(1)).to_series()
        if bad.len():
            row = int(bad[0])
            raise SourceError(
                path,
                int(raw[SOURCE_LINE][row]),
                expected,
                repr(raw[column].cast(pl.String)[row] or ""),
            )
        exprs.append(value.alias(book.design.response_columns[role]))
    return exprs
