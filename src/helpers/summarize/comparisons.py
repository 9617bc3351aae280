"""Group comparisons: tests of independence of a question's answers and a group's levels.

Pure functions, counts in, result out. Each closed single-answer question is
tested against each of its breakdowns and cross-tabs on the table of its answers
in the base (excluded answers and nets left out) by the group's levels; levels
with no respondent and answers nobody gave are dropped first, and a table left
with fewer than two rows or two columns is not tested (:func:`prune`).

- unweighted, ``stats.test_method``: ``pearson`` (Pearson's chi-square, no
  continuity correction: scipy's ``chi2_contingency(correction=False)``, R's
  ``chisq.test(correct = FALSE)``), ``exact`` (Fisher-Freeman-Halton's exact
  conditional test, R's ``fisher.test``) or ``auto`` (Pearson when every
  expected count is at least ``stats.test_min_expected``, else exact).
  The exact p-value enumerates every table with the observed margins when there
  are at most :data:`EXACT_MAX_TABLES` of them; otherwise it is a Monte Carlo
  p-value from ``stats.test_resamples`` tables drawn with those margins, as R's
  ``fisher.test(simulate.p.value = TRUE)``.
- weighted (a codebook ``design:``): the Rao-Scott test (``stats.design_test``)
  from svy's ``tabulate`` (helpers.summarize.design), R's ``svychisq``.

Every p-value from a distribution is its survival function at the statistic
(scipy's ``f.sf``, ``chi2.sf``, ``t.sf``), never 1 - CDF: svy reports p = 1 - CDF,
which is 0.0 below about 1e-16; a p of 1.7e-21 stays 1.7e-21, so its adjusted value
is not 0 either. A Monte Carlo p-value says so wherever it is shown: it is
(1 + tables as extreme) / (tables drawn + 1), and when no drawn table was as
extreme it is only known to be below 1 / tables drawn (:func:`shown_test_p`).

A comparison is tested once per unordered pair of variables (:func:`pair_key`): the
test of independence of two categorical variables does not depend on which is the
question and which the group, so when A is broken down by B and B by A, the first in
codebook order is tested and counted in the adjustment, and the other's table cites it.

``stats.p_adjust`` adjusts the p-values of all the tests of a survey (one
family) for multiplicity (statsmodels' ``multipletests``). scipy.stats and
statsmodels are imported only when a test runs: the stage's imports stay light.

Multiple-choice questions are not tested: a respondent may choose several
options, so the table's cells are not one answer per respondent and its counts
are not a multinomial sample; a test of independence of the answer table does
not apply (each option would need its own 2 x k test).

The tests live in :mod:`.comparison_result` (a test's result, the adjustment),
:mod:`.unweighted_tests` (Pearson's, Kruskal–Wallis' and the choice of Pearson's or the
exact test), :mod:`.exact_test` (the exact test, enumerated or Monte Carlo),
:mod:`.design_tests` (Rao-Scott and the design-based rank test), :mod:`.comparison_shown`
(p-values and statistics as printed) and :mod:`.comparison_pairs` (which comparisons are
one); this module gathers them. The methods' names: :mod:`helpers.core.methods`.
"""

from helpers.summarize.comparison_pairs import pair_key, variable_of
from helpers.summarize.comparison_result import TestResult, adjust
from helpers.summarize.comparison_shown import (
    monte_carlo_bound,
    monte_carlo_of,
    p_label,
    shown_p,
    shown_test_p,
    shown_value,
)
from helpers.summarize.design_tests import RankTest, design_rank, rao_scott
from helpers.summarize.exact_test import (
    EXACT_MAX_TABLES,
    count_tables,
    exact,
    fisher_exact_p,
    fisher_monte_carlo_p,
    monte_carlo_extreme,
)
from helpers.summarize.unweighted_tests import (
    expected_counts,
    independence,
    kruskal_wallis,
    pearson,
    prune,
)

__all__ = [
    "EXACT_MAX_TABLES",
    "RankTest",
    "TestResult",
    "adjust",
    "count_tables",
    "design_rank",
    "exact",
    "expected_counts",
    "fisher_exact_p",
    "fisher_monte_carlo_p",
    "independence",
    "kruskal_wallis",
    "monte_carlo_bound",
    "monte_carlo_extreme",
    "monte_carlo_of",
    "p_label",
    "pair_key",
    "pearson",
    "prune",
    "rao_scott",
    "shown_p",
    "shown_test_p",
    "shown_value",
    "variable_of",
]
