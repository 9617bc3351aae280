"""Codes compare by value: ``"6"``, ``"6.0"``, ``" 6 "`` and ``6`` are one code.

Survey tools store the same code in different spellings: the documentation says
``6 - Strong Republican``, a CSV written from a float column holds ``6.0``,
a fixed-width one `` 6``. When both sides are numbers they are compared as
numbers; otherwise as text, with surrounding spaces ignored. The codebook's own
spelling is the code the pipeline writes.
"""

from __future__ import annotations

import re
from decimal import Decimal

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def code_key(value: object) -> str:
    """The key two spellings of one code share: a number's value, else the stripped text."""
    text = str(value).strip()
    if NUMBER.fullmatch(text):
        number = Decimal(text)
        if number == 0:
            return "0"
        # normalize() drops trailing zeros ("6.50" -> "6.5"); format without exponent
        return format(number.normalize(), "f")
    return text


def code_index(codes: list[str] | tuple[str, ...]) -> dict[str, str]:
    """{key: the codebook's spelling} of a list of codes (keys are unique: checked on load)."""
    return {code_key(c): c for c in codes}
