"""A report table (the ``table`` macro's data) as a spreadsheet grid: numbers, ids, shorthand.

The report's table builders (:mod:`tables`, :mod:`matrices`, :mod:`summary_table`) hand
the ``table`` macro cells that are values, row headers or figures (``fig_cell``,
``parts_cell``). Here each becomes what the UK Government Statistical Service's
spreadsheet guidance asks for: one value per cell, numbers stored as numbers with the
report's decimals as their format, each figure's id in a column beside its number, and
a shorthand in square brackets where the report shows no number (:func:`shorthand`).
No figure is computed here: a figure's number is its ``shown`` value in summaries.csv.

The report's cells are written in the edition's language ('60,0 %', '1.234' in Spanish):
a figure's cell is its ``shown`` value when it prints as the report prints it, any
other number is read back with the language's symbols (:func:`number_cell`). Number
formats stay Excel's codes ('#,##0.0'): Excel draws them with the reader's own
separators, so one workbook's numbers read right in every locale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup

from helpers.core import i18n
from helpers.core.i18n import N_, _, pgettext
from helpers.core.small_base import SMALL_MARK
from helpers.core.tables import neutralise
from helpers.report.summary_table import POOLED_TEXT
from helpers.report.tables import NUMERIC_COLUMNS, SUPPRESSED

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
STAT_LABELS = dict(NUMERIC_COLUMNS)


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


def _written(constant: str) -> set[str]:
    """A constant of the report's tables as the edition may write it (English, translated).

    The table builders may write their constants (``POOLED_TEXT``) translated or not:
    both are recognised, and asking does not mark the constant missing in the edition.
    """
    lang = i18n.language()
    if lang == i18n.SOURCE_LANGUAGE or i18n.read_catalog(lang).get(constant) is None:
        return {constant}
    return {constant, _(constant)}


def stat_label(stat: str) -> str:
    """A statistic's name as a row header: 'Mean' ('Media' in Spanish)."""
    names = {
        # TRANSLATORS: names of statistics heading a spreadsheet row (as in the report's
        # numeric tables): mean, standard deviation, median, quartiles, minimum, maximum.
        "mean": pgettext("statistic", "Mean"),
        "sd": pgettext("statistic", "SD"),
        "median": pgettext("statistic", "Median"),
        "p25": pgettext("statistic", "P25"),
        "p75": pgettext("statistic", "P75"),
        "min": pgettext("statistic", "Min"),
        "max": pgettext("statistic", "Max"),
    }
    return names.get(stat, STAT_LABELS.get(stat, stat))


@dataclass(frozen=True)
class Cell:
    """One spreadsheet cell: a number with its format (``fmt``), or text (``fmt`` empty)."""

    value: str | float
    fmt: str = ""


@dataclass(frozen=True)
class Grid:
    """A table as the spreadsheet holds it: column headers and rows of cells."""

    headers: list[str]
    rows: list[list[Cell]]


def number_format(shown: str) -> str:
    """The format that prints a number as ``shown`` does: '33.3' -> '#,##0.0'."""
    decimals = len(shown.partition(".")[2])
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _symbols() -> tuple[str, str, str]:
    """The edition's group separator, decimal mark and percent sign (CLDR, Babel)."""
    symbols = i18n.current().locale.number_symbols["latn"]
    return symbols["group"], symbols["decimal"], symbols["percentSign"]


def plain_number(written: str) -> str | None:
    """A number as the edition writes it ('1.234,5' in Spanish) in C form ('1234.5'), or None.

    Group separators are accepted only between groups of three digits, so a number
    written in another language's form ('35.7' read as Spanish) is not misread.
    """
    group, decimal, _percent = _symbols()
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
    """A number written as the edition writes it ('1,234.5', '60.0') as a number cell."""
    plain = plain_number(shown)
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


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(markup: str) -> str:
    """The text of an HTML fragment, whitespace collapsed (a claim code, a line link)."""
    parser = _Text()
    parser.feed(str(markup))
    parser.close()
    return " ".join("".join(parser.parts).split())


def _is_fig(cell: Any) -> bool:
    return isinstance(cell, Mapping) and "fig" in cell


def _is_parts(cell: Any) -> bool:
    return isinstance(cell, Mapping) and "parts" in cell


def _label(cell: Any) -> str:
    if isinstance(cell, Mapping) and "th" in cell:
        return str(cell["th"])
    return plain_text(cell) if isinstance(cell, Markup) else "" if cell is None else str(cell)


def _carry_questions(columns: list[str], rows: list[tuple[str, list[Any]]]) -> tuple[list, list]:
    """A summary table's question rows as a leading "Question" column, carried down.

    A question row's other cells (its adjusted p) go on the question's first row.
    """
    if not any(cls == "question" for cls, _cells in rows):
        return columns, rows
    out, question, pending = [], "", []
    for cls, cells in rows:
        if cls == "question":
            question, pending = _label(cells[0]), cells[1:]
            continue
        merged = [c if c not in ("", None) else p for c, p in zip(cells[1:], pending, strict=True)]
        out.append((cls, [question, cells[0], *merged]))
        pending = [""] * len(pending)
    return [_("Question"), *columns], out


def _split_parts(rows: list[tuple[str, list[Any]]]) -> list[tuple[str, list[Any]]]:
    """A row of several figures per cell ('mean (SD)') as one row per statistic."""
    out = []
    for cls, cells in rows:
        parts = next((c["parts"] for c in cells if _is_parts(c)), None)
        if parts is None:
            out.append((cls, cells))
            continue
        stats = [fid.rsplit(".", 1)[1] for _text, fid, _join in parts]
        head = next(i for i, c in enumerate(cells) if isinstance(c, Mapping) and "th" in c)
        unit = _label(cells[head]).partition(")")[2]
        for k, stat in enumerate(stats):
            line = list(cells)
            line[head] = {"th": f"{stat_label(stat)}{unit}"}
            for i, c in enumerate(cells):
                if _is_parts(c):
                    t, fid, _join = c["parts"][k] if k < len(c["parts"]) else ("", "", "")
                    line[i] = {"fig": fid, "text": t, "cls": c.get("cls", "")} if fid else ""
                elif _is_fig(c) and c["fig"].rsplit(".", 1)[1] == stats[0]:
                    # suppressed or pooled: this row's statistic of the same group
                    line[i] = {**c, "fig": f"{c['fig'].rsplit('.', 1)[0]}.{stat}"}
                elif _is_fig(c) and k:  # another figure (the question's p): first row only
                    line[i] = ""
            out.append((cls, line))
    return out


@dataclass(frozen=True)
class Column:
    """How a report column is written: ``fig``, ``interval`` or ``value``.

    ``fig``: a figure's number, its id and its count; ``interval``: lower and upper;
    ``counts``: its figures carry a count ('60.0% (9)'); ``weighted``: that count is an
    estimated population (a sum of weights).
    """

    name: str
    kind: str
    counts: bool = False
    weighted: bool = False

    @property
    def headers(self) -> list[str]:
        """The spreadsheet columns this column becomes."""
        # TRANSLATORS: spreadsheet column headers made from a report column's header
        # ("95% CI"): its interval's bounds, its figures' ids, its counts.
        if self.kind == "interval":
            return [
                _("{column} lower").format(column=self.name),
                _("{column} upper").format(column=self.name),
            ]
        if self.kind == "value":
            return [self.name]
        if self.weighted:
            count = _("{column} estimated population").format(column=self.name)
        else:
            count = _("{column} n").format(column=self.name)
        ids = _("{column} id").format(column=self.name)
        return [self.name, ids, *([count] if self.counts else [])]


def _column(name: str, cells: list[Any], figures: Mapping[str, Mapping[str, Any]]) -> Column:
    """What a column of the report's table holds (see :class:`Column`)."""
    figs = [c for c in cells if _is_fig(c)]
    if figs:
        counted = [c for c in figs if c.get("n")]
        weighted = any(_weighted(figures.get(c["fig"], {})) for c in counted)
        return Column(name, "fig", bool(counted), weighted)
    texts = [_label(c) for c in cells if _label(c)]
    if texts and all(interval_cells(t) for t in texts):
        return Column(name, "interval")
    return Column(name, "value")


def _weighted(row: Mapping[str, Any]) -> bool:
    value = row.get("n_weighted")
    return value is not None and value == value  # not NaN


def _value(cell: Any, suppressed: bool) -> Cell:
    """A cell that is not a figure: a label, a number written as text, or the shorthand."""
    label = _label(cell).removesuffix(f" {SMALL_MARK}")
    if not label:
        return Cell("[x]" if suppressed else "[z]")
    if label in _written(POOLED_TEXT):
        return Cell(pooled())
    return number_cell(strip_percent(label)) or text_cell(label)


def _figure(
    cell: Mapping[str, Any], col: Column, figures: Mapping[str, Mapping[str, Any]]
) -> list[Cell]:
    """A figure's cells: its number as printed (or the shorthand), its id, its count."""
    shown = str(cell["text"])
    row = figures.get(cell["fig"], {})
    hidden = "[x]" if shown == SUPPRESSED else pooled() if shown in _written(POOLED_TEXT) else ""
    number = None if hidden else figure_cell(shown, row.get("shown"))
    value = Cell(hidden) if hidden else number or text_cell(shown)
    out = [value, text_cell(cell["fig"])]
    if col.counts:
        if hidden or not cell.get("n"):
            out.append(Cell(hidden or "[z]"))
        elif col.weighted and _weighted(row):
            out.append(Cell(float(row["n_weighted"]), "#,##0"))
        else:
            out.append(number_cell(str(cell["n"])) or text_cell(cell["n"]))
    return out


def _cells(
    cell: Any, col: Column, figures: Mapping[str, Mapping[str, Any]], suppressed: bool
) -> list[Cell]:
    """The spreadsheet cells of one report cell in column ``col``."""
    if col.kind == "fig" and _is_fig(cell):
        return _figure(cell, col, figures)
    if col.kind == "interval":
        bounds = interval_cells(_label(cell))
        return bounds or [_value(cell, suppressed)] * 2
    rest = len(col.headers) - 1
    return [_value(cell, suppressed), *[Cell("[x]" if suppressed else "[z]")] * rest]


def _flagged(columns: list[Column], cells: list[Any]) -> str:
    """The row's shorthand for figures of a small base: '[u] Base' ('' when none)."""
    names = [
        col.name
        for col, c in zip(columns, cells, strict=True)
        if (_is_fig(c) and (c.get("cls") == "small" or c.get("mark") == SMALL_MARK))
        or _label(c).endswith(f" {SMALL_MARK}")
    ]
    return f"[u] {', '.join(names)}" if names else ""


def _unique(headers: list[str]) -> list[str]:
    """Headers told apart (an Excel table's must differ, case aside): 'All (2)'."""
    seen: set[str] = set()
    out = []
    for h in headers:
        name, k = h, 1
        while name.casefold() in seen:
            k += 1
            name = f"{h} ({k})"
        seen.add(name.casefold())
        out.append(name)
    return out


def grid_of(table: Mapping[str, Any], figures: Mapping[str, Mapping[str, Any]]) -> Grid:
    """The spreadsheet grid of a report table (the ``table`` macro's data).

    ``figures``: summaries.csv's rows by figure id (a weighted figure's population count).
    """
    names = [str(c) for c in table["columns"]]
    rows = [(str(r["cls"]), list(r["cells"])) for r in table["rows"]]
    names, rows = _carry_questions(names, rows)
    rows = _split_parts(rows)
    columns = [
        _column(name or _("Answer"), [cells[j] for _cls, cells in rows], figures)
        for j, name in enumerate(names)
    ]
    marks = [_flagged(columns, cells) for _cls, cells in rows]
    body = []
    for (_cls, cells), flag in zip(rows, marks, strict=True):
        suppressed = any(_is_fig(c) and c.get("text") == SUPPRESSED for c in cells)
        line = [
            x
            for col, c in zip(columns, cells, strict=True)
            for x in _cells(c, col, figures, suppressed)
        ]
        body.append([*line, text_cell(flag)] if any(marks) else line)
    headers = [h for col in columns for h in col.headers] + ([flags()] if any(marks) else [])
    return Grid(_unique([str(neutralise(h)) for h in headers]), body)
