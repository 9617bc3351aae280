"""The key findings, chosen from the figures: what a reader should know first.

Each finding is a sentence built from rows of the summaries table (every number cited
by its figure id): the leading answer of each question, the group comparisons whose
adjusted p-value is below ``stats.alpha``, data-quality facts, and for a published
document what the audit found wrong. Groups under the small-base rule are never the
ends of a comparison.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.codes import code_key
from helpers.core.small_base import SmallBasePolicy
from helpers.report import markup as rh
from helpers.report.templating import render


def leading_answer(summaries: pd.DataFrame, q: Question) -> dict[str, Any] | None:
    """The answer(s) with the largest share overall (neutral answers aside), cited."""
    rows = summaries[(summaries["question"] == q.id) & (summaries["group"] == "all")
                     & (summaries["kind"] == "answer") & summaries["pct"].notna()]  # fmt: skip
    neutral = {code_key(c) for c in q.neutral}
    rows = rows[[code_key(c) not in neutral for c in rows["answer_code"]]]
    if not len(rows) or int(rows["base"].iloc[0]) == 0:
        return None
    pct = rows["pct"].astype(float)
    top = rows[pct == pct.max()]
    return {"short": q.short, "multiple": q.type == "multiple_choice",
            "majority": float(pct.max()) > 50 and len(top) == 1,
            "answers": [(r["answer"], rh.cited(summaries, r["figure_id"], "pct"))
                        for _, r in top.iterrows()]}  # fmt: skip


def _tests(summaries: pd.DataFrame) -> pd.DataFrame:
    return summaries[(summaries["kind"] == "test") & (summaries["answer_code"] == "p_adjusted")]


def comparisons(book: Codebook, summaries: pd.DataFrame, policy: SmallBasePolicy,
                alpha: float) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    """The comparisons whose adjusted p is below ``alpha``, each with its widest gap.

    A Monte Carlo p-value says so (``monte_carlo``: :func:`markup.monte_carlo`).
    Returns (findings, number of comparisons tested).
    """
    tests = _tests(summaries)
    out = []
    for _, t in tests.iterrows():
        if pd.isna(t["estimate"]) or float(t["estimate"]) >= alpha:
            continue
        q, group = book.question(t["question"]), t["group"]
        gap = _widest_gap(summaries, q, group, policy)
        by = (book.group(group).label if group in {g.id for g in book.groups}
              else f"answer to {book.question(group).short}")  # fmt: skip
        p_id = t["figure_id"].removesuffix("_adjusted")
        out.append({"short": q.short, "by": rh.lower_first(by),
                    "p": rh.cited_equal(summaries, t["figure_id"]),
                    "monte_carlo": rh.monte_carlo(summaries, p_id),
                    "method": str(t["ci_method"]), "gap": gap})  # fmt: skip
    return out, len(tests)


def _widest_gap(summaries: pd.DataFrame, q: Question, group: str,
                policy: SmallBasePolicy) -> dict[str, Any] | None:  # fmt: skip
    """The answer (or the mean) whose share differs most between two groups of fair base."""
    kind = "numeric" if q.type == "numeric" else "answer"
    rows = summaries[(summaries["question"] == q.id) & (summaries["group"] == group)
                     & (summaries["kind"] == kind)]  # fmt: skip
    rows = rows[[not policy.small(b) and b > 0 for b in rows["base"]]]
    if kind == "numeric":  # a rank test: the medians tell the groups apart
        rows = rows[rows["stat"] == "median"]
        value = rows["estimate"].astype(float)
    else:
        value = rows["pct"].astype(float)
    rows = rows.assign(_v=value.to_numpy())
    best = None
    for code, part in rows.groupby("answer_code", sort=False):
        if len(part) < 2:
            continue
        low, high = part.loc[part["_v"].idxmin()], part.loc[part["_v"].idxmax()]
        spread = float(high["_v"] - low["_v"])
        if best is None or spread > best[0]:
            best = (spread, code, low, high)
    if best is None:
        return None
    _, _, low, high = best
    what = "value" if kind == "numeric" else "pct"
    return {"answer": low["answer"], "numeric": kind == "numeric", "unit": q.unit,
            "low": (rh.cited(summaries, low["figure_id"], what), low["group_value"]),
            "high": (rh.cited(summaries, high["figure_id"], what), high["group_value"])}


def data_quality(book: Codebook, summaries: pd.DataFrame,
                 rejects: pd.DataFrame) -> dict[str, Any]:  # fmt: skip
    """Answers set aside and respondents without an answer, per question (cited)."""
    missing = summaries[(summaries["kind"] == "missing") & (summaries["group"] == "all")]
    shorts = {q.id: q.short for q in book.questions}
    return {"rejects": len(rejects),
            "missing": [(shorts.get(r["question"], r["question"]),
                         rh.cited(summaries, r["figure_id"], "n_of_base"))
                        for _, r in missing.iterrows()]}  # fmt: skip


def _first_group_rows(book: Codebook, summaries: pd.DataFrame) -> pd.DataFrame:
    """Respondent counts by the first grouping variable with coded values (if any)."""
    coded = [g for g in book.breakdown_groups if not book.group(g).from_source]
    if not coded:
        return summaries.iloc[0:0]
    return summaries[(summaries["question"] == "respondents")
                     & (summaries["group"] == coded[0])]  # fmt: skip


def key_findings(book: Codebook, summaries: pd.DataFrame, policy: SmallBasePolicy, alpha: float,
                 adjust: str, rejects: pd.DataFrame, audit_line: str = "") -> Markup:
    """The key findings block.

    ``adjust``: the p-value adjustment's name; ``audit_line``: an HTML item to add
    (:func:`helpers.report.audit_sections.audit_summary`).
    """
    questions = []
    for q in book.closed:
        lead = leading_answer(summaries, q)
        zero = summaries[(summaries["question"] == q.id) & (summaries["group"] == "all")
                         & (summaries["kind"] == "answer") & (summaries["n"] == 0)]  # fmt: skip
        questions.append({"lead": lead, "short": q.short,
                          "zeros": [(r["answer"], rh.cited(summaries, r["figure_id"],
                                                           "n_of_base"))
                                    for _, r in zero.iterrows()]})  # fmt: skip
    numeric = [{"short": q.short, "unit": q.unit,
                "cited": rh.cited(summaries, f"{q.id}.all.all.mean", "value_ci"),
                "median": rh.cited(summaries, f"{q.id}.all.all.median", "value")}
               for q in book.numeric
               if int(rh.row_of(summaries, f"{q.id}.all.all.mean")["n"]) > 0]  # fmt: skip
    found, tested = comparisons(book, summaries, policy, alpha)
    groups = [(r["group_value"], rh.cited(summaries, r["figure_id"], "n"))
              for _, r in _first_group_rows(book, summaries).iterrows()]  # fmt: skip
    return render(
        "key_findings.html", respondents=rh.cited(summaries, "respondents.all.all", "n"),
        unit=book.survey.respondent_unit_plural, groups=groups,
        questions=questions, numeric=numeric, comparisons=found, tested=tested, alpha=alpha,
        adjust=adjust, quality=data_quality(book, summaries, rejects), policy=policy,
        audit_line=Markup(audit_line),  # HTML by contract (the audit summary sentence)
    )  # fmt: skip
