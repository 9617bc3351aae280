"""The respondents' figures (overall and per breakdown group) and the free-text counts."""

from __future__ import annotations

from typing import Any

from helpers.core.codebook import Codebook
from helpers.core.params import StatsParams
from helpers.summarize.figure import FREE_TEXT_ANSWER, RESPONDENTS, Figure, figure, pct_fields
from helpers.summarize.rules import group_key, group_levels, group_rule
from helpers.summarize.tallies import Tallies


def respondent_figures(tallies: Tallies, book: Codebook, sp: StatsParams) -> list[Figure]:
    """All respondents, and each breakdown group's as a share of them."""
    out = []
    total = tallies.height
    for group in ("all", *book.breakdown_groups):
        counts = tallies.counts(group, None)
        for code, label in group_levels(tallies, book, group):
            where = group_rule(book, group, code, label)
            key = group_key(book, group, code, label)
            n = counts.get((key, key), 0)
            out.append(
                figure(
                    f"{RESPONDENTS}.{group}.{code}",
                    "responses",
                    where,
                    {},
                    question=RESPONDENTS,
                    group=group,
                    group_value=label,
                    answer="Respondents",
                    n=n,
                    base=total,
                    interval=group != "all",
                    group_code=code,
                    answer_code="",
                    kind="respondents",
                    **pct_fields(n, total, sp),
                    cell=(group, key, "all", "all"),
                )
            )
    return out


def free_text_figures(free_text: Any, book: Codebook) -> list[Figure]:
    """Each free-text question's answers, overall and per item."""
    out = []
    pairs = Tallies(free_text).counts("question", "item") if book.free_text else {}
    for q in book.free_text:
        total = sum(n for (qid, _), n in pairs.items() if qid == q.id)
        levels = [("all", "all", "all", {"question": q.id}, total)]
        levels += [
            (
                "item",
                o.code,
                o.label,
                {"question": q.id, "item": o.code},
                pairs.get((q.id, o.code), 0),
            )
            for o in q.items
        ]
        for group, code, label, rule, n in levels:
            out.append(
                figure(
                    f"{q.id}.{group}.{code}.count",
                    "free_text",
                    rule,
                    None,
                    question=q.id,
                    group=group,
                    group_value=label,
                    answer=FREE_TEXT_ANSWER,
                    n=n,
                    base=None,
                    group_code=code,
                    answer_code="count",
                    kind="free_text",
                    stat="count",
                    estimate=float(n),
                    decimals=0,
                )
            )
    return out
