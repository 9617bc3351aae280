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
        assert comparisons.fisher_exact_p(table) == pytest.approx(
            ref["p"], rel=EXACT_REL, abs=1e-12
        ), ref


def test_two_by_two_equals_scipy_fisher_exact(reference):
    from scipy.stats import fisher_exact

    two = [
        _table(r["table"])
        for r in _refs(reference, "fisher")
        if comparisons.prune(_table(r["table"])).shape == (2, 2)
    ]
    rng = np.random.default_rng(5)
    two += [rng.integers(0, 12, size=(2, 2)) + 1 for _ in range(20)]
    for table in two:
        assert comparisons.fisher_exact_p(table) == pytest.approx(
            fisher_exact(table).pvalue, rel=EXACT_REL
        ), table.tolist()


def test_pearson_equals_r_chisq_test(reference):
    for ref in _refs(reference, "pearson"):
        got = comparisons.pearson(_table(ref["table"]))
        assert got.statistic == pytest.approx(ref["statistic"], rel=EXACT_REL)
        assert got.df == ref["df"]
        assert got.p == pytest.approx(ref["p"], rel=EXACT_REL)


def test_monte_carlo_is_near_the_exact_p_and_reproducible(reference):
    (ref,) = [
        r
        for r in _refs(reference, "fisher")
        if r["survey"] == "invented_example" and (r["question"], r["group"]) == ("q2", "region")
    ]
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
        rows = sorted(
            (r for r in _refs(reference, "p_adjust") if r["group"] == r_name), key=lambda r: r["df"]
        )
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
            assert got[f"{prefix}.statistic"]["estimate"] == pytest.approx(
                ref["statistic"], rel=EXACT_REL
            )
            assert got[f"{prefix}.df"]["estimate"] == ref["df"]
        rel = DESIGN_REL if ref["kind"].startswith("svychisq") else EXACT_REL
        if ref["kind"] == "svychisq_F":
            assert p["ci_method"] == "rao_scott_f"
            assert got[f"{prefix}.statistic"]["estimate"] == pytest.approx(
                ref["statistic"], rel=rel
            )
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
        assert rows[f"{prefix}.statistic"]["estimate"] == pytest.approx(
            ref["statistic"], rel=DESIGN_REL
        )
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
        assert {
            f"{p}.{s}" for p in prefixes for s in ("statistic", "df", "p", "p_adjusted")
        } == set(rows)
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
            got = {
                r["figure_id"]: r
                for r in _summaries("nhanes2", pl.col("race").cast(pl.String) != "3")
                .filter(pl.col("kind") == "test")
                .iter_rows(named=True)
            }
        else:
            got = tests_of[ref["survey"]]
        p, stat, df = got[f"{prefix}.p"], got[f"{prefix}.statistic"], got[f"{prefix}.df"]
        rel = EXACT_REL if ref["kind"] == "kruskal" else DESIGN_REL
        assert p["ci_method"] == (
            "kruskal_wallis" if ref["kind"] == "kruskal" else "design_rank_test"
        ), prefix
        assert p["estimate"] == pytest.approx(ref["p"], rel=rel), prefix
        assert stat["estimate"] == pytest.approx(ref["statistic"], rel=rel), prefix
        assert df["estimate"] == ref["df"] and p["n"] == ref["n"], prefix
        if ref["kind"] == "svyranktest" and pd.notna(ref["ddf"]):
            assert f"denominator {ref['ddf']:.2f}" in df["answer"], df["answer"]


# --- issue 22 ---------------------------------------------------------------------------------

TINY = ROOT / "tests/references/tiny_p/reference.csv"


@pytest.fixture(scope="module")
def tiny() -> dict[str, dict]:
    """tests/references/tiny_p/reference.csv (make_reference.R beside it), by kind or pair."""
    refs = pd.read_csv(TINY, keep_default_na=False, na_values=["NA", ""])
    return {
        (r["kind"] if r["kind"] != "fisher_mc" else f"{r['question']}.{r['group']}"): r
        for r in refs.to_dict("records")
    }


def _nhanes_sample():
    """svy's sample of NHANES II with two variables built from the real data (see the R script)."""
    import svy

    data = pl.read_csv(ROOT / "data/examples/nhanes2/nhanes2.csv").with_columns(
        shalf=(pl.col("stratid") >= 16).cast(pl.Int64).cast(pl.String),
        zhi=(pl.col("zinc") >= 90).cast(pl.Int64).cast(pl.String),
        region=pl.col("region").cast(pl.String),
    )
    return svy.Sample(data=data, design=svy.Design(stratum="stratid", psu="psuid", wgt="finalwgt"))


def test_rao_scott_p_far_below_1e_16_is_not_zero_and_equals_r(tiny):
    """svy's TableStats says p = 0.0 (1 - CDF); R's svychisq says 2.1e-30 (F) and 9.6e-129
    (first-order chi-square). The p-values are recomputed by survival functions."""
    stats = _nhanes_sample().categorical.tabulate("shalf", "region", drop_nulls=True).stats
    f_ref, chisq_ref = tiny["svychisq_F"], tiny["svychisq_Chisq"]
    got = comparisons.rao_scott(stats, "rao_scott_f", 10337)
    assert got.statistic == pytest.approx(f_ref["statistic"], rel=DESIGN_REL)
    assert (got.df, got.df_denominator) == pytest.approx(
        (f_ref["df"], f_ref["ddf"]), rel=DESIGN_REL
    )
    assert f_ref["p"] < 1e-20
    assert got.p == pytest.approx(f_ref["p"], rel=DESIGN_REL)
    first = comparisons.rao_scott(stats, "rao_scott_chisq", 10337)
    assert first.statistic == pytest.approx(chisq_ref["statistic"], rel=DESIGN_REL)
    assert first.df == chisq_ref["df"]
    assert first.p == pytest.approx(chisq_ref["p"], rel=DESIGN_REL)
    # adjusted over a family of three (R: p.adjust(c(p, 0.01, 0.5), "holm")[1] = 3 p)
    holm, bh = (comparisons.adjust([got.p, 0.01, 0.5], m)[0] for m in ("holm", "bh"))
    assert holm == pytest.approx(3 * f_ref["p"], rel=DESIGN_REL) and holm > 0
    assert bh == pytest.approx(3 * f_ref["p"], rel=DESIGN_REL) and bh > 0
    assert comparisons.shown_p(got.p, "half_away_from_zero") == "<0.001"


def test_design_rank_test_p_far_below_1e_16_equals_r(tiny):
    """svyranktest(zinc ~ zhi): t = 117.4 on 30 df, p = 1.6e-41 (2 t.sf(|t|, df))."""
    ref = tiny["svyranktest"]
    result = _nhanes_sample().categorical.ranktest(
        "zinc", group="zhi", score="kruskal-wallis", drop_nulls=True
    )
    got = comparisons.design_rank(comparisons.RankTest.of_svy(result), 9189)
    assert got.statistic == pytest.approx(ref["statistic"], rel=DESIGN_REL)
    assert got.df == ref["df"]
    assert got.p == pytest.approx(ref["p"], rel=DESIGN_REL) and got.p < 1e-40


def _anes_mc(tiny) -> list[dict]:
    return [r for r in tiny.values() if r["kind"] == "fisher_mc"]


def test_monte_carlo_p_counts_tables_as_r_fisher_test(tiny):
    """R's fisher.test(simulate.p.value = TRUE, B = 10000): p = (1 + as extreme) / (B + 1).

    Where R drew no table as extreme (eight ANES tables: p = 1/10001 whatever the seed), so
    does this; elsewhere the two estimates differ by Monte Carlo error only.
    """
    for ref in _anes_mc(tiny):
        table = _table(ref["table"])
        got = comparisons.exact(table, int(ref["B"]), [20130701, 22], max_tables=0)
        assert got.method == "fisher_monte_carlo" and got.monte_carlo
        assert got.resamples == ref["B"] == 10_000
        assert got.p == (1 + got.extreme) / (got.resamples + 1)
        if ref["p"] == pytest.approx(1 / 10_001, rel=1e-12):
            assert got.extreme == 0 and got.p == pytest.approx(ref["p"], rel=1e-12)
            assert comparisons.shown_test_p(got, "half_away_from_zero") == "<0.0001"
        else:
            se = (ref["p"] * (1 - ref["p"]) / ref["B"]) ** 0.5
            assert abs(got.p - ref["p"]) <= 4 * 2**0.5 * se, (got.p, ref["p"])
            assert comparisons.shown_test_p(got, "half_away_from_zero") == comparisons.shown_p(
                got.p, "half_away_from_zero"
            )


@pytest.fixture(scope="module")
def anes_tests() -> dict[str, dict]:
    figures = _summaries("anes96").filter(pl.col("kind") == "test")
    return {r["figure_id"]: r for r in figures.iter_rows(named=True)}


def test_a_monte_carlo_p_says_so_in_summaries(anes_tests, tiny):
    """Its method, the number of tables, and the bound when no table was as extreme."""
    floor = [r for r in _anes_mc(tiny) if r["p"] == pytest.approx(1 / 10_001, rel=1e-12)]
    assert len(floor) == 8
    for ref in _anes_mc(tiny):
        prefix = f"{ref['question']}.{ref['group']}.test"
        p, adj = anes_tests[f"{prefix}.p"], anes_tests[f"{prefix}.p_adjusted"]
        assert p["ci_method"] == "fisher_monte_carlo"
        assert p["answer"] == "Fisher–Freeman–Halton test, Monte Carlo p-value (10,000 tables)"
        assert adj["answer"].startswith(p["answer"] + ", Holm-adjusted over the survey's ")
        assert comparisons.monte_carlo_of(p["answer"], p["estimate"])[0] == 10_000
        if ref in floor:
            assert p["estimate"] == pytest.approx(ref["p"], rel=1e-12)
            assert p["shown"] == "<0.0001"
            assert comparisons.monte_carlo_of(p["answer"], p["estimate"]) == (10_000, 0)


def test_auto_uses_pearson_wherever_every_expected_count_allows(anes_tests):
    """ANES 1996: the tables tested by Monte Carlo have expected counts below
    stats.test_min_expected (scipy's expected_freq); every table whose expected counts are
    all at least that is tested by Pearson's chi-square."""
    from scipy.stats.contingency import expected_freq

    sp = project_stats()
    figures = _summaries("anes96").to_pandas()
    book = load_codebook(ROOT / "data/examples/anes96/codebook.yaml")
    seen = 0
    for fid, row in anes_tests.items():
        if not fid.endswith(".test.p") or book.question(row["question"]).type == "numeric":
            continue
        rows = figures[
            (figures["question"] == row["question"])
            & (figures["group"] == row["group"])
            & (figures["kind"] == "answer")
        ]
        table = rows.pivot_table(
            index="group_code", columns="answer_code", values="n", aggfunc="sum"
        ).to_numpy()
        table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
        smallest = float(expected_freq(table).min())
        method = "pearson_chi2" if smallest >= sp.test_min_expected else "fisher"
        assert row["ci_method"].startswith(method), (fid, smallest, row["ci_method"])
        seen += 1
    assert seen == 13


def _invented_pair_survey(tmp_path: Path):
    """An INVENTED survey (not real data): q1 broken down by q2, q2 by q1, and q1 also by
    ``answer2``, a group reading q2's column; 40 invented respondents."""
    from helpers.clean.export import clean_export
    from helpers.core.codebook import parse_codebook
    from helpers.extract.export import read_export

    raw = {
        "survey": {"id": "invented_pairs", "title": "INVENTED pairs survey (not real data)"},
        "groups": [
            {
                "id": "answer2",
                "column": "Q2",
                "label": "Answer to rating 2",
                "values": [
                    {"code": "1", "label": "Good"},
                    {"code": "2", "label": "Fair"},
                    {"code": "3", "label": "Poor"},
                ],
            },
            {
                "id": "region",
                "column": "REGION",
                "label": "Region",
                "values": [{"code": "1", "label": "North"}, {"code": "2", "label": "South"}],
            },
        ],
        "questions": [
            {
                "id": "q1",
                "column": "Q1",
                "type": "yes_no",
                "text": "Invented yes/no?",
                "short": "Yes/no 1",
                "answers": [{"code": "1", "label": "Yes"}, {"code": "2", "label": "No"}],
                "breakdowns": ["q2", "answer2", "region"],
            },
            {
                "id": "q2",
                "column": "Q2",
                "type": "single_choice",
                "text": "Invented rating?",
                "short": "Rating 2",
                "answers": [
                    {"code": "1", "label": "Good"},
                    {"code": "2", "label": "Fair"},
                    {"code": "3", "label": "Poor"},
                ],
                "breakdowns": ["q1", "region"],
            },
        ],
    }
    q1 = [1] * 12 + [2] * 3 + [1] * 4 + [2] * 8 + [1] * 5 + [2] * 8
    q2 = [1] * 15 + [2] * 12 + [3] * 13
    region = [1, 2] * 20
    path = tmp_path / "survey.csv"
    path.write_text(
        "Q1,Q2,REGION\n"
        + "".join(f"{a},{b},{c}\n" for a, b, c in zip(q1, q2, region, strict=True)),
        encoding="utf-8",
    )
    book = parse_codebook(raw)
    result, free = clean_export(read_export(path, book), book, str(path))
    sp = project_stats(test_method="pearson")
    return (
        book,
        pd.DataFrame({"q1": q1, "q2": q2, "region": region}),
        summarize(result.responses, free, book, sp).figures.to_pandas(),
    )


def test_a_pair_of_variables_is_tested_once(tmp_path):
    """q1 by q2, q2 by q1 and q1 by a group reading q2's column are one test, once in Holm's
    family; its p equals scipy's chi2_contingency on the pandas crosstab."""
    from scipy.stats import chi2_contingency

    book, data, figures = _invented_pair_survey(tmp_path)
    tests = figures[figures["kind"] == "test"]
    pairs = sorted({fid.rsplit(".", 2)[0] for fid in tests["figure_id"]})
    assert pairs == ["q1.q2", "q1.region", "q2.region"]
    family = tests[tests["answer_code"] == "p"]
    assert (tests["answer_code"] == "p_adjusted").sum() == len(family) == 3
    assert all(
        "over the survey's 3 tests" in a
        for a in tests.loc[tests["answer_code"] == "p_adjusted", "answer"]
    )
    ref = chi2_contingency(pd.crosstab(data["q2"], data["q1"]).to_numpy(), correction=False)
    row = family.set_index("figure_id").loc["q1.q2.test.p"]
    assert row["estimate"] == pytest.approx(ref.pvalue, rel=EXACT_REL)
    ps = family["estimate"].astype(float).tolist()
    adjusted = tests[tests["answer_code"] == "p_adjusted"]["estimate"].astype(float).tolist()
    assert adjusted == pytest.approx(comparisons.adjust(ps, "holm"), rel=1e-11)


def test_the_other_direction_cites_the_same_test(tmp_path):
    """The report's test line under q2 by q1 (and q1 by answer2) cites q1.q2.test.*."""
    import re

    from helpers.report.comparison import comparison
    from helpers.report.templating import macro

    book, _, figures = _invented_pair_survey(tmp_path)
    first = comparison(figures, "q1", "q2", book)
    assert first["elsewhere"] is None and first["p"][1] == "q1.q2.test.p"
    for qid, group in (("q2", "q1"), ("q1", "answer2")):
        other = comparison(figures, qid, group, book)
        assert other["p"] == first["p"] and other["p_adjusted"] == first["p_adjusted"]
        assert other["elsewhere"] == "Yes/no 1 by rating 2"
        html = str(macro("test_line")(other, 0.05))
        assert 'href="#prov-q1.q2.test.p"' in html and "Tested once" in html
        assert not re.search(r'id="fig-', html)  # the anchor stays with the first
    assert comparison(figures, "q2", "region", book)["p"][1] == "q2.region.test.p"


def test_the_report_says_a_p_value_is_monte_carlo(tiny):
    """ANES 1996: the test lines and key findings print 'Monte Carlo p < 0.0001 (no table of
    10,000 as extreme)' and never an adjusted Monte Carlo p without saying so."""
    import re
    from html import unescape

    from helpers.core.small_base import SmallBasePolicy
    from helpers.report import findings
    from helpers.report.comparison import comparison
    from helpers.report.templating import macro

    figures = _summaries("anes96").to_pandas()
    book = load_codebook(ROOT / "data/examples/anes96/codebook.yaml")

    def plain(html: object) -> str:
        html = re.sub(r'<span class="fn">[^<]*</span>', "", str(html))
        return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)))

    for ref in _anes_mc(tiny):
        line = plain(
            macro("test_line")(comparison(figures, ref["question"], ref["group"], book), 0.05)
        )
        assert line.startswith("Fisher–Freeman–Halton test: Monte Carlo p "), line
        assert "Holm-adjusted Monte Carlo p " in line and "-adjusted p " not in line, line
        if ref["p"] == pytest.approx(1 / 10_001, rel=1e-12):
            assert "Monte Carlo p < 0.0001 (no table of 10,000 as extreme)" in line, line
        else:
            assert re.search(
                r"Monte Carlo p = 0\.\d{3} \([\d,]+ of 10,000 tables as extreme\)", line
            ), line
    text = plain(
        findings.key_findings(
            book, figures, SmallBasePolicy(10, "flag"), 0.05, "Holm", pd.DataFrame()
        )
    )
    # after the effect size ('(h = 1.56; adjusted Monte Carlo p = ...)') when there is a gap
    mc = re.findall(
        r"(?:\(|; )adjusted Monte Carlo p = (0\.\d+); Monte Carlo p < 0\.0001, no "
        r"table of 10,000 as extreme\)",
        text,
    )
    assert len(mc) == 8, text
    assert not re.search(r"(?:\(|; )adjusted p = 0\.00\d\)", text)  # no bare adjusted MC p
