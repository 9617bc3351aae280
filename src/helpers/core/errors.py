"""Errors that name the input file, the line and what was expected."""

from __future__ import annotations

from typing import Any


class SourceError(ValueError):
    """The source document does not have the expected structure."""

    def __init__(self, path: str, line: int | None, expected: str, found: str) -> None:
        self.path = path
        self.line = line
        self.expected = expected
        self.found = found
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: expected {expected}; found {found}")


class TableError(ValueError):
    """A table breaks its schema; the message names the table, columns and values."""


class CodebookError(ValueError):
    """The codebook file is malformed; ``place``: the keys of the first problem, if known.

    Raised for its keys and types (``helpers.core.codebook_schema``) and for what a
    schema cannot say (``helpers.core.codebook``); ``load_codebook`` adds file:line.
    """

    def __init__(self, message: str, place: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.place = place
