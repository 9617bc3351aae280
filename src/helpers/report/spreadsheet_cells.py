"""A report table (the ``table`` macro's data) as a spreadsheet grid: numbers, ids, shorthand.

The report's table builders (:mod:`tables`, :mod:`matrices`, :mod:`summary_table`) hand
the ``table`` macro cells that are values, row headers or figures (``fig_cell``,
``parts_cell``). Here each becomes what the UK Government Statistical Service's
spreadsheet guidance asks for: one value per cell, numbers stored as numbers with the
report's decimals as their format, each figure's id in a column beside its number, and
a shorthand in square brackets where the report shows no number. No figure is computed
here: a figure's number is its ``shown`` value in summaries.csv, read back from the
report's cell in the edition's language by :mod:`spreadsheet_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup

from helpers.core.i18n import _, pgettext
from helpers.core.small_base import SMALL_MARK
from helpers.core.tables import neutralise
from helpers.report.spreadsheet_values import (
    Cell,
    figure_cell,
    flags,
    interval_cells,
    number_cell,
    pooled,
    strip_percent,
    text_cell,
    written,
)
from helpers.report.summary_table import POOLED_TEXT
from helpers.report.tables import NUMERIC_COLUMNS, SUPPRESSED

STAT_LABELS = dict(NUMERIC_COLUMNS)


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
class Grid:
    """A table as the spreadsheet holds it: column headers and rows of cells."""

    headers: list[str]
    rows: list[list[Cell]]


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
    if label in written(POOLED_TEXT):
        return Cell(pooled())
    return number_cell(strip_percent(label)) or text_cell(label)


def _figure(
    cell: Mapping[str, Any], col: Column, figures: Mapping[str, Mapping[str, Any]]
) -> list[Cell]:
    """A figure's cells: its number as printed (or the shorthand), its id, its count."""
    shown = str(cell["text"])
    row = figures.get(cell["fig"], {})
    hidden = "[x]" if shown == SUPPRESSED else pooled() if shown in written(POOLED_TEXT) else ""
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
