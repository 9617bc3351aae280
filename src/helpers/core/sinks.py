"""Tables streamed to files as they are produced: CSV, and Parquet with a checksum in its footer.

Both run a polars LazyFrame on the streaming engine, so memory holds a batch (a row
group for Parquet), not the table:

* :func:`polars_csv_sink` writes the bytes :func:`helpers.core.tables.polars_csv_bytes`
  writes (formula cells neutralised the same way);
* :func:`write_parquet` has polars' own Parquet sink encode row groups of exactly
  ``rows_per_group`` rows; the footer's metadata then names the sha256 of the bytes
  before it (:func:`data_sha256`), which any engine or tool recomputes from the file
  alone.
  (Until 2026-12-07 pyarrow's writer, fed the batches regrouped by hand: one thread,
  8.5 s against polars' 1.9 s for a 10M-row table.)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import polars as pl

from helpers.core.tables import _polars_safe, is_formula, neutralise


def polars_csv_sink(frame: pl.LazyFrame, path: Path) -> None:
    """Stream a LazyFrame to ``path`` as CSV: the bytes :func:`polars_csv_bytes` would make.

    polars' streaming engine writes it batch by batch. Every text cell is judged
    (a row's text, or an enumeration's categories once), since the frame is not read
    twice to find the columns without formulas first.
    """
    fixes = []
    for c, t in frame.collect_schema().items():
        if t == pl.Boolean:
            fixes.append(
                pl.col(c).replace_strict({True: "True", False: "False"}, return_dtype=pl.String)
            )
        elif t == pl.String or isinstance(t, pl.Categorical):
            fixes.append(_polars_safe(pl.col(c).cast(pl.String)).alias(c))
        elif isinstance(t, pl.Enum):
            renamed = {v: neutralise(v) for v in t.categories.to_list() if is_formula(v)}
            text = pl.col(c).cast(pl.String).replace(renamed) if renamed else pl.col(c)
            fixes.append(pl.when(text.cast(pl.String) != "").then(text).alias(c))
    out = frame.with_columns(fixes) if fixes else frame
    names = {c: str(neutralise(c)) for c in out.collect_schema().names() if is_formula(c)}
    (out.rename(names) if names else out).sink_csv(
        path, line_terminator="\n", quote_style="necessary", engine="streaming"
    )


# Written in the footer where its sha256 goes, then overwritten (same length) once the
# bytes before the footer are all on disk: polars buffers its writes, so when it asks
# for the footer's metadata not every byte has reached the file yet.
_PENDING = "sha256-pending-" + "0" * 49


def write_parquet(
    target: str | Path | BinaryIO,
    query: pl.LazyFrame,
    footer: Callable[[int, str], dict[str, str]],
    rows_per_group: int,
) -> int:
    """Stream ``query`` into a Parquet file; ``footer(rows, sha256)`` gives its metadata.

    polars' streaming engine encodes the row groups (``rows_per_group`` rows each, the
    last one fewer) on every core. Once every row is written it asks for the footer's
    metadata: the rows are counted by then, the sha256 of every byte before the footer
    (:func:`data_sha256`) is written in its place after the file is complete. The bytes
    depend on the rows alone, not on how they were cut into batches nor on how many
    threads polars ran (``tests/test_sinks.py``). ``target``: a path, or a binary file
    open for reading and writing. Returns the rows.
    """
    if isinstance(target, (str, Path)):
        with open(target, "w+b") as fh:
            return write_parquet(fh, query, footer, rows_per_group)
    rows = [0]

    def count(batch: pl.DataFrame) -> pl.DataFrame:
        rows[0] += batch.height
        return batch

    counted = query.map_batches(count, streamable=True, schema=query.collect_schema())
    counted.sink_parquet(
        target,  # type: ignore[arg-type]
        compression="zstd",
        statistics=False,
        row_group_size=rows_per_group,
        metadata=lambda _schema: footer(rows[0], _PENDING),
        engine="streaming",
    )
    _settle_digest(target)
    return rows[0]


def _settle_digest(fh: BinaryIO) -> None:
    """Write the sha256 of the bytes before the footer where the footer says ``_PENDING``."""
    fh.flush()
    digest, data_end = _head_sha256(fh)
    size = fh.seek(0, os.SEEK_END)
    fh.seek(data_end)
    footer = fh.read(size - 8 - data_end)
    mark = _PENDING.encode("ascii")
    if footer.count(mark) != 1:
        raise ValueError(f"the Parquet footer holds {footer.count(mark)} sha256 marks, not one")
    fh.seek(data_end + footer.index(mark))
    fh.write(digest.encode("ascii"))
    fh.flush()


def data_sha256(path: str | Path) -> tuple[str, int]:
    """The sha256 of a Parquet file's bytes before its footer, and their number.

    A Parquet file ends with its footer, the footer's length (4 bytes, little-endian)
    and ``PAR1``: any engine or tool recomputes this from the file's bytes alone.
    """
    with open(path, "rb") as fh:
        return _head_sha256(fh)


def _head_sha256(fh: BinaryIO) -> tuple[str, int]:
    """:func:`data_sha256` of an open file, read in blocks."""
    size = fh.seek(0, os.SEEK_END)
    fh.seek(max(0, size - 8))
    tail = fh.read(8)
    if len(tail) < 8 or tail[4:] != b"PAR1":
        raise ValueError("no Parquet footer at the end of the file")
    end = size - 8 - int.from_bytes(tail[:4], "little")
    if end < 4:
        raise ValueError("a Parquet footer longer than the file")
    fh.seek(0)
    sha, left = hashlib.sha256(), end
    while left:
        block = fh.read(min(left, 1 << 22))
        sha.update(block)
        left -= len(block)
    return sha.hexdigest(), end
