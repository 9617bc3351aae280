"""Designs the data cannot carry, told in the codebook's and params.yaml's words (issue 23, 6).

Real rows: NHANES II (data/examples/nhanes2/nhanes2.csv, U.S. public domain, as shipped by
samplics), each damaged as the case says (INVENTED damage: weights normalised to mean 1, a
weight of 1e308, one PSU of stratum 1 dropped). svy's own messages blame the weights
(``DEFF_NOT_COMPUTABLE``: "sum(weights) <= n") or suggest ``svy.Singleton(...)``, which no
codebook or params key can set; here each names the column or parameter that decides it.
One case runs through the summarize stage, which stops and leaves its outputs untouched.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from project_copy import data, make_project, ok, project_stats, run_stage, survey_entry

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import load_codebook
from helpers.extract.respondents import read_respondents
from helpers.summarize.design import DesignError
from helpers.summarize.summaries import summarize

ROOT = Path(__file__).resolve().parents[1]
NHANES = ROOT / "data/examples/nhanes2"
BOOK = load_codebook(NHANES / "codebook.yaml")


def _summarize(path: Path, **stats) -> None:
    result, free = clean_export(read_respondents(path, BOOK, "respondent_csv"), BOOK, str(path))
    responses = check_export_responses(result.responses, BOOK, "responses")
    summarize(responses, free, BOOK, project_stats(**stats))


def _damaged(tmp_path: Path, change: pl.Expr | None = None, keep: pl.Expr | None = None) -> Path:
    frame = pl.read_csv(NHANES / "nhanes2.csv", infer_schema=False)
    if keep is not None:
        frame = frame.filter(keep)
    if change is not None:
        frame = frame.with_columns(change)
    path = tmp_path / "nhanes2.csv"
    frame.write_csv(path)
    return path


def test_weights_normalised_to_mean_1_name_stats_design_effect_and_what_works(tmp_path):
    weight = pl.col("finalwgt").cast(pl.Float64)
    path = _damaged(tmp_path, (weight / weight.mean()).alias("finalwgt"))
    with pytest.raises(
        DesignError,
        match=r"params.yaml stats.design_effect = wor: expected "
        r"weights that add up to a population larger than the respondents .*"
        r"found weights in 'finalwgt' that add up to no more than the "
        r"respondents they weigh .*use stats.design_effect: wr",
    ):
        _summarize(path)
    _summarize(path, design_effect="wr")  # the parameter named is the one that works


def test_a_weight_of_1e308_names_the_column_and_its_line(tmp_path):
    line = pl.int_range(pl.len()) == 4  # the fifth respondent: line 6 of the file
    path = _damaged(
        tmp_path,
        pl.when(line).then(pl.lit("1e308")).otherwise(pl.col("finalwgt")).alias("finalwgt"),
    )
    with pytest.raises(
        DesignError,
        match=r"codebook design.weight 'finalwgt': expected weights "
        r"small enough that their squares add up to a finite number \(below "
        r"about 1e150\); found 1e\+308 at line 6",
    ):
        _summarize(path)


def test_a_lonely_psu_stops_the_summarize_stage_naming_stratum_and_parameter(tmp_path):
    keep = ~((pl.col("stratid") == "1") & (pl.col("psuid") == "2"))
    source = _damaged(tmp_path, keep=keep)
    rel = "data/examples/nhanes2"
    root = make_project(
        tmp_path / "project",
        {
            "nhanes2": survey_entry(
                f"{rel}/nhanes2.csv", f"{rel}/codebook.yaml", input_kind="respondent_csv"
            )
        },
        files={
            f"{rel}/nhanes2.csv": source.read_bytes(),
            f"{rel}/codebook.yaml": (NHANES / "codebook.yaml").read_bytes(),
        },
    )
    for stage in ("extract", "clean"):
        ok(run_stage(root, stage, "nhanes2"), stage, "nhanes2")
    before = {p: p.read_bytes() for p in data(root, "", "nhanes2").rglob("*") if p.is_file()}
    done = run_stage(root, "summarize", "nhanes2")
    assert done.returncode == 1
    assert (
        "DesignError: params.yaml stats.lonely_psu = fail: expected at least two PSUs in "
        "every stratum; found strata with one (1): choose certainty, remove, adjust or "
        "average (R's survey.lonely.psu)"
    ) in done.stderr
    assert "svy.Singleton" not in done.stderr
    after = {p: p.read_bytes() for p in data(root, "", "nhanes2").rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing half-written


API = ROOT / "data/examples/api"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            pl.when(pl.col("cds") == pl.col("cds").first())
            .then(pl.lit(700))
            .otherwise(pl.col("fpc")),
            r"codebook design.fpc: expected one value per stratum; found 700.0 and 757.0",
        ),
        (
            pl.lit(12),
            r"codebook design.fpc: expected a population at least the 15 sampled PSUs of "
            r"its stratum; found 12",
        ),
        (
            pl.when(pl.col("cds") == pl.col("cds").first())
            .then(pl.lit(0.5))
            .otherwise(pl.col("fpc")),
            r"expected one value per stratum",
        ),
    ],
)
def test_an_fpc_the_design_cannot_carry_names_the_key(tmp_path, change, message):
    """apiclus1 (R survey's API data) with its fpc damaged (INVENTED damage)."""
    book = load_codebook(API / "codebook_clus1.yaml")
    frame = pl.read_csv(API / "apiclus1.csv").with_columns(change.cast(pl.Float64).alias("fpc"))
    path = tmp_path / "apiclus1.csv"
    frame.write_csv(path)
    result, free = clean_export(read_respondents(path, book, "respondent_csv"), book, str(path))
    responses = check_export_responses(result.responses, book, "responses")
    with pytest.raises(DesignError, match=message):
        summarize(responses, free, book, project_stats(quantile_method="higher"))


def test_an_fpc_given_as_sampling_fractions_equals_the_population_sizes(tmp_path):
    """apiclus1: 15 of 757 districts, as the fraction 15/757 (R: fpc <= 1 is a fraction)."""
    book = load_codebook(API / "codebook_clus1.yaml")
    sizes = pl.read_csv(API / "apiclus1.csv")
    path = tmp_path / "apiclus1.csv"
    sizes.with_columns((15 / pl.col("fpc")).alias("fpc")).write_csv(path)
    out = []
    for source in (API / "apiclus1.csv", path):
        result, free = clean_export(
            read_respondents(source, book, "respondent_csv"), book, str(source)
        )
        responses = check_export_responses(result.responses, book, "responses")
        figures = summarize(responses, free, book, project_stats(quantile_method="higher"))
        out.append(
            figures.figures.filter(pl.col("figure_id") == "api00.all.all.mean").row(0, named=True)
        )
    assert out[1]["se"] == pytest.approx(out[0]["se"], rel=1e-12)


def test_a_calibration_question_someone_did_not_answer_names_the_question(tmp_path):
    book = load_codebook(API / "codebook_clus1_poststratify.yaml")
    frame = pl.read_csv(API / "apiclus1.csv", infer_schema=False)
    path = tmp_path / "apiclus1.csv"
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(None).otherwise(pl.col("stype")).alias("stype")
    ).write_csv(path)
    result, free = clean_export(read_respondents(path, book, "respondent_csv"), book, str(path))
    responses = check_export_responses(result.responses, book, "responses")
    with pytest.raises(
        DesignError,
        match=r"codebook design.calibration.population.stype: "
        r"expected every respondent to have an answer to stype; found 3 "
        r"without one",
    ):
        summarize(responses, free, book, project_stats())
