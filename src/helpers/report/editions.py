"""The report's editions: the same report built in each language of the survey.

The report notebook builds every edition of ``surveys.<id>.languages`` in turn
(:func:`build`): inside ``i18n.edition(lang)`` the report's words come from that
language's catalog, and its inputs carry the codebook's texts in that language
(:func:`edition_inputs`: the codebook read with ``language=lang``, and the labels
summarize wrote into summaries.csv -- answers, group values -- replaced by that
language's labels of the same codes). Each edition's pages link to files relative
to its own HTML file (``rc.Run``), and its spreadsheet is built in the same block.

A codebook text missing in the language is shown in the codebook's language with a
mark (`` [en]``): counted in a note at the top of the edition (:func:`fallback_note`)
and listed, one line each with its codebook file:line, in the stage's console output
(:func:`console_lines`).
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from babel import Locale
from markupsafe import Markup

from helpers.core import i18n
from helpers.core.codebook import Codebook, load_codebook
from helpers.core.i18n import ngettext
from helpers.report import contents as rc
from helpers.report.inputs import ReportInputs

# An edition that uses a message its catalog lacks stops the stage (i18n.UntranslatedError,
# naming each message); tests/test_i18n.py keeps the catalogs complete.
STRICT = True


@dataclass(frozen=True)
class Built:
    """One edition as the notebook displays and writes it."""

    lang: str
    pages: list[Markup]  # the front matter, then each section, as HTML
    tables: bytes  # its tables.xlsx
    untranslated: tuple[str, ...]  # report messages its catalog lacks (not strict)
    fallbacks: tuple[str, ...]  # codebook texts shown in the codebook's language


def _labels(book: Codebook) -> dict[tuple[str, str, str], str]:
    """(variable, code, kind) -> label, for every answer, net, item and group value."""
    found: dict[tuple[str, str, str], str] = {}
    for q in book.questions:
        for option in (*q.answers, *q.nets, *q.items):
            found[(q.id, option.code, "answer")] = option.label
    for g in (*book.groups, *(book.group(q.id) for q in book.categorical)):
        for option in g.values:
            found[(g.id, option.code, "group")] = option.label
    return found


def _relabel(
    labels: Iterable[object],
    variables: Iterable[object],
    codes: Iterable[object],
    kind: str,
    source: dict[tuple[str, str, str], str],
    target: dict[tuple[str, str, str], str],
) -> list[object]:
    """Each label in the target language where it is the source codebook's label of its code."""
    out = []
    for label, var, code in zip(labels, variables, codes, strict=True):
        key = (str(var), str(code), kind)
        out.append(target[key] if key in target and source.get(key) == label else label)
    return out


def relabelled(summaries: pd.DataFrame, source: Codebook, book: Codebook) -> pd.DataFrame:
    """summaries.csv with its answer and group-value labels in ``book``'s language.

    A label is replaced only where it is ``source``'s label of the row's code (a pooled
    group such as "Other", or a label summarize made, stays as written).
    """
    old, new = _labels(source), _labels(book)
    out = summaries.copy()
    if "answer" in out and "answer_code" in out:
        out["answer"] = _relabel(
            out["answer"], out["question"], out["answer_code"], "answer", old, new
        )
    if "group_value" in out and "group_code" in out:
        out["group_value"] = _relabel(
            out["group_value"], out["group"], out["group_code"], "group", old, new
        )
    return out


def edition_inputs(data: ReportInputs, lang: str, default: bool) -> ReportInputs:
    """The report's inputs with the codebook's texts in ``lang``.

    The default edition shares ``data.chart_log`` (chart_figures.csv); another edition
    logs its charts apart. In the codebook's own language the inputs are ``data``.
    """
    if lang == data.book.language and default:
        return data
    book = load_codebook(data.params["codebook"], lang)
    return dataclasses.replace(
        data,
        book=book,
        summaries=relabelled(data.summaries, data.book, book),
        chart_log=data.chart_log if default else [],
    )


def fallback_note(book: Codebook) -> list[Markup]:
    """One line saying how many codebook texts this edition shows in another language."""
    n = len(book.fallbacks)
    if not n:
        return []
    # The codebook's language named in the edition's ("inglés" in Spanish).
    own = Locale.parse(_own_language(book)).get_display_name(i18n.language()) or ""
    text = ngettext(
        "{n} text of the codebook has no version in this language: it is shown in {own}, "
        "marked with its language code in brackets.",
        "{n} texts of the codebook have no version in this language: they are shown in "
        "{own}, marked with their language code in brackets.",
        n,
    ).format(n=i18n.number(n), own=own)
    return [Markup('<p class="edition-note" role="note">{}</p>').format(text)]


def _own_language(book: Codebook) -> str:
    """The codebook's own language (its ``survey.language``; English by default)."""
    raw = book.raw.get("survey") or {}
    return str(raw.get("language") or i18n.SOURCE_LANGUAGE)


def run_of(survey: str, files: dict[str, str]) -> rc.Run:
    """Where an edition goes: its HTML file, and its spreadsheet relative to that file."""
    here = posixpath.dirname(files["html"])
    return rc.Run(survey, files["html"], tables=posixpath.relpath(files["tables"], here))


def build(
    data: ReportInputs,
    lang: str,
    default: bool,
    survey: str,
    files: dict[str, str],
    summaries_csv: str,
    strict: bool = STRICT,
) -> Built:
    """One edition: its pages and spreadsheet, written in ``lang``.

    ``files``: the edition's ``html``, ``pdf`` and ``tables`` paths from the project root
    (its links are computed from them).
    """
    from helpers.report.spreadsheet import workbook_bytes

    run = run_of(survey, files)

    with i18n.edition(lang, strict=strict) as edition:
        ed = edition_inputs(data, lang, default)
        sections = rc.sections_of(ed)
        pages = [
            rc.front_matter(ed, sections),
            *fallback_note(ed.book),
            *rc.rendered(sections, ed, run),
        ]
        tables = workbook_bytes(ed, run.survey, summaries_csv)
    return Built(lang, pages, tables, tuple(sorted(edition.missing)), ed.book.fallbacks)


def console_lines(built: Built) -> list[str]:
    """What the stage prints of an edition: each codebook fallback, untranslated messages."""
    lines = [f"{built.lang}: codebook text not in {built.lang}: {f}" for f in built.fallbacks]
    if built.untranslated:
        lines.append(
            f"{built.lang}: {len(built.untranslated)} report messages not yet translated "
            f"(shown in English; strict mode would stop): {'; '.join(built.untranslated[:5])}"
            + (" ..." if len(built.untranslated) > 5 else "")
        )
    return lines
