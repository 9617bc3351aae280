"""The structure pass over a CSV export's bytes: refuse its first faulty line, find its blank ones.

The file is read in blocks of whole lines (``BLOCK_BYTES``), so memory holds one
block whatever the file's size; each block is one polars row per physical line
(vectorised). See helpers.extract.export for the faults refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl

from helpers.core.errors import SourceError

MAX_FIELD_BYTES = 1_048_576  # params.yaml clean.max_field_bytes, as shipped
BLOCK_BYTES = 1 << 24  # read at a time (then to the end of its line)

# A quoted stretch, to its closing quote (or to the end of the line when none closes
# it): commas inside one separate no fields. "a""b" is two stretches, the same field.
_QUOTED = re.compile(r'"[^"]*"?')


def check_structure(
    body: bytes, header: list[str], path: str, max_field_bytes: int = MAX_FIELD_BYTES
) -> pl.Series:
    """Refuse the first structural fault of ``body`` (the file as UTF-8 bytes); its blank lines.

    The bytes in memory, as one block (:func:`check_structure_file` reads a file in blocks).
    """
    return check_blocks(iter([body] if body else []), header, path, max_field_bytes)[0]


def check_structure_file(
    file: str | Path, header: list[str], path: str, max_field_bytes: int = MAX_FIELD_BYTES
) -> tuple[pl.Series, int]:
    """Refuse the first structural fault of a UTF-8 file, read in blocks; blank lines, lines.

    Memory holds one block of whole lines (about ``BLOCK_BYTES``), whatever the size.
    """
    with open(file, "rb") as fh:
        return check_blocks(line_blocks(fh), header, path, max_field_bytes)


def line_blocks(fh: BinaryIO, size: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The file's bytes in blocks of whole lines (each ends with a line feed, but the last)."""
    while block := fh.read(size):
        if not block.endswith(b"\n"):
            block += fh.readline()
        yield block


def check_blocks(
    blocks: Iterator[bytes], header: list[str], path: str, max_field_bytes: int
) -> tuple[pl.Series, int]:
    """Refuse the first structural fault in line order; the blank lines and the line count.

    The faults: a NUL byte, a carriage return not followed by a line feed, a quote
    that does not close on its line (a line break in a field, or an unterminated
    quote), a line whose field count is not the header's, a field larger than
    ``max_field_bytes``. Blank and whitespace-only lines (line numbers, as
    ``Int64``) are returned, to be skipped.
    """
    blanks: list[pl.Series] = []
    first = 1
    for block in blocks:
        lines, blank = _check_block(block, first, header, path, max_field_bytes, blocks)
        blanks.append(blank)
        first += lines
    lines = first - 1
    return (pl.concat(blanks) if blanks else pl.Series([], dtype=pl.Int64)), lines


def _check_block(
    block: bytes,
    first: int,
    header: list[str],
    path: str,
    max_field_bytes: int,
    later: Iterator[bytes],
) -> tuple[int, pl.Series]:
    """Check one block whose first line is ``first``: its line count and its blank lines."""
    stop = _first_stop(block)
    count = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    # The lines before the first NUL or bare CR (a NUL would split the one-column read).
    lines = _lines(block if stop is None else block[: block.rfind(b"\n", 0, stop[1]) + 1])
    n = len(header)
    text = lines.get_column("text")
    blank, quotes, fields, size = _line_stats(lines)
    number = pl.int_range(first, first + len(text), dtype=pl.Int64, eager=True)
    odd = quotes % 2 == 1
    faulty = (odd | size.gt(max_field_bytes) | (number.gt(1) & ~blank & fields.ne(n))).arg_true()
    odd_lines = number.filter(odd)
    rows = pl.DataFrame(
        {
            "line": number.gather(faulty),
            "text": text.gather(faulty),
            "quotes": quotes.gather(faulty),
            "fields": fields.gather(faulty),
        }
    )
    for line, row, n_quotes, fields_n in rows.iter_rows():
        if n_quotes % 2:
            after = odd_lines.filter(odd_lines > line)
            closes, cut = (
                (int(after[0]), False)
                if len(after)
                else ((None, True) if stop is not None else _closing_line(later, first + count))
            )
            _refuse_open_quote(path, line, row, header, closes, cut)
        big = _largest_field(row)
        if big[1] > max_field_bytes:
            raise SourceError(
                path,
                line,
                f"fields of at most {max_field_bytes} bytes (params.yaml clean.max_field_bytes)",
                f"{big[1]} bytes in column {_name(header, big[0])!r}",
            )
        if line > 1 and fields_n != n and row.strip():
            raise SourceError(path, line, f"{n} fields (as in the header, line 1)", f"{fields_n}")
    if stop is not None:
        _refuse_stop(block, header, path, (stop[0] + first - 1, stop[1], stop[2]))
    return count, number.filter(blank & number.gt(1))


def _lines(body: bytes) -> pl.DataFrame:
    """One row per physical line of ``body``: its text."""
    if not body:
        return pl.DataFrame({"text": []}, schema={"text": pl.String})
    return pl.read_csv(
        body, has_header=False, separator="\x00", quote_char=None, schema={"text": pl.String}
    )


def _closing_line(later: Iterator[bytes], first: int) -> tuple[int | None, bool]:
    """The line closing an open quote, in the blocks after its own; or None, and whether cut.

    ``first``: the number of the next block's first line. The closing line is the next
    with an odd number of quotes; ``cut``: a NUL or bare CR came before any.
    """
    for block in later:
        stop = _first_stop(block)
        part = block if stop is None else block[: block.rfind(b"\n", 0, stop[1]) + 1]
        quotes = _lines(part).get_column("text").str.count_matches('"', literal=True)
        odd = quotes.fill_null(0) % 2 == 1
        if odd.any():
            return first + int(odd.arg_true()[0]), False
        if stop is not None:
            return None, True
        first += block.count(b"\n")
    return None, False


def _first_stop(body: bytes) -> tuple[int, int, str] | None:
    """The first NUL byte or bare carriage return: (line, byte offset, "nul" or "cr")."""
    cr = re.search(rb"\r(?!\n)", body)
    stops = [
        (_line_at(body, pos), pos, what)
        for pos, what in ((body.find(b"\x00"), "nul"), (cr.start() if cr else -1, "cr"))
        if pos >= 0
    ]
    return min(stops, default=None)


def _line_stats(lines: pl.DataFrame) -> list[pl.Series]:
    """Per physical line: blank, its quotes, its fields (commas in quotes aside), its bytes."""
    text = lines.get_column("text")
    col = pl.col("text")
    # One select: polars runs the expressions in parallel. Fields: commas + 1, less the
    # commas inside quotes (recounted below, on the lines with quotes only).
    blank, quotes, fields, size = lines.select(
        (col.is_null() | col.str.contains(r"^\s*$")).alias("blank"),
        col.str.count_matches('"', literal=True).fill_null(0).alias("quotes"),
        (col.str.count_matches(",", literal=True).fill_null(0) + 1).alias("fields"),
        col.str.len_bytes().fill_null(0).alias("size"),
    ).get_columns()
    quoted = quotes.gt(0).arg_true()
    if len(quoted):
        fields = fields.scatter(
            quoted,
            text.gather(quoted)
            .str.replace_all(_QUOTED.pattern, "")
            .str.count_matches(",", literal=True)
            + 1,
        )
    return [blank, quotes, fields, size]


def _refuse_stop(body: bytes, header: list[str], path: str, stop: tuple[int, int, str]) -> None:
    """Raise at the first NUL byte or bare carriage return, naming its column."""
    line, pos, what = stop
    start = body.rfind(b"\n", 0, pos) + 1
    column = _name(header, _column_at(body[start:pos].decode("utf-8", errors="replace")))
    if what == "nul":
        raise SourceError(path, line, "text without NUL bytes", f"one in column {column!r}")
    raise SourceError(
        path,
        line,
        "lines ending in LF or CRLF",
        f"a carriage return inside line {line} (column {column!r})",
    )


def _line_at(body: bytes, pos: int) -> int:
    """The 1-based line of byte offset ``pos``."""
    return body.count(b"\n", 0, pos) + 1


def _column_at(prefix: str) -> int:
    """The 0-based column a position is in, given the line's text before it."""
    return _QUOTED.sub("", prefix).count(",")


def _name(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else f"field {index + 1} (past the header)"


def _largest_field(row: str) -> tuple[int, int]:
    """The (0-based) column and UTF-8 size of the line's largest field, unquoted."""
    masked = _QUOTED.sub(lambda m: "_" * len(m.group()), row)
    best, start = (0, -1), 0
    for i, piece in enumerate(masked.split(",")):
        field = row[start : start + len(piece)]
        start += len(piece) + 1
        if field.startswith('"'):  # "x ""y""" holds x "y"
            field = field[1 : -1 if len(field) > 1 and field.endswith('"') else None]
            field = field.replace('""', '"')
        size = len(field.encode("utf-8"))
        if size > best[1]:
            best = (i, size)
    return best


def _refuse_open_quote(
    path: str, line: int, row: str, header: list[str], closes: int | None, cut: bool
) -> None:
    """Raise at a line whose last quote opens a field that does not close on it.

    ``closes``: the next line with an odd number of quotes (before any NUL or bare
    CR), which closes it; ``cut``: none, and a NUL or bare CR comes later, so whether
    the quote closes after it is not known.
    """
    column = _name(header, _column_at(row[: row.rindex('"')]))
    if closes is not None:  # a line break in the field
        raise SourceError(
            path,
            line,
            f"one record per line in column {column!r}",
            f"a field with a line break (its quote opens on line {line} and "
            f"closes on line {closes}): line numbers would not match the "
            "file",
        )
    raise SourceError(
        path,
        line,
        f"a closing quote on its line for the quoted field in column {column!r}",
        "a quote that does not close on its line (a line "
        "break in the field, or an unterminated quote)"
        if cut
        else "an unterminated quote (no closing quote before the end of the file)",
    )
