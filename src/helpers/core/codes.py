"""Codes compare by value: ``"6"``, ``"6.0"``, ``" 6 "`` and ``6`` are one code.

Survey tools store the same code in different spellings: the documentation says
``6 - Strong Republican``, a CSV written from a float column holds ``6.0``,
a fixed-width one `` 6``. When both sides are numbers they are compared as
numbers; otherwise as text, with surrounding spaces ignored. The codebook's own
spelling is the code the pipeline writes.

A number's key is computed from its digits as text, never by expanding it: the
plain decimal form (``"6"``, ``"6.5"``, ``"0.001"``) while it has at most
``PLAIN_KEY_DIGITS`` digits, else ``<digits>e<exponent>`` (``"1e1000000"``), so that
a hostile cell (``1e999999``, ``1e1000000``) costs a few bytes and no
``decimal.Overflow``. An exponent longer than ``MAX_EXPONENT_DIGITS`` digits is no
number anyone codes: such a cell compares as text.
"""

from __future__ import annotations

import re

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PARTS = re.compile(r"([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?")
PLAIN_KEY_DIGITS = 64  # longest key written in plain decimal form
MAX_EXPONENT_DIGITS = 18  # an exponent longer than this: the cell compares as text


def code_key(value: object) -> str:
    """The key two spellings of one code share: a number's value, else the stripped text.

    Equal numbers share one key and unequal ones never do, whatever their size: the
    key is built from the significant digits and the exponent, with no arithmetic on
    the value (see the module's docstring).
    """
    text = str(value).strip()
    if not NUMBER.fullmatch(text):
        return text
    sign, whole, fraction, exponent = _PARTS.fullmatch(text).groups()  # type: ignore[union-attr]
    exponent = (exponent or "0").lstrip("+")
    if len(exponent.lstrip("-").lstrip("0")) > MAX_EXPONENT_DIGITS:
        return text
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return "0"
    stripped = digits.rstrip("0")
    # value = sign * int(stripped) * 10 ** power
    power = int(exponent) - len(fraction) + (len(digits) - len(stripped))
    sign = "-" if sign == "-" else ""
    if power >= 0:
        if len(stripped) + power <= PLAIN_KEY_DIGITS:
            return sign + stripped + "0" * power
    elif max(len(stripped), -power) + 2 <= PLAIN_KEY_DIGITS:
        body = stripped.rjust(-power, "0")
        return f"{sign}{body[:power] or '0'}.{body[power:]}"
    return f"{sign}{stripped}e{power}"


def code_index(codes: list[str] | tuple[str, ...]) -> dict[str, str]:
    """{key: the codebook's spelling} of a list of codes (keys are unique: checked on load)."""
    return {code_key(c): c for c in codes}
