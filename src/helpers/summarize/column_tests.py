"""Column-proportion tests: each answer's share in each group against each other group.

What SPSS Custom Tables ("compare column proportions") and Q print as letters: for one
breakdown, each answer row (an answer or a net of a closed question, an option of a
multiple-choice one) compares its share in every pair of the breakdown's groups.

- unweighted (``stats.column_test``): the two-sided z test of two independent
  proportions, with the pooled standard error (``z_pooled``, SPSS's: scipy's and
  statsmodels' ``proportions_ztest``) or each share's own (``z_unpooled``);
- weighted (a codebook ``design:``): the difference of the two domain shares with its
  design-based standard error, covariance between the domains included (svy's shares by
  group with their covariance matrix and a contrast: R's ``svyby(..., covmat = TRUE)``
  and ``svycontrast``), t on the design's degrees of freedom (:mod:`.column_design`).

The p-values of one row's pairs are adjusted for multiplicity together
(``stats.column_adjust``: Bonferroni as SPSS, Holm, or none). A group whose unweighted base
is under the small-base threshold (``report.small_n``) is not compared, so it never gives
nor receives a letter; a pair whose shares are both 0 or both 100 % (no standard error)
is not a test. Each test is a figure ``<question>.<group>.<a>_vs_<b>.<answer>``
(``kind`` column_test): its ``estimate`` the adjusted p-value, ``shown`` as printed, its
answer text the difference, its standard error, the statistic and the unadjusted p.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import TYPE_CHECKING

from helpers.core.codebook import Codebook
from helpers.core.codebook_figure_ids import COLUMN_TEST_KIND, PAIR_WORD
from helpers.core.params import StatsParams
from helpers.core.small_base import POOLED
from helpers.summarize.column_design import PairTest, design_pairs
from helpers.summarize.comparison_shown import shown_p
from helpers.summarize.figure import Figure, figure

if TYPE_CHECKING:
    from helpers.summarize.design import DesignEstimates

TESTED_KINDS = ("answer", "net")
ADJUST_LABELS = {"bonferroni": "Bonferroni", "holm": "Holm", "none": "unadjusted"}


def z_test(n_a: int, base_a: int, n_b: int, base_b: int, pooled: bool = True) -> PairTest | None:
    """Two-sided z test of two independent proportions (None: no standard error).

    Pooled: SE = sqrt(p(1 − p)(1/base_a + 1/base_b)) with p the shares pooled, as SPSS
    and ``proportions_ztest``; unpooled: each share's own binomial variance.
    """
    from scipy.stats import norm

    if not base_a or not base_b:
        return None
    p_a, p_b = n_a / base_a, n_b / base_b
    if pooled:
        p = (n_a + n_b) / (base_a + base_b)
        se = math.sqrt(p * (1 - p) * (1 / base_a + 1 / base_b))
    else:
        se = math.sqrt(p_a * (1 - p_a) / base_a + p_b * (1 - p_b) / base_b)
    if not se > 0:
        return None
    z = (p_a - p_b) / se
    return PairTest(p_a - p_b, se, z, float(2 * norm.sf(abs(z))))


def adjusted(p_values: list[float], method: str) -> list[float]:
    """One row's p-values adjusted: ``bonferroni`` (m x p), ``holm`` (step-down), ``none``."""
    m = len(p_values)
    if method == "none":
        return list(p_values)
    if method == "bonferroni":
        return [min(1.0, m * p) for p in p_values]
    if method != "holm":
        raise ValueError(f"column adjustment {method!r}: one of {tuple(ADJUST_LABELS)}")
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda k: p_values[k])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out


def pair_rule(rule_a: str, rule_b: str) -> str:
    """The selection rule of two cells' respondents: each condition, or both values of it."""
    a, b = json.loads(rule_a) if rule_a else {}, json.loads(rule_b) if rule_b else {}
    out: dict[str, str | list[str]] = {}
    for column in sorted({*a, *b}):
        va, vb = a.get(column), b.get(column)
        if va == vb:
            out[column] = va  # type: ignore[assignment]
            continue
        values = [v for x in (va, vb) for v in (x if isinstance(x, list) else [x])]
        out[column] = sorted(dict.fromkeys(v for v in values if v is not None))
    return json.dumps(out, sort_keys=True, ensure_ascii=False)


def tested_rows(
    figures: list[Figure], book: Codebook, breakdowns: dict[str, list[str]], threshold: int
) -> dict[tuple[str, str, str], list[Figure]]:
    """{(question, group, answer code): the cells compared}, groups of fair base in order.

    The breakdowns of the summary and banner tables (``Codebook.breakdowns_of``), not the
    cross-tabulations: the letters are printed there.
    """
    closed = {q.id for q in book.closed}
    shown = {q.id: set(book.breakdowns_of(q)) & set(breakdowns[q.id]) for q in book.closed}
    rows: dict[tuple[str, str, str], list[Figure]] = {}
    for f in figures:
        if (
            f.question in closed
            and f.kind in TESTED_KINDS
            and f.group != "all"
            and f.group in shown.get(f.question, ())
            and f.group_code != POOLED
            and f.base is not None
            and f.base >= max(threshold, 1)
            and not book.same_variable(f.question, f.group)
        ):
            rows.setdefault((f.question, f.group, f.answer_code), []).append(f)
    return {k: v for k, v in rows.items() if len(v) > 1}


def _describe(a: Figure, b: Figure, test: PairTest, method: str) -> str:
    """The test in words: the two shares, their difference, its SE, the statistic and p."""
    what = "z" if test.df is None else f"t ({test.df:g} df)"
    return (
        f"{a.answer}: {a.group_value} against {b.group_value}, difference "
        f"{100 * test.diff:+.2f} points (SE {100 * test.se:.2f}), {what} = "
        f"{test.statistic:.3f}, p = {test.p:.4g} ({method})"
    )


def _row_figures(
    cells: list[Figure], tests: dict[tuple[int, int], PairTest], sp: StatsParams, method: str
) -> list[Figure]:
    """The figures of one answer row's pairs, p adjusted over the row."""
    pairs = sorted(tests)
    p_adj = adjusted([tests[k].p for k in pairs], sp.column_adjust)
    adjust = f"{ADJUST_LABELS[sp.column_adjust]} over {len(pairs)} pairs"
    out = []
    for (i, j), p in zip(pairs, p_adj, strict=True):
        a, b, test = cells[i], cells[j], tests[(i, j)]
        code = f"{a.group_code}{PAIR_WORD}{b.group_code}"
        rule = pair_rule(a.base_rule, b.base_rule)
        made = figure(
            f"{a.question}.{a.group}.{code}.{a.answer_code}",
            a.table,
            None,
            None,
            question=a.question,
            group=a.group,
            group_value=f"{a.group_value} vs {b.group_value}",
            answer=_describe(a, b, test, method),
            n=a.base + b.base,  # type: ignore[operator]
            base=a.base + b.base,  # type: ignore[operator]
            group_code=code,
            answer_code=a.answer_code,
            kind=COLUMN_TEST_KIND,
            stat="p_adjusted",
            estimate=p,
            ci_method=f"{method}; {adjust}",
            shown=shown_p(p, sp.rounding),
        )
        out.append(replace(made, numerator_rule=rule, base_rule=rule))
    return out


def row_tests(
    cells: list[Figure], sp: StatsParams, design: DesignEstimates | None
) -> dict[tuple[int, int], PairTest]:
    """{(i, j): the test of cells i and j} for every pair with a standard error."""
    if design is not None:
        return design_pairs(design, cells)
    out = {}
    for i, a in enumerate(cells):
        for j in range(i + 1, len(cells)):
            b = cells[j]
            test = z_test(a.n, a.base, b.n, b.base, sp.column_test == "z_pooled")  # type: ignore[arg-type]
            if test is not None:
                out[(i, j)] = test
    return out


METHOD_TEXT = {
    "z_pooled": "z test of two proportions, pooled SE",
    "z_unpooled": "z test of two proportions, unpooled SE",
    "design": "design-based difference of two domain shares, t on the design df",
}


def column_test_figures(
    figures: list[Figure],
    book: Codebook,
    breakdowns: dict[str, list[str]],
    sp: StatsParams,
    threshold: int,
    design: DesignEstimates | None = None,
) -> list[Figure]:
    """Every column test of every answer row (none when ``stats.column_test`` is ``none``).

    ``threshold``: the small-base rule's (``report.small_n``): smaller groups are not compared.
    """
    if sp.column_test == "none":
        return []
    method = METHOD_TEXT["design" if design is not None else sp.column_test]
    out: list[Figure] = []
    for cells in tested_rows(figures, book, breakdowns, threshold).values():
        tests = row_tests(cells, sp, design)
        if tests:
            out.extend(_row_figures(cells, tests, sp, method))
    return out
