"""Question summaries: counts, bases, percentages and intervals, driven by the codebook.

Every row is one number of the report, with a stable ``figure_id``::

    <question>.<group>.<group_code>.<answer_code>     e.g. q1.oas_registered.registered.yes

``group`` is ``all`` for overall rows, a codebook group id (``oas_registered``,
``country``) for breakdowns, or another question id for cross-tabulations
(``q2.q1.yes.very_useful``: Q2 answers among those who answered Q1 "Yes").
The base of a percentage is the respondents of the group who answered the
question; respondents without an answer are counted in a ``missing`` row and
left out of the base. For a multiple-choice question each option's figure is
the respondents who chose it, of those who answered the question (so the
percentages of its options can add up to more than 100). Each figure also has
selection rules (helpers.core.selection) for its numerator and base, from which the
provenance file is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.codebook import SELECTED, Codebook, Question, slug
from helpers.core.params import StatsParams
from helpers.core.selection import ANSWERED, MISSING, rule_text
from helpers.core.stats import percent, percent_interval

SUMMARY_COLUMNS = [
    "figure_id", "question", "group", "group_value", "answer", "n", "base", "pct",
    "ci_low", "ci_high", "group_code", "answer_code", "kind",
]  # fmt: skip
RULE_COLUMNS = ["_table", "_numerator", "_base"]
MISSING_CODE = "missing"
RESPONDENTS = "respondents"
FREE_TEXT_ANSWER = "Free-text answers"


def group_levels(responses: pd.DataFrame, book: Codebook, group: str) -> list[tuple[str, str]]:
    """(code, label) of each value of a grouping variable, in display order."""
    if group == "all":
        return [("all", "all")]
    if group in {q.id for q in book.categorical}:
        return [(o.code, o.label) for o in book.question(group).answers]
    spec = book.group(group)
    if spec.from_source:
        values = sorted({str(v) for v in responses[group].dropna().unique()}, key=slug)
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


class Tallies:
    """Counts of value pairs, from columns factorized once (fast on a million rows).

    Each column is turned into integer codes a single time; a breakdown is then
    one ``bincount`` over the combined codes. Every figure's count equals
    applying its selection rule row by row, which the tests check.
    """

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table
        self._codes: dict[str, tuple[np.ndarray, list[str | None]]] = {}

    def _factorized(self, column: str | None) -> tuple[np.ndarray, list[str | None]]:
        if column is None or column == "all":
            return np.zeros(len(self.table), dtype=np.int64), ["all"]
        if column not in self._codes:
            values = self.table[column]
            if isinstance(values.dtype, pd.CategoricalDtype):  # already integer-coded
                codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
            else:
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
            labels: list[str | None] = [str(u) for u in uniques] + [None]
            self._codes[column] = (np.where(codes < 0, len(uniques), codes), labels)
        return self._codes[column]

    def counts(self, group: str, column: str | None) -> dict[tuple, int]:
        """{(group value, column value): n}; None stands for missing."""
        g_codes, g_labels = self._factorized(group)
        if column is None:
            v_codes, v_labels = g_codes, g_labels
        else:
            v_codes, v_labels = self._factorized(column)
        width = len(v_labels)
        sizes = np.bincount(g_codes * width + v_codes, minlength=len(g_labels) * width)
        return {(g_labels[i // width], v_labels[i % width]): int(n)
                for i, n in enumerate(sizes) if n}  # fmt: skip


def _option_cells(q: Question) -> dict[str, tuple[str, str]]:
    """Option code -> (column, value) of responses that counts a respondent for it.

    A single-answer question holds the code in its own column; a multiple-choice
    question marks each option chosen in that option's 0/1 column.
    """
    if q.categorical:
        return {o.code: (q.id, o.code) for o in q.answers}
    return {o.code: (q.indicators[o.code], SELECTED) for o in q.answers}


def _question_rows(
    tallies: Tallies, book: Codebook, q: Question, group: str, sp: StatsParams
) -> list[dict]:
    """Per answer: respondents of the group who gave it, of those who answered ``q``."""
    rows = []
    cells = _option_cells(q)
    counts = {col: tallies.counts(group, col) for col, _ in cells.values()}
    first = q.response_columns[0]  # a multiple-choice answer is missing in all or none
    for code, label in group_levels(tallies.table, book, group):
        where = group_rule(book, group, code, label)
        key = "all" if group == "all" else where[group]
        members = sum(n for (g, _), n in counts[first].items() if g == key)
        missing = counts[first].get((key, None), 0)
        base = members - missing
        for option in q.answers:
            column, value = cells[option.code]
            n = counts[column].get((key, value), 0)
            low, high = percent_interval(n, base, sp.ci_method, sp.ci_level,
                                         sp.pct_decimals, sp.rounding)  # fmt: skip
            rows.append(_row(
                f"{q.id}.{group}.{code}.{option.code}", "responses", {**where, column: value},
                {**where, column: ANSWERED}, question=q.id, group=group, group_value=label,
                answer=option.label, n=n, base=base,
                pct=percent(n, base, sp.pct_decimals, sp.rounding), ci_low=low, ci_high=high,
                group_code=code, answer_code=option.code, kind="answer",
            ))  # fmt: skip
        if missing:
            rows.append(_row(
                f"{q.id}.{group}.{code}.{MISSING_CODE}", "responses", {**where, first: MISSING},
                where, question=q.id, group=group, group_value=label, answer="No answer",
                n=missing, base=members, pct=None, ci_low=None, ci_high=None,
                group_code=code, answer_code=MISSING_CODE, kind="missing",
            ))  # fmt: skip
    return rows


def _respondent_rows(tallies: Tallies, book: Codebook, sp: StatsParams) -> list[dict]:
    rows = []
    responses = tallies.table
    total = len(responses)
    for group in ("all", *book.by_group):
        counts = tallies.counts(group, None)
        for code, label in group_levels(responses, book, group):
            where = group_rule(book, group, code, label)
            key = "all" if group == "all" else where[group]
            n = counts.get((key, key), 0)
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
        answers = free_text[free_text["question"] == q.id]
        items = answers["item"].astype("string").fillna("").value_counts().to_dict()
        levels = [("all", "all", "all", {"question": q.id}, len(answers))]
        levels += [("item", o.code, o.label, {"question": q.id, "item": o.code},
                    int(items.get(o.code, 0))) for o in q.items]  # fmt: skip
        for group, code, label, rule, n in levels:
            rows.append(_row(
                f"{q.id}.{group}.{code}.count", "free_text", rule, None, question=q.id,
                group=group, group_value=label, answer=FREE_TEXT_ANSWER, n=n, base=None,
                pct=None, ci_low=None, ci_high=None, group_code=code, answer_code="count",
                kind="free_text",
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
    """All figures: respondents, each closed question by every breakdown, free text.

    Counts come from one group-by per question and breakdown; ``rules`` state
    the same selections row by row, for provenance (tests check they agree).
    """
    tallies = Tallies(responses)
    rows = _respondent_rows(tallies, book, sp)
    for q in book.closed:
        groups = ["all", *book.by_group]
        groups += [col for row_q, col in book.crosstabs if row_q == q.id]
        for group in groups:
            rows.extend(_question_rows(tallies, book, q, group, sp))
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
    for q in book.closed:
        row = by_id.loc[f"{q.id}.all.all.{q.answers[0].code}"]
        out[f"{q.id}_{q.answers[0].code}_n"] = int(row["n"])
        out[f"{q.id}_{q.answers[0].code}_pct"] = float(row["pct"])
    return out
