"""The report's messages: extract them from the code, and check each language's catalog.

Usage::

    .venv/bin/python -m helpers.tools.messages extract   # writes src/helpers/locales/messages.pot
    .venv/bin/python -m helpers.tools.messages check     # every language translates every message

Messages are found by Babel's extractors: ``_()``, ``gettext()``, ``ngettext()`` and
``pgettext()`` calls in the Python of ``src/helpers`` and in the Jinja2 templates of the
report and the index (``jinja2.ext.babel_extract``). ``messages.pot`` is the template a
translator starts a new language from (``msginit`` or Babel's ``init``): copy it to
``src/helpers/locales/<lang>/report.po`` and fill in every ``msgstr``.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from helpers.core import i18n

PACKAGE = Path(i18n.__file__).resolve().parents[1]
POT = i18n.LOCALES / "messages.pot"
METHODS = [
    ("tools/**.py", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
    ("**/templates/**.j2", "jinja2"),
]
OPTIONS = {
    "**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"},
    "**/templates/**.j2": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"},
}
KEYWORDS = {
    "_": None,
    "N_": None,  # marked where defined, translated where written (helpers.core.i18n.N_)
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}

Key = tuple[str | None, str]  # (context, message id)


def extracted() -> Catalog:
    """Every message the code and templates use, with where (file:line) each is used."""
    catalog = Catalog(
        project="helpers",
        version="1",
        fuzzy=False,
        header_comment=(
            "# The messages of the survey reports, as the code uses them.\n"
            "# Written by `python -m helpers.tools.messages extract`: do not edit."
        ),
    )
    found = extract_from_dir(
        PACKAGE,
        method_map=METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def keys(catalog: Iterable[object]) -> set[Key]:
    """(context, singular message id) of each entry of a catalog."""
    out = set()
    for m in catalog:
        mid = m.id  # type: ignore[attr-defined]
        if mid:
            out.add((m.context, mid[0] if isinstance(mid, tuple) else mid))  # type: ignore[attr-defined]
    return out


def pot_text(catalog: Catalog) -> str:
    """The ``.pot`` file of ``catalog``, byte-stable (no dates, sorted, no line wrapping)."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, sort_output=True, omit_header=False)
    lines = [
        line
        for line in buf.getvalue().decode("utf-8").splitlines()
        if not line.startswith(('"POT-Creation-Date', '"PO-Revision-Date', '"Generated-By'))
    ]
    return "\n".join(lines) + "\n"


def missing(lang: str, used: set[Key]) -> list[Key]:
    """Messages the code uses that ``lang``'s catalog does not translate."""
    have = keys(i18n.read_catalog(lang))
    return sorted(used - have, key=lambda k: (k[1], k[0] or ""))


def unused(lang: str, used: set[Key]) -> list[Key]:
    """Translations in ``lang``'s catalog of messages the code no longer uses."""
    have = keys(i18n.read_catalog(lang))
    return sorted(have - used, key=lambda k: (k[1], k[0] or ""))


def main(argv: list[str] | None = None) -> int:
    """``extract`` the template, or ``check`` it and every language's catalog against the code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("extract", "check"))
    args = parser.parse_args(argv)
    catalog = extracted()
    if args.command == "extract":
        POT.write_text(pot_text(catalog), encoding="utf-8")
        print(f"{POT}: {len(keys(catalog))} messages", file=sys.stderr)
        return 0
    used, failed = keys(catalog), False
    if POT.read_text(encoding="utf-8") != pot_text(catalog):
        print(
            f"{POT.name}: not current (its messages or their source lines moved); run "
            "`python -m helpers.tools.messages extract`"
        )
        failed = True
    for lang in i18n.languages()[1:]:
        gaps, stale = missing(lang, used), unused(lang, used)
        for ctx, mid in gaps:
            print(f"locales/{lang}: no translation of {mid!r}" + (f" ({ctx})" if ctx else ""))
        for _ctx, mid in stale:
            print(f"locales/{lang}: translates {mid!r}, which no code uses")
        failed = failed or bool(gaps or stale)
        print(f"locales/{lang}: {len(used) - len(gaps)}/{len(used)} messages", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
