"""The report's words and numbers in its edition's language (gettext catalogs through Babel).

Every word the pipeline writes into a report is an English message id passed through
:func:`gettext` (``_``) or :func:`ngettext` (plural forms), in Python and in the
templates (``{{ _("Method") }}``). The translations live in gettext ``.po`` files,
``src/helpers/locales/<lang>/*.po`` (several files per language, merged: a message
translated twice must be translated alike). English is the message ids themselves.

The language is the edition being rendered: :func:`edition` sets it for a block
(a context variable, as Babel's and Django's ``gettext`` do), so the report's
builders need no extra argument. A message the edition's catalog lacks is written in
English and recorded; :func:`edition` raises :class:`UntranslatedError` naming each
one when the block ends, so an edition can never be half translated silently.

Numbers come to the report as summarize wrote them (text, rounded, ``"60.0"``,
``"<0.001"``): :func:`number` and :func:`percent` only rewrite their digits in the
language's symbols and grouping (Babel, CLDR) -- ``60.0%`` in English, ``60,0 %`` in
Spanish and French, ``60,0%`` in Portuguese -- never rounding again.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal, format_decimal
from babel.support import NullTranslations, Translations

LOCALES = Path(__file__).resolve().parents[1] / "locales"
SOURCE_LANGUAGE = "en"  # the language of the message ids (no catalog)


class CatalogError(ValueError):
    """A catalog that cannot be read, or that translates one message two ways."""


class UntranslatedError(LookupError):
    """An edition used messages its language's catalog does not translate."""


def languages() -> tuple[str, ...]:
    """The languages an edition can be in: English and each folder of ``locales/``."""
    found = sorted(p.name for p in LOCALES.iterdir() if p.is_dir() and any(p.glob("*.po")))
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def catalog_files(lang: str) -> list[Path]:
    """The ``.po`` files of ``lang``, in name order."""
    return sorted((LOCALES / lang).glob("*.po"))


@cache
def read_catalog(lang: str) -> Catalog:
    """Every ``.po`` file of ``lang`` merged into one catalog (fuzzy entries left out).

    A message translated differently in two files stops with both places.
    """
    merged = Catalog(locale=lang, fuzzy=False)
    where: dict[object, str] = {}
    for path in catalog_files(lang):
        with path.open("rb") as fh:
            try:
                part = read_po(fh, locale=lang, abort_invalid=True)
            except Exception as exc:  # babel's PoFileError and friends
                raise CatalogError(f"{path}: expected a gettext .po file; found {exc}") from None
        for message in part:
            if not message.id or message.fuzzy or not _translated(message.string):
                continue
            key = (message.context, message.id)
            known = merged.get(message.id, context=message.context)
            if known is not None and known.string != message.string:
                raise CatalogError(
                    f"{path}: expected the translation of {message.id!r} that "
                    f"{where[key]} gives ({known.string!r}); found {message.string!r}"
                )
            if known is None:
                merged.add(message.id, message.string, context=message.context)
                where[key] = path.name
    return merged


def _translated(string: object) -> bool:
    """True when every form of a message's translation is written."""
    forms = string if isinstance(string, tuple | list) else (string,)
    return all(isinstance(s, str) and s for s in forms)


@cache
def translations(lang: str) -> NullTranslations:
    """The gettext translations of ``lang`` (English: the message ids themselves)."""
    if lang == SOURCE_LANGUAGE:
        return NullTranslations()
    if lang not in languages():
        raise CatalogError(
            f"language {lang!r}: expected one with a catalog in {LOCALES.name}/ "
            f"({', '.join(languages())}); found none"
        )
    buf = io.BytesIO()
    write_mo(buf, read_catalog(lang), use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


@dataclass
class Edition:
    """The language being written, and the messages it lacked so far."""

    lang: str
    missing: set[str] = field(default_factory=set)

    @property
    def locale(self) -> Locale:
        """The Babel locale of the language."""
        return Locale.parse(self.lang)


_ENGLISH = Edition(SOURCE_LANGUAGE)  # outside any edition block: the message ids
_EDITION: ContextVar[Edition | None] = ContextVar("edition", default=None)


@contextmanager
def edition(lang: str, *, strict: bool = True) -> Iterator[Edition]:
    """Write in ``lang`` inside the block; untranslated messages raise at its end.

    ``strict=False`` (tests, drafts) records them in ``Edition.missing`` without raising.
    """
    translations(lang)  # refuses a language without a catalog now
    current = Edition(lang)
    token = _EDITION.set(current)
    try:
        yield current
    finally:
        _EDITION.reset(token)
    if strict and current.missing:
        listed = "; ".join(sorted(current.missing))
        raise UntranslatedError(
            f"locales/{lang}: expected a translation of every message the report uses; "
            f"found none for {len(current.missing)}: {listed}"
        )


def current() -> Edition:
    """The edition being written (English outside any :func:`edition` block)."""
    return _EDITION.get() or _ENGLISH


def language() -> str:
    """The language being written (ISO 639-1)."""
    return current().lang


def gettext(message: str) -> str:
    """``message`` (an English message id) in the edition's language."""
    ed = current()
    if ed.lang == SOURCE_LANGUAGE:
        return message
    found = translations(ed.lang).gettext(message)
    if found == message and read_catalog(ed.lang).get(message) is None:
        ed.missing.add(repr(message))
    return found


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark ``message`` for the catalog without translating it (a constant defined at import).

    Translate it where it is written into the report: ``_(METHODS[m].heading)``.
    """
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for count ``n`` (the language's plural rules)."""
    ed = current()
    if ed.lang == SOURCE_LANGUAGE:
        return singular if n == 1 else plural
    if read_catalog(ed.lang).get(singular) is None:
        ed.missing.add(repr(singular))
    return translations(ed.lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in a context (one English word translated two ways)."""
    ed = current()
    if ed.lang == SOURCE_LANGUAGE:
        return message
    if read_catalog(ed.lang).get(message, context=context) is None:
        ed.missing.add(f"{context}|{message!r}")
    return translations(ed.lang).pgettext(context, message)


# ------------------------------------------------------------------ numbers

_NUMBER = re.compile(r"^(?P<sign>[<>≤≥]?)(?P<num>[+-]?\d+(?:\.(?P<frac>\d+))?)$")


def number(value: object) -> str:
    """A number as summarize wrote it ('1234.5', '<0.001', 12) in the edition's symbols.

    Digits are kept (no rounding): '60.0' -> '60,0' in Spanish; '1234.5' -> '1,234.5'
    in English, '1.234,5' in Spanish. '' stays ''; text that is not a number is kept.
    """
    shown = "" if value is None else str(value)
    m = _NUMBER.match(shown.strip())
    if not m:
        return shown
    decimals = len(m["frac"] or "")
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    try:
        digits = format_decimal(Decimal(m["num"]), format=pattern, locale=language())
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        return shown
    plus = "+" if m["num"].startswith("+") else ""  # a signed difference keeps its sign
    return m["sign"] + plus + digits


def percent(value: object) -> str:
    """A percentage as summarize wrote it ('60.0') with the language's percent pattern.

    '60.0%' in English, '60,0 %' in Spanish and French, '60,0%' in Portuguese; ''
    stays ''.
    """
    shown = number(value)
    if not shown:
        return ""
    locale = current().locale
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    sign = locale.number_symbols["latn"]["percentSign"]
    return re.sub(r"[#,0.]+", lambda _m: shown, pattern, count=1).replace("%", sign)


def interval(low: object, high: object) -> str:
    """'35.7–80.2' (en), '35,7–80,2' (es); '' when a bound is missing."""
    lo, hi = number(low), number(high)
    return f"{lo}–{hi}" if lo and hi else ""


def amount(value: float, decimals: int = 0) -> str:
    """A computed quantity (a sum of weights, a design effect) to ``decimals`` places."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=language())


def compact(value: float) -> str:
    """A population count for a small space: '73.9M', '26K' (en); '73,9 M', '26 mil' (es)."""
    if value < 1e4:
        return amount(value)
    digits = 1 if value >= 1e6 else 0
    return format_compact_decimal(
        value, format_type="short", locale=language(), fraction_digits=digits
    )


def language_name(lang: str) -> str:
    """The language's own name, capitalised: 'English', 'Español', 'Français', 'Português'."""
    name = Locale.parse(lang).display_name or lang
    return name[:1].upper() + name[1:]
