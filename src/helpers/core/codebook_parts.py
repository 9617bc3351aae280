"""The codebook's parts: answers, questions, groups and the survey, built from the spec.

Each ``from_spec`` takes the part as ``helpers.core.codebook_schema`` validated it
(keys and types already checked) and only builds: codes become text, lists tuples,
and a key left out takes its default here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from helpers.core.codebook_disclosure import Disclosure
from helpers.core.codebook_schema import (
    CATEGORICAL_TYPES,
    DISCLOSURE_KEYS,
    BannerSpec,
    Code,
    GroupSpec,
    InputSpec,
    OptionSpec,
    QuestionSpec,
    SourceSpec,
    SurveySpec,
)
from helpers.core.text import normalize_text

# A multiple-choice question is held as one 0/1 column per option: "<id>__<code>".
INDICATOR_SEPARATOR = "__"
SELECTED, NOT_SELECTED = "1", "0"
DEFAULT_SEPARATOR = ";"  # a multiple-choice question's answers in one export cell
DEFAULT_TITLE = "Survey report"  # the report's title when the codebook gives none


def codes(values: list[Code]) -> tuple[str, ...]:
    """Codes as text, as the codebook writes them (``6`` -> ``'6'``)."""
    return tuple(str(c) for c in values)


@dataclass(frozen=True)
class Option:
    """One answer (or group value): code, label and the document's cues for it.

    ``of``: the codes it stands for, for a net (top-2 box) or an answer of a derived
    variable (the source's codes it recodes).
    """

    code: str
    label: str
    cues: tuple[str, ...] = ()
    of: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: OptionSpec) -> Self:
        """The option of a validated ``answers``, ``items``, ``nets`` or ``values`` entry."""
        return cls(
            code=str(spec.code), label=spec.label, cues=tuple(spec.source_cues), of=codes(spec.of)
        )

    def heading_matches(self, text: str) -> bool:
        """True if a heading line names this option exactly."""
        wanted = {normalize_text(c) for c in (*self.cues, self.label)}
        return normalize_text(text) in wanted


def options(specs: list[OptionSpec]) -> tuple[Option, ...]:
    """The options of a validated list, in order."""
    return tuple(Option.from_spec(s) for s in specs)


@dataclass(frozen=True)
class Question:
    """One question of the codebook."""

    id: str
    type: str
    text: str
    short: str
    section: int | None = None
    answers: tuple[Option, ...] = ()
    items: tuple[Option, ...] = ()
    parent: str | None = None
    missing_codes: tuple[str, ...] = ()
    column: str = ""
    separator: str = DEFAULT_SEPARATOR
    by: tuple[str, ...] | None = None  # its own breakdowns (None: the codebook's by_group)
    unit: str = ""  # a numeric question's unit ("years", "mcg/dl"), shown beside its figures
    nets: tuple[Option, ...] = ()  # answers combined ("top-2 box"): extra figures, same base
    excluded: tuple[str, ...] = ()  # answer codes counted but left out of the base ("Don't know")
    neutral: tuple[str, ...] = ()  # answer codes off the scale ("Don't know"): grey in charts
    derived_from: str = ""  # a variable recoded from another (each answer's ``of`` codes)
    asked_if: tuple[tuple[str, tuple[str, ...]], ...] = ()  # routing: (variable, its codes)

    @classmethod
    def from_spec(cls, spec: QuestionSpec) -> Self:
        """The question of a validated ``questions`` entry (``breakdowns`` -> ``by``, ...)."""
        return cls(
            id=spec.id,
            type=spec.type,
            text=" ".join(spec.text.split()),
            short=spec.id if spec.short is None else spec.short,
            section=spec.section,
            answers=options(spec.answers),
            items=options(spec.items),
            parent=spec.parent,
            missing_codes=codes(spec.missing_codes),
            column=spec.column or "",
            separator=DEFAULT_SEPARATOR if spec.separator is None else spec.separator,
            by=None if spec.breakdowns is None else tuple(spec.breakdowns),
            unit=spec.unit or "",
            nets=options(spec.nets),
            excluded=codes(spec.excluded_from_base),
            neutral=codes(spec.neutral),
            derived_from=spec.derived_from or "",
            asked_if=tuple((var, codes(route)) for var, route in (spec.asked_if or {}).items()),
        )

    @property
    def source_column(self) -> str:
        """Column of a respondent-level export holding this question (default: its id)."""
        return self.column or self.id

    @property
    def in_base(self) -> tuple[str, ...]:
        """The answer codes that count in the base (all but ``excluded``)."""
        return tuple(o.code for o in self.answers if o.code not in self.excluded)

    @property
    def categorical(self) -> bool:
        """True for questions answered from a closed list."""
        return self.type in CATEGORICAL_TYPES

    @property
    def closed(self) -> bool:
        """True for questions answered from the codebook's options (one or several)."""
        return self.categorical or self.type == "multiple_choice"

    @property
    def indicators(self) -> dict[str, str]:
        """Multiple choice: option code -> its 0/1 column in responses ({} otherwise)."""
        if self.type != "multiple_choice":
            return {}
        return {o.code: f"{self.id}{INDICATOR_SEPARATOR}{o.code}" for o in self.answers}

    @property
    def response_columns(self) -> list[str]:
        """The columns of responses.csv that hold this question's answer."""
        return list(self.indicators.values()) if self.indicators else [self.id]

    def answer(self, code: str) -> Option:
        """The answer with this code."""
        for option in self.answers:
            if option.code == code:
                return option
        raise KeyError(f"{self.id}: no answer code {code!r}")


@dataclass(frozen=True)
class Group:
    """A grouping variable (e.g. OAS registration, country)."""

    id: str
    label: str
    values: tuple[Option, ...] = ()
    from_source: bool = False
    column: str = ""
    list_cues: tuple[str, ...] = ()
    derived_from: str = ""  # a group recoded from a question or group (values' ``of`` codes)
    of_question: bool = False  # a single-answer question used as a group (its own column)

    @classmethod
    def from_spec(cls, spec: GroupSpec) -> Self:
        """The group of a validated ``groups`` entry (``values: from_source``: none listed)."""
        from_source = spec.values == "from_source"
        return cls(
            id=spec.id,
            label=spec.id if spec.label is None else spec.label,
            values=() if from_source else options(spec.values),  # type: ignore[arg-type]
            from_source=from_source,
            column=spec.column or "",
            list_cues=tuple(spec.source_list_cues),
            derived_from=spec.derived_from or "",
        )

    @property
    def source_column(self) -> str:
        """Column of a respondent-level export holding this group (default: its id)."""
        return self.column or self.id


@dataclass(frozen=True)
class Survey:
    """What the survey is (codebook ``survey:``), as the report shows it, and its disclosure.

    ``title`` and ``short_title`` are None when the codebook gives none: who shows
    them says what stands in (``title_or``).
    """

    id: str | None = None
    title: str | None = None
    short_title: str | None = None
    publisher: str = ""
    respondent_unit: str = "respondent"
    respondent_unit_plural: str = "respondents"
    disclosure: Disclosure = Disclosure()  # how it was made: what the codebook states

    @classmethod
    def from_spec(cls, spec: SurveySpec) -> Self:
        """The validated ``survey:`` section (a key left out or null takes its default)."""
        told = {*DISCLOSURE_KEYS, "probability_sample", "dispositions", "language"}
        shown = spec.model_dump(exclude_none=True, exclude=told)
        return cls(**shown, disclosure=Disclosure.from_spec(spec))

    def title_or(self, default: str = DEFAULT_TITLE) -> str:
        """The title on one line; ``default`` (on one line too) when the codebook gives none."""
        return " ".join((default if self.title is None else self.title).split())

    @property
    def short(self) -> str:
        """The short title (the PDF's running header): ``short_title``, else ``title_or()``."""
        return self.title_or() if self.short_title is None else self.short_title


@dataclass(frozen=True)
class Source:
    """Cues for reading a published document (codebook ``source:``, input_kind: document)."""

    base_cues: tuple[str, ...] = ()
    respondent_nouns: tuple[str, ...] = ()
    respondents_section_cue: str | None = None  # None: the codebook gives none

    @classmethod
    def from_spec(cls, spec: SourceSpec) -> Self:
        """The validated ``source:`` section."""
        return cls(
            base_cues=tuple(spec.base_cues),
            respondent_nouns=tuple(spec.respondent_nouns),
            respondents_section_cue=spec.respondents_section_cue,
        )


@dataclass(frozen=True)
class Inputs:
    """Columns of a respondent-level export with a role of their own (codebook ``input:``)."""

    respondent_id: str | None = None  # None: the export's rows are numbered

    @classmethod
    def from_spec(cls, spec: InputSpec) -> Self:
        """The validated ``input:`` section."""
        return cls(respondent_id=spec.respondent_id)


@dataclass(frozen=True)
class Banner:
    """A banner table (codebook ``banners:``): its id, breakdowns side by side, title."""

    id: str
    by: tuple[str, ...]
    title: str = ""

    @classmethod
    def from_spec(cls, spec: BannerSpec) -> Self:
        """The banner of a validated ``banners`` entry."""
        return cls(id=spec.id, by=tuple(spec.by), title=spec.title or "")
