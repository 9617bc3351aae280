"""Write respondents back into the published document's structure.

The inverse of :mod:`helpers.extract.source_parser` for what the parser reads, used by
tests and to build small fixture documents:

* a heading with the codebook's ``respondents_section_cue``, then the
  registration list: a registration line (the status's first cue, e.g.
  ``Registered``), country lines, organization bullets ``· Name (ACRONYM)``;
* a ``QUESTION n`` section for every section of the codebook; under it, for a
  categorical question, one list per answer given, announced by a heading made
  of the answer's label (``VERY USEFUL:``) or by a sentence holding one of its
  cues, each list again by registration status and country;
* free-text answers under a sentence introducing them (naming the item by its
  ordinal, ``the third activity``, when the question has items).

Everything comes from the codebook and the rows given; a value the parser
could not read back (a country line that looks like a heading, an empty name)
raises ``ValueError`` instead of writing a document that means something else.
"""

from __future__ import annotations

import pandas as pd

from helpers.core.codebook import Codebook, Option, Question
from helpers.core.document import REGISTRATION, registration_values
from helpers.extract.document_lines import (
    CHART_RE,
    ORDINALS,
    QUESTION_RE,
    cue_matches,
    is_heading,
    is_short_label,
    parse_organization,
)

BULLET = "·"
TITLE = "RESULTS OF THE SURVEY"
_ORDINAL_WORDS = {n: word for word, n in ORDINALS.items()}


def _paragraph_without_cues(text: str, q: Question | None) -> str:
    if q is not None and cue_matches(text, q.answers):
        raise ValueError(
            f"sentence {text!r} holds an answer cue of {q.id}; the parser would "
            "read it as an answer"
        )
    return text


def _check_country(country: str, book: Codebook) -> str:
    text = str(country).strip()
    registration = registration_values(book)
    if (
        not is_short_label(text)
        or is_heading(text)
        or QUESTION_RE.match(text)
        or any(o.heading_matches(text) for o in registration)
    ):
        raise ValueError(
            f"country {country!r} cannot be written as a country line (at most "
            "4 words, not all capitals, no final punctuation)"
        )
    return text


def _bullet(organization: str, acronym: object) -> str:
    name = str(organization).strip()
    acr = "" if acronym is None or pd.isna(acronym) else str(acronym).strip()
    text = f"{name} ({acr})" if acr else name
    line = f"{BULLET} {text}"
    if (
        not name
        or "\n" in text
        or "\r" in text
        or CHART_RE.match(line)
        or parse_organization(text) != (name, acr)
    ):
        raise ValueError(
            f"organization {organization!r} ({acronym!r}) cannot be written as a "
            "bullet that parses back to the same name and acronym"
        )
    return line


def _status_line(option: Option) -> str:
    cue = option.cues[0] if option.cues else option.label
    return cue[:1].upper() + cue[1:]


def _roster_block(rows: pd.DataFrame, book: Codebook) -> list[str]:
    """Registration line, then country lines, then organization bullets."""
    out: list[str] = []
    for option in registration_values(book):
        members = rows[rows[REGISTRATION].eq(option.code).fillna(False).astype(bool)]
        if members.empty:
            continue
        out += [_status_line(option), ""]
        for country in pd.unique(members["country"]):
            out += [_check_country(country, book), ""]
            for _, r in members[members["country"] == country].iterrows():
                out += [_bullet(r["organization"], r.get("acronym")), ""]
    return out


def _announce(q: Question, option: Option, style: str) -> str:
    if style == "cue":
        for cue in (*option.cues, option.label):
            sentence = f"The following organizations said “{cue}”:"
            if cue_matches(sentence, q.answers) == [option]:
                return sentence
    heading = f"{option.label.upper()}:"
    if not is_heading(heading) or [o for o in q.answers if o.heading_matches(heading)][:1] != [
        option
    ]:
        raise ValueError(
            f"{q.id} answer {option.code!r}: its label {option.label!r} cannot be "
            "written as an answer heading"
        )
    return heading


def _free_text_block(q: Question, answers: pd.DataFrame, categorical: Question | None) -> list[str]:
    out: list[str] = []
    groups = [
        (
            o.code,
            f"Regarding the {_ORDINAL_WORDS.get(int(o.code), '')} activity, the "
            "organizations reported the following actions:",
        )
        for o in q.items
        if o.code.isdigit() and int(o.code) in _ORDINAL_WORDS
    ]
    if q.items and len(groups) != len(q.items):
        raise ValueError(
            f"{q.id}: item codes must be 1–{len(_ORDINAL_WORDS)} to be named by an ordinal"
        )
    if not q.items:
        groups = [("", "The organizations gave the following answers, as published:")]
    item_of = answers["item"].astype("string").fillna("") if len(answers) else pd.Series()
    for code, intro in groups:
        texts = answers.loc[item_of == code, "text"] if len(answers) else []
        if len(texts) == 0:
            continue
        out += [_paragraph_without_cues(intro, categorical), ""]
        for text in texts:
            line = f"{BULLET} {str(text).strip()}"
            if not str(text).strip() or "\n" in str(text) or CHART_RE.match(line):
                raise ValueError(f"{q.id}: free-text answer {text!r} cannot be written as a bullet")
            out += [line, ""]
    return out


def write_source(
    respondents: pd.DataFrame,
    book: Codebook,
    free_text: pd.DataFrame | None = None,
    answer_style: str = "heading",
) -> str:
    """Return the document text for ``respondents`` (and ``free_text``), LF line endings.

    ``respondents`` has the columns of responses.csv that matter here:
    ``organization, acronym, country``, the registration group (helpers.core.document)
    and one column per categorical question (answer code, or missing when the respondent
    is in no list of that question). ``free_text`` has ``question, item, text``.
    ``answer_style`` is ``heading`` (``VERY USEFUL:``) or ``cue`` (a sentence
    holding one of the answer's cues; the heading is used when no cue is
    unambiguous).
    """
    if answer_style not in ("heading", "cue"):
        raise ValueError(f"answer_style must be 'heading' or 'cue', not {answer_style!r}")
    free = (
        free_text if free_text is not None else pd.DataFrame(columns=["question", "item", "text"])
    )
    cue = book.source.respondents_section_cue
    cue = ("responses received" if cue is None else cue).upper()
    lines = [
        TITLE,
        "",
        f"{cue} FROM THE ORGANIZATIONS",
        "",
        "The organizations that answered the survey were as follows:",
        "",
    ]
    lines += _roster_block(respondents, book)
    sections = sorted({q.section for q in book.questions if q.section is not None})
    for section in sections:
        lines += [f"QUESTION {section}", ""]
        questions = book.in_section(section)
        categorical = next((q for q in questions if q.categorical), None)
        for q in questions:
            if q.categorical:
                for option in q.answers:
                    rows = respondents[respondents[q.id].eq(option.code).fillna(False).astype(bool)]
                    if rows.empty:
                        continue
                    lines += [_announce(q, option, answer_style), ""]
                    lines += _roster_block(rows, book)
            elif q.type == "free_text":
                lines += _free_text_block(q, free[free["question"] == q.id], categorical)
    return "\n".join(lines) + "\n"
