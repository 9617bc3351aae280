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

import polars as pl
import pytest
from project_copy import project_stats, summarized

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import load_codebook
from helpers.core.errors import SourceError
from helpers.extract.export import read_export

HERE = Path(__file__).resolve().parents[1] / "data/examples/nhanes2"
REL = 1e-6


@pytest.fixture(scope="module")
def book():
    return load_codebook(HERE / "codebook.yaml")


@pytest.fixture(scope="module")
def figures(book):
    path = HERE / "nhanes2.csv"
    result, free = clean_export(read_export(path, book), book, str(path))
    assert result.rejects.height == 0
    responses = check_export_responses(result.responses, book, "responses")
    return summarized(responses, free, book, project_stats()).figures.set_index("figure_id")


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    return pl.read_csv(HERE / "reference.csv", schema_overrides={"level": pl.String}).to_dicts()


def _figure_id(ref: dict) -> str | None:
    """The pipeline's figure for one reference row (None: a reference the codebook has not)."""
    group, code = ("all", "all") if ref["domain"] == "all" else (
        "race", ref["domain"].removeprefix("race_"))
    variable, level = ref["variable"], ref["level"]
    if ref["statistic"] == "mean" and variable == "zinc":
        return f"zinc.{group}.{code}.mean"
    if ref["statistic"] == "quantile":
        stat = {"0.25": "p25", "0.5": "median", "0.75": "p75"}[level]
        return f"zinc.{group}.{code}.{stat}"
    if variable in ("highbp", "diabetes", "highlead", "region"):
        return f"{variable}.{group}.{code}.{level}"
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
        assert got["base_weighted"] == pytest.approx(ref["weighted_n"], rel=1e-12), fid
        assert got["base_effective"] == pytest.approx(ref["n"] / ref["deff"], rel=REL), fid
        checked += 1
    assert checked >= 28


def test_a_weighted_percentage_is_rounded_from_its_estimate(figures):
    row = figures.loc["highbp.race.2.1"]
    assert float(row["pct"]) == round(row["estimate"], 1)
    assert row["ci_method"] == "logit"
    assert row["ci_lower"] < row["estimate"] < row["ci_upper"]
    assert row["shown"] == str(row["pct"])


def test_unweighted_counts_stay_beside_the_weighted_ones(figures):
    import pandas as pd

    data = pd.read_csv(HERE / "nhanes2.csv")
    black = data[data["race"] == 2]
    row = figures.loc["highbp.race.2.1"]
    assert (row["n"], row["base"]) == (int((black["highbp"] == 1).sum()), len(black))
    assert row["n_weighted"] == pytest.approx(black.loc[black["highbp"] == 1, "finalwgt"].sum(),
                                              rel=1e-12)  # fmt: skip
    assert row["base_weighted"] == pytest.approx(black["finalwgt"].sum(), rel=1e-12)
    lead = figures.loc["highlead.all.all.missing"]  # measured on a subsample
    assert lead["n"] == int(data["highlead"].isna().sum())


def test_a_respondent_without_a_weight_stops_clean_naming_the_line(book, tmp_path):
    lines = (HERE / "nhanes2.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("finalwgt")] = ""
    lines[5] = ",".join(cells)
    path = tmp_path / "nhanes2.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        clean_export(read_export(path, book), book, str(path))
    assert str(err.value).startswith(f"{path}:6: expected a positive number in 'finalwgt' "
                                     f"(the design's weight); found ''")  # fmt: skip
