"""The design-based tests of a weighted survey: Rao-Scott and the rank test (from svy's output).

p-values from survival functions, never 1 - CDF (see :mod:`helpers.summarize.comparisons`).
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.core.params import DESIGN_TESTS
from helpers.summarize.comparison_result import TestResult


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
        return TestResult(
            "rao_scott_f", float(f.value), float(f.df_num), p, n, df_denominator=float(f.df_den)
        )
    if design_test == "rao_scott_chisq":
        c = stats.chisq  # type: ignore[attr-defined]
        p = float(chi2.sf(float(f.value) * float(c.df), float(c.df)))
        return TestResult("rao_scott_chisq", float(c.value), float(c.df), p, n)
    raise ValueError(f"design test {design_test!r}: one of {DESIGN_TESTS}")


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
    return TestResult(
        "design_rank_test", result.statistic, result.df_num, p, n, df_denominator=result.df_den
    )
