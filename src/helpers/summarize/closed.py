"""A closed question's figures: one builder, fed by tallies or by a breakdown's pooled groups.

A :class:`LevelCounts` holds what one group value's figures need (its members, those who
answered, the base, each answer's and net's count); :func:`tallied_levels` counts them
from tallies, helpers.summarize.pooling sums them over small groups, and
:func:`closed_figures` makes the figures of either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpers.core.codebook import SELECTED, Codebook, Option, Question
from helpers.core.params import StatsParams
from helpers.core.selection import ANSWERED, MISSING
from helpers.summarize.figure import (
    BASE_SUFFIX,
    MISSING_CODE,
    NET_SEPARATOR,
    Cell,
    Figure,
    figure,
    pct_fields,
)
from helpers.summarize.rules import (
    answer_rule,
    base_rule,
    group_key,
    group_levels,
    group_rule,
    option_cells,
    route_rule,
    source_codes,
)
from helpers.summarize.tallies import Tallies


@dataclass(frozen=True)
class LevelCounts:
    """One group value's counts of a closed question, and the rule selecting the value.

    ``key``: the group's value in the design's columns (None for a pooled group, which
    has no design-based estimate); ``answers`` and ``nets``: {code: respondents}.
    """

    code: str
    label: str
    where: dict[str, Any]
    members: int
    answered: int
    base: int
    answers: dict[str, int]
    nets: dict[str, int]
    key: str | None


def tallied_levels(tallies: Tallies, book: Codebook, q: Question, group: str) -> list[LevelCounts]:
    """Each value of ``group``: its counts of ``q`` (one group-by per response column)."""
    cells = option_cells(q)
    counts = {col: tallies.counts(group, col) for col, _ in cells.values()}
    first = q.response_columns[0]  # a multiple-choice answer is missing in all or none
    out = []
    for code, label in group_levels(tallies, book, group):
        key = group_key(book, group, code, label)
        members = sum(n for (g, _), n in counts[first].items() if g == key)
        answered = members - counts[first].get((key, None), 0)
        excluded = sum(counts[q.id].get((key, c), 0) for c in q.excluded)
        answers = {
            o.code: counts[cells[o.code][0]].get((key, cells[o.code][1]), 0) for o in q.answers
        }
        nets = {
            net.code: sum(counts[q.id].get((key, c), 0) for c in source_codes(book, q.id, net.of))
            for net in q.nets
        }
        where = {**route_rule(book, q), **group_rule(book, group, code, label)}
        out.append(
            LevelCounts(
                code, label, where, members, answered, answered - excluded, answers, nets, key
            )
        )
    return out


def _cell(key: str | None, column: str, value: Any, group: str) -> Cell | None:
    """A figure's cell of the design (None for a pooled group: it has no estimate)."""
    return None if key is None else (column, value, group, key)


def _common(
    q: Question, group: str, level: LevelCounts, code: str, label: str, n: int
) -> dict[str, Any]:
    """The columns every figure of one level and answer (or net) shares."""
    return {
        "question": q.id,
        "group": group,
        "group_value": level.label,
        "group_code": level.code,
        "answer": label,
        "answer_code": code,
        "n": n,
    }


def _option_figure(
    book: Codebook, q: Question, group: str, level: LevelCounts, option: Option, sp: StatsParams
) -> Figure:
    """One answer's percentage of the base; an excluded answer's count of those who answered."""
    column, value = option_cells(q)[option.code]
    where, n = level.where, level.answers[option.code]
    fid = f"{q.id}.{group}.{level.code}.{option.code}"
    common = _common(q, group, level, option.code, option.label, n)
    numerator = (
        {**where, **answer_rule(book, q, (option.code,))}
        if q.categorical
        else {**where, column: value}
    )
    if option.code in q.excluded:
        return figure(
            fid,
            "responses",
            numerator,
            {**where, q.id: ANSWERED},
            **common,
            base=level.answered,
            kind="excluded",
            stat="count",
            estimate=float(n),
            decimals=0,
            weight_cell=_cell(level.key, q.id, option.code, group),
        )
    in_base = f"{q.id}{BASE_SUFFIX}" if q.excluded else column
    return figure(
        fid,
        "responses",
        numerator,
        base_rule(book, q, where) if q.categorical else {**where, column: ANSWERED},
        **common,
        base=level.base,
        interval=True,
        kind="answer",
        **pct_fields(n, level.base, sp),
        cell=_cell(level.key, in_base, value, group),
    )


def _net_figure(
    book: Codebook, q: Question, group: str, level: LevelCounts, net: Option, sp: StatsParams
) -> Figure:
    """A net's percentage of the base (the respondents who gave any of its answers)."""
    n, of = level.nets[net.code], tuple(source_codes(book, q.id, net.of))
    return figure(
        f"{q.id}.{group}.{level.code}.{net.code}",
        "responses",
        {**level.where, **answer_rule(book, q, of)},
        base_rule(book, q, level.where),
        **_common(q, group, level, net.code, net.label, n),
        base=level.base,
        interval=True,
        kind="net",
        **pct_fields(n, level.base, sp),
        cell=_cell(level.key, f"{q.id}{NET_SEPARATOR}{net.code}", SELECTED, group),
    )


def closed_figures(
    book: Codebook, q: Question, group: str, level: LevelCounts, sp: StatsParams
) -> list[Figure]:
    """Per answer: the level's respondents who gave it, of those who answered ``q``.

    Then each net, and the level's respondents without an answer (if any).
    """
    out = [_option_figure(book, q, group, level, option, sp) for option in q.answers]
    out += [_net_figure(book, q, group, level, net, sp) for net in q.nets]
    if level.members > level.answered:
        first = q.response_columns[0]
        weighed = level.key is not None and not q.asked_if  # routed: among those routed only
        out.append(
            missing_figure(
                q,
                group,
                level.code,
                level.label,
                level.where,
                first,
                level.members - level.answered,
                level.members,
                (first, None, group, level.key) if weighed else None,
            )
        )
    return out


def missing_figure(
    q: Question,
    group: str,
    code: str,
    label: str,
    where: dict,
    column: str,
    missing: int,
    members: int,
    weight_cell: Any = None,
) -> Figure:
    """Respondents of the group without an answer to ``q`` (left out of its bases)."""
    return figure(
        f"{q.id}.{group}.{code}.{MISSING_CODE}",
        "responses",
        {**where, column: MISSING},
        where,
        question=q.id,
        group=group,
        group_value=label,
        answer="No answer",
        n=missing,
        base=members,
        group_code=code,
        answer_code=MISSING_CODE,
        kind="missing",
        stat="count",
        estimate=float(missing),
        decimals=0,
        weight_cell=weight_cell,
    )
