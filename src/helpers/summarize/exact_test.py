"""Fisher-Freeman-Halton's exact test: every table with the observed margins, or Monte Carlo.

See :mod:`helpers.summarize.comparisons`; R's ``fisher.test`` (with and without
``simulate.p.value``) is the reference.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from helpers.summarize.comparison_result import TestResult

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

# The exact test enumerates the tables with the observed margins when there are at most this
# many; beyond, a Monte Carlo p-value. The enumeration merges partial tables with the same
# rows left and the same probability so far, so its time follows those, not the tables:
# measured on this machine, 3 x 6 (n = 50, 4.5e7 tables) 0.12 s, 5 x 5 (n = 40, 1.5e9)
# 0.55 s, 4 x 4 (n = 60, 8.1e7) 1.9 s; 1e7 tables or fewer took at most 0.1 s.
EXACT_MAX_TABLES = 10_000_000
COUNT_BUDGET = 50_000  # steps to count the tables before deciding there are too many
# A table with more non-empty rows (or columns) than this takes the Monte Carlo p-value
# without counting its tables: each counting step costs one pass over the rows, so a group
# of 1,000 levels would spend seconds finding what the limit says at once.
EXACT_MAX_LEVELS = 200
MC_BATCH = 10_000  # Monte Carlo tables drawn (and held in memory) at once
# R's fisher.test: tables whose probability is at most the observed one's times this count
EXACT_REL_ERR = 1 + 1e-7
# R's fisher.test(simulate.p.value = TRUE): STATISTIC / almost.1, almost.1 = 1 + 64 * eps
MC_ALMOST_ONE = 1 + 64 * np.finfo(float).eps


def _compositions(total: int, caps: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every way to split ``total`` into len(caps) non-negative parts, part i at most caps[i].

    In lexicographic order, iteratively (an odometer, no recursion): a group of any
    number of levels, 1,000 or 100,000, needs no deeper stack.
    """
    n = len(caps)
    rest = [0] * (n + 1)  # rest[i]: the most that parts i, i + 1, ... can hold
    for i in range(n - 1, -1, -1):
        rest[i] = rest[i + 1] + caps[i]
    if n == 0 or not 0 <= total <= rest[0]:
        return
    parts = [0] * n
    left = [0] * n  # left[i]: what parts i, i + 1, ... share
    left[0] = total
    parts[0] = max(0, total - rest[1])
    i = 0
    while True:
        while i < n - 1:  # the parts after i at their least
            left[i + 1] = left[i] - parts[i]
            i += 1
            parts[i] = max(0, left[i] - rest[i + 1])
        yield tuple(parts)
        i = n - 2  # the last part before the final one that can still grow
        while i >= 0 and parts[i] >= min(caps[i], left[i]):
            i -= 1
        if i < 0:
            return
        parts[i] += 1


def count_tables(
    rows: Sequence[int], cols: Sequence[int], budget: int = COUNT_BUDGET
) -> int | None:
    """The number of tables of non-negative integers with these margins (exact).

    None when counting them would take more than ``budget`` steps (partial columns
    visited): a table with that many ways to fill it has more than any enumerable count.
    """
    cols = sorted(cols, reverse=True)
    # states: rows left (sorted: what follows does not depend on their order) -> tables so far
    states: dict[tuple[int, ...], int] = {tuple(sorted(rows)): 1}
    steps = 0
    for c in cols[:-1]:  # the last column is what is left of each row
        nxt: dict[tuple[int, ...], int] = {}
        for left, k in states.items():
            for x in _compositions(c, left):
                steps += 1
                if steps > budget:
                    return None
                key = tuple(sorted(a - b for a, b in zip(left, x, strict=True)))
                nxt[key] = nxt.get(key, 0) + k
        states = nxt
    return sum(states.values())


def _log_factorial_product(values: Sequence[int]) -> float:
    return math.fsum(math.lgamma(v + 1) for v in values)


def fisher_exact_p(table: np.ndarray) -> float:
    """Fisher-Freeman-Halton exact p-value by full enumeration (R's ``fisher.test``).

    A table's probability under independence given the margins is
    prod(row!) prod(col!) / (n! prod(cell!)): it varies only by D = prod(cell!), an exact
    integer here. Columns are filled one at a time; partial tables with the same rows left
    (as a multiset: the rest does not depend on their order) and the same D so far are
    merged, counted by multiplicity. The p-value sums the probabilities of the tables at
    most as probable as the observed one, with R's relative tolerance (1 + 1e-7).
    """
    table = np.asarray(table, dtype=np.int64)
    rows = [int(v) for v in table.sum(axis=1)]
    cols = sorted((int(v) for v in table.sum(axis=0)), reverse=True)
    fact = [math.factorial(k) for k in range(max(max(rows), max(cols)) + 1)]
    # states: rows left (sorted) -> {D so far: number of partial tables}
    states: dict[tuple[int, ...], dict[int, int]] = {tuple(sorted(rows)): {1: 1}}
    for c in cols[:-1]:
        nxt: dict[tuple[int, ...], dict[int, int]] = {}
        for left, paths in states.items():
            for x in _compositions(c, left):
                d_col = math.prod(fact[v] for v in x)
                key = tuple(sorted(a - b for a, b in zip(left, x, strict=True)))
                into = nxt.setdefault(key, {})
                for d, k in paths.items():
                    into[d * d_col] = into.get(d * d_col, 0) + k
        states = nxt
    final: dict[int, int] = {}
    for left, paths in states.items():
        d_last = math.prod(fact[v] for v in left)
        for d, k in paths.items():
            final[d * d_last] = final.get(d * d_last, 0) + k
    log_k = _log_factorial_product(rows) + _log_factorial_product(cols) - math.lgamma(sum(rows) + 1)
    log_d_obs = _log_factorial_product(int(v) for v in table.ravel())
    # probability <= observed * (1 + 1e-7)  <=>  log D >= log D_obs - log(1 + 1e-7)
    cut = log_d_obs - math.log(EXACT_REL_ERR)
    terms = [k * math.exp(log_k - math.log(d)) for d, k in final.items() if math.log(d) >= cut]
    return min(1.0, math.fsum(terms))


def fisher_monte_carlo_p(table: np.ndarray, resamples: int, seed: int | Sequence[int]) -> float:
    """Monte Carlo p-value of the exact test, as R's ``fisher.test(simulate.p.value = TRUE)``.

    p = (1 + the number of drawn tables at most as probable as the observed) /
    (resamples + 1); see :func:`monte_carlo_extreme`.
    """
    return (1 + monte_carlo_extreme(table, resamples, seed)) / (resamples + 1)


def monte_carlo_extreme(table: np.ndarray, resamples: int, seed: int | Sequence[int]) -> int:
    """How many of ``resamples`` tables drawn with the observed margins are as extreme.

    As extreme: at most as probable as the observed table (R's ``fisher.test``'s rule).
    Tables are drawn by scipy's ``random_table``, seeded by ``seed``, in batches of
    :data:`MC_BATCH`. Same inputs, same count.
    """
    from scipy.special import gammaln
    from scipy.stats import random_table

    table = np.asarray(table, dtype=np.int64)
    dist = random_table(table.sum(axis=1), table.sum(axis=0), seed=np.random.default_rng(seed))
    observed = -float(gammaln(table + 1).sum())  # R's STATISTIC: -sum(lfactorial(x))
    at_most = 0
    done = 0
    while done < resamples:
        size = min(MC_BATCH, resamples - done)
        drawn = dist.rvs(size=size)
        stats = -gammaln(drawn + 1).sum(axis=(1, 2))
        at_most += int(np.count_nonzero(stats <= observed / MC_ALMOST_ONE))
        done += size
    return at_most


def exact(
    table: np.ndarray, resamples: int, seed: int | Sequence[int], max_tables: int = EXACT_MAX_TABLES
) -> TestResult:
    """The exact test: enumerated if at most ``max_tables`` tables, else Monte Carlo."""
    table = np.asarray(table, dtype=np.int64)
    df = float((table.shape[0] - 1) * (table.shape[1] - 1))
    n = int(table.sum())
    count = (
        None
        if max(table.shape) > EXACT_MAX_LEVELS
        else count_tables(table.sum(axis=1).tolist(), table.sum(axis=0).tolist())
    )
    if count is not None and count <= max_tables:
        return TestResult("fisher_exact", None, df, fisher_exact_p(table), n)
    extreme = monte_carlo_extreme(table, resamples, seed)
    return TestResult(
        "fisher_monte_carlo",
        None,
        df,
        (1 + extreme) / (resamples + 1),
        n,
        resamples=resamples,
        extreme=extreme,
    )
