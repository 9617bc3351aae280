"""The one Jinja environment of the report: autoescaped, strict, whitespace as the report's.

Every ``{{ value }}`` of a template is escaped: source text, codebook labels and
numbers are data, never markup. Only a :class:`markupsafe.Markup` value (a fragment
this package rendered, or HTML a caller declares as such) is inserted as it is.

Escaping goes through :func:`esc` (``html.escape``: ``&quot;`` and ``&#x27;``, and
``''`` for a missing value) in the environment's ``finalize``, so the report keeps
its bytes; autoescaping stays on underneath for anything else a template outputs.

Templates are written indented for reading; :class:`JoinLines` removes that layout
when a template is loaded, since the report's HTML has no line breaks. A line break,
with the spaces around it, is dropped between two pieces of markup (a tag or a
``{{ ... }}`` on each side) and next to a block tag or comment (``{% ... %}``,
``{# ... #}``); where it touches a word it reads as one space, as it would in HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.ext import Extension
from jinja2.ext import i18n as i18n_extension
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context
from markupsafe import Markup

from helpers.core import i18n

TEMPLATES = Path(__file__).parent / "templates"
_BREAK = re.compile(r"[ \t]*\n\s*")


def text(value: object) -> str:
    """A value as plain text ('' for missing)."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)


def esc(value: object) -> str:
    """HTML-escape any value ('' for missing): the escaping of every template value."""
    return html.escape(text(value), quote=True)


# The longest label (an answer's, a group value's, a question's short title) a table, a
# heading or a chart shows: longer ones are cut there with "…", the full text kept in
# the HTML (a title attribute), so that a 20,000-character label cannot blow up the report.
LABEL_CAP = 200


def cap_text(value: object, cap: int = LABEL_CAP) -> str:
    """A label as plain text, cut at ``cap`` characters with "…" (charts, alt texts)."""
    shown = text(value)
    return shown if len(shown) <= cap else shown[: cap - 1].rstrip() + "…"


def capped(value: object) -> object:
    """A label for a table or heading: as it is, or cut if longer than :data:`LABEL_CAP`.

    A cut label is a span whose title attribute holds the full text.
    """
    if isinstance(value, Markup) or not isinstance(value, str) or len(value) <= LABEL_CAP:
        return value
    return Markup(f'<span class="long-label" title="{esc(value)}">{esc(cap_text(value))}</span>')


def _finalize(value: object) -> Markup:
    """Each ``{{ value }}`` of a template: markup as it is, anything else escaped."""
    return value if isinstance(value, Markup) else Markup(esc(value))


def join_lines(text: str, before: str = "block", after: str = "block") -> str:
    """Text of a template without its layout (see the module's docstring).

    ``before``/``after``: what the text touches at its ends, ``"block"`` (a block tag,
    a comment or the template's edge) or ``"markup"`` (a ``{{ ... }}``).
    """

    def repl(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        left = before if start == 0 else "markup" if text[start - 1] == ">" else "word"
        right = after if end == len(text) else "markup" if text[end] == "<" else "word"
        return "" if "block" in (left, right) or left == right == "markup" else " "

    return _BREAK.sub(repl, text)


class JoinLines(Extension):
    """Apply :func:`join_lines` to the text of every template as it is parsed.

    It works on the lexer's tokens, so error messages keep the template's line numbers.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        """The template's tokens, their text without its layout."""
        tokens = list(stream)
        for i, token in enumerate(tokens):
            if token.type != "data":
                yield token
                continue
            prev = tokens[i - 1].type if i else None
            after = tokens[i + 1].type if i + 1 < len(tokens) else None
            yield Token(
                token.lineno,
                "data",
                join_lines(
                    token.value,
                    "markup" if prev == "variable_end" else "block",
                    "markup" if after == "variable_begin" else "block",
                ),
            )


def _values(variables: dict[str, Any]) -> dict[str, Any]:
    """A message's values for ``%``: Markup and numbers as they are, text escaped by esc."""
    return {
        k: v if isinstance(v, Markup | int | float) else Markup(esc(v))
        for k, v in variables.items()
    }


def _gettext(message: str, **variables: Any) -> Markup:
    """``{{ _("... %(x)s", x=value) }}``: the translated message with its values."""
    return Markup(i18n.gettext(message)) % _values(variables)


def _ngettext(singular: str, plural: str, count: int, /, **variables: Any) -> Markup:
    """``{{ ngettext("%(num)d answer", "%(num)d answers", n) }}`` (``num=`` may override it)."""
    return Markup(i18n.ngettext(singular, plural, count)) % _values({"num": count, **variables})


def _pgettext(context: str, message: str, **variables: Any) -> Markup:
    """``{{ pgettext("table header", "Base") }}``."""
    return Markup(i18n.pgettext(context, message)) % _values(variables)


# Filters in the edition's language: marked as depending on the render's context, so
# that Jinja never folds ``{{ 200|number }}`` into a constant when a template compiles
@pass_context
def _number(_ctx: Context, value: object) -> str:
    return i18n.number(value)


@pass_context
def _percent(_ctx: Context, value: object) -> str:
    return i18n.percent(value)


@cache
def environment() -> Environment:
    """The report's Jinja environment (built once)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        extensions=[JoinLines, i18n_extension],
        auto_reload=False,
    )
    # {{ _("Method") }}, {{ ngettext("%(num)d answer", "%(num)d answers", n) }}: the
    # edition's language at render time (helpers.core.i18n.edition).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext
    )
    # ... with each value escaped as every other {{ value }} is (esc, not markupsafe's)
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext)
    env.filters["number"] = _number
    env.filters["percent"] = _percent
    env.filters["label"] = capped
    return env


def render(template: str, **context: Any) -> Markup:
    """The HTML of template ``template`` (a file of templates/) with ``context``."""
    return Markup(environment().get_template(template).render(**context))


def macro(name: str, template: str = "macros.html") -> Callable[..., Markup]:
    """A macro of a template, callable from Python (it returns Markup)."""
    return getattr(environment().get_template(template).module, name)
