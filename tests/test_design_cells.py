"""A clustered design's rows reduced to cells by the engine: what svy gets; nothing changes.

Real data: NHANES II as samplics ships it (data/examples/nhanes2, U.S. public domain: 31
strata of 2 PSUs, final weights) and R survey's ``apiclus1`` (data/examples/api: GPL data
package, public records; a one-stage cluster sample with an fpc). Each is summarized
twice: on the engine's cells (helpers.summarize.design_cells, the pipeline's way) and on
every row (the former way, still that of unclustered, replicate and calibrated designs);
every figure, design effects, effective bases, SDs and tests included, must be the same bytes.
The cells themselves are checked against plain pandas (counts, sums of weights and of
squared weights: Kish's effective base (sum w)² / sum w² is exact from them).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from project_copy import project_stats
from test_design_references import CALIBRATIONS, DESIGNS
from test_engines import shipped

from helpers.clean.export import check_export_responses, clean_export
from helpers.core.codebook import load_codebook
from helpers.extract.respondents import first_record, read_respondents
from helpers.pipeline.staging import _bytes
from helpers.summarize import weighting
from helpers.summarize.design import CellEstimates, DesignEstimates
from helpers.summarize.design_cells import N_ROWS, W2, collapsible, design_cells, design_columns
from helpers.summarize.engines import open_responses
from helpers.summarize.summaries import summarize

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ("highbp", "diabetes", "highlead", "zinc")  # NHANES II's questions
NHANES_ROWS = 10_337  # NHANES II's respondents as samplics ships them (codebook.yaml)


def _pandas_cells(responses: pl.DataFrame, book) -> pd.DataFrame:
    """The cells by plain pandas: rows grouped on every design and analysis column."""
    weight = book.design.response_columns["weight"]
    keys = [c for c in design_columns(book) if c in responses.columns and c != weight]
    keys.remove("source_line")
    frame = responses.select(*keys, weight).to_pandas()
    for c in keys:
        frame[c] = frame[c].astype("string").fillna("\x00")  # a missing value is a value
    frame[weight] = frame[weight].astype(float)
    frame["sq"] = frame[weight] ** 2
    return frame.groupby(keys, dropna=False).agg(
        n=(weight, "size"), w=(weight, "sum"), w2=("sq", "sum")
    )


def test_nhanes2_hands_svy_its_cells_not_its_rows():
    """NHANES II: svy's table has one row per cell (pandas' count of distinct design and
    analysis values), far fewer than the 10,337 respondents; the cells' counts, sums of
    weights and of squared weights add up to the rows' (pandas)."""
    responses, _, book, params, _ = shipped("nhanes2")
    sp = project_stats(**params["stats"])
    assert collapsible(book)
    design = weighting.survey_design(responses.lazy(), book, sp)
    expected = _pandas_cells(responses, book)
    assert isinstance(design, CellEstimates)
    assert responses.height == NHANES_ROWS
    assert design.frame.height == len(expected) < NHANES_ROWS
    assert design.sample.data.height == len(expected)
    cells = design.frame
    assert int(cells[N_ROWS].sum()) == NHANES_ROWS
    assert sorted(cells[N_ROWS].to_list()) == sorted(expected["n"].tolist())
    assert cells[W2].sum() == pytest.approx(expected["w2"].sum(), rel=1e-12)
    weight = book.design.response_columns["weight"]
    assert float(cells[weight].sum()) == pytest.approx(expected["w"].sum(), rel=1e-12)
    # svy's design effect on the cells counts cells: the rows' is put back (larger here)
    on_cells = DesignEstimates.shares(design, "highbp", "all")[("all", "1")].deff
    recounted = design.shares("highbp", "all")[("all", "1")].deff
    assert on_cells is not None and recounted is not None and recounted > on_cells * 1.2
    # Kish's effective base of everyone, (sum w)² / sum w², from the cells: the rows'
    rows_w = responses[weight].cast(pl.Float64)
    kish_rows = rows_w.sum() ** 2 / (rows_w**2).sum()
    kish_cells = float(cells[weight].sum()) ** 2 / float(cells[W2].sum())
    assert kish_cells == pytest.approx(kish_rows, rel=1e-12)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_every_engine_hands_svy_the_same_cells(engine):
    """The cells the engine sums are the same on DuckDB and Spark as on polars, in order."""
    responses, _, book, params, path = shipped("nhanes2")
    on_polars = design_cells(responses.lazy(), book)
    on_engine = design_cells(open_responses(path, engine), book)
    assert on_polars is not None and on_engine is not None
    assert on_engine.equals(on_polars.cast(on_engine.schema))  # type: ignore[arg-type]


def _both_ways(responses, free, book, sp, monkeypatch) -> tuple[bytes, bytes]:
    """summarize()'s figures and rules on the cells, then on every row (the row path)."""

    def run() -> bytes:
        out = summarize(responses, free, book, sp)
        return _bytes(out.figures) + json.dumps(out.rules.to_dicts()).encode()

    on_cells = run()
    with monkeypatch.context() as m:
        m.setattr(weighting, "collapsible", lambda _: False)
        on_rows = run()
    return on_cells, on_rows


@pytest.mark.parametrize("method", ["higher", "linear"])
def test_nhanes2_figures_from_cells_are_those_from_rows(method, monkeypatch):
    """Every figure of NHANES II, design effects and effective bases (base / deff), SDs,
    Rao–Scott and rank tests, quantiles: the same bytes from cells as from rows."""
    responses, free, book, params, _ = shipped("nhanes2")
    sp = project_stats(**{**params["stats"], "quantile_method": method})
    on_cells, on_rows = _both_ways(responses, free, book, sp, monkeypatch)
    assert on_cells == on_rows
    figures = pl.read_csv(on_cells.split(b"[{")[0])
    assert figures["deff"].drop_nulls().len() >= 40  # design effects were compared
    assert figures["base_effective"].drop_nulls().len() >= 40


@functools.cache
def _cleaned(codebook: Path, export: Path, kind: str):
    book = load_codebook(codebook)
    result, free = clean_export(read_respondents(export, book, kind), book, str(export))
    responses = check_export_responses(result.responses, book, "responses", first_record(kind))
    return book, responses, free


@pytest.mark.parametrize("deff", ["wor", "wr"])
@pytest.mark.parametrize("method", ["higher", "linear"])
def test_a_cluster_sample_with_an_fpc_from_cells_is_the_same(deff, method, monkeypatch):
    """apiclus1 (PSUs and an fpc): the same bytes from cells as from rows, under both
    design-effect references and both quantile rules the fast suite runs."""
    book, responses, free = _cleaned(*DESIGNS["clus1"][:3])
    assert collapsible(book)
    sp = project_stats(quantile_method=method, design_effect=deff)
    on_cells, on_rows = _both_ways(responses, free, book, sp, monkeypatch)
    assert on_cells == on_rows


KEEP_ROWS = {
    **{d: DESIGNS[d][:3] for d in ("strat", "clus1_jk1", "nhanes2_fay")},
    **{p: (*CALIBRATIONS[p], "respondent_csv") for p in ("rake", "jk1+linear")},
}


@pytest.mark.parametrize("design", sorted(KEEP_ROWS))
def test_unclustered_replicate_and_calibrated_designs_keep_their_rows(design):
    """A design without PSUs (each row its own), with replicate weights or calibrated is
    not reduced: svy gets every row."""
    book, responses, _ = _cleaned(*KEEP_ROWS[design])
    assert not collapsible(book)
    made = weighting.survey_design(responses, book, project_stats(quantile_method="higher"))
    assert type(made) is DesignEstimates and made.frame.height == responses.height


def test_a_group_held_by_one_cell_takes_its_design_effect_from_rows():
    """INVENTED from NHANES II: "Other" race kept as three respondents of one PSU with the
    same answers (one cell of three): its SRS variance needs n - 1 of the rows, so its
    design effect and SD come from the rows, equal to the row path's."""
    responses, _, book, params, _ = shipped("nhanes2")
    sp = project_stats(**params["stats"])
    others = responses.filter(pl.col("race") == "3").head(3)
    first = others.row(0, named=True)
    same = others.with_columns(
        pl.lit(first[c]).cast(others[c].dtype).alias(c)
        for c in ("design_strata", "design_psu", "census_region", "region", *ANSWERS)
    )
    invented = pl.concat([responses.filter(pl.col("race") != "3"), same])
    cells = weighting.survey_design(invented, book, sp)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(weighting, "collapsible", lambda _: False)
        rows = weighting.survey_design(invented, book, sp)
    assert isinstance(cells, CellEstimates) and type(rows) is DesignEstimates
    assert not any(k[0] == "rows" for k in cells._cache)
    assert cells.shares("highbp", "race")[("3", "0")] == rows.shares("highbp", "race")[("3", "0")]
    assert cells.sd("zinc", "race")["3"] == pytest.approx(rows.sd("zinc", "race")["3"], rel=1e-12)
    taken = {k[1] for k in cells._cache if k[0] == "rows"}
    assert taken == {("race", "highbp"), ("race", "zinc")}
