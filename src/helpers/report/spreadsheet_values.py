"""A spreadsheet cell's value: a number read back as the edition writes it, or text.

The report's cells are written in the edition's language ('60,0 %', '1.234' in Spanish):
a figure's cell is its ``shown`` value in summaries.csv when it prints as the report
prints it (:func:`figure_cell`); any other number is read back with the language's
symbols (:func:`number_cell`), a group separator only between groups of three digits
(a number in another language's form stays text, never misread). Number formats stay
Excel's codes ('#,##0.0'): Excel draws them with the reader's own separators, so one
workbook's numbers read right in every locale. A cell without a number holds a
shorthand in square brackets (GSS guidance), explained in the notes sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.core import i18n
from helpers.core.i18n import N_, _
from helpers.core.tables import neutralise

# The shorthand of a cell without a number, explained in the notes sheet (GSS guidance:
# "[x]" not available, "[z]" not applicable, "[u]" low reliability: codes, in every
# language), and the project's own "[pooled]" (a word: translated, :func:`pooled`).
SHORTHAND = {
    "[x]": N_(
        "not shown: the group's base is below the small-base threshold and the rule "
        "suppresses its figures (the figure stays in summaries.csv under its id)"
    ),
    "[z]": N_("not applicable: the report's table has no figure in this cell"),
    "[u]": N_(
        "low reliability: the group's base is below the small-base threshold "
        "(the report marks it †); the {flags} column names the columns concerned"
    ),
    "[pooled]": N_(
        "the group is shown only inside “Other groups” (small-base rule merge); "
        "the id beside it is the pooled group's figure"
    ),
}
C_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # summaries.csv's ``shown``
SOURCE_FORM = (",", ".")  # group separator and decimal mark of the sources' numbers


def pooled() -> str:
    """The shorthand of a group shown only pooled: '[pooled]' ('[agrupado]' in Spanish)."""
    # TRANSLATORS: a spreadsheet cell's shorthand, in square brackets (GSS guidance).
    return _("[pooled]")


def flags() -> str:
    """The header of the column naming a row's figures of low reliability."""
    # TRANSLATORS: a spreadsheet column header; its cells read "[u] Base, Mean".
    return _("Flags")


def shorthand() -> dict[str, str]:
    """Each shorthand as written in the cells, with what it stands for (in the edition)."""
    out = {}
    for key, meaning in SHORTHAND.items():
        out[pooled() if key == "[pooled]" else key] = _(meaning).format(flags=flags())
    return out


def written(constant: str) -> set[str]:
    """A constant of the report's tables as the edition may write it (English, translated).

    The table builders may write their constants (``POOLED_TEXT``) translated or not:
    both are recognised, and asking does not mark the constant missing in the edition.
    """
    lang = i18n.language()
    if lang == i18n.SOURCE_LANGUAGE or i18n.read_catalog(lang).get(constant) is None:
        return {constant}
    return {constant, _(constant)}


@dataclass(frozen=True)
class Cell:
    """One spreadsheet cell: a number with its format (``fmt``), or text (``fmt`` empty)."""

    value: str | float
    fmt: str = ""


def number_format(shown: str) -> str:
    """The format that prints a number as ``shown`` does: '33.3' -> '#,##0.0'."""
    decimals = len(shown.partition(".")[2])
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _symbols() -> tuple[str, str, str]:
    """The edition's group separator, decimal mark and percent sign (CLDR, Babel)."""
    symbols = i18n.current().locale.number_symbols["latn"]
    return symbols["group"], symbols["decimal"], symbols["percentSign"]


def plain_number(written: str, symbols: tuple[str, str] | None = None) -> str | None:
    """A number as the edition writes it ('1.234,5' in Spanish) in C form ('1234.5'), or None.

    ``symbols``: (group separator, decimal mark), the edition's by default. Group
    separators are accepted only between groups of three digits, so a number written
    in another language's form ('35.7' read as Spanish) is not misread.
    """
    group, decimal = symbols or _symbols()[:2]
    spaces = {"\u00a0", "\u202f", " "} if group.isspace() else set()
    groups = "|".join(re.escape(g) for g in sorted({group} | spaces))
    pattern = (
        rf"^(?P<int>-?(?:[0-9]{{1,3}}(?:(?:{groups})[0-9]{{3}})+|[0-9]+))"
        rf"(?:{re.escape(decimal)}(?P<frac>[0-9]+))?$"
    )
    m = re.match(pattern, written.strip())
    if m is None:
        return None
    digits = re.sub(r"[^0-9-]", "", m["int"])
    return digits + (f".{m['frac']}" if m["frac"] else "")


def strip_percent(written: str) -> str:
    """'60,0 %' -> '60,0': a percentage's number (the edition's sign and its space)."""
    sign = _symbols()[2]
    for mark in dict.fromkeys((sign, "%")):
        if written.rstrip().endswith(mark):
            return written.rstrip().removesuffix(mark).rstrip()
    return written


def number_cell(shown: str) -> Cell | None:
    """A number as the report wrote it ('1.234,5' in Spanish, '60.0') as a number cell.

    Read in the edition's form first, then in the source's (C/English) form: a number
    the report quotes as its source wrote it (an audit's stated '66.6') stays a number.
    A text valid in both forms ('1.234' in Spanish) is read in the edition's.
    """
    plain = plain_number(shown) or plain_number(shown, SOURCE_FORM)
    if plain is None:
        return None
    return Cell(float(plain), number_format(plain))


def figure_cell(written: str, shown: object) -> Cell | None:
    """A figure's number cell: its ``shown`` value when the report prints it so, else None.

    ``written``: the report cell's text ('60,0 %'); ``shown``: summaries.csv's value ('60.0').
    """
    value = str(shown) if shown is not None else ""
    number = strip_percent(written).strip()
    if C_NUMBER.match(value) and number in {value, i18n.number(value)}:
        return Cell(float(value), number_format(value))
    return number_cell(number)


def interval_cells(written: str) -> list[Cell] | None:
    """An interval as written ('35.7–80.2', '35,7–80,2') as its two bounds, or None."""
    low, dash, high = written.partition("–")
    if not dash:
        return None
    bounds = [number_cell(low), number_cell(high)]
    return None if None in bounds else bounds  # type: ignore[return-value]


def text_cell(value: object) -> Cell:
    """Text, neutralised as every CSV of the project is (a leading ``'`` before a formula)."""
    return Cell(str(neutralise(str(value))))
