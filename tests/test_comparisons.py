"""Group comparisons (tests of independence) against R: fisher.test, chisq.test, p.adjust, svychisq.

The references are tests/references/independence/reference.csv, made by make_reference.R
beside it (R 4.2.2, survey 4.1.1) from the committed respondent tables; R is never run
here. Tolerances: exact and Pearson p-values 1e-9 (relative; both are closed forms or exact
sums in double precision, R's FEXACT and this enumeration add the same terms in another
order); Rao-Scott 1e-6 relative: svy and R survey compute the same eigenvalues of the
design-based covariance by different linear algebra, which the project's other design
references (tests/test_weighted_survey.py) also compare at 1e-6.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from project_copy import project_stats

from helpers.core import handoff
from helpers.core.codebook import load_codebook
from helpers.core.params import StatsParams
from helpers.pipeline.config import load_params
from helpers.summarize import comparisons
from helpers.summarize.summaries import summarize

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests/references/independence/reference.csv"
EXACT_REL = 1e-9
DESIGN_REL = 1e-6


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    return pl.read_csv(REFERENCE, schema_overrides={"df": pl.Float64}).to_dicts()


def _table(text: str) -> np.ndarray:
    return np.array([[int(v) for v in row.split(",")] for row in text.split(";")])


def _refs(reference: list[dict], kind: str) -> list[dict]:
    rows = [r for r in reference if r["kind"] == kind]
    assert rows, kind
    return rows


def test_exact_enumeration_equals_r_fisher_test(reference):
    for ref in _refs(reference, "fisher"):
        table = comparisons.prune(_table(ref["table"]))
        count = comparisons.count_tables(table.sum(axis=1).tolist(), table.sum(axis=0).tolist())
        if count is None or count > comparisons.EXACT_MAX_TABLES:
            continue  # beyond the enumeration (test_monte_carlo_...)
        assert comparisons.fisher_exact_p(table) == pytest.approx(ref["p"], rel=EXACT_REL,
                                                                  abs=1e-12), ref  # fmt: skip


def test_two_by_two_equals_scipy_fisher_exact(reference):
    from scipy.stats import fisher_exact

    two = [_table(r["table"]) for r in _refs(reference, "fisher")
           if comparisons.prune(_table(r["table"])).shape == (2, 2)]  # fmt: skip
    rng = np.random.default_rng(5)
    two += [rng.integers(0, 12, size=(2, 2)) + 1 for _ in range(20)]
    for table in two:
        assert comparisons.fisher_exact_p(table) == pytest.approx(
            fisher_exact(table).pvalue, rel=EXACT_REL), table.tolist()  # fmt: skip


def test_pearson_equals_r_chisq_test(reference):
    for ref in _refs(reference, "pearson"):
        got = comparisons.pearson(_table(ref["table"]))
        assert got.statistic == pytest.approx(ref["statistic"], rel=EXACT_REL)
        assert got.df == ref["df"]
        assert got.p == pytest.approx(ref["p"], rel=EXACT_REL)


def test_monte_carlo_is_near_the_exact_p_and_reproducible(reference):
    (ref,) = [r for r in _refs(reference, "fisher") if r["survey"] == "invented_example"
              and (r["question"], r["group"]) == ("q2", "region")]  # fmt: skip
    table = _table(ref["table"])
    resamples = 20_000
    forced = comparisons.exact(table, resamples, [1, 2], max_tables=0)
    assert forced.method == "fisher_monte_carlo"
    se = (ref["p"] * (1 - ref["p"]) / resamples) ** 0.5
    assert abs(forced.p - ref["p"]) <= 4 * se, (forced.p, ref["p"], se)
    again = comparisons.exact(table, resamples, [1, 2], max_tables=0)
    assert again.p.hex() == forced.p.hex()


def test_adjustment_equals_r_p_adjust(reference):
    for method, r_name in (("holm", "holm"), ("bh", "BH")):
        rows = sorted((r for r in _refs(reference, "p_adjust") if r["group"] == r_name),
                      key=lambda r: r["df"])  # fmt: skip
        got = comparisons.adjust([r["p"] for r in rows], method)
        assert got == pytest.approx([r["statistic"] for r in rows], rel=EXACT_REL)
    assert comparisons.adjust([0.01, 0.5], "none") == [0.01, 0.5]


def _summaries(survey: str, keep: pl.Expr | None = None, **changes: object) -> pl.DataFrame:
    """summarize() in memory on a survey's committed hand-off, with its own parameters."""
    params = load_params(ROOT).for_survey(survey)
    book_path = ROOT / params["survey"]["codebook"]
    book = load_codebook(book_path)
    kind = params["survey"]["input_kind"]
    processed = ROOT / "data/processed" / survey
    responses = handoff.read_responses(processed / "responses.parquet", book, kind, book_path)
    if keep is not None:
        responses = responses.filter(keep)
    free_text = handoff.read_free_text(processed / "free_text.parquet", kind, book_path)
    sp = StatsParams(**{**params["stats"], **changes})
    return summarize(responses, free_text, book, sp).figures


@pytest.fixture(scope="module")
def tests_of() -> dict[str, dict[str, dict]]:
    out = {}
    for survey in ("oas_2013", "invented_example", "anes96", "nhanes2"):
        figures = _summaries(survey).filter(pl.col("kind") == "test")
        out[survey] = {r["figure_id"]: r for r in figures.iter_rows(named=True)}
    return out


def test_every_survey_gets_its_test_rows_as_references_say(tests_of, reference):
    checked = 0
    for ref in reference:
        if ref["kind"] in ("p_adjust",) or ref["kind"] == "svychisq_Chisq":
            continue
        got = tests_of[ref["survey"]]
        prefix = f"{ref['question']}.{ref['group']}.test"
        p = got[f"{prefix}.p"]
        if ref["kind"] == "fisher" and p["ci_method"] != "fisher_exact":
            continue  # a Monte Carlo p-value or Pearson's: not this reference
        if ref["kind"] == "pearson":
            assert p["ci_method"] == "pearson_chi2"
            assert got[f"{prefix}.statistic"]["estimate"] == pytest.approx(ref["statistic"],
                                                                           rel=EXACT_REL)
            assert got[f"{prefix}.df"]["estimate"] == ref["df"]
        rel = DESIGN_REL if ref["kind"].startswith("svychisq") else EXACT_REL
        if ref["kind"] == "svychisq_F":
            assert p["ci_method"] == "rao_scott_f"
            assert got[f"{prefix}.statistic"]["estimate"] == pytest.approx(ref["statistic"],
                                                                           rel=rel)
            assert got[f"{prefix}.df"]["estimate"] == pytest.approx(ref["df"], rel=rel)
            assert str(round(ref["ddf"], 2)) in got[f"{prefix}.df"]["answer"]
        assert p["estimate"] == pytest.approx(ref["p"], rel=rel, abs=1e-300), prefix
        assert p["n"] == p["base"] == int(_table(ref["table"]).sum())
        checked += 1
    assert checked >= 15
    for survey, rows in tests_of.items():  # one family per survey: Holm over all its tests
        ps = [r for fid, r in rows.items() if fid.endswith(".test.p")]
        adjusted = comparisons.adjust([r["estimate"] for r in ps], "holm")
        for r, a in zip(ps, adjusted, strict=True):
            got = rows[r["figure_id"] + "_adjusted"]
            assert got["estimate"] == pytest.approx(a, rel=1e-11), survey
            assert got["ci_method"] == "holm"


def test_rao_scott_first_order_equals_svychisq_chisq(reference):
    """stats.design_test = rao_scott_chisq: svychisq(statistic = "Chisq").

    On pairs without missing answers only: where some are missing, R's first-order
    statistic is scaled to the whole design's sample size (svychisq's Ntotal counts the
    rows with a missing answer too), svy's to the table's respondents; the F test (the
    default) does not depend on that scale and is checked on every pair above.
    """
    figures = _summaries("nhanes2", design_test="rao_scott_chisq")
    rows = {r["figure_id"]: r for r in figures.iter_rows(named=True)}
    everyone = int(rows["respondents.all.all"]["n"])
    checked = 0
    for ref in _refs(reference, "svychisq_Chisq"):
        prefix = f"{ref['question']}.{ref['group']}.test"
        if rows[f"{prefix}.p"]["n"] != everyone:
            continue
        checked += 1
        assert rows[f"{prefix}.p"]["ci_method"] == "rao_scott_chisq"
        assert rows[f"{prefix}.statistic"]["estimate"] == pytest.approx(ref["statistic"],
                                                                        rel=DESIGN_REL)
        assert rows[f"{prefix}.df"]["estimate"] == ref["df"]
        assert rows[f"{prefix}.p"]["estimate"] == pytest.approx(ref["p"], rel=DESIGN_REL)
    assert checked == 2  # highbp and region by race


def test_auto_picks_exact_below_min_expected_and_pearson_otherwise():
    sp = project_stats()
    small = np.array([[3, 1], [1, 4]])  # expected counts below 5
    large = np.array([[30, 12], [14, 41]])
    assert comparisons.expected_counts(small).min() < sp.test_min_expected
    assert comparisons.expected_counts(large).min() >= sp.test_min_expected
    got = comparisons.independence(small, "auto", sp.test_min_expected, 1000, [0])
    assert got.method == "fisher_exact"
    got = comparisons.independence(large, "auto", sp.test_min_expected, 1000, [0])
    assert got.method == "pearson_chi2"
    # the threshold is the parameter's: with 0, the small table is Pearson's
    assert comparisons.independence(small, "auto", 0, 1000, [0]).method == "pearson_chi2"
    assert comparisons.independence(large, "exact", 5, 1000, [0]).method == "fisher_exact"


def test_a_pair_with_one_non_empty_level_gets_no_test():
    assert comparisons.independence(np.array([[0, 0], [3, 4]]), "auto", 5, 100, [0]) is None
    assert comparisons.independence(np.array([[3, 0], [4, 0]]), "auto", 5, 100, [0]) is None
    pruned = comparisons.prune(np.array([[0, 0, 0], [3, 0, 1], [2, 0, 5]]))
    assert pruned.tolist() == [[3, 1], [2, 5]]


def test_a_breakdown_with_one_level_left_has_no_test_rows(tests_of):
    """Only registered organizations: q1 and q2 by registration are not tested; others are."""
    figures = _summaries("oas_2013", pl.col("oas_registered").cast(pl.String) == "registered")
    ids = set(figures.filter(pl.col("kind") == "test")["figure_id"])
    assert not any(i.startswith(("q1.oas_registered.", "q2.oas_registered.")) for i in ids)
    assert "q1.oas_registered.test.p" in tests_of["oas_2013"]
    assert "q2.q1.test.p" in ids


def test_every_comparison_has_its_four_rows(tests_of):
    """Ids are unique and stable; every comparison has its four rows, and only those."""
    for rows in tests_of.values():
        prefixes = {fid.rsplit(".", 1)[0] for fid in rows}
        assert {f"{p}.{s}" for p in prefixes for s in
                ("statistic", "df", "p", "p_adjusted")} == set(rows)  # fmt: skip
        for r in rows.values():
            assert (r["kind"], r["group_code"], r["stat"]) == ("test", "test", r["answer_code"])


RANK_REFERENCE = ROOT / "tests/references/independence/rank_reference.csv"


def test_numeric_questions_get_rank_tests_equal_to_r(tests_of):
    """Kruskal–Wallis (unweighted) equals R's kruskal.test; the design-based rank test
    (weighted NHANES II, three groups and two) equals survey's svyranktest."""
    refs = pd.read_csv(RANK_REFERENCE, keep_default_na=False, na_values=[""])
    assert len(refs) == 11
    for ref in refs.to_dict("records"):
        prefix = f"{ref['question']}.{ref['group']}.test"
        if pd.notna(ref["subset"]):  # the design built on two groups' rows only
            got = {r["figure_id"]: r for r in _summaries(
                "nhanes2", pl.col("race").cast(pl.String) != "3").filter(
                pl.col("kind") == "test").iter_rows(named=True)}  # fmt: skip
        else:
            got = tests_of[ref["survey"]]
        p, stat, df = got[f"{prefix}.p"], got[f"{prefix}.statistic"], got[f"{prefix}.df"]
        rel = EXACT_REL if ref["kind"] == "kruskal" else DESIGN_REL
        assert p["ci_method"] == ("kruskal_wallis" if ref["kind"] == "kruskal"
                                  else "design_rank_test"), prefix  # fmt: skip
        assert p["estimate"] == pytest.approx(ref["p"], rel=rel), prefix
        assert stat["estimate"] == pytest.approx(ref["statistic"], rel=rel), prefix
        assert df["estimate"] == ref["df"] and p["n"] == ref["n"], prefix
        if ref["kind"] == "svyranktest" and pd.notna(ref["ddf"]):
            assert f"denominator {ref['ddf']:.2f}" in df["answer"], df["answer"]
