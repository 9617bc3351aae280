"""Text: decoded strictly, split into the lines an editor shows, and compared by its words."""

from __future__ import annotations

import codecs
import re
import unicodedata

from helpers.core.errors import SourceError

# Byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def codec_name(encoding: str, path: str) -> str:
    """The codec's canonical name, or a stop naming surveys.<id>.encoding."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise SourceError(
            path, None, "a known encoding name in surveys.<id>.encoding", f"{encoding!r}"
        ) from None


def check_bom(head: bytes, codec: str, expected: str, path: str) -> int:
    """Refuse another encoding's byte-order mark; the length of a UTF-8 one to skip (or 0)."""
    for mark, family in _BOMS:
        if head.startswith(mark):
            if not codec.startswith(family):
                raise SourceError(
                    path,
                    1,
                    expected,
                    f"a {family.upper()} byte-order mark "
                    f"(bytes {mark.hex(' ')}) at byte offset 0; set "
                    f"encoding to {family}",
                )
            break
    utf8 = codec in {"utf-8", "utf-8-sig"} and head.startswith(codecs.BOM_UTF8)
    return len(codecs.BOM_UTF8) if utf8 else 0


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
    expected = f"text encoded as {encoding} (params.yaml: surveys.<id>.encoding)"
    codec = codec_name(encoding, path)
    check_bom(data[:4], codec, expected, path)
    if not codec.startswith("utf") and not data.isascii():
        try:
            as_utf8 = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            offset = next(i for i, b in enumerate(data) if b >= 0x80)
            char = next(c for c in as_utf8 if ord(c) >= 0x80)
            garbled = char.encode("utf-8").decode(encoding, errors="replace")
            raise SourceError(
                path,
                line_at(data, offset),
                expected,
                f"text that is valid UTF-8 (first non-ASCII byte "
                f"0x{data[offset]:02x} at byte offset {offset}); read as "
                f"{encoding}, {char!r} would become {garbled!r}: set "
                "encoding to utf-8",
            )
    bom = codec in {"utf-8", "utf-8-sig"} and data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = body.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(codecs.BOM_UTF8) if bom else 0)
        other = "cp1252" if codec.startswith("utf") else "utf-8"
        raise SourceError(
            path,
            line_at(data, offset),
            expected,
            f"byte 0x{data[offset]:02x} at byte offset {offset} that is not valid {encoding}; "
            "if the file was re-saved in another encoding, set encoding to it "
            f"(e.g. {other})",
        ) from None
    return text, bom


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR only, so line numbers are those an editor shows.

    (``str.splitlines`` also breaks at form feeds, U+2028 and other separators,
    which would shift every later line number.)
    """
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def normalize_text(text: str) -> str:
    """Case-fold, straighten quotes, drop a trailing colon and collapse spaces."""
    text = unicodedata.normalize("NFC", text)
    for curly, straight in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(curly, straight)
    text = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
    return text.casefold()


def name_key(name: str) -> str:
    """Key that identifies an organization name across lists (accents, case, spacing)."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = re.sub(r"[^\w\s]", " ", stripped.casefold())
    return re.sub(r"\s+", " ", stripped).strip()


def slug(text: str) -> str:
    """Lower-case ASCII identifier: 'El Salvador' -> 'el_salvador'."""
    return name_key(text).replace(" ", "_")
