"""The structure pass over a CSV export's bytes: refuse its first faulty line, find its blank ones.

One polars row per physical line (vectorised), so the pass costs a fraction of the
main read at a million rows; see helpers.extract.export for the faults refused.
"""

from __future__ import annotations

import re

import polars as pl

from helpers.core.errors import SourceError

MAX_FIELD_BYTES = 1_048_576  # params.yaml clean.max_field_bytes, as shipped

# A quoted stretch, to its closing quote (or to the end of the line when none closes
# it): commas inside one separate no fields. "a""b" is two stretches, the same field.
_QUOTED = re.compile(r'"[^"]*"?')


def check_structure(
    body: bytes, header: list[str], path: str, max_field_bytes: int = MAX_FIELD_BYTES
) -> pl.Series:
    """Refuse the first structural fault of the file in line order; return the blank lines.

    ``body`` is the file as UTF-8 bytes. The faults: a NUL byte, a carriage return
    not followed by a line feed, a quote that does not close on its line (a line
    break in a field, or an unterminated quote), a line whose field count is not
    the header's, a field larger than ``max_field_bytes``. Blank and
    whitespace-only lines (line numbers, as ``Int64``) are returned, to be skipped.
    """
    stop = _first_stop(body)
    # The lines before the first NUL or bare CR (a NUL would split the one-column read).
    table_body = body if stop is None else body[: body.rfind(b"\n", 0, stop[1]) + 1]
    lines = (
        pl.read_csv(
            table_body,
            has_header=False,
            separator="\x00",
            quote_char=None,
            schema={"text": pl.String},
        )
        if table_body
        else pl.DataFrame({"text": []}, schema={"text": pl.String})
    )
    n = len(header)
    text = lines.get_column("text")
    blank, quotes, fields, size = _line_stats(lines)
    number = pl.int_range(1, len(text) + 1, dtype=pl.Int64, eager=True)
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
            _refuse_open_quote(path, line, row, header, odd_lines, stop is not None)
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
        _refuse_stop(body, header, path, stop)
    return number.filter(blank & number.gt(1))


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
    path: str, line: int, row: str, header: list[str], odd_lines: pl.Series, cut: bool
) -> None:
    """Raise at a line whose last quote opens a field that does not close on it.

    ``odd_lines``: the lines with an odd number of quotes (``cut``: of the lines
    before a NUL or bare CR only, so whether the quote closes later is not known).
    """
    column = _name(header, _column_at(row[: row.rindex('"')]))
    later = odd_lines.filter(odd_lines > line)
    if len(later):  # the next line with an odd count closes it: a line break in the field
        raise SourceError(
            path,
            line,
            f"one record per line in column {column!r}",
            f"a field with a line break (its quote opens on line {line} and "
            f"closes on line {later[0]}): line numbers would not match the "
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
