"""Tallies: counts of value combinations of a respondent table, through narwhals."""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw

from helpers.core.codebook import Codebook, Question
from helpers.summarize.figure import QUANTILES
from helpers.summarize.value_counts import numeric_stats

JOINT_CELLS = 50_000  # largest joint table of one question's breakdowns counted in one query


class Tallies:
    """Counts of value combinations of a respondent table, through narwhals.

    Any table narwhals reads works: polars (the pipeline's), pandas, pyarrow,
    or a lazy frame of DuckDB, Dask or PySpark, on which each count is one
    ``group_by(...).agg(len)`` query. :meth:`prefetch` counts the joint table of
    a question and all its breakdowns in one query (a few hundred cells), from
    which every pair is summed; pairs not prefetched get a query of their own.
    Every figure's count equals applying its selection rule row by row, which
    the tests check.
    """

    def __init__(self, table: Any) -> None:
        self.frame = nw.from_native(table)
        self._counts: dict[tuple[str, str | None], dict[tuple, int]] = {}
        self._joint: list[tuple[tuple[str, ...], list[tuple]]] = []
        self._distinct: dict[str, list[str]] = {}
        self._values: dict[tuple[str, str, str], dict[str, dict]] = {}

    def _rows(self, query: Any) -> list[tuple]:
        return (query.collect() if isinstance(query, nw.LazyFrame) else query).rows()

    @property
    def height(self) -> int:
        """Number of rows (respondents)."""
        return int(self._rows(self.frame.select(nw.len()))[0][0])

    def distinct(self, column: str) -> list[str]:
        """The distinct non-missing values of ``column``, as text."""
        if column not in self._distinct:
            query = self.frame.select(nw.col(column)).unique()
            self._distinct[column] = [str(v) for (v,) in self._rows(query) if _present(v)]
        return self._distinct[column]

    def prefetch(self, columns: list[str], levels: dict[str, int]) -> None:
        """Count the joint table of ``columns`` in one query, if at most JOINT_CELLS cells.

        ``levels``: the number of distinct values of each column (missing included).
        """
        keys = tuple(dict.fromkeys(c for c in columns if c != "all"))
        cells = 1
        for c in keys:
            cells *= levels[c]
        if len(keys) < 2 or cells > JOINT_CELLS:
            return
        rows = self._rows(self.frame.group_by(list(keys), drop_null_keys=False).agg(nw.len()))
        self._joint.append(
            (
                keys,
                [
                    (*(str(v) if _present(v) else None for v in row[:-1]), int(row[-1]))
                    for row in rows
                ],
            )
        )

    def counts(self, group: str, column: str | None) -> dict[tuple, int]:
        """{(group value, column value): n}; None stands for missing, 'all' for everyone."""
        key = (group, column)
        if key not in self._counts:
            keys = [c for c in dict.fromkeys([group, column]) if c not in (None, "all")]
            joint = next((j for j in self._joint if set(keys) <= set(j[0])), None)
            if joint is not None:
                where = [joint[0].index(c) for c in keys]
                rows = [(*(row[i] for i in where), row[-1]) for row in joint[1]]
            elif keys:
                rows = [
                    (*(str(v) if _present(v) else None for v in row[:-1]), int(row[-1]))
                    for row in self._rows(
                        self.frame.group_by(keys, drop_null_keys=False).agg(nw.len())
                    )
                ]
            else:
                rows = self._rows(self.frame.select(nw.len()))
            out: dict[tuple, int] = {}
            for row in rows:
                values = dict(zip(keys, row[:-1], strict=False))
                pair = tuple(
                    "all" if c in (None, "all") else values[c]
                    for c in (group, column if column is not None else group)
                )
                out[pair] = out.get(pair, 0) + int(row[-1])
            self._counts[key] = out
        return self._counts[key]


def column_levels(tallies: Tallies, book: Codebook) -> dict[str, int]:
    """Distinct values (missing counted as one) of each column a breakdown can use."""
    levels = {
        g.id: len(tallies.distinct(g.id)) + 1 if g.from_source else len(g.values) + 1
        for g in book.groups
    }
    for q in book.closed:
        if q.categorical:
            levels[q.id] = len(q.answers) + 1
        else:
            levels |= {c: 3 for c in q.indicators.values()}
    return levels


def _present(value: object) -> bool:
    """False for a missing value of any engine (None, NaN, pandas' NA)."""
    if value is None:
        return False
    try:
        return bool(value == value)  # NaN is not equal to itself
    except TypeError:  # pandas' NA has no truth value
        return False


def value_counts(tallies: Tallies, column: str, group: str) -> dict[str, dict]:
    """{group value: {value of ``column`` (None: none): respondents}}, one query, cached.

    Respondents without a group value are left out (``group`` "all": everyone).
    """
    key = ("values", group, column)
    if key not in tallies._values:
        keys = [column] if group == "all" else [group, column]
        query = tallies.frame.group_by(keys, drop_null_keys=False).agg(nw.len())
        out: dict[str, dict] = {}
        for row in tallies._rows(query):
            if group != "all" and not _present(row[0]):
                continue
            level = "all" if group == "all" else str(row[0])
            value = row[-2] if _present(row[-2]) else None
            out.setdefault(level, {})[value] = int(row[-1])
        tallies._values[key] = out
    return tallies._values[key]


def numeric_table(tallies: Tallies, q: Question, group: str, method: str) -> dict[str, dict]:
    """{group value: members, n, mean, sd and each quantile, min, max of ``q``}.

    From the value counts of one query (:mod:`helpers.summarize.value_counts`).
    """
    counts = value_counts(tallies, q.id, group)
    if group == "all":  # everyone: one row, even of no respondent
        counts = {"all": counts.get("all", {})}
    return {level: numeric_stats(c, QUANTILES, method) for level, c in counts.items()}


def numeric_samples(tallies: Tallies, q: Question, group: str) -> dict[str, dict]:
    """Each group value's value counts of numeric ``q`` (respondents missing either left out)."""
    counts = value_counts(tallies, q.id, group)
    kept = {
        level: {v: c for v, c in values.items() if v is not None}
        for level, values in counts.items()
    }
    return dict(sorted((k, v) for k, v in kept.items() if v))
