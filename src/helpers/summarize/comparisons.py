"""Group comparisons: tests of independence of a question's answers and a group's levels.

Pure functions, counts in, result out. Each closed single-answer question is
tested against each of its breakdowns and cross-tabs on the table of its answers
in the base (excluded answers and nets left out) by the group's levels; levels
with no respondent and answers nobody gave are dropped first, and a table left
with fewer than two rows or two columns is not tested (:func:`prune`).

- unweighted, ``stats.test_method``: ``pearson`` (Pearson's chi-square, no
  continuity correction: scipy's ``chi2_contingency(correction=False)``, R's
  ``chisq.test(correct = FALSE)``), ``exact`` (Fisher-Freeman-Halton's exact
  conditional test, R's ``fisher.test``) or ``auto`` (Pearson when every
  expected count is at least ``stats.test_min_expected``, else exact).
  The exact p-value enumerates every table with the observed margins when there
  are at most :data:`EXACT_MAX_TABLES` of them; otherwise it is a Monte Carlo
  p-value from ``stats.test_resamples`` tables drawn with those margins, as R's
  ``fisher.test(simulate.p.value = TRUE)``.
- weighted (a codebook ``design:``): the Rao-Scott test (``stats.design_test``)
  from svy's ``tabulate`` (helpers.summarize.design), R's ``svychisq``.

Every p-value from a distribution is its survival function at the statistic
(scipy's ``f.sf``, ``chi2.sf``, ``t.sf``), never 1 - CDF: svy reports p = 1 - CDF,
which is 0.0 below about 1e-16; a p of 1.7e-21 stays 1.7e-21, so its adjusted value
is not 0 either. A Monte Carlo p-value says so wherever it is shown: it is
(1 + tables as extreme) / (tables drawn + 1), and when no drawn table was as
extreme it is only known to be below 1 / tables drawn (:func:`shown_test_p`).

A comparison is tested once per unordered pair of variables (:func:`pair_key`): the
test of independence of two categorical variables does not depend on which is the
question and which the group, so when A is broken down by B and B by A, the first in
codebook order is tested and counted in the adjustment, and the other's table cites it.

``stats.p_adjust`` adjusts the p-values of all the tests of a survey (one
family) for multiplicity (statsmodels' ``multipletests``). scipy.stats and
statsmodels are imported only when a test runs: the stage's imports stay light.

Multiple-choice questions are not tested: a respondent may choose several
options, so the table's cells are not one answer per respondent and its counts
are not a multinomial sample; a test of independence of the answer table does
not apply (each option would need its own 2 x k test).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from helpers.core.params import DESIGN_TESTS, TEST_METHODS
from helpers.core.params import P_ADJUST_METHODS as P_ADJUST
from helpers.core.stats import round_decimal

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from helpers.core.codebook import Codebook

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

LABELS = {
    "pearson_chi2": "Pearson chi-square test",
    "fisher_exact": "Fisher–Freeman–Halton exact test",
    "fisher_monte_carlo": "Fisher–Freeman–Halton test, Monte Carlo",
    "rao_scott_f": "Rao–Scott F test (second-order)",
    "rao_scott_chisq": "Rao–Scott chi-square test (first-order)",
    "kruskal_wallis": "Kruskal–Wallis test",
    "design_rank_test": "Design-based rank test",
}
ADJUST_LABELS = {"holm": "Holm", "bh": "Benjamini–Hochberg", "none": "unadjusted"}


@dataclass(frozen=True)
class TestResult:
    """One test of independence: its method (machine name), statistic, df and p-value."""

    method: str
    statistic: float | None  # None for the exact test (its statistic is the table's probability)
    df: float
    p: float
    n: int  # respondents in the table tested (unweighted)
    df_denominator: float | None = None  # Rao-Scott F's denominator df
    resamples: int | None = None  # Monte Carlo tables drawn
    extreme: int | None = None  # Monte Carlo tables drawn at most as probable as the observed

    @property
    def monte_carlo(self) -> bool:
        """True for a Monte Carlo p-value (an estimate from ``resamples`` tables)."""
        return self.resamples is not None


def prune(table: np.ndarray) -> np.ndarray | None:
    """The table without empty rows and columns; None if fewer than 2 of either are left."""
    table = np.asarray(table, dtype=np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return None
    return table


def expected_counts(table: np.ndarray) -> np.ndarray:
    """Expected counts under independence: row total x column total / n."""
    table = np.asarray(table, dtype=float)
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()


def pearson(table: np.ndarray) -> TestResult:
    """Pearson's chi-square test of independence, no continuity correction."""
    from scipy.stats import chi2_contingency

    out = chi2_contingency(np.asarray(table), correction=False)
    return TestResult("pearson_chi2", float(out.statistic), float(out.dof), float(out.pvalue),
                      int(np.sum(table)))  # fmt: skip


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


def count_tables(rows: Sequence[int], cols: Sequence[int],
                 budget: int = COUNT_BUDGET) -> int | None:  # fmt: skip
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
    log_k = (_log_factorial_product(rows) + _log_factorial_product(cols)
             - math.lgamma(sum(rows) + 1))  # fmt: skip
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


def exact(table: np.ndarray, resamples: int, seed: int | Sequence[int],
          max_tables: int = EXACT_MAX_TABLES) -> TestResult:  # fmt: skip
    """The exact test: enumerated if at most ``max_tables`` tables, else Monte Carlo."""
    table = np.asarray(table, dtype=np.int64)
    df = float((table.shape[0] - 1) * (table.shape[1] - 1))
    n = int(table.sum())
    count = None if max(table.shape) > EXACT_MAX_LEVELS else \
        count_tables(table.sum(axis=1).tolist(), table.sum(axis=0).tolist())  # fmt: skip
    if count is not None and count <= max_tables:
        return TestResult("fisher_exact", None, df, fisher_exact_p(table), n)
    extreme = monte_carlo_extreme(table, resamples, seed)
    return TestResult("fisher_monte_carlo", None, df, (1 + extreme) / (resamples + 1), n,
                      resamples=resamples, extreme=extreme)  # fmt: skip


def independence(table: np.ndarray, method: str, min_expected: float, resamples: int,
                 seed: int | Sequence[int],
                 max_tables: int = EXACT_MAX_TABLES) -> TestResult | None:  # fmt: skip
    """Test of independence of an unweighted table (rows: group levels; columns: answers).

    None when the table, without its empty rows and columns, is not at least 2 x 2.
    """
    if method not in TEST_METHODS:
        raise ValueError(f"test method {method!r}: one of {TEST_METHODS}")
    pruned = prune(table)
    if pruned is None:
        return None
    if method == "pearson" or (method == "auto"
                               and expected_counts(pruned).min() >= min_expected):  # fmt: skip
        return pearson(pruned)
    return exact(pruned, resamples, seed, max_tables)


def rao_scott(stats: object, design_test: str, n: int) -> TestResult:
    """The Rao-Scott test from svy's table statistics (``TableStats``: ``chisq``, ``f``).

    The statistics and df are svy's; the p-values are recomputed from them by survival
    functions (svy's are 1 - CDF, 0.0 below about 1e-16). R's ``svychisq``: the second-order
    F = X2 / sum(a) on (d0, d0 x design df); the first-order test refers X2 / mean(a) =
    F x df to chi-square on df = (rows - 1)(columns - 1) (``a``: the eigenvalues of the
    design effect matrix), its statistic X2 as svy reports it.
    """
    from scipy.stats import chi2
    from scipy.stats import f as f_dist

    f = stats.f  # type: ignore[attr-defined]
    if design_test == "rao_scott_f":
        p = float(f_dist.sf(float(f.value), float(f.df_num), float(f.df_den)))
        return TestResult("rao_scott_f", float(f.value), float(f.df_num), p, n,
                          df_denominator=float(f.df_den))  # fmt: skip
    if design_test == "rao_scott_chisq":
        c = stats.chisq  # type: ignore[attr-defined]
        p = float(chi2.sf(float(f.value) * float(c.df), float(c.df)))
        return TestResult("rao_scott_chisq", float(c.value), float(c.df), p, n)
    raise ValueError(f"design test {design_test!r}: one of {DESIGN_TESTS}")


def kruskal_wallis(samples: Sequence[Sequence[float]]) -> TestResult:
    """Kruskal–Wallis H test of a numeric question across groups (scipy; R's kruskal.test).

    Ties corrected; ``samples``: each group's values, groups with none left out.
    """
    from scipy.stats import kruskal

    kept = [list(v) for v in samples if len(v)]
    h, p = kruskal(*kept)
    return TestResult("kruskal_wallis", float(h), float(len(kept) - 1), float(p),
                      sum(map(len, kept)))  # fmt: skip


@dataclass(frozen=True)
class RankTest:
    """A design-based rank test: t on (1, df_den) for two groups, else F on (df_num, df_den)."""

    statistic: float
    df_num: float
    df_den: float
    two_groups: bool

    @classmethod
    def of_svy(cls, result: object) -> RankTest:
        """From svy's rank test (its ``stats``: ``TDist`` for two groups, ``FDist`` for more)."""
        stats = result.stats  # type: ignore[attr-defined]
        if hasattr(stats, "df_num"):
            return cls(float(stats.value), float(stats.df_num), float(stats.df_den), False)
        return cls(float(stats.value), 1.0, float(stats.df), True)


def design_rank(result: RankTest, n: int) -> TestResult:
    """The design-based rank test (R's svyranktest, Kruskal–Wallis scores) as a TestResult.

    A t statistic for two groups, F on (k - 1, design df) for more; the p-value from
    survival functions (``2 t.sf(|t|)``, ``f.sf``), never 1 - CDF.
    """
    from scipy.stats import f as f_dist
    from scipy.stats import t as t_dist

    if result.two_groups:
        p = float(2 * t_dist.sf(abs(result.statistic), result.df_den))
        return TestResult("design_rank_test", result.statistic, result.df_den, p, n)
    p = float(f_dist.sf(result.statistic, result.df_num, result.df_den))
    return TestResult("design_rank_test", result.statistic, result.df_num, p, n,
                      df_denominator=result.df_den)  # fmt: skip


def adjust(p_values: Sequence[float], method: str) -> list[float]:
    """p-values adjusted for multiplicity over one family (``holm``, ``bh`` or ``none``)."""
    if method not in P_ADJUST:
        raise ValueError(f"p adjustment {method!r}: one of {P_ADJUST}")
    if method == "none" or not p_values:
        return [float(p) for p in p_values]
    from statsmodels.stats.multitest import multipletests

    name = {"holm": "holm", "bh": "fdr_bh"}[method]
    return [float(p) for p in multipletests(np.asarray(p_values, dtype=float), method=name)[1]]


def shown_p(p: float, rounding: str) -> str:
    """A p-value as the report prints it: 3 decimals (``stats.rounding``), ``<0.001`` below."""
    return "<0.001" if p < 0.001 else str(round_decimal(p, 3, rounding))


def shown_value(value: float, decimals: int, rounding: str) -> str:
    """A statistic (2 decimals) or df (0: an integer) as the report prints it."""
    return str(round_decimal(value, decimals, rounding))


def p_label(result: TestResult) -> str:
    """What a test's p-value is (summaries.csv's ``answer``).

    'Pearson chi-square test p-value'; a Monte Carlo one names its tables:
    'Fisher–Freeman–Halton test, Monte Carlo p-value (10,000 tables)'.
    """
    if result.monte_carlo:
        return f"{LABELS[result.method]} p-value ({result.resamples:,} tables)"
    return f"{LABELS[result.method]} p-value"


MC_TABLES = re.compile(r"Monte Carlo p-value \(([\d,]+) tables\)")


def monte_carlo_bound(resamples: int) -> str:
    """1 / tables drawn, as printed: the bound of a Monte Carlo p with no table as extreme."""
    return np.format_float_positional(1 / resamples, precision=2, unique=True,
                                      fractional=False, trim="-")  # fmt: skip


def shown_test_p(result: TestResult, rounding: str) -> str:
    """A test's p-value as printed: :func:`shown_p`, or a Monte Carlo bound.

    A Monte Carlo p-value with no drawn table as extreme is printed as the bound it is
    known to be under: '<0.0001' for 10,000 tables.
    """
    if result.monte_carlo and not result.extreme:
        return f"<{monte_carlo_bound(result.resamples)}"
    return shown_p(result.p, rounding)


def monte_carlo_of(answer: str, p: float) -> tuple[int, int] | None:
    """(tables drawn, tables as extreme) of a Monte Carlo p-value, from its summaries row.

    ``answer``: the row's text (:func:`p_label`); ``p``: its estimate, (1 + as extreme) /
    (drawn + 1). None for any other p-value.
    """
    found = MC_TABLES.search(answer)
    if found is None:
        return None
    resamples = int(found.group(1).replace(",", ""))
    return resamples, round(p * (resamples + 1)) - 1


def variable_of(book: Codebook, name: str) -> str:
    """The variable a question or group id stands for.

    A group reading a single-answer question's column is that question; a recode
    (``derived_from``) is a variable of its own.
    """
    try:
        group = book.group(name)
    except KeyError:
        return name
    if group.derived_from:
        return name
    for q in book.categorical:
        if q.id == name or (group.column and group.column == q.source_column
                            and not q.derived_from):  # fmt: skip
            return q.id
    return name


def pair_key(book: Codebook, question: str, group: str) -> frozenset[str]:
    """The unordered pair of variables a comparison tests: A by B and B by A are one."""
    return frozenset((variable_of(book, question), variable_of(book, group)))
