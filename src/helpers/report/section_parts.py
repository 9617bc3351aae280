"""What the question, numeric and cross-tabulation sections share: headings, rows, chart words.

Each section module (:mod:`question_sections`, :mod:`numeric_sections`,
:mod:`crosstabs`) selects a question's rows of ``summaries`` here, names it the
same way, and logs the figures each chart draws.
"""

from __future__ import annotations

import re

import pandas as pd

from helpers.core.codebook import Codebook, Question
from helpers.core.codes import code_key
from helpers.core.small_base import SmallBasePolicy
from helpers.report import citing
from helpers.report.citing import Cited
from helpers.report.formatting import answer_column, distinct_labels, fmt_population
from helpers.report.matrices import group_matrix
from helpers.report.templating import cap_text, text

TABLE_KINDS = ("answer", "net", "excluded")
MATRIX_KINDS = ("answer", "net", "excluded", "missing")
WITH_MISSING = ("numeric", "missing")
NUMBERED = re.compile(r"q\d+[a-z]?")  # a document's own question numbers (q1, q2b)
WEIGHTED_LABELS = " (in brackets: the estimated population count, a sum of weights)"


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


def missing_cited(summaries: pd.DataFrame, qid: str, only_some: bool = False) -> list[Cited]:
    """The counts of a question's missing answers overall, cited (``only_some``: those > 0)."""
    missing = summaries[
        (summaries["question"] == qid)
        & (summaries["kind"] == "missing")
        & (summaries["group"] == "all")
    ]
    return [
        citing.cited(summaries, r["figure_id"], "n")
        for _, r in missing.iterrows()
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
    name = f"{by.id.upper()} ({by.short})" if NUMBERED.fullmatch(by.id) else f"“{by.short}”"
    return f"{book.question(row_q).short} by answer to {name}"


def unweighted(book: Codebook) -> str:
    """'unweighted ' for a survey with a design (its n are respondents, not estimates)."""
    return "unweighted " if book.design is not None else ""


def small_type(book: Codebook) -> str:
    """What a matrix cell's small count is: 'n', or a weighted survey's estimated count."""
    return "estimated population count" if book.design is not None else "n"


def base_text(overall: pd.DataFrame) -> str:
    """A weighted question's bases: 'estimated population 117,023,659; unweighted n = 10337'."""
    first = overall.iloc[0]
    return (
        f"estimated population {fmt_population(first['base_weighted'])}; "
        f"unweighted n = {text(first['base'])}"
    )


def log_chart(chart_log: list[dict[str, str]], chart_id: str, rows: pd.DataFrame) -> str:
    """Record which figures a chart draws; return the chart id."""
    chart_log.extend({"chart_id": chart_id, "figure_id": f} for f in rows["figure_id"])
    return chart_id


def labels_of(options: tuple, codes: tuple[str, ...]) -> list[str]:
    """The labels of ``codes`` among ``options`` (codes compare by value)."""
    wanted = {code_key(c) for c in codes}
    return [o.label for o in options if code_key(o.code) in wanted]


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
    return f"{title}: " + "; ".join(
        f"{cap_text(g)} (n={int(m['base'])}): "
        + ", ".join(f"{a} {m[k]:.1f}%" for k, a in zip(keys, names, strict=True))
        for g, m in matrix.iterrows()
    )


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
    return f"{title}: " + "; ".join(
        f"{g} (n={int(r['n'])}): median {r['median']:g}, quartiles {r['p25']:g}-{r['p75']:g}, "
        f"mean {r['mean']:.{decimals}f}, range {r['min']:g}-{r['max']:g}"
        for g, r in matrix.iterrows()
    )


def shown_levels(rows: pd.DataFrame, policy: SmallBasePolicy) -> pd.DataFrame:
    """A numeric question's rows without the levels the small-base rule hides (or empty)."""
    rows = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
    keep = [n > 0 and not policy.hides(n) for n in rows["n"]]
    return rows[keep]
