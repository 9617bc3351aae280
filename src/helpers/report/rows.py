"""The report's reading of respondent-level rows: only what it shows, in bounded memory.

The report stage reads the clean stage's hand-offs (``responses.parquet``,
``free_text.parquet``) as verified polars LazyFrames (helpers.core.handoff), never
whole: a count, the first rows of a listing, the rows a rule selects when they are
few. Each query runs on polars' streaming engine, so memory holds a batch and what
is collected, not the table (issue 26). The same functions take a pandas or polars
DataFrame (a document's few rows, the tests), read through the same queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import polars as pl

from helpers.core.handoff import as_pandas
from helpers.core.selection import ANSWERED, MISSING, Rule

Rows = pd.DataFrame | pl.DataFrame | pl.LazyFrame


def lazy(rows: Rows) -> pl.LazyFrame:
    """``rows`` as a polars LazyFrame (a pandas frame converted, a LazyFrame as it is)."""
    if isinstance(rows, pl.LazyFrame):
        return rows
    if isinstance(rows, pl.DataFrame):
        return rows.lazy()
    return pl.from_pandas(rows).lazy()


def collect(query: pl.LazyFrame) -> pl.DataFrame:
    """``query``'s result, computed by polars' streaming engine (row order kept)."""
    return query.collect(engine="streaming")


def column_names(rows: Rows) -> list[str]:
    """The column names of ``rows``."""
    return rows.collect_schema().names() if isinstance(rows, pl.LazyFrame) else list(rows.columns)


def count(rows: Rows) -> int:
    """How many rows ``rows`` holds (a LazyFrame counted without reading its values)."""
    if not isinstance(rows, pl.LazyFrame):
        return len(rows)
    return int(collect(rows.select(pl.len())).item())


def to_pandas(frame: pl.DataFrame, categorical: bool = True) -> pd.DataFrame:
    """Collected rows as the report's pandas (helpers.core.handoff.as_pandas)."""
    return as_pandas(frame, categorical=categorical)


def head(rows: Rows, n: int | None = None, categorical: bool = True) -> pd.DataFrame:
    """The first ``n`` rows (all with None) as pandas; a pandas frame's own rows unchanged."""
    if isinstance(rows, pd.DataFrame):
        return rows if n is None else rows.head(n)
    query = lazy(rows)
    return to_pandas(collect(query if n is None else query.head(n)), categorical)


def is_missing(column: str, dtype: pl.DataType) -> pl.Expr:
    """Missing as pandas' ``isna`` says: null, or NaN in a float column."""
    col = pl.col(column)
    return col.is_null() | col.is_nan() if dtype.is_float() else col.is_null()


def rule_expr(rule: Rule, schema: Mapping[str, pl.DataType]) -> pl.Expr:
    """:func:`helpers.core.selection.apply_rule` as a polars expression over ``schema``."""
    expr = pl.lit(True)
    for column, value in rule.items():
        if column not in schema:
            raise KeyError(f"rule column {column!r} is not in the table")
        text = pl.col(column).cast(pl.String)
        if value == ANSWERED:
            expr &= ~is_missing(column, schema[column])
        elif value == MISSING:
            expr &= is_missing(column, schema[column])
        elif isinstance(value, list):
            expr &= text.is_in(value).fill_null(False)
        else:
            expr &= (text == value).fill_null(False)
    return expr


def selected(rows: Rows, rules: Sequence[Rule], categorical: bool = True) -> pd.DataFrame:
    """The rows any of ``rules`` selects, in table order, as pandas (none: no rows).

    Collects only those rows: the provenance appendix lists the rows of the figures
    counting at most ``report.max_listed_rows``, and applies each rule to these.
    """
    query = lazy(rows)
    schema = query.collect_schema()
    where = pl.any_horizontal([rule_expr(r, schema) for r in rules]) if rules else pl.lit(False)
    return to_pandas(collect(query.filter(where)), categorical)


def rows_where(
    rows: Rows, where: pl.Expr, keep: Sequence[str], limit: int | None
) -> tuple[int, pd.DataFrame]:
    """How many rows match ``where``, and the first ``limit`` (all: None) of them, ``keep``."""
    query = lazy(rows)
    matching = query.filter(where).select(keep)
    n = int(collect(query.select(where.sum())).item())
    shown = collect(matching if limit is None else matching.head(limit))
    return n, to_pandas(shown)


def without_answers(
    rows: Rows, also: Mapping[str, pl.Expr], keep: Sequence[str], limit: int
) -> dict[str, tuple[int, int, pd.DataFrame]]:
    """Per column of ``also``, the rows missing it: count, how many match its ``also``, first ones.

    One scan counts every column's; the first ``limit`` rows (columns ``keep``) are
    read only for the columns some row misses.
    """
    if not also:
        return {}
    query = lazy(rows)
    schema = query.collect_schema()
    missing = {c: is_missing(c, schema[c]) for c in also}
    counts = collect(
        query.select(
            *[m.sum().alias(f"n{i}") for i, m in enumerate(missing.values())],
            *[(m & also[c]).sum().alias(f"a{i}") for i, (c, m) in enumerate(missing.items())],
        )
    ).row(0, named=True)
    out = {}
    for i, (column, m) in enumerate(missing.items()):
        n = int(counts[f"n{i}"] or 0)
        if n:
            first = to_pandas(collect(query.filter(m).select(keep).head(limit)))
            out[column] = (n, int(counts[f"a{i}"] or 0), first)
    return out
