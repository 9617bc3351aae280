"""An SPSS .sav's layout from its header and dictionary records, and whether its data are whole.

Read from the bytes (readstat reads a cut file as the whole cases before the cut),
so that a truncated file is refused at the case where it breaks.
"""

from __future__ import annotations

import io
import mmap
import struct
from dataclasses import dataclass
from typing import BinaryIO

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


def _bytecode_values(
    data: bytes, start: int, starts: list[tuple[int, int]], every: int = 0, per_case: int = 1
) -> tuple[int, bool]:
    """The 8-byte values bytecode-compressed data hold, and whether they end cut short.

    Blocks of eight codes: 0 is padding, 1-251 a number, 252 the end of the data,
    253 a value stored uncompressed after the block, 254 spaces, 255 missing.
    ``every`` > 0: ``starts`` gets (case, byte) of cases (``per_case`` values each) that
    begin a block, at least ``every`` cases apart after the first, (0, ``start``).
    """
    pos, end, values = start, len(data), 0
    every *= per_case
    target = 0 if every else 8 * end + 1  # the values at which the next start is looked for
    walked = _Walked(data)
    while pos < end:
        if values >= target and values % per_case == 0:  # a case begins this block
            starts.append((values // per_case, pos))
            target = values + every
        if pos >= walked.next:
            walked.release(pos)
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


class _Walked:
    """Pages of a memory map already walked, handed back: resident memory stays a block.

    A read-only file mapping's pages are the file's (the page cache keeps them);
    ``MADV_DONTNEED`` takes them out of this process's resident set as it walks on.
    """

    BLOCK = 64 * 2**20

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self.data, self.done = data, 0
        self.next = self.BLOCK if isinstance(data, mmap.mmap) else len(data) + 1

    def release(self, pos: int) -> None:
        """Hand back the whole pages before ``pos``."""
        upto = pos - pos % mmap.PAGESIZE
        self.data.madvise(mmap.MADV_DONTNEED, self.done, upto - self.done)
        self.done, self.next = upto, pos + self.BLOCK


def check_sav_whole(
    path: str, data: bytes, layout: SavLayout | None, every: int = 0
) -> list[tuple[int, int]]:
    """Refuse a .sav or .zsav whose data end before its dictionary and header say they do.

    ``every`` (cases): for bytecode-compressed data, also return where to start reading
    chunks of at least that many cases: (case, byte) of each case that begins a block
    of codes, the first at (0, the data's start) (:class:`SplicedSav`); else ``[]``.
    """
    if layout is None or layout.values == 0:
        return []
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
        return []
    starts: list[tuple[int, int]] = []
    if layout.compression == 1:
        values, cut = _bytecode_values(data, layout.data_start, starts, every, layout.values)
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
    return [s for s in starts if s[0] < whole]  # not the end of the data


class SplicedSav(io.RawIOBase):
    """A bytecode .sav as if it began at one of its cases: for readstat, no case to skip.

    Its header and dictionary (``dictionary``: the file's first ``layout.data_start``
    bytes), the header's case count ``cases`` (0: the cases left; -1 stays -1), then
    the data of ``fh`` from byte ``start``, where case ``case`` (0 for the first) begins
    a block of codes (:func:`check_sav_whole`'s ``every``). Readstat reaches a case by decoding
    every case before it; a chunk read from here decodes only its own.
    """

    def __init__(
        self,
        fh: BinaryIO,
        layout: SavLayout,
        dictionary: bytes,
        case: int,
        start: int,
        cases: int = 0,
    ) -> None:
        super().__init__()
        head = bytearray(dictionary[: layout.data_start])
        left = layout.cases - case if layout.cases >= 0 else -1
        struct.pack_into(layout.endian + "i", head, 80, cases or left)
        self._head, self._fh, self._start, self._pos = bytes(head), fh, start, 0
        self._size = len(head) + fh.seek(0, io.SEEK_END) - start

    def readable(self) -> bool:
        """Readable."""
        return True

    def seekable(self) -> bool:
        """Seekable."""
        return True

    def tell(self) -> int:
        """The position."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` from ``whence``; the new position."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill ``buffer`` from the position; the bytes read (0 at the end)."""
        view, n = memoryview(buffer).cast("B"), 0
        if self._pos < len(self._head):
            part = self._head[self._pos : self._pos + len(view)]
            view[: len(part)] = part
            n = len(part)
        if n < len(view):
            self._fh.seek(self._start + self._pos + n - len(self._head))
            n += self._fh.readinto(view[n:]) or 0
        self._pos += n
        return n
