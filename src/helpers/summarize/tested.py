"""Comparison figures: a test of independence per question and breakdown.

The tests themselves: helpers.summarize.comparisons.
Rows ``<q>.<group>.test.statistic``, ``.df``, ``.p`` and ``.p_adjusted`` (over all the
survey's tests, by ``stats.p_adjust``). The statistic and df are Pearson's (unweighted;
also beside an exact p-value) or Rao-Scott's (weighted). A numeric question gets a
Kruskal–Wallis test (mid-ranks from value counts) or, weighted, svy's design-based rank
test. Multiple choice is not tested (see comparisons), nor a question by a group that is
the question itself (``Codebook.same_variable``: a recode, not a comparison). Each unordered
pair of variables is tested once (``comparisons.pair_key``): where A is broken down by B and B
by A, the first in codebook order is, and the other's report cites it. A Monte Carlo
p-value says so and names its tables (``comparisons.p_label``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from helpers.core.codebook import Codebook, Question
from helpers.core.methods import ADJUSTMENTS, METHODS
from helpers.core.params import StatsParams
from helpers.core.small_base import POOLED
from helpers.summarize import comparisons
from helpers.summarize.comparisons import TestResult
from helpers.summarize.figure import BASE_SUFFIX, TEST, TEST_STATS, Figure, figure
from helpers.summarize.rules import comparison_rule
from helpers.summarize.tallies import Tallies, numeric_samples

if TYPE_CHECKING:
    from helpers.summarize.design import DesignEstimates

# one test: its question, group, respondents, the result whose statistic and df are shown
# and the result whose p-value is (Pearson's statistic beside an exact p-value)
Found = tuple[Question, str, int, TestResult, TestResult]


def answer_table(
    figures: list[Figure], question: str, group: str
) -> tuple[list[str], list[str], list[list[int]]]:
    """(level codes, answer codes, counts) of one breakdown, from its answer figures."""
    cells = {
        (f.group_code, f.answer_code): f.n
        for f in figures
        if f.question == question
        and f.group == group
        and f.kind == "answer"
        and f.group_code != POOLED
    }  # tests compare the groups themselves
    levels = list(dict.fromkeys(g for g, _ in cells))
    answers = list(dict.fromkeys(a for _, a in cells))
    return levels, answers, [[cells.get((g, a), 0) for a in answers] for g in levels]


def _pair_seed(seed: int, question: str, group: str) -> list[int]:
    """The Monte Carlo seed of one comparison: params' seed and a checksum of its id."""
    return [seed, zlib.crc32(f"{question}.{group}".encode())]


def _categorical_tests(
    figures: list[Figure],
    book: Codebook,
    breakdowns: dict[str, list[str]],
    sp: StatsParams,
    design: DesignEstimates | None,
) -> list[Found]:
    """Each single-answer question's test by each of its breakdowns (each pair once)."""
    found: list[Found] = []
    tested: set[frozenset[str]] = set()
    for q in book.categorical:
        for group in breakdowns[q.id]:
            if group == "all" or book.same_variable(q.id, group):
                continue
            pair = comparisons.pair_key(book, q.id, group)
            if pair in tested:
                continue  # B by A after A by B: the same test, counted once
            _, _, counts = answer_table(figures, q.id, group)
            table = comparisons.prune(counts) if counts else None  # type: ignore[arg-type]
            if table is None:
                continue
            n = int(table.sum())
            if design is None:
                described = comparisons.pearson(table)
                result = (
                    described
                    if sp.test_method == "pearson"
                    else comparisons.independence(
                        table,
                        sp.test_method,
                        sp.test_min_expected,
                        sp.test_resamples,
                        _pair_seed(sp.test_seed, q.id, group),
                    )
                )
            else:
                column = f"{q.id}{BASE_SUFFIX}" if q.excluded else q.id
                result = described = comparisons.rao_scott(
                    design.table_stats(column, group), sp.design_test, n
                )
            tested.add(pair)
            found.append((q, group, n, described, result))  # type: ignore[arg-type]
    return found


def _numeric_tests(
    book: Codebook,
    breakdowns: dict[str, list[str]],
    design: DesignEstimates | None,
    tallies_of: Callable[[Question], Tallies],
) -> list[Found]:
    """Each numeric question's rank test by each of its breakdowns (two or more groups)."""
    found: list[Found] = []
    for q in book.numeric:
        for group in breakdowns[q.id]:
            if group == "all" or book.same_variable(q.id, group):
                continue
            samples = numeric_samples(tallies_of(q), q, group)
            if sum(1 for v in samples.values() if v) < 2:
                continue
            n = sum(sum(v.values()) for v in samples.values())
            result = (
                comparisons.kruskal_wallis(list(samples.values()))
                if design is None
                else comparisons.design_rank(design.rank_test(q.id, group), n)
            )
            found.append((q, group, n, result, result))
    return found


def _shown(test: Found, p_adj: float, tests: int, sp: StatsParams) -> dict[str, tuple]:
    """{stat: (method, answer text, estimate, shown)} of one test's four figures.

    ``tests``: the survey's, over which p is adjusted.
    """
    _, _, _, described, result = test
    label, df = METHODS[described.method].label, described.df
    df_text = (
        f"{label} degrees of freedom"
        if described.df_denominator is None
        else f"{label} numerator degrees of freedom (denominator {described.df_denominator:.2f})"
    )
    what = "statistic" if described.method != "rao_scott_f" else "F statistic"
    p_label = comparisons.p_label(result)
    adjusted = f"{ADJUSTMENTS[sp.p_adjust].label}-adjusted over the survey's {tests} tests"
    statistic = comparisons.shown_value(described.statistic, 2, sp.rounding)  # type: ignore[arg-type]
    return {
        "statistic": (described.method, f"{label} {what}", described.statistic, statistic),
        "df": (
            described.method,
            df_text,
            df,
            comparisons.shown_value(df, 0 if df == int(df) else 2, sp.rounding),
        ),
        "p": (result.method, p_label, result.p, comparisons.shown_test_p(result, sp.rounding)),
        "p_adjusted": (
            sp.p_adjust,
            f"{p_label}, {adjusted}",
            p_adj,
            comparisons.shown_p(p_adj, sp.rounding),
        ),
    }


def _one_test(
    book: Codebook, test: Found, p_adj: float, tests: int, sp: StatsParams
) -> list[Figure]:
    """The four figures of one test: statistic, df, p and adjusted p."""
    q, group, n, _, _ = test
    rule = comparison_rule(book, q, group)
    shown = _shown(test, p_adj, tests, sp)
    common = {
        "question": q.id,
        "group": group,
        "group_value": book.group(group).label,
        "n": n,
        "base": n,
        "group_code": TEST,
        "kind": TEST,
    }
    return [
        figure(
            f"{q.id}.{group}.{TEST}.{stat}",
            "responses",
            rule,
            rule,
            **common,
            answer=shown[stat][1],
            answer_code=stat,
            stat=stat,
            estimate=float(shown[stat][2]),
            ci_method=shown[stat][0],
            shown=shown[stat][3],
        )
        for stat in TEST_STATS
    ]


def comparison_figures(
    figures: list[Figure],
    book: Codebook,
    breakdowns: dict[str, list[str]],
    sp: StatsParams,
    design: DesignEstimates | None,
    tallies_of: Callable[[Question], Tallies],
) -> list[Figure]:
    """Every test's figures, p-values adjusted over the survey's tests (one family).

    ``tallies_of``: the respondents each question was asked of.
    """
    found = [
        *_categorical_tests(figures, book, breakdowns, sp, design),
        *_numeric_tests(book, breakdowns, design, tallies_of),
    ]
    adjusted = comparisons.adjust([test[4].p for test in found], sp.p_adjust)
    return [
        f
        for test, p_adj in zip(found, adjusted, strict=True)
        for f in _one_test(book, test, p_adj, len(found), sp)
    ]
