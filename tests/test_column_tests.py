"""Column-proportion tests (helpers.summarize.column_tests) against independent computations.

Real data: the ANES 1996 subset statsmodels ships (data/examples/anes96, public domain)
for the unweighted z tests, recomputed here by statsmodels' ``proportions_ztest`` and
``multipletests`` from the cells' counts; NHANES II as samplics ships it
(data/examples/nhanes2, U.S. public domain) for the design-based differences, against R
survey's ``svyby(covmat = TRUE)`` + ``svycontrast`` stored in
tests/references/column_tests/nhanes2_race.csv by make_reference.R beside it (R is never
run here). Compared relatively (1e-6).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import polars as pl
import pytest
from project_copy import project_stats, summarized

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import load_codebook
from helpers.core.small_base import SmallBasePolicy
from helpers.extract.respondents import first_record, read_respondents
from helpers.summarize.column_design import difference
from helpers.summarize.column_tests import adjusted, pair_rule, z_test
from helpers.summarize.summaries import summarize
from helpers.summarize.weighting import survey_design

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests/references/column_tests/nhanes2_race.csv"
REL = 1e-6
SURVEYS = {
    "anes96": (
        ROOT / "data/examples/anes96/codebook.yaml",
        ROOT / "data/examples/anes96/survey.csv",
    ),
    "nhanes2": (
        ROOT / "data/examples/nhanes2/codebook.yaml",
        ROOT / "data/examples/nhanes2/nhanes2.csv",
    ),
}


@functools.cache
def cleaned(survey: str):
    """(codebook, responses, free text) of a shipped survey's export, through clean."""
    codebook, export = SURVEYS[survey]
    book = load_codebook(codebook)
    result, free = clean_export(read_respondents(export, book, "respondent_csv"), book, str(export))
    responses = check_export_responses(
        result.responses, book, "responses", first_record("respondent_csv")
    )
    return book, responses, free


@functools.cache
def figures(survey: str, **changes) -> pl.DataFrame:
    book, responses, free = cleaned(survey)
    sp = project_stats(quantile_method="higher", **changes)
    return pl.from_pandas(summarized(responses, free, book, sp).figures)


def cells_of(table: pl.DataFrame) -> dict[tuple[str, str, str, str], dict]:
    """{(question, group, group code, answer code): the answer's row}."""
    rows = table.filter(pl.col("kind").is_in(["answer", "net"]))
    return {
        (r["question"], r["group"], r["group_code"], r["answer_code"]): r
        for r in rows.iter_rows(named=True)
    }


def test_z_pooled_equals_statsmodels_on_anes96() -> None:
    """Every test's adjusted p equals statsmodels' z test, Bonferroni over its row's pairs."""
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportions_ztest

    table = figures("anes96")
    cells = cells_of(table)
    tests = table.filter(pl.col("kind") == "column_test")
    assert tests.height > 500
    by_row: dict[tuple[str, str, str], list[dict]] = {}
    for r in tests.iter_rows(named=True):
        by_row.setdefault((r["question"], r["group"], r["answer_code"]), []).append(r)
    for (q, group, answer), rows in by_row.items():
        ps = []
        for r in rows:
            a, b = r["group_code"].split("_vs_")
            ca, cb = cells[(q, group, a, answer)], cells[(q, group, b, answer)]
            _, p = proportions_ztest([ca["n"], cb["n"]], [ca["base"], cb["base"]])
            ps.append(p)
            assert r["n"] == r["base"] == ca["base"] + cb["base"]
        want = multipletests(ps, method="bonferroni")[1]
        for r, w in zip(rows, want, strict=True):
            assert r["estimate"] == pytest.approx(w, rel=REL, abs=1e-12), r["figure_id"]
    # some letters are earned, some are not: the tests can fail both ways
    assert (tests["estimate"] < 0.05).any() and (tests["estimate"] >= 0.05).any()


def test_unpooled_and_holm() -> None:
    """z_unpooled's SE is each share's own; Holm equals statsmodels' on INVENTED p-values."""
    from statsmodels.stats.multitest import multipletests

    test = z_test(30, 100, 45, 110, pooled=False)
    assert test is not None
    se = math.sqrt(0.3 * 0.7 / 100 + (45 / 110) * (65 / 110) / 110)
    assert test.se == pytest.approx(se, rel=1e-12)
    ps = [0.01, 0.04, 0.03, 0.2, 0.0004, 0.5]  # INVENTED
    for method in ("holm", "bonferroni"):
        assert adjusted(ps, method) == pytest.approx(list(multipletests(ps, method=method)[1]))
    assert z_test(0, 50, 0, 60) is None  # no standard error: not a test


def test_design_differences_equal_r_survey() -> None:
    """NHANES II by race: difference, SE, p and adjusted p equal R's svycontrast."""
    book, responses, free = cleaned("nhanes2")
    sp = project_stats(quantile_method="higher")
    design = survey_design(responses, book, sp)
    reference = pl.read_csv(
        REFERENCE, schema_overrides={"answer": pl.String, "a": pl.String, "b": pl.String}
    )
    table = figures("nhanes2")
    by_id = {r["figure_id"]: r for r in table.iter_rows(named=True)}
    for ref in reference.iter_rows(named=True):
        q, k, a, b = ref["question"], ref["answer"], ref["a"], ref["b"]
        found = difference(design, (q, k, "race", a), (q, k, "race", b))
        assert found is not None
        diff, se, df = found
        assert diff == pytest.approx(ref["diff"], rel=REL)
        assert se == pytest.approx(ref["se"], rel=REL)
        assert df == 31
        fig = by_id[f"{q}.race.{a}_vs_{b}.{k}"]
        assert fig["estimate"] == pytest.approx(ref["p_bonferroni"], rel=REL)
        assert f"p = {ref['p']:.4g}" in fig["answer"]
    assert reference.height == 30


def test_small_groups_are_not_compared() -> None:
    """A group under the small-base threshold gives and receives no test."""
    book, responses, free = cleaned("nhanes2")
    sp = project_stats(quantile_method="higher")
    table = summarize(responses, free, book, sp, SmallBasePolicy(201, "flag")).figures
    tests = table.filter(pl.col("kind") == "column_test")
    # race "Other" (code 3) has 200 respondents with highbp: under 201
    assert not tests.filter(
        (pl.col("question") == "highbp") & pl.col("group_code").str.contains("3")
    ).height
    assert tests.filter(pl.col("question") == "highbp").height == 2  # 1 vs 2, two answers
    none = summarize(responses, free, book, project_stats(column_test="none")).figures
    assert not none.filter(pl.col("kind") == "column_test").height


def test_pair_rule_selects_both_groups() -> None:
    """A test's rule selects the respondents of either group who answered."""
    rule = pair_rule('{"q": "<answered>", "race": "1"}', '{"q": "<answered>", "race": "2"}')
    assert rule == '{"q": "<answered>", "race": ["1", "2"]}'


def test_a_code_that_spells_a_pair_is_refused() -> None:
    """A group code written like a pair ('1_vs_2') would make a column test's id twice."""
    import yaml

    from helpers.core.codebook import parse_codebook
    from helpers.core.errors import CodebookError

    data = yaml.safe_load(SURVEYS["nhanes2"][0].read_text(encoding="utf-8"))
    data["groups"][0]["values"].append({"code": "1_vs_2", "label": "INVENTED"})
    with pytest.raises(CodebookError, match=r"highbp\.race\.1_vs_2\.1.*column test"):
        parse_codebook(data)
