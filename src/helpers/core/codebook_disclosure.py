"""How the survey was made, as the codebook's ``survey:`` section discloses it.

The AAPOR Transparency Initiative's disclosure elements (AAPOR Code of Professional
Ethics and Practices, III.A): who sponsored and who conducted the survey, its
population and frame, how the sample was drawn and recruited, mode, languages,
dates, data processing and limitations (``helpers.core.codebook_schema.DISCLOSURE_KEYS``),
whether the sample is a probability sample, and the final case dispositions for
response rates (``helpers.core.response_rates``). What the codebook leaves out is
unknown: it is not here, and the report says "not stated".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from helpers.core.codebook_schema import (
    DISCLOSURE_KEYS,
    DispositionsSpec,
    Stated,
    StatedSpec,
    SurveySpec,
)
from helpers.core.errors import CodebookError
from helpers.core.response_rates import CATEGORIES, Dispositions


@dataclass(frozen=True)
class Statement:
    """A disclosure element's text (one or more items) and the source lines it cites."""

    text: tuple[str, ...]
    lines: tuple[int, ...] = ()

    @classmethod
    def from_spec(cls, spec: Stated) -> Self:
        """The element as written: text, a list of texts, or ``{text, lines}``."""
        if isinstance(spec, StatedSpec):
            return cls(text=cls.from_spec(spec.text).text, lines=tuple(spec.lines))
        items = [spec] if isinstance(spec, str) else spec
        return cls(text=tuple(" ".join(t.split()) for t in items))


@dataclass(frozen=True)
class Cases:
    """What the codebook gives of the cases approached (``survey.dispositions``).

    ``dispositions``: every AAPOR category, for RR1-RR6; or None with
    ``approached_at_least``, a floor of the cases approached, for an upper bound.
    """

    completes: int
    dispositions: Dispositions | None = None
    approached_at_least: int | None = None
    lines: tuple[int, ...] = ()

    @classmethod
    def from_spec(cls, spec: DispositionsSpec) -> Self:
        """The validated ``dispositions``: all categories, or ``I`` and a floor, not both."""
        given = [c for c in CATEGORIES[1:] if getattr(spec, c) is not None]
        place = ("survey", "dispositions")
        if spec.approached_at_least is None:
            counts = {c: getattr(spec, c) or 0 for c in CATEGORIES}
            return cls(spec.I, Dispositions(**counts, e=spec.e), lines=tuple(spec.lines))
        if given or spec.e is not None:
            raise CodebookError(
                f"survey.dispositions: give either the AAPOR categories (I, P, R, NC, O, UH, "
                f"UO, e) or I with approached_at_least, not both; found "
                f"{', '.join([*given, *(['e'] if spec.e is not None else [])])}",
                place,
            )
        if spec.I > spec.approached_at_least:
            raise CodebookError(
                f"survey.dispositions: I ({spec.I}) is more than approached_at_least "
                f"({spec.approached_at_least}): the complete interviews are among the cases "
                "approached",
                place,
            )
        return cls(spec.I, None, spec.approached_at_least, tuple(spec.lines))


@dataclass(frozen=True)
class Disclosure:
    """The survey's disclosure: the elements the codebook states (key -> statement)."""

    stated: tuple[tuple[str, Statement], ...] = ()
    probability_sample: bool | None = None  # None: the codebook does not say
    cases: Cases | None = None

    @classmethod
    def from_spec(cls, spec: SurveySpec) -> Self:
        """The disclosure elements of a validated ``survey:`` section, in AAPOR's order."""
        stated = tuple(
            (key, Statement.from_spec(getattr(spec, key)))
            for key in DISCLOSURE_KEYS
            if getattr(spec, key) is not None
        )
        cases = None if spec.dispositions is None else Cases.from_spec(spec.dispositions)
        return cls(stated, spec.probability_sample, cases)

    def get(self, key: str) -> Statement | None:
        """The statement of element ``key``, or None when the codebook does not state it."""
        if key not in DISCLOSURE_KEYS:
            raise KeyError(f"{key!r} is not a disclosure element ({', '.join(DISCLOSURE_KEYS)})")
        return dict(self.stated).get(key)
