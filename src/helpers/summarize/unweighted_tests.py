"""The unweighted tests: Pearson's chi-square, the choice of it or the exact test, Kruskal–Wallis.

See :mod:`helpers.summarize.comparisons` for which test applies where.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from helpers.core.params import TEST_METHODS
from helpers.summarize.comparison_result import TestResult
from helpers.summarize.exact_test import EXACT_MAX_TABLES, exact
from helpers.summarize.value_counts import kruskal_wallis_h

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


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
    return TestResult(
        "pearson_chi2", float(out.statistic), float(out.dof), float(out.pvalue), int(np.sum(table))
    )


def independence(
    table: np.ndarray,
    method: str,
    min_expected: float,
    resamples: int,
    seed: int | Sequence[int],
    max_tables: int = EXACT_MAX_TABLES,
) -> TestResult | None:
    """Test of independence of an unweighted table (rows: group levels; columns: answers).

    None when the table, without its empty rows and columns, is not at least 2 x 2.
    """
    if method not in TEST_METHODS:
        raise ValueError(f"test method {method!r}: one of {TEST_METHODS}")
    pruned = prune(table)
    if pruned is None:
        return None
    if method == "pearson" or (method == "auto" and expected_counts(pruned).min() >= min_expected):
        return pearson(pruned)
    return exact(pruned, resamples, seed, max_tables)


def kruskal_wallis(groups: Sequence[Mapping[float, int]]) -> TestResult:
    """Kruskal–Wallis H test of a numeric question across groups (R's kruskal.test).

    ``groups``: each group's value counts ({value: respondents}, groups with none left
    out); mid-ranks and the tie correction from the counts (:func:`.kruskal_wallis_h`),
    so an engine need only count; the p-value is chi-square's survival function.
    """
    from scipy.stats import chi2

    h, k, n = kruskal_wallis_h(groups)
    return TestResult("kruskal_wallis", h, float(k - 1), float(chi2.sf(h, k - 1)), n)
