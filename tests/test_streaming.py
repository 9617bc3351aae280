"""Streaming an export in bounded memory (issue 26, item 1): same answers as in one piece.

Each piece that now reads in blocks is checked against the whole-file reading it
replaces, with blocks small enough that every fault straddles a boundary:

* decoding (helpers.extract.export_text) against helpers.core.text.decode;
* the structure pass (helpers.extract.csv_structure) against one block;
* the rows read in blocks (helpers.extract.csv_blocks) against polars reading the file whole;
* clean on a LazyFrame against clean in memory, and its CSV against the committed one;
* the distinct ids counted in buckets against pandas; source lines in any order;
* the Parquet hand-off: the same bytes however it is fed, a checksum recomputed from
  the file alone (plain hashlib, DuckDB reading the rows), refused when changed.

Data: the shipped surveys (data/examples: ANES 1996 from statsmodels, public domain data;
NHANES II from Stata's example data via R's survey; the INVENTED example) and INVENTED
byte strings written here.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

from helpers.clean import respondent_columns
from helpers.clean.export import check_export_responses, clean_export
from helpers.clean.respondent_columns import distinct_hashes
from helpers.core import handoff
from helpers.core.codebook import load_codebook
from helpers.core.errors import SourceError, TableError
from helpers.core.sinks import polars_csv_sink
from helpers.core.tables import polars_csv_bytes
from helpers.core.text import decode
from helpers.extract.csv_blocks import scan_blocks
from helpers.extract.csv_structure import check_blocks, check_structure, line_blocks
from helpers.extract.export import read_export, scan_export
from helpers.extract.export_text import read_text

ROOT = Path(__file__).resolve().parents[1]
PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))["surveys"]
EXPORTS = [k for k, v in PARAMS.items() if v["input_kind"] == "respondent_csv"]


def _outcome(call):
    """The error message a call raises, or what it returns."""
    try:
        return ("ok", call())
    except SourceError as exc:
        return ("error", str(exc))


# INVENTED bytes: text that decodes, and text with a fault in each place a block can cut.
TEXTS = [
    ("utf-8", "a,b\nÅngström,ü\r\nçà,é\n".encode()),
    ("utf-8", b"a,b\n1,2\r\n3,\xc3\n4,5\n"),  # a cut UTF-8 sequence
    ("utf-8", b"a,b\r1,2\r\n3,4\n5,\xff\n"),  # a lone CR before the bad byte
    ("utf-8", "a,b\n1,é".encode() + b"\xc3"),  # cut at the end of the file
    ("cp1252", "a,b\n1,é\n".encode()),  # valid UTF-8 read as cp1252
    ("cp1252", "a,b\n1,é\n".encode("cp1252") + b"\x81\n"),  # undefined in cp1252
    ("utf-16", "a,b\n1,2\n".encode("utf-16")),
    ("utf-8", "a,b\n".encode("utf-16")),  # another encoding's byte-order mark
    ("utf-8", b"\xef\xbb\xbfa,b\n1,\x80\n"),  # after a UTF-8 byte-order mark
]


@pytest.mark.parametrize("encoding,data", TEXTS)
@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 20])
def test_decoding_in_blocks_says_what_decoding_whole_says(tmp_path, encoding, data, block):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    whole = _outcome(lambda: decode(data, encoding, str(path))[0])
    out = io.BytesIO()
    blocks = _outcome(lambda: read_text(path, encoding, out, block=block))
    assert blocks[0] == whole[0]
    if whole[0] == "error":
        assert blocks[1] == whole[1]
    else:
        facts = blocks[1]
        assert out.getvalue() == whole[1].encode("utf-8")
        assert facts.sha256 == hashlib.sha256(data).hexdigest()
        assert facts.newlines == data.count(b"\n") and facts.size == len(data)
        assert facts.first_line == whole[1].partition("\n")[0]


HEADER = ["id", "q1", "q2"]
BODIES = [
    b'id,q1,q2\n1,a,b\n\n  \n2,"x, y",c\n3,d,e',  # blank lines, a quoted comma
    b'id,q1,q2\n1,a,b\n2,"open\n3,still,open"\n4,d,e\n',  # a line break in a field
    b'id,q1,q2\n1,a,b\n2,"never closes,b\n3,c,d\n4,e,f\n',  # unterminated
    b'id,q1,q2\n1,a,b\n2,"open,b\n3,c,d\n4,e\x00,f\n5,"x,y\n',  # a NUL before the close
    b"id,q1,q2\n1,a,b\n2,c\rd,e\n",  # a bare CR
    b"id,q1,q2\n1,a,b\n2,c,d,e\n3,\x00,x\n",  # a field too many, then a NUL
    b"id,q1,q2\n1,a,b\n2,c,d\n3," + b"z" * 40 + b",e\n",  # a field too large
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("block", [1, 4, 9, 17])
def test_structure_in_blocks_says_what_one_block_says(body, block):
    whole = _outcome(lambda: check_structure(body, HEADER, "x.csv", 30).to_list())
    cut = _outcome(lambda: check_blocks(line_blocks(io.BytesIO(body), block), HEADER, "x.csv", 30))
    assert cut[0] == whole[0], (cut, whole)
    if whole[0] == "error":
        assert cut[1] == whole[1]
    else:
        blank, lines = cut[1]
        assert blank.to_list() == whole[1] == [3, 4]
        assert lines == body.count(b"\n") + 1


def _survey(key: str) -> tuple[Path, object]:
    entry = PARAMS[key]
    return ROOT / entry["source"], load_codebook(ROOT / entry["codebook"])


@pytest.mark.parametrize("key", EXPORTS)
def test_clean_streamed_equals_clean_in_memory_and_the_committed_csv(key, tmp_path):
    source, book = _survey(key)
    eager, eager_free = clean_export(read_export(source, book), book, str(source))
    lazy, lazy_free = clean_export(scan_export(source, book, work=tmp_path), book, str(source))
    assert isinstance(lazy.responses, pl.LazyFrame) and isinstance(lazy_free, pl.LazyFrame)
    check_export_responses(lazy.responses, book, "responses")
    streamed = lazy.responses.collect()
    assert streamed.equals(eager.responses)
    assert lazy_free.collect().equals(eager_free)
    assert lazy.rejects.equals(eager.rejects) and lazy.counts.equals(eager.counts)
    polars_csv_sink(lazy.responses, tmp_path / "responses.csv")
    committed = (ROOT / "data/processed" / key / "responses.csv").read_bytes()
    assert (tmp_path / "responses.csv").read_bytes() == committed == polars_csv_bytes(streamed)
    polars_csv_sink(lazy_free, tmp_path / "free_text.csv")
    committed = (ROOT / "data/processed" / key / "free_text.csv").read_bytes()
    assert (tmp_path / "free_text.csv").read_bytes() == committed


@pytest.fixture(scope="module")
def anes(tmp_path_factory):
    source, book = _survey("anes96")
    result, _ = clean_export(read_export(source, book), book, str(source))
    return tmp_path_factory.mktemp("stream"), book, result.responses


def test_handoff_in_row_groups_is_deterministic_and_checked_by_any_engine(anes, monkeypatch):
    tmp, book, responses = anes
    codebook = ROOT / PARAMS["anes96"]["codebook"]
    whole = handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    monkeypatch.setattr(handoff, "ROW_GROUP_ROWS", 100)  # many row groups
    path = tmp / "r.parquet"
    handoff.responses_sink(responses.lazy(), book, "respondent_csv", codebook)(path)
    again = handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    assert path.read_bytes() == again != whole  # same rows, same groups: same bytes
    meta = pq.read_metadata(path)
    assert meta.num_row_groups == -(-responses.height // 100)
    # The checksum from the file alone: the bytes before the footer (its length from pyarrow).
    data = path.read_bytes()
    stamp = yaml.safe_load(meta.metadata[handoff.STAMP_KEY.encode()])
    before = len(data) - 8 - meta.serialized_size
    assert stamp["data_sha256"] == hashlib.sha256(data[:before]).hexdigest()
    assert stamp["rows"] == str(responses.height)
    # Another engine reads the same rows; polars reads them lazily after verification.
    lazy = handoff.scan_responses(path, book, "respondent_csv", codebook)
    assert isinstance(lazy, pl.LazyFrame)
    back = lazy.collect()
    assert back.equals(handoff.read_responses(path, book, "respondent_csv", codebook))
    ids = duckdb.sql(f"SELECT respondent_id, source_line FROM read_parquet('{path}')").pl()
    assert ids.equals(back.select("respondent_id", "source_line"))


def test_rows_reordered_within_a_row_group_under_its_stamp_are_refused(anes, monkeypatch):
    """Rows 500-999 reversed, written by plain pyarrow under the good file's stamp."""
    tmp, book, responses = anes
    codebook = ROOT / PARAMS["anes96"]["codebook"]
    monkeypatch.setattr(handoff, "ROW_GROUP_ROWS", 500)
    good = handoff.responses_bytes(responses, book, "respondent_csv", codebook)
    key = handoff.STAMP_KEY.encode()
    stamp = pq.read_metadata(io.BytesIO(good)).metadata[key]
    swapped = pl.concat([responses[:500], responses[500:1000].reverse(), responses[1000:]])
    bad = tmp / "bad.parquet"
    pq.write_table(swapped.to_arrow().replace_schema_metadata({key: stamp}), bad, 500)
    with pytest.raises(SourceError, match="content differs"):
        handoff.scan_responses(bad, book, "respondent_csv", codebook)
    (tmp / "good.parquet").write_bytes(good)
    lazy = handoff.scan_responses(tmp / "good.parquet", book, "respondent_csv", codebook)
    assert lazy.collect().equals(responses)


# INVENTED CSV files (polars read them whole before the blocks: the reference).
CSV_FILES = [
    b"a,b\n1,2\n\n3,4\n   \n5,6\n",  # a blank and a whitespace-only line
    b"a,b\r\n1,2\r\n\r\n3,4\r\n",  # CRLF
    b'a,b\n"x, y",2\n"",""\n\n\n',  # quoted commas, quoted empties, trailing blanks
    b"a,b\n1,2\n3,4",  # no final line feed
    b"a,b\n\n\n1,2\n",  # blank lines first (a block may start with one)
    b"a,b\n",  # a header only
]


@pytest.mark.parametrize("data", CSV_FILES)
@pytest.mark.parametrize("block", [1, 5, 13, 1 << 20])
def test_rows_read_in_blocks_are_the_rows_polars_reads_whole(tmp_path, data, block):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    types = {"a": pl.Categorical(), "b": pl.String()}
    whole = pl.read_csv(path, schema=types).with_row_index("line", offset=2)
    whole = whole.with_columns(pl.col("line").cast(pl.Int64)).select("a", "b", "line")
    lazy = scan_blocks(path, types, "line", str(path), block)
    assert lazy.collect().equals(whole)
    # What the engine pushes down (columns, a filter, a row limit) is honoured.
    query = [pl.col("line") > 3, "b", 1]
    pushed = lazy.filter(query[0]).select(query[1]).head(query[2]).collect()
    assert pushed.equals(whole.filter(query[0]).select(query[1]).head(query[2]))


def _ids_file(tmp_path: Path, ids: list[str | None]) -> pl.LazyFrame:
    path = tmp_path / "ids.parquet"
    pl.DataFrame({"respondent_id": ids}).write_parquet(path)
    return pl.scan_parquet(path)


def test_distinct_ids_counted_in_buckets_as_pandas_counts_them(tmp_path, monkeypatch):
    monkeypatch.setattr(respondent_columns, "BUCKET_ROWS", 7)  # 15 buckets of about 7
    ids = [f"R{i % 83}" for i in range(100)]  # INVENTED: 83 distinct ids, 17 repeated
    lazy = _ids_file(tmp_path, ids)
    expected = pl.Series(ids).to_pandas().nunique()
    assert distinct_hashes(lazy, pl.col("respondent_id"), 100) == expected == 83
    assert distinct_hashes(lazy.collect(), pl.col("respondent_id"), 100) == 83


def test_a_repeated_id_is_refused_when_counted_in_buckets(anes, monkeypatch):
    tmp, book, responses = anes
    monkeypatch.setattr(respondent_columns, "BUCKET_ROWS", 50)
    path = tmp / "dup.parquet"
    last = responses.height - 1
    dup = responses.with_columns(
        pl.when(pl.int_range(pl.len()) == last)
        .then(pl.lit(responses["respondent_id"][0]))
        .otherwise(pl.col("respondent_id"))
        .alias("respondent_id")
    )
    dup.write_parquet(path)
    with pytest.raises(TableError, match="unique, non-empty ids failed for"):
        check_export_responses(pl.scan_parquet(path), book, "responses")
    responses.write_parquet(tmp / "ok.parquet")
    check_export_responses(pl.scan_parquet(tmp / "ok.parquet"), book, "responses")


def test_source_lines_in_any_order_pass_and_a_repeated_one_is_refused(anes):
    _, book, responses = anes
    shuffled = responses.sample(fraction=1.0, shuffle=True, seed=7)  # distinct, out of order
    check_export_responses(shuffled.lazy(), book, "responses")
    lines = pl.col("source_line")
    repeated = responses.with_columns(
        pl.when(lines == lines.max()).then(lines.min()).otherwise(lines).alias("source_line")
    )
    with pytest.raises(TableError, match="source_line: unique records from 2 on failed"):
        check_export_responses(repeated.lazy(), book, "responses")
