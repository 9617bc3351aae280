"""The parser's position in the published document, and which handler reads a line.

:class:`ParseState` is where the parser is (section, scope, answer, the list it is
in) and what it has collected; :func:`line_kind` names the handler of a line
(``helpers.extract.source_parser.HANDLERS``) from its look and that position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpers.core.codebook import Codebook, Option, Question
from helpers.core.errors import SourceError
from helpers.extract.document_lines import (
    BULLET_RE,
    CHART_RE,
    QUESTION_RE,
    is_heading,
    is_short_label,
    ordinal_in,
)


@dataclass
class ParseState:
    """The parser's position in the document and what it has collected so far."""

    book: Codebook
    path: str
    lines: list[str]
    registration: tuple[Option, ...]
    respondents_cue: str
    section: int | None = None
    scope: str = "invitation"
    answer: Option | None = None
    answer_line: int | None = None
    reg: Option | None = None
    reg_line: int | None = None
    country: str | None = None
    country_line: int | None = None
    mode: str | None = None  # roster | free_text | plain
    free_question: Question | None = None
    free_item: str = ""
    intro_line: int | None = None
    kinds: list[dict[str, object]] = field(default_factory=list)
    mentions: list[dict[str, object]] = field(default_factory=list)
    free: list[dict[str, object]] = field(default_factory=list)
    sections_seen: dict[int, int] = field(default_factory=dict)

    def reset_list(self) -> None:
        """Leave the current list (roster, free text or plain)."""
        self.reg = self.reg_line = None
        self.country = self.country_line = None
        self.mode = None

    def reset_answer(self) -> None:
        """Forget the answer the next organization list belongs to."""
        self.answer = self.answer_line = None

    def mark(self, line: SourceLine, kind: str) -> None:
        """Record the kind of ``line``."""
        self.kinds.append(
            {
                "line": line.no,
                "kind": kind,
                "section": self.section,
                "scope": self.scope,
                "text": line.raw.strip(),
            }
        )

    def fail(self, line: SourceLine, expected: str, found: str) -> SourceError:
        """The error for ``line``: what was expected there and what was found."""
        return SourceError(self.path, line.no, expected, found)


@dataclass(frozen=True)
class SourceLine:
    """One non-blank line of the document and the section's categorical question."""

    index: int
    raw: str
    categorical: Question | None

    @property
    def no(self) -> int:
        """Its 1-based line number."""
        return self.index + 1

    @property
    def text(self) -> str:
        """The line without surrounding blanks."""
        return self.raw.strip()


def next_content(lines: list[str], index: int) -> str | None:
    """The first non-blank line after ``index``, or None."""
    for text in lines[index + 1 :]:
        if text.strip():
            return text
    return None


def section_categorical(book: Codebook, section: int | None) -> Question | None:
    """The first categorical question of ``section`` (None outside a question section)."""
    if section is None:
        return None
    found = [q for q in book.in_section(section) if q.categorical]
    return found[0] if found else None


def free_text_target(
    book: Codebook, section: int, paragraph: str, path: str, line: int
) -> tuple[Question, str]:
    """The free-text question (and item, by the paragraph's ordinal) a list answers."""
    candidates = [q for q in book.in_section(section) if q.type == "free_text"]
    if not candidates:
        raise SourceError(
            path,
            line,
            f"a free-text question of QUESTION {section} in the codebook",
            "a list of free-text answers",
        )
    question = candidates[0]
    if not question.items:
        return question, ""
    n = ordinal_in(paragraph)
    codes = [o.code for o in question.items]
    if n is None or str(n) not in codes:
        raise SourceError(
            path,
            line,
            f"an ordinal naming one of {question.id}'s items {codes}",
            f"{paragraph[:80]!r}",
        )
    return question, str(n)


def line_kind(p: ParseState, text: str) -> str:
    """Which handler reads a line, by its look and the parser's position (first match wins)."""
    if QUESTION_RE.match(text):
        return "question_heading"
    if CHART_RE.match(text):
        return "chart_label"
    if BULLET_RE.match(text):
        return "bullet"
    if any(o.heading_matches(text) for o in p.registration):
        return "registration_heading"
    if is_heading(text):
        return "answer_heading" if text.endswith(":") else "heading"
    if is_short_label(text):
        return "country" if p.mode == "roster" else "subheading"
    return "prose"
