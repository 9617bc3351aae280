"""Question summaries: counts, bases, percentages and intervals, driven by the codebook.

Every row is one number of the report, with a stable ``figure_id``::

    <question>.<group>.<group_code>.<answer_code>     e.g. q1.oas_registered.registered.yes

``group`` is ``all`` for overall rows, a codebook group id (``oas_registered``,
``country``) for breakdowns, or another question id for cross-tabulations
(``q2.q1.yes.very_useful``: Q2 answers among those who answered Q1 "Yes").
The base of a percentage is the respondents of the group who answered the
question; respondents without an answer are counted in a ``missing`` row and
left out of the base. Each figure also has selection rules (helpers.selection)
for its numerator and base, from which the provenance file is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.codebook import Codebook, Question, slug
from helpers.selection import ANSWERED, MISSING, count, rule_text
from helpers.stats import percent, percent_interval

SUMMARY_COLUMNS = [
    "figure_id", "question", "group", "group_value", "answer", "n", "base", "pct",
    "ci_low", "ci_high", "group_code", "answer_code", "kind",
]  # fmt: skip
RULE_COLUMNS = ["_table", "_numerator", "_base"]
MISSING_CODE = "missing"
RESPONDENTS = "respondents"
FREE_TEXT_ANSWER = "Free-text answers"


@dataclass(frozen=True)
class StatsParams:
    """The statistical choices of params.yaml (section ``stats``)."""

    ci_method: str = "wilson"
    ci_level: float = 0.95
    pct_decimals: int = 1
    rounding: str = "half_away_from_zero"

    @classmethod
    def from_params(cls, stats: dict) -> StatsParams:
        """Build from the ``stats`` mapping of params.yaml, refusing unknown keys."""
        unknown = set(stats) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown stats parameters {sorted(unknown)}")
        return cls(**stats)


def group_levels(responses: pd.DataFrame, book: Codebook, group: str) -> list[tuple[str, str]]:
    """(code, label) of each value of a grouping variable, in display order."""
    if group == "all":
        return [("all", "all")]
    if group in {q.id for q in book.categorical}:
        return [(o.code, o.label) for o in book.question(group).answers]
    spec = book.group(group)
    if spec.from_source:
        values = sorted(responses[group].dropna().unique(), key=slug)
        return [(slug(v), v) for v in values]
    return [(o.code, o.label) for o in spec.values]


def group_rule(book: Codebook, group: str, code: str, label: str) -> dict[str, str]:
    """Selection rule of one group value (values taken from the source match by label)."""
    if group == "all":
        return {}
    if group not in {q.id for q in book.categorical} and book.group(group).from_source:
        return {group: label}
    return {group: code}


def _row(figure_id: str, table: str, num_rule: dict, base_rule: dict | None,
         **values: object) -> dict:  # fmt: skip
    return {"figure_id": figure_id, **values, "_table": table, "_numerator": rule_text(num_rule),
            "_base": rule_text(base_rule)}


def _question_rows(
    responses: pd.DataFrame, book: Codebook, q: Question, group: str, sp: StatsParams
) -> list[dict]:
    rows = []
    for code, label in group_levels(responses, book, group):
        where = group_rule(book, group, code, label)
        base_rule = {**where, q.id: ANSWERED}
        base = count(responses, base_rule)
        for option in q.answers:
            num_rule = {**where, q.id: option.code}
            n = count(responses, num_rule)
            low, high = percent_interval(n, base, sp.ci_method, sp.ci_level,
                                         sp.pct_decimals, sp.rounding)  # fmt: skip
            rows.append(_row(
                f"{q.id}.{group}.{code}.{option.code}", "responses", num_rule, base_rule,
                question=q.id, group=group, group_value=label, answer=option.label, n=n,
                base=base, pct=percent(n, base, sp.pct_decimals, sp.rounding), ci_low=low,
                ci_high=high, group_code=code, answer_code=option.code, kind="answer",
            ))  # fmt: skip
        members = count(responses, where)
        if members > base:
            rows.append(_row(
                f"{q.id}.{group}.{code}.{MISSING_CODE}", "responses", {**where, q.id: MISSING},
                where, question=q.id, group=group, group_value=label, answer="No answer",
                n=members - base, base=members, pct=None, ci_low=None, ci_high=None,
                group_code=code, answer_code=MISSING_CODE, kind="missing",
            ))  # fmt: skip
    return rows


def _respondent_rows(responses: pd.DataFrame, book: Codebook, sp: StatsParams) -> list[dict]:
    rows = []
    total = len(responses)
    for group in ("all", *book.by_group):
        for code, label in group_levels(responses, book, group):
            where = group_rule(book, group, code, label)
            n = count(responses, where)
            low, high = percent_interval(n, total, sp.ci_method, sp.ci_level,
                                         sp.pct_decimals, sp.rounding)  # fmt: skip
            rows.append(_row(
                f"{RESPONDENTS}.{group}.{code}", "responses", where, {}, question=RESPONDENTS,
                group=group, group_value=label, answer="Respondents", n=n, base=total,
                pct=percent(n, total, sp.pct_decimals, sp.rounding),
                ci_low=None if group == "all" else low, ci_high=None if group == "all" else high,
                group_code=code, answer_code="", kind="respondents",
            ))  # fmt: skip
    return rows


def _free_text_rows(free_text: pd.DataFrame, book: Codebook) -> list[dict]:
    rows = []
    for q in book.free_text:
        levels = [("all", "all", {"question": q.id})]
        levels += [("item", o.code, {"question": q.id, "item": o.code}) for o in q.items]
        for group, code, rule in levels:
            label = "all" if group == "all" else q.items[[o.code for o in q.items].index(code)].label
            rows.append(_row(
                f"{q.id}.{group}.{code}.count", "free_text", rule, None, question=q.id,
                group=group, group_value=label, answer=FREE_TEXT_ANSWER,
                n=count(free_text, rule), base=None, pct=None, ci_low=None, ci_high=None,
                group_code=code, answer_code="count", kind="free_text",
            ))  # fmt: skip
    return rows


@dataclass(frozen=True)
class Summaries:
    """The figures, and for each the selection rules that produced it."""

    figures: pd.DataFrame
    rules: pd.DataFrame  # figure_id, table, numerator, base (rules as JSON text)


def summarize(
    responses: pd.DataFrame, free_text: pd.DataFrame, book: Codebook, sp: StatsParams
) -> Summaries:
    """All figures: respondents, each categorical question by every breakdown, free text.

    Every count is computed by applying the figure's selection rule, so the
    provenance written from ``rules`` reproduces exactly the rows counted.
    """
    rows = _respondent_rows(responses, book, sp)
    for q in book.categorical:
        groups = ["all", *book.by_group]
        groups += [col for row_q, col in book.crosstabs if row_q == q.id]
        for group in groups:
            rows.extend(_question_rows(responses, book, q, group, sp))
    rows.extend(_free_text_rows(free_text, book))
    full = pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, *RULE_COLUMNS])
    if full["figure_id"].duplicated().any():
        dupes = full.loc[full["figure_id"].duplicated(), "figure_id"].tolist()
        raise ValueError(f"figure ids are not unique: {dupes}")
    for col in ("n", "base"):
        full[col] = full[col].astype("Int64")
    rules = full[["figure_id", *RULE_COLUMNS]].rename(columns=lambda c: c.lstrip("_"))
    return Summaries(full[SUMMARY_COLUMNS], rules)


def headline_metrics(figures: pd.DataFrame, book: Codebook) -> dict[str, float | int]:
    """The headline figures for DVC metrics: respondents, and each question's first answer."""
    by_id = figures.set_index("figure_id")
    out: dict[str, float | int] = {"respondents": int(by_id.loc[f"{RESPONDENTS}.all.all", "n"])}
    for q in book.categorical:
        row = by_id.loc[f"{q.id}.all.all.{q.answers[0].code}"]
        out[f"{q.id}_{q.answers[0].code}_n"] = int(row["n"])
        out[f"{q.id}_{q.answers[0].code}_pct"] = float(row["pct"])
    return out
