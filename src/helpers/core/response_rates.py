"""Response rates by the AAPOR Standard Definitions (RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3).

The final dispositions of the cases a survey approached, in AAPOR's categories:

    I   complete interviews                  P   partial interviews
    R   refusals and break-offs              NC  non-contacts
    O   other eligible non-interviews
    UH  unknown if household / occupied      UO  unknown eligibility, other
    e   the estimated share of the cases of unknown eligibility that are eligible

(The American Association for Public Opinion Research, *Standard Definitions: Final
Dispositions of Case Codes and Outcome Rates for Surveys*, 10th edition, 2023, section
"Response rates" and following.) A rate whose formula needs ``e`` is None unless the
codebook gives ``e``; a rate whose denominator is 0 is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

CATEGORIES = ("I", "P", "R", "NC", "O", "UH", "UO")
NAMES = {
    "I": "complete interviews",
    "P": "partial interviews",
    "R": "refusals and break-offs",
    "NC": "non-contacts",
    "O": "other eligible non-interviews",
    "UH": "unknown if household or occupied",
    "UO": "unknown eligibility, other",
}


@dataclass(frozen=True)
class Dispositions:
    """Case counts by AAPOR category, and ``e`` (None when the codebook gives none)."""

    I: int  # noqa: E741 - AAPOR's own letter
    P: int = 0
    R: int = 0
    NC: int = 0
    O: int = 0  # noqa: E741 - AAPOR's own letter
    UH: int = 0
    UO: int = 0
    e: float | None = None

    def __post_init__(self) -> None:
        for name in CATEGORIES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"dispositions.{name}: expected a count (0 or more); found {value!r}"
                )
        if self.e is not None and not 0 <= self.e <= 1:
            raise ValueError(f"dispositions.e: expected a share from 0 to 1; found {self.e!r}")

    @property
    def unknown(self) -> int:
        """Cases of unknown eligibility (UH + UO)."""
        return self.UH + self.UO


def _share(numerator: int, denominator: Fraction | int) -> float | None:
    return None if denominator == 0 else float(Fraction(numerator) / Fraction(denominator))


def rates(d: Dispositions) -> dict[str, float | None]:
    """Every outcome rate of the Standard Definitions that the dispositions allow."""
    interviews, eligible_non = d.I + d.P, d.R + d.NC + d.O
    e = None if d.e is None else Fraction(d.e).limit_denominator(10**9)
    with_unknown = interviews + eligible_non + d.unknown
    estimated = None if e is None else interviews + eligible_non + e * d.unknown
    known = interviews + eligible_non

    def est(numerator: int) -> float | None:
        return None if estimated is None else _share(numerator, estimated)

    contacted = interviews + d.R + d.O
    return {
        "RR1": _share(d.I, with_unknown),
        "RR2": _share(interviews, with_unknown),
        "RR3": est(d.I),
        "RR4": est(interviews),
        "RR5": _share(d.I, known),
        "RR6": _share(interviews, known),
        "COOP1": _share(d.I, contacted),
        "COOP2": _share(interviews, contacted),
        "COOP3": _share(d.I, interviews + d.R),
        "COOP4": _share(interviews, interviews + d.R),
        "REF1": _share(d.R, with_unknown),
        "REF2": est(d.R),
        "REF3": _share(d.R, known),
        "CON1": _share(contacted, with_unknown),
        "CON2": est(contacted),
        "CON3": _share(contacted, known),
    }


def upper_bound_rr(completes: int, approached_at_least: int) -> float:
    """The highest response rate possible when only a floor of the cases approached is known.

    RR1 with every non-respondent eligible and at least ``approached_at_least`` cases: the
    2013 survey's "more than 500 organizations" and 15 answers give at most 15 / 501.
    """
    if approached_at_least <= 0 or completes > approached_at_least:
        raise ValueError(
            f"expected completes ({completes}) within the cases approached "
            f"(at least {approached_at_least})"
        )
    return completes / approached_at_least
