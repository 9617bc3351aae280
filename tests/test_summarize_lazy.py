"""The summarize stage computes on the verified hand-off without collecting it.

The stage's own code (notebooks/03_summarize.ipynb, its code cells run in this process,
writing nothing) on every survey params.yaml ships, from its committed hand-off: oas_2013
(the published 2013 summary), invented_example (INVENTED), anes96 (REAL, public domain:
the ANES 1996 subset statsmodels ships) and nhanes2 (REAL, public domain: NHANES II as
samplics ships it; strata, PSUs, weights). Its frame is a polars LazyFrame; every table
collected from it is a count (a group-by's, or fewer rows than respondents) or, for a
weighted survey, the design's columns only (a clustered design: its cells, and the rows of
the two columns of a test that needs them); and what it writes equals the committed summaries.csv,
provenance.json and metrics.json byte for byte. DuckDB (and Spark, slow) read the verified
file by path with the types the Arrow route gives (codes as text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from helpers.core import handoff
from helpers.core.codebook import load_codebook
from helpers.core.tables import json_text
from helpers.pipeline.config import load_params
from helpers.pipeline.staging import _bytes
from helpers.summarize.design_cells import collapsible, design_columns
from helpers.summarize.engines import _duckdb_typed, open_responses, open_verified

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ("oas_2013", "invented_example", "anes96", "nhanes2")
NOTEBOOK = ROOT / "notebooks/03_summarize.ipynb"


def _code_cells() -> list[str]:
    """The notebook's code cells but the last (it writes the outputs)."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert "stage.write(" in code[-1]
    return code[:-1]


def _run_stage_code(survey: str, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, list]:
    """The stage's namespace after its cells ran on ``survey``; every polars collect's table."""
    collected: list[pl.DataFrame] = []
    collect = pl.LazyFrame.collect

    def recording(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> Any:
        out = collect(self, *args, **kwargs)
        collected.append(out)
        return out

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(pl.LazyFrame, "collect", recording)
    cells = _code_cells()
    namespace: dict[str, Any] = {}
    exec(cells[0], namespace)  # the parameters cell: scratch outputs (nothing is written)
    namespace["survey"] = survey
    for cell in cells[1:]:
        exec(cell, namespace)
    return namespace, collected


@pytest.mark.parametrize("survey", SURVEYS)
def test_the_stage_computes_on_the_lazy_handoff(survey, monkeypatch):
    """polars (every shipped survey's engine): the stage's frame is the verified LazyFrame;
    no collect holds the table (only counts, or a weighted survey's design columns); the
    figures, provenance and metrics equal the committed files."""
    ns, collected = _run_stage_code(survey, monkeypatch)
    assert ns["stage"].get("engine") == "polars"
    assert isinstance(ns["responses"], pl.LazyFrame) and ns["frame"] is ns["responses"]
    assert isinstance(ns["free_text"], pl.LazyFrame)
    rows = pl.scan_parquet(ns["responses_path"]).select(pl.len()).collect(engine="in-memory")
    height, book = rows.item(), ns["book"]
    allowed = set(design_columns(book)) if book.design is not None else set()
    # a table of as many rows as respondents that is not a count ("len": a group-by's)
    whole = [t.columns for t in collected if t.height >= height and "len" not in t.columns]
    assert all(set(columns) <= allowed for columns in whole), whole
    assert bool(whole) == (book.design is not None)  # the design's rows: collected, its columns
    if book.design is not None and collapsible(book):  # cells; rows only of a test's two columns
        design = {*book.design.response_columns.values(), "source_line"}
        assert all(len(set(columns) - design) <= 2 for columns in whole), whole
    assert any("len" in t.columns for t in collected)  # the counts: queries of the LazyFrame
    processed = ROOT / "data/processed" / survey
    assert _bytes(ns["result"].figures) == (processed / "summaries.csv").read_bytes()
    assert json_text(ns["prov"]).encode() == (processed / "provenance.json").read_bytes()
    assert json_text(ns["metrics"]).encode() == (processed / "metrics.json").read_bytes()


def _verified(survey: str) -> tuple[pl.LazyFrame, Path, pl.DataFrame]:
    """A survey's hand-off: verified lazily, its path, and read eagerly (the former route)."""
    params = load_params(ROOT).for_survey(survey)
    book_path = ROOT / params["survey"]["codebook"]
    book, kind = load_codebook(book_path), params["survey"]["input_kind"]
    path = ROOT / "data/processed" / survey / "responses.parquet"
    lazy = handoff.scan_responses(path, book, kind, book_path)
    return lazy, path, handoff.read_responses(path, book, kind, book_path)


def _duckdb_schema(relation: Any) -> list[tuple[str, str]]:
    return list(zip(relation.columns, map(str, relation.types), strict=True))


@pytest.mark.parametrize("survey", SURVEYS)
def test_duckdb_reads_the_verified_file_with_the_arrow_routes_types(survey):
    """The file read by DuckDB itself has the columns, types and rows of the verified frame
    handed through Arrow (codes as text), as the stage ran DuckDB until now."""
    lazy, path, eager = _verified(survey)
    by_path = open_verified(lazy, path, "duckdb")
    by_arrow = open_responses(eager, "duckdb")
    assert _duckdb_schema(by_path) == _duckdb_schema(by_arrow)
    assert by_path.fetchall() == by_arrow.fetchall()


def test_a_column_the_engine_reads_otherwise_is_cast_to_the_arrow_routes_type(tmp_path):
    """INVENTED: a file whose column DuckDB reads as BIGINT where the verified schema says
    Float64 (and a code as text) is cast to DOUBLE; the columns that agree are untouched."""
    import duckdb

    path = tmp_path / "rows.parquet"
    pl.DataFrame({"q1": ["a", "b", None], "age": [30, 41, None]}).write_parquet(path)
    connection = duckdb.connect(":memory:")
    schema = {"q1": pl.String, "age": pl.Float64}
    relation = _duckdb_typed(connection.read_parquet(str(path)), connection, schema)
    assert _duckdb_schema(relation) == [("q1", "VARCHAR"), ("age", "DOUBLE")]
    assert relation.fetchall() == [("a", 30.0), ("b", 41.0), (None, None)]
    same = connection.read_parquet(str(path))
    assert _duckdb_typed(same, connection, {"q1": pl.String, "age": pl.Int64}) is same


def test_an_unknown_engine_is_refused():
    lazy, path, _ = _verified("oas_2013")
    with pytest.raises(ValueError, match="expected one of"):
        open_verified(lazy, path, "dask")


@pytest.mark.slow
def test_spark_reads_the_verified_file_with_the_arrow_routes_types():
    """Spark (local[2]) reading the file: the schema and rows of the Arrow route."""
    for survey in SURVEYS:
        lazy, path, eager = _verified(survey)
        by_path = open_verified(lazy, path, "spark")
        by_arrow = open_responses(eager, "spark")
        assert by_path.schema == by_arrow.schema, survey
        assert by_path.collect() == by_arrow.collect(), survey
