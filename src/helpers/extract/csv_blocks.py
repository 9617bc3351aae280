"""A CSV export's rows read by polars in blocks of whole lines: memory holds a block.

polars' streaming CSV source (``scan_csv``) holds memory that grows with the file
(about 60 MiB per million rows of a 20-question survey, measured in issue 26);
``read_csv`` on one block at a time does not. :func:`scan_blocks` hands those
blocks to polars' streaming engine as an IO source (``register_io_source``), so the
query after it (the mapping, the sinks) is planned as before. Each block is parsed
with the file's header line in front of it (so a block starting with a blank line
keeps the header's columns), and each row is named by its physical line: the
structure pass (helpers.extract.csv_structure) has already refused every quoted line
break, so one row is one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from helpers.core.errors import SourceError
from helpers.extract.csv_structure import BLOCK_BYTES, line_blocks


def scan_blocks(
    body: str | Path,
    types: dict[str, pl.DataType],
    line_column: str,
    path: str,
    block_bytes: int = BLOCK_BYTES,
) -> pl.LazyFrame:
    """The CSV file ``body`` (UTF-8, header on line 1) as a LazyFrame read block by block.

    ``types``: every header column's type, in the header's order; ``line_column``
    (``Int64``) numbers each row by its line in the file (the first data line is 2).
    ``path`` names the source in messages.
    """
    schema = {**types, line_column: pl.Int64}

    def source(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        frames = _frames(Path(body), types, line_column, path, block_bytes)
        return _pushed_down(frames, with_columns, predicate, n_rows)

    return register_io_source(source, schema=schema, explain_name="CSV blocks")


def _frames(
    body: Path, types: dict[str, pl.DataType], line_column: str, path: str, block_bytes: int
) -> Iterator[pl.DataFrame]:
    """Each block of whole lines parsed (the header line in front), its rows numbered."""
    with open(body, "rb") as fh:
        head = fh.readline()
        if not head.endswith(b"\n"):
            return
        line = 2
        for block in line_blocks(fh, block_bytes):
            lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            frame = pl.read_csv(head + block, schema=types)
            if frame.height != lines:  # the structure pass makes this impossible
                raise SourceError(
                    path,
                    line,
                    f"one row per line on lines {line} to {line + lines - 1}",
                    f"{frame.height} rows read",
                )
            number = pl.int_range(line, line + lines, dtype=pl.Int64, eager=True)
            yield frame.with_columns(number.alias(line_column))
            line += lines


def _pushed_down(
    frames: Iterator[pl.DataFrame],
    columns: list[str] | None,
    predicate: pl.Expr | None,
    n_rows: int | None,
) -> Iterator[pl.DataFrame]:
    """The frames as the engine asked for them: its columns, its filter, at most ``n_rows``."""
    for frame in frames:
        if columns is not None:
            frame = frame.select(columns)
        if predicate is not None:
            frame = frame.filter(predicate)
        if n_rows is not None:
            frame = frame.head(n_rows)
            n_rows -= frame.height
        yield frame
        if n_rows is not None and n_rows <= 0:
            return
