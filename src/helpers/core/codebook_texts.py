"""The codebook's texts in the edition's language: ``text: {en: ..., es: ...}``.

A codebook's plain strings are in its own language (``survey.language``, default
``en``). Any text or label a reader sees -- the survey's title and disclosure, a
question's text, short title and unit, answer, item and net labels, a group's label
and value labels, a banner's title, the frame's source -- may instead be a mapping
from language codes to texts, which must include the codebook's own language.

:func:`resolve_texts` picks one language's text everywhere before the schema reads
the codebook. A text missing in that language is the codebook language's text with a
visible mark (`` [en]``), and recorded (its place in the file), never silently.
Source cues, codes, ids and column names are never translated (they match the data).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from helpers.core.errors import CodebookError
from helpers.core.i18n import SOURCE_LANGUAGE, languages

Place = tuple[str | int, ...]

# Where a text may be given per language: a path of keys, "*" for every item of a list.
_OPTION_LISTS = ("answers", "items", "nets")
TEXT_PLACES: tuple[tuple[str, ...], ...] = (
    *(("survey", key) for key in ("title", "short_title", "publisher")),
    *(("survey", key) for key in ("respondent_unit", "respondent_unit_plural")),
    ("questions", "*", "text"),
    ("questions", "*", "short"),
    ("questions", "*", "unit"),
    *(("questions", "*", options, "*", "label") for options in _OPTION_LISTS),
    ("groups", "*", "label"),
    ("groups", "*", "values", "*", "label"),
    ("banners", "*", "title"),
    ("frame", "source"),
)
# The disclosure elements (AAPOR): text, a list of texts, or {text, lines}.
DISCLOSURE_PLACES = (
    "sponsor",
    "conducted_by",
    "population",
    "geography",
    "sampling_frame",
    "coverage",
    "sample_design",
    "recruitment",
    "mode",
    "languages",
    "dates",
    "processing",
    "limitations",
)
STATED_KEYS = frozenset({"text", "lines"})


@dataclass(frozen=True)
class Fallback:
    """A text the asked language lacks: shown in the codebook's language, marked."""

    place: Place
    language: str  # the language asked for
    shown: str  # the codebook language's text, with its mark


def codebook_language(data: dict[str, Any]) -> str:
    """The language of the codebook's plain strings (``survey.language``, default ``en``)."""
    survey = data.get("survey")
    lang = survey.get("language") if isinstance(survey, dict) else None
    if lang is None:
        return SOURCE_LANGUAGE
    known = languages()
    if lang not in known:
        raise CodebookError(
            f"survey.language: expected a language with a catalog ({', '.join(known)}); "
            f"found {lang!r}",
            ("survey", "language"),
        )
    return str(lang)


def _walk(node: Any, path: tuple[str, ...], place: Place) -> Iterator[tuple[Any, Any, Place]]:
    """(container, key, place) of every value at ``path`` under ``node``."""
    head, rest = path[0], path[1:]
    if head == "*":
        items = list(enumerate(node)) if isinstance(node, list) else []
    else:
        items = [(head, node[head])] if isinstance(node, dict) and head in node else []
    for key, value in items:
        if rest:
            yield from _walk(value, rest, (*place, key))
        else:
            yield node, key, (*place, key)


def _places(data: dict[str, Any]) -> Iterator[tuple[Any, Any, Place]]:
    """Every (container, key, place) that may hold a text given per language."""
    for path in TEXT_PLACES:
        yield from _walk(data, path, ())
    survey = data.get("survey")
    for key in DISCLOSURE_PLACES:
        if not isinstance(survey, dict) or key not in survey:
            continue
        value, place = survey[key], ("survey", key)
        if isinstance(value, dict) and set(value) & STATED_KEYS:  # {text, lines}: the schema checks
            value, place, survey_key = value.get("text"), (*place, "text"), "text"
            holder = survey[key]
        else:
            holder, survey_key = survey, key
        if isinstance(value, list):
            yield from ((value, i, (*place, i)) for i in range(len(value)))
        elif value is not None:
            yield holder, survey_key, place


def _pick(texts: dict[Any, Any], lang: str, own: str, place: Place) -> tuple[Any, bool]:
    """The text of ``lang`` in a per-language mapping (or ``own``'s, marked); True if marked."""
    known = languages()
    unknown = [k for k in texts if k not in known]
    if unknown:
        raise CodebookError(
            f"{_dotted(place)}: expected texts keyed by languages with a catalog "
            f"({', '.join(known)}); found {unknown[0]!r}",
            (*place, unknown[0]),
        )
    if own not in texts:
        raise CodebookError(
            f"{_dotted(place)}: expected a text in the codebook's language ({own}); "
            f"found only {', '.join(map(str, texts))}",
            place,
        )
    if lang in texts:
        return texts[lang], False
    return f"{texts[own]} [{own}]", True


def _dotted(place: Place) -> str:
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in place).lstrip(".")


def resolve_texts(data: dict[str, Any], lang: str | None = None) -> tuple[str, list[Fallback]]:
    """Replace, in ``data`` (changed in place), each per-language text by ``lang``'s.

    ``lang`` None: the codebook's own language. Returns the language written and the
    texts that fell back to the codebook's language (each marked `` [<own>]``).
    """
    own = codebook_language(data)
    lang = own if lang is None else lang
    if lang not in languages():
        raise CodebookError(
            f"expected a language with a catalog ({', '.join(languages())}); found {lang!r}"
        )
    fallbacks = []
    for holder, key, place in list(_places(data)):
        texts = holder[key]
        if not isinstance(texts, dict):
            continue
        text, marked = _pick(texts, lang, own, place)
        holder[key] = text
        if marked:
            fallbacks.append(Fallback(place, lang, str(text)))
    return lang, fallbacks
