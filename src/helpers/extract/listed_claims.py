"""Claims that are not counts in prose: a chart's data labels, and the values a paragraph names."""

from __future__ import annotations

import re

import pandas as pd

from helpers.core.codebook import Codebook
from helpers.extract.claim_tokens import CLAUSE_END, claim_row, find_tokens, quote_around

_CHART = re.compile(r"^\s*\W?\s*(?P<label>[^:]+):\s*(?P<value>\d+(?:\.\d+)?)\s*%\s*$")


_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)


def value_list_claims(book: Codebook, para: pd.Series) -> list[dict]:
    """The values of a grouping variable named after one of its cues, as one claim."""
    text, line = str(para["text"]), int(para["line"])
    rows = []
    for group in book.groups:
        for cue in group.list_cues:
            found = re.search(
                r"\b" + r"\s+".join(map(re.escape, cue.split())) + r"\s+", text, re.IGNORECASE
            )
            if not found:
                continue
            end = CLAUSE_END.search(text, found.end())
            stop = end.start() if end else len(text)
            named = text[found.end() : stop].strip()
            items = [item.strip() for item in _LIST_SPLIT.split(named) if item.strip()]
            rows.append(
                {
                    "claim_id": f"L{line:03d}.{group.id}",
                    "source_line": line,
                    "kind": "value_list",
                    "quote": quote_around(text, found.start(), stop),
                    "stated_text": named,
                    "stated": float(len(items)),
                    "decimals": 0,
                    "qualifier": "",
                    "question": "",
                    "answer": "",
                    "group": group.id,
                    "group_value": "",
                    "parts": "; ".join(items),
                    "note": f"{group.label} values named after {cue!r}",
                }
            )
            break
    return rows


def chart_claims(book: Codebook, row: pd.Series) -> list[dict]:
    """A chart's data label (``Label: 40%``) as a percent of the one answer it names."""
    m = _CHART.match(str(row["text"]))
    line = int(row["line"])
    if not m:
        return []
    label = m.group("label")
    hits = [(q, o) for q in book.categorical for o in q.answers if o.heading_matches(label)]
    tok = find_tokens(str(row["text"]))[-1]
    cid = f"L{line:03d}.1"
    if len(hits) != 1:
        return [
            claim_row(
                cid,
                line,
                "unverifiable",
                str(row["text"]),
                tok,
                note=f"chart label {label!r} names no single codebook answer",
            )
        ]
    q, o = hits[0]
    return [
        claim_row(
            cid,
            line,
            "percent",
            str(row["text"]),
            tok,
            question=q.id,
            answer=o.code,
            quote=str(row["text"]),
            note="data label of a published chart",
        )
    ]
