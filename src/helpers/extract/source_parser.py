"""Parse the published survey summary into respondent lists and free text.

The parser follows the document's structure, one line at a time:

* ``QUESTION n`` opens the section of question *n*;
* an all-capital line is a document heading; one containing the codebook's
  ``respondents_section_cue`` opens the part describing the respondents;
* an all-capital line ending in ``:`` is an answer heading, matched to the
  section's categorical question through the codebook;
* a prose paragraph containing exactly one answer cue of the section's
  categorical question announces the list of that answer;
* a line equal to a registration cue opens an organization list
  (``Registered`` / ``Not registered``); the short lines in such a list are
  countries and its bullets are organizations;
* a paragraph followed by bullets that is not an answer announcement opens a
  free-text list (in a question section) or a plain list (elsewhere);
* a bullet ``Label: 62%`` is a data label of a published chart.

Every non-blank line gets a kind (:func:`line_kind`) and its handler
(:data:`HANDLERS`); nothing is dropped silently. Organization names and answers
are never literals here: they come from the document and the codebook.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from helpers.core.codebook import Codebook, CodebookError, normalize_text
from helpers.core.document import (
    MENTION_COLUMNS,
    REGISTRATION,
    REGISTRATION_LINE,
    registration_values,
)
from helpers.core.text import split_lines
from helpers.extract.document_lines import (
    BULLET_RE,
    CHART_RE,
    QUESTION_RE,
    cue_matches,
    is_heading,
    is_short_label,
    ordinal_in,
    parse_organization,
)
from helpers.extract.document_state import (
    ParseState,
    SourceLine,
    free_text_target,
    line_kind,
    next_content,
    section_categorical,
)
from helpers.extract.document_structure import (
    FREE_TEXT_COLUMNS,
    LINE_COLUMNS,
    ParsedSource,
    check_structure,
    empty_parse,
)

__all__ = [
    "FREE_TEXT_COLUMNS",
    "LINE_COLUMNS",
    "MENTION_COLUMNS",
    "ParsedSource",
    "check_structure",
    "cue_matches",
    "empty_parse",
    "is_heading",
    "is_short_label",
    "ordinal_in",
    "parse_organization",
    "parse_source",
    "split_lines",
]


def _question_heading(p: ParseState, line: SourceLine) -> None:
    p.section = int(QUESTION_RE.match(line.text).group("n"))  # type: ignore[union-attr]
    p.scope = "respondents"
    p.reset_answer()
    p.reset_list()
    if not p.book.in_section(p.section):
        raise p.fail(line, "a question section listed in the codebook", f"{line.text!r}")
    if p.section in p.sections_seen:
        raise p.fail(
            line,
            "each 'QUESTION n' heading once",
            f"'QUESTION {p.section}' again (first on line {p.sections_seen[p.section]})",
        )
    p.sections_seen[p.section] = line.no
    p.mark(line, "question_heading")


def _chart_label(p: ParseState, line: SourceLine) -> None:
    p.mark(line, "chart_label")


def _organization(p: ParseState, line: SourceLine, item: str) -> None:
    if p.country is None:
        raise p.fail(line, "a country line before the organizations", f"bullet {item[:60]!r}")
    name, acronym = parse_organization(item)
    categorical = line.categorical
    p.mentions.append(
        {
            "line": line.no,
            "list": categorical.id if p.section is not None and categorical else "roster",
            "section": p.section,
            "answer": p.answer.code if p.answer else None,
            "answer_line": p.answer_line,
            REGISTRATION: p.reg.code if p.reg else None,
            REGISTRATION_LINE: p.reg_line,
            "country": p.country,
            "country_line": p.country_line,
            "organization": name,
            "acronym": acronym,
        }
    )
    p.mark(line, "organization")


def _bullet(p: ParseState, line: SourceLine) -> None:
    item = BULLET_RE.match(line.text).group("text")  # type: ignore[union-attr]
    if not item:
        raise p.fail(line, "text after the bullet", "an empty bullet")
    if p.mode == "roster":
        _organization(p, line, item)
    elif p.mode == "free_text" and p.free_question is not None:
        p.free.append(
            {
                "line": line.no,
                "question": p.free_question.id,
                "item": p.free_item,
                "intro_line": p.intro_line,
                "text": item,
            }
        )
        p.mark(line, "free_text")
    elif p.mode == "plain":
        p.mark(line, "list_item")
    else:
        raise p.fail(
            line,
            "a bullet inside a list (after a country line or a paragraph introducing the list)",
            f"bullet {item[:60]!r}",
        )


def _registration_heading(p: ParseState, line: SourceLine) -> None:
    option = next(o for o in p.registration if o.heading_matches(line.text))
    if p.section is not None and p.answer is None:
        raise p.fail(
            line, "an answer heading or paragraph before an organization list", f"{line.text!r}"
        )
    p.reg, p.reg_line = option, line.no
    p.country = p.country_line = None
    p.mode = "roster"
    p.mark(line, "registration_heading")


def _answer_heading(p: ParseState, line: SourceLine) -> None:
    categorical = line.categorical
    if categorical is None:
        raise p.fail(
            line,
            "an answer heading only inside a question section with a categorical question",
            f"{line.text!r}",
        )
    matches = [o for o in categorical.answers if o.heading_matches(line.text)]
    if not matches:
        labels = ", ".join(o.label for o in categorical.answers)
        raise p.fail(line, f"an answer heading of {categorical.id} ({labels})", f"{line.text!r}")
    p.answer, p.answer_line = matches[0], line.no
    p.reset_list()
    p.mark(line, "answer_heading")


def _heading(p: ParseState, line: SourceLine) -> None:
    if p.respondents_cue and p.respondents_cue in normalize_text(line.text):
        p.scope = "respondents"
    p.reset_answer()
    p.reset_list()
    p.mark(line, "heading")


def _country(p: ParseState, line: SourceLine) -> None:
    p.country, p.country_line = line.text, line.no
    p.mark(line, "country")


def _subheading(p: ParseState, line: SourceLine) -> None:
    p.reset_list()
    p.mark(line, "subheading")


def _prose(p: ParseState, line: SourceLine) -> None:
    """A paragraph: an answer's announcement, the introduction of a list, or prose."""
    p.reset_list()
    cues = cue_matches(line.text, line.categorical.answers) if line.categorical else []
    if len(cues) == 1:
        p.answer, p.answer_line = cues[0], line.no
        p.mark(line, "answer_paragraph")
        return
    p.reset_answer()
    following = next_content(p.lines, line.index)
    starts_list = (
        following is not None
        and BULLET_RE.match(following.strip())
        and not CHART_RE.match(following.strip())
    )
    if not starts_list:
        p.mark(line, "paragraph")
    elif p.section is None:
        p.mode = "plain"
        p.mark(line, "list_intro")
    else:
        p.free_question, p.free_item = free_text_target(
            p.book, p.section, line.text, p.path, line.no
        )
        p.mode, p.intro_line = "free_text", line.no
        p.mark(line, "free_text_intro")


HANDLERS: dict[str, Callable[[ParseState, SourceLine], None]] = {
    "question_heading": _question_heading,
    "chart_label": _chart_label,
    "bullet": _bullet,
    "registration_heading": _registration_heading,
    "answer_heading": _answer_heading,
    "heading": _heading,
    "country": _country,
    "subheading": _subheading,
    "prose": _prose,
}


def _refuse_multiple_choice(book: Codebook) -> None:
    if book.multiple_choice:
        ids = ", ".join(q.id for q in book.multiple_choice)
        raise CodebookError(
            f"multiple_choice question(s) {ids}: the published document lists "
            "one answer per organization; multiple choice is read from "
            "respondent-level exports only (params.yaml: input_kind: "
            "respondent_csv)"
        )


def parse_source(text: str, book: Codebook, path: str = "<source>") -> ParsedSource:
    """Classify every line of the document and collect its lists."""
    _refuse_multiple_choice(book)
    lines = split_lines(text)
    p = ParseState(
        book=book,
        path=path,
        lines=lines,
        registration=registration_values(book),
        respondents_cue=normalize_text(book.source.respondents_section_cue or ""),
    )
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        line = SourceLine(index, raw, section_categorical(book, p.section))
        HANDLERS[line_kind(p, line.text)](p, line)
    parsed = ParsedSource(
        lines=pd.DataFrame(p.kinds, columns=LINE_COLUMNS),
        mentions=pd.DataFrame(p.mentions, columns=MENTION_COLUMNS),
        free_text=pd.DataFrame(p.free, columns=FREE_TEXT_COLUMNS),
    )
    check_structure(parsed, book, path, len(lines))
    return parsed
