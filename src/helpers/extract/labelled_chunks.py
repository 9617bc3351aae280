"""A labelled export's cases as text columns, chunk by chunk, written to Parquet as they come.

One definition of what a .sav or .dta case becomes (:func:`as_text`): the codebook's
variables as text (numbers as pyreadstat gives them, ``6.0``), coded ones categorical,
an empty or all-space string missing, ``source_line`` the case number (1 for the
first case), continuing across chunks. :func:`write_chunks` sinks the chunks to one
Parquet file with pyarrow's ``ParquetWriter``: memory holds a chunk, not the file.

Chunk size: pyreadstat holds about 70 bytes per value read (measured in issue 26:
1.2 GiB for a million cases of 20 variables), so :func:`chunk_cases` reads
:data:`CHUNK_VALUES` values at a time (100,000 cases of 20 variables, about 140 MiB).
Readstat reaches a chunk's first case (``row_offset``) by seeking in an uncompressed
.sav or a .dta, but by decoding every case before it in a bytecode-compressed .sav
(0.13 µs per case skipped against about 7 µs per case read, on 3 million cases of
20 variables: quadratic in the file's size). A bytecode .sav is therefore read from
each chunk's first case instead (helpers.extract.sav_layout.SplicedSav).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.extract.export import SOURCE_LINE, ExportColumns

CHUNK_VALUES = 2_000_000


def chunk_cases(cols: ExportColumns, values: int = CHUNK_VALUES) -> int:
    """How many cases to read at a time: ``values`` values of the variables read."""
    return max(1, values // max(1, len(cols.all)))


def text_schema(cols: ExportColumns) -> dict[str, pl.DataType]:
    """The columns a labelled export is read into: text, coded ones categorical, the case."""
    types: dict[str, pl.DataType] = {
        c: pl.Categorical() if c in cols.coded else pl.String() for c in cols.all
    }
    return {**types, SOURCE_LINE: pl.Int64()}


def as_text(frame: pl.DataFrame, cols: ExportColumns, first_case: int) -> pl.DataFrame:
    """Pyreadstat's cases as the codebook's text columns; ``source_line`` from ``first_case``."""
    as_text = []
    for c in cols.all:
        text = pl.col(c).cast(pl.String)
        text = pl.when(text.str.strip_chars() != "").then(text)  # "" is missing, as in a CSV
        as_text.append(text.cast(pl.Categorical() if c in cols.coded else pl.String).alias(c))
    cases = pl.int_range(first_case, first_case + frame.height, dtype=pl.Int64)
    return frame.select(*as_text, cases.alias(SOURCE_LINE))


def write_chunks(chunks: Iterable[pl.DataFrame], cols: ExportColumns, out: Path) -> int:
    """Write the converted chunks (:func:`as_text`) to ``out`` as they come; the cases written.

    The file holds the schema of :func:`text_schema` even when there are no cases.
    """
    schema = pl.DataFrame(schema=text_schema(cols)).to_arrow().schema
    cases = 0
    with pq.ParquetWriter(out, schema, compression="lz4", write_statistics=False) as writer:
        for chunk in chunks:
            writer.write_table(chunk.to_arrow().cast(schema))
            cases += chunk.height
        if cases == 0:
            writer.write_table(pa.Table.from_pylist([], schema=schema))
    return cases
