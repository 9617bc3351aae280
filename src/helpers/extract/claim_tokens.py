"""The numbers of a sentence that may be claims (digits, percentages, number words), and their rows.

Dates, years and document identifiers hold digits but are no quantities; they are
masked out first (offsets kept), so that a quote can still be cut around a token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "none": 0,
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# Things that contain digits but are not quantities: dates, years, identifiers.
_NOT_CLAIMS = re.compile(
    rf"(?:\b(?:{_MONTHS})\s+\d{{1,2}}(?:\s*,\s*\d{{4}})?)"
    r"|(?:\b(?:19|20)\d{2}\b)"
    r"|(?:\S*\d\S*/\S*|\S*/\S*\d\S*)"
    r"|(?:\b(?:RES|No|rev|doc)\.\s*\d+)"
    rf"|(?:\bquestions?\s+(?:\d+|{'|'.join(NUMBER_WORDS)})\b)",
    re.IGNORECASE,
)
_TOKEN = re.compile(
    r"(?P<pct>\d+(?:\.\d+)?)\s*%"
    r"|(?P<num>\b\d+(?:\.\d+)?\b)"
    rf"|(?P<word>\b(?:{'|'.join(NUMBER_WORDS)})\b)",
    re.IGNORECASE,
)
QUALIFIER = re.compile(r"(more than|over|at least|less than|fewer than|about|nearly)\s*$", re.I)
CLAUSE_END = re.compile(r"[;]|[.:](?=\s|$)")


@dataclass
class Token:
    """A number found in a text: where, as written, its value and decimals, whether a %."""

    start: int
    end: int
    text: str
    value: float
    decimals: int
    is_pct: bool


def mask_non_claims(text: str) -> str:
    """Blank out dates, years and identifiers, keeping character offsets."""
    return _NOT_CLAIMS.sub(lambda m: " " * len(m.group(0)), text)


def find_tokens(text: str) -> list[Token]:
    """Numbers, percentages and number words in ``text``, in order."""
    tokens = []
    for m in _TOKEN.finditer(mask_non_claims(text)):
        raw = m.group("pct") or m.group("num") or m.group("word")
        if m.group("word"):
            value, decimals = float(NUMBER_WORDS[raw.casefold()]), 0
        else:
            value = float(raw)
            decimals = len(raw.split(".")[1]) if "." in raw else 0
        tokens.append(
            Token(
                m.start(), m.end(), text[m.start() : m.end()], value, decimals, bool(m.group("pct"))
            )
        )
    return tokens


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the clause (between ';', '.', ':') around position ``pos``."""
    starts = [m.end() for m in CLAUSE_END.finditer(text) if m.end() <= pos]
    ends = [m.start() for m in CLAUSE_END.finditer(text) if m.start() >= pos]
    return (starts[-1] if starts else 0), (ends[0] if ends else len(text))


def quote_around(text: str, start: int, end: int, width: int = 70) -> str:
    """The clause holding a token, shortened to about ``2*width`` characters."""
    lo, hi = clause_bounds(text, start)
    lo, hi = max(lo, start - width), min(hi, end + width)
    snippet = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + snippet + ("…" if hi < len(text) else "")


def claim_row(claim_id: str, line: int, kind: str, text: str, tok: Token, **extra: object) -> dict:
    """A claim's row for token ``tok`` of ``text`` (its quote and qualifier), ``extra`` set."""
    qualifier = QUALIFIER.search(text[: tok.start])
    row = {
        "claim_id": claim_id,
        "source_line": line,
        "kind": kind,
        "quote": quote_around(text, tok.start, tok.end),
        "stated_text": tok.text,
        "stated": tok.value,
        "decimals": tok.decimals,
        "qualifier": qualifier.group(1).casefold() if qualifier else "",
        "question": "",
        "answer": "",
        "group": "",
        "group_value": "",
        "parts": "",
        "note": "",
    }
    row.update({k: v for k, v in extra.items() if v is not None})
    return row


def target_columns(target: dict[str, str]) -> dict[str, str]:
    """A target's question, answer, group and group value ('' where it names none)."""
    return {k: target.get(k, "") for k in ("question", "answer", "group", "group_value")}
