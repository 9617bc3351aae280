"""The strict codebook (helpers.core.codebook_schema) and codes by value (helpers.core.codes)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from helpers.core.codebook import CodebookError, load_codebook, parse_codebook
from helpers.core.codes import code_index, code_key

ROOT = Path(__file__).resolve().parents[1]
BOOKS = [
    "codebooks/oas_2013.yaml",
    "data/examples/invented_survey/codebook.yaml",
    "data/examples/anes96/codebook.yaml",
]


@pytest.fixture
def book() -> dict:
    return yaml.safe_load((ROOT / BOOKS[1]).read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", BOOKS)
def test_the_project_codebooks_pass(path):
    assert load_codebook(ROOT / path).questions


def _refused(data: dict) -> str:
    with pytest.raises(CodebookError) as err:
        parse_codebook(data)
    return str(err.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["questions"][0].__setitem__("missing_code", ["9"]),
            "questions[0] (q1): unknown key 'missing_code' (nearest: 'missing_codes')",
        ),
        (
            lambda d: d["groups"][0]["values"][0].__setitem__("lable", "x"),
            "groups[0] (region).values[0]: unknown key 'lable' (nearest: 'label')",
        ),
        (
            lambda d: d["breakdowns"].__setitem__("by_grup", ["region"]),
            "breakdowns: unknown key 'by_grup' (nearest: 'by_group')",
        ),
        (
            lambda d: d.__setitem__("surveys", {}),
            "the codebook: unknown key 'surveys' (nearest: 'survey')",
        ),
        (lambda d: d["survey"].__setitem__("colour", "red"), "survey: unknown key 'colour'"),
    ],
)
def test_an_unknown_key_is_refused_with_the_nearest_valid_one(book, edit, message):
    edit(book)
    assert message in _refused(book)


@pytest.mark.parametrize("key", ["weight", "weights"])
def test_a_weight_outside_the_design_section_is_refused_saying_where_it_belongs(book, key):
    book[key] = "w"
    text = _refused(book)
    assert f"key {key!r} refused" in text and "design: {weight: <column>}" in text


def test_routing_must_be_a_mapping_of_variables_to_codes(book):
    book["questions"][1]["asked_if"] = "q1 == 1"
    assert "questions[1] (q2).asked_if: Input should be a valid dictionary" in _refused(book)


def test_a_design_section_is_checked_like_every_other(book):
    book["design"] = {"weight": "w", "stratum": "s"}
    assert "design: unknown key 'stratum' (nearest: 'strata')" in _refused(book)
    book["design"] = {"weight": 1}
    assert "design.weight: Input should be a valid string; found 1" in _refused(book)


def test_an_unquoted_yes_label_is_refused_with_a_hint(book):
    book["questions"][0]["answers"][0]["label"] = True  # what YAML makes of `label: Yes`
    assert "quote it" in _refused(book)


def test_wrong_types_name_the_place_and_value(book):
    book["questions"][1]["type"] = "numeric_scale"
    text = _refused(book)
    assert "questions[1] (q2).type" in text and "'numeric_scale'" in text
    del book["questions"][1]["type"]
    assert "questions[1] (q2).type: missing (required)" in _refused(book)


def test_from_source_is_the_only_text_a_group_may_have_as_values(book):
    book["groups"][1]["values"] = "from_sauce"
    assert (
        "expected a list of values (code, label) or 'from_source'; found 'from_sauce'"
        in _refused(book)
    )


def test_ids_are_unique_across_groups_and_questions(book):
    book["groups"][0]["id"] = "q1"
    assert "ids must be unique across questions and groups; found ['q1']" in _refused(book)


def test_codes_equal_by_value_are_duplicates(book):
    book["questions"][1]["answers"][1]["code"] = "1.0"
    assert "duplicate codes ['1', '1.0', " in _refused(book)


def test_a_missing_code_that_is_also_an_answer_is_refused(book):
    book["questions"][1]["missing_codes"] = ["8.0"]
    assert "missing code '8.0' is also the answer code '8'" in _refused(book)


def test_yaml_numbers_are_codes_too(book):
    data = copy.deepcopy(book)
    for a in data["questions"][0]["answers"]:
        a["code"] = int(a["code"])
    q1 = parse_codebook(data).question("q1")
    assert [o.code for o in q1.answers] == ["1", "2"]


# --- codes by value -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("6", "6.0"),
        (" 6 ", "6"),
        ("06", "6"),
        ("6.50", "6.5"),
        ("-0", "0.0"),
        (".5", "0.5"),
        ("1e1", "10"),
        (6, "6.0"),
    ],
)
def test_numbers_compare_by_value(a, b):
    assert code_key(a) == code_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Yes", "yes"),
        ("6a", "6"),
        ("6.0.1", "6.0"),
        ("1_000", "1000"),
        ("six", "6"),
        ("NaN", "nan"),
    ],
)
def test_text_compares_as_text(a, b):
    assert code_key(a) != code_key(b)


@given(st.integers(-(10**6), 10**6), st.integers(0, 4), st.sampled_from(["", " ", "  "]))
def test_any_spelling_of_an_integer_is_that_integer(n, zeros, pad):
    spelled = f"{pad}{n}.{'0' * zeros}{pad}" if zeros else f"{pad}{n}{pad}"
    assert code_key(spelled) == str(n)
    assert code_index([str(n)])[code_key(spelled)] == str(n)


@pytest.mark.parametrize(
    ("edit", "line_of"),
    [
        ("    missing_code:\n", "missing_code:"),
        ("    breakdowns: [nowhere]\n", "breakdowns: [nowhere]"),
    ],
)
def test_a_codebook_file_s_error_names_its_line(tmp_path, edit, line_of):
    text = (ROOT / BOOKS[1]).read_text(encoding="utf-8")
    anchor = "  short: Yes/no 1\n"
    assert anchor in text
    bad = text.replace(
        anchor,
        anchor + edit.replace("    ", "  ", 1) + ("  - '9'\n" if "missing_code:" in edit else ""),
        1,
    )
    path = tmp_path / "codebook.yaml"
    path.write_text(bad, encoding="utf-8")
    line = bad.splitlines().index(next(x for x in bad.splitlines() if line_of in x)) + 1
    with pytest.raises(CodebookError, match=rf"^{re.escape(str(path))}:{line}: "):
        load_codebook(path)
