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
    with pytest.raises(DesignError, match=r"params.yaml stats.design_effect = wor: expected "
                       r"weights that add up to a population larger than the respondents .*"
                       r"found weights in 'finalwgt' that add up to no more than the "
                       r"respondents they weigh .*use stats.design_effect: wr"):  # fmt: skip
        _summarize(path)
    _summarize(path, design_effect="wr")  # the parameter named is the one that works


def test_a_weight_of_1e308_names_the_column_and_its_line(tmp_path):
    line = pl.int_range(pl.len()) == 4  # the fifth respondent: line 6 of the file
    path = _damaged(tmp_path, pl.when(line).then(pl.lit("1e308")).otherwise(
        pl.col("finalwgt")).alias("finalwgt"))  # fmt: skip
    with pytest.raises(DesignError, match=r"codebook design.weight 'finalwgt': expected weights "
                       r"small enough that their squares add up to a finite number \(below "
                       r"about 1e150\); found 1e\+308 at line 6"):  # fmt: skip
        _summarize(path)


def test_a_lonely_psu_stops_the_summarize_stage_naming_stratum_and_parameter(tmp_path):
    keep = ~((pl.col("stratid") == "1") & (pl.col("psuid") == "2"))
    source = _damaged(tmp_path, keep=keep)
    rel = "data/examples/nhanes2"
    root = make_project(tmp_path / "project", {"nhanes2": survey_entry(
        f"{rel}/nhanes2.csv", f"{rel}/codebook.yaml", input_kind="respondent_csv")},
        files={f"{rel}/nhanes2.csv": source.read_bytes(),
               f"{rel}/codebook.yaml": (NHANES / "codebook.yaml").read_bytes()})  # fmt: skip
    for stage in ("extract", "clean"):
        ok(run_stage(root, stage, "nhanes2"), stage, "nhanes2")
    before = {p: p.read_bytes() for p in data(root, "", "nhanes2").rglob("*") if p.is_file()}
    done = run_stage(root, "summarize", "nhanes2")
    assert done.returncode == 1
    assert ("DesignError: params.yaml stats.lonely_psu = fail: expected at least two PSUs in "
            "every stratum; found strata with one (1): choose certainty, remove, adjust or "
            "average (R's survey.lonely.psu)") in done.stderr
    assert "svy.Singleton" not in done.stderr
    after = {p: p.read_bytes() for p in data(root, "", "nhanes2").rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing half-written
