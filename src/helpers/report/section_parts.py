"""What the question, numeric and cross-tabulation sections share: headings, rows, chart words.

Each section module (:mod:`question_sections`, :mod:`numeric_sections`,
:mod:`crosstabs`) selects a question's rows of ``summaries`` here, names it the
same way, and logs the figures each chart draws.
"""

from __future__ import annotations

import re

import pandas as pd

from helpers.core import i18n
from helpers.core.codebook import Codebook, Question
from helpers.core.codes import code_key
from helpers.core.i18n import _
from helpers.core.small_base import SmallBasePolicy
from helpers.report import citing
from helpers.report.citing import Counted
from helpers.report.formatting import (
    answer_column,
    distinct_labels,
    fmt_number,
    fmt_population,
)
from helpers.report.matrices import group_matrix
from helpers.report.tables import group_name, joined
from helpers.report.templating import cap_text, text

TABLE_KINDS = ("answer", "net", "excluded")
MATRIX_KINDS = ("answer", "net", "excluded", "missing")
WITH_MISSING = ("numeric", "missing")
NUMBERED = re.compile(r"q\d+[a-z]?")  # a document's own question numbers (q1, q2b)


def question_rows(
    summaries: pd.DataFrame, qid: str, group: str, kinds: tuple[str, ...] = ("answer",)
) -> pd.DataFrame:
    """A question's figures in one group (``kinds``: answers; tables add nets, excluded)."""
    return summaries[
        (summaries["question"] == qid)
        & (summaries["group"] == group)
        & summaries["kind"].isin(kinds)
    ]


def numeric_rows(
    summaries: pd.DataFrame, qid: str, group: str, kinds: tuple[str, ...] = ("numeric",)
) -> pd.DataFrame:
    """A numeric question's statistics in one group (``kinds``: add ``missing`` for tables)."""
    return question_rows(summaries, qid, group, kinds)


def missing_cited(summaries: pd.DataFrame, qid: str, only_some: bool = False) -> list[Counted]:
    """The counts of a question's missing answers overall, cited (``only_some``: those > 0)."""
    missing = summaries[
        (summaries["question"] == qid)
        & (summaries["kind"] == "missing")
        & (summaries["group"] == "all")
    ]
    return [
        citing.counted(summaries, r["figure_id"])
        for _i, r in missing.iterrows()
        if not only_some or int(r["n"]) > 0
    ]


def question_title(q: Question) -> str:
    """A question's heading: its codebook short label.

    'Q2. Usefulness of the program' when its id is the document's own question number.
    """
    return f"{q.id.upper()}. {q.short}" if NUMBERED.fullmatch(q.id) else q.short


def crosstab_title(book: Codebook, row_q: str, col_q: str) -> str:
    """'Expected vote by answer to “Own leaning”' (a cross-tabulation's heading)."""
    by = book.question(col_q)
    row = book.question(row_q).short
    if NUMBERED.fullmatch(by.id):
        return _("{row} by answer to {question}").format(
            row=row, question=f"{by.id.upper()} ({by.short})"
        )
    return _("{row} by answer to “{question}”").format(row=row, question=by.short)


def weighted(book: Codebook) -> bool:
    """True for a survey with a design (its n are respondents, its cells estimates)."""
    return book.design is not None


def base_text(overall: pd.DataFrame) -> str:
    """A weighted question's bases: 'estimated population 117,023,659; unweighted n = 10,337'."""
    first = overall.iloc[0]
    return _("estimated population {population}; unweighted n = {n}").format(
        population=fmt_population(first["base_weighted"]), n=fmt_number(first["base"])
    )


def log_chart(chart_log: list[dict[str, str]], chart_id: str, rows: pd.DataFrame) -> str:
    """Record which figures a chart draws; return the chart id."""
    chart_log.extend({"chart_id": chart_id, "figure_id": f} for f in rows["figure_id"])
    return chart_id


def labels_of(options: tuple, codes: tuple[str, ...]) -> list[str]:
    """The labels of ``codes`` among ``options`` (codes compare by value)."""
    wanted = {code_key(c) for c in codes}
    return [o.label for o in options if code_key(o.code) in wanted]


def either(values: list[str]) -> str:
    """'Democrat or Independent': the values a question is asked of, in the edition's words."""
    out = values[0] if values else ""
    for value in values[1:]:
        out = _("{first} or {second}").format(first=out, second=value)
    return out


def neutral_labels(q: Question) -> list[str]:
    """The labels of the answers the codebook declares neutral (grey in charts)."""
    return labels_of(q.answers, q.neutral)


def stacked_alt(
    title: str, matrix: pd.DataFrame, keys: list[str], labels: list[str] | None = None
) -> str:
    """A stacked chart's alt text: every bar's percentages and base.

    ``keys``: the matrix's answer columns; ``labels``: their names (default: the keys).
    """
    names = [cap_text(n) for n in (keys if labels is None else labels)]
    bars = joined(
        _("{group} (n={n}): {shares}").format(
            group=cap_text(g),
            n=fmt_number(int(m["base"])),
            shares=", ".join(
                f"{a} {i18n.percent(f'{m[k]:.1f}')}" for k, a in zip(keys, names, strict=True)
            ),
        )
        for g, m in matrix.iterrows()
    )
    return _("{title}: {bars}").format(title=title, bars=bars)


def scale_answers(q: Question) -> tuple[list[str], list[str], list[str]]:
    """A stacked chart's answers: (matrix columns, shown labels, neutral columns).

    Keyed by code (``formatting.answer_column``); two answers labelled alike are two
    stacks, their labels told apart by their codes.
    """
    answers = [o for o in q.answers if o.code not in q.excluded]
    neutral = {code_key(c) for c in q.neutral}
    keys = [answer_column(o.code) for o in answers]
    labels = distinct_labels([o.label for o in answers], [o.code for o in answers])
    return (
        keys,
        labels,
        [k for k, o in zip(keys, answers, strict=True) if code_key(o.code) in neutral],
    )


def stats_matrix(rows: pd.DataFrame, label: str | None = None) -> pd.DataFrame:
    """A numeric question's figures as one row per group value (min, p25, ..., n).

    Keyed by (group, group code), never by label; the index holds the labels shown
    (``label`` for the overall row, equal labels told apart by their codes).
    """
    return group_matrix(rows, rows["stat"], "estimate", "n", overall=label)


def distribution_alt(title: str, matrix: pd.DataFrame, decimals: int) -> str:
    """A box chart's alt text: each group's n, median, quartiles, mean and range."""

    def num(x: float, spec: str = "g") -> str:
        return i18n.number(format(x, spec))

    boxes = joined(
        _(
            "{group} (n={n}): median {median}, quartiles {p25}-{p75}, mean {mean}, "
            "range {min}-{max}"
        ).format(
            group=g,
            n=fmt_number(int(r["n"])),
            median=num(r["median"]),
            p25=num(r["p25"]),
            p75=num(r["p75"]),
            mean=num(r["mean"], f".{decimals}f"),
            min=num(r["min"]),
            max=num(r["max"]),
        )
        for g, r in matrix.iterrows()
    )
    return _("{title}: {bars}").format(title=title, bars=boxes)


def shown_levels(rows: pd.DataFrame, policy: SmallBasePolicy) -> pd.DataFrame:
    """A numeric question's rows without the levels the small-base rule hides (or empty)."""
    rows = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
    keep = [n > 0 and not policy.hides(n) for n in rows["n"]]
    return named_groups(rows[keep], policy)


def named_groups(rows: pd.DataFrame, policy: SmallBasePolicy, marked: bool = False) -> pd.DataFrame:
    """``rows`` with each group's label as shown (:func:`tables.group_name`; ``marked``: †)."""
    pairs = zip(rows["group_code"], rows["group_value"], strict=True)
    names = [group_name(code, value, policy) for code, value in pairs]
    if marked:
        names = [policy.marked(text(n), b) for n, b in zip(names, rows["base"], strict=True)]
    return rows.assign(group_value=names)
