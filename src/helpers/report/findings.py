"""The key findings, chosen from the figures: what a reader should know first.

Each finding is a sentence built from rows of the summaries table (every number cited
by its figure id): for a published document what the audit found wrong; the group
comparisons whose adjusted p-value is below ``stats.alpha``, largest effect first (Cohen's
h for percentages, the difference of means in standard deviations for numbers), the
first ``KEY_COMPARISONS`` in view; data-quality facts; each question's leading answer
(a yes/no question's "yes" share), one click away when there are more than
``KEY_QUESTIONS``. Groups under the small-base policy are never the ends of a comparison,
a neutral answer never leads, and a gap joins two different groups whose printed
figures differ.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.answers import affirmative_code, leading_codes
from helpers.core.codebook import Codebook, Question
from helpers.core.codes import code_key
from helpers.core.i18n import _
from helpers.core.small_base import SmallBasePolicy
from helpers.report.citing import cited, cited_equal, monte_carlo, row_of
from helpers.report.formatting import lower_first
from helpers.report.method_section import unit_names
from helpers.report.templating import render

KEY_COMPARISONS = 5  # comparisons listed in the key findings; the rest one click away
KEY_QUESTIONS = 6  # more questions than this: their leading answers one click away


def _answered(summaries: pd.DataFrame, q: Question, group: str) -> pd.DataFrame:
    """A closed question's answer rows in ``group`` (``all``: overall), neutral ones aside."""
    rows = summaries[
        (summaries["question"] == q.id)
        & (summaries["group"] == group)
        & (summaries["kind"] == "answer")
    ]
    neutral = {code_key(c) for c in q.neutral}
    return rows[[code_key(c) not in neutral for c in rows["answer_code"]]]


def leading_answer(summaries: pd.DataFrame, q: Question) -> dict[str, Any] | None:
    """The answer(s) with the largest share overall (neutral answers aside), cited.

    A yes/no question gives its "yes" share (``yes``: True), whichever is larger.
    """
    rows = _answered(summaries, q, "all")
    rows = rows[rows["pct"].notna()]
    if not len(rows) or int(rows["base"].iloc[0]) == 0:
        return None
    pct = rows["pct"].astype(float)
    lead = set(leading_codes(q, zip(rows["answer_code"], pct, strict=True)))
    top = rows[[code_key(c) in lead for c in rows["answer_code"]]]
    yes = affirmative_code(q)
    return {
        "short": q.short,
        "multiple": q.type == "multiple_choice",
        "yes": yes is not None,
        "majority": float(pct.max()) > 50 and len(top) == 1,
        "answers": [
            (r["answer"], cited(summaries, r["figure_id"], "pct")) for _i, r in top.iterrows()
        ],
    }


def _tests(summaries: pd.DataFrame) -> pd.DataFrame:
    return summaries[(summaries["kind"] == "test") & (summaries["answer_code"] == "p_adjusted")]


def comparisons(
    book: Codebook, summaries: pd.DataFrame, policy: SmallBasePolicy, alpha: float
) -> tuple[list[dict[str, Any]], int]:
    """The comparisons whose adjusted p is below ``alpha``, largest effect first.

    Each names its largest gap between two groups of fair base (:func:`largest_gap`);
    those without one (every fair group alike in what is shown) come last, by p.
    A Monte Carlo p-value says so (``monte_carlo``: :func:`markup.monte_carlo`).
    Returns (findings, number of comparisons tested).
    """
    tests = _tests(summaries)
    out = []
    for _i, t in tests.iterrows():
        if pd.isna(t["estimate"]) or float(t["estimate"]) >= alpha:
            continue
        q, group = book.question(t["question"]), t["group"]
        by = (
            book.group(group).label
            if group in {g.id for g in book.groups}
            else _("answer to {question}").format(question=book.question(group).short)
        )
        p_id = t["figure_id"].removesuffix("_adjusted")
        out.append(
            {
                "short": q.short,
                "by": lower_first(by),
                "id": t["figure_id"],
                "p": cited_equal(summaries, t["figure_id"]),
                "p_value": float(t["estimate"]),
                "monte_carlo": monte_carlo(summaries, p_id),
                "method": str(t["ci_method"]),
                "gap": largest_gap(summaries, q, group, policy),
            }
        )
    out.sort(
        key=lambda x: (
            x["gap"] is None,
            -(x["gap"] or {}).get("effect", 0.0),
            x["p_value"],
            x["id"],
        )
    )
    return out, len(tests)


def cohens_h(low_pct: float, high_pct: float) -> float:
    """Cohen's h of two percentages: the gap of their arcsine-root transforms.

    Comparable across questions whatever their shares (0.2 small, 0.5 medium, 0.8 large).
    """
    return abs(2 * math.asin(math.sqrt(high_pct / 100)) - 2 * math.asin(math.sqrt(low_pct / 100)))


def _fair(rows: pd.DataFrame, policy: SmallBasePolicy) -> pd.DataFrame:
    """Rows of groups whose base is above 0 and not small."""
    return rows[[not policy.small(b) and b > 0 for b in rows["base"]]]


def largest_gap(
    summaries: pd.DataFrame, q: Question, group: str, policy: SmallBasePolicy
) -> dict[str, Any] | None:
    """The widest gap between two groups of fair base, with its effect size; or None.

    A closed question: the answer (its "yes" for a yes/no question; never a neutral one)
    whose percentages differ most by Cohen's h. A numeric question: its means, the gap
    over the overall standard deviation (a standardized mean difference). Two different
    groups, and a gap that shows in the printed figures (never "0.0 to 0.0").
    """
    if q.type == "numeric":
        return _mean_gap(summaries, q, group, policy)
    rows = _fair(_answered(summaries, q, group), policy)
    yes = affirmative_code(q)
    if yes:
        rows = rows[[code_key(c) == yes for c in rows["answer_code"]]]
    best = None
    for _i, part in rows[rows["pct"].notna()].groupby("answer_code", sort=False):
        low, high = _ends(part, "pct")
        if low is None:
            continue
        effect = cohens_h(float(low["estimate"]), float(high["estimate"]))
        if best is None or effect > best[0]:
            best = (effect, low, high)
    if best is None:
        return None
    effect, low, high = best
    return {
        "answer": low["answer"],
        "numeric": False,
        "unit": "",
        "effect": effect,
        "measure": "h",
        "difference": _difference(low, high),
        "low": (cited(summaries, low["figure_id"], "pct"), low["group_value"]),
        "high": (cited(summaries, high["figure_id"], "pct"), high["group_value"]),
    }


def _mean_gap(
    summaries: pd.DataFrame, q: Question, group: str, policy: SmallBasePolicy
) -> dict[str, Any] | None:
    """A numeric question's widest gap of group means, over its overall SD."""
    rows = summaries[
        (summaries["question"] == q.id)
        & (summaries["group"] == group)
        & (summaries["kind"] == "numeric")
        & (summaries["stat"] == "mean")
    ]
    low, high = _ends(_fair(rows[rows["estimate"].notna()], policy), "estimate")
    sd = summaries[summaries["figure_id"] == f"{q.id}.all.all.sd"]["estimate"]
    if low is None or not len(sd) or pd.isna(sd.iloc[0]) or float(sd.iloc[0]) <= 0:
        return None
    effect = abs(float(high["estimate"]) - float(low["estimate"])) / float(sd.iloc[0])
    return {
        "answer": "",
        "numeric": True,
        "unit": q.unit,
        "effect": effect,
        "measure": "d",
        "difference": _difference(low, high),
        "low": (cited(summaries, low["figure_id"], "value"), low["group_value"]),
        "high": (cited(summaries, high["figure_id"], "value"), high["group_value"]),
    }


def _ends(rows: pd.DataFrame, column: str) -> tuple[pd.Series | None, pd.Series | None]:
    """The rows of the lowest and highest value, of two groups whose printed values differ.

    (None, None) when there are no such two.
    """
    if len(rows) < 2:
        return None, None
    value = rows[column].astype(float)
    low, high = rows.loc[value.idxmin()], rows.loc[value.idxmax()]
    if low["group_code"] == high["group_code"] or str(low["shown"]) == str(high["shown"]):
        return None, None
    return low, high


def _difference(low: pd.Series, high: pd.Series) -> str:
    """The gap of two printed figures, as printed (exact decimal arithmetic: 60.0 − 23.1)."""
    return str(Decimal(str(high["shown"])) - Decimal(str(low["shown"])))


def data_quality(book: Codebook, summaries: pd.DataFrame, rejects: pd.DataFrame) -> dict[str, Any]:
    """Answers set aside and respondents without an answer, per question (cited)."""
    missing = summaries[(summaries["kind"] == "missing") & (summaries["group"] == "all")]
    shorts = {q.id: q.short for q in book.questions}
    return {
        "rejects": len(rejects),
        "missing": [
            (
                shorts.get(r["question"], r["question"]),
                cited(summaries, r["figure_id"], "n_of_base"),
            )
            for _i, r in missing.iterrows()
        ],
    }


def _first_group_rows(book: Codebook, summaries: pd.DataFrame) -> pd.DataFrame:
    """Respondent counts by the first grouping variable with coded values (if any)."""
    coded = [g for g in book.breakdown_groups if not book.group(g).from_source]
    if not coded:
        return summaries.iloc[0:0]
    return summaries[(summaries["question"] == "respondents") & (summaries["group"] == coded[0])]


def key_findings(
    book: Codebook,
    summaries: pd.DataFrame,
    policy: SmallBasePolicy,
    alpha: float,
    adjust: str,
    rejects: pd.DataFrame,
    audit_line: str = "",
) -> Markup:
    """The key findings block.

    ``adjust``: the p-value adjustment's name; ``audit_line``: an HTML item to add
    (:func:`helpers.report.audit_sections.audit_summary`).
    """
    questions = []
    for q in book.closed:
        lead = leading_answer(summaries, q)
        zero = summaries[
            (summaries["question"] == q.id)
            & (summaries["group"] == "all")
            & (summaries["kind"] == "answer")
            & (summaries["n"] == 0)
        ]
        questions.append(
            {
                "lead": lead,
                "short": q.short,
                "zeros": [
                    (r["answer"], cited(summaries, r["figure_id"], "n_of_base"))
                    for _i, r in zero.iterrows()
                ],
            }
        )
    numeric = [
        {
            "short": q.short,
            "unit": q.unit,
            "cited": cited(summaries, f"{q.id}.all.all.mean", "value_ci"),
            "median": cited(summaries, f"{q.id}.all.all.median", "value"),
        }
        for q in book.numeric
        if int(row_of(summaries, f"{q.id}.all.all.mean")["n"]) > 0
    ]
    found, tested = comparisons(book, summaries, policy, alpha)
    groups = [
        (r["group_value"], cited(summaries, r["figure_id"], "n"))
        for _i, r in _first_group_rows(book, summaries).iterrows()
    ]
    shown_questions = sum(q["lead"] is not None for q in questions) + len(numeric)
    return render(
        "key_findings.html",
        respondents=cited(summaries, "respondents.all.all", "n"),
        unit=unit_names(book)[1],
        groups=groups,
        questions=questions,
        numeric=numeric,
        comparisons=found[:KEY_COMPARISONS],
        more_comparisons=found[KEY_COMPARISONS:],
        tested=tested,
        significant=len(found),
        alpha=alpha,
        adjust=adjust,
        quality=data_quality(book, summaries, rejects),
        policy=policy,
        questions_apart=shown_questions > KEY_QUESTIONS,
        question_count=shown_questions,
        audit_line=Markup(audit_line),  # HTML by contract (the audit summary sentence)
    )
