import codecs
import hashlib
import shutil

import pytest

from helpers.core.errors import SourceError
from helpers.extract.source_reader import read_source, recorded_sha256, source_info


def test_real_source_matches_its_recorded_sha256(source_path, source_text):
    src = read_source(source_path)
    digest = hashlib.sha256(source_path.read_bytes()).hexdigest()
    assert src.sha256 == digest == recorded_sha256(source_path)
    assert src.text == source_text
    assert not src.had_bom
    info = source_info(src, 10)
    assert info["lines_total"] == len(source_text.splitlines())
    assert info["bytes"] == source_path.stat().st_size


def test_changed_raw_file_is_refused(tmp_path, source_path):
    copy = tmp_path / source_path.name
    shutil.copy(source_path, copy)
    shutil.copy(source_path.parent / "SHA256SUMS", tmp_path / "SHA256SUMS")
    assert read_source(copy).sha256 == recorded_sha256(copy)
    copy.write_bytes(copy.read_bytes().replace(b"nine (62%)", b"ten (62%)"))
    with pytest.raises(SourceError, match="raw data must stay verbatim") as err:
        read_source(copy)
    assert str(err.value).startswith(str(copy))


def test_wrong_encoding_names_the_byte_offset(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_bytes("QUESTION 1\nAsociación".encode("cp1252"))
    offset = doc.read_bytes().index(b"\xf3")
    with pytest.raises(SourceError, match=f"byte 0xf3 at byte offset {offset}"):
        read_source(doc, "utf-8")
    assert read_source(doc, "cp1252").text.endswith("Asociación")


def test_bom_is_dropped_and_reported(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_bytes(codecs.BOM_UTF8 + b"QUESTION 1\n")
    src = read_source(doc)
    assert src.text == "QUESTION 1\n"
    assert src.had_bom


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"  \n\n", "an empty file")],
)
def test_missing_or_empty_source(tmp_path, content, message):
    doc = tmp_path / "doc.txt"
    if content is not None:
        doc.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read_source(doc)


def test_unknown_encoding_name(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("text", encoding="utf-8")
    with pytest.raises(SourceError, match="a known encoding name"):
        read_source(doc, "utf-99")
