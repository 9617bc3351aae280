"""Labelled exports read in chunks and checked without holding the file (issue 26, item 1).

Real data: statsmodels' anes96 (public domain) as the shipped .sav and .dta
(data/examples/anes96, made by its make_export.py), 944 cases. The reference is
pyreadstat's whole read of the same file into pandas, turned into text here, not by
the code under test. Damaged and odd files are built from an INVENTED table of 40 cases.
"""

from __future__ import annotations

import hashlib
import math
import struct
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pyreadstat
import pytest
from test_hostile_labelled import CODEBOOK

from helpers.core.codebook import load_codebook, parse_codebook
from helpers.core.errors import SourceError
from helpers.extract.export import export_columns
from helpers.extract.labelled import describe_labelled, read_labelled, scan_labelled
from helpers.extract.labelled_chunks import CHUNK_VALUES, chunk_cases
from helpers.extract.sav_layout import sav_layout

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data/examples/anes96"
FILES = {"respondent_sav": EXAMPLE / "survey.sav", "respondent_dta": EXAMPLE / "survey.dta"}
READ = {"respondent_sav": pyreadstat.read_sav, "respondent_dta": pyreadstat.read_dta}
ANES_CASES = 944


@pytest.fixture(scope="module")
def anes():
    return load_codebook(EXAMPLE / "codebook.yaml")


def _as_text(value: object) -> str | None:
    """The reference's text of one pandas cell: numbers as Python prints floats."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text.strip() else None


def _reference(path: Path, kind: str, columns: list[str]) -> dict[str, list[str | None]]:
    frame, _ = READ[kind](str(path), usecols=columns)
    return {c: [_as_text(v) for v in frame[c].tolist()] for c in columns}


@pytest.mark.parametrize("kind", sorted(FILES))
@pytest.mark.parametrize("chunk", [7, 100, 943, 944, 945])
def test_chunks_equal_pyreadstat_s_whole_read_on_anes96(anes, kind, chunk, tmp_path):
    """Chunk boundaries inside the data (7, 100), at its last case and past its end."""
    cols = export_columns(anes)
    got = scan_labelled(FILES[kind], anes, kind, work=tmp_path, chunk=chunk).collect()
    assert got["source_line"].to_list() == list(range(1, ANES_CASES + 1))
    assert pq.ParquetFile(tmp_path / "raw.parquet").num_row_groups == math.ceil(ANES_CASES / chunk)
    want = _reference(FILES[kind], kind, cols.all)
    for c in cols.all:
        assert got[c].cast(pl.String).to_list() == want[c], c
        assert got[c].dtype == (pl.Categorical() if c in cols.coded else pl.String()), c
    assert got.equals(read_labelled(FILES[kind], anes, kind))  # the default chunk size


@pytest.mark.parametrize("chunk", [7, 100, 944])
def test_a_bytecode_sav_is_read_from_each_chunk_s_first_case(anes, chunk, tmp_path):
    """anes96 rewritten bytecode-compressed: each chunk read from its own first case.

    Its 10 values per case begin a block of eight codes every 4 cases, so the chunks
    start at the first such case at least ``chunk`` cases after the last start.
    """
    cols = export_columns(anes)
    path = tmp_path / "survey.sav"
    table, meta = pyreadstat.read_sav(str(FILES["respondent_sav"]))
    pyreadstat.write_sav(table, str(path), row_compress=True)
    layout = sav_layout(path.read_bytes())
    assert (layout.compression, layout.values) == (1, 10)
    got = scan_labelled(path, anes, "respondent_sav", work=tmp_path, chunk=chunk).collect()
    assert got["source_line"].to_list() == list(range(1, ANES_CASES + 1))
    want = _reference(FILES["respondent_sav"], "respondent_sav", cols.all)
    for c in cols.all:
        assert got[c].cast(pl.String).to_list() == want[c], c
    sizes = _group_sizes(tmp_path / "raw.parquet")
    assert sum(sizes) == ANES_CASES and all(chunk <= n < chunk + 8 for n in sizes[:-1])


def _group_sizes(path: Path) -> list[int]:
    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def test_the_chunk_size_reads_a_fixed_number_of_values(anes):
    cols = export_columns(anes)
    assert chunk_cases(cols) == CHUNK_VALUES // len(cols.all)
    assert chunk_cases(cols, values=3) == 1  # at least one case


@pytest.mark.parametrize("kind", sorted(FILES))
def test_the_hash_and_size_are_the_whole_file_s_and_no_whole_file_bytes_are_read(
    anes, kind, monkeypatch
):
    path = FILES[kind]
    whole = path.read_bytes()

    def refuse(self: Path) -> bytes:
        raise AssertionError(f"{self} read whole")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    info = describe_labelled(path, anes, kind)
    assert info["sha256"] == hashlib.sha256(whole).hexdigest()
    assert info["bytes"] == len(whole) and info["cases"] == ANES_CASES
    assert scan_labelled(path, anes, kind, chunk=300).collect().height == ANES_CASES


# INVENTED files: a table of 40 cases.

CASES = 40
BOOK = CODEBOOK  # tests/test_hostile_labelled.py's INVENTED codebook: Q1 (yes/no), COMMENT


@pytest.fixture(scope="module")
def book():
    return parse_codebook(BOOK)


def _table(cases: int = CASES) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "RESP_ID": [f"R{i:03d}" for i in range(1, cases + 1)],
            "Q1": [1.0 + i % 2 for i in range(cases)],
            "COMMENT": [f"note {i}" if i % 3 else "" for i in range(1, cases + 1)],
        }
    )


def _sav(path: Path, compressed: bool) -> bytes:
    pyreadstat.write_sav(_table(), str(path), row_compress=compressed)
    return path.read_bytes()


@pytest.mark.parametrize("compressed", [False, True], ids=["uncompressed", "bytecode"])
def test_a_sav_cut_inside_case_26_is_refused_before_any_chunk(book, tmp_path, compressed):
    path = tmp_path / "survey.sav"
    whole = _sav(path, compressed)
    layout = sav_layout(whole)
    size = layout.data_start + 25 * (len(whole) - layout.data_start) // CASES + 12
    path.write_bytes(whole[:size])  # bytecode: about as far (the hostile tests' cut)
    with pytest.raises(SourceError) as err:
        scan_labelled(path, book, "respondent_sav", work=tmp_path, chunk=10)
    assert str(err.value).startswith(f"{path}:26: expected 40 cases (the file's header); found")
    assert "the file ends inside case 26, after 25 whole cases" in str(err.value)
    assert not (tmp_path / "raw.parquet").exists()


@pytest.mark.parametrize("compressed", [False, True], ids=["uncompressed", "bytecode"])
@pytest.mark.parametrize("chunk", [8, 10, 40, 41])
def test_a_whole_sav_without_a_case_count_is_read_to_its_end(book, tmp_path, compressed, chunk):
    """Header case count -1: the chunks stop at the data's end, exact multiple or not."""
    path = tmp_path / "survey.sav"
    raw = bytearray(_sav(path, compressed))
    struct.pack_into("<i", raw, 80, -1)
    path.write_bytes(bytes(raw))
    got = scan_labelled(path, book, "respondent_sav", work=tmp_path, chunk=chunk).collect()
    assert got["source_line"].to_list() == list(range(1, CASES + 1))
    table = _table()
    assert got["RESP_ID"].to_list() == table["RESP_ID"].tolist()
    assert got["COMMENT"].to_list() == [c or None for c in table["COMMENT"]]


def test_bad_text_in_a_later_chunk_names_the_encoding_key(book, tmp_path):
    """Case 35's comment is not UTF-8: refused while reading the fourth chunk of ten."""
    path = tmp_path / "survey.sav"
    table = _table()
    table.loc[34, "COMMENT"] = "cafX XandX"
    pyreadstat.write_sav(table, str(path))
    raw = bytearray(path.read_bytes())
    at = raw.index(b"cafX XandX")
    raw[at : at + 10] = "café Ñandú".encode("cp850")
    path.write_bytes(bytes(raw))
    with pytest.raises(
        SourceError,
        match=r"expected text encoded as UTF-8 \(params\.yaml: surveys\.<id>\.encoding\); "
        r"found ReadstatError: Unable to convert ",
    ):
        scan_labelled(path, book, "respondent_sav", encoding="utf-8", work=tmp_path, chunk=10)


def test_a_dta_in_chunks_equals_its_table(book, tmp_path):
    path = tmp_path / "survey.dta"
    _table().to_stata(path, version=118, write_index=False)
    got = scan_labelled(path, book, "respondent_dta", work=tmp_path, chunk=6).collect()
    assert got["source_line"].to_list() == list(range(1, CASES + 1))
    assert got["Q1"].cast(pl.String).to_list() == [str(v) for v in _table()["Q1"]]
    assert pq.ParquetFile(tmp_path / "raw.parquet").num_row_groups == math.ceil(CASES / 6)


def _unpadded_bytecode(path: Path, table: pd.DataFrame) -> bytes:
    """The uncompressed .sav at ``path`` re-encoded as SPSS bytecode without padding.

    readstat's writer pads every case to a block of eight codes; SPSS need not, so a
    case may begin inside a block. ``table``: RESP_ID, Q1, COMMENT, strings of at most
    8 bytes (one value each).
    """
    whole = path.read_bytes()
    layout = sav_layout(whole)
    codes, raw = [], []
    for row in table.itertuples(index=False):
        for text, number in ((row.RESP_ID, None), (None, row.Q1), (row.COMMENT, None)):
            if number is not None:
                codes.append(int(number + layout.bias))
            elif text.strip():
                codes.append(253)
                raw.append(text.encode().ljust(8))
            else:
                codes.append(254)
    codes.append(252)
    out = bytearray(whole[: layout.data_start])
    struct.pack_into("<i", out, 72, 1)  # the header's compression: bytecode
    at = 0
    for i in range(0, len(codes), 8):
        block = codes[i : i + 8]
        out += bytes(block + [0] * (8 - len(block)))
        n = block.count(253)
        out += b"".join(raw[at : at + n])
        at += n
    return bytes(out)


@pytest.mark.parametrize("chunk", [1, 5, 8, 13, 40])
def test_an_spss_bytecode_stream_whose_cases_begin_inside_blocks_is_read_in_chunks(
    book, tmp_path, chunk
):
    """INVENTED: 3 values per case, so a case begins a block only every 8 cases."""
    path = tmp_path / "survey.sav"
    table = _table()
    pyreadstat.write_sav(table, str(path))
    path.write_bytes(_unpadded_bytecode(path, table))
    assert sav_layout(path.read_bytes()).compression == 1
    whole, _ = pyreadstat.read_sav(str(path))  # readstat reads it whole
    assert whole["RESP_ID"].tolist() == table["RESP_ID"].tolist()
    got = scan_labelled(path, book, "respondent_sav", work=tmp_path, chunk=chunk).collect()
    assert got["source_line"].to_list() == list(range(1, CASES + 1))
    assert got["RESP_ID"].to_list() == table["RESP_ID"].tolist()
    assert got["Q1"].cast(pl.String).to_list() == [str(v) for v in table["Q1"]]
    assert got["COMMENT"].to_list() == [c or None for c in table["COMMENT"]]
    step = -(-chunk // 8) * 8  # chunks start where a case begins a block
    assert _group_sizes(tmp_path / "raw.parquet") == [step] * (CASES // step) + (
        [CASES % step] if CASES % step else []
    )
