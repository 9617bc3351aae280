"""An export's bytes read once, in blocks: hashed, decoded strictly, lines counted.

Memory holds one block (``BLOCK_BYTES``), whatever the file's size. The faults
refused, and their messages, are those of :func:`helpers.core.text.decode`, which
reads a whole file at once: a byte-order mark of another encoding, a valid UTF-8
file read with an 8-bit encoding, and a byte that is not valid in the encoding,
named by its physical line (LF, CRLF or a lone CR end one) and byte offset.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from helpers.core.errors import SourceError
from helpers.core.text import check_bom, codec_name

BLOCK_BYTES = 1 << 24


@dataclass(frozen=True)
class TextFacts:
    """What one pass over an export's bytes found."""

    sha256: str
    size: int
    newlines: int  # LF bytes (a CRLF counts once)
    first_line: str  # the first line, decoded (byte-order mark removed)
    head: bytes  # the file's first bytes (for its kind)


@dataclass
class _Pass:
    """The running state of a pass: where it is, and the first fault of each kind."""

    offset: int = 0  # bytes read so far
    lines_before: int = 0  # line breaks (LF, CRLF, lone CR) before ``offset``
    newlines: int = 0
    first_line: str = ""
    first_done: bool = False
    bad: tuple[int, int, int] | None = None  # first undecodable byte: offset, line, value
    non_ascii: tuple[int, int, bytes] | None = None  # first byte >= 0x80: offset, line, bytes
    utf8_ok: bool = True


def _line_of(block: bytes, at: int, before: int) -> int:
    """The line of byte ``at`` of ``block``, ``before`` line breaks preceding the block."""
    head = block[:at]
    return before + head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def read_text(
    path: str | Path, encoding: str, out: BinaryIO | None = None, block: int = BLOCK_BYTES
) -> TextFacts:
    """Hash and strictly decode the file in blocks; write it as UTF-8 to ``out`` if given."""
    name = str(path)
    expected = f"text encoded as {encoding} (params.yaml: surveys.<id>.encoding)"
    codec = codec_name(encoding, name)
    eight_bit = not codec.startswith("utf")
    sha, state = hashlib.sha256(), _Pass()
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="strict")
    with open(path, "rb") as fh:
        head = fh.read(16)
        skip = check_bom(head, codec, expected, name)
        fh.seek(0)
        data = fh.read(block)
        while data:
            if data.endswith(b"\r"):  # keep a CRLF in one block
                data += fh.read(1)
            sha.update(data)
            cut = min(skip, len(data))  # the part of a UTF-8 byte-order mark in this block
            _block(data, cut, state, decoder, utf8 if eight_bit else None, out)
            state.offset += len(data)
            state.lines_before += data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
            state.newlines += data.count(b"\n")
            skip, data = skip - cut, fh.read(block)
        _block(b"", 0, state, decoder, utf8 if eight_bit else None, out, final=True)
    _raise_first(state, encoding, expected, name)
    return TextFacts(sha.hexdigest(), state.offset, state.newlines, state.first_line, head)


def _block(
    data: bytes,
    skip: int,
    state: _Pass,
    decoder: codecs.IncrementalDecoder,
    utf8: codecs.IncrementalDecoder | None,
    out: BinaryIO | None,
    final: bool = False,
) -> None:
    """Decode one block (its first ``skip`` bytes are a byte-order mark); note the faults."""
    if utf8 is not None and state.utf8_ok:
        _note_utf8(data, state, utf8, final)
    if state.bad is not None:
        return
    pending = len(decoder.getstate()[0])
    try:
        text = decoder.decode(data[skip:], final)
    except UnicodeDecodeError as exc:
        at = skip + exc.start - pending  # in ``data``; negative: in the previous block
        value = exc.object[exc.start]
        line = _line_of(data, at, state.lines_before) if at >= 0 else state.lines_before + 1
        state.bad = (state.offset + at, line, value)
        return
    if not state.first_done:
        state.first_line += text.partition("\n")[0]
        state.first_done = "\n" in text or final
    if out is not None and text:
        out.write(text.encode("utf-8"))


def _note_utf8(data: bytes, state: _Pass, utf8: codecs.IncrementalDecoder, final: bool) -> None:
    """For an 8-bit encoding: whether the file is valid UTF-8, and its first non-ASCII byte."""
    try:
        utf8.decode(data, final)
    except UnicodeDecodeError:
        state.utf8_ok = False
        return
    if state.non_ascii is None and not data.isascii():
        at = next(i for i, b in enumerate(data) if b >= 0x80)
        line = _line_of(data, at, state.lines_before)
        state.non_ascii = (state.offset + at, line, data[at : at + 4])
    elif state.non_ascii is not None and len(state.non_ascii[2]) < 4:  # a character cut
        offset, line, rest = state.non_ascii
        state.non_ascii = (offset, line, rest + data[: 4 - len(rest)])


def _raise_first(state: _Pass, encoding: str, expected: str, path: str) -> None:
    """Raise the fault :func:`helpers.core.text.decode` would have raised first, if any."""
    if state.utf8_ok and state.non_ascii is not None:
        offset, line, rest = state.non_ascii
        char = rest[:4].decode("utf-8", errors="ignore")[:1]
        garbled = char.encode("utf-8").decode(encoding, errors="replace")
        raise SourceError(
            path,
            line,
            expected,
            f"text that is valid UTF-8 (first non-ASCII byte "
            f"0x{rest[0]:02x} at byte offset {offset}); read as "
            f"{encoding}, {char!r} would become {garbled!r}: set "
            "encoding to utf-8",
        )
    if state.bad is not None:
        offset, line, value = state.bad
        other = "cp1252" if codecs.lookup(encoding).name.startswith("utf") else "utf-8"
        raise SourceError(
            path,
            line,
            expected,
            f"byte 0x{value:02x} at byte offset {offset} that is not valid {encoding}; "
            "if the file was re-saved in another encoding, set encoding to it "
            f"(e.g. {other})",
        )
