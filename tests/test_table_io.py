import os
import stat

import pandas as pd
import pytest

from helpers.table_io import csv_text, read_csv, write_outputs


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
