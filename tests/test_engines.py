"""summarize() on polars (eager and lazy), DuckDB and Spark: the same figures, byte for byte.

Every survey params.yaml ships, from its committed hand-off (data/processed/<id>/): oas_2013
(the published 2013 summary), invented_example (INVENTED, 60 rows), anes96 (REAL, public
domain: the ANES 1996 subset statsmodels ships; numeric questions, Kruskal–Wallis tests) and
nhanes2 (REAL, public domain: NHANES II as samplics ships it; strata, PSUs, weights), the
numeric ones under every ``stats.quantile_method``; and R survey's ``api`` and NHANES
replicate designs (tests/test_design_references.py; R survey's data, GPL, public records).
The reference is polars eager, the pipeline's engine, whose figures the other tests check
against scipy, plain pandas and R's survey package: equal bytes here mean every engine
meets those references too. The statistics an engine computes itself are only counts,
value counts and sums; the order statistics, moments and Kruskal–Wallis ranks come from
those counts (helpers.summarize.value_counts), checked here against polars, numpy, the
statistics module and scipy. Spark (local mode, one session for the whole run) is slow:
its tests are marked so. Timings are printed (``-s``), never asserted.
"""

from __future__ import annotations

import functools
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from project_copy import data, make_project, ok, project_stats, run_stage, survey_entry
from test_design_references import DESIGNS

from helpers.clean.export import check_export_responses, clean_export
from helpers.core import handoff
from helpers.core.codebook import load_codebook
from helpers.core.params import QUANTILE_METHODS, StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.extract.respondents import first_record, read_respondents
from helpers.pipeline.config import ConfigError, load_params, parse_params, stage_spec
from helpers.pipeline.staging import _bytes
from helpers.summarize.engines import open_responses, spark_session
from helpers.summarize.summaries import summarize
from helpers.summarize.tallies import Tallies, numeric_samples
from helpers.summarize.unweighted_tests import kruskal_wallis
from helpers.summarize.value_counts import numeric_stats, quantile

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ("oas_2013", "invented_example", "anes96", "nhanes2")
NUMERIC = ("anes96", "nhanes2")
# (survey, quantile method): the numeric surveys under every method, the others as shipped.
# The fast suite keeps the default method and nhanes2's own (linear, higher); the other three
# run with the slow tests (CI runs both); value_counts' quantiles are checked against numpy
# under every method in the fast suite below.
FAST_METHODS = ("linear", "higher")
CASES = [(s, None) for s in SURVEYS if s not in NUMERIC] + [
    pytest.param(s, m, marks=() if m in FAST_METHODS else pytest.mark.slow)
    for s in NUMERIC
    for m in QUANTILE_METHODS
]
TIMINGS: list[tuple[str, str, str, float]] = []


@functools.cache
def shipped(survey: str) -> tuple[pl.DataFrame, pl.DataFrame, Any, dict[str, Any], Path]:
    """A survey's verified hand-off (responses, free text), codebook, parameters and path."""
    params = load_params(ROOT).for_survey(survey)
    book_path = ROOT / params["survey"]["codebook"]
    book = load_codebook(book_path)
    kind = params["survey"]["input_kind"]
    processed = ROOT / "data/processed" / survey
    path = processed / "responses.parquet"
    responses = handoff.read_responses(path, book, kind, book_path)
    free_text = handoff.read_free_text(processed / "free_text.parquet", kind, book_path)
    return responses, free_text, book, params, path


def figures_bytes(survey: str, frame: Any, method: str | None) -> tuple[bytes, bytes]:
    """summaries.csv's bytes and the provenance rules (JSON) of summarize() on ``frame``."""
    _, free_text, book, params, _ = shipped(survey)
    stats = {**params["stats"], **({"quantile_method": method} if method else {})}
    policy = SmallBasePolicy(params["report"]["small_n"], params["report"]["small_base_rule"])
    out = summarize(frame, free_text, book, StatsParams(**stats), policy)
    return _bytes(out.figures), json.dumps(out.rules.to_dicts()).encode()


@functools.cache
def eager(survey: str, method: str | None) -> tuple[bytes, bytes]:
    """The reference: summarize() on the verified polars DataFrame."""
    return figures_bytes(survey, shipped(survey)[0], method)


def _timed(survey: str, method: str | None, engine: str, make: Any) -> tuple[bytes, bytes]:
    start = time.perf_counter()
    got = figures_bytes(survey, make(), method)
    TIMINGS.append((survey, method or "as shipped", engine, time.perf_counter() - start))
    print(f"{survey} {method or 'as shipped'} {engine}: {TIMINGS[-1][3]:.2f} s")
    return got


@pytest.mark.parametrize(("survey", "method"), CASES)
def test_polars_lazy_and_duckdb_give_the_eager_figures(survey, method):
    """A polars LazyFrame and a DuckDB relation (the hand-off read by DuckDB) give the same
    figures and selection rules as polars eager, numeric questions under every quantile
    method, weighted designs too."""
    responses, _, _, _, path = shipped(survey)
    reference = eager(survey, method)
    assert _timed(survey, method, "polars lazy", responses.lazy) == reference
    assert _timed(survey, method, "duckdb", lambda: open_responses(path, "duckdb")) == reference


@pytest.mark.parametrize("survey", SURVEYS)
def test_each_way_of_opening_the_handoff_gives_the_same_figures(survey):
    """The verified frame handed to DuckDB through Arrow, and the hand-off scanned by polars."""
    responses, _, _, _, path = shipped(survey)
    reference = eager(survey, None)
    assert figures_bytes(survey, open_responses(responses, "duckdb"), None) == reference
    assert figures_bytes(survey, open_responses(path, "polars"), None) == reference
    assert open_responses(responses, "polars") is responses  # the pipeline's frame, untouched


@pytest.fixture(scope="session")
def spark() -> Any:
    """One Spark session (local[2]) for the whole test run."""
    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.mark.slow
@pytest.mark.parametrize(("survey", "method"), CASES)
def test_spark_gives_the_eager_figures(spark, survey, method):
    """A Spark DataFrame (the hand-off read by Spark) gives polars eager's figures."""
    _, _, _, _, path = shipped(survey)
    reference = eager(survey, method)
    assert _timed(survey, method, "spark", lambda: spark.read.parquet(str(path))) == reference


@pytest.mark.slow
def test_spark_from_the_verified_frame(spark):
    """The verified polars frame handed to Spark through Arrow: the same figures."""
    for survey in SURVEYS:
        frame = open_responses(shipped(survey)[0], "spark")
        assert figures_bytes(survey, frame, None) == eager(survey, None), survey


# --- R survey's replicate and calibrated designs -----------------------------------------------


@functools.cache
def design_case(design: str) -> tuple[pl.DataFrame, pl.DataFrame, Any]:
    """One R reference design's cleaned responses, free text and codebook."""
    codebook, export, kind, _ = DESIGNS[design]
    book = load_codebook(codebook)
    result, free = clean_export(read_respondents(export, book, kind), book, str(export))
    responses = check_export_responses(result.responses, book, "responses", first_record(kind))
    return responses, free, book


def _design_bytes(design: str, frame: Any) -> bytes:
    _, free, book = design_case(design)
    sp = project_stats(quantile_method="higher")  # as tests/test_design_references.py
    return _bytes(summarize(frame, free, book, sp).figures)


# Replicate designs on DuckDB take 15-60 s each: in the slow suite (the same designs on
# polars are in the fast one: tests/test_design_references.py).
ON_DUCKDB = [
    pytest.param(d, marks=pytest.mark.slow)
    if d in {"strat_jkn", "strat_boot", "strat_sdr", "nhanes2_fay"}
    else d
    for d in DESIGNS
]


@pytest.mark.parametrize("design", ON_DUCKDB)
def test_r_reference_designs_on_duckdb(design):
    """Every design tests/test_design_references.py checks against R's survey on polars
    (stratified with an fpc, one-stage cluster, JK1, JKn, bootstrap, SDR, Fay's BRR):
    DuckDB and a LazyFrame give the same bytes."""
    responses = design_case(design)[0]
    reference = _design_bytes(design, responses)
    assert _design_bytes(design, open_responses(responses, "duckdb")) == reference
    assert _design_bytes(design, responses.lazy()) == reference


@pytest.mark.slow
@pytest.mark.parametrize("design", DESIGNS)
def test_r_reference_designs_on_spark(spark, design):
    responses = design_case(design)[0]
    reference = _design_bytes(design, responses)
    assert _design_bytes(design, open_responses(responses, "spark")) == reference


# --- statistics from value counts against independent references ------------------------------


def _invented_values(rng: random.Random) -> list[float]:
    """INVENTED: 1 to 40 values, many tied, some fractional, some negative."""
    pick = [lambda: float(rng.randint(0, 9)), lambda: rng.uniform(-1e3, 1e3)]
    return [rng.choice(pick)() for _ in range(rng.randint(1, 40))]


def _counts(values: list[float]) -> list[tuple[float, int]]:
    return sorted({v: values.count(v) for v in values}.items())


def test_quantiles_from_counts_equal_polars_and_numpy():
    """Every method, from (value, count) pairs, equals polars' quantile (the figures' rule
    until now) exactly, and numpy's where numpy's rule is the same (all but nearest, which
    numpy rounds half to even and polars half up)."""
    rng = random.Random(20261206)
    numpy_name = {"linear": "linear", "lower": "lower", "higher": "higher", "midpoint": "midpoint"}
    for _ in range(500):
        values = _invented_values(rng)
        for p in (0.25, 0.5, 0.75):
            for method in QUANTILE_METHODS:
                got = quantile(_counts(values), p, method)
                assert got == pl.Series(values).quantile(p, interpolation=method), (values, p)
                if method in numpy_name:
                    want = float(np.quantile(values, p, method=numpy_name[method]))
                    assert got == pytest.approx(want, rel=1e-15, abs=1e-12)


def test_mean_and_sd_from_counts_are_exact():
    """The mean equals the statistics module's (exact rational arithmetic) bit for bit; the
    standard deviation (n - 1) to 1e-15; one value has no standard deviation; none, no
    statistic."""
    rng = random.Random(7)
    for _ in range(300):
        values = _invented_values(rng)
        got = numeric_stats(dict(_counts(values)), {"median": 0.5}, "linear")
        assert got["mean"] == statistics.mean(values)
        assert got["n"] == len(values) and (got["min"], got["max"]) == (min(values), max(values))
        if len(values) > 1:
            assert got["sd"] == pytest.approx(statistics.stdev(values), rel=1e-15)
        else:
            assert got["sd"] is None
    empty = numeric_stats({None: 3}, {"median": 0.5}, "linear")
    assert empty["members"] == 3 and empty["n"] == 0 and empty["mean"] is None


def test_kruskal_wallis_from_counts_equals_scipy_on_anes96():
    """REAL anes96: every numeric question by every breakdown, H and p from the value
    counts equal scipy's kruskal (ties corrected) on the respondents' values."""
    from scipy.stats import kruskal

    responses, _, book, _, _ = shipped("anes96")
    tallies = Tallies(responses)
    checked = 0
    for q in book.numeric:
        for group in book.breakdowns_of(q):
            counts = numeric_samples(tallies, q, group)
            samples = [[v for v, c in g.items() for _ in range(c)] for g in counts.values()]
            if len(samples) < 2:
                continue
            want = kruskal(*samples)
            got = kruskal_wallis(list(counts.values()))
            assert got.statistic == pytest.approx(float(want.statistic), rel=1e-12)
            assert got.p == pytest.approx(float(want.pvalue), rel=1e-9)
            assert got.n == sum(map(len, samples)) and got.df == len(samples) - 1
            checked += 1
    assert checked >= 5


def test_kruskal_wallis_all_tied_is_undefined_as_scipy():
    """INVENTED: every value equal has no ranking (scipy: nan)."""
    got = kruskal_wallis([{1.0: 2}, {1.0: 3}])
    assert np.isnan(got.statistic) and got.n == 5


# --- the engine a survey names ------------------------------------------------------------------


def _params_with(line: str) -> str:
    """params.yaml with oas_2013's engine line (or its master's) replaced by ``line``."""
    text = (ROOT / "params.yaml").read_text(encoding="utf-8")
    old = "    spark_master: local[2]\n" if "spark_master" in line else "    engine: polars\n"
    return text.replace(old, line, 1)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("    engine: dask\n", "surveys.oas_2013.engine: expected 'polars', 'duckdb' or 'spark'"),
        ("    spark_master: http://x\n", "oas_2013.spark_master: expected a Spark master URL"),
        ("    engin: spark\n", "found unknown key 'engin'"),
    ],
)
def test_an_unknown_engine_or_master_is_refused_naming_the_key(line, message):
    with pytest.raises(ConfigError, match=message) as err:
        parse_params(_params_with(line))
    assert str(err.value).startswith("params.yaml:")


def test_the_summarize_stage_declares_the_engine_keys():
    for survey in SURVEYS:
        declared = stage_spec(ROOT, "summarize", survey).params
        assert f"surveys.{survey}.engine" in declared
        assert f"surveys.{survey}.spark_master" in declared
    with pytest.raises(ValueError, match="expected one of"):
        open_responses(shipped("oas_2013")[0], "dask")


def _engine_project(tmp_path: Path, survey: str, engine: str) -> Path:
    """A project copy with one shipped export, run to summarize on ``engine``."""
    folder = {"nhanes2": "data/examples/nhanes2", "anes96": "data/examples/anes96"}[survey]
    source = "nhanes2.csv" if survey == "nhanes2" else "survey.csv"
    files = {f"{folder}/{n}": (ROOT / folder / n).read_bytes() for n in (source, "codebook.yaml")}
    overrides = load_params(ROOT).surveys[survey].overrides
    entry = survey_entry(
        f"{folder}/{source}", f"{folder}/codebook.yaml", "respondent_csv", overrides=overrides
    )
    root = make_project(tmp_path, {survey: {**entry, "engine": engine}}, files)
    for stage in ("extract", "clean", "summarize"):
        ok(run_stage(root, stage, survey, timeout=600), stage, survey)
    return root


def _same_outputs(root: Path, survey: str) -> None:
    for name in ("summaries.csv", "provenance.json", "metrics.json"):
        committed = (ROOT / "data/processed" / survey / name).read_bytes()
        assert data(root, name, survey).read_bytes() == committed, name


@pytest.mark.pipeline
def test_the_summarize_stage_on_duckdb_writes_the_committed_outputs(tmp_path):
    """nhanes2 (weighted) through extract, clean and summarize with ``engine: duckdb``:
    summaries.csv, provenance.json and metrics.json equal the committed ones (polars)."""
    _same_outputs(_engine_project(tmp_path, "nhanes2", "duckdb"), "nhanes2")


@pytest.mark.slow
def test_the_summarize_stage_on_spark_writes_the_committed_outputs(tmp_path):
    """anes96 (numeric questions, rank tests) with ``engine: spark`` (local[2])."""
    root = _engine_project(tmp_path, "anes96", "spark")
    _same_outputs(root, "anes96")
    executed = (root / "reports/anes96/notebooks/03_summarize.ipynb").read_text("utf-8")
    assert "log4j" not in executed and "WARN" not in executed  # the JVM's lines: its log
