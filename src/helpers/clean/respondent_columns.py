"""The respondent id and the design's columns of an export, or the first row without them."""

from __future__ import annotations

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.extract.export import ID_COLUMN, SOURCE_LINE, ExportColumns

ROW = "__row"  # a row's number from 1, for the ids made when the export has none


def respondent_ids(raw: pl.LazyFrame, cols: ExportColumns, path: str, n: int) -> pl.Expr:
    """The export's respondent ids (``R1``... from column ``ROW`` if it has none).

    Stop at an empty or repeated one. One streaming pass counts them; only when two
    ids' 64-bit hashes meet are the ids themselves compared, and only when one is
    empty or repeated are they read into memory, to name its line.
    """
    if not cols.ids:
        width = len(str(n))
        return pl.format("R{}", pl.col(ROW).cast(pl.String).str.zfill(width)).alias(ID_COLUMN)
    ids = pl.col(cols.ids).cast(pl.String)
    nulls, hashed = (
        raw.select(ids.null_count(), ids.hash().n_unique().alias("h"))
        .collect(engine="streaming")
        .row(0)
    )
    if not nulls and (hashed == n or _n_unique(raw, ids) == n):  # ("" is missing on read)
        return ids.alias(ID_COLUMN)
    bad = ids.is_null() | (ids == "") | ~ids.is_first_distinct()
    found = (
        raw.select(ids.alias("id"), pl.col(SOURCE_LINE), bad.alias("bad"))
        .collect()
        .filter(pl.col("bad"))
    )
    if found.height:
        raise SourceError(
            path,
            int(found[SOURCE_LINE][0]),
            f"a unique, non-empty respondent id in {cols.ids!r}",
            f"{found['id'][0]!r} (empty or seen before)",
        )
    return ids.alias(ID_COLUMN)


def _n_unique(raw: pl.LazyFrame, ids: pl.Expr) -> int:
    return int(raw.select(ids.n_unique()).collect(engine="streaming").item())


def design_columns(raw: pl.LazyFrame, book: Codebook, path: str) -> list[pl.Expr]:
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
        bad = (
            raw.filter(~ok)
            .select(pl.col(SOURCE_LINE), pl.col(column).cast(pl.String))
            .head(1)
            .collect(engine="streaming")
        )
        if bad.height:
            raise SourceError(path, int(bad[SOURCE_LINE][0]), expected, repr(bad[column][0] or ""))
        exprs.append(value.alias(book.design.response_columns[role]))
    return exprs
