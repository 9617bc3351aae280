"""A weighted, stratified, clustered survey through clean and summarize, against R's survey.

Real data: NHANES II as shipped by samplics 0.6.1 (data/examples/nhanes2/nhanes2.csv;
U.S. public-domain data from NCHS), with the codebook data/examples/nhanes2/codebook.yaml
(``design: weight finalwgt, strata stratid, psu psuid``). The references are R survey's
(``svydesign(id=~psuid, strata=~stratid, weights=~finalwgt, nest=TRUE)``, domains by
``subset()``), stored in data/examples/nhanes2/reference.csv by make_reference.R: the
pipeline's percentages, means, their standard errors and design effects must equal them
(relative 1e-6), overall and in every race domain; unweighted n and the sums of weights
exactly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from project_copy import STORED_REL, project_stats, summarized

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import CodebookError, load_codebook, parse_codebook
from helpers.core.errors import SourceError
from helpers.extract.export import read_export

HERE = Path(__file__).resolve().parents[1] / "data/examples/nhanes2"
REL = 1e-6


@pytest.fixture(scope="module")
def book():
    return load_codebook(HERE / "codebook.yaml")


@pytest.fixture(scope="module")
def figures(book):
    """The figures with the survey's own parameters (params.yaml: quantile_method higher)."""
    path = HERE / "nhanes2.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    assert result.rejects.height == 0
    responses = check_export_responses(result.responses, book, "responses")
    from helpers.core.params import StatsParams
    from helpers.pipeline.config import load_params

    stats = StatsParams(**load_params(HERE.parents[2]).for_survey("nhanes2")["stats"])
    assert stats.quantile_method == "higher"  # R's svyquantile default, qrule = "math"
    return summarized(responses, free, book, stats).figures.set_index("figure_id")


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    return pl.read_csv(
        HERE / "reference.csv", null_values="NA", schema_overrides={"level": pl.String}
    ).to_dicts()


def _figure_id(ref: dict) -> str | None:
    """The pipeline's figure for one reference row (None: a reference the codebook has not)."""
    group, code = (
        ("all", "all") if ref["domain"] == "all" else ("race", ref["domain"].removeprefix("race_"))
    )
    variable, level = ref["variable"], ref["level"]
    if ref["statistic"] == "mean" and variable == "zinc":
        return f"zinc.{group}.{code}.mean"
    if ref["statistic"] == "quantile":
        stat = {"0.25": "p25", "0.5": "median", "0.75": "p75"}[level]
        return f"zinc.{group}.{code}.{stat}"
    if variable in ("highbp", "diabetes", "highlead", "region"):
        return f"{variable}.{group}.{code}.{level}"
    if variable == "race":  # a breakdown group's share of the respondents
        return f"respondents.race.{level}"
    return None


def test_weighted_percentages_means_ses_and_deffs_equal_r_survey(figures, reference):
    checked = 0
    for ref in reference:
        fid = _figure_id(ref)
        if fid is None or ref["statistic"] == "quantile":
            continue
        got = figures.loc[fid]
        scale = 1.0 if fid.startswith("zinc.") else 100.0  # percentages are in percent
        assert got["estimate"] == pytest.approx(ref["estimate"] * scale, rel=REL), fid
        assert got["se"] == pytest.approx(ref["se"] * scale, rel=REL), fid
        assert got["deff"] == pytest.approx(ref["deff"], rel=REL), fid
        assert got["base"] == ref["n"], fid  # unweighted base: those answered, in the domain
        assert got["base_weighted"] == pytest.approx(ref["weighted_n"], rel=STORED_REL), fid
        assert got["base_effective"] == pytest.approx(ref["n"] / ref["deff"], rel=REL), fid
        if ref["statistic"] == "pct":  # R's svyciprop: a GLM fit converged to 1e-8
            assert got["n"] == ref["n_level"], fid
            assert got["n_weighted"] == pytest.approx(ref["weighted_n_level"], rel=STORED_REL), fid
            assert got["ci_lower"] == pytest.approx(ref["ci_low"] * scale, rel=1e-7), fid
            assert got["ci_upper"] == pytest.approx(ref["ci_high"] * scale, rel=1e-7), fid
        elif fid.startswith("zinc."):  # a mean: t on the design's degrees of freedom
            assert got["ci_lower"] == pytest.approx(ref["ci_low"], rel=REL), fid
            assert got["ci_upper"] == pytest.approx(ref["ci_high"], rel=REL), fid
        # (R's mean of a 0/1 variable is a percentage here: its interval is its pct row's)
        checked += 1
    assert checked == 55  # 67 references less the 12 quantiles


def test_weighted_quantiles_and_their_woodruff_intervals_equal_r_survey(figures, reference):
    quantiles = [r for r in reference if r["statistic"] == "quantile"]
    assert len(quantiles) == 12
    for ref in quantiles:
        fid = _figure_id(ref)
        got = figures.loc[fid]
        assert got["estimate"] == pytest.approx(ref["estimate"], rel=REL), fid
        assert got["se"] == pytest.approx(ref["se"], rel=REL), fid
        assert (got["ci_lower"], got["ci_upper"]) == (
            pytest.approx(ref["ci_low"], rel=REL),
            pytest.approx(ref["ci_high"], rel=REL),
        )
        assert got["ci_method"] == "woodruff" and got["base"] == ref["n"], fid


def test_a_weighted_percentage_is_rounded_from_its_estimate(figures):
    row = figures.loc["highbp.race.2.1"]
    assert float(row["pct"]) == round(row["estimate"], 1)
    assert row["ci_method"] == "logit"
    assert row["ci_lower"] < row["estimate"] < row["ci_upper"]
    assert row["shown"] == str(row["pct"])


def test_unweighted_counts_stay_beside_the_weighted_ones(figures):
    data = pd.read_csv(HERE / "nhanes2.csv")
    black = data[data["race"] == 2]
    row = figures.loc["highbp.race.2.1"]
    assert (row["n"], row["base"]) == (int((black["highbp"] == 1).sum()), len(black))
    assert row["n_weighted"] == pytest.approx(
        black.loc[black["highbp"] == 1, "finalwgt"].sum(), rel=STORED_REL
    )
    assert row["base_weighted"] == pytest.approx(black["finalwgt"].sum(), rel=STORED_REL)
    lead = figures.loc["highlead.all.all.missing"]  # measured on a subsample
    assert lead["n"] == int(data["highlead"].isna().sum())
    # a count without a percentage (no answer) carries its sums of weights too (pandas)
    assert lead["n_weighted"] == pytest.approx(
        data.loc[data["highlead"].isna(), "finalwgt"].sum(), rel=STORED_REL
    )
    assert lead["base_weighted"] == pytest.approx(data["finalwgt"].sum(), rel=STORED_REL)
    zinc = figures.loc["zinc.all.all.missing"]  # a numeric question's too
    assert zinc["n_weighted"] == pytest.approx(
        data.loc[data["zinc"].isna(), "finalwgt"].sum(), rel=STORED_REL
    )
    within = figures.loc["highlead.race.2.missing"]
    assert within["n_weighted"] == pytest.approx(
        black.loc[black["highlead"].isna(), "finalwgt"].sum(), rel=STORED_REL
    )
    assert within["base_weighted"] == pytest.approx(black["finalwgt"].sum(), rel=STORED_REL)


def _damaged(source: Path, line: int, column: str, value: str, folder: Path) -> Path:
    """A copy of ``source`` with ``column`` of 0-based line ``line`` set to ``value``."""
    lines = source.read_text(encoding="utf-8").splitlines()
    header = lines[0].replace('"', "").split(",")
    cells = lines[line].split(",")
    cells[header.index(column)] = value
    lines[line] = ",".join(cells)
    path = folder / source.name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _brr_book():
    """NHANES II's codebook with the BRR replicate weights of nhanes2_brr.csv as its design."""
    import yaml

    raw = yaml.safe_load((HERE / "codebook.yaml").read_text(encoding="utf-8"))
    raw["design"] = {
        "weight": "finalwgt",
        "replicate_weights": {"method": "brr", "prefix": "brr_", "count": 32},
    }
    return parse_codebook(raw)


def test_a_respondent_without_a_weight_stops_clean_naming_the_line(book, tmp_path):
    path = _damaged(HERE / "nhanes2.csv", 5, "finalwgt", "", tmp_path)
    with pytest.raises(SourceError) as err:
        clean_export(read_export(path, book), book, str(path))
    assert str(err.value).startswith(
        f"{path}:6: expected a positive number in 'finalwgt' (the design's weight); found ''"
    )


def test_trace_prints_a_weighted_figure_s_design_based_values():
    import subprocess
    import sys

    root = HERE.parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "helpers.tools.trace", "zinc.race.2.mean", "--survey", "nhanes2"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    committed = (
        pl.read_csv(root / "data/processed/nhanes2/summaries.csv")
        .filter(pl.col("figure_id") == "zinc.race.2.mean")
        .row(0, named=True)
    )
    assert f"mean = {committed['shown']}" in done.stdout
    assert f"deff {committed['deff']}" in done.stdout and "885 row(s) counted" in done.stdout


def test_a_finite_population_correction_equals_r_survey_s(book, tmp_path):
    """fpc: an INVENTED 4 PSUs per stratum population, on the real rows (make_fpc_reference.R)."""
    import yaml

    data = pl.read_csv(HERE / "nhanes2.csv", infer_schema=False).with_columns(
        pl.lit("4").alias("npsu")
    )
    path = tmp_path / "nhanes2.csv"
    data.write_csv(path)
    raw = yaml.safe_load((HERE / "codebook.yaml").read_text(encoding="utf-8"))
    raw["design"]["fpc"] = "npsu"
    fpc_book = parse_codebook(raw)
    result, free = clean_export(read_export(path, fpc_book), fpc_book, str(path))
    figures = summarized(result.responses, free, fpc_book, project_stats()).figures.set_index(
        "figure_id"
    )
    reference = pl.read_csv(HERE / "reference_fpc.csv").to_dicts()
    for ref in reference:
        domain = "all.all" if ref["domain"] == "all" else f"race.{ref['domain'][-1]}"
        fid = f"zinc.{domain}.mean" if ref["variable"] == "zinc" else f"highbp.{domain}.1"
        scale = 1.0 if ref["variable"] == "zinc" else 100.0
        got = figures.loc[fid]
        assert got["estimate"] == pytest.approx(ref["estimate"] * scale, rel=REL), fid
        assert got["se"] == pytest.approx(ref["se"] * scale, rel=REL), fid
    assert len(reference) == 8


def test_replicate_weights_give_r_survey_s_brr_estimates_and_ses(tmp_path):
    """BRR: 32 half-sample replicates R survey built from NHANES II's design (make_brr.R)."""
    brr_book = _brr_book()
    path = HERE / "nhanes2_brr.csv"
    result, free = clean_export(read_export(path, brr_book), brr_book, str(path))
    assert [c for c in result.responses.columns if c.startswith("design_rep_")] == [
        f"design_rep_{i}" for i in range(1, 33)
    ]
    figures = summarized(result.responses, free, brr_book, project_stats()).figures.set_index(
        "figure_id"
    )
    reference = pl.read_csv(HERE / "reference_brr.csv").to_dicts()
    assert len(reference) == 8
    for ref in reference:
        domain = "all.all" if ref["domain"] == "all" else f"race.{ref['domain'][-1]}"
        fid = f"zinc.{domain}.mean" if ref["variable"] == "zinc" else f"highbp.{domain}.1"
        scale = 1.0 if ref["variable"] == "zinc" else 100.0
        got = figures.loc[fid]
        assert got["estimate"] == pytest.approx(ref["estimate"] * scale, rel=REL), fid
        assert got["se"] == pytest.approx(ref["se"] * scale, rel=REL), fid
        assert got["ci_method"].endswith("(BRR)") and pd.isna(got["deff"]), fid


def test_a_replicate_design_with_strata_is_refused():
    import yaml

    raw = yaml.safe_load((HERE / "codebook.yaml").read_text(encoding="utf-8"))
    raw["design"]["replicate_weights"] = {"method": "brr", "prefix": "brr_", "count": 32}
    with pytest.raises(CodebookError, match="replicate weights carry the design's strata"):
        parse_codebook(raw)
    raw["design"]["replicate_weights"] = {"method": "jackknife", "prefix": "jk", "count": 32}
    with pytest.raises(CodebookError, match="replicate_weights.method"):
        parse_codebook(raw)


def test_a_replicate_weight_that_is_not_a_number_stops_clean_at_its_line(tmp_path):
    brr_book = _brr_book()
    path = _damaged(HERE / "nhanes2_brr.csv", 3, "brr_7", "x", tmp_path)
    with pytest.raises(SourceError) as err:
        clean_export(read_export(path, brr_book), brr_book, str(path))
    assert str(err.value) == (
        f"{path}:4: expected a number >= 0 in 'brr_7' (a replicate weight); found 'x'"
    )
