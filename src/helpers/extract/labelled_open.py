"""A labelled export (.sav, .zsav, .dta) opened and checked, never held in memory.

Its kind, encoding and dictionary are checked and its data must be whole.

The header and dictionary walk (helpers.extract.sav_layout) and the whole-file check
read a read-only memory map (file-backed pages the kernel can drop, not a copy); the
sha256 is computed in blocks (:func:`digest`). Readstat's errors are told as what they
mean (:func:`refusal`).
"""

from __future__ import annotations

import codecs
import hashlib
import mmap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.core.errors import SourceError
from helpers.extract.export import _head, data_file_kind
from helpers.extract.sav_layout import SavLayout, check_sav_whole, sav_layout

FORMATS = {"respondent_sav": "an SPSS .sav file", "respondent_dta": "a Stata .dta file"}


def reader(kind: str) -> Callable[..., Any]:
    """Pyreadstat's reader of ``kind`` (respondent_sav or respondent_dta)."""
    import pyreadstat

    if kind not in FORMATS:
        raise ValueError(f"not a labelled input kind: {kind!r} (one of {sorted(FORMATS)})")
    return pyreadstat.read_sav if kind == "respondent_sav" else pyreadstat.read_dta


@dataclass(frozen=True)
class Opened:
    """A labelled export checked by :func:`open_checked`: what reading its cases needs."""

    head: bytes  # the file's first bytes (what kind of file, which Stata format)
    layout: SavLayout | None  # a .sav's header and dictionary
    meta: Any
    iconv: str | None  # the encoding handed to readstat
    # A bytecode .sav opened with ``every``: (case, byte) where chunks may start, and
    # the header and dictionary (helpers.extract.sav_layout.SplicedSav); else empty.
    starts: tuple[tuple[int, int], ...] = ()
    dictionary: bytes = b""


@contextmanager
def _mapped(path: str | Path) -> Iterator[bytes | mmap.mmap]:
    """The file as a read-only memory map: file-backed pages, not a copy in memory."""
    _head(path)  # a missing file: the usual error
    with open(path, "rb") as fh:
        if not fh.seek(0, 2):
            yield b""  # an empty file cannot be mapped
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def digest(path: str | Path) -> tuple[str, int]:
    """The file's sha256 and size, read in blocks."""
    with open(path, "rb") as fh:
        hashed = hashlib.file_digest(fh, "sha256")
        return hashed.hexdigest(), fh.tell()


def open_checked(path: str | Path, kind: str, encoding: str | None, every: int = 0) -> Opened:
    """The file of ``kind`` opened: kind, encoding, dictionary and wholeness checked.

    ``every`` > 0 (cases): a bytecode .sav's chunk starts are found on the way
    (:func:`helpers.extract.sav_layout.check_sav_whole`).
    """
    with _mapped(path) as data:
        return _open_mapped(path, kind, encoding, data, every)


def _open_mapped(
    path: str | Path, kind: str, encoding: str | None, data: bytes | mmap.mmap, every: int
) -> Opened:
    head = bytes(data[:64])
    found = data_file_kind(head)
    if kind not in FORMATS:
        reader(kind)  # the usual ValueError
    if found and found[1] != kind:
        raise SourceError(
            str(path),
            None,
            f"{FORMATS[kind]} (input_kind: {kind})",
            f"{found[0]}: set input_kind: {found[1]} in params.yaml",
        )
    layout = sav_layout(data) if kind == "respondent_sav" else None
    iconv = _encoding(path, kind, head, layout, encoding)
    try:
        _, meta = reader(kind)(str(path), metadataonly=True, encoding=iconv)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        reading = "its dictionary (variables, labels)"
        raise refusal(exc, path, kind, head, layout, iconv, reading) from None
    starts = check_whole(path, kind, data, meta, layout, iconv, every)
    if not starts:
        return Opened(head, layout, meta, iconv)
    return Opened(head, layout, meta, iconv, tuple(starts), bytes(data[: layout.data_start]))


# readstat refuses any single allocation above this (MAX_MALLOC_SIZE in readstat_malloc.c):
# a guard against damaged files, which a large value-label set also reaches.
READSTAT_ALLOCATION_LIMIT = "16 MiB"


def refusal(
    exc: Exception,
    path: str | Path,
    kind: str,
    head: bytes,
    layout: SavLayout | None,
    iconv: str | None,
    reading: str,
) -> SourceError:
    """Readstat's error told as what it means: truncation, encoding, a limit, or not a file.

    ``head``: the file's first bytes; ``layout``: a .sav's (:func:`sav_layout`).
    """
    said = f"{type(exc).__name__}: {exc}"
    text = str(exc)
    path = str(path)
    if data_file_kind(head[:16]) is None:  # it does not begin as such a file
        return SourceError(path, None, FORMATS[kind], said)
    if "expected number of rows" in text or "Unable to read from file" in text:
        cases = _header_cases(layout)
        return SourceError(
            path,
            None,
            f"{FORMATS[kind]} whole to its end ({cases})",
            f"the file ends before its data do ({said}): it is truncated (an "
            "interrupted copy or download?); export it again",
        )
    if "Unable to convert string" in text or "unsupported character set" in text:
        return SourceError(
            path,
            None,
            f"text encoded as {iconv or 'the file says'} (params.yaml: surveys.<id>.encoding)",
            f"{said}: set encoding to the file's text encoding (e.g. cp1252, utf-8)",
        )
    if "allocate memory" in text:
        largest = ""
        if layout and layout.largest_label_set:
            largest = f"; its largest value-label set has {layout.largest_label_set:,} labels"
        return SourceError(
            path,
            None,
            "a file readstat can read within its memory limit "
            f"({READSTAT_ALLOCATION_LIMIT} per allocation)",
            f"{said} while reading {reading}{largest}: a limit of the reader, "
            "not a damaged file or a wrong type; export the file with fewer "
            "value labels (or none) on that variable",
        )
    return SourceError(path, None, FORMATS[kind], said)


def _header_cases(layout: SavLayout | None) -> str:
    if layout and layout.cases >= 0:
        return f"{layout.cases} cases, as its header says"
    return "as its header describes it"


def _iconv_name(encoding: str) -> str:
    """Python's name of an encoding as readstat's iconv knows it."""
    name = codecs.lookup(encoding).name
    return {"mac-roman": "MACINTOSH", "utf-8-sig": "UTF-8"}.get(name, name.upper())


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _encoding(
    path: str | Path, kind: str, head: bytes, layout: SavLayout | None, encoding: str | None
) -> str | None:
    """The encoding readstat is to read with: params.yaml's, unless the file names another.

    A .sav's character-encoding record (extension record 20), and a Stata 14+ file
    (format 118, 119: UTF-8 by definition), name their encoding: one that is not
    params.yaml's is refused. A file that names none (an older .sav, a Stata file
    before 118) is read with params.yaml's.
    """
    if encoding is None:
        return None
    expected = f"text encoded as {encoding} (params.yaml: surveys.<id>.encoding)"
    want = _codec(encoding)
    if layout and layout.encoding and _codec(layout.encoding) != want:
        raise SourceError(
            str(path),
            None,
            expected,
            f"a file whose character-encoding record "
            f"says {layout.encoding}: set encoding: {_codec(layout.encoding)} "
            "in params.yaml",
        )
    if (
        kind == "respondent_dta"
        and head.startswith(b"<stata_dta><header><release>11")
        and head[30:32] in (b"8<", b"9<")
        and want != "utf-8"
    ):
        raise SourceError(
            str(path),
            None,
            expected,
            f"a Stata .dta file of format "
            f"11{head[30:31].decode()}, whose text is UTF-8 by definition: set "
            "encoding: utf-8 in params.yaml",
        )
    return _iconv_name(encoding)


def check_whole(
    path: str | Path,
    kind: str,
    data: bytes | mmap.mmap,
    meta: Any,
    layout: SavLayout | None = None,
    iconv: str | None = None,
    every: int = 0,
) -> list[tuple[int, int]]:
    """Refuse a file that ends before its data do, naming the case where it breaks.

    A .sav's data are measured against its dictionary (values per case; bytecode
    walked block by block), so a file cut inside a case is refused even when its
    header gives no case count (-1), which readstat would read as the whole cases
    before the cut; a .zsav against the end of the data its header points to; a
    .dta by reading its last case (readstat seeks there). ``data``: the file's bytes,
    or a memory map of them (:func:`_mapped`). Returns a bytecode .sav's chunk starts
    when ``every`` > 0 (:func:`helpers.extract.sav_layout.check_sav_whole`), else ``[]``.
    """
    path = str(path)
    if kind == "respondent_dta":
        n = int(meta.number_rows or 0)
        if n:
            try:
                reader(kind)(
                    path,
                    row_offset=n - 1,
                    row_limit=1,
                    encoding=iconv,
                    usecols=list(meta.column_names)[:1],
                )
            except Exception as exc:
                raise refusal(
                    exc, path, kind, bytes(data[:64]), layout, iconv, "its last case"
                ) from None
        return []
    return check_sav_whole(path, data, layout or sav_layout(data), every)
