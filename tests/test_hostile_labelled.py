"""Labelled files (.sav, .zsav, .dta) read whole or refused (issue 23, item 3).

Every file is built here from an INVENTED table of 40 cases (pyreadstat, pandas'
``to_stata``), then damaged: cut inside a case, its encoding record changed, its kind
mistaken, its value labels past readstat's memory limit.
"""

from __future__ import annotations

import struct

import pandas as pd
import pyreadstat
import pytest
import yaml
from project_copy import data, make_project, ok, run_stage, survey_entry

from helpers.core.codebook import parse_codebook
from helpers.core.errors import SourceError
from helpers.extract.export import OLD_STATA_FORMATS, data_file_kind, describe_export, read_export
from helpers.extract.respondents import describe_respondents, read_respondents
from helpers.extract.sav_layout import sav_layout

CASES = 40
CODEBOOK = {
    "survey": {
        "id": "hostile",
        "title": "Hostile labelled files (INVENTED)",
        "publisher": "nobody (invented data)",
        "respondent_unit": "respondent",
        "respondent_unit_plural": "respondents",
    },
    "input": {"respondent_id": "RESP_ID"},
    "groups": [],
    "questions": [
        {
            "id": "q1",
            "column": "Q1",
            "type": "yes_no",
            "text": "Yes or no?",
            "short": "Q1",
            "answers": [{"code": "1", "label": "Yes"}, {"code": "2", "label": "No"}],
        },
        {
            "id": "comment",
            "column": "COMMENT",
            "type": "free_text",
            "text": "Anything?",
            "short": "Comment",
        },
    ],
    "breakdowns": {"by_group": [], "crosstabs": []},
}


@pytest.fixture(scope="module")
def book():
    return parse_codebook(CODEBOOK)


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "RESP_ID": [f"R{i:03d}" for i in range(1, CASES + 1)],
            "Q1": [1.0 + i % 2 for i in range(CASES)],
            "COMMENT": [f"comment {i}" for i in range(1, CASES + 1)],
        }
    )


def _sav(path, compressed: bool = False, **kwargs) -> bytes:
    pyreadstat.write_sav(_table(), str(path), row_compress=compressed, **kwargs)
    return path.read_bytes()


def _cut(whole: bytes, case: int, cases_in_header: int) -> bytes:
    """The .sav cut 12 bytes into ``case``, its header's case count set to ``cases_in_header``."""
    layout = sav_layout(whole)
    case_bytes = (len(whole) - layout.data_start) // CASES  # 32: 4 values, row by row
    cut = bytearray(whole[: layout.data_start + (case - 1) * case_bytes + 12])
    struct.pack_into("<i", cut, 80, cases_in_header)  # the header's case count
    return bytes(cut)


# 1. A truncated .sav: refused, naming the file and the case where it breaks.


@pytest.mark.parametrize("compressed", [False, True], ids=["uncompressed", "bytecode"])
def test_a_sav_cut_inside_case_26_without_a_case_count_is_refused(book, tmp_path, compressed):
    """Header case count -1: readstat read the 25 whole cases and said nothing."""
    path = tmp_path / "survey.sav"
    path.write_bytes(_cut(_sav(path, compressed), 26, -1))
    for read in (read_respondents, describe_respondents):  # clean, and extract
        with pytest.raises(SourceError) as err:
            read(path, book, "respondent_sav")
        assert str(err.value) == (
            f"{path}:26: expected whole cases (the file's header gives no case count); found "
            "the file ends inside case 26, after 25 whole cases: it is truncated (an "
            "interrupted copy or download?); export it again"
        )


def test_a_sav_cut_with_its_case_count_is_refused_at_extract_too(book, tmp_path):
    """Header count 40: clean stopped with a bare ReadstatError, extract passed."""
    path = tmp_path / "survey.sav"
    path.write_bytes(_cut(_sav(path), 26, CASES))
    for read in (read_respondents, describe_respondents):
        with pytest.raises(
            SourceError,
            match=r"survey\.sav:26: expected 40 cases \(the file's "
            r"header\); found the file ends inside case 26, after 25 whole",
        ):
            read(path, book, "respondent_sav")


def test_a_truncated_zsav_and_an_old_dta_are_refused_at_extract(book, tmp_path):
    """Their metadata read fine: the extract stage recorded a file it could not read."""
    zsav = tmp_path / "survey.zsav"
    whole = _sav(zsav, compress=True)
    zsav.write_bytes(whole[: int(len(whole) * 0.9)])
    with pytest.raises(
        SourceError,
        match=r"expected 40 cases \(the file's header\), compressed "
        rf"to byte {len(whole)}; found a file of \d+ bytes: it is truncated",
    ):
        describe_respondents(zsav, book, "respondent_sav")
    dta = tmp_path / "survey.dta"
    _table().to_stata(dta, version=114, write_index=False)
    dta.write_bytes(dta.read_bytes()[:-40])
    with pytest.raises(
        SourceError,
        match=r"expected a Stata \.dta file whole to its end .*; "
        r"found the file ends before its data do .*: it is truncated",
    ):
        describe_respondents(dta, book, "respondent_dta")


@pytest.mark.pipeline
def test_a_truncated_sav_stops_extract_and_clean_and_keeps_their_outputs(tmp_path):
    """Through the stages: the previous outputs stay byte for byte where the run stops."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    path = folder / "survey.sav"
    whole = _sav(path)
    (folder / "codebook.yaml").write_text(
        yaml.safe_dump(CODEBOOK, sort_keys=False), encoding="utf-8"
    )
    make_project(
        tmp_path,
        {
            "s": survey_entry(
                "incoming/survey.sav", "incoming/codebook.yaml", input_kind="respondent_sav"
            )
        },
    )
    for stage in ("extract", "clean"):
        ok(run_stage(tmp_path, stage, "s"), stage, "s")
    before = {p: p.read_bytes() for p in sorted(data(tmp_path, "", "s").rglob("*")) if p.is_file()}
    assert len(before) >= 8
    path.write_bytes(_cut(whole, 26, -1))
    for stage in ("extract", "clean"):
        done = run_stage(tmp_path, stage, "s")
        assert done.returncode == 1, done.stderr[-2000:]
        assert "survey.sav:26: expected whole cases" in done.stderr
        assert "ends inside case 26, after 25 whole cases" in done.stderr
    after = {p: p.read_bytes() for p in sorted(data(tmp_path, "", "s").rglob("*")) if p.is_file()}
    assert after == before


# 2. params.yaml's encoding applies to a .sav; a file that names another is refused.


def _sav_text(path, record: bytes, code: int, text: bytes) -> None:
    """A .sav whose COMMENT of case 1 holds ``text`` (10 bytes), its encoding records set.

    ``record``: the character-encoding record's 5 bytes (b"" drops the record: its
    subtype becomes one readers skip); ``code``: the machine record's character code.
    """
    table = _table()
    table.loc[0, "COMMENT"] = "cafX XandX"
    pyreadstat.write_sav(table, str(path))
    raw = bytearray(path.read_bytes())
    at = raw.index(b"UTF-8")
    assert struct.unpack_from("<i", raw, at - 12)[0] == 20  # the extension record's subtype
    if record:
        raw[at : at + 5] = record
    else:
        struct.pack_into("<i", raw, at - 12, 98)
    code_at = raw.index(struct.pack("<i", 65001))
    struct.pack_into("<i", raw, code_at, code)
    text_at = raw.index(b"cafX XandX")
    raw[text_at : text_at + 10] = text
    path.write_bytes(bytes(raw))


def _comment(book, path, encoding) -> str:
    frame = read_respondents(path, book, "respondent_sav", encoding=encoding)
    return frame.get_column("COMMENT")[0]


def test_a_sav_without_an_encoding_record_is_read_with_params_encoding(book, tmp_path):
    """Its machine record said cp850 over UTF-8 text: free text was 'caf├® ├æan'."""
    path = tmp_path / "survey.sav"
    _sav_text(path, b"", 850, "café Ñandú".encode()[:10])
    assert _comment(book, path, "utf-8") == "café Ñan"
    _sav_text(path, b"", 65001, "café Ñandú".encode("cp850"))  # and the other way round
    assert _comment(book, path, "cp850") == "café Ñandú"


def test_a_sav_whose_encoding_record_says_otherwise_is_refused(book, tmp_path):
    path = tmp_path / "survey.sav"
    _sav_text(path, b"CP850", 850, "café Ñandú".encode("cp850"))
    assert _comment(book, path, "cp850") == "café Ñandú"
    for read in (read_respondents, describe_respondents):
        with pytest.raises(SourceError) as err:
            read(path, book, "respondent_sav", encoding="utf-8")
        assert str(err.value) == (
            f"{path}: expected text encoded as utf-8 (params.yaml: surveys.<id>.encoding); "
            "found a file whose character-encoding record says CP850: set encoding: cp850 in "
            "params.yaml"
        )


def test_bytes_not_valid_in_the_declared_encoding_name_the_encoding_key(book, tmp_path):
    """The record says UTF-8, the bytes are cp850: not 'expected an SPSS .sav file'."""
    path = tmp_path / "survey.sav"
    _sav_text(path, b"UTF-8", 65001, "café Ñandú".encode("cp850"))
    with pytest.raises(
        SourceError,
        match=r"expected text encoded as UTF-8 \(params\.yaml: "
        r"surveys\.<id>\.encoding\); found ReadstatError: Unable to convert ",
    ):
        read_respondents(path, book, "respondent_sav", encoding="utf-8")


# 3. Every Stata format pyreadstat reads is recognised by its first bytes.


@pytest.mark.parametrize("version", [114, 117, 118, 119])
def test_a_stata_file_of_any_format_given_as_csv_names_respondent_dta(book, tmp_path, version):
    """Format 114 (Stata 10-12) gave a hint about text encodings."""
    path = tmp_path / "survey.csv"
    _table().to_stata(path, version=version, write_index=False)
    for read in (describe_export, read_export):
        with pytest.raises(SourceError) as err:
            read(path, book)
        assert str(err.value) == (
            f"{path}: expected a CSV export (input_kind: respondent_csv); found a Stata .dta "
            "file: set input_kind: respondent_dta in params.yaml"
        )
    assert read_respondents(path, book, "respondent_dta").height == CASES  # readstat reads it


def test_the_headers_of_stata_formats_104_to_115_are_recognised():
    for version in OLD_STATA_FORMATS:
        for order in (1, 2):  # big-, little-endian
            assert data_file_kind(bytes([version, order, 1, 0]) + bytes(60)) == (
                "a Stata .dta file",
                "respondent_dta",
            ), (version, order)
    assert data_file_kind(b"RESP_ID,Q1\n") is None


def test_a_labelled_file_of_the_other_kind_names_the_input_kind(book, tmp_path):
    """A .dta declared respondent_sav (and back) was 'not an SPSS file: ReadstatError'."""
    dta, sav = tmp_path / "survey.dta", tmp_path / "survey.sav"
    _table().to_stata(dta, version=114, write_index=False)
    _sav(sav)
    with pytest.raises(
        SourceError,
        match=r"expected an SPSS \.sav file \(input_kind: "
        r"respondent_sav\); found a Stata \.dta file: set input_kind: "
        r"respondent_dta in params\.yaml",
    ):
        describe_respondents(dta, book, "respondent_sav")
    zsav = tmp_path / "survey.zsav"
    _sav(zsav, compress=True)
    for path in (sav, zsav):
        with pytest.raises(
            SourceError,
            match=r"found an SPSS \.z?sav file: set input_kind: "
            r"respondent_sav in params\.yaml",
        ):
            read_respondents(path, book, "respondent_dta")


# 4. A reader's limit told as a limit, not as a wrong file type.


def test_300000_value_labels_are_named_a_limit_of_the_reader(book, tmp_path):
    path = tmp_path / "survey.sav"
    _sav(path, variable_value_labels={"Q1": {float(i): f"label {i}" for i in range(300_000)}})
    for read in (read_respondents, describe_respondents):
        with pytest.raises(SourceError) as err:
            read(path, book, "respondent_sav")
        assert str(err.value) == (
            f"{path}: expected a file readstat can read within its memory limit (16 MiB per "
            "allocation); found ReadstatError: Unable to allocate memory while reading its "
            "dictionary (variables, labels); its largest value-label set has 300,000 labels: "
            "a limit of the reader, not a damaged file or a wrong type; export the file with "
            "fewer value labels (or none) on that variable"
        )


def test_a_stata_14_file_is_utf_8_whatever_params_says(book, tmp_path):
    """Formats 118 and 119 are UTF-8 by definition; older ones are read with encoding."""
    path = tmp_path / "survey.dta"
    _table().to_stata(path, version=118, write_index=False)
    with pytest.raises(
        SourceError,
        match=r"found a Stata \.dta file of format 118, whose "
        r"text is UTF-8 by definition: set encoding: utf-8 in params\.yaml",
    ):
        describe_respondents(path, book, "respondent_dta", encoding="cp1252")
    _table().to_stata(path, version=114, write_index=False)
    assert read_respondents(path, book, "respondent_dta", encoding="cp1252").height == CASES
