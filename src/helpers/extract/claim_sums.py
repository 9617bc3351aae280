"""Derived claims of the document: stated parts that add up to a stated (or implied) total.

Counts over every registration group with the same answer add up to the count of
that answer (or to all respondents); counts of every answer of a question add up
to all respondents; percentages of every answer add up to 100.
"""

from __future__ import annotations

import pandas as pd

from helpers.core.codebook import Codebook, Question
from helpers.core.document import REGISTRATION, registration_values


def _sum_row(
    cid: str,
    parts: pd.DataFrame,
    total_line: int,
    total: float,
    total_text: str,
    kind: str,
    what: str,
) -> dict:
    """A derived claim: ``parts`` (claims) add up to ``total`` stated on ``total_line``."""
    quote = " + ".join(parts["stated_text"]) + f" = {total_text}"
    return {
        "claim_id": cid,
        "source_line": total_line,
        "kind": kind,
        "quote": quote,
        "stated_text": total_text,
        "stated": total,
        "decimals": 0 if kind == "count_sum" else int(parts["decimals"].max()),
        "qualifier": "",
        "question": parts["question"].iloc[0],
        "answer": "",
        "group": "",
        "group_value": "",
        "parts": " ".join(parts["claim_id"]),
        "note": what,
    }


def _registration_sums(book: Codebook, counts: pd.DataFrame, totals: pd.DataFrame) -> list[dict]:
    """Counts over every value of the registration group, with the same answer."""
    rows: list[dict] = []
    reg_codes = {o.code for o in registration_values(book)}
    by_group = counts[counts["group"] == REGISTRATION]
    for (q, a), parts in by_group.groupby(["question", "answer"], sort=False):
        if set(parts["group_value"]) != reg_codes or len(parts) != len(reg_codes):
            continue
        line = int(parts["source_line"].iloc[0])
        same = counts[
            (counts["question"] == q)
            & (counts["answer"] == a)
            & (counts["group"] == "")
            & (counts["source_line"] == line)
        ]
        whole = same if q else totals[totals["source_line"] == line]
        if len(whole):
            w = whole.iloc[0]
            label = f"{q}={a}" if q else "all respondents"
            rows.append(
                _sum_row(
                    f"sum.L{line:03d}.{q or 'all'}.{a or 'all'}.by_registration",
                    parts,
                    int(w["source_line"]),
                    float(w["stated"]),
                    str(w["stated_text"]),
                    "count_sum",
                    f"registered + not registered = {label}",
                )
            )
    return rows


def _answer_sums(q: Question, claims: pd.DataFrame, totals: pd.DataFrame) -> list[dict]:
    """Counts and percentages over every answer of ``q``, per section or chart."""
    rows: list[dict] = []
    codes = [o.code for o in q.answers]
    for kind, implied in (("count", None), ("percent", 100.0)):
        sel = claims[
            (claims["kind"] == kind) & (claims["question"] == q.id) & (claims["group"] == "")
        ]
        charts = sel["note"].str.startswith("data label")
        for is_chart, parts in sel.groupby(charts, sort=False):
            parts = parts.drop_duplicates("answer")
            covered = set(parts["answer"])
            if kind == "percent":
                zero = claims[
                    (claims["kind"] == "count")
                    & (claims["question"] == q.id)
                    & (claims["group"] == "")
                    & (claims["stated"] == 0)
                ]
                covered |= set(zero["answer"])
            if covered != set(codes) or len(parts) < 2:
                continue
            first = int(parts["source_line"].min())
            where = "chart" if is_chart else "text"
            if implied is not None:
                rows.append(
                    _sum_row(
                        f"sum.L{first:03d}.{q.id}.percent.{where}",
                        parts,
                        first,
                        implied,
                        "100%",
                        "percent_sum",
                        f"percentages of every {q.id} answer = 100%",
                    )
                )
                continue
            whole = totals[totals["source_line"].isin(set(parts["source_line"]))]
            if len(whole):
                w = whole.iloc[0]
                rows.append(
                    _sum_row(
                        f"sum.L{first:03d}.{q.id}.count.{where}",
                        parts,
                        int(w["source_line"]),
                        float(w["stated"]),
                        str(w["stated_text"]),
                        "count_sum",
                        f"counts of every {q.id} answer = all respondents",
                    )
                )
    return rows


def sum_claims(book: Codebook, claims: pd.DataFrame) -> list[dict]:
    """Claims that stated parts add up to a stated (or implied) total."""
    counts = claims[claims["kind"] == "count"]
    totals = counts[counts["note"] == "all respondents"]
    rows = _registration_sums(book, counts, totals)
    for q in book.categorical:
        rows += _answer_sums(q, claims, totals)
    return rows
