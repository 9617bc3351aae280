"""Intervals and printed values of the figures: each step returns new figures."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

from helpers.core.params import StatsParams
from helpers.core.stats import (
    binomial_se,
    intervals,
    percent_intervals,
    round_decimal,
    t_intervals,
)
from helpers.summarize.figure import Figure


def with_intervals(figures: list[Figure], sp: StatsParams) -> list[Figure]:
    """Every percentage's interval and SE, and every mean's, in vectorized calls.

    Percentages (figures with ``interval``): the binomial interval of params.yaml and the
    binomial SE, in percent. Means: Student's t interval on n - 1 degrees of
    freedom, SE = sd / sqrt(n). Bounds are stored unrounded (``ci_lower``,
    ``ci_upper``) and, for percentages, rounded (``ci_low``, ``ci_high``).
    """
    out = list(figures)
    wanted = [i for i, f in enumerate(out) if f.interval]
    n = [out[i].n for i in wanted]
    base = [out[i].base for i in wanted]
    lows, highs = intervals(n, base, sp.ci_method, sp.ci_level)
    rounded = percent_intervals(n, base, sp.ci_method, sp.ci_level, sp.pct_decimals, sp.rounding)
    ses = binomial_se(n, base)
    for i, low, high, se, (lo, hi) in zip(
        wanted, lows.tolist(), highs.tolist(), ses.tolist(), rounded, strict=True
    ):
        more = (
            {}
            if math.isnan(low)
            else {
                "ci_lower": low * 100,
                "ci_upper": high * 100,
                "se": se * 100,
                "ci_method": sp.ci_method,
            }
        )
        out[i] = replace(out[i], ci_low=lo, ci_high=hi, **more)
    means = [i for i, f in enumerate(out) if f.stat == "mean" and f.estimate is not None]
    se, lower, upper = t_intervals(
        [out[i].estimate for i in means],
        [out[i].sd for i in means],
        [out[i].n for i in means],
        sp.ci_level,
    )
    for i, s_, lo, hi in zip(means, se.tolist(), lower.tolist(), upper.tolist(), strict=True):
        if not math.isnan(s_):
            out[i] = replace(out[i], se=s_, ci_lower=lo, ci_upper=hi, ci_method="t")
    return out


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def with_shown(f: Figure, sp: StatsParams) -> Figure:
    """The figure and its interval as the report prints them (``shown``, ...)."""
    if f.kind == "test":
        return f  # shown when made (helpers.summarize.tested)
    if f.stat == "pct":
        return replace(
            f, shown=_text(f.pct), shown_low=_text(f.ci_low), shown_high=_text(f.ci_high)
        )
    if f.stat == "count":
        return replace(f, shown=str(f.n))
    low, high, shown = (
        None if v is None else str(round_decimal(Decimal(repr(v)), f.decimals, sp.rounding))  # type: ignore[arg-type]
        for v in (f.ci_lower, f.ci_upper, f.estimate)
    )
    return replace(f, shown=shown, shown_low=low, shown_high=high)
