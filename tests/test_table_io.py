import os
import stat

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.core.tables import arrow_csv_bytes, csv_text, read_coded_csv, read_csv
from helpers.pipeline.staging import write_outputs


class Unwritable:
    """Neither text, bytes nor a DataFrame."""


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_write_outputs_writes_every_file(tmp_path):
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "ñ"]})
    targets = {
        tmp_path / "t.csv": df,
        tmp_path / "sub" / "deeper" / "t.txt": "texto ñ\n",
        tmp_path / "b.bin": b"\x00\x01",
    }
    written = write_outputs(targets)
    assert written == list(targets)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == "a,b\n1,x\n2,ñ\n"
    assert (tmp_path / "sub" / "deeper" / "t.txt").read_text(encoding="utf-8") == "texto ñ\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert _files(tmp_path) == ["b.bin", "sub/deeper/t.txt", "t.csv"]


def test_written_files_respect_the_umask(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    (path,) = write_outputs({tmp_path / "out.csv": "x\n"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("bad_position", [0, 1, 2])
def test_invalid_content_touches_nothing_and_leaves_no_temp_file(tmp_path, bad_position):
    old = {tmp_path / f"out{i}.csv": f"old {i}\n" for i in range(3)}
    for path, text in old.items():
        path.write_text(text, encoding="utf-8")
    new: dict = {path: f"new {i}\n" for i, path in enumerate(old)}
    new[list(old)[bad_position]] = Unwritable()
    with pytest.raises(TypeError):
        write_outputs(new)
    for path, text in old.items():
        assert path.read_text(encoding="utf-8") == text
    assert _files(tmp_path) == ["out0.csv", "out1.csv", "out2.csv"]


def test_failure_creating_a_folder_touches_nothing(tmp_path):
    target = tmp_path / "kept.csv"
    target.write_text("old\n", encoding="utf-8")
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(OSError):
        write_outputs({target: "new\n", tmp_path / "blocker" / "x.csv": "new\n"})
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _files(tmp_path) == ["blocker", "kept.csv"]


def test_csv_round_trip_keeps_text_that_looks_missing(tmp_path):
    df = pd.DataFrame({"answer": ["no", "NA", "None", None],
                       "n": pd.array([1, 2, 3, None], dtype="Int64")})
    path = tmp_path / "t.csv"
    path.write_text(csv_text(df), encoding="utf-8")
    back = read_csv(path)
    assert back["answer"].tolist()[:3] == ["no", "NA", "None"]
    assert pd.isna(back["answer"].iloc[3])
    assert back["n"].dtype == "Int64"
    assert pd.isna(back["n"].iloc[3])


def test_csv_text_is_lf_and_fixed_floats():
    text = csv_text(pd.DataFrame({"x": [1.0, 2.5]}), float_decimals=2)
    assert text == "x\n1.00\n2.50\n"
    assert "\r" not in csv_text(pd.DataFrame({"x": ["a"]}))


# --- the fast (pyarrow) CSV writer must give pandas' bytes, or step aside ---------------------

_TEXT = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=6))


@st.composite
def _frames(draw):
    n = draw(st.integers(0, 8))
    cols = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["int", "Int64", "string", "category", "object", "float"]))
        if kind == "int":
            cols[f"c{i}"] = pd.Series(draw(st.lists(st.integers(-10**6, 10**6), min_size=n,
                                                    max_size=n)), dtype="int64")
        elif kind == "Int64":
            cols[f"c{i}"] = pd.Series(draw(st.lists(st.one_of(st.none(), st.integers(-99, 99)),
                                                    min_size=n, max_size=n)), dtype="Int64")
        elif kind == "float":
            cols[f"c{i}"] = pd.Series(draw(st.lists(st.floats(allow_nan=False, width=32),
                                                    min_size=n, max_size=n)), dtype="float64")
        else:
            values = draw(st.lists(_TEXT, min_size=n, max_size=n))
            dtype = {"string": "string", "category": "category", "object": object}[kind]
            cols[f"c{i}"] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(cols)


@settings(max_examples=300, deadline=None)
@given(_frames())
def test_arrow_writer_gives_pandas_bytes_or_declines(df):
    fast = arrow_csv_bytes(df)
    if fast is not None:
        assert fast == csv_text(df).encode("utf-8")


def test_arrow_writer_is_used_for_plain_tables_and_declines_quoting():
    plain = pd.DataFrame({"id": ["R1", "R2"], "q1": pd.Categorical(["1", None]),
                          "line": [3, 4], "txt": pd.array(["ñandú", None], dtype="string")})
    assert arrow_csv_bytes(plain) == "id,q1,line,txt\nR1,1,3,ñandú\nR2,,4,\n".encode()
    assert arrow_csv_bytes(plain.assign(txt=["a, b", "c"])) is None  # needs quotes: pandas
    assert arrow_csv_bytes(plain.assign(ok=[True, False])) is None  # pandas writes True
    assert arrow_csv_bytes(plain[["id"]]) is None  # one column: pandas' empty-row rule


def test_read_coded_csv_keeps_codes_as_written_and_only_empty_cells_missing(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("respondent_id,q1,q2,source_line\n007,01,NA,2\n008,,1,3\n", encoding="utf-8")
    df = read_coded_csv(path, coded=("q1", "q2"), text=("respondent_id",))
    assert isinstance(df["q1"].dtype, pd.CategoricalDtype)
    assert df["respondent_id"].tolist() == ["007", "008"]
    assert df["q1"].astype("string").tolist() == ["01", pd.NA]
    assert df["q2"].astype("string").tolist() == ["NA", "1"]  # 'NA' is a code, not missing
    assert df["source_line"].tolist() == [2, 3]
    path.write_text("respondent_id,q1,q2,source_line\n", encoding="utf-8")
    assert read_coded_csv(path, coded=("q1", "q2"), text=("respondent_id",)).empty


def test_deferred_outputs_are_staged_until_committed(tmp_path, monkeypatch):
    from helpers.pipeline.staging import DEFER_ENV, commit_staged, read_manifest

    target = tmp_path / "out" / "a.csv"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    manifest = tmp_path / "staged.txt"
    monkeypatch.setenv(DEFER_ENV, str(manifest))
    write_outputs({target: "new\n", tmp_path / "out" / "b.txt": "b\n"})
    assert target.read_text(encoding="utf-8") == "old\n"  # not replaced yet
    assert not (tmp_path / "out" / "b.txt").exists()
    staged = read_manifest(manifest)
    assert [p for _, p in staged] == [target.resolve(), (tmp_path / "out" / "b.txt").resolve()]
    assert all(t.exists() and t.parent == target.parent for t, _ in staged)
    commit_staged(staged)
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.csv", "b.txt"]


def test_large_tables_are_written_in_parallel_slices_with_the_same_bytes(monkeypatch):
    from helpers.core import tables as table_io

    n = 5_003  # not a multiple of the number of slices
    df = pd.DataFrame({"id": [f"R{i}" for i in range(n)], "line": range(2, n + 2),
                       "q1": pd.Categorical([["1", "2", None][i % 3] for i in range(n)])})
    one = arrow_csv_bytes(df)
    monkeypatch.setattr(table_io, "PARALLEL_ROWS", 1000)
    monkeypatch.setattr(table_io.os, "cpu_count", lambda: 3)
    assert arrow_csv_bytes(df) == one == csv_text(df).encode("utf-8")
