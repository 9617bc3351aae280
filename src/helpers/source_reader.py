"""Read the source document: decode it strictly, check its recorded sha256."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.project import sha256_file
from helpers.source_errors import SourceError
from helpers.source_parser import split_lines


@dataclass(frozen=True)
class SourceText:
    """The decoded document and facts about the file it came from."""

    path: str
    text: str
    sha256: str
    size: int
    encoding: str
    had_bom: bool


# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)  # fmt: skip


def line_at(data: bytes, offset: int) -> int:
    """Return the 1-based line holding byte ``offset`` (LF, CRLF or CR end a line)."""
    head = data[:offset]
    return head.count(b"\n") + head.replace(b"\r\n", b"").count(b"\r") + 1


def decode(data: bytes, encoding: str, path: str) -> tuple[str, bool]:
    """Decode bytes strictly; a UTF-8 BOM is dropped. Errors name the line and byte offset.

    Refused as well: a byte-order mark of another encoding than the configured
    one, and a file that is valid UTF-8 (with non-ASCII bytes) read with an
    8-bit encoding such as cp1252, which would silently garble every accent.
    """
    expected = f"text encoded as {encoding} (params.yaml: source_encoding)"
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise SourceError(path, None, "a known encoding name in source_encoding",
                          f"{encoding!r}") from None  # fmt: skip
    for mark, family in _BOMS:
        if data.startswith(mark):
            if not codec.startswith(family):
                raise SourceError(path, 1, expected, f"a {family.upper()} byte-order mark "
                                  f"(bytes {mark.hex(' ')}) at byte offset 0; set "
                                  f"source_encoding to {family}")  # fmt: skip
            break
    if not codec.startswith("utf") and not data.isascii():
        try:
            as_utf8 = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            offset = next(i for i, b in enumerate(data) if b >= 0x80)
            char = next(c for c in as_utf8 if ord(c) >= 0x80)
            garbled = char.encode("utf-8").decode(encoding, errors="replace")
            raise SourceError(path, line_at(data, offset), expected,
                              f"text that is valid UTF-8 (first non-ASCII byte "
                              f"0x{data[offset]:02x} at byte offset {offset}); read as "
                              f"{encoding}, {char!r} would become {garbled!r}: set "
                              "source_encoding to utf-8")  # fmt: skip
    bom = codec in {"utf-8", "utf-8-sig"} and data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    try:
        text = body.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(codecs.BOM_UTF8) if bom else 0)
        other = "cp1252" if codec.startswith("utf") else "utf-8"
        raise SourceError(
            path, line_at(data, offset), expected,
            f"byte 0x{data[offset]:02x} at byte offset {offset} that is not valid {encoding}; "
            "if the file was re-saved in another encoding, set source_encoding to it "
            f"(e.g. {other})",
        ) from None
    return text, bom


def recorded_sha256(path: Path) -> str | None:
    """The sha256 that SHA256SUMS beside the file records for it, if any."""
    sums = path.parent / "SHA256SUMS"
    if not sums.is_file():
        return None
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name.strip() == path.name:
            return digest.strip()
    return None


def read_source(path: str | Path, encoding: str = "utf-8") -> SourceText:
    """Read and decode the source; refuse an empty file or one that differs from its sha256."""
    p = Path(path)
    if not p.is_file():
        raise SourceError(str(path), None, "an existing file (params.yaml: source_report)",
                          "no such file")  # fmt: skip
    data = p.read_bytes()
    if not data.strip():
        raise SourceError(str(path), None, "the survey summary document", "an empty file")
    digest = sha256_file(p)
    recorded = recorded_sha256(p)
    if recorded is not None and recorded != digest:
        raise SourceError(str(path), None, f"sha256 {recorded} as recorded in "
                          f"{p.parent / 'SHA256SUMS'}", f"sha256 {digest}: the raw file was "
                          "changed; raw data must stay verbatim")  # fmt: skip
    text, bom = decode(data, encoding, str(path))
    return SourceText(str(path), text, digest, len(data), encoding, bom)


def source_info(source: SourceText, lines_classified: int) -> dict[str, Any]:
    """Path, sha256, size and encoding of the source that was read."""
    return {
        "path": source.path,
        "sha256": source.sha256,
        "bytes": source.size,
        "encoding": source.encoding,
        "utf8_bom": source.had_bom,
        "lines_total": len(split_lines(source.text)),
        "lines_classified": lines_classified,
    }
