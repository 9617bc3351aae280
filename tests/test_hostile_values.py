"""Hostile values (issue 23, item 5): a code cell of 1e1000000, a numeric cell of 1e308, a
group of 1,000 levels. Each is set aside or computed, never a crash or a huge key."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from project_copy import project_stats

from helpers.clean.export import clean_export
from helpers.core.codebook import parse_codebook
from helpers.core.codes import code_index, code_key
from helpers.core.handoff import as_pandas
from helpers.core.stats import round_decimal
from helpers.extract.export import read_export
from helpers.summarize.comparisons import count_tables, independence
from helpers.summarize.exact_test import _compositions
from helpers.summarize.summaries import summarize
from helpers.tools.synthetic_survey import make_codebook

HEADER = "RESP_ID,REGION,ORG_TYPE,Q1,Q2,COMMENT\n"


def test_code_keys_of_hostile_numbers_are_short_and_compare_by_value():
    # today: decimal.Overflow for 1e1000000, a 1,000,000-character key for 1e999999
    assert code_key("1e1000000") == "1e1000000"
    assert code_key("1e999999") == code_key("10e999998") == code_key("0.1E+1000000") == "1e999999"
    assert code_key("-1e-999999") == "-1e-999999" != code_key("1e-999999")
    assert len(code_key("1e" + "9" * 30)) < 40  # an exponent beyond any number: text
    assert max(len(code_key(c)) for c in ("1e999999", "1e-999999", "9" * 100)) < 110
    # ordinary spellings keep their keys (the plain decimal form)
    assert [code_key(c) for c in ("6", "6.0", " 6 ", 6.0, "06", "-0", "6.50", ".5", "1e3")] == [
        "6",
        "6",
        "6",
        "6",
        "6",
        "0",
        "6.5",
        "0.5",
        "1000",
    ]
    assert code_key("0.001") == "0.001" and code_key("1E-3") == "0.001"
    # exact beyond 28 digits (Decimal's default precision merged these two)
    assert code_key("1." + "0" * 40 + "1") != code_key("1")
    assert code_index(["1", "1e999999"]) == {"1": "1", "1e999999": "1e999999"}


@pytest.mark.parametrize("cell", ["1e1000000", "1e999999", "-1e-999999", "1e99999999999999999999"])
def test_a_hostile_code_cell_is_set_aside_at_its_line(tmp_path: Path, cell: str):
    book = parse_codebook(make_codebook(2))
    path = tmp_path / "export.csv"
    path.write_text(HEADER + f"a,1,Network,{cell},4,x\nb,1,Network,1,4,y\n", encoding="utf-8")
    result, _ = clean_export(read_export(path, book), book, str(path))
    rejects = as_pandas(result.rejects)
    assert rejects[["source_line", "question", "respondent_id"]].values.tolist() == [[2, "q1", "a"]]
    assert rejects["reason"].iloc[0] == (
        f"code '{cell}' is not a q1 code in the codebook (answers: 1, 2; missing: 9)"
    )
    assert as_pandas(result.responses)["q1"].astype("string").tolist()[1] == "1"


def test_rounding_takes_any_float_and_names_an_overflow():
    # today: decimal.InvalidOperation (quantize needs more than 28 digits)
    from helpers.core.stats import non_finite_name

    assert round_decimal(1e308, 1, "half_even") == Decimal("1e308")
    assert round_decimal(-1e300, 2, "half_away_from_zero") == Decimal("-1e300")
    assert round_decimal(2.25, 1, "half_even") == Decimal("2.2")  # unchanged
    assert str(round_decimal(math.inf, 1, "half_even")) == "Infinity"
    assert str(round_decimal(math.nan, 1, "half_even")) == "NaN"
    assert "overflow" in non_finite_name("Infinity") and "overflow" in non_finite_name("-inf")
    assert non_finite_name("12.5") is None


def test_a_numeric_value_of_1e308_is_set_aside_at_its_line(tmp_path: Path):
    raw = make_codebook(2)
    raw["questions"].insert(
        0,
        {
            "id": "age",
            "column": "AGE",
            "type": "numeric",
            "text": "Age?",
            "short": "Age",
            "missing_codes": ["-9"],
        },
    )
    book = parse_codebook(raw)
    path = tmp_path / "export.csv"
    path.write_text(
        "RESP_ID,REGION,ORG_TYPE,AGE,Q1,Q2,COMMENT\n"
        "a,1,Network,1e308,1,4,x\nb,1,Network,-1e308,1,4,y\n"
        "c,1,Network,42,1,4,z\n",
        encoding="utf-8",
    )
    result, free = clean_export(read_export(path, book), book, str(path))
    rejects = {r["source_line"]: r["reason"] for r in result.rejects.to_dicts()}
    assert rejects[2] == (
        "'1e308' is out of range (age is numeric; absolute value at most "
        "1e+150, so that sums of squares stay finite; missing codes: -9)"
    )
    assert 3 in rejects and 4 not in rejects
    out = summarize(result.responses, free, book, project_stats())  # today: InvalidOperation
    rows = {r["figure_id"]: r for r in out.figures.to_dicts()}
    assert rows["age.all.all.mean"]["estimate"] == 42.0


def test_compositions_need_no_recursion():
    # today: RecursionError past about 1,000 parts
    assert list(_compositions(2, (1, 1, 1))) == [(0, 1, 1), (1, 0, 1), (1, 1, 0)]
    assert list(_compositions(3, (5,))) == [(3,)] and list(_compositions(6, (5,))) == []
    many = next(_compositions(1, (1,) * 5000))
    assert len(many) == 5000 and sum(many) == 1
    assert count_tables([1] * 30, [15, 15]) is None  # too many to enumerate: budget


def test_a_group_of_1000_levels_is_tested(recwarn):
    # today: RecursionError in the exact test; now past EXACT_MAX_TABLES (counted within
    # COUNT_BUDGET steps) it is the Monte Carlo p-value, as the method section says
    table = np.array([[1, 0]] * 1000 + [[0, 1]] * 2)
    result = independence(table, "exact", 5, 99, [1, 2])
    assert result.method == "fisher_monte_carlo" and result.resamples == 99
    assert 0 < result.p <= 1
    assert independence(table, "auto", 5, 99, [1, 2]).method == "fisher_monte_carlo"
    assert independence(table, "pearson", 5, 99, [1, 2]).method == "pearson_chi2"
