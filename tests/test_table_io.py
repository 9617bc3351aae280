import csv as csv_module
import io
import os
import re
import stat
from decimal import Decimal

import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.core.tables import (
    csv_text,
    formula_cells,
    neutralise,
    polars_csv_bytes,
    read_csv,
    restore,
)
from helpers.pipeline.staging import OutputError, write_outputs


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
    with pytest.raises(
        OutputError,
        match=r"blocker/x\.csv: expected to write this output; "
        r"found File exists \(errno 17\): no output of the stage was replaced",
    ):
        write_outputs({target: "new\n", tmp_path / "blocker" / "x.csv": "new\n"})
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _files(tmp_path) == ["blocker", "kept.csv"]


def test_csv_round_trip_keeps_text_that_looks_missing(tmp_path):
    df = pd.DataFrame(
        {"answer": ["no", "NA", "None", None], "n": pd.array([1, 2, 3, None], dtype="Int64")}
    )
    path = tmp_path / "t.csv"
    path.write_text(csv_text(df), encoding="utf-8")
    back = read_csv(path)
    assert back["answer"].tolist()[:3] == ["no", "NA", "None"]
    assert pd.isna(back["answer"].iloc[3])
    assert back["n"].dtype == "Int64"
    assert pd.isna(back["n"].iloc[3])


def test_a_carriage_return_inside_a_field_is_quoted_by_both_writers():
    """Unquoted, a spreadsheet would start a new row there, and '=1+1' would run."""
    df = pd.DataFrame({"id": ["a", "b"], "text": ["x\r=1+1", "y\r\nz"]})
    assert csv_text(df) == 'id,text\na,"x\r=1+1"\nb,"y\r\nz"\n'
    assert polars_csv_bytes(pl.from_pandas(df)) == csv_text(df).encode("utf-8")


def test_csv_text_is_lf_and_fixed_floats():
    text = csv_text(pd.DataFrame({"x": [1.0, 2.5]}), float_decimals=2)
    assert text == "x\n1.00\n2.50\n"
    assert "\r" not in csv_text(pd.DataFrame({"x": ["a"]}))


# --- the polars CSV writer (respondent-level data) must give pandas' bytes -------------------

_TEXT = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\ue000"), max_size=6),
)


@st.composite
def _frames(draw):
    """Tables as the pipeline writes them: two or more columns of integers, text, booleans
    or decimals (percentages), any of them missing."""
    n = draw(st.integers(0, 8))
    cols = {}
    for i in range(draw(st.integers(2, 5))):
        kind = draw(st.sampled_from(["int", "Int64", "string", "category", "bool", "decimal"]))
        if kind == "int":
            cols[f"c{i}"] = pd.Series(
                draw(st.lists(st.integers(-(10**6), 10**6), min_size=n, max_size=n)), dtype="int64"
            )
        elif kind == "Int64":
            cols[f"c{i}"] = pd.Series(
                draw(st.lists(st.one_of(st.none(), st.integers(-99, 99)), min_size=n, max_size=n)),
                dtype="Int64",
            )
        elif kind == "bool":
            cols[f"c{i}"] = pd.Series(
                draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool
            )
        elif kind == "decimal":
            places = draw(st.integers(0, 3))
            values = draw(
                st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=n, max_size=n)
            )
            cols[f"c{i}"] = pd.Series(
                [None if v is None else Decimal(v).scaleb(-places) for v in values], dtype=object
            )
            cols[f"c{i}"].attrs["places"] = places
        else:
            values = draw(st.lists(_TEXT, min_size=n, max_size=n))
            cols[f"c{i}"] = pd.Series(values, dtype=kind)
    return pd.DataFrame(cols)


def _as_polars(df: pd.DataFrame) -> pl.DataFrame:
    types = {}
    for name in df.columns:
        dtype = df[name].dtype
        if str(dtype) == "object":  # decimals, with their number of places
            places = max([-v.as_tuple().exponent for v in df[name] if v is not None] or [0])
            types[name] = pl.Decimal(38, places)
        elif isinstance(dtype, pd.CategoricalDtype):
            types[name] = pl.Categorical
    frame = pl.DataFrame(
        {c: df[c].astype(object).where(df[c].notna(), None).tolist() for c in df.columns},
        schema_overrides=types,
        strict=False,
    )
    return frame


@settings(max_examples=300, deadline=None)
@given(_frames())
def test_polars_writer_gives_pandas_bytes(df):
    assert polars_csv_bytes(_as_polars(df)) == csv_text(df).encode("utf-8")


def test_polars_writer_writes_booleans_and_empty_text_as_pandas_does():
    frame = pl.DataFrame(
        {
            "id": ["R1", "R2", "R3"],
            "ok": [True, False, None],
            "txt": ["a, b", "", None],
            "n": [1, None, 3],
        }
    )
    assert polars_csv_bytes(frame) == b'id,ok,txt,n\nR1,True,"a, b",1\nR2,False,,\nR3,,,3\n'


def test_deferred_outputs_are_staged_until_committed(tmp_path, monkeypatch):
    from helpers.pipeline.staging import DEFER_ENV, STAGING_DIR, Transaction, read_manifest

    target = tmp_path / "out" / "a.csv"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    with Transaction(tmp_path, "stage@survey") as tx:
        monkeypatch.setenv(DEFER_ENV, str(tx.manifest))  # as the runner tells its kernel
        write_outputs({target: "new\n", tmp_path / "out" / "b.txt": "b\n"})
        assert target.read_text(encoding="utf-8") == "old\n"  # not replaced yet
        assert not (tmp_path / "out" / "b.txt").exists()
        staged = read_manifest(tx.manifest)
        assert [p for _, p in staged] == [target, tmp_path / "out" / "b.txt"]
        assert all(t.exists() and t.parent == target.parent for t, _ in staged)
        assert tx.commit() == [target, tmp_path / "out" / "b.txt"]
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.csv", "b.txt"]
    assert list((tmp_path / STAGING_DIR).iterdir()) == []


# --- no cell is a formula to a spreadsheet (OWASP "CSV Injection") ---------------------------

_FORMULAS = [
    '=HYPERLINK("http://x","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\tcell",
    "\rcell",
    "\ncell",
    "\x00cell",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "-",
    "'=1+1",
    "''@x",
]
_NOT_FORMULAS = [
    "-9",
    "+1.5",
    "-0.25",
    "1e5",
    "-1E-3",
    ".5",
    "-5.",
    "a=b",
    "'quoted",
    "'",
    "R-1",
    " =1",
]


def _both(frame: pd.DataFrame) -> tuple[bytes, bytes]:
    return csv_text(frame).encode("utf-8"), polars_csv_bytes(pl.from_pandas(frame))


@pytest.mark.parametrize("value", _FORMULAS)
def test_writers_put_an_apostrophe_before_a_formula(value, tmp_path):
    df = pd.DataFrame({"respondent_id": [value], "n": [1]})
    pandas_bytes, polars_bytes = _both(df)
    first_field = pandas_bytes.split(b"\n", 1)[1].removeprefix(b'"')  # quoted, or not
    assert first_field.startswith(("'" + value[:1]).encode("utf-8"))
    assert pandas_bytes == polars_bytes
    for written in [pandas_bytes, polars_bytes]:
        path = tmp_path / "t.csv"
        path.write_bytes(written)
        cell = list(csv_module.reader(io.StringIO(written.decode("utf-8"), newline="")))[1][0]
        assert cell == "'" + value
        assert read_csv(path)["respondent_id"].tolist() == [value]


def test_a_formula_is_written_as_owasp_says():
    df = pd.DataFrame({"text": ['=HYPERLINK("http://x","click")', "ok"]})
    expected = b'text\n"\'=HYPERLINK(""http://x"",""click"")"\nok\n'
    assert _both(df) == (expected, expected)


@pytest.mark.parametrize("value", _NOT_FORMULAS)
def test_numbers_and_other_text_are_written_as_they_are(value):
    df = pd.DataFrame({"code": [value]})
    cell = list(csv_module.reader(io.StringIO(csv_text(df), newline="")))[1][0]
    assert cell == value
    assert _both(df)[0] == _both(df)[1]


def test_numeric_columns_stay_numeric(tmp_path):
    df = pd.DataFrame({"code": ["-9", "+1.5", "-0.25"], "x": [-9, -1, 0]})
    written = _both(df)
    assert written == (b"code,x\n-9,-9\n+1.5,-1\n-0.25,0\n",) * 2
    path = tmp_path / "t.csv"
    path.write_bytes(written[0])
    assert read_csv(path)["code"].tolist() == [-9.0, 1.5, -0.25]


def test_categorical_columns_are_neutralised_by_category(tmp_path):
    values = ["=1+1", "North", "@SUM(1)", None, "North"]
    pandas_frame = pd.DataFrame({"region": pd.Categorical(values), "n": range(5)})
    expected = b"region,n\n'=1+1,0\nNorth,1\n'@SUM(1),2\n,3\nNorth,4\n"
    assert csv_text(pandas_frame).encode("utf-8") == expected
    for dtype in (pl.Categorical, pl.Enum(["North", "=1+1", "@SUM(1)"])):
        frame = pl.DataFrame({"region": pl.Series(values, dtype=dtype), "n": range(5)})
        assert polars_csv_bytes(frame) == expected
    path = tmp_path / "t.csv"
    path.write_bytes(expected)
    assert read_csv(path)["region"].tolist()[:3] == values[:3]
    clean = pl.DataFrame({"region": pl.Series(["North", ""], dtype=pl.Categorical)})
    assert polars_csv_bytes(clean) == b"region\nNorth\n\n"  # unchanged: no formula category


def test_a_column_name_that_is_a_formula_is_neutralised_too(tmp_path):
    df = pd.DataFrame({"=x": [1], "-": ["a"]})
    assert _both(df) == (b"'=x,'-\n1,a\n",) * 2
    path = tmp_path / "t.csv"
    path.write_bytes(b"'=x,'-\n1,a\n")
    assert read_csv(path).columns.tolist() == ["=x", "-"]


_HOSTILE = st.text(st.sampled_from("'=+-@\t\r\n\x00＝＋－＠0123456789.eE aZ\""), max_size=6)
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _runs_as_formula(cell: str) -> bool:
    """OWASP's test: a cell a spreadsheet would evaluate (a number is a number)."""
    return cell != "" and cell[0] in "=+-@\t\r\n\x00＝＋－＠" and not _PLAIN_NUMBER.fullmatch(cell)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_HOSTILE, st.text(max_size=4)), min_size=1, max_size=6))
def test_reading_back_gives_every_text_as_it_was(tmp_path_factory, values):
    df = pd.DataFrame({"id": [f"r{i}" for i in range(len(values))], "text": values})
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    pandas_bytes, polars_bytes = _both(df)
    assert pandas_bytes == polars_bytes
    for written in (pandas_bytes, polars_bytes):
        path.write_bytes(written)
        back = read_csv(path, text_columns=("text",))["text"]
        assert [None if pd.isna(v) else v for v in back] == [v or None for v in values]
        for row in list(csv_module.reader(io.StringIO(written.decode("utf-8"), newline="")))[1:]:
            assert not _runs_as_formula(row[1])


def test_restore_undoes_neutralise_on_any_text():
    for value in [*_FORMULAS, *_NOT_FORMULAS, "", "''", "'''=", "x"]:
        assert restore(neutralise(value)) == value


def test_formula_cells_lists_what_the_writers_change():
    df = pd.DataFrame(
        {
            "respondent_id": ["R1", "=R2", "R3"],
            "group": ["a", "b", "+c"],
            "n": [-1, 2, 3],
            "source_line": [2, 3, 4],
        }
    )
    expected = [
        {
            "column": "respondent_id",
            "record": 2,
            "respondent_id": "=R2",
            "source_line": 3,
            "value": "=R2",
        },
        {"column": "group", "record": 3, "respondent_id": "R3", "source_line": 4, "value": "+c"},
    ]
    keys = ("respondent_id", "source_line", "absent")
    assert formula_cells(df, keys).to_dict("records") == expected
    polars_frame = pl.from_pandas(df).with_columns(pl.col("group").cast(pl.Categorical))
    assert formula_cells(polars_frame, keys).to_dict("records") == expected
    assert formula_cells(pd.DataFrame({"x": ["-9", "a"]})).empty
    header = [
        {"column": "=h", "record": 0, "value": "=h"},
        {"column": "=h", "record": 1, "value": "+x"},
    ]
    assert formula_cells(pd.DataFrame({"=h": ["+x", "y"]})).to_dict("records") == header
    assert formula_cells(pl.DataFrame({"=h": ["+x", "y"]})).to_dict("records") == header
