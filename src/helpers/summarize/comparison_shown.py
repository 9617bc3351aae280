"""A test's p-value and statistics as summaries.csv and the report print them."""

from __future__ import annotations

import re

import numpy as np

from helpers.core.methods import METHODS
from helpers.core.stats import round_decimal
from helpers.summarize.comparison_result import TestResult


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
        return f"{METHODS[result.method].label} p-value ({result.resamples:,} tables)"
    return f"{METHODS[result.method].label} p-value"


MC_TABLES = re.compile(r"Monte Carlo p-value \(([\d,]+) tables\)")


def monte_carlo_bound(resamples: int) -> str:
    """1 / tables drawn, as printed: the bound of a Monte Carlo p with no table as extreme."""
    return np.format_float_positional(
        1 / resamples, precision=2, unique=True, fractional=False, trim="-"
    )


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
