"""Read the source document: decode it strictly, check its recorded sha256."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.core.errors import SourceError
from helpers.core.files import sha256_file
from helpers.core.text import decode, split_lines


@dataclass(frozen=True)
class SourceText:
    """The decoded document and facts about the file it came from."""

    path: str
    text: str
    sha256: str
    size: int
    encoding: str
    had_bom: bool


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
        raise SourceError(
            str(path), None, "an existing file (params.yaml: surveys.<id>.source)", "no such file"
        )
    data = p.read_bytes()
    if not data.strip():
        raise SourceError(str(path), None, "the survey summary document", "an empty file")
    digest = sha256_file(p)
    recorded = recorded_sha256(p)
    if recorded is not None and recorded != digest:
        raise SourceError(
            str(path),
            None,
            f"sha256 {recorded} as recorded in {p.parent / 'SHA256SUMS'}",
            f"sha256 {digest}: the raw file was changed; raw data must stay verbatim",
        )
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
