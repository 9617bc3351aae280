"""The verified hand-off opened on the engine a survey names (``surveys.<id>.engine``).

``summarize()`` takes any frame narwhals drives; this module makes that frame on one of
:data:`ENGINES`: ``polars`` (the verified frame as it is: what the pipeline always ran),
``duckdb`` (a relation of an in-process database) or ``spark`` (a DataFrame of a Spark
session at ``surveys.<id>.spark_master``: ``local[2]`` on this machine, ``spark://host:7077``
or ``yarn`` for a cluster). Every engine gives the same figures (tests/test_engines.py).

The source is either the verified hand-off as polars (a DataFrame or LazyFrame that
helpers.core.handoff has checked: checksum, stamp and types), which reaches DuckDB and
Spark through Arrow, codes as text; or the path of a hand-off already verified, which
the engine reads itself (Parquet), so the rows need never pass through this process.
:func:`open_verified` is the summarize stage's way: the LazyFrame ``scan_responses`` made
(verified without reading the rows) for polars, the file itself for DuckDB and Spark, each
column of the type the Arrow route gives it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from helpers.core.params import ENGINES

DEFAULT_SPARK_MASTER = "local[2]"
# the keys naming the engine: not in provenance (where the figures were computed, not how)
ENGINE_KEYS = ("engine", "spark_master")
_SPARK_CONF = {  # a session for this process: no UI, no network beyond the master
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


# the JVM's own output (log4j's start-up lines, warnings with dates and host names) goes
# here, not into the executed notebook, which must be the same on every run
SPARK_LOG = Path(tempfile.gettempdir()) / "helpers-spark.log"


@contextmanager
def _quiet_jvm() -> Iterator[None]:
    """The JVM started inside writes to :data:`SPARK_LOG`; pyspark's pandas warning hidden."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with SPARK_LOG.open("ab") as log, warnings.catch_warnings():
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas")
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def spark_session(master: str = DEFAULT_SPARK_MASTER) -> Any:
    """The process's Spark session on ``master`` (created once; pyspark needs Java 17+)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("helpers-summarize")
    for key, value in _SPARK_CONF.items():
        builder = builder.config(key, value)
    with _quiet_jvm():
        return builder.getOrCreate()


def _text_codes(schema: pl.Schema) -> dict[str, pl.DataType]:
    """``schema`` with enumerated codes as text, as every engine receives them."""
    return {
        c: pl.String if isinstance(t, (pl.Enum, pl.Categorical)) else t for c, t in schema.items()
    }


def _as_text_codes(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The frame collected, enumerated codes as text (Arrow dictionaries are not every engine's)."""
    eager = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    return eager.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))


def open_responses(
    source: pl.DataFrame | pl.LazyFrame | str | Path,
    engine: str,
    spark_master: str = DEFAULT_SPARK_MASTER,
) -> Any:
    """``source`` as a frame of ``engine`` (polars, duckdb or spark), for ``summarize()``."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: expected one of {ENGINES}")
    path = source if isinstance(source, (str, Path)) else None
    if engine == "polars":
        return pl.scan_parquet(path) if path is not None else source
    if engine == "duckdb":
        import duckdb

        connection = duckdb.connect(":memory:")
        if path is not None:
            return connection.read_parquet(str(path))
        return connection.from_arrow(_as_text_codes(source).to_arrow())  # type: ignore[arg-type]
    session = spark_session(spark_master)
    if path is not None:
        return session.read.parquet(str(path))
    with _quiet_jvm():
        return session.createDataFrame(_as_text_codes(source).to_arrow())  # type: ignore[arg-type]


def _duckdb_typed(relation: Any, connection: Any, schema: dict[str, pl.DataType]) -> Any:
    """``relation`` with each column cast where its type differs from the Arrow route's."""
    wanted = connection.from_arrow(pl.DataFrame(schema=schema).to_arrow())
    types = dict(zip(relation.columns, map(str, relation.types), strict=True))
    want = dict(zip(wanted.columns, map(str, wanted.types), strict=True))
    if types == want:
        return relation
    return relation.project(
        ", ".join(
            f'"{c}"' if types.get(c) == t else f'CAST("{c}" AS {t}) AS "{c}"'
            for c, t in want.items()
        )
    )


def _spark_typed(frame: Any, session: Any, schema: dict[str, pl.DataType]) -> Any:
    """``frame`` with each column cast where its type differs from the Arrow route's."""
    from pyspark.sql import functions as F

    with _quiet_jvm():
        wanted = session.createDataFrame(pl.DataFrame(schema=schema).to_arrow()).schema
    types = {f.name: f.dataType for f in frame.schema.fields}
    if [(f.name, f.dataType) for f in wanted.fields] == list(types.items()):
        return frame
    return frame.select(
        [
            F.col(f.name) if types.get(f.name) == f.dataType else F.col(f.name).cast(f.dataType)
            for f in wanted.fields
        ]
    )


def open_verified(
    verified: pl.LazyFrame,
    path: str | Path,
    engine: str,
    spark_master: str = DEFAULT_SPARK_MASTER,
) -> Any:
    """The hand-off at ``path``, verified (``verified``: its scan_responses) on ``engine``.

    Nothing is collected in this process: polars gets ``verified`` itself (a LazyFrame,
    the codebook's types); DuckDB and Spark read the file, each column cast where the
    engine's reading of it differs from the type :func:`open_responses` hands it through
    Arrow (codes as text), so the figures are those of either route.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: expected one of {ENGINES}")
    if engine == "polars":
        return verified
    schema = _text_codes(verified.collect_schema())
    if engine == "duckdb":
        import duckdb

        connection = duckdb.connect(":memory:")
        return _duckdb_typed(connection.read_parquet(str(path)), connection, schema)
    session = spark_session(spark_master)
    return _spark_typed(session.read.parquet(str(path)), session, schema)
