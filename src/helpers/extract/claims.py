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
from helpers.extract.claim_tokens import (
    Token,
    claim_row,
    clause_bounds,
    find_tokens,
    target_columns,
)
from helpers.extract.document_lines import cue_matches
from helpers.extract.listed_claims import chart_claims, value_list_claims

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


def counts_following_list(text: str, tokens: list[Token], i: int) -> bool:
    """True if token ``i`` is the number nearest before 'following' in its clause.

    ("sent it to 200 CSOs on four occasions, on the following dates:" -> only "four".)
    """
    _, hi = clause_bounds(text, tokens[i].start)
    m = re.search(r"\bfollowing\b", text[tokens[i].end : hi])
    if not m:
        return False
    cue = tokens[i].end + m.start()
    return not any(t.start > tokens[i].start and t.start < cue for t in tokens)


def _resolve_count(
    ctx: _Context,
    text: str,
    tok: Token,
    nxt: int,
    question: Question | None,
    paragraph_answer: Option | None,
) -> dict[str, str]:
    """Target of a count token: question/answer and group/value, or '' for none."""
    before = normalize_text(text[max(0, tok.start - 12) : tok.start])
    if any(before.endswith(c) for c in ctx.base_cues):
        return {"role": "total"}
    lo, hi = clause_bounds(text, tok.start)
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


@dataclass
class _Paragraph:
    """A paragraph's text, line and numbers, and the question (and answer) it is about."""

    text: str
    line: int
    tokens: list[Token]
    question: Question | None
    answer: Option | None


def _paragraph(ctx: _Context, para: pd.Series) -> _Paragraph:
    text, line = str(para["text"]), int(para["line"])
    section = None if pd.isna(para["section"]) else int(para["section"])
    cats = [q for q in ctx.book.in_section(section) if q.categorical] if section else []
    question = cats[0] if cats else None
    paragraph_answer = None
    if para["kind"] == "answer_paragraph" and question is not None:
        paragraph_answer = _first(cue_matches(text, question.answers))
    return _Paragraph(text, line, find_tokens(text), question, paragraph_answer)


def _paragraph_claims(ctx: _Context, lines: pd.DataFrame, para: pd.Series) -> list[dict]:
    """The claims of one paragraph, token by token (a percentage after a count shares it)."""
    p = _paragraph(ctx, para)
    rows: list[dict] = []
    last_count: dict[str, str] | None = None
    for i, tok in enumerate(p.tokens):
        cid = f"L{p.line:03d}.{i + 1}"
        nxt = p.tokens[i + 1].start if i + 1 < len(p.tokens) else len(p.text)
        if para["scope"] != "respondents":
            rows.append(_invitation_claim(p, lines, i, cid))
        elif tok.is_pct:
            lo, _ = clause_bounds(p.text, tok.start)
            prev = p.tokens[i - 1] if i else None
            target = (
                last_count
                if prev is not None and not prev.is_pct and prev.start >= lo
                else _resolve_count(ctx, p.text, tok, nxt, p.question, p.answer)
            )
            rows.append(_percent_claim(p, tok, cid, target))
        else:
            last_count = _resolve_count(ctx, p.text, tok, nxt, p.question, p.answer)
            rows.append(_count_claim(p, lines, tok, cid, last_count))
    return rows


def _invitation_claim(p: _Paragraph, lines: pd.DataFrame, i: int, cid: str) -> dict:
    """A number outside the respondents' paragraphs: a list's size, or unverifiable."""
    tok = p.tokens[i]
    size, unit = list_size(block_after(lines, p.line))
    if not tok.is_pct and size and counts_following_list(p.text, p.tokens, i):
        return claim_row(
            cid, p.line, "list_count", p.text, tok, note=f"number of {unit} after line {p.line}"
        )
    return claim_row(
        cid,
        p.line,
        "unverifiable",
        p.text,
        tok,
        note="describes the invitation; the document lists no invited organizations",
    )


def _percent_claim(p: _Paragraph, tok: Token, cid: str, target: dict[str, str] | None) -> dict:
    """A percentage of an answer, or unverifiable when no answer is identified."""
    if not target or target.get("role") == "total" or "answer" not in target:
        return claim_row(
            cid,
            p.line,
            "unverifiable",
            p.text,
            tok,
            note="no answer or group identified for this percentage",
        )
    return claim_row(cid, p.line, "percent", p.text, tok, **target_columns(target))


def _count_claim(
    p: _Paragraph, lines: pd.DataFrame, tok: Token, cid: str, target: dict[str, str]
) -> dict:
    """A count of all respondents, of an answer or group, of a list's entries, or unverifiable."""
    if target.get("role") == "total":
        return claim_row(cid, p.line, "count", p.text, tok, note="all respondents")
    if target:
        return claim_row(cid, p.line, "count", p.text, tok, **target_columns(target))
    size, unit = list_size(block_after(lines, p.line))
    if size:
        return claim_row(
            cid, p.line, "list_count", p.text, tok, note=f"number of {unit} after line {p.line}"
        )
    return claim_row(
        cid, p.line, "unverifiable", p.text, tok, note="no respondent count identified"
    )


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
                rows.extend(value_list_claims(book, row))
        elif row["kind"] == "chart_label":
            rows.extend(chart_claims(book, row))
    claims = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
    derived = pd.DataFrame(sum_claims(book, claims), columns=CLAIM_COLUMNS)
    return pd.concat([claims, derived], ignore_index=True)
