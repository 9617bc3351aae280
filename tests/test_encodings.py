"""Encodings and line endings of the source (issue 5): same document, same parsed data.

UTF-8 with or without a BOM, LF / CRLF / CR line endings and a Windows-1252
copy (``encoding: cp1252``) must give identical mentions, free text,
claims and line numbers. A file that does not decode with the configured
encoding stops with the file, the line and the byte offset; accented names
survive without mojibake.
"""

from __future__ import annotations

import codecs
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from project_copy import SURVEY, data, make_project, ok, run_stage, survey_entry, write_params

from helpers.clean.reconcile import reconcile
from helpers.core.codebook import Codebook, load_codebook
from helpers.core.errors import SourceError
from helpers.core.text import decode, line_at, split_lines
from helpers.extract.claims import extract_claims
from helpers.extract.source_parser import ParsedSource, parse_source
from helpers.extract.source_reader import read_source

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data/raw/oas_cso_survey_2013.txt"
ACCENTED = [
    "ÁGORA Espacio Civil Paraguay",
    "Centro de Derechos Humanos de la Universidad Nacional de Lanús",
    "Centro de Derechos Humanos Miguel Agustín Pro Juárez",
    "Instituto Nacional de Apoyo a Víctimas",
]
MOJIBAKE = ("Ã", "Â", "â€", "\ufffd")
# The only characters of the document that Windows-1252 cannot encode are the two
# chart bullets '●'; a Windows copy would carry '•' (0x95), another bullet.
CP1252_SUBSTITUTES = {"●": "•"}


@pytest.fixture(scope="module")
def book() -> Codebook:
    return load_codebook(ROOT / "codebooks/oas_2013.yaml")


@pytest.fixture(scope="module")
def text() -> str:
    return SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def windows_text(text: str) -> str:
    out = text
    for a, b in CP1252_SUBSTITUTES.items():
        out = out.replace(a, b)
    return out


@pytest.fixture(scope="module")
def reference(text: str, book: Codebook) -> ParsedSource:
    return parse_source(text, book, path="ref.txt")


def _parse(data: bytes, encoding: str, book: Codebook, path: str = "copy.txt") -> ParsedSource:
    decoded, _ = decode(data, encoding, path)
    return parse_source(decoded, book, path=path)


def _variants(text: str) -> dict[str, tuple[bytes, str]]:
    crlf = text.replace("\n", "\r\n")
    return {
        "utf8_lf": (text.encode("utf-8"), "utf-8"),
        "utf8_bom_lf": (codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8"),
        "utf8_crlf": (crlf.encode("utf-8"), "utf-8"),
        "utf8_bom_crlf": (codecs.BOM_UTF8 + crlf.encode("utf-8"), "utf-8"),
        "utf8_cr": (text.replace("\n", "\r").encode("utf-8"), "utf-8"),
        "utf8_sig_codec": (codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
    }


def _assert_same(a: ParsedSource, b: ParsedSource, book: Codebook) -> None:
    pd.testing.assert_frame_equal(a.mentions, b.mentions)
    pd.testing.assert_frame_equal(a.free_text, b.free_text)
    pd.testing.assert_frame_equal(a.lines, b.lines)
    pd.testing.assert_frame_equal(extract_claims(a.lines, book), extract_claims(b.lines, book))


@pytest.mark.parametrize("variant", list(_variants("x")))
def test_utf8_bom_and_line_endings_give_identical_results(variant, text, book, reference):
    data, encoding = _variants(text)[variant]
    _assert_same(reference, _parse(data, encoding, book), book)


@pytest.mark.parametrize("line_ending", ["\n", "\r\n"])
def test_windows_1252_copy_gives_identical_results(line_ending, windows_text, book, reference):
    data = windows_text.replace("\n", line_ending).encode("cp1252")
    assert b"\x93" in data and "“".encode() not in data  # really re-encoded
    parsed = _parse(data, "cp1252", book)
    # Same document written in UTF-8: everything identical.
    _assert_same(parse_source(windows_text, book), parsed, book)
    # Against the original: mentions and free text identical; lines and claims
    # differ only by the chart bullet of the two chart-label lines.
    pd.testing.assert_frame_equal(reference.mentions, parsed.mentions)
    pd.testing.assert_frame_equal(reference.free_text, parsed.free_text)
    pd.testing.assert_frame_equal(
        reference.lines[["line", "kind", "section", "scope"]],
        parsed.lines[["line", "kind", "section", "scope"]],
    )
    changed = reference.lines["text"] != parsed.lines["text"]
    assert reference.lines.loc[changed, "kind"].eq("chart_label").all() and changed.sum() == 2
    ref_claims, claims = extract_claims(reference.lines, book), extract_claims(parsed.lines, book)
    pd.testing.assert_frame_equal(ref_claims.drop(columns="quote"), claims.drop(columns="quote"))


@pytest.mark.parametrize("variant", ["utf8_lf", "utf8_bom_crlf", "cp1252"])
def test_accented_names_survive_without_mojibake(variant, text, windows_text, book):
    if variant == "cp1252":
        data, encoding = windows_text.encode("cp1252"), "cp1252"
    else:
        data, encoding = _variants(text)[variant]
    parsed = _parse(data, encoding, book)
    names = set(parsed.mentions["organization"])
    for name in ACCENTED:
        assert name in names, name
    result = reconcile(parsed.mentions, book)
    assert set(ACCENTED) <= set(result.responses["organization"])
    values = [
        str(v)
        for df in (parsed.mentions, parsed.free_text, parsed.lines)
        for v in df.to_numpy().ravel()
    ]
    assert not [v for v in values if any(m in v for m in MOJIBAKE)]


def test_read_source_records_encoding_and_bom(tmp_path, windows_text, text):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    src = read_source(bom, "utf-8")
    assert src.had_bom and src.text == text and src.encoding == "utf-8"
    win = tmp_path / "win.txt"
    win.write_bytes(windows_text.replace("\n", "\r\n").encode("cp1252"))
    src = read_source(win, "cp1252")
    assert not src.had_bom and split_lines(src.text) == split_lines(windows_text)


def test_cp1252_file_read_as_utf8_fails_naming_file_line_and_offset(tmp_path, windows_text):
    path = tmp_path / "windows.txt"
    data = windows_text.encode("cp1252")
    path.write_bytes(data)
    offset = next(i for i, b in enumerate(data) if b >= 0x80)
    line = data[:offset].count(b"\n") + 1
    with pytest.raises(SourceError) as err:
        read_source(path, "utf-8")
    message = str(err.value)
    assert message.startswith(
        f"{path}:{line}: expected text encoded as utf-8 "
        "(params.yaml: surveys.<id>.encoding); found "
    )
    assert f"byte 0x{data[offset]:02x} at byte offset {offset} that is not valid utf-8" in message
    assert "set encoding to it (e.g. cp1252)" in message
    assert err.value.line == line == 6


def test_invalid_byte_in_the_middle_names_its_line(text, book):
    data = text.encode("utf-8")
    bad = data.index("ÁGORA".encode())
    damaged = data[:bad] + b"\xc3(" + data[bad + 2 :]
    with pytest.raises(SourceError, match=rf"^doc.txt:73: .*byte 0xc3 at byte offset {bad} "):
        decode(damaged, "utf-8", "doc.txt")
    assert line_at(damaged, bad) == 73
    assert "ÁGORA" in split_lines(text)[72]


def test_utf8_file_read_as_cp1252_fails_instead_of_garbling(text):
    data = text.encode("utf-8")
    with pytest.raises(SourceError) as err:
        decode(data, "cp1252", "doc.txt")
    message = str(err.value)
    assert message.startswith("doc.txt:6: expected text encoded as cp1252")
    assert "valid UTF-8" in message and "set encoding to utf-8" in message
    # latin-1 decodes every byte: without the check it would garble silently
    with pytest.raises(SourceError, match="valid UTF-8"):
        decode(data, "latin-1", "doc.txt")


@pytest.mark.parametrize(
    ("data", "encoding", "fragment"),
    [
        (codecs.BOM_UTF8 + b"TITLE\n", "cp1252", "found a UTF-8 byte-order mark (bytes ef bb bf)"),
        ("TITLE\n".encode("utf-16"), "utf-8", "found a UTF-16 byte-order mark"),
        ("TITLE\n".encode("utf-32"), "utf-8", "found a UTF-32 byte-order mark"),
    ],
)
def test_foreign_byte_order_mark_is_refused(data, encoding, fragment):
    with pytest.raises(SourceError, match="^doc.txt:1: expected text encoded as") as err:
        decode(data, encoding, "doc.txt")
    assert fragment in str(err.value)


def test_unknown_encoding_name_is_refused():
    with pytest.raises(
        SourceError,
        match=r"^doc.txt: expected a known encoding name in "
        r"surveys.<id>.encoding; found 'utf-9'$",
    ):
        decode(b"x", "utf-9", "doc.txt")


def test_ascii_only_file_is_fine_in_any_ascii_compatible_encoding():
    for enc in ("utf-8", "cp1252", "latin-1", "ascii"):
        assert decode(b"QUESTION 1\r\n", enc, "x")[0] == "QUESTION 1\r\n"


def test_only_lf_crlf_cr_end_lines(text, book, reference):
    """Form feeds, U+2028 or NEL inside a line do not shift line numbers."""
    lines = split_lines(text)
    lines[5] = lines[5].replace("resolutions", "resolutions\x0c")
    lines[7] = lines[7].replace("Accordingly", "Accordingly\u2028")
    lines[8] = lines[8] + "\x85"
    parsed = parse_source("\n".join(lines) + "\n", book)
    pd.testing.assert_frame_equal(reference.mentions, parsed.mentions)
    pd.testing.assert_frame_equal(reference.free_text, parsed.free_text)
    assert split_lines("a\r\nb\rc\nd\n") == ["a", "b", "c", "d"]
    assert split_lines("a\n\n") == ["a", ""]


def test_decomposed_accents_match_the_registration_list(text, book):
    """A list written with decomposed accents (NFD, as macOS may save) is the same organization."""
    lines = split_lines(text)
    assert lines[127] == "· ÁGORA Espacio Civil Paraguay"  # its Q1 mention
    lines[127] = unicodedata.normalize("NFD", lines[127])
    parsed = parse_source("\n".join(lines), book)
    result = reconcile(parsed.mentions, book)
    assert result.rejects.empty
    assert result.responses["q1"].notna().all()


def test_stage_runner_reads_cp1252_copy_through_params(tmp_path, windows_text):
    """extract with ``encoding: cp1252`` writes the same mentions as the UTF-8 original."""
    make_project(tmp_path, {SURVEY: survey_entry("data/raw/oas_cso_survey_2013.txt")})
    shutil.copytree(ROOT / "data/raw", tmp_path / "data/raw")

    def extract() -> bytes:
        ok(run_stage(tmp_path, "extract"), "extract")
        return data(tmp_path, "extracted/mentions.csv").read_bytes()

    original = extract()
    (tmp_path / "data/raw/windows_copy.txt").write_bytes(
        windows_text.replace("\n", "\r\n").encode("cp1252")
    )
    write_params(tmp_path, {SURVEY: survey_entry("data/raw/windows_copy.txt", encoding="cp1252")})
    assert extract() == original
    info = data(tmp_path, "extracted/source.json").read_text(encoding="utf-8")
    assert '"encoding": "cp1252"' in info and "windows_copy.txt" in info
