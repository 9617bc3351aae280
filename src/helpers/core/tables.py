"""Read the pipeline's tables; write a stage's outputs all-or-nothing."""

from __future__ import annotations

import csv
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

Content = str | bytes | pd.DataFrame
_UMASK = os.umask(0)
os.umask(_UMASK)


def csv_text(df: pd.DataFrame, float_decimals: int | None = None) -> str:
    """A DataFrame as CSV text with LF line endings and fixed float formatting."""
    fmt = f"%.{float_decimals}f" if float_decimals is not None else None
    return df.to_csv(index=False, lineterminator="\n", float_format=fmt)


_NEEDS_QUOTES = r'[,"\r\n]'
# pyarrow reads a CSV in blocks, each with its own dictionary per coded column; at 1 MiB
# (its default) a 80 MiB file makes ~80 dictionaries to unify. 16 MiB: 0.63 s vs 1.0 s for
# a million rows x 30 coded columns (benchmarks/scale.py machine).
ARROW_BLOCK_SIZE = 16 << 20


def _arrow_text_column(values: pa.Array | pa.ChunkedArray) -> bool:
    """True for a string column none of whose values would need CSV quoting."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return False
    return not pc.any(pc.match_substring_regex(values, _NEEDS_QUOTES)).as_py()


def arrow_csv_bytes(df: pd.DataFrame) -> bytes | None:
    """``csv_text(df)`` encoded, written by pyarrow's C++ CSV writer.

    At a million rows this is several times faster than pandas (and large tables
    are written in parallel slices). It is used only
    where its bytes are the same as pandas': at least two columns with string
    names, every column integers (nullable or not), text or categorical text, and
    no value that needs quoting. Anything else returns None (use pandas).
    """
    if df.shape[1] < 2 or not all(isinstance(c, str) for c in df.columns) \
            or df.columns.duplicated().any():  # fmt: skip
        return None
    for name in df.columns:
        dtype = df[name].dtype
        if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
                or isinstance(dtype, pd.CategoricalDtype)):  # fmt: skip
            return None
    try:
        table = pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # e.g. an object column holding something other than text
    for column in table.columns:
        kind = column.type
        if pa.types.is_integer(kind):
            continue
        if pa.types.is_dictionary(kind):
            values = [chunk.dictionary for chunk in column.chunks]
            if not all(_arrow_text_column(v) for v in values):
                return None
        elif not _arrow_text_column(column):
            return None
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(df.columns)
    return header.getvalue().encode("utf-8") + _arrow_csv_rows(table)


PARALLEL_ROWS = 200_000  # below this, one writer: threads would cost more than they save


def _arrow_csv_rows(table: pa.Table) -> bytes:
    """The rows of ``table`` as CSV, large tables written in slices on every core.

    Rows are independent, so the slices' bytes, joined in order, are the same as
    one writer's (the writer releases the GIL; on 2 cores a million rows x 30
    columns take 0.54 s instead of 1.04 s).
    """
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")

    def write(part: pa.Table) -> bytes:
        out = io.BytesIO()
        pacsv.write_csv(part, out, options)
        return out.getvalue()

    workers = min(os.cpu_count() or 1, 8)
    if table.num_rows < PARALLEL_ROWS or workers == 1:
        return write(table)
    step = -(-table.num_rows // workers)
    parts = [table.slice(i * step, step) for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        return b"".join(pool.map(write, parts))


def json_text(data: object) -> str:
    """Stable JSON text: sorted keys, 2-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_csv(path: str | Path, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a pipeline CSV: only empty cells are missing ('NA' or 'no' stay text).

    ``text_columns`` are kept as written (e.g. '60' and '60.0' stay distinct).
    """
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype_backend="numpy_nullable",
                       engine="pyarrow",
                       dtype={c: "string" for c in text_columns})  # fmt: skip


def read_coded_csv(
    path: str | Path, coded: tuple[str, ...], text: tuple[str, ...] = (),
    encoding: str = "utf-8", only: tuple[str, ...] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Read a large CSV whose ``coded`` columns become categoricals as they are read.

    Same missing-value rule as :func:`read_csv` (only empty cells are missing);
    ``coded`` and ``text`` columns are kept as written ('01' stays '01'). A
    million-row responses.csv is read without a string column per answer.
    ``only``: read just these columns, in this order (default: all).
    """
    types = {c: pa.dictionary(pa.int32(), pa.string()) for c in coded}
    types |= {c: pa.string() for c in text}
    options = pacsv.ConvertOptions(column_types=types, null_values=[""],
                                   strings_can_be_null=True,
                                   include_columns=list(only) if only else None)  # fmt: skip
    read = pacsv.ReadOptions(encoding=encoding, block_size=ARROW_BLOCK_SIZE)
    return pacsv.read_csv(path, read_options=read, convert_options=options).to_pandas()


