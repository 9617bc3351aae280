"""The respondent id and the design's columns of an export, or the first row without them."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.errors import SourceError
from helpers.extract.export import ID_COLUMN, SOURCE_LINE, ExportColumns

ROW = "__row"  # a row's number from 1, for the ids made when the export has none
BUCKET_ROWS = 2_000_000  # about as many values per bucket of distinct_hashes


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
    nulls = raw.select(ids.null_count()).collect(engine="streaming").item()
    if not nulls and (distinct_hashes(raw, ids, n) == n or _n_unique(raw, ids) == n):
        # ("" is missing on read)
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


def distinct_hashes(rows: pl.DataFrame | pl.LazyFrame, value: pl.Expr, n: int) -> int:
    """How many distinct 64-bit hashes ``value`` takes over ``rows`` (``n`` rows).

    A set of every row's hash grows with the rows (about 45 bytes a row in polars'
    ``n_unique``: 4.5 GiB at 100 million). Over ``BUCKET_ROWS`` rows of a LazyFrame,
    polars' streaming engine writes the hashes to a scratch Parquet dataset
    partitioned by ``hash % buckets`` (one pass), and each bucket's distinct hashes
    are counted in turn: memory holds one bucket (about ``BUCKET_ROWS`` hashes).
    """
    if isinstance(rows, pl.DataFrame) or n <= BUCKET_ROWS:
        return int(rows.lazy().select(value.hash().n_unique()).collect(engine="streaming").item())
    buckets = -(-n // BUCKET_ROWS)
    hashed = rows.select(value.hash().alias("h")).with_columns(bucket=pl.col("h") % buckets)
    with tempfile.TemporaryDirectory(prefix="helpers-distinct-") as work:
        hashed.sink_parquet(
            pl.PartitionBy(work, key="bucket", include_key=False),
            compression="lz4",
            statistics=False,
            mkdir=True,
        )
        return sum(
            pl.read_parquet(part, columns=["h"]).get_column("h").n_unique()
            for part in sorted(Path(work).rglob("*.parquet"))
        )


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
