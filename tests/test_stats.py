import math
from decimal import Decimal

import pytest
from scipy.stats import beta, norm

from helpers.core.stats import (
    CI_METHODS,
    describe_method,
    exact_percent,
    interval,
    percent,
    percent_interval,
    round_decimal,
)

# Published values: Newcombe (1998), "Two-sided confidence intervals for the single
# proportion: comparison of seven methods", Stat Med 17:857-872, Table II (methods 3 = Wilson
# score without continuity correction, 5 = Clopper-Pearson exact), 4 decimals.
NEWCOMBE = [
    # n, base, wilson, clopper_pearson
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0, 0.1611), (0.0, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize(("n", "base", "wilson", "exact"), NEWCOMBE)
def test_intervals_match_published_values(n, base, wilson, exact):
    assert interval(n, base, "wilson", 0.95) == pytest.approx(wilson, abs=5e-5)
    assert interval(n, base, "clopper_pearson", 0.95) == pytest.approx(exact, abs=5e-5)


def test_wilson_9_of_15():
    assert interval(9, 15, "wilson", 0.95) == pytest.approx((0.3575, 0.8018), abs=5e-5)


def test_zero_successes():
    low, high = interval(0, 10, "wilson", 0.95)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=5e-5)
    low, high = interval(0, 10, "clopper_pearson", 0.95)
    assert low == 0.0
    # closed form of the exact upper bound when n = 0: 1 - (alpha/2)^(1/base)
    assert high == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-9)
    assert high == pytest.approx(0.3085, abs=5e-5)


def _wilson(n, base, level):
    z = norm.ppf(1 - (1 - level) / 2)
    p = n / base
    centre = (p + z * z / (2 * base)) / (1 + z * z / base)
    half = z / (1 + z * z / base) * math.sqrt(p * (1 - p) / base + z * z / (4 * base * base))
    return centre - half, centre + half


def _wald(n, base, level):
    z = norm.ppf(1 - (1 - level) / 2)
    p = n / base
    half = z * math.sqrt(p * (1 - p) / base)
    return max(0.0, p - half), min(1.0, p + half)


def _agresti_coull(n, base, level):
    z = norm.ppf(1 - (1 - level) / 2)
    nt = base + z * z
    pt = (n + z * z / 2) / nt
    half = z * math.sqrt(pt * (1 - pt) / nt)
    return max(0.0, pt - half), min(1.0, pt + half)


@pytest.mark.parametrize(("n", "base"), [(9, 15), (1, 15), (14, 15), (3, 7), (50, 100)])
@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_closed_forms(n, base, level):
    assert interval(n, base, "wilson", level) == pytest.approx(_wilson(n, base, level), abs=1e-9)
    assert interval(n, base, "normal", level) == pytest.approx(_wald(n, base, level), abs=1e-9)
    assert interval(n, base, "agresti_coull", level) == pytest.approx(
        _agresti_coull(n, base, level), abs=1e-9)  # fmt: skip


@pytest.mark.parametrize("method", sorted(CI_METHODS))
def test_every_method_brackets_the_estimate_within_0_1(method):
    for n, base in [(0, 5), (1, 5), (5, 5), (9, 15)]:
        low, high = interval(n, base, method, 0.95)
        assert 0.0 <= low <= n / base <= high <= 1.0
    assert all(math.isnan(x) for x in interval(0, 0, method, 0.95))


def test_jeffreys():
    # equal-tailed Beta(n + 1/2, base - n + 1/2) quantiles, with Brown, Cai & DasGupta's
    # boundary rule: the bound is 0 when n = 0 and 1 when n = base
    assert interval(9, 15, "jeffreys", 0.95) == pytest.approx(
        (beta.ppf(0.025, 9.5, 6.5), beta.ppf(0.975, 9.5, 6.5)), abs=1e-9)  # fmt: skip
    assert interval(0, 5, "jeffreys", 0.95) == pytest.approx((0.0, beta.ppf(0.975, 0.5, 5.5)))
    assert interval(5, 5, "jeffreys", 0.95) == pytest.approx((beta.ppf(0.025, 5.5, 0.5), 1.0))


def test_wider_level_gives_wider_interval():
    narrow = interval(9, 15, "wilson", 0.90)
    wide = interval(9, 15, "wilson", 0.99)
    assert wide[0] < narrow[0] and wide[1] > narrow[1]


def test_interval_argument_errors():
    with pytest.raises(ValueError, match="unknown interval method 'bayes'"):
        interval(1, 2, "bayes", 0.95)
    for level in (0, 1, 95):
        with pytest.raises(ValueError, match="confidence level"):
            interval(1, 2, "wilson", level)


@pytest.mark.parametrize(
    ("value", "decimals", "rule", "expected"),
    [
        (Decimal("2.25"), 1, "half_away_from_zero", "2.3"),
        (Decimal("2.25"), 1, "half_even", "2.2"),
        (Decimal("2.35"), 1, "half_even", "2.4"),
        (Decimal("66.666"), 1, "truncate", "66.6"),
        (Decimal("66.666"), 1, "half_away_from_zero", "66.7"),
        (Decimal("-2.25"), 1, "half_away_from_zero", "-2.3"),
        (Decimal("-66.666"), 1, "truncate", "-66.6"),
        (Decimal("-2.25"), 1, "ceiling", "-2.2"),
        (Decimal("2.21"), 1, "ceiling", "2.3"),
        (Decimal("0.5"), 0, "half_away_from_zero", "1"),
        (Decimal("-0.5"), 0, "half_away_from_zero", "-1"),
        (Decimal("0.5"), 0, "half_even", "0"),
        (2.675, 2, "half_away_from_zero", "2.68"),  # float taken by its shortest repr
        (7, 1, "truncate", "7.0"),
    ],
)
def test_round_decimal(value, decimals, rule, expected):
    result = round_decimal(value, decimals, rule)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_round_decimal_unknown_rule():
    with pytest.raises(ValueError, match="unknown rounding rule 'bankers'"):
        round_decimal(Decimal("1.5"), 0, "bankers")


def test_percent():
    assert exact_percent(2, 3) == Decimal(200) / Decimal(3)
    assert str(percent(9, 15, 1, "half_away_from_zero")) == "60.0"
    assert str(percent(1, 15, 1, "half_away_from_zero")) == "6.7"
    # the source's "6.6%" and "66.6%" are truncations of 1/15 and 10/15
    assert str(percent(1, 15, 1, "truncate")) == "6.6"
    assert str(percent(10, 15, 1, "truncate")) == "66.6"
    assert str(percent(1, 8, 1, "half_even")) == "12.5"
    assert str(percent(1, 16, 1, "half_even")) == "6.2"  # 6.25 -> even
    assert str(percent(1, 16, 1, "half_away_from_zero")) == "6.3"
    assert percent(0, 0, 1, "truncate") is None
    with pytest.raises(ValueError, match="empty base"):
        exact_percent(1, 0)


def test_percent_interval():
    low, high = percent_interval(9, 15, "wilson", 0.95, 1, "half_away_from_zero")
    assert (str(low), str(high)) == ("35.7", "80.2")
    low, high = percent_interval(0, 10, "clopper_pearson", 0.95, 2, "half_away_from_zero")
    assert (str(low), str(high)) == ("0.00", "30.85")  # 30.8497...
    low, high = percent_interval(0, 10, "clopper_pearson", 0.95, 2, "truncate")
    assert (str(low), str(high)) == ("0.00", "30.84")
    assert percent_interval(0, 0, "wilson", 0.95, 1, "truncate") == (None, None)


def test_describe_method():
    assert describe_method("wilson", 0.95) == "95% Wilson score interval"
    assert describe_method("clopper_pearson", 0.9) == "90% Clopper-Pearson exact interval"
