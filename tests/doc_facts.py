"""Independent reading of the test documents, and the facts built into the mini survey.

Nothing here uses the helpers package: expectations are computed by plain
counting of bullet lines within line ranges, or stated by hand, so that a test
compares the parser with something it did not produce.
"""

from __future__ import annotations

import re

BULLETS = "·•●"
CHART_LINE = re.compile(r"^●\s*[^:]+:\s*\d+(?:\.\d+)?\s*%$")


def is_chart(text: str) -> bool:
    return bool(CHART_LINE.match(text.strip()))


def is_bullet(text: str) -> bool:
    """A bullet line that is not a chart data label."""
    s = text.strip()
    return bool(s) and s[0] in BULLETS and not is_chart(s)


def bullet_text(text: str) -> str:
    return text.strip()[1:].strip()


def nonblank(lines: list[str]) -> list[int]:
    """1-based numbers of the non-blank lines."""
    return [i + 1 for i, t in enumerate(lines) if t.strip()]


def line_no(lines: list[str], prefix: str, after: int = 0) -> int:
    """First 1-based line number after ``after`` whose stripped text starts with ``prefix``."""
    for i, t in enumerate(lines):
        if i + 1 > after and t.strip().startswith(prefix):
            return i + 1
    raise AssertionError(f"no line starting with {prefix!r} after line {after}")


def lines_equal(lines: list[str], text: str) -> list[int]:
    """1-based numbers of the lines whose stripped text equals ``text``."""
    return [i + 1 for i, t in enumerate(lines) if t.strip() == text]


def bullets_between(lines: list[str], first: int, last: int) -> list[int]:
    """Bullet lines strictly between two 1-based line numbers."""
    return [n for n in range(first + 1, last) if is_bullet(lines[n - 1])]


def bullets_after(lines: list[str], intro: int) -> list[int]:
    """The run of bullet lines after line ``intro`` (blank lines skipped)."""
    found = []
    for n in range(intro + 1, len(lines) + 1):
        text = lines[n - 1]
        if not text.strip():
            continue
        if not is_bullet(text):
            break
        found.append(n)
    return found


# --- The invented mini survey (tests/fixtures/mini_survey.txt), by hand -------------------

# organization -> (acronym, country, OAS registration, q1, q2); roster order.
MINI_ORGS: dict[str, tuple[str, str, str, str, str | None]] = {
    "Asociación Ñandú": ("AÑ", "Argentina", "registered", "yes", "very_useful"),
    "Fundación Río Claro": ("", "Argentina", "registered", "no", "very_useful"),
    "Centro Pehuén de Estudios": ("CPE", "Costa Rica", "registered", "yes", "moderately_useful"),
    "Red Quechua Migrante": ("REQUIM", "Perú", "not_registered", "yes", "very_useful"),
    "Colectivo Tierra Nueva": ("", "México", "not_registered", "no", "useful"),
    "Casa del Caminante Sur": ("CCS", "México", "not_registered", "no", "dont_know"),
    "Comunidad Illimani": ("", "Bolivia", "not_registered", "yes", None),
}
MINI_COUNTRY_CODES = {
    "Argentina": "argentina",
    "Costa Rica": "costa_rica",
    "Perú": "peru",
    "México": "mexico",
    "Bolivia": "bolivia",
}
# (question, item) -> number of free-text answers.
MINI_FREE_TEXT = {
    ("q1_how", ""): 2,
    ("q2_comment", ""): 2,
    ("q3", "1"): 2,
    ("q3", "4"): 1,
    ("q3", "8"): 3,
    ("q4", ""): 2,
    ("q5", ""): 3,
}


def mini_bullet(org: str) -> str:
    """The bullet text under which an organization is listed in the mini survey."""
    acronym = MINI_ORGS[org][0]
    return f"· {org} ({acronym})" if acronym else f"· {org}"
