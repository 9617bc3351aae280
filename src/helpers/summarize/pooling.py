"""The small-base policy ``merge``: a breakdown's small groups pooled into one more group.

Groups whose unweighted base is above 0 and below the policy's threshold, when there
are at least two, pooled under :data:`~helpers.core.small_base.POOLED`. A closed
question's pooled counts are sums of the groups' figures, made into figures by the one
builder (helpers.summarize.closed); a numeric question's are counted again over the
pooled groups' respondents.
"""

from __future__ import annotations

import narwhals.stable.v2 as nw

from helpers.core.codebook import Codebook, Question
from helpers.core.params import StatsParams
from helpers.core.small_base import POOLED, SmallBasePolicy
from helpers.summarize.closed import LevelCounts, closed_figures
from helpers.summarize.figure import Figure
from helpers.summarize.numeric import level_stat_figures
from helpers.summarize.rules import group_key, pooled_group_rule, route_rule
from helpers.summarize.tallies import Tallies, numeric_table


def small_levels(
    figures: list[Figure], qid: str, group: str, kind: str, threshold: int
) -> list[tuple[str, str]]:
    """(code, label) of the levels of a breakdown whose base is above 0 and under threshold."""
    bases: dict[tuple[str, str], int] = {}
    for f in figures:
        if f.question == qid and f.group == group and f.kind == kind:
            bases.setdefault((f.group_code, f.group_value), int(f.base))  # type: ignore[arg-type]
    return [level for level, base in bases.items() if 0 < base < threshold]


def pooled_level(
    figures: list[Figure],
    book: Codebook,
    q: Question,
    group: str,
    small: list[tuple[str, str]],
    policy: SmallBasePolicy,
) -> LevelCounts:
    """The counts of the ``small`` levels of ``group`` together, summed from their figures."""
    codes = {code for code, _ in small}
    parts = [
        f for f in figures if f.question == q.id and f.group == group and f.group_code in codes
    ]

    def total(kind: str, answer: str) -> int:
        return sum(f.n for f in parts if f.kind == kind and f.answer_code == answer)

    base = sum({f.group_code: int(f.base) for f in parts if f.kind == "answer"}.values())  # type: ignore[arg-type]
    answered = base + sum(total("excluded", c) for c in q.excluded)
    members = answered + sum(f.n for f in parts if f.kind == "missing")
    answers = {
        o.code: total("excluded" if o.code in q.excluded else "answer", o.code) for o in q.answers
    }
    where = {**route_rule(book, q), **pooled_group_rule(book, group, small)}
    return LevelCounts(
        POOLED,
        policy.pooled_label,
        where,
        members,
        answered,
        base,
        answers,
        {net.code: total("net", net.code) for net in q.nets},
        None,
    )


def pooled_question_figures(
    figures: list[Figure],
    book: Codebook,
    q: Question,
    group: str,
    policy: SmallBasePolicy,
    sp: StatsParams,
) -> list[Figure]:
    """A closed question's figures over a breakdown's small groups pooled (or none)."""
    small = small_levels(figures, q.id, group, "answer", policy.threshold)
    if len(small) < 2:
        return []
    return closed_figures(book, q, group, pooled_level(figures, book, q, group, small, policy), sp)


def pooled_numeric_figures(
    figures: list[Figure],
    tallies: Tallies,
    book: Codebook,
    q: Question,
    group: str,
    policy: SmallBasePolicy,
    sp: StatsParams,
) -> list[Figure]:
    """A numeric question's statistics over a breakdown's small groups pooled (or none)."""
    small = small_levels(figures, q.id, group, "numeric", policy.threshold)
    if len(small) < 2:
        return []
    keys = [group_key(book, group, code, label) for code, label in small]
    members = Tallies(nw.to_native(tallies.frame.filter(nw.col(group).cast(nw.String).is_in(keys))))
    got = numeric_table(members, q, "all", sp.quantile_method)["all"]
    where = {**route_rule(book, q), **pooled_group_rule(book, group, small)}
    return level_stat_figures(q, group, POOLED, policy.pooled_label, where, got, sp, None)
