"""How the published document's lines look: headings, bullets, chart labels, cues.

Recognisers of one line (or paragraph) at a time, used by the parser
(``helpers.extract.source_parser``) and by the tool that writes a document
(``helpers.tools.source_writer``).
"""

from __future__ import annotations

import re

from helpers.core.codebook import Option, normalize_text

BULLET_CHARS = "·•●▪◦"
BULLET_RE = re.compile(rf"^\s*[{BULLET_CHARS}]\s*(?P<text>.*?)\s*$")
QUESTION_RE = re.compile(r"^\s*question\s+(?P<n>\d+)\s*$", re.IGNORECASE)
CHART_RE = re.compile(
    rf"^\s*[{BULLET_CHARS}]\s*(?P<label>[^:]{{1,40}}):\s*(?P<value>\d+(?:\.\d+)?)\s*%\s*$"
)
ORG_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<acronym>[^()]+)\)\s*$")
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}


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
    m = ORG_RE.match(text)
    if m:
        return m.group("name").strip(), m.group("acronym").strip()
    return text.strip(), ""


def ordinal_in(text: str) -> int | None:
    """The first ordinal word of a paragraph ('the third activity' -> 3)."""
    for word in re.findall(r"[a-z]+", text.casefold()):
        if word in ORDINALS:
            return ORDINALS[word]
    return None
