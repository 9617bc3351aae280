"""What a parsed document holds (:class:`ParsedSource`) and the parts it must hold."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.core.codebook import Codebook
from helpers.core.document import MENTION_COLUMNS
from helpers.core.errors import SourceError

LINE_COLUMNS = ["line", "kind", "section", "scope", "text"]
FREE_TEXT_COLUMNS = ["line", "question", "item", "intro_line", "text"]


@dataclass(frozen=True)
class ParsedSource:
    """What the parser read: every line's kind, organization mentions, free text."""

    lines: pd.DataFrame
    mentions: pd.DataFrame
    free_text: pd.DataFrame


def empty_parse() -> ParsedSource:
    """A ParsedSource with no rows (inputs that are not the published document)."""
    return ParsedSource(
        lines=pd.DataFrame(columns=LINE_COLUMNS),
        mentions=pd.DataFrame(columns=MENTION_COLUMNS),
        free_text=pd.DataFrame(columns=FREE_TEXT_COLUMNS),
    )


def check_structure(parsed: ParsedSource, book: Codebook, path: str, last_line: int) -> None:
    """Refuse a document that lacks a part the codebook expects.

    In order: something that is not the survey summary at all (no ``QUESTION n``
    heading and no organization list); no registration list before the first
    question; a codebook section without its ``QUESTION n`` heading; a
    categorical question whose section lists no organization.
    """
    lines, mentions = parsed.lines, parsed.mentions
    heads = lines[lines["kind"] == "question_heading"]
    head_line = {int(s): int(n) for s, n in zip(heads["section"], heads["line"], strict=True)}
    sections = sorted({q.section for q in book.questions if q.section is not None})
    names = ", ".join(f"'QUESTION {s}'" for s in sections)
    if not head_line and mentions.empty:
        first = repr(lines["text"].iloc[0][:60]) if len(lines) else "nothing"
        raise SourceError(
            path,
            None,
            "the survey summary document (a registration list of "
            f"organizations, then the sections {names})",
            f"no 'QUESTION n' heading and no organization list in {len(lines)} "
            f"non-blank lines (first: {first})",
        )
    first_q = min(head_line.values(), default=last_line)
    if not (mentions["list"] == "roster").any():
        raise SourceError(
            path,
            first_q,
            "a registration list (a registration line such as "
            "'Registered', country lines, organization bullets) before the first "
            "'QUESTION n' heading",
            f"no organization before line {first_q}",
        )
    for s in sections:
        if s in head_line:
            continue
        ids = ", ".join(q.id for q in book.in_section(s))
        later = sorted((n, t) for t, n in head_line.items() if t > s)
        if later:
            raise SourceError(
                path,
                later[0][0],
                f"a 'QUESTION {s}' section (codebook: {ids}) before 'QUESTION {later[0][1]}'",
                f"'QUESTION {later[0][1]}' and no 'QUESTION {s}' heading in the file",
            )
        raise SourceError(
            path,
            last_line,
            f"a 'QUESTION {s}' section (codebook: {ids})",
            f"the end of the file and no 'QUESTION {s}' heading",
        )
    for q in book.categorical:
        if q.section is None or (mentions["list"] == q.id).any():
            continue
        start = head_line[q.section]
        end = min((n for t, n in head_line.items() if n > start), default=last_line + 1) - 1
        labels = ", ".join(o.label for o in q.answers)
        raise SourceError(
            path,
            start,
            f"organization lists of the {q.id} answers ({labels}) under 'QUESTION {q.section}'",
            f"no organization listed in lines {start}–{end}",
        )
