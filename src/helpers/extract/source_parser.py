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

Every non-blank line gets a kind; nothing is dropped silently. Organization
names and answers are never literals here: they come from the document and the
codebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from helpers.core.codebook import Codebook, CodebookError, Option, Question, normalize_text
from helpers.core.errors import SourceError
from helpers.core.text import split_lines

BULLET_CHARS = "·•●▪◦"
_BULLET_RE = re.compile(rf"^\s*[{BULLET_CHARS}]\s*(?P<text>.*?)\s*$")
_QUESTION_RE = re.compile(r"^\s*question\s+(?P<n>\d+)\s*$", re.IGNORECASE)
_CHART_RE = re.compile(
    rf"^\s*[{BULLET_CHARS}]\s*(?P<label>[^:]{{1,40}}):\s*(?P<value>\d+(?:\.\d+)?)\s*%\s*$"
)
_ORG_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<acronym>[^()]+)\)\s*$")
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip

LINE_COLUMNS = ["line", "kind", "section", "scope", "text"]
MENTION_COLUMNS = [
    "line", "list", "section", "answer", "answer_line", "oas_registered",
    "oas_registered_line", "country", "country_line", "organization", "acronym",
]  # fmt: skip
FREE_TEXT_COLUMNS = ["line", "question", "item", "intro_line", "text"]


@dataclass(frozen=True)
class ParsedSource:
    """What the parser read: every line's kind, organization mentions, free text."""

    lines: pd.DataFrame
    mentions: pd.DataFrame
    free_text: pd.DataFrame


def is_heading(text: str) -> bool:
    """All-capital line (ignoring digits and punctuation) with at least 2 letters."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def is_short_label(text: str) -> bool:
    """A short line without sentence punctuation: a country or a sub-heading."""
    stripped = text.strip()
    return 0 < len(stripped.split()) <= 4 and not re.search(r"[.:;,!?]$", stripped)


def cue_matches(text: str, options: tuple[Option, ...]) -> list[Option]:
    """Options whose cues occur in ``text``, longest cue first, non-overlapping."""
    norm = normalize_text(text)
    spans: list[tuple[int, int, Option]] = []
    cues = sorted(
        ((normalize_text(c), o) for o in options for c in (*o.cues, o.label)),
        key=lambda pair: -len(pair[0]),
    )
    for cue, option in cues:
        for m in re.finditer(rf"(?<![\w]){re.escape(cue)}(?![\w])", norm):
            if all(m.end() <= s or m.start() >= e for s, e, _ in spans):
                spans.append((m.start(), m.end(), option))
    found: list[Option] = []
    for _, _, option in sorted(spans, key=lambda s: s[0]):
        if option not in found:
            found.append(option)
    return found


def parse_organization(text: str) -> tuple[str, str]:
    """Split 'Name (ACRONYM)' into name and acronym ('' when there is none)."""
    m = _ORG_RE.match(text)
    if m:
        return m.group("name").strip(), m.group("acronym").strip()
    return text.strip(), ""


def ordinal_in(text: str) -> int | None:
    """The first ordinal word of a paragraph ('the third activity' -> 3)."""
    for word in re.findall(r"[a-z]+", text.casefold()):
        if word in ORDINALS:
            return ORDINALS[word]
    return None


class _State:
    def __init__(self) -> None:
        self.section: int | None = None
        self.scope = "invitation"
        self.answer: Option | None = None
        self.answer_line: int | None = None
        self.registration: Option | None = None
        self.registration_line: int | None = None
        self.country: str | None = None
        self.country_line: int | None = None
        self.mode: str | None = None  # roster | free_text | plain
        self.free_question: Question | None = None
        self.free_item: str = ""
        self.intro_line: int | None = None

    def reset_list(self) -> None:
        self.registration = self.registration_line = None
        self.country = self.country_line = None
        self.mode = None


def _next_content(lines: list[str], index: int) -> str | None:
    for text in lines[index + 1 :]:
        if text.strip():
            return text
    return None


def _section_categorical(book: Codebook, section: int | None) -> Question | None:
    if section is None:
        return None
    found = [q for q in book.in_section(section) if q.categorical]
    return found[0] if found else None


def _free_text_target(
    book: Codebook, section: int, paragraph: str, path: str, line: int
) -> tuple[Question, str]:
    candidates = [q for q in book.in_section(section) if q.type == "free_text"]
    if not candidates:
        raise SourceError(path, line, f"a free-text question of QUESTION {section} in the codebook",
                          "a list of free-text answers")  # fmt: skip
    question = candidates[0]
    if not question.items:
        return question, ""
    n = ordinal_in(paragraph)
    codes = [o.code for o in question.items]
    if n is None or str(n) not in codes:
        raise SourceError(path, line, f"an ordinal naming one of {question.id}'s items {codes}",
                          f"{paragraph[:80]!r}")  # fmt: skip
    return question, str(n)


def parse_source(text: str, book: Codebook, path: str = "<source>") -> ParsedSource:
    """Classify every line of the document and collect its lists."""
    if book.multiple_choice:
        ids = ", ".join(q.id for q in book.multiple_choice)
        raise CodebookError(f"multiple_choice question(s) {ids}: the published document lists "
                            "one answer per organization; multiple choice is read from "
                            "respondent-level exports only (params.yaml: input_kind: "
                            "respondent_csv)")  # fmt: skip
    lines = split_lines(text)
    registration = book.group("oas_registered").values
    respondents_cue = normalize_text(book.source.respondents_section_cue or "")
    st = _State()
    kinds: list[dict[str, object]] = []
    mentions: list[dict[str, object]] = []
    free: list[dict[str, object]] = []
    sections_seen: dict[int, int] = {}

    def mark(no: int, kind: str, raw: str) -> None:
        kinds.append({"line": no, "kind": kind, "section": st.section, "scope": st.scope,
                      "text": raw.strip()})

    for index, raw in enumerate(lines):
        no = index + 1
        stripped = raw.strip()
        if not stripped:
            continue
        categorical = _section_categorical(book, st.section)
        if m := _QUESTION_RE.match(stripped):
            st.section = int(m.group("n"))
            st.scope = "respondents"
            st.answer = st.answer_line = None
            st.reset_list()
            if not book.in_section(st.section):
                raise SourceError(path, no, "a question section listed in the codebook",
                                  f"{stripped!r}")  # fmt: skip
            if st.section in sections_seen:
                raise SourceError(path, no, "each 'QUESTION n' heading once",
                                  f"'QUESTION {st.section}' again (first on line "
                                  f"{sections_seen[st.section]})")  # fmt: skip
            sections_seen[st.section] = no
            mark(no, "question_heading", raw)
        elif _CHART_RE.match(stripped):
            mark(no, "chart_label", raw)
        elif bullet := _BULLET_RE.match(stripped):
            item = bullet.group("text")
            if not item:
                raise SourceError(path, no, "text after the bullet", "an empty bullet")
            if st.mode == "roster":
                if st.country is None:
                    raise SourceError(path, no, "a country line before the organizations",
                                      f"bullet {item[:60]!r}")  # fmt: skip
                name, acronym = parse_organization(item)
                mentions.append({
                    "line": no,
                    "list": categorical.id if st.section is not None and categorical else "roster",
                    "section": st.section,
                    "answer": st.answer.code if st.answer else None,
                    "answer_line": st.answer_line,
                    "oas_registered": st.registration.code if st.registration else None,
                    "oas_registered_line": st.registration_line,
                    "country": st.country,
                    "country_line": st.country_line,
                    "organization": name,
                    "acronym": acronym,
                })  # fmt: skip
                mark(no, "organization", raw)
            elif st.mode == "free_text" and st.free_question is not None:
                free.append({"line": no, "question": st.free_question.id, "item": st.free_item,
                             "intro_line": st.intro_line, "text": item})  # fmt: skip
                mark(no, "free_text", raw)
            elif st.mode == "plain":
                mark(no, "list_item", raw)
            else:
                raise SourceError(path, no, "a bullet inside a list (after a country line or a "
                                  "paragraph introducing the list)", f"bullet {item[:60]!r}")
        elif any(o.heading_matches(stripped) for o in registration):
            option = next(o for o in registration if o.heading_matches(stripped))
            if st.section is not None and st.answer is None:
                raise SourceError(path, no, "an answer heading or paragraph before an "
                                  "organization list", f"{stripped!r}")  # fmt: skip
            st.registration, st.registration_line = option, no
            st.country = st.country_line = None
            st.mode = "roster"
            mark(no, "registration_heading", raw)
        elif is_heading(stripped) and stripped.endswith(":"):
            if categorical is None:
                raise SourceError(path, no, "an answer heading only inside a question section "
                                  "with a categorical question", f"{stripped!r}")  # fmt: skip
            matches = [o for o in categorical.answers if o.heading_matches(stripped)]
            if not matches:
                labels = ", ".join(o.label for o in categorical.answers)
                raise SourceError(path, no, f"an answer heading of {categorical.id} ({labels})",
                                  f"{stripped!r}")  # fmt: skip
            st.answer, st.answer_line = matches[0], no
            st.reset_list()
            mark(no, "answer_heading", raw)
        elif is_heading(stripped):
            if respondents_cue and respondents_cue in normalize_text(stripped):
                st.scope = "respondents"
            st.answer = st.answer_line = None
            st.reset_list()
            mark(no, "heading", raw)
        elif st.mode == "roster" and is_short_label(stripped):
            st.country, st.country_line = stripped, no
            mark(no, "country", raw)
        elif is_short_label(stripped):
            st.reset_list()
            mark(no, "subheading", raw)
        else:
            st.reset_list()
            following = _next_content(lines, index)
            cues = cue_matches(stripped, categorical.answers) if categorical else []
            if len(cues) == 1:
                st.answer, st.answer_line = cues[0], no
                mark(no, "answer_paragraph", raw)
                continue
            st.answer = st.answer_line = None
            if following is not None and _BULLET_RE.match(following.strip()) and not \
                    _CHART_RE.match(following.strip()):  # fmt: skip
                if st.section is None:
                    st.mode = "plain"
                    mark(no, "list_intro", raw)
                else:
                    st.free_question, st.free_item = _free_text_target(
                        book, st.section, stripped, path, no
                    )
                    st.mode, st.intro_line = "free_text", no
                    mark(no, "free_text_intro", raw)
            else:
                mark(no, "paragraph", raw)
    parsed = ParsedSource(
        lines=pd.DataFrame(kinds, columns=LINE_COLUMNS),
        mentions=pd.DataFrame(mentions, columns=MENTION_COLUMNS),
        free_text=pd.DataFrame(free, columns=FREE_TEXT_COLUMNS),
    )
    check_structure(parsed, book, path, len(lines))
    return parsed


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
        raise SourceError(path, None, "the survey summary document (a registration list of "
                          f"organizations, then the sections {names})",
                          f"no 'QUESTION n' heading and no organization list in {len(lines)} "
                          f"non-blank lines (first: {first})")  # fmt: skip
    first_q = min(head_line.values(), default=last_line)
    if not (mentions["list"] == "roster").any():
        raise SourceError(path, first_q, "a registration list (a registration line such as "
                          "'Registered', country lines, organization bullets) before the first "
                          "'QUESTION n' heading", f"no organization before line {first_q}")
    for s in sections:
        if s in head_line:
            continue
        ids = ", ".join(q.id for q in book.in_section(s))
        later = sorted((n, t) for t, n in head_line.items() if t > s)
        if later:
            raise SourceError(path, later[0][0], f"a 'QUESTION {s}' section (codebook: {ids}) "
                              f"before 'QUESTION {later[0][1]}'",
                              f"'QUESTION {later[0][1]}' and no 'QUESTION {s}' heading in the "
                              "file")  # fmt: skip
        raise SourceError(path, last_line, f"a 'QUESTION {s}' section (codebook: {ids})",
                          f"the end of the file and no 'QUESTION {s}' heading")  # fmt: skip
    for q in book.categorical:
        if q.section is None or (mentions["list"] == q.id).any():
            continue
        start = head_line[q.section]
        end = min((n for t, n in head_line.items() if n > start), default=last_line + 1) - 1
        labels = ", ".join(o.label for o in q.answers)
        raise SourceError(path, start, f"organization lists of the {q.id} answers ({labels}) "
                          f"under 'QUESTION {q.section}'", f"no organization listed in lines "
                          f"{start}–{end}")  # fmt: skip


def empty_parse() -> ParsedSource:
    """A ParsedSource with no rows (inputs that are not the published document)."""
    return ParsedSource(
        lines=pd.DataFrame(columns=LINE_COLUMNS),
        mentions=pd.DataFrame(columns=MENTION_COLUMNS),
        free_text=pd.DataFrame(columns=FREE_TEXT_COLUMNS),
    )
