"""Find every claim of the source document about its respondents, and what it is about.

A claim is a count (digits or a number word: "15", "nine", "none") or a
percentage stated in prose or in a chart's data labels. Dates, years and
document identifiers are not claims and are masked out first.

Each claim gets a *target*, found from the document's structure and the
codebook's cues, never from a list of known claims:

* ``count``: the number of respondents matching ``question=answer`` and/or
  ``group=group_value`` (blank = all respondents);
* ``percent``: that count over the respondents who answered ``question``;
* ``list_count``: the number of entries of the list that follows the
  paragraph (e.g. "on four occasions, on the following dates:");
* ``unverifiable``: nothing in the document can check it (e.g. numbers about
  the invitation, which lists no invited organization).

Derived claims state that stated parts add up: counts of every answer (or of
every group) to the stated total, and percentages of every answer to 100.

One claim is not a number: ``value_list``, the values of a grouping variable
that the prose names after one of the group's ``source_list_cues`` (the
countries the respondents came from); ``stated`` is how many it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from helpers.core.codebook import Codebook, Option, Question, normalize_text
from helpers.core.document import REGISTRATION, registration_values
from helpers.extract.claim_sums import sum_claims
from helpers.extract.document_lines import cue_matches

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
_QUALIFIER = re.compile(r"(more than|over|at least|less than|fewer than|about|nearly)\s*$", re.I)
_CLAUSE_END = re.compile(r"[;]|[.:](?=\s|$)")
_CHART = re.compile(r"^\s*\W?\s*(?P<label>[^:]+):\s*(?P<value>\d+(?:\.\d+)?)\s*%\s*$")

CLAIM_COLUMNS = [
    "claim_id",
    "source_line",
    "kind",
    "quote",
    "stated_text",
    "stated",
    "decimals",
    "qualifier",
    "question",
    "answer",
    "group",
    "group_value",
    "parts",
    "note",
]


@dataclass
class _Token:
    start: int
    end: int
    text: str
    value: float
    decimals: int
    is_pct: bool


def mask_non_claims(text: str) -> str:
    """Blank out dates, years and identifiers, keeping character offsets."""
    return _NOT_CLAIMS.sub(lambda m: " " * len(m.group(0)), text)


def find_tokens(text: str) -> list[_Token]:
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
            _Token(
                m.start(), m.end(), text[m.start() : m.end()], value, decimals, bool(m.group("pct"))
            )
        )
    return tokens


def _clause_bounds(text: str, pos: int) -> tuple[int, int]:
    starts = [m.end() for m in _CLAUSE_END.finditer(text) if m.end() <= pos]
    ends = [m.start() for m in _CLAUSE_END.finditer(text) if m.start() >= pos]
    return (starts[-1] if starts else 0), (ends[0] if ends else len(text))


def quote_around(text: str, start: int, end: int, width: int = 70) -> str:
    """The clause holding a token, shortened to about ``2*width`` characters."""
    lo, hi = _clause_bounds(text, start)
    lo, hi = max(lo, start - width), min(hi, end + width)
    snippet = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + snippet + ("…" if hi < len(text) else "")


def _first(options: list[Option]) -> Option | None:
    return options[0] if options else None


@dataclass
class _Context:
    book: Codebook
    registration: tuple[Option, ...]
    nouns: set[str]
    base_cues: list[str]


def block_after(lines: pd.DataFrame, line: int) -> pd.DataFrame:
    """The lines after ``line`` up to the next paragraph or heading."""
    after = lines[lines["line"] > line]
    stop = after[
        after["kind"].isin(
            [
                "paragraph",
                "answer_paragraph",
                "free_text_intro",
                "list_intro",
                "heading",
                "question_heading",
                "answer_heading",
                "subheading",
            ]
        )
    ]
    if len(stop):
        after = after[after["line"] < stop["line"].iloc[0]]
    return after


def list_size(block: pd.DataFrame) -> tuple[int, str]:
    """Entries of a list block: its registration headings if any, else its items."""
    headings = int((block["kind"] == "registration_heading").sum())
    if headings:
        return headings, "registration groups"
    items = int(block["kind"].isin(["list_item", "organization", "free_text"]).sum())
    return items, "list items"


def counts_following_list(text: str, tokens: list[_Token], i: int) -> bool:
    """True if token ``i`` is the number nearest before 'following' in its clause.

    ("sent it to 200 CSOs on four occasions, on the following dates:" -> only "four".)
    """
    _, hi = _clause_bounds(text, tokens[i].start)
    m = re.search(r"\bfollowing\b", text[tokens[i].end : hi])
    if not m:
        return False
    cue = tokens[i].end + m.start()
    return not any(t.start > tokens[i].start and t.start < cue for t in tokens)


def _resolve_count(
    ctx: _Context,
    text: str,
    tok: _Token,
    nxt: int,
    question: Question | None,
    paragraph_answer: Option | None,
) -> dict[str, str]:
    """Target of a count token: question/answer and group/value, or '' for none."""
    before = normalize_text(text[max(0, tok.start - 12) : tok.start])
    if any(before.endswith(c) for c in ctx.base_cues):
        return {"role": "total"}
    lo, hi = _clause_bounds(text, tok.start)
    tail = text[tok.end : min(nxt, hi, tok.end + 40)]
    target: dict[str, str] = {}
    group = _first(cue_matches(tail, ctx.registration))
    if group:
        target.update(group=REGISTRATION, group_value=group.code)
    if question is not None:
        after = cue_matches(text[tok.end : hi], question.answers)
        before_cues = cue_matches(text[lo : tok.start], question.answers)
        answer = _first(after) or (before_cues[-1] if before_cues else None) or paragraph_answer
        if answer:
            target.update(question=question.id, answer=answer.code)
    if not target:
        words = re.findall(r"[a-z]+", normalize_text(tail))[:3]
        if ctx.nouns & set(words):
            return {"role": "total"}
    return target


def _row(claim_id: str, line: int, kind: str, text: str, tok: _Token, **extra: object) -> dict:
    qualifier = _QUALIFIER.search(text[: tok.start])
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


def _paragraph_claims(ctx: _Context, lines: pd.DataFrame, para: pd.Series) -> list[dict]:
    text, line = str(para["text"]), int(para["line"])
    section = None if pd.isna(para["section"]) else int(para["section"])
    cats = [q for q in ctx.book.in_section(section) if q.categorical] if section else []
    question = cats[0] if cats else None
    paragraph_answer = None
    if para["kind"] == "answer_paragraph" and question is not None:
        paragraph_answer = _first(cue_matches(text, question.answers))
    tokens = find_tokens(text)
    rows: list[dict] = []
    last_count: dict[str, str] | None = None
    for i, tok in enumerate(tokens):
        cid = f"L{line:03d}.{i + 1}"
        nxt = tokens[i + 1].start if i + 1 < len(tokens) else len(text)
        if para["scope"] != "respondents":
            size, unit = list_size(block_after(lines, line))
            if not tok.is_pct and size and counts_following_list(text, tokens, i):
                rows.append(
                    _row(
                        cid,
                        line,
                        "list_count",
                        text,
                        tok,
                        note=f"number of {unit} after line {line}",
                    )
                )
            else:
                rows.append(
                    _row(
                        cid,
                        line,
                        "unverifiable",
                        text,
                        tok,
                        note="describes the invitation; the document lists no "
                        "invited organizations",
                    )
                )
            continue
        if tok.is_pct:
            lo, _ = _clause_bounds(text, tok.start)
            prev = tokens[i - 1] if i else None
            target = (
                last_count
                if prev is not None and not prev.is_pct and prev.start >= lo
                else _resolve_count(ctx, text, tok, nxt, question, paragraph_answer)
            )
            if not target or target.get("role") == "total" or "answer" not in target:
                rows.append(
                    _row(
                        cid,
                        line,
                        "unverifiable",
                        text,
                        tok,
                        note="no answer or group identified for this percentage",
                    )
                )
                continue
            rows.append(_row(cid, line, "percent", text, tok, **_target_cols(target)))
            continue
        target = _resolve_count(ctx, text, tok, nxt, question, paragraph_answer)
        last_count = target
        if target.get("role") == "total":
            rows.append(_row(cid, line, "count", text, tok, note="all respondents"))
        elif target:
            rows.append(_row(cid, line, "count", text, tok, **_target_cols(target)))
        else:
            size, unit = list_size(block_after(lines, line))
            if size:
                rows.append(
                    _row(
                        cid,
                        line,
                        "list_count",
                        text,
                        tok,
                        note=f"number of {unit} after line {line}",
                    )
                )
            else:
                rows.append(
                    _row(
                        cid, line, "unverifiable", text, tok, note="no respondent count identified"
                    )
                )
    return rows


_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)


def _value_list_claims(ctx: _Context, para: pd.Series) -> list[dict]:
    """The values of a grouping variable named after one of its cues, as one claim."""
    text, line = str(para["text"]), int(para["line"])
    rows = []
    for group in ctx.book.groups:
        for cue in group.list_cues:
            found = re.search(
                r"\b" + r"\s+".join(map(re.escape, cue.split())) + r"\s+", text, re.IGNORECASE
            )
            if not found:
                continue
            end = _CLAUSE_END.search(text, found.end())
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


def _target_cols(target: dict[str, str]) -> dict[str, str]:
    return {k: target.get(k, "") for k in ("question", "answer", "group", "group_value")}


def _chart_claims(ctx: _Context, row: pd.Series) -> list[dict]:
    m = _CHART.match(str(row["text"]))
    line = int(row["line"])
    if not m:
        return []
    label = m.group("label")
    hits = [(q, o) for q in ctx.book.categorical for o in q.answers if o.heading_matches(label)]
    tok = find_tokens(str(row["text"]))[-1]
    cid = f"L{line:03d}.1"
    if len(hits) != 1:
        return [
            _row(
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
        _row(
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


def extract_claims(lines: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    """Every numeric claim of the parsed document, with its line and target."""
    ctx = _Context(
        book=book,
        registration=registration_values(book),
        nouns={normalize_text(n) for n in book.source.respondent_nouns},
        base_cues=[normalize_text(c) for c in book.source.base_cues],
    )
    rows: list[dict] = []
    prose = {"paragraph", "answer_paragraph", "list_intro", "free_text_intro"}
    for _, row in lines.iterrows():
        if row["kind"] in prose:
            rows.extend(_paragraph_claims(ctx, lines, row))
            if row["scope"] == "respondents":
                rows.extend(_value_list_claims(ctx, row))
        elif row["kind"] == "chart_label":
            rows.extend(_chart_claims(ctx, row))
    claims = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
    derived = pd.DataFrame(sum_claims(book, claims), columns=CLAIM_COLUMNS)
    return pd.concat([claims, derived], ignore_index=True)
