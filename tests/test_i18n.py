"""The report's catalogs and number formats (helpers.core.i18n, helpers.tools.messages).

- Every message the code and templates use is translated in every language of
  ``src/helpers/locales/`` (no gap, no stale entry), and ``messages.pot`` is current.
- Numbers keep summarize's digits and take each language's symbols (Babel's CLDR data).
- An edition that uses a message its catalog lacks fails, naming it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.core import i18n
from helpers.tools import messages

CATALOG_LANGUAGES = i18n.languages()[1:]


@pytest.fixture(scope="module")
def used() -> set[messages.Key]:
    return messages.keys(messages.extracted())


def test_the_shipped_languages_have_catalogs() -> None:
    """English first (the message ids), then every folder of locales/ (a new one joins)."""
    found = i18n.languages()
    assert found[0] == "en" and {"es", "fr", "pt"} <= set(found)
    assert all((i18n.LOCALES / lang).is_dir() for lang in found[1:])


@pytest.mark.parametrize("lang", CATALOG_LANGUAGES)
def test_every_message_is_translated(lang: str, used: set[messages.Key]) -> None:
    gaps = messages.missing(lang, used)
    assert not gaps, f"locales/{lang} lacks {len(gaps)} messages, e.g. {gaps[:10]}"


@pytest.mark.parametrize("lang", CATALOG_LANGUAGES)
def test_no_stale_translation(lang: str, used: set[messages.Key]) -> None:
    stale = messages.unused(lang, used)
    assert not stale, f"locales/{lang} translates messages no code uses: {stale[:10]}"


def test_the_template_is_current() -> None:
    written = messages.POT.read_text(encoding="utf-8")
    assert written == messages.pot_text(messages.extracted()), (
        "run `python -m helpers.tools.messages extract`"
    )


@pytest.mark.parametrize("lang", CATALOG_LANGUAGES)
def test_plural_forms_are_the_languages(lang: str) -> None:
    from babel.messages.catalog import Catalog

    assert i18n.read_catalog(lang).num_plurals == Catalog(locale=lang).num_plurals
    for path in i18n.catalog_files(lang):
        text = path.read_text(encoding="utf-8")
        assert f'"Language: {lang}\\n"' in text, path


@pytest.mark.parametrize(
    ("lang", "pct", "ci", "p", "big"),
    [
        ("en", "60.0%", "35.7–80.2", "<0.001", "1,234.5"),
        ("es", "60,0\u00a0%", "35,7–80,2", "<0,001", "1.234,5"),
        ("fr", "60,0\u00a0%", "35,7–80,2", "<0,001", "1\u202f234,5"),
        ("pt", "60,0%", "35,7–80,2", "<0,001", "1.234,5"),
    ],
)
def test_numbers_in_each_language(lang: str, pct: str, ci: str, p: str, big: str) -> None:
    with i18n.edition(lang, strict=False):
        assert i18n.percent("60.0") == pct
        assert i18n.interval("35.7", "80.2") == ci
        assert i18n.number("<0.001") == p
        assert i18n.number("1234.5") == big
        assert i18n.number("") == "" and i18n.percent("") == ""
        assert i18n.number("n/a") == "n/a"  # text that is not a number is kept


def test_digits_are_never_rounded_again() -> None:
    with i18n.edition("es", strict=False):
        assert i18n.number("0.12345678") == "0,12345678"
        assert i18n.number("-3.50") == "-3,50"
        assert i18n.number("15") == "15"


def test_an_untranslated_message_stops_the_edition() -> None:
    with pytest.raises(i18n.UntranslatedError, match="locales/es: .*'A message no catalog has'"):
        with i18n.edition("es"):
            i18n.gettext("A message no catalog has")
    with i18n.edition("es", strict=False) as ed:
        assert i18n.gettext("A message no catalog has") == "A message no catalog has"
    assert ed.missing == {"'A message no catalog has'"}


def test_english_needs_no_catalog() -> None:
    with i18n.edition("en") as ed:
        assert i18n.ngettext("{n} row", "{n} rows", 2) == "{n} rows"
    assert not ed.missing


def test_a_language_without_a_catalog_is_refused() -> None:
    with pytest.raises(i18n.CatalogError, match="language 'de': expected one with a catalog"):
        with i18n.edition("de"):
            pass


def test_two_translations_of_one_message_are_refused(tmp_path: Path, monkeypatch) -> None:
    lang = tmp_path / "es"
    lang.mkdir()
    head = (
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
    )
    (lang / "a.po").write_text(head + 'msgid "Method"\nmsgstr "Método"\n', encoding="utf-8")
    (lang / "b.po").write_text(head + 'msgid "Method"\nmsgstr "Metodología"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    i18n.read_catalog.cache_clear()
    try:
        with pytest.raises(i18n.CatalogError, match="b.po: expected the translation of 'Method'"):
            i18n.read_catalog("es")
    finally:
        i18n.read_catalog.cache_clear()


def test_the_pdfs_page_footer_is_in_the_editions_language() -> None:
    from helpers.pipeline.render import PAGE_FOOTER, TEMPLATES, page_footer

    css = (TEMPLATES / "report" / "report.css").read_text(encoding="utf-8")
    assert PAGE_FOOTER in css  # the English footer the editions replace
    assert page_footer("en") == PAGE_FOOTER
    assert page_footer("es") == 'content: "Página " counter(page) " de " counter(pages);'
    assert page_footer("fr") == 'content: "Page " counter(page) " sur " counter(pages);'
