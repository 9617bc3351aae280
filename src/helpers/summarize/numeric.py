"""A numeric question's figures: one per statistic, over the group's respondents with a value."""

from __future__ import annotations

from typing import Any

from helpers.core.codebook import Codebook, Question
from helpers.core.params import StatsParams
from helpers.core.selection import ANSWERED
from helpers.summarize.closed import missing_figure
from helpers.summarize.figure import NUMERIC_STATS, Figure, figure
from helpers.summarize.rules import group_key, group_levels, group_rule, route_rule
from helpers.summarize.tallies import Tallies, numeric_table


def numeric_figures(
    tallies: Tallies, book: Codebook, q: Question, group: str, sp: StatsParams
) -> list[Figure]:
    """Per group value: a numeric question's statistics over those with a value."""
    out = []
    table = numeric_table(tallies, q, group, sp.quantile_method)
    for code, label in group_levels(tallies, book, group):
        where = {**route_rule(book, q), **group_rule(book, group, code, label)}
        key = group_key(book, group, code, label)
        out.extend(
            level_stat_figures(
                q, group, code, label, where, table.get(key, {"members": 0, "n": 0}), sp, key
            )
        )
    return out


def level_stat_figures(
    q: Question,
    group: str,
    code: str,
    label: str,
    where: dict,
    got: dict[str, Any],
    sp: StatsParams,
    key: str | None,
) -> list[Figure]:
    """One group value's statistics of a numeric question (``got``: :func:`numeric_table`'s).

    ``key``: the group's value in the design's columns (None for a pooled group, which
    has no design-based estimate).
    """
    out = []
    n = int(got["n"] or 0)
    for stat, answer, _ in NUMERIC_STATS:
        value = got.get(stat) if n else None
        out.append(
            figure(
                f"{q.id}.{group}.{code}.{stat}",
                "responses",
                {**where, q.id: ANSWERED},
                {**where, q.id: ANSWERED},
                question=q.id,
                group=group,
                group_value=label,
                answer=answer,
                n=n,
                base=n,
                group_code=code,
                answer_code=stat,
                kind="numeric",
                stat=stat,
                estimate=None if value is None else float(value),
                decimals=sp.numeric_decimals,
                cell=None if key is None else (q.id, stat, group, key),
                sd=got.get("sd") if stat == "mean" else None,
            )
        )
    missing = int(got["members"]) - n
    if missing:  # a design's sums of weights of those without a value (not of a pooled group)
        out.append(
            missing_figure(
                q,
                group,
                code,
                label,
                where,
                q.id,
                missing,
                int(got["members"]),
                None if key is None else (q.id, None, group, key),
            )
        )
    return out
