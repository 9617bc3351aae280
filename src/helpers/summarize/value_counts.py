"""A numeric question's statistics from its value counts: exact, whatever engine counted them.

An engine reduces a numeric column to ``{value: respondents}`` per group (one
``group_by(group, value).agg(len)`` query, which every engine narwhals drives runs); the
statistics are computed here from those counts, so no engine's own quantile, mean or rank
kernel is needed (Spark and DuckDB have only linear quantiles) and every engine gives the
same figures:

* quantiles are order statistics found by cumulative counts, interpolated as polars does
  (``stats.quantile_method``; the position ``p (n - 1)``, ``nearest`` rounding halves up);
* the mean and the standard deviation (n - 1) are computed in exact rational arithmetic
  and rounded once;
* the Kruskal–Wallis H statistic takes each distinct value's mid-rank from the counts,
  with the tie correction, in exact arithmetic (scipy's ``kruskal`` is the tests' reference).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

Counts = Mapping[Any, int]  # value (None: no value) -> respondents


def _sorted(counts: Counts) -> list[tuple[float, int]]:
    """(value, respondents) of the values present, smallest first."""
    return sorted((float(v), int(c)) for v, c in counts.items() if v is not None and c)


def order_statistic(values: list[tuple[float, int]], k: int) -> float:
    """The ``k``-th smallest value (0-based) of sorted (value, count) pairs."""
    seen = 0
    for value, count in values:
        seen += count
        if k < seen:
            return value
    raise IndexError(f"order statistic {k} of {seen} values")


def quantile(values: list[tuple[float, int]], p: float, method: str) -> float:
    """The ``p`` quantile of sorted (value, count) pairs, interpolated as polars' ``method``."""
    n = sum(c for _, c in values)
    position = p * (n - 1)
    low, high = math.floor(position), math.ceil(position)
    a = order_statistic(values, low)
    b = a if high == low else order_statistic(values, high)
    if method == "lower":
        return a
    if method == "higher":
        return b
    if method == "nearest":
        return order_statistic(values, math.floor(position + 0.5))
    if high == low:
        return a
    if method == "midpoint":
        return (a + b) / 2
    if method == "linear":
        return a + (b - a) * (position - low)
    raise ValueError(f"quantile method {method!r}: linear, lower, higher, nearest or midpoint")


def numeric_stats(counts: Counts, quantiles: Mapping[str, float], method: str) -> dict[str, Any]:
    """members, n, mean, sd, min, max and each named quantile of one group's value counts."""
    values = _sorted(counts)
    n = sum(c for _, c in values)
    out: dict[str, Any] = {"members": sum(int(c) for c in counts.values()), "n": n}
    if not n:
        return out | dict.fromkeys(["mean", "sd", "min", "max", *quantiles])
    total = sum(Fraction(v) * c for v, c in values)
    mean = total / n
    squares = sum((Fraction(v) - mean) ** 2 * c for v, c in values)
    out |= {
        "mean": float(mean),
        "sd": math.sqrt(float(squares / (n - 1))) if n > 1 else None,
        "min": values[0][0],
        "max": values[-1][0],
    }
    return out | {stat: quantile(values, p, method) for stat, p in quantiles.items()}


def kruskal_wallis_h(groups: Sequence[Counts]) -> tuple[float, int, int]:
    """(H corrected for ties, groups with a value, respondents) from each group's counts.

    Each distinct value's mid-rank is the respondents below it plus (its count + 1) / 2;
    H = 12 / (N (N + 1)) sum R_i^2 / n_i - 3 (N + 1), divided by
    1 - sum (t^3 - t) / (N^3 - N) over the tie sizes t. Exact until the final division.
    """
    kept = [_sorted(g) for g in groups]
    kept = [g for g in kept if g]
    ties: dict[float, int] = {}
    for g in kept:
        for value, count in g:
            ties[value] = ties.get(value, 0) + count
    rank: dict[float, Fraction] = {}
    below = 0
    for value in sorted(ties):
        rank[value] = below + Fraction(ties[value] + 1, 2)
        below += ties[value]
    total = below
    spread = sum(Fraction(sum(rank[v] * c for v, c in g) ** 2, sum(c for _, c in g)) for g in kept)
    h = Fraction(12, total * (total + 1)) * spread - 3 * (total + 1)
    correction = 1 - Fraction(sum(t**3 - t for t in ties.values()), total**3 - total)
    if not correction:  # every value equal: no ranking (scipy: nan)
        return math.nan, len(kept), total
    return float(h / correction), len(kept), total
