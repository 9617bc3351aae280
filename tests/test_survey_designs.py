"""The survey-statistics library for weighted designs (svy), checked against R's survey.

Real data: NHANES II as shipped by samplics 0.6.1 (samplics/datasets/data/nhanes2.csv;
U.S. public-domain data from NCHS): 10,337 respondents, 31 strata, 62 PSUs, final
weights. data/examples/nhanes2/reference.csv holds R survey's estimates, standard
errors, design effects, 95% confidence intervals and design degrees of freedom
(Taylor linearization; domains by subset()), made by data/examples/nhanes2/make_reference.R
with Debian's r-cran-survey: R is a tool for making references, never a dependency of
the pipeline.

This is the evaluation that picks the library for issue 12's weighted figures: svy
(polars-based, maintained) reproduces R to within a relative 1e-6, overall and in the
race domains, for

- means and proportions: estimates, SEs, design effects (``deff="wor"``), counts;
- their confidence intervals: ``prop(..., ci_method="logit")`` is R's
  ``svyciprop(method="logit")``, and ``mean`` is R's ``confint(svymean(...),
  df=degf(design))``, both t-based on the design df, which svy reports per domain as R's
  ``degf()`` of the domain (of those answered, for a variable with missing values);
- quantiles: ``quantile(..., q_method="higher")`` is R's ``svyquantile(qrule="math")``
  with its default Woodruff interval (``interval.type="mean"``): estimate, interval and
  the SE R derives from it (half-width over the t quantile).

The logit bounds agree only to ~1e-8, not to machine precision: R takes them from an
intercept-only svyglm whose IRLS stops at glm.control()'s epsilon 1e-8, while svy uses
the closed form. (samplics, the other candidate, is archived by its authors in favour
of svy.)
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import svy

HERE = Path(__file__).resolve().parents[1] / "data/examples/nhanes2"
REL = 1e-6
DOMAINS = {"all", "race_1", "race_2", "race_3"}


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    return pl.read_csv(HERE / "nhanes2.csv")


@pytest.fixture(scope="module")
def sample(data):
    return svy.Sample(data=data, design=svy.Design(stratum="stratid", psu="psuid", wgt="finalwgt"))


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    return pl.read_csv(
        HERE / "reference.csv", schema_overrides={"level": pl.String}, null_values="NA"
    ).to_dicts()


def _svy_row(sample, ref: dict) -> dict:
    """svy's estimate of one reference row (its statistic, variable, level and domain)."""
    by = None if ref["domain"] == "all" else "race"
    y = ref["variable"]
    if ref["statistic"] == "pct":
        out = sample.estimation.prop(
            y=y, by=by, deff="wor", drop_nulls=True, ci_method="logit"
        ).to_polars()
        out = out.filter(pl.col(y).cast(pl.String) == ref["level"])
    elif ref["statistic"] == "mean":
        out = sample.estimation.mean(y=y, by=by, deff="wor", drop_nulls=True).to_polars()
    else:
        assert ref["statistic"] == "quantile", ref
        p = float(ref["level"])
        (est,) = sample.estimation.quantile(y=y, p=[p], by=by, drop_nulls=True, q_method="higher")
        out = est.to_polars()
        assert out["prob"].to_list() == [p] * out.height, (ref, out)
    if by is not None:
        out = out.filter(pl.col("race") == int(ref["domain"].removeprefix("race_")))
    assert out.height == 1, (ref, out)
    return out.row(0, named=True)


@pytest.fixture(scope="module")
def compared(sample, reference) -> list[tuple[dict, dict, str]]:
    """(R's row, svy's row, a label) for every reference row."""
    return [
        (
            ref,
            _svy_row(sample, ref),
            f"{ref['statistic']} {ref['variable']} {ref['level']} in {ref['domain']}",
        )
        for ref in reference
    ]


def test_the_reference_covers_means_proportions_quantiles_and_domains(reference):
    assert len(reference) == 67
    cells: dict[tuple[str, str], dict[str, set]] = {}
    for r in reference:
        domains = cells.setdefault((r["statistic"], r["variable"]), {})
        domains.setdefault(r["domain"], set()).add(r["level"])
    levels = {
        ("mean", "highbp"): {"1"},
        ("mean", "diabetes"): {"1"},
        ("mean", "zinc"): {""},
        ("pct", "region"): {"1", "2", "3", "4"},
        ("pct", "highbp"): {"0", "1"},
        ("pct", "diabetes"): {"0", "1"},
        ("pct", "highlead"): {"0", "1"},
        ("quantile", "zinc"): {"0.25", "0.5", "0.75"},
    }
    assert set(cells) == set(levels) | {("pct", "race")}
    assert cells.pop(("pct", "race")) == {"all": {"1", "2", "3"}}  # the groups' own shares
    for key, by_domain in cells.items():
        assert by_domain == dict.fromkeys(DOMAINS, levels[key]), key
    for r in reference:
        # A quantile's interval is closed: on a step CDF a bound can be the estimate.
        assert r["df"] > 0 and r["ci_low"] <= r["estimate"] <= r["ci_high"], r
        if r["statistic"] == "pct":
            assert r["n_level"] is not None and r["weighted_n_level"] is not None, r
        if r["statistic"] == "quantile":
            assert r["deff"] is None, r


def test_the_reference_counts_are_those_answered_in_each_domain(data, reference):
    for r in reference:
        rows = (
            data
            if r["domain"] == "all"
            else data.filter(pl.col("race") == int(r["domain"].removeprefix("race_")))
        )
        rows = rows.filter(pl.col(r["variable"]).is_not_null())
        where = f"{r['statistic']} {r['variable']} {r['level']} in {r['domain']}"
        assert (r["n"], r["weighted_n"]) == (rows.height, rows["finalwgt"].sum()), where
        if r["statistic"] == "pct":
            hit = rows.filter(pl.col(r["variable"]).cast(pl.String) == r["level"])
            assert (r["n_level"], r["weighted_n_level"]) == (hit.height, hit["finalwgt"].sum()), (
                where
            )


def test_svy_equals_r_survey_estimates_ses_and_design_effects(compared):
    for ref, got, where in compared:
        if ref["statistic"] == "quantile":
            continue
        assert got["est"] == pytest.approx(ref["estimate"], rel=REL), where
        assert got["se"] == pytest.approx(ref["se"], rel=REL), where
        assert got["deff"] == pytest.approx(ref["deff"], rel=REL), where
        assert got["n"] == ref["n"], where


def test_svy_equals_r_survey_confidence_intervals_and_df_of_means_and_proportions(compared):
    # pct: svyciprop(method="logit") = prop(ci_method="logit"); mean: confint(df=degf).
    for ref, got, where in compared:
        if ref["statistic"] == "quantile":
            continue
        assert got["df"] == ref["df"], where
        assert got["lci"] == pytest.approx(ref["ci_low"], rel=REL), where
        assert got["uci"] == pytest.approx(ref["ci_high"], rel=REL), where


def test_svy_quantiles_higher_equal_r_svyquantile_qrule_math_woodruff(compared):
    quantiles = [
        (ref, got, where) for ref, got, where in compared if ref["statistic"] == "quantile"
    ]
    assert len(quantiles) == 12
    for ref, got, where in quantiles:
        assert got["est"] == pytest.approx(ref["estimate"], rel=REL), where
        assert got["lci"] == pytest.approx(ref["ci_low"], rel=REL), where
        assert got["uci"] == pytest.approx(ref["ci_high"], rel=REL), where
        assert got["se"] == pytest.approx(ref["se"], rel=REL), where
        assert got["df"] == ref["df"], where
        assert got["n"] == ref["n"], where
