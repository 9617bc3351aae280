"""Percentages, rounding rules and binomial confidence intervals."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

# Decimal's ROUND_HALF_UP rounds halves away from zero (2.5 -> 3, -2.5 -> -3).
ROUNDING_RULES = {
    "half_away_from_zero": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "truncate": ROUND_DOWN,
    "ceiling": ROUND_CEILING,
}
ROUNDING_NAMES = {
    "half_away_from_zero": "rounded half away from zero",
    "half_even": "rounded half to even",
    "truncate": "truncated",
    "ceiling": "rounded up",
}
# params.yaml name -> statsmodels method name, and the name shown to readers.
CI_METHODS = {
    "wilson": ("wilson", "Wilson score interval"),
    "clopper_pearson": ("beta", "Clopper-Pearson exact interval"),
    "jeffreys": ("jeffreys", "Jeffreys interval"),
    "agresti_coull": ("agresti_coull", "Agresti-Coull interval"),
    "normal": ("normal", "normal-approximation (Wald) interval"),
}


def round_decimal(value: Decimal | float | int, decimals: int, rule: str) -> Decimal:
    """Round ``value`` to ``decimals`` places under a named rule."""
    if rule not in ROUNDING_RULES:
        raise ValueError(f"unknown rounding rule {rule!r}; use one of {sorted(ROUNDING_RULES)}")
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDING_RULES[rule])


def exact_percent(n: int, base: int) -> Decimal:
    """100 * n / base as an exact-enough Decimal (28 significant digits)."""
    if base <= 0:
        raise ValueError("percent of an empty base")
    return Decimal(100 * n) / Decimal(base)


def percent(n: int, base: int, decimals: int, rule: str) -> Decimal | None:
    """Rounded percentage, or None when the base is empty."""
    return None if base == 0 else round_decimal(exact_percent(n, base), decimals, rule)


def interval(n: int, base: int, method: str, level: float) -> tuple[float, float]:
    """Binomial confidence interval for n/base, as proportions in [0, 1]."""
    if method not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {sorted(CI_METHODS)}")
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    if base == 0:
        return math.nan, math.nan
    # Imported here: statsmodels costs ~0.8 s to import, and only the stage that
    # computes intervals (summarize) needs it; rounding alone must stay cheap.
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(n, base, alpha=1 - level, method=CI_METHODS[method][0])
    # At 0% and 100% the bounds are exactly 0 and 1 (Brown, Cai & DasGupta 2001 for
    # Jeffreys, whose bare beta quantiles exclude the observed value); statsmodels'
    # Wilson carries float noise there (2.8e-17, 0.9999999999999999) that truncation
    # or rounding up would turn into a whole unit.
    low = 0.0 if n == 0 else low
    high = 1.0 if n == base else high
    return max(0.0, float(low)), min(1.0, float(high))


def percent_interval(
    n: int, base: int, method: str, level: float, decimals: int, rule: str
) -> tuple[Decimal | None, Decimal | None]:
    """Confidence interval in percent, rounded like the percentages."""
    low, high = interval(n, base, method, level)
    if math.isnan(low):
        return None, None
    as_pct = [Decimal(repr(x)) * 100 for x in (low, high)]
    return round_decimal(as_pct[0], decimals, rule), round_decimal(as_pct[1], decimals, rule)


def describe_method(method: str, level: float) -> str:
    """Reader-facing name of the interval, e.g. '95% Wilson score interval'."""
    return f"{level * 100:g}% {CI_METHODS[method][1]}"
