"""Errors that name the input file, the line and what was expected."""

from __future__ import annotations


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
