"""The Parquet sink (helpers.core.sinks.write_parquet): exact row groups, same bytes.

* the bytes do not depend on how the rows were cut into batches or chunks, nor on how
  many threads polars runs (each checked in its own process);
* every row group has exactly ``rows_per_group`` rows (the last one fewer), and the
  footer names the rows and the sha256 of the bytes before it.

Data: INVENTED ids and numbers made here.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

from helpers.core.sinks import data_sha256, write_parquet

ROWS = 60_000
# Unique 40-character ids: a dictionary that passes the 1 MiB dictionary page limit
# mid-group, where a writer may fall back to plain encoding chunk by chunk.
FRAME = pl.DataFrame(
    {"id": [f"{i:040d}" for i in range(ROWS)], "n": np.arange(ROWS, dtype=np.int64) % 7}
)


def _footer(rows: int, digest: str) -> dict[str, str]:
    return {"rows": str(rows), "data_sha256": digest}


def _written(query: pl.LazyFrame, rows_per_group: int) -> bytes:
    out = io.BytesIO()
    write_parquet(out, query, _footer, rows_per_group)
    return out.getvalue()


def _cut(frame: pl.DataFrame, sizes: list[int]) -> pl.LazyFrame:
    """``frame`` as a LazyFrame of pieces of the given sizes, cycled, each its own memory."""
    parts, start, k = [], 0, 0
    while start < frame.height:
        parts.append(frame.slice(start, sizes[k % len(sizes)]).clone().rechunk().lazy())
        start += sizes[k % len(sizes)]
        k += 1
    return pl.concat(parts, rechunk=False)


@pytest.mark.parametrize("rows_per_group", [16_384, 50_000, 1 << 20])
def test_bytes_do_not_depend_on_the_batches(rows_per_group):
    whole = _written(FRAME.lazy(), rows_per_group)
    chunked = pl.concat([FRAME.slice(i, 1000) for i in range(0, ROWS, 1000)], rechunk=False)
    assert chunked.n_chunks() > 1
    for query in (_cut(FRAME, [1000]), _cut(FRAME, [7, 4093, 25_000]), chunked.lazy()):
        assert _written(query, rows_per_group) == whole


SCRIPT = """
import hashlib, io, sys
import numpy as np, polars as pl
pl.Config.set_streaming_chunk_size(int(sys.argv[1]))
from helpers.core.sinks import write_parquet
n = 300_000
frame = pl.LazyFrame({"id": [f"{i:040d}" for i in range(n)], "n": np.arange(n) % 7})
out = io.BytesIO()
query = frame.with_columns(m=pl.col("n") * 3)
write_parquet(out, query, lambda rows, digest: {"r": str(rows), "d": digest}, 65_536)
print(hashlib.sha256(out.getvalue()).hexdigest())
"""


def test_bytes_do_not_depend_on_threads_or_the_engine_s_chunks():
    """The same rows in processes of 1 and 2 threads and two streaming chunk sizes."""
    digests = set()
    for threads, chunk in (("1", 1000), ("2", 1000), ("2", 77_777)):
        env = {**os.environ, "POLARS_MAX_THREADS": threads}
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(chunk)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(run.stdout.strip())
    assert len(digests) == 1


def test_row_groups_are_exact_and_the_footer_names_the_bytes_before_it(tmp_path):
    path = tmp_path / "t.parquet"
    rows = write_parquet(path, _cut(FRAME, [3001]), _footer, 16_384)
    meta = pq.read_metadata(path)
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert rows == ROWS and sizes == [16_384] * 3 + [ROWS - 3 * 16_384]
    digest, size = data_sha256(path)
    assert meta.metadata[b"data_sha256"].decode() == digest
    assert meta.metadata[b"rows"].decode() == str(ROWS)
    assert digest == hashlib.sha256(path.read_bytes()[:size]).hexdigest()
    assert pl.read_parquet(path).equals(FRAME)


def test_no_rows_make_a_file_of_the_schema(tmp_path):
    path = tmp_path / "empty.parquet"
    empty = FRAME.clear()
    assert write_parquet(path, empty.lazy(), _footer, 100) == 0
    assert pq.read_metadata(path).num_rows == 0
    assert pq.read_metadata(path).metadata[b"rows"] == b"0"
    assert pl.read_parquet(path).equals(empty)
