"""Tables streamed to files as they are produced: CSV, and Parquet with a checksum in its footer.

Both run a polars LazyFrame on the streaming engine, so memory holds a batch (a row
group for Parquet), not the table:

* :func:`polars_csv_sink` writes the bytes :func:`helpers.core.tables.polars_csv_bytes`
  writes (formula cells neutralised the same way);
* :func:`write_parquet` hands the batches to pyarrow's Parquet writer, regrouped into
  row groups of exactly ``rows_per_group`` rows, each one chunk per column (so the
  bytes do not depend on how the engine cut its batches), hashing every byte as it
  goes; a group is let go once written. The footer's metadata then names the sha256
  of the bytes before it (:func:`data_sha256`), which any engine or tool recomputes
  from the file alone.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl
import pyarrow.parquet as pq

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


class _Hashing(io.RawIOBase):
    """A binary file that hashes (sha256) and counts every byte written through it."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.sha.update(data)
        self.size += len(data)
        return self.fh.write(data)


def _contiguous(held: list[pl.DataFrame]) -> pl.DataFrame:
    """The held pieces as one frame of one chunk per column; the list emptied.

    Copied column by column, each column's pieces let go once copied: the copy and
    the pieces together hold little more than one group.
    """
    columns = []
    for name in held[0].columns:
        columns.append(pl.concat([p.get_column(name) for p in held], rechunk=False).rechunk())
        held[:] = [p.drop(name) for p in held]
    held.clear()
    return pl.DataFrame(columns)


def _row_groups(batches: Iterable[pl.DataFrame], rows_per_group: int) -> Iterator[pl.DataFrame]:
    """The batches regrouped into exactly ``rows_per_group`` rows each (the last one fewer).

    Each group is one contiguous chunk per column, however the batches were cut: pyarrow's
    pages and dictionary fallback follow the chunks, so the bytes would otherwise depend on
    the engine's batch sizes. Nothing of a group is kept once it is handed on; held at
    most: one group being gathered and the rest of one batch.
    """
    held: list[pl.DataFrame] = []
    rows = 0
    for batch in batches:
        while batch.height:
            take = min(rows_per_group - rows, batch.height)
            held.append(batch.slice(0, take))
            batch, rows = batch.slice(take), rows + take
            if rows == rows_per_group:
                rows = 0
                yield _contiguous(held)
    if rows:
        yield _contiguous(held)


def write_parquet(
    target: str | Path | BinaryIO,
    query: pl.LazyFrame,
    footer: Callable[[int, str], dict[str, str]],
    rows_per_group: int,
) -> None:
    """Stream ``query`` into a Parquet file; ``footer(rows, sha256)`` gives its metadata.

    ``sha256`` is that of every byte written before the footer (:func:`data_sha256`).
    """
    batches = query.collect_batches(maintain_order=True, engine="streaming")
    write_batches(target, batches, query.collect_schema(), footer, rows_per_group)


def write_batches(
    target: str | Path | BinaryIO,
    batches: Iterable[pl.DataFrame],
    schema: pl.Schema | dict[str, pl.DataType],
    footer: Callable[[int, str], dict[str, str]],
    rows_per_group: int,
) -> int:
    """Write the batches (all of ``schema``) as one Parquet file, as they come; their rows."""
    if isinstance(target, (str, Path)):
        with open(target, "wb") as fh:
            return write_batches(fh, batches, schema, footer, rows_per_group)
    arrow = pl.DataFrame(schema=schema).to_arrow().schema
    out = _Hashing(target)
    writer = pq.ParquetWriter(out, arrow, compression="zstd", write_statistics=False)
    rows = 0
    try:
        for group in _row_groups(batches, rows_per_group):
            rows, table = rows + group.height, group.to_arrow().cast(arrow)
            del group  # neither held while the next group is gathered
            writer.write_table(table, row_group_size=rows_per_group)
            del table
        writer.add_key_value_metadata(footer(rows, out.sha.hexdigest()))
    finally:
        writer.close()
    return rows


def data_sha256(path: str | Path) -> tuple[str, int]:
    """The sha256 of a Parquet file's bytes before its footer, and their number.

    A Parquet file ends with its footer, the footer's length (4 bytes, little-endian)
    and ``PAR1``: any engine or tool recomputes this from the file's bytes alone.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
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
