"""The binary hand-off between stages: typed Parquet, checksummed, stamped with its codebook.

The clean stage validates respondent rows once, where they enter, and writes
them twice: ``responses.csv`` for auditors (never read back by a stage) and
``responses.parquet`` for the stages after it, which trust it instead of
validating again. Trust is earned three ways, all cheap:

* the footer's metadata holds ``data_sha256``, the sha256 of every byte of the file
  before its footer (:func:`data_sha256`), recomputed on read: a changed, lost or
  reordered value is refused, whatever the Parquet layer noticed. Any engine or
  tool recomputes it from the file alone (the footer's length is in its last 8
  bytes), so a DuckDB or Spark reader can check what it opens;
* the metadata names the sha256 of the codebook it was validated against and
  the input kind; a reader with another codebook is refused (rerun clean);
* the stored types are the codebook's (answer codes an enumeration of its codes);
  a column stored otherwise is cast strictly, checked on its distinct values.

It is written as it is produced (:func:`write_handoff`: polars' own Parquet sink,
row groups of exactly ``ROW_GROUP_ROWS`` rows), so memory holds a few row groups,
not the table; readers verify it without reading its rows, then scan it lazily
(:func:`scan_handoff`). Bytes are deterministic: same rows, same polars version,
same file.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Union

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.core.codebook import NOT_SELECTED, SELECTED, Codebook
from helpers.core.document import response_columns
from helpers.core.errors import SourceError
from helpers.core.inputs import input_kind
from helpers.core.sinks import data_sha256, write_parquet

if TYPE_CHECKING:
    import pandas as pd

STAMP_KEY = "helpers.handoff"
FORMAT = "2"  # 2: data_sha256 over the bytes before the footer (1: polars row hashes)
ROW_GROUP_ROWS = 1 << 20
INT_LINES = pl.Int64
MADE_BY = "a Parquet hand-off written by the clean stage"
Frame = Union[pl.DataFrame, pl.LazyFrame, "pd.DataFrame"]


def _answer_types(book: Codebook) -> dict[str, pl.DataType]:
    """Each closed question's column(s) -> an enumeration of its codes."""
    answers: dict[str, pl.DataType] = {}
    for q in book.closed:
        if q.categorical:
            answers[q.id] = pl.Enum([o.code for o in q.answers])
        else:
            answers |= {c: pl.Enum([NOT_SELECTED, SELECTED]) for c in q.indicators.values()}
    return answers


def _group_types(book: Codebook) -> dict[str, pl.DataType]:
    """Each group's column -> its codes (or any text, for a group read from the source)."""
    return {
        g.id: pl.Categorical() if g.from_source else pl.Enum([o.code for o in g.values])
        for g in book.groups
    }


def _export_types(book: Codebook) -> dict[str, pl.DataType]:
    """An export's rows: id, groups, answers, numbers, design columns, source_line."""
    numbers = {q.id: pl.Float64 for q in book.numeric}
    design = {
        col: pl.String if role in ("strata", "psu") else pl.Float64
        for role, col in (book.design.response_columns if book.design else {}).items()
    }
    return {
        "respondent_id": pl.String,
        **_group_types(book),
        **_answer_types(book),
        **numbers,
        **design,
        "source_line": INT_LINES,
    }


def _document_types(book: Codebook) -> dict[str, pl.DataType]:
    """A document's rebuilt respondents: text, codes and the source lines of each."""
    text = {"respondent_id", "organization", "acronym", "country"}
    codes = {**_group_types(book), **_answer_types(book)}  # an answer column before a group
    return {
        col: pl.String if col in text else codes.get(col) or INT_LINES
        for col in response_columns(book)
    }


_TYPES: dict[str, Callable[[Codebook], dict[str, pl.DataType]]] = {
    "document": _document_types,
    "export": _export_types,
}


def response_types(book: Codebook, kind: str) -> dict[str, pl.DataType]:
    """Column -> polars type of the respondent rows of ``kind``, in file order."""
    return _TYPES[input_kind(kind).family](book)


FREE_TEXT_TYPES: dict[str, pl.DataType] = {
    "line": INT_LINES,
    "question": pl.String,
    "item": pl.String,
    "intro_line": INT_LINES,
    "text": pl.String,
}


def typed(frame: pl.DataFrame | pd.DataFrame, types: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` (polars or pandas) with exactly ``types``' columns, in order, cast strictly."""
    if not isinstance(frame, pl.DataFrame):
        frame = pl.from_pandas(frame)
    return frame.select([pl.col(c).cast(t, strict=True) for c, t in types.items()])


def _stored(types: dict[str, pl.DataType]) -> list[pl.Expr]:
    """The columns as stored: each cast strictly to its type; a Categorical as text.

    (A Categorical's dictionary depends on the process that made it; its text does not.)
    """
    return [
        pl.col(c).cast(t, strict=True).cast(pl.String if isinstance(t, pl.Categorical) else t)
        for c, t in types.items()
    ]


def write_handoff(
    target: str | Path | BinaryIO, frame: Frame, types: dict[str, pl.DataType], stamp: dict
) -> None:
    """Write ``frame`` typed by ``types`` as the hand-off, row group by row group as produced.

    A LazyFrame runs on polars' streaming engine, which holds a few row groups, not the
    table (:func:`helpers.core.sinks.write_parquet`). The footer's metadata holds ``stamp``,
    the row count and ``data_sha256``, the sha256 of every byte before the footer
    (:func:`helpers.core.sinks.data_sha256`), which any tool recomputes from the file
    alone. Same rows, same bytes.
    """
    if not isinstance(frame, (pl.DataFrame, pl.LazyFrame)):
        frame = pl.from_pandas(frame)
    query = frame.lazy().select(_stored(types))

    def footer(rows: int, digest: str) -> dict[str, str]:
        meta = {**stamp, "format": FORMAT, "rows": str(rows), "data_sha256": digest}
        return {STAMP_KEY: json.dumps(meta, sort_keys=True)}

    write_parquet(target, query, footer, ROW_GROUP_ROWS)


def handoff_bytes(frame: Frame, stamp: dict[str, str], types: dict | None = None) -> bytes:
    """``frame`` as hand-off bytes (:func:`write_handoff`; ``types``: its own by default)."""
    if not isinstance(frame, (pl.DataFrame, pl.LazyFrame)):
        frame = pl.from_pandas(frame)
    out = io.BytesIO()
    write_handoff(out, frame, types or dict(frame.collect_schema()), stamp)
    return out.getvalue()


def verify_handoff(path: str | Path, types: dict[str, pl.DataType], stamp: dict) -> dict:
    """Check a hand-off's stamp, checksum and columns without reading its rows; its metadata."""
    made_by = MADE_BY
    try:
        meta = pq.read_metadata(path)
        found = json.loads((meta.metadata or {}).get(STAMP_KEY.encode(), b"{}"))
        digest, _ = data_sha256(path)
        names = pq.read_schema(path).names
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise SourceError(str(path), None, made_by, f"{type(exc).__name__}: {exc}") from None
    wanted = {**stamp, "format": FORMAT}
    wrong = {k: found.get(k) for k, v in wanted.items() if found.get(k) != v}
    if wrong:
        raise SourceError(
            str(path), None, f"a hand-off made with {wanted} (rerun clean)", f"{wrong}"
        )
    if names != list(types):
        raise SourceError(str(path), None, f"columns {list(types)}", f"{names} (rerun clean)")
    if found.get("rows") != str(meta.num_rows) or found.get("data_sha256") != digest:
        raise SourceError(
            str(path),
            None,
            f"{made_by}, its content unchanged "
            f"({found.get('rows')} rows, sha256 {found.get('data_sha256')})",
            f"{meta.num_rows} rows whose content differs (rerun clean)",
        )
    return found


def scan_handoff(path: str | Path, types: dict[str, pl.DataType], stamp: dict) -> pl.LazyFrame:
    """A verified hand-off (:func:`verify_handoff`) as a polars LazyFrame of ``types``.

    A column stored in another type than ``types`` gives (a Categorical stored as
    text aside) is cast strictly, checked first on its distinct values only.
    """
    verify_handoff(path, types, stamp)
    try:
        frame = pl.scan_parquet(path)
        stored = frame.collect_schema()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SourceError(str(path), None, MADE_BY, f"{type(exc).__name__}: {exc}") from None
    other = [c for c, t in types.items() if stored[c] != t]
    check = [c for c in other if not isinstance(types[c], pl.Categorical)]
    try:
        if check:
            distinct = frame.select(pl.col(c).unique().implode() for c in check).collect()
            for c in check:
                distinct[c].explode().cast(types[c], strict=True)
    except pl.exceptions.PolarsError as exc:
        raise SourceError(
            str(path),
            None,
            "values of the codebook's types (rerun clean)",
            f"{type(exc).__name__}: {exc}",
        ) from None
    return frame.with_columns(pl.col(c).cast(types[c]) for c in other) if other else frame


def read_handoff(
    path: str | Path, types: dict[str, pl.DataType], stamp: dict[str, str]
) -> pl.DataFrame:
    """Read a hand-off written by :func:`write_handoff`, checking stamp, checksum and types."""
    frame = scan_handoff(path, types, stamp)
    try:
        return frame.collect()
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SourceError(str(path), None, MADE_BY, f"{type(exc).__name__}: {exc}") from None


def as_pandas(frame: pl.DataFrame, categorical: bool = True) -> pd.DataFrame:
    """A hand-off as pandas: codes as categoricals (or text), text as strings, lines as Int64."""
    import pandas as pd
    import pyarrow as pa

    if not categorical:
        frame = frame.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
    mapping = {
        pa.int64(): pd.Int64Dtype(),
        pa.large_string(): pd.StringDtype(),
        pa.string(): pd.StringDtype(),
    }
    return frame.to_arrow().to_pandas(types_mapper=mapping.get)


def stamp(codebook_path: str | Path, kind: str) -> dict[str, str]:
    """What a hand-off was validated against: the codebook's sha256 and the input kind."""
    from helpers.core.files import sha256_file

    return {
        "codebook_sha256": sha256_file(codebook_path),
        "input_kind": kind,
        "validated_by": "clean",
    }


def responses_bytes(
    responses: Frame, book: Codebook, kind: str, codebook_path: str | Path
) -> bytes:
    """Validated respondent rows as hand-off bytes (typed from the codebook, stamped)."""
    return handoff_bytes(responses, stamp(codebook_path, kind), response_types(book, kind))


def free_text_bytes(free_text: Frame, kind: str, codebook_path: str | Path) -> bytes:
    """Validated free-text answers as hand-off bytes."""
    return handoff_bytes(free_text, stamp(codebook_path, kind), FREE_TEXT_TYPES)


def responses_sink(
    responses: Frame, book: Codebook, kind: str, codebook_path: str | Path
) -> Callable[[Path], None]:
    """A writer of the respondent rows' hand-off to a path (an output the stage stages)."""
    types, mark = response_types(book, kind), stamp(codebook_path, kind)
    return lambda path: write_handoff(path, responses, types, mark)


def kept_responses(
    book: Codebook, kind: str, codebook_path: str | Path, path: Path
) -> tuple[Callable[[pl.LazyFrame], pl.LazyFrame], Callable[[Path], None]]:
    """Clean's rows kept once, as the hand-off itself: a keeper and the output's writer.

    The keeper streams the mapped rows into the hand-off at ``path`` (a scratch
    file) and scans it back verified; the later passes (counts, checks,
    ``responses.csv``) read that file, and the output is a copy of its bytes
    (:func:`write_handoff` on the same rows would write the same bytes): the
    rows are encoded once, not once per file.
    """
    types, mark = response_types(book, kind), stamp(codebook_path, kind)

    def keep(rows: pl.LazyFrame) -> pl.LazyFrame:
        write_handoff(path, rows, types, mark)
        return scan_handoff(path, types, mark)

    def copy(target: Path) -> None:
        shutil.copyfile(path, target)

    return keep, copy


def free_text_sink(
    free_text: Frame, kind: str, codebook_path: str | Path
) -> Callable[[Path], None]:
    """A writer of the free-text answers' hand-off to a path."""
    mark = stamp(codebook_path, kind)
    return lambda path: write_handoff(path, free_text, FREE_TEXT_TYPES, mark)


def scan_responses(
    path: str | Path, book: Codebook, kind: str, codebook_path: str | Path
) -> pl.LazyFrame:
    """The respondent rows clean validated, verified, as a polars LazyFrame."""
    return scan_handoff(path, response_types(book, kind), stamp(codebook_path, kind))


def read_responses(
    path: str | Path, book: Codebook, kind: str, codebook_path: str | Path
) -> pl.DataFrame:
    """The respondent rows clean validated, as polars (checksums, stamp and types checked)."""
    return read_handoff(path, response_types(book, kind), stamp(codebook_path, kind))


def scan_free_text(path: str | Path, kind: str, codebook_path: str | Path) -> pl.LazyFrame:
    """The free-text answers clean validated, verified, as a polars LazyFrame."""
    return scan_handoff(path, FREE_TEXT_TYPES, stamp(codebook_path, kind))


def read_free_text(path: str | Path, kind: str, codebook_path: str | Path) -> pl.DataFrame:
    """The free-text answers clean validated, as polars."""
    return read_handoff(path, FREE_TEXT_TYPES, stamp(codebook_path, kind))
