"""The Parquet sink (helpers.core.sinks.write_batches): exact row groups, same bytes, nothing held.

* the bytes do not depend on how the engine cut its batches (pyarrow's pages and its
  dictionary fallback follow the chunks it is handed: each row group goes as one chunk);
* every row group has exactly ``rows_per_group`` rows (the last one fewer) and the
  footer names the sha256 of the bytes before it;
* a row group's batches are freed once it is written: while the next group is gathered
  the writer holds no batch of an earlier one (memory bounded by one row group, not
  by the table). Each batch's data is allocated in its own counting Arrow memory pool,
  so whether it is still alive is read exactly, with no timing.

Data: INVENTED ids and numbers made here.
"""

from __future__ import annotations

import io

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from helpers.core.sinks import data_sha256, write_batches, write_parquet

ROWS = 60_000
# Unique 40-character ids: their dictionary passes pyarrow's 1 MiB limit mid-group,
# where the fallback to plain encoding is decided chunk by chunk.
FRAME = pl.DataFrame(
    {"id": [f"{i:040d}" for i in range(ROWS)], "n": np.arange(ROWS, dtype=np.int64) % 7}
)


def _footer(rows: int, digest: str) -> dict[str, str]:
    return {"rows": str(rows), "data_sha256": digest}


def _written(batches: list[pl.DataFrame], rows_per_group: int) -> bytes:
    out = io.BytesIO()
    write_batches(out, batches, FRAME.schema, _footer, rows_per_group)
    return out.getvalue()


def _cut(frame: pl.DataFrame, sizes: list[int]) -> list[pl.DataFrame]:
    """``frame`` in batches of the given sizes, cycled; each batch its own memory."""
    parts, start, k = [], 0, 0
    while start < frame.height:
        parts.append(frame.slice(start, sizes[k % len(sizes)]).clone().rechunk())
        start += sizes[k % len(sizes)]
        k += 1
    return parts


@pytest.mark.parametrize("rows_per_group", [50_000, 1 << 20])
def test_bytes_do_not_depend_on_the_batches(rows_per_group):
    whole = _written([FRAME], rows_per_group)
    chunked = pl.concat(_cut(FRAME, [1000]), rechunk=False)  # one batch of many chunks
    assert chunked.n_chunks() > 1
    for batches in (_cut(FRAME, [1000]), _cut(FRAME, [7, 4093, 25_000]), [chunked]):
        assert _written(batches, rows_per_group) == whole


def test_row_groups_are_exact_and_the_footer_names_the_bytes_before_it(tmp_path):
    path = tmp_path / "t.parquet"
    rows = write_batches(path, _cut(FRAME, [3001]), FRAME.schema, _footer, 16_384)
    meta = pq.read_metadata(path)
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert rows == ROWS and sizes == [16_384] * 3 + [ROWS - 3 * 16_384]
    digest, _ = data_sha256(path)
    assert meta.metadata[b"data_sha256"].decode() == digest
    assert pl.read_parquet(path).equals(FRAME)


def test_no_rows_make_a_file_of_the_schema(tmp_path):
    path = tmp_path / "empty.parquet"
    empty = FRAME.clear()
    write_parquet(path, empty.lazy(), _footer, 100)
    assert pq.read_metadata(path).num_rows == 0
    assert pl.read_parquet(path).equals(empty)
    assert write_batches(tmp_path / "e2.parquet", [empty, empty], FRAME.schema, _footer, 9) == 0


def test_a_written_row_group_holds_none_of_its_batches():
    batch_rows, group_rows, n = 700, 5000, 40_000
    pools: list[pa.MemoryPool] = []
    stale: list[tuple[int, list[int]]] = []

    def batches():
        for start in range(0, n, batch_rows):
            # The group being gathered starts at this batch's row rounded down to a group;
            # the batch before it may straddle the boundary. Anything earlier: written.
            first = (start // group_rows * group_rows) // batch_rows - 1
            alive = [i for i, p in enumerate(pools) if p.bytes_allocated()]
            stale.append((start, [i for i in alive if i < first]))
            pools.append(pa.proxy_memory_pool(pa.system_memory_pool()))
            values = pa.array(np.arange(start, min(start + batch_rows, n), dtype=np.int64))
            col = pc.add(values, 0, memory_pool=pools[-1])  # the batch's data, in its pool
            yield pl.from_arrow(pa.table({"a": col}), rechunk=False)

    out = io.BytesIO()
    rows = write_batches(out, batches(), {"a": pl.Int64}, _footer, group_rows)
    assert rows == n
    assert [s for s in stale if s[1]] == []
    assert sum(p.bytes_allocated() for p in pools) == 0
    assert pl.read_parquet(io.BytesIO(out.getvalue()))["a"].to_list() == list(range(n))
