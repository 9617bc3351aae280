"""The report's tables as a spreadsheet: ``reports/<survey>/tables.xlsx``.

Laid out as the UK Government Statistical Service's spreadsheet guidance asks (and
ONS's ``gptables`` implements): a contents sheet first, then a notes sheet (the report's
method section, the shorthand, each table's notes), then one sheet per table of the
report; each sheet's title in cell A1, a few lines saying what it holds, then the table
as an Excel table with one header row; no merged cells, no blank rows inside a table;
numbers stored as numbers with the report's decimals as their format, each figure's id
in the column beside it, and a shorthand in square brackets where there is no number.

Written with XlsxWriter directly (not gptables: it would add xlrd, importlib_resources
and pyyaml's pins for a layout this module writes in a few lines, and the ids, the
shorthand and the determinism are ours to control either way). Byte-identical across
runs: a fixed creation date (XlsxWriter then also fixes the zip entries' dates), every
sheet, format and cell written in one order. Every text is neutralised as the project's
CSVs are (a leading ``'`` before a formula; :func:`helpers.core.tables.neutralise`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import xlsxwriter

from helpers.core.i18n import _, pgettext
from helpers.core.tables import neutralise
from helpers.report.inputs import ReportInputs
from helpers.report.spreadsheet_cells import Grid
from helpers.report.spreadsheet_notes import Notes, numbered, refs
from helpers.report.spreadsheet_sheets import Sheet, report_sheets
from helpers.report.spreadsheet_values import Cell, text_cell

# The workbook's creation date, fixed so that two runs write the same bytes.
CREATED = datetime(2000, 1, 1, tzinfo=UTC)
MAX_WIDTH = 60


def contents_name() -> str:
    """The contents sheet's name: 'Contents' ('Contenido' in Spanish)."""
    # TRANSLATORS: a spreadsheet's sheet name (at most 31 characters, none of []:*?/\).
    return pgettext("sheet name", "Contents")


def notes_name() -> str:
    """The notes sheet's name: 'Notes' ('Notas' in Spanish)."""
    # TRANSLATORS: a spreadsheet's sheet name (at most 31 characters, none of []:*?/\).
    return pgettext("sheet name", "Notes")


def sheet_name(k: int) -> str:
    """The name of the k-th table's sheet (from 1): 'Table_1' ('Cuadro_1' in Spanish)."""
    # TRANSLATORS: a spreadsheet's sheet name, no spaces (GSS guidance): "Table_1".
    return pgettext("sheet name", "Table_{k}").format(k=k)


def one_table() -> str:
    """The line under each sheet's title (GSS guidance: say how many tables it holds)."""
    return _("This worksheet contains one table.")


class _Writer:
    """One workbook being written: its cell formats, made once each, in order of use."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.title = book.add_format({"bold": True, "font_size": 15})
        self.formats: dict[str, Any] = {}

    def number_format(self, fmt: str) -> Any:
        if fmt not in self.formats:
            self.formats[fmt] = self.book.add_format({"num_format": fmt})
        return self.formats[fmt]

    def sheet(self, name: str, title: str, lines: Sequence[str], grid: Grid, table: str) -> Any:
        """A sheet: title in A1, then ``lines``, then ``grid`` as an Excel table."""
        ws = self.book.add_worksheet(name)
        ws.write_string(0, 0, str(neutralise(title)), self.title)
        for i, line in enumerate(lines, start=1):
            ws.write_string(i, 0, str(neutralise(line)))
        top = len(lines) + 1
        for r, row in enumerate(grid.rows, start=top + 1):
            for c, cell in enumerate(row):
                self.write(ws, r, c, cell)
        ws.add_table(
            top,
            0,
            top + max(len(grid.rows), 1),
            len(grid.headers) - 1,
            {
                "name": table,
                "columns": [{"header": h} for h in grid.headers],
                "autofilter": False,
                "style": "Table Style Light 1",
            },
        )
        for c, width in enumerate(_widths(grid)):
            ws.set_column(c, c, width)
        return ws

    def write(self, ws: Any, r: int, c: int, cell: Cell) -> None:
        if isinstance(cell.value, float):
            ws.write_number(r, c, cell.value, self.number_format(cell.fmt))
        else:
            ws.write_string(r, c, cell.value)


def _widths(grid: Grid) -> list[int]:
    """Each column's width: its longest header or text, within 8 and :data:`MAX_WIDTH`."""
    widths = [len(h) for h in grid.headers]
    for row in grid.rows:
        for c, cell in enumerate(row):
            size = len(str(cell.value)) if not isinstance(cell.value, float) else 12
            widths[c] = max(widths[c], size)
    return [min(max(w + 2, 8), MAX_WIDTH) for w in widths]


def _notes_title() -> str:
    # TRANSLATORS: the title of the spreadsheet's notes sheet (and its row in the contents).
    return pgettext("sheet title", "Notes")


def _contents(sheets: Sequence[Sheet]) -> Grid:
    rows = [
        [
            text_cell(notes_name()),
            text_cell(_notes_title()),
            text_cell(_("The method and the shorthand")),
        ]
    ]
    rows += [
        [text_cell(sheet_name(k)), text_cell(s.title), text_cell(s.description)]
        for k, s in enumerate(sheets, start=1)
    ]
    return Grid([_("Sheet name"), _("Table title"), _("Description")], rows)


def _table_lines(sheet: Sheet, notes: Notes, source: str) -> list[str]:
    numbers = [*notes.general, *(notes.number(n) for n in sheet.notes)]
    # TRANSLATORS: under a table sheet's title: what it shows, then its notes
    # ("[note 1] [note 4]") and the name of the sheet that holds them.
    refers = _("{description}. Notes: {notes} ({sheet} worksheet).")
    return [
        one_table(),
        refers.format(description=sheet.description, notes=refs(numbers), sheet=notes_name()),
        _("Source: {source}; each figure's id names its row there.").format(source=source),
    ]


def workbook_bytes(data: ReportInputs, survey: str, source: str) -> bytes:
    """The spreadsheet of the report's tables, as bytes (``source``: summaries.csv's path)."""
    sheets = report_sheets(data)
    notes = numbered(data, [s.notes for s in sheets])
    out = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    book = xlsxwriter.Workbook(out, options)
    title = data.book.survey.title_or()
    # TRANSLATORS: the spreadsheet file's title (its document properties).
    book_title = _("{title}: tables").format(title=title)
    book.set_properties({"title": book_title, "subject": survey, "author": "", "created": CREATED})
    writer = _Writer(book)
    about = _("Each sheet holds one table of the report; the notes explain the method.")
    ws = writer.sheet(
        contents_name(),
        _("{title}: the report's tables").format(title=title),
        [one_table(), about],
        _contents(sheets),
        "contents",
    )
    names = [notes_name(), *(sheet_name(k) for k in range(1, len(sheets) + 1))]
    for r, name in enumerate(names):
        ws.write_url(r + 4, 0, f"internal:'{name}'!A1", string=name)
    note_rows = [[text_cell(refs([k])), text_cell(t)] for k, t in enumerate(notes.texts, 1)]
    grid = Grid([_("Note number"), _("Note text")], note_rows)
    writer.sheet(notes_name(), _notes_title(), [one_table()], grid, "notes")
    for k, sheet in enumerate(sheets, start=1):
        lines = _table_lines(sheet, notes, source)
        writer.sheet(sheet_name(k), sheet.title, lines, sheet.grid, f"table_{k}")
    book.close()
    return out.getvalue()
