"""Question summaries: counts, bases, percentages and intervals, driven by the codebook.

Every row is one number of the report, with a stable ``figure_id``::

    <question>.<group>.<group_code>.<answer_code>     e.g. q1.oas_registered.registered.yes

``group`` is ``all`` for overall rows, a codebook group id (``oas_registered``,
``country``) for breakdowns, or another question id for cross-tabulations
(``q2.q1.yes.very_useful``: Q2 answers among those who answered Q1 "Yes").
The base of a percentage is the respondents of the group who answered the
question; respondents without an answer are counted in a ``missing`` row and
left out of the base.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.codebook import Codebook, Question, slug
from helpers.stats import percent, percent_interval

SUMMARY_COLUMNS = [
    "figure_id", "question", "group", "group_value", "answer", "n", "base", "pct",
    "ci_low", "ci_high", "group_code", "answer_code", "kind",
]  # fmt: skip
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


def group_mask(responses: pd.DataFrame, book: Codebook, group: str, code: str) -> pd.Series:
    """Boolean mask of the respondents in one group value."""
    if group == "all":
        return pd.Series(True, index=responses.index)
    spec_from_source = group not in {q.id for q in book.categorical} and \
        book.group(group).from_source  # fmt: skip
    column = responses[group]
    if spec_from_source:
        return column.map(lambda v: isinstance(v, str) and slug(v) == code).astype(bool)
    return (column == code).fillna(False).astype(bool)


def _row(figure_id: str, **values: object) -> dict:
    return {"figure_id": figure_id, **values}


def _question_rows(
    responses: pd.DataFrame, book: Codebook, q: Question, group: str, sp: StatsParams
) -> list[dict]:
    rows = []
    for code, label in group_levels(responses, book, group):
        members = responses[group_mask(responses, book, group, code)]
        answered = members[q.id].notna()
        base = int(answered.sum())
        for option in q.answers:
            n = int((members[q.id] == option.code).fillna(False).sum())
            low, high = percent_interval(n, base, sp.ci_method, sp.ci_level,
                                         sp.pct_decimals, sp.rounding)  # fmt: skip
            rows.append(_row(
                f"{q.id}.{group}.{code}.{option.code}", question=q.id, group=group,
                group_value=label, answer=option.label, n=n, base=base,
                pct=percent(n, base, sp.pct_decimals, sp.rounding), ci_low=low, ci_high=high,
                group_code=code, answer_code=option.code, kind="answer",
            ))  # fmt: skip
        missing = int((~answered).sum())
        if missing:
            rows.append(_row(
                f"{q.id}.{group}.{code}.{MISSING_CODE}", question=q.id, group=group,
                group_value=label, answer="No answer", n=missing, base=len(members), pct=None,
                ci_low=None, ci_high=None, group_code=code, answer_code=MISSING_CODE,
                kind="missing",
            ))  # fmt: skip
    return rows


def _respondent_rows(responses: pd.DataFrame, book: Codebook, sp: StatsParams) -> list[dict]:
    rows = []
    total = len(responses)
    for group in ("all", *book.by_group):
        for code, label in group_levels(responses, book, group):
            n = int(group_mask(responses, book, group, code).sum())
            low, high = percent_interval(n, total, sp.ci_method, sp.ci_level,
                                         sp.pct_decimals, sp.rounding)  # fmt: skip
            rows.append(_row(
                f"{RESPONDENTS}.{group}.{code}", question=RESPONDENTS, group=group,
                group_value=label, answer="Respondents", n=n, base=total,
                pct=percent(n, total, sp.pct_decimals, sp.rounding),
                ci_low=None if group == "all" else low, ci_high=None if group == "all" else high,
                group_code=code, answer_code="", kind="respondents",
            ))  # fmt: skip
    return rows


def _free_text_rows(free_text: pd.DataFrame, book: Codebook) -> list[dict]:
    rows = []
    for q in book.free_text:
        answers = free_text[free_text["question"] == q.id]
        rows.append(_row(f"{q.id}.all.all.count", question=q.id, group="all", group_value="all",
                         answer=FREE_TEXT_ANSWER, n=len(answers), base=None, pct=None,
                         ci_low=None, ci_high=None, group_code="all", answer_code="count",
                         kind="free_text"))  # fmt: skip
        for item in q.items:
            n = int((answers["item"].astype("string").fillna("") == item.code).sum())
            rows.append(_row(f"{q.id}.item.{item.code}.count", question=q.id, group="item",
                             group_value=item.label, answer=FREE_TEXT_ANSWER, n=n, base=None,
                             pct=None, ci_low=None, ci_high=None, group_code=item.code,
                             answer_code="count", kind="free_text"))  # fmt: skip
    return rows


def summarize(
    responses: pd.DataFrame, free_text: pd.DataFrame, book: Codebook, sp: StatsParams
) -> pd.DataFrame:
    """All summary rows: respondents, each categorical question by every breakdown, free text."""
    rows = _respondent_rows(responses, book, sp)
    for q in book.categorical:
        groups = ["all", *book.by_group]
        groups += [col for row_q, col in book.crosstabs if row_q == q.id]
        for group in groups:
            rows.extend(_question_rows(responses, book, q, group, sp))
    rows.extend(_free_text_rows(free_text, book))
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    if out["figure_id"].duplicated().any():
        dupes = out.loc[out["figure_id"].duplicated(), "figure_id"].tolist()
        raise ValueError(f"figure ids are not unique: {dupes}")
    for col in ("n", "base"):
        out[col] = out[col].astype("Int64")
    return out
