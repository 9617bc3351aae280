"""The spreadsheet's notes: the method section's paragraphs, the shorthand, each table's note.

The method notes are the report's own method section (:func:`method_section.method`),
each paragraph as plain text, so the spreadsheet and the report say the same thing in
the same words. Notes are numbered once; a sheet refers to its notes as ``[note N]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from helpers.core.i18n import _
from helpers.report.inputs import ReportInputs
from helpers.report.method_section import method
from helpers.report.spreadsheet_values import shorthand

BLOCKS = ("p", "li")  # the method section's paragraphs and list items


class _Paragraphs(HTMLParser):
    """The text of each paragraph (and list item) of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.done: list[str] = []
        self.open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in BLOCKS:
            self._close()
            self.open = []

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self._close()

    def handle_data(self, data: str) -> None:
        if self.open is not None:
            self.open.append(data)

    def _close(self) -> None:
        if self.open is not None:
            paragraph = " ".join("".join(self.open).split())
            if paragraph:
                self.done.append(paragraph)
        self.open = None


def paragraphs(html: str) -> list[str]:
    """Each paragraph of ``html`` as plain text, whitespace collapsed, in order."""
    parser = _Paragraphs()
    parser.feed(html)
    parser.close()
    parser._close()
    return parser.done


def method_notes(data: ReportInputs) -> list[str]:
    """The report's method section, paragraph by paragraph, in its words."""
    html = method(data.book, data.summaries, data.claims, data.stats, data.small_base, data.adapter)
    return paragraphs(str(html))


def shorthand_note() -> str:
    """What each shorthand in square brackets stands for."""
    listed = "; ".join(f"{k} {v}" for k, v in shorthand().items())
    # TRANSLATORS: the notes sheet's list of shorthands: "[x] not shown: …; [z] not applicable: …".
    return _("Shorthand in the tables: {listed}.").format(listed=listed)


@dataclass(frozen=True)
class Notes:
    """Every note, numbered from 1 in order; ``general``: the notes every table refers to."""

    texts: tuple[str, ...]
    general: tuple[int, ...]

    def number(self, text: str) -> int:
        """The number of a note given by its text."""
        return self.texts.index(text) + 1


def numbered(data: ReportInputs, table_notes: Sequence[Sequence[str]]) -> Notes:
    """The method's notes, the shorthand, then each table's notes (each text once)."""
    general = [*method_notes(data), shorthand_note()]
    texts = list(dict.fromkeys([*general, *(n for notes in table_notes for n in notes)]))
    return Notes(tuple(texts), tuple(range(1, len(general) + 1)))


def refs(numbers: Sequence[int]) -> str:
    """'[note 1] [note 4]'."""
    # TRANSLATORS: a reference to a numbered note of the spreadsheet (GSS guidance: "[note 1]").
    return " ".join(_("[note {n}]").format(n=n) for n in numbers)
