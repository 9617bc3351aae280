"""A weighted survey's column tests: differences of domain shares with their design-based SE.

R's ``svyby(~I(x == k), ~group, design, svymean, covmat = TRUE)`` then ``svycontrast``: the
shares of one variable in every group are estimated together by svy (``prop`` by the group,
Taylor linearization or replicates as the design has them), with the covariance matrix
between them; the difference of two groups' shares has variance
``V[a, a] + V[b, b] - 2 V[a, b]``, and its t statistic is referred to the design's degrees
of freedom (svy's ``design_df``, R's ``degf``). tests/test_column_tests.py compares them
with R's (tests/references/column_tests/).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from helpers.summarize.design import DesignEstimates
    from helpers.summarize.figure import Figure

_CACHE_KEY = "column_shares"


@dataclass(frozen=True)
class PairTest:
    """One pair's test: the difference of the shares (a − b, 0..1), its SE, statistic, p."""

    diff: float
    se: float
    statistic: float
    p: float
    df: float | None = None  # None: the normal distribution (z)


def shares_with_covariance(
    design: DesignEstimates, column: str, group: str
) -> tuple[dict[tuple[str, str], int], np.ndarray, np.ndarray, float]:
    """({(group value, value): row}, shares, their covariance, design df) of ``column``."""
    key = (_CACHE_KEY, column, group)
    if key not in design._cache:
        with design._told():
            est = design.sample.estimation.prop(
                y=column,
                by=group,
                drop_nulls=True,
                method=design.method,
                variance_center=design.center,
            )
        rows = {(str(g), str(v)): i for i, (g, v) in enumerate(est.keys())}
        values = np.array([p.est for p in est.estimates], dtype=float)
        design._cache[key] = (rows, values, np.asarray(est.covariance, dtype=float), est.design_df)
    rows, values, cov, df = design._cache[key]
    return rows, values, cov, float(df)


def difference(
    design: DesignEstimates, cell_a: Any, cell_b: Any
) -> tuple[float, float, float] | None:
    """(share a − share b, its SE, design df) of two figures' design cells (None: no SE)."""
    column, value, group, key_a = cell_a
    key_b = cell_b[3]
    rows, values, cov, df = shares_with_covariance(design, column, group)
    ia, ib = rows.get((str(key_a), str(value))), rows.get((str(key_b), str(value)))
    if ia is None or ib is None:
        return None
    var = cov[ia, ia] + cov[ib, ib] - 2 * cov[ia, ib]
    if not var > 0:
        return None
    return float(values[ia] - values[ib]), math.sqrt(float(var)), df


def design_pairs(design: DesignEstimates, cells: list[Figure]) -> dict[tuple[int, int], PairTest]:
    """{(i, j): the design-based test of cells i and j}, two-sided t on the design df."""
    from scipy.stats import t as t_dist

    out = {}
    for i, a in enumerate(cells):
        for j in range(i + 1, len(cells)):
            found = (
                difference(design, a.cell, cells[j].cell)
                if a.cell is not None and cells[j].cell is not None
                else None
            )
            if found is None:
                continue
            diff, se, df = found
            t = diff / se
            out[(i, j)] = PairTest(diff, se, t, float(2 * t_dist.sf(abs(t), df)), df)
    return out
