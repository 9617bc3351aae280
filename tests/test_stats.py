import math
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import beta, norm
from statsmodels.stats.proportion import proportion_confint

import helpers
from helpers.core.stats import (
    CI_METHODS,
    ROUNDING_RULES,
    describe_method,
    exact_percent,
    interval,
    intervals,
    percent,
    percent_interval,
    percent_intervals,
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
        _agresti_coull(n, base, level), abs=1e-9
    )


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
        (beta.ppf(0.025, 9.5, 6.5), beta.ppf(0.975, 9.5, 6.5)), abs=1e-9
    )
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


# --- bit-identity with statsmodels ------------------------------------------------------------


def _statsmodels_interval(n, base, method, level):
    """The interval as helpers computed it with statsmodels (the reference, tests only)."""
    if base == 0:
        return math.nan, math.nan
    low, high = proportion_confint(n, base, alpha=1 - level, method=CI_METHODS[method][0])
    low = 0.0 if n == 0 else low
    high = 1.0 if n == base else high
    return max(0.0, float(low)), min(1.0, float(high))


def _bits(values):
    """Floats as hex: equal only when bit-identical (0.0 is not -0.0, nan equals nan)."""
    return [float(x).hex() for x in values]


def _grid():
    """(n, base): every n of bases 0..60, then a fixed sample of n under large bases."""
    pairs = [(n, base) for base in range(61) for n in range(base + 1)]
    rng = np.random.default_rng(20240607)
    for base in (1_000_000, 999_983, 123_457):
        edges = {0, 1, 2, 3, 10, 999, base // 3, base // 2, base - 999, base - 2, base - 1, base}
        sample = {int(n) for n in rng.integers(0, base + 1, 24)}
        pairs += [(n, base) for n in sorted(edges | sample)]
    return pairs


GRID = _grid()


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("method", sorted(CI_METHODS))
def test_bit_identical_to_statsmodels(method, level):
    expected = [_statsmodels_interval(n, base, method, level) for n, base in GRID]
    scalar = [interval(n, base, method, level) for n, base in GRID]
    assert all(isinstance(x, float) for pair in scalar for x in pair)
    assert [_bits(p) for p in scalar] == [_bits(p) for p in expected]
    ns, bases = np.array(GRID).T
    low, high = intervals(ns, bases, method, level)
    assert low.dtype == high.dtype == np.float64 and low.shape == high.shape == ns.shape
    assert _bits(low) == _bits(p[0] for p in expected)
    assert _bits(high) == _bits(p[1] for p in expected)
    # plain == as well, away from the nan of the empty base
    assert [p for p in scalar if p[0] == p[0]] == [p for p in expected if p[0] == p[0]]


def test_intervals_broadcast_like_numpy():
    n = np.array([[0], [3], [10]])
    base = np.array([0, 10, 20])
    low, high = intervals(n, base, "wilson", 0.95)
    assert low.shape == high.shape == (3, 3)
    for i, j in np.ndindex(3, 3):
        if n[i, 0] <= base[j]:
            want = interval(int(n[i, 0]), int(base[j]), "wilson", 0.95)
            assert _bits([low[i, j], high[i, j]]) == _bits(want)
    assert np.isnan(low[:, 0]).all() and np.isnan(high[:, 0]).all()
    low, high = intervals([0, 5], 5, "jeffreys", 0.9)  # lists and scalars too
    assert _bits(low) == _bits([0.0, interval(5, 5, "jeffreys", 0.9)[0]])
    assert high[0] == interval(0, 5, "jeffreys", 0.9)[1] and high[1] == 1.0
    low, high = intervals(3, 10, "normal", 0.9)
    assert low.shape == () and (float(low), float(high)) == interval(3, 10, "normal", 0.9)


def test_intervals_argument_errors():
    with pytest.raises(ValueError, match="unknown interval method 'bayes'"):
        intervals([1], [2], "bayes", 0.95)
    with pytest.raises(ValueError, match="confidence level"):
        intervals([1], [2], "wilson", 1.0)


def test_intervals_import_neither_statsmodels_nor_scipy_stats():
    code = (
        "import sys\n"
        "from helpers.core.stats import CI_METHODS, interval, intervals, percent_interval\n"
        "for method in CI_METHODS:\n"
        "    interval(3, 10, method, 0.95)\n"
        "    intervals([0, 3, 10], [10, 10, 10], method, 0.9)\n"
        "    percent_interval(3, 10, method, 0.95, 1, 'half_even')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'statsmodels'\n"
        "             or m == 'scipy.stats' or m.startswith('scipy.stats.')))\n"
        "print('scipy.special' in sys.modules)\n"
    )
    out = _fresh_interpreter(code)
    assert out.split("\n")[:2] == ["[]", "True"], out


def _fresh_interpreter(code: str) -> str:
    """What ``code`` prints in a new Python process that imports this checkout's helpers."""
    env = dict(os.environ, PYTHONPATH=str(Path(helpers.__file__).resolve().parents[1]))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_rounding_alone_imports_no_numpy():
    code = (
        "import sys\n"
        "from helpers.core.stats import percent, round_decimal\n"
        "percent(1, 3, 1, 'half_even'), round_decimal(2.5, 0, 'half_even')\n"
        "print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))\n"
    )
    assert _fresh_interpreter(code).strip() == "[]"


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


@pytest.mark.parametrize("method", sorted(CI_METHODS))
@pytest.mark.parametrize("rule", sorted(ROUNDING_RULES))
def test_percent_intervals_equal_the_scalar_one_pair_by_pair(method, rule):
    pairs = [(n, base) for base in range(0, 41) for n in range(0, base + 1)]
    pairs += [(0, 1_000_000), (1, 1_000_000), (333_333, 1_000_000), (10**6, 10**6)]
    many = percent_intervals([n for n, _ in pairs], [b for _, b in pairs], method, 0.9, 2, rule)
    assert many == [percent_interval(n, b, method, 0.9, 2, rule) for n, b in pairs]


def test_describe_method():
    assert describe_method("wilson", 0.95) == "95% Wilson score interval"
    assert describe_method("clopper_pearson", 0.9) == "90% Clopper-Pearson exact interval"


def test_t_intervals_equal_scipy_s_t_interval_and_sem():
    import numpy as np
    from scipy import stats as sps

    from helpers.core.stats import t_intervals

    rng = np.random.default_rng(7)
    samples = [rng.normal(40, 12, size=k) for k in (2, 3, 10, 57, 944)]
    se, low, high = t_intervals(
        [s.mean() for s in samples],
        [s.std(ddof=1) for s in samples],
        [len(s) for s in samples],
        0.9,
    )
    for s, e, lo, hi in zip(samples, se, low, high, strict=True):
        ref = sps.t.interval(0.9, len(s) - 1, loc=s.mean(), scale=sps.sem(s))
        assert (lo, hi) == (pytest.approx(ref[0], rel=1e-12), pytest.approx(ref[1], rel=1e-12))
        assert e == pytest.approx(sps.sem(s), rel=1e-12)
    se, low, high = t_intervals([5.0], [None], [1], 0.95)  # one value: no spread, no interval
    assert np.isnan(se[0]) and np.isnan(low[0]) and np.isnan(high[0])


def test_binomial_se_is_the_simple_random_sample_se():
    import numpy as np

    from helpers.core.stats import binomial_se

    got = binomial_se([0, 3, 10], [10, 12, 10])
    assert got.tolist() == [0.0, pytest.approx(np.sqrt(0.25 * 0.75 / 12)), 0.0]
    assert np.isnan(binomial_se([0], [0])[0])
