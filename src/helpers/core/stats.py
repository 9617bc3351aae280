"""Percentages, rounding rules and binomial confidence intervals."""

from __future__ import annotations

import math
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    localcontext,
)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

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
# params.yaml name -> statsmodels' name of the method (whose arithmetic `intervals`
# reproduces), and the name shown to readers.
CI_METHODS = {
    "wilson": ("wilson", "Wilson score interval"),
    "clopper_pearson": ("beta", "Clopper-Pearson exact interval"),
    "jeffreys": ("jeffreys", "Jeffreys interval"),
    "agresti_coull": ("agresti_coull", "Agresti-Coull interval"),
    "normal": ("normal", "normal-approximation (Wald) interval"),
}


def round_decimal(value: Decimal | float | int, decimals: int, rule: str) -> Decimal:
    """Round ``value`` to ``decimals`` places under a named rule.

    Any finite value, however large (a float's 1e308 has 309 digits before the point):
    the rounding runs at the precision the result needs, not Decimal's default 28
    digits. A value that is not finite (a float mean that overflowed to inf, a nan) is
    returned as it is (``Decimal('Infinity')``, ``Decimal('NaN')``): see
    :func:`non_finite_name` for how it is shown.
    """
    if rule not in ROUNDING_RULES:
        raise ValueError(f"unknown rounding rule {rule!r}; use one of {sorted(ROUNDING_RULES)}")
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not exact.is_finite():
        return exact
    with localcontext() as ctx:
        ctx.prec = max(28, exact.adjusted() + decimals + 3)
        return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUNDING_RULES[rule])


def non_finite_name(shown: object) -> str | None:
    """What a figure that is not a finite number is, in words (None for a finite one).

    A float statistic of values near the float range overflows (the mean of two
    values of 1e308 is inf); the report names it instead of printing ``inf``.
    """
    text = str(shown).strip().lower().lstrip("+")
    if text in ("inf", "infinity", "-inf", "-infinity"):
        return (
            f"{'-' if text.startswith('-') else ''}overflow (beyond the float range, "
            "about 1.8e308: set aside or rescale values this large)"
        )
    if text in ("nan", "snan", "-nan"):
        return "not computable (nan: an overflow in the values' arithmetic)"
    return None


def exact_percent(n: int, base: int) -> Decimal:
    """100 * n / base as an exact-enough Decimal (28 significant digits)."""
    if base <= 0:
        raise ValueError("percent of an empty base")
    return Decimal(100 * n) / Decimal(base)


def percent(n: int, base: int, decimals: int, rule: str) -> Decimal | None:
    """Rounded percentage, or None when the base is empty."""
    return None if base == 0 else round_decimal(exact_percent(n, base), decimals, rule)


def _check(method: str, level: float) -> None:
    if method not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {sorted(CI_METHODS)}")
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")


def intervals(
    n: ArrayLike, base: ArrayLike, method: str, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Binomial confidence intervals for arrays of n and base (broadcast), as float arrays.

    Element for element bit-identical to :func:`interval`: nan where base is 0.
    """
    _check(method, level)
    # Imported here so that rounding alone stays cheap. scipy.special only, never
    # scipy.stats or statsmodels: statsmodels.stats.proportion (scipy.stats with it)
    # took 1.2-1.8 s to import on top of numpy and pandas, scipy.special 0.15-0.26 s
    # (python -X importtime, cumulative).
    import numpy as np
    from scipy.special import betainccinv, betaincinv, ndtri

    # The arithmetic of statsmodels 0.15 proportion_confint (alternative="two-sided")
    # over scipy 1.17's beta.ppf / beta.isf / norm.isf, operation for operation, so
    # that the bounds are bit-identical to it (tests/test_stats.py checks this).
    # beta.ppf(q, a, b) calls the private scipy.special._ufuncs._beta_ppf, Boost's
    # quantile(beta(a, b), q): the same Boost ibeta_inv(a, b, q) as the public
    # betaincinv (only their error policies differ); beta.isf is betainccinv and
    # norm.isf(q) is -ndtri(q). Their "* scale + loc" (1, 0) changes no bound.
    count = np.asarray(n, dtype=np.float64)
    nobs = np.asarray(base, dtype=np.float64)
    alpha = (1 - level) / 2.0
    kind = CI_METHODS[method][0]
    with np.errstate(divide="ignore", invalid="ignore"):
        q_ = count / nobs
        if kind == "normal":
            std_ = np.sqrt(q_ * (1 - q_) / nobs)
            dist = -ndtri(alpha) * std_
            low, high = q_ - dist, q_ + dist
        elif kind == "beta":
            low = betaincinv(count, nobs - count + 1, alpha)
            high = betainccinv(count + 1, nobs - count, alpha)
        elif kind == "agresti_coull":
            crit = -ndtri(alpha)
            nobs_c = nobs + crit**2
            q_c = (count + crit**2 / 2.0) / nobs_c
            dist = crit * np.sqrt(q_c * (1.0 - q_c) / nobs_c)
            low, high = q_c - dist, q_c + dist
        elif kind == "wilson":
            crit = -ndtri(alpha)
            crit2 = crit**2  # a NumPy scalar's power (C pow), as in statsmodels
            denom = 1 + crit2 / nobs
            center = (q_ + crit2 / (2 * nobs)) / denom
            dist = crit * np.sqrt(q_ * (1.0 - q_) / nobs + crit2 / (4.0 * nobs**2))
            dist = dist / denom
            low, high = center - dist, center + dist
        else:  # jeffreys
            low = betaincinv(count + 0.5, nobs - count + 0.5, alpha)
            high = betainccinv(count + 0.5, nobs - count + 0.5, alpha)
    if kind in ("normal", "agresti_coull", "wilson"):
        low, high = np.clip(low, 0, 1), np.clip(high, 0, 1)
    # At 0% and 100% the bounds are exactly 0 and 1 (Brown, Cai & DasGupta 2001 for
    # Jeffreys, whose bare beta quantiles exclude the observed value); Wilson's
    # arithmetic carries float noise there (2.8e-17, 0.9999999999999999) that
    # truncation or rounding up would turn into a whole unit. Then clamp into [0, 1]
    # exactly as Python's max(0.0, low) and min(1.0, high) would (nan -> 0 and 1).
    low = np.where(count == 0, 0.0, low)
    high = np.where(count == nobs, 1.0, high)
    low = np.where(low > 0.0, low, 0.0)
    high = np.where(high < 1.0, high, 1.0)
    empty = nobs == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def interval(n: int, base: int, method: str, level: float) -> tuple[float, float]:
    """Binomial confidence interval for n/base, as proportions in [0, 1] (see `intervals`)."""
    _check(method, level)
    if base == 0:
        return math.nan, math.nan
    low, high = intervals(n, base, method, level)
    return float(low), float(high)


def percent_interval(
    n: int, base: int, method: str, level: float, decimals: int, rule: str
) -> tuple[Decimal | None, Decimal | None]:
    """Confidence interval in percent, rounded like the percentages."""
    low, high = interval(n, base, method, level)
    if math.isnan(low):
        return None, None
    as_pct = [Decimal(repr(x)) * 100 for x in (low, high)]
    return round_decimal(as_pct[0], decimals, rule), round_decimal(as_pct[1], decimals, rule)


def percent_intervals(
    n: ArrayLike, base: ArrayLike, method: str, level: float, decimals: int, rule: str
) -> list[tuple[Decimal | None, Decimal | None]]:
    """:func:`percent_interval` of many (n, base) pairs in one vectorized call, in order."""
    lows, highs = intervals(n, base, method, level)
    out: list[tuple[Decimal | None, Decimal | None]] = []
    for low, high in zip(lows.tolist(), highs.tolist(), strict=True):
        if math.isnan(low):
            out.append((None, None))
        else:
            out.append(
                (
                    round_decimal(Decimal(repr(low)) * 100, decimals, rule),
                    round_decimal(Decimal(repr(high)) * 100, decimals, rule),
                )
            )
    return out


def binomial_se(n: ArrayLike, base: ArrayLike) -> np.ndarray:
    """Standard error of the proportion n / base under simple random sampling: sqrt(p(1-p)/base)."""
    import numpy as np

    count = np.asarray(n, dtype=np.float64)
    nobs = np.asarray(base, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count / nobs
        return np.where(nobs > 0, np.sqrt(p * (1 - p) / nobs), np.nan)


def t_intervals(
    mean: ArrayLike, sd: ArrayLike, n: ArrayLike, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(se, low, high) of means: sd / sqrt(n), and Student's t interval on n - 1 df.

    nan where n < 2 (no spread to estimate). The t quantile is scipy.special's
    ``stdtrit`` (what scipy.stats.t.ppf computes), so that scipy.stats stays
    unimported.
    """
    import numpy as np
    from scipy.special import stdtrit

    if not 0 < level < 1:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")
    m = np.asarray(mean, dtype=np.float64)
    s = (
        np.asarray([np.nan if v is None else v for v in np.atleast_1d(sd)], dtype=np.float64)
        if np.ndim(sd)
        else np.asarray(sd, dtype=np.float64)
    )
    k = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(k >= 2, s / np.sqrt(k), np.nan)
        crit = stdtrit(np.where(k >= 2, k - 1, np.nan), 1 - (1 - level) / 2)
    return se, m - crit * se, m + crit * se


def describe_method(method: str, level: float) -> str:
    """Reader-facing name of the interval, e.g. '95% Wilson score interval'."""
    return f"{level * 100:g}% {CI_METHODS[method][1]}"
