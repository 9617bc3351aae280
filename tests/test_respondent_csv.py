"""Respondent-level exports: code mapping, missing codes, rejects, and a never-seen survey
run end to end by changing params.yaml only (issue 6)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from project_copy import data, make_project, ok, project_stats, run_stage, survey_entry

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import CodebookError, parse_codebook
from helpers.core.errors import SourceError, TableError
from helpers.core.handoff import as_pandas
from helpers.core.selection import count, parse_rule
from helpers.core.tables import read_csv
from helpers.extract.export import read_export
from helpers.extract.source_parser import parse_source
from helpers.summarize.summaries import summarize
from helpers.tools.synthetic_survey import make_codebook, write_survey

ROOT = Path(__file__).resolve().parents[1]


def _export(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def book():
    return parse_codebook(make_codebook(2))


def test_codes_missing_and_rejects_are_counted_and_balanced(tmp_path, book):
    path = _export(
        tmp_path,
        "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\n"
        "a,1,Network,1,4,hello\n"
        "b,2,Network,9,8,\n"
        "c,3,Foundation,7,,  \n"
        "d,5,Foundation, 2 ,99,x\n",
    )
    result, free = clean_export(read_export(path, book), book, str(path))
    r, free = as_pandas(result.responses), as_pandas(free)
    assert list(r["respondent_id"]) == ["a", "b", "c", "d"]
    assert list(r["source_line"]) == [2, 3, 4, 5]
    assert r["q1"].astype("string").tolist() == ["1", pd.NA, pd.NA, "2"]
    assert r["q2"].astype("string").tolist() == ["4", "8", pd.NA, pd.NA]
    rejects = as_pandas(result.rejects)
    assert len(rejects) == 1
    row = rejects.iloc[0]
    assert (row["source_line"], row["question"], row["respondent_id"]) == (4, "q1", "c")
    assert "code '7' is not a q1 code" in row["reason"]
    counts = as_pandas(result.counts).set_index("question")
    assert counts.loc[
        "q1", ["rows_read", "rows_kept", "rows_missing", "rows_rejected"]
    ].tolist() == [4, 2, 1, 1]
    assert counts["balanced"].all()
    assert free["line"].tolist() == [2, 5]
    assert free["text"].tolist() == ["hello", "x"]


@pytest.fixture
def mc_book():
    """q1 yes/no, q2 multiple choice (services 1-5, missing code 9)."""
    return parse_codebook(
        make_codebook(2, multiple_choice=1)
        | {"breakdowns": {"by_group": ["region"], "crosstabs": []}}
    )


MC_CELLS = {  # cell -> chosen options (None: missing) or the start of the reject reason
    "1;3": {"1", "3"},
    " 2 ; 1 ": {"1", "2"},
    "": None,
    "9": None,
    ";": None,
    "3;": {"3"},
    "1;;5": {"1", "5"},
    "1;7": "code '7' in '1;7' is not a q2 option",
    "2;2": "'2;2' repeats a q2 option",
    "1;9": "'1;9' mixes a missing code",
}


def test_multiple_choice_cells_become_indicator_columns_or_rejects(tmp_path, mc_book):
    rows = "".join(f'r{i},1,Network,1,"{cell}",\n' for i, cell in enumerate(MC_CELLS))
    path = _export(tmp_path, "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\n" + rows)
    result, _ = clean_export(read_export(path, mc_book), mc_book, str(path))
    check_export_responses(result.responses, mc_book, "responses")
    r = as_pandas(result.responses)
    q2 = mc_book.question("q2")
    assert [c for c in r.columns if c.startswith("q2")] == list(q2.indicators.values())
    rejects = as_pandas(result.rejects).set_index("source_line")
    for i, (cell, expected) in enumerate(MC_CELLS.items()):
        got = {code: r.loc[i, col] for code, col in q2.indicators.items()}
        if isinstance(expected, set):
            assert got == {c: "1" if c in expected else "0" for c in got}, cell
        else:
            assert all(pd.isna(v) for v in got.values()), cell
        if isinstance(expected, str):
            assert rejects.loc[i + 2, "reason"].startswith(expected), cell
            assert rejects.loc[i + 2, "respondent_id"] == f"r{i}"
    counts = as_pandas(result.counts).set_index("question").loc["q2"]
    assert (counts["rows_kept"], counts["rows_missing"], counts["rows_rejected"]) == (4, 3, 3)
    assert counts["balanced"]


def test_multiple_choice_space_separator_splits_on_runs_of_spaces(tmp_path):
    raw = make_codebook(2, multiple_choice=1) | {"breakdowns": {"by_group": [], "crosstabs": []}}
    raw["questions"][1]["separator"] = " "
    book = parse_codebook(raw)
    path = _export(tmp_path, "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\na,1,N,1,1   4 ,\n")
    result, _ = clean_export(read_export(path, book), book, str(path))
    chosen = [
        c for c, col in book.question("q2").indicators.items() if result.responses[col][0] == "1"
    ]
    assert chosen == ["1", "4"] and result.rejects.is_empty()


def test_export_checks_refuse_partly_missing_or_empty_answers_and_bad_ids(mc_book):
    import polars as pl

    q2 = mc_book.question("q2")
    cols = list(q2.indicators.values())
    good = {
        "respondent_id": ["a", "b"],
        "region": ["1", "2"],
        "org_type": ["N", "N"],
        "q1": ["1", "2"],
        **{c: ["1", None] for c in cols},
        "source_line": [2, 3],
    }
    check_export_responses(pl.DataFrame(good), mc_book, "responses")
    partly = {**good, cols[0]: ["1", "0"]}  # row b: one option known, the others missing
    with pytest.raises(TableError, match=r"q2: options all missing.*lines \[3\]"):
        check_export_responses(pl.DataFrame(partly), mc_book, "responses")
    nothing = {**good, **{c: ["0", None] for c in cols}}  # row a answered but chose nothing
    with pytest.raises(TableError, match=r"q2: options all missing.*lines \[2\]"):
        check_export_responses(pl.DataFrame(nothing), mc_book, "responses")
    with pytest.raises(TableError, match="respondent_id: unique"):
        check_export_responses(pl.DataFrame({**good, "respondent_id": ["a", "a"]}), mc_book, "r")
    with pytest.raises(TableError, match="source_line: unique"):
        check_export_responses(pl.DataFrame({**good, "source_line": [1, 2]}), mc_book, "r")


def test_multiple_choice_is_refused_for_the_published_document(codebook, source_text):
    raw = copy.deepcopy(codebook.raw)
    next(q for q in raw["questions"] if q["id"] == "q1")["type"] = "multiple_choice"
    raw["breakdowns"]["crosstabs"] = []
    with pytest.raises(CodebookError, match="input_kind: respondent_csv"):
        parse_source(source_text, parse_codebook(raw))


def test_missing_column_is_an_error_naming_line_one(tmp_path, book):
    path = _export(tmp_path, "RESP_ID,REGION,ORG_TYPE,Q1,COMMENT\na,1,Network,1,\n")
    with pytest.raises(SourceError) as err:
        read_export(path, book)
    assert f"{path}:1" in str(err.value)
    assert "Q2" in str(err.value)


def test_duplicate_respondent_id_is_an_error_naming_its_line(tmp_path, book):
    path = _export(
        tmp_path, "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\na,1,Network,1,4,\na,2,Network,1,4,\n"
    )
    with pytest.raises(SourceError, match=r"export\.csv:3: .*unique"):
        clean_export(read_export(path, book), book, str(path))


def test_line_break_inside_a_field_is_refused(tmp_path, book):
    path = _export(
        tmp_path, 'RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\na,1,Network,1,4,"two\nlines"\n'
    )
    with pytest.raises(SourceError, match="line break"):
        read_export(path, book)


@pytest.mark.parametrize(
    "row",
    [
        'b,"1\n",Network,1,4,',
        '"b\nc",1,Network,1,4,',
        'b,1,"Net\nwork",1,4,',
        'b,1,Network,1,4,"two\nlines"',
    ],
)
def test_a_quoted_line_break_in_any_column_is_refused_at_its_line(tmp_path, book, row):
    path = _export(tmp_path, f"RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\na,1,Network,1,4,\n\n{row}\n")
    with pytest.raises(SourceError, match=r"export\.csv:4: .*line break"):
        read_export(path, book)


def test_a_line_break_in_a_column_the_codebook_does_not_use_is_refused_too(tmp_path, book):
    path = _export(
        tmp_path,
        "RESP_ID,NOTES,REGION,ORG_TYPE,Q1,Q2,COMMENT\n"
        'a,,1,Network,1,4,\nb,"x\ny",1,Network,1,4,\nc,,1,Network,1,4,\n\n\n',
    )
    with pytest.raises(SourceError, match=r"export\.csv:3: .*'NOTES'.*line break"):
        read_export(path, book)


def test_trailing_blank_lines_are_not_records(tmp_path, book):
    path = _export(tmp_path, "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\na,1,Network,1,4,\n\n\n")
    assert read_export(path, book)["source_line"].to_list() == [2]


def test_blank_lines_inside_the_export_keep_later_line_numbers_true(tmp_path, book):
    path = _export(
        tmp_path,
        "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\n"
        "a,1,Network,1,4,\n\nb,2,Network,7,4,\n\r\n\nc,1,Network,2,3,\n",
    )
    result, _ = clean_export(read_export(path, book), book, str(path))
    r = result.responses
    lines = dict(zip(r["respondent_id"], r["source_line"], strict=True))
    assert lines == {"a": 2, "b": 4, "c": 7}
    physical = path.read_text(encoding="utf-8").splitlines()
    assert [physical[n - 1].split(",")[0] for n in lines.values()] == ["a", "b", "c"]
    assert result.rejects["source_line"].to_list() == [4]  # b's unknown Q1 code 7


def test_quoted_empty_field_is_missing_like_an_empty_one(tmp_path, book):
    path = _export(
        tmp_path, 'RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\na,1,Network,"",4,""\nb,1,Network,,4,\n'
    )
    result, free = clean_export(read_export(path, book), book, str(path))
    assert result.responses["q1"].null_count() == 2
    assert result.rejects.height == 0 and free.height == 0


def test_duplicated_header_name_is_refused_at_line_one(tmp_path, book):
    path = _export(tmp_path, "RESP_ID,REGION,ORG_TYPE,Q1,Q2,Q1,COMMENT\na,1,Network,1,4,2,\n")
    with pytest.raises(SourceError, match=r"export\.csv:1: .*Q1") as err:
        read_export(path, book)
    assert "twice" in str(err.value) or "duplicate" in str(err.value)


def test_every_figure_equals_its_selection_rule(tmp_path):
    codebook, survey = write_survey(
        tmp_path, n=500, questions=5, seed=7, unknown_codes=4, multiple_choice=2
    )
    book = parse_codebook(yaml.safe_load(codebook.read_text(encoding="utf-8")))
    result, free = clean_export(read_export(survey, book), book, str(survey))
    out = summarize(result.responses, free, book, project_stats())
    tables = {"responses": as_pandas(result.responses), "free_text": as_pandas(free)}
    for (_, fig), (_, rule) in zip(
        as_pandas(out.figures).iterrows(), as_pandas(out.rules).iterrows(), strict=True
    ):
        table = tables[rule["table"]]
        assert count(table, parse_rule(rule["numerator"])) == fig["n"], fig["figure_id"]
        if rule["base"] and pd.notna(fig["base"]):
            assert count(table, parse_rule(rule["base"])) == fig["base"], fig["figure_id"]


@pytest.mark.pipeline
def test_never_seen_export_runs_through_every_stage_by_changing_params_only(tmp_path):
    """A CSV + codebook the project has never seen: summaries equal plain pandas counts."""
    codebook, survey = write_survey(
        tmp_path / "incoming", n=300, questions=5, seed=99, unknown_codes=3, multiple_choice=1
    )
    # A second free-text question, answered by some who answered the first (issue 12).
    export = pd.read_csv(survey, dtype=str, keep_default_na=False)
    export["LIKED"] = ["" if i % 3 else f"liked thing {i}" for i in range(len(export))]
    export.to_csv(survey, index=False, lineterminator="\n")
    spec = yaml.safe_load(codebook.read_text(encoding="utf-8"))
    spec["questions"].append(
        {
            "id": "liked",
            "column": "LIKED",
            "type": "free_text",
            "text": "What did you like?",
            "short": "Liked",
        }
    )
    codebook.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    make_project(
        tmp_path,
        {
            "incoming": survey_entry(
                str(survey.relative_to(tmp_path)),
                codebook=str(codebook.relative_to(tmp_path)),
                input_kind="respondent_csv",
            )
        },
    )
    for stage in ("extract", "clean", "summarize", "audit", "report"):
        ok(run_stage(tmp_path, stage, "incoming", timeout=300), stage, "incoming")
    book = yaml.safe_load(codebook.read_text(encoding="utf-8"))
    raw = pd.read_csv(survey, dtype=str, keep_default_na=False)
    summaries = read_csv(data(tmp_path, "summaries.csv", "incoming"))
    by_id = summaries.set_index("figure_id")
    for q in (q for q in book["questions"] if q["type"] == "multiple_choice"):
        codes = [a["code"] for a in q["answers"]]
        cells = raw[q["column"]].str.strip()
        answered = cells[~cells.isin(["", *q["missing_codes"]])].str.split(";")
        assert answered.map(set(codes).issuperset).all()  # the generator writes no bad cells
        for code in codes:
            row = by_id.loc[f"{q['id']}.all.all.{code}"]
            assert row["n"] == int(answered.map(lambda c, code=code: code in c).sum())
            assert row["base"] == len(answered)
        assert by_id.loc[f"{q['id']}.all.all.missing", "n"] == len(cells) - len(answered)
    for q in (q for q in book["questions"] if q["type"] not in ("free_text", "multiple_choice")):
        codes = [a["code"] for a in q["answers"]]
        column = raw[q["column"]].str.strip()
        answered = column[column.isin(codes)]
        for code in codes:
            row = by_id.loc[f"{q['id']}.all.all.{code}"]
            assert row["n"] == int((answered == code).sum())
            assert row["base"] == len(answered)
        for region in ("1", "2", "3", "4", "5"):
            sel = column[(raw["REGION"] == region) & column.isin(codes)]
            assert by_id.loc[f"{q['id']}.region.{region}.{codes[0]}", "n"] == int(
                (sel == codes[0]).sum()
            )
    free = read_csv(data(tmp_path, "free_text.csv", "incoming"))
    for qid, column in (("comment", "COMMENT"), ("liked", "LIKED")):
        written = raw[raw[column].str.strip() != ""]
        assert by_id.loc[f"{qid}.all.all.count", "n"] == len(written) > 0
        assert free[free["question"] == qid]["text"].tolist() == written[column].tolist()
    both = set(free[free["question"] == "comment"]["line"]) & set(
        free[free["question"] == "liked"]["line"]
    )
    assert both  # one respondent (one line) answered both open questions
    rejects = read_csv(data(tmp_path, "rejects.csv", "incoming"))
    assert len(rejects) == 3 and rejects["reason"].str.contains("not a q1 code").all()
    audit = read_csv(data(tmp_path, "audit.csv", "incoming"))
    assert audit.empty
    html = (tmp_path / "reports/incoming/report.html").read_text(encoding="utf-8")
    assert "Invented migrant-support survey" in html
    assert 'id="audit"' not in html and "q1.all.all.1" in html
    assert "respondent-level export" in html and "summary published by" not in html
    assert "answered ()" not in html and "invited organizations" not in html
    assert "Multiple choice: respondents could choose more than one answer" in html
    assert "(e.g. <code>q1.all.all.1</code>)" in html and "single respondent moves" in html
    assert "Quoted as written in the export" in html and "as published" not in html
    assert 'id="fig-q5.all.all.1"' in html
    assert "What did you like?" in html and "liked thing 3" in html
    prov = json.loads(data(tmp_path, "provenance.json", "incoming").read_text(encoding="utf-8"))
    assert prov["figures"]["q1.region.1.1"]["numerator"] == {"region": "1", "q1": "1"}


def test_provenance_appendix_lists_every_row_or_none(tmp_path):
    """A figure's rows are listed in full when they fit, else counted with the trace command."""
    from helpers.report.provenance_section import provenance_appendix
    from helpers.summarize import provenance

    codebook, survey = write_survey(tmp_path, n=120, questions=2, seed=3, multiple_choice=1)
    book = parse_codebook(yaml.safe_load(codebook.read_text(encoding="utf-8")))
    result, free = clean_export(read_export(survey, book), book, str(survey))
    out = summarize(result.responses, free, book, project_stats())
    prov = provenance.build(out.rules, "summarize", "nb", {}, {}, {})
    tables = {"responses": as_pandas(result.responses), "free_text": as_pandas(free)}
    figures = as_pandas(out.figures)
    html = provenance_appendix(prov, figures, tables, max_rows=10)
    by_id = figures.set_index("figure_id")
    for fid in ("q1.region.1.1", "q2.region.2.3", "q2.all.all.1"):
        n = int(by_id.loc[fid, "n"])
        block = html.split(f'id="prov-{fid}"')[1].split("</section>")[0]
        if n > 10:
            assert f"{n} rows, more than are listed here" in block
            assert f"python -m helpers.tools.trace {fid}" in block and "<li>X" not in block
        else:
            assert block.count("<li>") == n, fid
    small = by_id[by_id["n"].between(1, 10) & (by_id["question"] != "respondents")]
    assert len(small) and (by_id["n"] > 10).any()  # both branches are exercised


@pytest.mark.parametrize(("questions", "multiple"), [(1, 0), (1, 1), (2, 1), (3, 1), (5, 2)])
def test_generated_codebooks_are_valid(questions, multiple):
    book = parse_codebook(make_codebook(questions, multiple_choice=multiple))
    assert len(book.multiple_choice) == multiple and len(book.closed) == questions


def test_export_encoding_errors_name_the_line_and_byte(tmp_path, book):
    from helpers.extract.export import describe_export

    row = "a,1,Fundación,1,2,Más ayuda\n"
    before = "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\nz,2,Red,2,1,\n"
    cp1252 = _export(tmp_path, "")
    cp1252.write_bytes((before + row).encode("cp1252"))
    offset = len(before) + row.index("ó")  # the first byte that is not UTF-8, on line 3
    for step in (read_export, describe_export):
        with pytest.raises(SourceError, match=rf"export\.csv:3: .*0xf3 at byte offset {offset}"):
            step(cp1252, book)
    assert read_export(cp1252, book, encoding="cp1252")["ORG_TYPE"].to_list() == [
        "Red",
        "Fundación",
    ]
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes(("RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\r\n" + row).encode("utf-8"))
    with pytest.raises(SourceError, match="would become"):  # read as cp1252: garbled accents
        describe_export(utf8, book, encoding="cp1252")
    utf8.write_bytes(b"\xef\xbb\xbf" + utf8.read_bytes())
    with pytest.raises(SourceError, match="UTF-8 byte-order mark"):
        describe_export(utf8, book, encoding="cp1252")
    raw = read_export(utf8, book)  # a BOM and CRLF are fine
    assert raw["RESP_ID"].to_list() == ["a"] and raw["COMMENT"].to_list() == ["Más ayuda"]


# --- structural faults of the file, each named by file and line (issue 13) -----------------

HEADER7 = "RESP_ID,NOTES,REGION,ORG_TYPE,Q1,Q2,COMMENT\n"  # 7 fields; NOTES: not in the codebook
ROWS = "a,,1,Network,1,4,\nb,,2,Network,1,4,\nc,,3,Network,2,3,\n"  # lines 2-4


def _refusal(tmp_path: Path, book, content: str | bytes, **kwargs) -> str:
    path = tmp_path / "export.csv"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    with pytest.raises(SourceError) as err:
        read_export(path, book, **kwargs)
    message = str(err.value)
    assert message.startswith(f"{path}:"), message
    return message.removeprefix(f"{tmp_path}/")


def test_a_blank_header_name_is_refused_at_line_one(tmp_path, book):
    message = _refusal(
        tmp_path, book, "RESP_ID,,REGION,ORG_TYPE,Q1,Q2,COMMENT\na,x,1,Network,1,4,\n"
    )
    assert message == (
        "export.csv:1: expected a name for every column of the header; "
        "found none for column 2 (after 'RESP_ID')"
    )


@pytest.mark.parametrize(
    ("row", "found"), [("d,,1,Network,1", 5), ("d,,1,Net,1,4,x,y,z", 9), ('d,"x,y",1,Network', 4)]
)
def test_a_row_with_fewer_or_more_fields_than_the_header_is_refused_at_its_line(
    tmp_path, book, row, found
):
    message = _refusal(tmp_path, book, HEADER7 + ROWS + row + "\ne,,1,Network,1,4,\n")
    assert message == f"export.csv:5: expected 7 fields (as in the header, line 1); found {found}"


def test_a_short_row_after_blank_and_crlf_lines_is_named_by_its_physical_line(tmp_path, book):
    content = HEADER7.replace("\n", "\r\n") + "a,,1,Network,1,4,\r\n\r\n\n  \nb,,2,N,1\r\n"
    message = _refusal(tmp_path, book, content)
    assert message == "export.csv:6: expected 7 fields (as in the header, line 1); found 5"


def test_an_unterminated_quote_is_refused_at_its_line_naming_its_column(tmp_path, book):
    message = _refusal(tmp_path, book, HEADER7 + ROWS + 'd,,1,"Network,1,4,\ne,,1,N,1,4,\n')
    assert message == (
        "export.csv:5: expected a closing quote on its line for the quoted field "
        "in column 'ORG_TYPE'; found an unterminated quote (no closing quote "
        "before the end of the file)"
    )


def test_a_quoted_line_break_names_the_line_where_the_field_ends(tmp_path, book):
    message = _refusal(tmp_path, book, HEADER7 + ROWS + 'd,"x\n\ny",1,Network,1,4,\n')
    assert message == (
        "export.csv:5: expected one record per line in column 'NOTES'; found a "
        "field with a line break (its quote opens on line 5 and closes on line "
        "7): line numbers would not match the file"
    )


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("d,,1,Net\0work,1,4,", "ORG_TYPE"),
        ('d,,1,Network,1,4,"he said\0"', "COMMENT"),
        ("\0d,,1,Network,1,4,", "RESP_ID"),
    ],
)
def test_a_nul_byte_is_refused_at_its_line_naming_its_column(tmp_path, book, row, column):
    message = _refusal(tmp_path, book, HEADER7 + ROWS + row + "\n")
    assert (
        message == f"export.csv:5: expected text without NUL bytes; found one in column {column!r}"
    )


def test_a_nul_byte_in_a_cp1252_export_is_refused_too(tmp_path, book):
    content = (HEADER7 + "a,,1,Fundación,1,4,\nb,,1,N,1,4,x\0\n").encode("cp1252")
    message = _refusal(tmp_path, book, content, encoding="cp1252")
    assert message == "export.csv:3: expected text without NUL bytes; found one in column 'COMMENT'"


def test_a_huge_field_is_refused_naming_line_column_and_size(tmp_path, book):
    message = _refusal(
        tmp_path, book, HEADER7 + ROWS + "d,,1,Network,1,4," + "x" * 50_000_000 + "\n"
    )
    assert message == (
        "export.csv:5: expected fields of at most 1048576 bytes (params.yaml "
        "clean.max_field_bytes); found 50000000 bytes in column 'COMMENT'"
    )


def test_max_field_bytes_counts_each_field_not_the_line(tmp_path, book):
    # NOTES holds 1,"23",4 (8 bytes unquoted, 12 as written); the line is 36 bytes long.
    path = _export(tmp_path, HEADER7 + 'a,"1,""23"",4",1,Network,1,4,abcdefghi\nb,,1,N,1,4,\n')
    assert read_export(path, book, max_field_bytes=9)["RESP_ID"].to_list() == ["a", "b"]
    message = _refusal(tmp_path, book, path.read_bytes(), max_field_bytes=8)
    assert message == (
        "export.csv:2: expected fields of at most 8 bytes (params.yaml "
        "clean.max_field_bytes); found 9 bytes in column 'COMMENT'"
    )


@pytest.mark.parametrize("row", ["d,,1,Network,1,4,he\rllo", "d,,1,Network,1,4,\r\r\n"])
def test_a_bare_carriage_return_is_refused_at_its_line(tmp_path, book, row):
    message = _refusal(tmp_path, book, HEADER7 + ROWS + row + "\n")
    assert message == (
        "export.csv:5: expected lines ending in LF or CRLF; found a carriage "
        "return inside line 5 (column 'COMMENT')"
    )


@pytest.mark.parametrize(
    ("damage", "line"),
    [
        ({5: "d,,1,N", 7: "f,,1,N\0,1,4,"}, 5),
        ({5: "d,,1,N\0,1,4,", 7: "f,,1,N"}, 5),
        ({5: "d,,1,N\r,1,4,", 6: 'e,"x,1,N,1,4,'}, 5),
        ({5: 'd,"x,1,N,1,4,', 6: "e,,\r"}, 5),
        ({6: "e,,1,N," + "x" * 2_000_000, 7: "f,,1,N"}, 6),
        ({6: "e,,1,N", 7: "f\0"}, 6),
    ],
)
def test_the_first_faulty_line_in_file_order_is_reported(tmp_path, book, damage, line):
    rows = [f"{r},,1,Network,1,4," for r in "defgh"]
    for n, text in damage.items():
        rows[n - 5] = text
    message = _refusal(tmp_path, book, HEADER7 + ROWS + "\n".join(rows) + "\n")
    assert message.startswith(f"export.csv:{line}: expected ")


def test_whitespace_only_lines_are_skipped_like_blank_ones(tmp_path, book):
    path = _export(tmp_path, HEADER7 + "a,,1,Network,1,4,\n   \n\t\r\nb,,2,Network,1,4,\n")
    raw = read_export(path, book)
    assert dict(zip(raw["RESP_ID"], raw["source_line"], strict=True)) == {"a": 2, "b": 5}
