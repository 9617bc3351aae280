"""A test of independence's result, and the adjustment of a survey's p-values for multiplicity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from helpers.core.methods import ADJUSTMENTS
from helpers.core.params import P_ADJUST_METHODS as P_ADJUST

if TYPE_CHECKING:
    from collections.abc import Sequence


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


def adjust(p_values: Sequence[float], method: str) -> list[float]:
    """p-values adjusted for multiplicity over one family (``holm``, ``bh`` or ``none``)."""
    if method not in P_ADJUST:
        raise ValueError(f"p adjustment {method!r}: one of {P_ADJUST}")
    if method == "none" or not p_values:
        return [float(p) for p in p_values]
    from statsmodels.stats.multitest import multipletests

    name = ADJUSTMENTS[method].statsmodels
    return [float(p) for p in multipletests(np.asarray(p_values, dtype=float), method=name)[1]]
