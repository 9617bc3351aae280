"""HTML fragments of the report, rendered by the macros of ``templates/macros.html``.

Every value is escaped by the templates (:mod:`helpers.report.templating`): source
text is data, never markup. Each function returns :class:`markupsafe.Markup` (a ``str``).
Numbers are formatted in :mod:`formatting`, cited in :mod:`citing`, tables built in
:mod:`tables` and matrices in :mod:`matrices`: import each name from its module.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from markupsafe import Markup

from helpers.report.templating import macro, render


def heading(title: str, anchor_id: str, level: int = 2) -> Markup:
    """A section heading with an id for the table of contents."""
    return macro("heading")(title, anchor_id, level)


def toc(entries: Iterable[tuple[str, str, int]]) -> Markup:
    """Table of contents from (anchor, title, level) entries."""
    return render("toc.html", entries=list(entries))


def paragraph(html_text: str, cls: str = "") -> Markup:
    """A paragraph of HTML (the caller's: it is inserted as markup, not escaped)."""
    return macro("paragraph")(Markup(html_text), cls)


def bullet_list(items: Iterable[str], ordered: bool = False) -> Markup:
    """A list of HTML items (the caller's: they are inserted as markup, not escaped)."""
    return macro("bullet_list")([Markup(i) for i in items], ordered)


def svg_data(svg: bytes) -> str:
    """A chart's SVG bytes as the base64 text of a data URI (the ``figure`` macro's)."""
    return base64.b64encode(svg).decode("ascii")


def figure(svg: bytes, alt: str, caption: str, anchor_id: str) -> Markup:
    """An embedded SVG chart (data URI) with alt text and an HTML caption (the caller's)."""
    return macro("figure")(svg_data(svg), alt, Markup(caption), anchor_id)
