"""The codebook file's schema: every key it may hold, with its type (pydantic).

A key the schema does not know is refused, naming where it is and the nearest
valid key (``questions[3] (q4): unknown key 'missing_code' (nearest:
'missing_codes')``), never ignored: a ``weight:`` the pipeline does not apply
would otherwise give unweighted figures without a word. A key in the wrong
place (a ``weight:`` outside ``design:``) is refused saying where it belongs.

Codes may be written as YAML numbers or text (``code: 6`` or ``code: '6'``);
labels and texts must be text (an unquoted ``Yes`` is YAML's boolean: quote it).
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from helpers.core.errors import CodebookError

CATEGORICAL_TYPES = ("yes_no", "single_choice", "ordinal")
QUESTION_TYPES = (*CATEGORICAL_TYPES, "multiple_choice", "numeric", "free_text")
Code = StrictStr | StrictInt | StrictFloat  # compared by value when numeric (helpers.core.codes)

KEY_HINTS = {
    "weight": "a weight is declared in the design section: design: {weight: <column>}",
    "weights": "a weight is declared in the design section: design: {weight: <column>}",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSpec(_Strict):
    """An answer, a group value or a free-text item."""

    code: Code
    label: StrictStr
    source_cues: list[StrictStr] = []
    of: list[Code] = []  # a net's answer codes, or the source codes a derived value recodes


class QuestionSpec(_Strict):
    """One question."""

    id: StrictStr
    type: Literal[QUESTION_TYPES]  # type: ignore[valid-type]
    text: StrictStr
    short: StrictStr | None = None
    section: int | None = None
    answers: list[OptionSpec] = []
    items: list[OptionSpec] = []
    parent: StrictStr | None = None
    missing_codes: list[Code] = []
    column: StrictStr | None = None
    separator: StrictStr | None = None
    breakdowns: list[StrictStr] | None = None  # this question's groups (default: by_group)
    unit: StrictStr | None = None  # numeric questions: the unit of their values
    nets: list[OptionSpec] = []  # answers combined into one more figure (top-2 box)
    excluded_from_base: list[Code] = []  # answers counted, but not in the base ("Don't know")
    neutral: list[Code] = []  # answers off the scale ("Don't know"): grey in charts
    derived_from: StrictStr | None = None  # recoded from this variable (answers' `of`)
    asked_if: dict[StrictStr, list[Code]] | None = None  # routing: asked when var in codes


class GroupSpec(_Strict):
    """A grouping variable."""

    id: StrictStr
    label: StrictStr | None = None
    values: list[OptionSpec] | Literal["from_source"] = []
    column: StrictStr | None = None
    source_list_cues: list[StrictStr] = []
    derived_from: StrictStr | None = None  # recoded from this variable (values' `of`)


class BreakdownsSpec(_Strict):
    """Which breakdowns and cross-tabulations the report shows."""

    by_group: list[StrictStr] | None = None
    crosstabs: list[tuple[StrictStr, StrictStr]] = []


class BannerSpec(_Strict):
    """A banner table: several breakdowns side by side (``by``: group ids, in order)."""

    id: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_]+$")]
    by: Annotated[list[StrictStr], Field(min_length=1)]
    title: StrictStr | None = None


class StatedSpec(_Strict):
    """A disclosure element with the source lines it comes from (``src-L<n>`` in the report)."""

    text: StrictStr | list[StrictStr]
    lines: list[Annotated[StrictInt, Field(ge=1)]] = []


Stated = StrictStr | list[StrictStr] | StatedSpec
Count = Annotated[StrictInt, Field(ge=0)]


class DispositionsSpec(_Strict):
    """Final case dispositions in AAPOR's categories (helpers.core.response_rates).

    Or the complete interviews ``I`` and a floor of the cases approached
    (``approached_at_least``), when that is all a survey knows.
    """

    I: Count  # noqa: E741 - AAPOR's own letters
    P: Count | None = None
    R: Count | None = None
    NC: Count | None = None
    O: Count | None = None  # noqa: E741
    UH: Count | None = None
    UO: Count | None = None
    e: float | None = Field(default=None, ge=0, le=1)
    approached_at_least: StrictInt | None = Field(default=None, ge=1)
    lines: list[Annotated[StrictInt, Field(ge=1)]] = []


class DisclosureSpec(_Strict):
    """The AAPOR Transparency Initiative's disclosure elements (AAPOR Code, III.A).

    Each is text, a list of texts, or ``{text, lines}``; one left out is unknown, never assumed.
    """

    sponsor: Stated | None = None
    conducted_by: Stated | None = None
    population: Stated | None = None
    geography: Stated | None = None
    sampling_frame: Stated | None = None
    coverage: Stated | None = None
    sample_design: Stated | None = None
    recruitment: Stated | None = None
    mode: Stated | None = None
    languages: Stated | None = None
    dates: Stated | None = None
    processing: Stated | None = None
    limitations: Stated | None = None


DISCLOSURE_KEYS = tuple(DisclosureSpec.model_fields)


class SurveySpec(DisclosureSpec):
    """What the survey is (shown in the report), and how it was made (its disclosure)."""

    id: StrictStr | None = None
    language: StrictStr | None = None  # of the plain strings (helpers.core.codebook_texts)
    title: StrictStr | None = None
    short_title: StrictStr | None = None
    publisher: StrictStr | None = None
    respondent_unit: StrictStr | None = None
    respondent_unit_plural: StrictStr | None = None
    probability_sample: StrictBool | None = None  # None: the codebook does not say
    dispositions: DispositionsSpec | None = None


class SourceSpec(_Strict):
    """Cues for reading a published document (input_kind: document)."""

    base_cues: list[StrictStr] = []
    respondent_nouns: list[StrictStr] = []
    respondents_section_cue: StrictStr | None = None


class InputSpec(_Strict):
    """Columns of a respondent-level export with a role of their own."""

    respondent_id: StrictStr | None = None


REPLICATE_METHODS = ("brr", "fay", "jk1", "jkn", "jk2", "bootstrap", "sdr")
CALIBRATION_METHODS = ("poststratify", "rake", "linear")


class ReplicateSpec(_Strict):
    """Replicate weights published with an export, as R survey's ``svrepdesign`` declares them.

    ``method`` is svrepdesign's ``type`` (``sdr``: "successive-difference", as the ACS);
    ``scale``, ``rscales``, ``fay_rho`` and ``mse`` are its arguments of the same names,
    each defaulting to what svrepdesign takes for the method.
    """

    method: Literal[REPLICATE_METHODS]  # type: ignore[valid-type]
    prefix: StrictStr = Field(min_length=1)  # columns <prefix>1 ... <prefix><count>
    count: int = Field(ge=2)
    scale: float | None = Field(default=None, gt=0)
    rscales: list[float] | None = None
    fay_rho: float | None = Field(default=None, ge=0, lt=1)  # Fay's BRR only
    mse: bool | None = None
    df: float | None = Field(default=None, gt=0)  # the design's degrees of freedom


class CalibrationSpec(_Strict):
    """Weights adjusted to known population counts (R's postStratify, rake, calibrate)."""

    method: Literal[CALIBRATION_METHODS]  # type: ignore[valid-type]
    population: dict[StrictStr, dict[StrictStr | StrictInt, float]] = Field(min_length=1)


class DesignSpec(_Strict):
    """A survey design: the export columns of its weight, strata, PSUs and fpc."""

    weight: StrictStr | None = None
    strata: StrictStr | None = None
    psu: StrictStr | None = None
    fpc: StrictStr | None = None
    replicate_weights: ReplicateSpec | None = None
    calibration: CalibrationSpec | None = None


class FrameSpec(_Strict):
    """What is known of the population the respondents come from (for the report to weigh)."""

    size: int | None = Field(default=None, ge=1)  # the population's size, known exactly
    size_at_least: int | None = Field(default=None, ge=1)  # or only a lower bound
    counts: dict[StrictStr, dict[StrictStr | StrictInt, int]] = {}  # id -> {code: count}
    source: StrictStr | None = None  # where these numbers come from


class CodebookSpec(_Strict):
    """The whole codebook file."""

    survey: SurveySpec = SurveySpec()
    source: SourceSpec = SourceSpec()
    input: InputSpec = InputSpec()
    design: DesignSpec | None = None
    frame: FrameSpec | None = None
    groups: list[GroupSpec] = []
    questions: list[QuestionSpec]
    breakdowns: BreakdownsSpec = BreakdownsSpec()
    banners: list[BannerSpec] = []


_MODELS: dict[str, type[BaseModel]] = {
    "questions": QuestionSpec,
    "groups": GroupSpec,
    "answers": OptionSpec,
    "items": OptionSpec,
    "values": OptionSpec,
    "nets": OptionSpec,
    "breakdowns": BreakdownsSpec,
    "banners": BannerSpec,
    "survey": SurveySpec,
    "source": SourceSpec,
    "input": InputSpec,
    "design": DesignSpec,
    "replicate_weights": ReplicateSpec,
    "calibration": CalibrationSpec,
    "frame": FrameSpec,
    "dispositions": DispositionsSpec,
    "StatedSpec": StatedSpec,  # a union member's tag: where a disclosure element's keys are
}


_LEAF_TAGS = ("str", "list[str]")  # a disclosure element's union members (``Stated``)


def _real_loc(loc: tuple[Any, ...], data: Any, absent_key: bool = True) -> tuple[Any, ...]:
    """A pydantic location without its union-member tags ('str', 'list[OptionSpec]', ...).

    ``absent_key``: the error is about a key (missing or unknown), so a last step that
    is not in the file is that key, even when it is named like a tag.
    """
    out: list[Any] = []
    node = data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list):
            node = node[step] if step < len(node) else None
        elif isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, dict) and step == loc[-1] and not isinstance(step, int):
            if not absent_key and step in _LEAF_TAGS:
                break  # the tag of a text member, failed on a mapping: the place is the node
            out.append(step)  # a key that is not there: missing or unknown
            break
        else:
            continue  # a union member's tag, not a place in the file
        out.append(step)
    return tuple(out)


def _about_a_key(error: Any) -> bool:
    """True for an error about a key (unknown or missing), not about a value."""
    return error["type"] in ("extra_forbidden", "missing")


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """``questions[3] (q4).answers[0]`` for a location in the file."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict) and "id" in node:
                parts[-1] += f" ({node['id']})"
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "the codebook"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model whose field a location's last key would be (``loc``: pydantic's, with tags)."""
    names = [s for s in loc[:-1] if isinstance(s, str) and s in _MODELS]
    return _MODELS[names[-1]] if names else CodebookSpec


def _message(error: dict[str, Any], data: Any) -> str:
    loc = _real_loc(tuple(error["loc"]), data, _about_a_key(error))
    if error["type"] == "extra_forbidden":
        key = str(loc[-1])
        where = _where(loc[:-1], data)
        if key in KEY_HINTS:
            return f"{where}: key {key!r} refused: {KEY_HINTS[key]}"
        fields = list(_model_at(tuple(error["loc"])).model_fields)
        near = difflib.get_close_matches(key, fields, n=1)
        hint = f" (nearest: {near[0]!r})" if near else f" (valid keys: {', '.join(fields)})"
        return f"{where}: unknown key {key!r}{hint}"
    where = _where(loc, data)
    if error["type"] == "missing":
        return f"{where}: missing (required)"
    found = error.get("input")
    if error["type"] == "model_type":  # a list entry or section that is not a mapping
        names = [s for s in loc if isinstance(s, str) and s in _MODELS]
        model = _MODELS[names[-1]] if names else CodebookSpec
        keys = [k for k, f in model.model_fields.items() if f.is_required()] or list(
            model.model_fields
        )[:3]
        return (
            f"{where}: expected a mapping of keys ({', '.join(keys)}, ...); found "
            f"{found!r}, a {type(found).__name__}"
        )
    if loc and loc[-1] == "values" and isinstance(found, str):
        return f"{where}: expected a list of values (code, label) or 'from_source'; found {found!r}"
    hint = (
        " (quote it: unquoted yes/no/on/off are YAML booleans)" if isinstance(found, bool) else ""
    )
    return f"{where}: {error['msg']}; found {found!r}{hint}"


def check_codebook(data: Any) -> CodebookSpec:
    """Validate the codebook's keys and types; raise CodebookError with every problem found.

    Its ``place`` is where the first problem is.
    """
    if not isinstance(data, dict):
        raise CodebookError(
            f"the codebook must be a mapping of sections; found {type(data).__name__}"
        )
    try:
        return CodebookSpec.model_validate(data)
    except ValidationError as exc:
        by_place: dict[tuple[Any, ...], str] = {}  # one message per place (unions give several)
        for error in exc.errors():
            place = _real_loc(tuple(error["loc"]), data, _about_a_key(error))
            by_place.setdefault(place, _message(error, data))
        # a union's other member failing at an outer place adds nothing to the inner error
        kept = [
            place
            for place in by_place
            if not any(other[: len(place)] == place and other != place for other in by_place)
        ]
        raise CodebookError("; ".join(by_place[p] for p in kept), kept[0]) from None
