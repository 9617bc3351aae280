"""An SPSS .sav's layout from its header and dictionary records, and whether its data are whole.

Read from the bytes (readstat reads a cut file as the whole cases before the cut),
so that a truncated file is refused at the case where it breaks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from helpers.core.errors import SourceError


@dataclass(frozen=True)
class SavLayout:
    """What a .sav's header and dictionary say of its data (``sav_layout``)."""

    compression: int  # 0: none, 1: bytecode (.sav), 2: zlib (.zsav)
    cases: int  # the header's case count; -1 when it gives none
    values: int  # 8-byte values per case
    data_start: int  # byte offset of the data
    bias: float
    encoding: str | None  # the character-encoding record (extension 20), if any
    largest_label_set: int  # labels of the largest value-label set
    endian: str


def sav_layout(data: bytes) -> SavLayout | None:
    """Parse a .sav's header and dictionary records; None when they do not parse."""
    if data[:4] not in (b"$FL2", b"$FL3"):
        return None
    try:
        return _sav_layout(data)
    except (struct.error, IndexError, ValueError):
        return None  # damaged: readstat will say how


def _sav_layout(data: bytes) -> SavLayout:
    """Walk the dictionary's records (types 2, 3, 4, 6, 7) to the end marker (999)."""
    e = "<" if struct.unpack_from("<i", data, 64)[0] in (2, 3) else ">"
    _, _, compression, _, cases = struct.unpack_from(e + "5i", data, 64)
    (bias,) = struct.unpack_from(e + "d", data, 84)
    pos, values, largest, encoding = 176, 0, 0, None

    def ints(n: int) -> tuple[int, ...]:
        return struct.unpack_from(f"{e}{n}i", data, pos)

    while True:
        (record,) = ints(1)
        pos += 4
        if record == 2:  # a variable (or a long string's continuation): one 8-byte value
            _, has_label, n_missing = ints(3)
            pos += 28
            values += 1
            if has_label:
                pos += 4 + (ints(1)[0] + 3) // 4 * 4
            pos += abs(n_missing) * 8
        elif record == 3:  # a value-label set
            (n,) = ints(1)
            pos += 4
            largest = max(largest, n)
            for _ in range(n):
                pos += 8 + (data[pos + 8] + 8) // 8 * 8
        elif record == 4:
            pos += 4 + 4 * ints(1)[0]
        elif record == 6:
            pos += 4 + 80 * ints(1)[0]
        elif record == 7:
            subtype, size, count = ints(3)
            pos += 12
            if subtype == 20:
                encoding = data[pos : pos + size * count].decode("ascii", "replace").strip()
            pos += size * count
        elif record == 999:
            pos += 4
            break
        else:
            raise ValueError(f"record type {record} at byte {pos - 4}")
        if pos > len(data):
            raise ValueError("the dictionary runs past the end of the file")
    return SavLayout(compression, cases, values, pos, bias, encoding or None, largest, e)


def _bytecode_values(data: bytes, start: int) -> tuple[int, bool]:
    """The 8-byte values bytecode-compressed data hold, and whether they end cut short.

    Blocks of eight codes: 0 is padding, 1-251 a number, 252 the end of the data,
    253 a value stored uncompressed after the block, 254 spaces, 255 missing.
    """
    pos, end, values = start, len(data), 0
    while pos < end:
        block = data[pos : pos + 8]
        pos += 8
        if len(block) < 8:
            return values, True
        stop = block.find(b"\xfc")
        codes = block if stop < 0 else block[:stop]
        raw = codes.count(b"\xfd")
        if pos + 8 * raw > end:  # cut inside the values stored after the block
            have, n = (end - pos) // 8, 0
            for code in codes:
                if code == 253:
                    if have == 0:
                        break
                    have -= 1
                n += code != 0
            return values + n, True
        values += len(codes) - codes.count(b"\x00")
        pos += 8 * raw
        if stop >= 0:
            return values, False
    return values, False


def check_sav_whole(path: str, data: bytes, layout: SavLayout | None) -> None:
    """Refuse a .sav or .zsav whose data end before its dictionary and header say they do."""
    if layout is None or layout.values == 0:
        return
    header = (
        f"{layout.cases} cases (the file's header)"
        if layout.cases >= 0
        else "whole cases (the file's header gives no case count)"
    )
    if layout.compression == 2:
        trailer, size = struct.unpack_from(layout.endian + "2q", data, layout.data_start + 8)
        if len(data) < trailer + size:
            raise SourceError(
                path,
                None,
                f"{header}, compressed to byte {trailer + size}",
                f"a file of {len(data)} bytes: it is truncated",
            )
        return
    if layout.compression == 1:
        values, cut = _bytecode_values(data, layout.data_start)
    else:
        values, rest = divmod(len(data) - layout.data_start, 8)
        cut = rest != 0
    whole, partial = divmod(values, layout.values)
    if cut or partial:
        raise SourceError(
            path,
            whole + 1,
            header,
            f"the file ends inside case {whole + 1}, "
            f"after {whole} whole cases: it is truncated (an interrupted copy "
            "or download?); export it again",
        )
    if whole < layout.cases:
        raise SourceError(
            path,
            whole + 1,
            header,
            f"the file ends after case {whole}: it is "
            "truncated (an interrupted copy or download?); export it "
            "again",
        )
