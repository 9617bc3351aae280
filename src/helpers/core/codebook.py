"""The codebook: questions, answers in order, labels, groups and source cues."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from helpers.core.codebook_schema import SchemaError, check_codebook
from helpers.core.codes import code_key
from helpers.core.yaml_lines import yaml_line

CATEGORICAL_TYPES = ("yes_no", "single_choice", "ordinal")
QUESTION_TYPES = (*CATEGORICAL_TYPES, "multiple_choice", "numeric", "free_text")
# Columns of responses holding a survey design's variables (codebook ``design:``).
DESIGN_COLUMNS = {"weight": "design_weight", "strata": "design_strata", "psu": "design_psu",
                  "fpc": "design_fpc"}  # fmt: skip
# A multiple-choice question is held as one 0/1 column per option: "<id>__<code>".
INDICATOR_SEPARATOR = "__"
SELECTED, NOT_SELECTED = "1", "0"


class CodebookError(ValueError):
    """The codebook file is malformed; ``place``: the keys of the first problem, if known."""

    def __init__(self, message: str, place: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.place = place


def normalize_text(text: str) -> str:
    """Case-fold, straighten quotes, drop a trailing colon and collapse spaces."""
    text = unicodedata.normalize("NFC", text)
    for curly, straight in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"')):
        text = text.replace(curly, straight)
    text = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
    return text.casefold()


def name_key(name: str) -> str:
    """Key that identifies an organization name across lists (accents, case, spacing)."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = re.sub(r"[^\w\s]", " ", stripped.casefold())
    return re.sub(r"\s+", " ", stripped).strip()


def slug(text: str) -> str:
    """Lower-case ASCII identifier: 'El Salvador' -> 'el_salvador'."""
    return name_key(text).replace(" ", "_")


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

    def heading_matches(self, text: str) -> bool:
        """True if a heading line names this option exactly."""
        wanted = {normalize_text(c) for c in (*self.cues, self.label)}
        return normalize_text(text) in wanted


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
    separator: str = ";"
    by: tuple[str, ...] | None = None  # its own breakdowns (None: the codebook's by_group)
    unit: str = ""  # a numeric question's unit ("years", "mcg/dl"), shown beside its figures
    nets: tuple[Option, ...] = ()  # answers combined ("top-2 box"): extra figures, same base
    excluded: tuple[str, ...] = ()  # answer codes counted but left out of the base ("Don't know")
    neutral: tuple[str, ...] = ()  # answer codes off the scale ("Don't know"): grey in charts
    derived_from: str = ""  # a variable recoded from another (each answer's ``of`` codes)
    asked_if: tuple[tuple[str, tuple[str, ...]], ...] = ()  # routing: (variable, its codes)

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

    @property
    def source_column(self) -> str:
        """Column of a respondent-level export holding this group (default: its id)."""
        return self.column or self.id


# R survey's svrepdesign defaults per replicate method: (scale as a function of the number
# of replicates, mse). JKn has no scale of its own: its rscales (n_h - 1)/n_h must be given.
REPLICATE_DEFAULTS: dict[str, tuple[Callable[[int, float], float], bool]] = {
    "brr": (lambda r, rho: 1 / r, False),
    "fay": (lambda r, rho: 1 / (r * (1 - rho) ** 2), False),
    "jk1": (lambda r, rho: (r - 1) / r, False),
    "jkn": (lambda r, rho: 1.0, False),
    "jk2": (lambda r, rho: 1.0, False),
    "bootstrap": (lambda r, rho: 1 / (r - 1), False),
    "sdr": (lambda r, rho: 4 / r, True),
}  # fmt: skip


@dataclass(frozen=True)
class Replicates:
    """Replicate weights as R's ``svrepdesign`` declares them (its type, scale, rscales, mse)."""

    method: str
    prefix: str
    count: int
    scale: float  # R's scale (the method's default when the codebook gives none)
    rscales: tuple[float, ...]  # R's rscales, one per replicate (1 when not given)
    fay_rho: float = 0.0
    mse: bool = False  # True: centred on the full-sample estimate; False: replicates' mean
    df: float | None = None  # None: R's degf, the rank of the replicate weights less one

    @property
    def coefficients(self) -> tuple[float, ...]:
        """Each replicate's variance coefficient: scale x rscale (what svy calls scale)."""
        return tuple(self.scale * r for r in self.rscales)


@dataclass(frozen=True)
class Calibration:
    """Weights adjusted to population counts: R's postStratify, rake or calibrate(linear)."""

    method: str
    population: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (question, ((code, N),))


@dataclass(frozen=True)
class Frame:
    """What is known of the population the respondents come from (codebook ``frame:``)."""

    size: int | None  # known exactly
    size_at_least: int | None  # or only a lower bound
    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (variable, ((code, N),))
    source: str = ""


@dataclass(frozen=True)
class Design:
    """A survey design: the export columns of its weight, strata, PSUs and fpc (any may be '')."""

    weight: str = ""
    strata: str = ""
    psu: str = ""
    fpc: str = ""
    replicate: Replicates | None = None
    calibration: Calibration | None = None

    @property
    def replicates(self) -> int:
        """How many replicate weights (0: none)."""
        return self.replicate.count if self.replicate else 0

    @property
    def columns(self) -> dict[str, str]:
        """Role -> export column, for the roles declared (``rep_1`` ...: replicate weights)."""
        roles = {role: col for role, col in (("weight", self.weight), ("strata", self.strata),
                                             ("psu", self.psu), ("fpc", self.fpc)) if col}
        prefix = self.replicate.prefix if self.replicate else ""
        return roles | {f"rep_{i}": f"{prefix}{i}"
                        for i in range(1, self.replicates + 1)}  # fmt: skip

    @property
    def response_columns(self) -> dict[str, str]:
        """Role -> its column in responses (``design_weight``, ...), for the roles declared."""
        return {role: DESIGN_COLUMNS.get(role, f"design_{role}") for role in self.columns}


@dataclass(frozen=True)
class Codebook:
    """The parsed codebook."""

    survey: dict[str, Any]
    source: dict[str, Any]
    groups: tuple[Group, ...]
    questions: tuple[Question, ...]
    by_group: tuple[str, ...]
    crosstabs: tuple[tuple[str, str], ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    input: dict[str, Any] = field(default_factory=dict)
    design: Design | None = None  # None: every respondent counts once (no weights)
    frame: Frame | None = None  # what is known of the population (codebook ``frame:``)

    def question(self, qid: str) -> Question:
        """The question with this id."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"no question {qid!r} in the codebook")

    def group(self, gid: str) -> Group:
        """The group with this id, or a single-answer question used as one (its answers)."""
        for g in self.groups:
            if g.id == gid:
                return g
        for q in self.categorical:
            if q.id == gid:
                return Group(id=q.id, label=q.short, values=q.answers, column=q.source_column,
                             of_question=True)  # fmt: skip
        raise KeyError(f"no group or single-answer question {gid!r} in the codebook")

    def same_variable(self, qid: str, gid: str) -> bool:
        """True when group ``gid`` is question ``qid`` itself: its column, or recoded from it.

        Its breakdown is a recode table, not a comparison of groups: it is not tested.
        """
        if gid == qid:
            return True
        try:
            g, q = self.group(gid), self.question(qid)
        except KeyError:
            return False
        return g.derived_from == qid or (bool(g.column) and g.column == q.source_column)

    @property
    def derived(self) -> tuple[Question | Group, ...]:
        """Variables recoded from another (groups first), in codebook order."""
        return (*[g for g in self.groups if g.derived_from],
                *[q for q in self.questions if q.derived_from])

    @property
    def categorical(self) -> tuple[Question, ...]:
        """Questions with a closed answer list, in codebook order."""
        return tuple(q for q in self.questions if q.categorical)

    @property
    def multiple_choice(self) -> tuple[Question, ...]:
        """Multiple-choice questions, in codebook order."""
        return tuple(q for q in self.questions if q.type == "multiple_choice")

    @property
    def closed(self) -> tuple[Question, ...]:
        """Questions answered from the codebook's options (single or multiple), in order."""
        return tuple(q for q in self.questions if q.closed)

    @property
    def summarized(self) -> tuple[Question, ...]:
        """Questions with figures of their own (closed and numeric), in codebook order."""
        return tuple(q for q in self.questions if q.closed or q.type == "numeric")

    @property
    def numeric(self) -> tuple[Question, ...]:
        """Numeric questions (a number per respondent), in codebook order."""
        return tuple(q for q in self.questions if q.type == "numeric")

    @property
    def free_text(self) -> tuple[Question, ...]:
        """Free-text questions, in codebook order."""
        return tuple(q for q in self.questions if q.type == "free_text")

    @property
    def breakdown_groups(self) -> tuple[str, ...]:
        """Every group some question is broken down by: ``by_group``, then the others."""
        own = [g for q in self.questions for g in (q.by or ())]
        return tuple(dict.fromkeys([*self.by_group, *own]))

    def breakdowns_of(self, q: Question) -> tuple[str, ...]:
        """The groups ``q`` is broken down by: its own ``breakdowns``, else ``by_group``.

        A question used as a group is not a breakdown of itself.
        """
        return tuple(g for g in (self.by_group if q.by is None else q.by) if g != q.id)

    def in_section(self, section: int) -> tuple[Question, ...]:
        """Questions the document reports under 'QUESTION <section>'."""
        return tuple(q for q in self.questions if q.section == section)


def _options(raw: list[dict[str, Any]], where: str) -> tuple[Option, ...]:
    options = []
    for i, item in enumerate(raw):
        if "code" not in item or "label" not in item:
            raise CodebookError(f"{where}[{i}]: every option needs 'code' and 'label'")
        options.append(
            Option(
                code=str(item["code"]),
                label=str(item["label"]),
                cues=tuple(str(c) for c in item.get("source_cues", ())),
                of=tuple(str(c) for c in item.get("of", ())),
            )
        )
    codes = [o.code for o in options]
    keys = [code_key(c) for c in codes]
    if len(set(keys)) != len(keys):
        raise CodebookError(f"{where}: duplicate codes {codes} (codes compare by value: "
                            f"'6' and '6.0' are one code)")  # fmt: skip
    return tuple(options)


def parse_codebook(data: dict[str, Any]) -> Codebook:
    """Build and validate a Codebook from its YAML mapping.

    Keys and types are checked first (helpers.core.codebook_schema: an unknown
    key is refused, naming the nearest valid one); then what a schema cannot
    say: ids unique across groups and questions, codes unique by value, no
    missing code that is also an answer code, breakdowns naming what exists.
    """
    if not isinstance(data, dict) or "questions" not in data:
        raise CodebookError("the codebook needs a 'questions' list")
    try:
        check_codebook(data)
    except SchemaError as exc:
        raise CodebookError(str(exc), exc.place) from None
    questions = []
    for i, q in enumerate(data["questions"]):
        where = f"questions[{i}]"
        for key in ("id", "type", "text"):
            if key not in q:
                raise CodebookError(f"{where}: missing {key!r}")
        if q["type"] not in QUESTION_TYPES:
            raise CodebookError(f"{where} ({q['id']}): type {q['type']!r} not in {QUESTION_TYPES}")
        if INDICATOR_SEPARATOR in str(q["id"]):
            raise CodebookError(f"{where} ({q['id']}): question ids may not contain "
                                f"{INDICATOR_SEPARATOR!r} (it names multiple-choice columns)")
        answers = _options(q.get("answers", []), f"{where}.answers")
        separator = str(q.get("separator", ";"))
        if q["type"] == "multiple_choice" and not separator:
            raise CodebookError(f"{where} ({q['id']}): separator must be one or more "
                                f"characters, got {separator!r}")  # fmt: skip
        if q["type"] == "multiple_choice" and any(separator in o.code for o in answers):
            raise CodebookError(f"{where} ({q['id']}): answer codes may not contain the "
                                f"separator {separator!r}")  # fmt: skip
        if q["type"] in (*CATEGORICAL_TYPES, "multiple_choice") and not answers:
            raise CodebookError(f"{where} ({q['id']}): a {q['type']} question needs answers")
        if q["type"] in ("numeric", "free_text") and answers:
            raise CodebookError(f"{where} ({q['id']}): a {q['type']} question has no answers "
                                f"(its values are read as they are)", ("questions", i, "answers"))
        if q.get("unit") and q["type"] != "numeric":
            raise CodebookError(f"{where} ({q['id']}): only a numeric question has a unit",
                                ("questions", i, "unit"))  # fmt: skip
        missing = tuple(str(c) for c in q.get("missing_codes", ()))
        answer_keys = {code_key(o.code): o.code for o in answers}
        clash = [m for m in missing if code_key(m) in answer_keys]
        if clash:
            raise CodebookError(f"{where} ({q['id']}): missing code {clash[0]!r} is also the "
                                f"answer code {answer_keys[code_key(clash[0])]!r}; a value "
                                f"cannot be both an answer and missing",
                                ("questions", i, "missing_codes"))  # fmt: skip
        questions.append(
            Question(
                id=str(q["id"]),
                type=q["type"],
                text=" ".join(str(q["text"]).split()),
                short=str(q.get("short", q["id"])),
                section=q.get("section"),
                answers=answers,
                items=_options(q.get("items", []), f"{where}.items"),
                parent=q.get("parent"),
                missing_codes=missing,
                column=str(q.get("column", "")),
                separator=separator,
                by=None if q.get("breakdowns") is None else tuple(q["breakdowns"]),
                unit=str(q.get("unit") or ""),
                nets=_options(q.get("nets", []), f"{where}.nets"),
                excluded=tuple(str(c) for c in q.get("excluded_from_base", ())),
                neutral=tuple(str(c) for c in q.get("neutral", ())),
                derived_from=str(q.get("derived_from") or ""),
                asked_if=tuple((str(k), tuple(str(c) for c in v))
                               for k, v in (q.get("asked_if") or {}).items()),
            )
        )
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise CodebookError(f"duplicate question ids: {ids}")
    groups = []
    for i, g in enumerate(data.get("groups", [])):
        values = g.get("values", [])
        groups.append(
            Group(
                id=str(g["id"]),
                label=str(g.get("label", g["id"])),
                values=() if values == "from_source" else _options(values, f"groups[{i}].values"),
                from_source=values == "from_source",
                column=str(g.get("column", "")),
                list_cues=tuple(str(c) for c in g.get("source_list_cues", ())),
                derived_from=str(g.get("derived_from") or ""),
            )
        )
    taken = [q.id for q in questions] + [g.id for g in groups]
    reserved = sorted(set(taken) & set(DESIGN_COLUMNS.values()))
    if reserved:
        raise CodebookError(f"ids {reserved} are reserved for the survey design's columns")
    twice = sorted({i for i in taken if taken.count(i) > 1})
    if twice:
        raise CodebookError(f"ids must be unique across questions and groups; found {twice} "
                            f"more than once (a group and a question may share a column, "
                            f"not an id)")  # fmt: skip
    breakdowns = data.get("breakdowns", {})
    book = Codebook(
        survey=data.get("survey", {}),
        source=data.get("source", {}),
        groups=tuple(groups),
        questions=tuple(questions),
        by_group=tuple(breakdowns.get("by_group", [g.id for g in groups])),
        crosstabs=tuple(tuple(pair) for pair in breakdowns.get("crosstabs", [])),
        raw=data,
        input=dict(data.get("input", {})),
        frame=_frame(data.get("frame")),
        design=_design(data.get("design")),
    )
    _check_language(book)
    _check_calibration(book)
    _check_frame(book)
    try:
        for gid in book.by_group:
            book.group(gid)
        for i, q in enumerate(book.questions):
            for gid in q.by or ():
                try:
                    book.group(gid)
                except KeyError:
                    raise CodebookError(f"question {q.id}: breakdowns: no group {gid!r} "
                                        f"(groups: {[g.id for g in book.groups]})",
                                        ("questions", i, "breakdowns")) from None
        for row_q, col_q in book.crosstabs:
            row, col = book.question(row_q), book.question(col_q)
            if not ((row.categorical or row.type == "numeric") and col.categorical):
                raise CodebookError(f"crosstab {row_q} x {col_q}: the first must be a "
                                    f"single-answer or numeric question, the second a "
                                    f"single-answer one ({', '.join(CATEGORICAL_TYPES)})")
    except KeyError as exc:
        raise CodebookError(f"breakdowns: {exc.args[0]}") from None
    return book


def _same_codes(codes: tuple[str, ...], valid: list[str]) -> tuple[list[str], list[str]]:
    """(codes mapped onto ``valid``'s spelling, codes not among them), by value."""
    index = {code_key(v): v for v in valid}
    return ([index[code_key(c)] for c in codes if code_key(c) in index],
            [c for c in codes if code_key(c) not in index])


def _check_language(book: Codebook) -> None:
    """Nets, bases, derived variables and routing name codes and variables that exist."""
    where = {q.id: ("questions", i) for i, q in enumerate(book.questions)}
    where |= {g.id: ("groups", i) for i, g in enumerate(book.groups)}
    for q in book.questions:
        codes = [o.code for o in q.answers]
        for net in q.nets:
            if not q.categorical:
                raise CodebookError(f"question {q.id}: nets need a single-answer question",
                                    (*where[q.id], "nets"))  # fmt: skip
            _, unknown = _same_codes(net.of, codes)
            if unknown or not net.of:
                raise CodebookError(f"question {q.id}: net {net.code!r} combines answer codes "
                                    f"of {q.id} ({', '.join(codes)}); found {list(net.of)}",
                                    (*where[q.id], "nets"))  # fmt: skip
        if set(o.code for o in q.nets) & set(codes):
            raise CodebookError(f"question {q.id}: a net's code is also an answer code",
                                (*where[q.id], "nets"))  # fmt: skip
        _, unknown = _same_codes(q.excluded, codes)
        if unknown or (q.excluded and not q.categorical):
            raise CodebookError(f"question {q.id}: excluded_from_base names answer codes of a "
                                f"single-answer question ({', '.join(codes)}); found {unknown}",
                                (*where[q.id], "excluded_from_base"))  # fmt: skip
        _, unknown = _same_codes(q.neutral, codes)
        if unknown:
            raise CodebookError(f"question {q.id}: neutral names answer codes of {q.id} "
                                f"({', '.join(codes)}); found {unknown}",
                                (*where[q.id], "neutral"))  # fmt: skip
        for var, route in q.asked_if:
            try:
                source = book.group(var)
            except KeyError:
                raise CodebookError(f"question {q.id}: asked_if names {var!r}, which is no "
                                    f"group or single-answer question", (*where[q.id],
                                                                         "asked_if")) from None
            if var == q.id or source.from_source:
                raise CodebookError(f"question {q.id}: asked_if needs a coded variable other "
                                    f"than itself; found {var!r}", (*where[q.id], "asked_if"))
            _, unknown = _same_codes(route, [o.code for o in source.values])
            if unknown or not route:
                raise CodebookError(f"question {q.id}: asked_if {var}: codes of {var} "
                                    f"({', '.join(o.code for o in source.values)}); found "
                                    f"{list(route)}", (*where[q.id], "asked_if"))  # fmt: skip
    for item in book.derived:
        place = (*where[item.id], "derived_from")
        values = item.answers if isinstance(item, Question) else item.values
        try:
            source = book.group(item.derived_from)
        except KeyError:
            raise CodebookError(f"{item.id}: derived_from names {item.derived_from!r}, which is "
                                f"no group or single-answer question", place) from None
        if source.derived_from or source.from_source or (isinstance(item, Question) and not
                                                         item.categorical):  # fmt: skip
            raise CodebookError(f"{item.id}: a single-answer question or coded group is derived "
                                f"from a coded variable that is not derived itself; found "
                                f"{item.derived_from!r}", place)  # fmt: skip
        source_codes = [o.code for o in source.values]
        seen: list[str] = []
        for option in values:
            mapped, unknown = _same_codes(option.of, source_codes)
            if unknown or not option.of:
                raise CodebookError(f"{item.id}: value {option.code!r} recodes codes of "
                                    f"{source.id} ({', '.join(source_codes)}); found "
                                    f"{list(option.of)}", place)  # fmt: skip
            twice = sorted(set(seen) & set(mapped))
            if twice:
                raise CodebookError(f"{item.id}: {source.id} code(s) {twice} recoded twice",
                                    place)
            seen += mapped


def _replicates(raw: dict[str, Any]) -> Replicates:
    """``design.replicate_weights``, with R svrepdesign's defaults for what it leaves out."""
    place = ("design", "replicate_weights")
    method, count = str(raw["method"]), int(raw["count"])
    rho = raw.get("fay_rho")
    if (method == "fay") != (rho is not None):
        raise CodebookError("design.replicate_weights: fay_rho goes with method fay (Fay's "
                            f"BRR) and only with it; found method {method!r}, fay_rho {rho!r}",
                            (*place, "fay_rho" if rho is not None else "method"))
    rscales = raw.get("rscales")
    if rscales is not None and len(rscales) != count:
        raise CodebookError(f"design.replicate_weights.rscales: expected one per replicate "
                            f"({count}); found {len(rscales)}", (*place, "rscales"))
    if method == "jkn" and rscales is None:
        raise CodebookError("design.replicate_weights: method jkn needs rscales, (n_h - 1)/n_h "
                            "for each replicate (as R's svrepdesign(type = \"JKn\"))",
                            (*place, "method"))  # fmt: skip
    default_scale, default_mse = REPLICATE_DEFAULTS[method]
    scale = raw.get("scale")
    mse = raw.get("mse")
    return Replicates(method=method, prefix=str(raw["prefix"]), count=count,
                      scale=float(scale if scale is not None else
                                  default_scale(count, float(rho or 0.0))),
                      rscales=tuple(float(r) for r in (rscales or [1.0] * count)),
                      fay_rho=float(rho or 0.0),
                      mse=bool(default_mse if mse is None else mse),
                      df=None if raw.get("df") is None else float(raw["df"]))  # fmt: skip


def _calibration(raw: dict[str, Any] | None) -> Calibration | None:
    """``design.calibration`` (checked against the questions in ``_check_calibration``)."""
    if raw is None:
        return None
    population = tuple((str(q), tuple((code_key(c), float(n)) for c, n in counts.items()))
                       for q, counts in raw["population"].items())  # fmt: skip
    return Calibration(method=str(raw["method"]), population=population)


def _frame(raw: dict[str, Any] | None) -> Frame | None:
    """The codebook's ``frame:`` section (checked against the variables in ``_check_frame``)."""
    if raw is None:
        return None
    if raw.get("size") is not None and raw.get("size_at_least") is not None:
        raise CodebookError("frame: give size (known exactly) or size_at_least (a lower "
                            "bound), not both", ("frame", "size_at_least"))  # fmt: skip
    counts = tuple((str(v), tuple((code_key(c), int(n)) for c, n in codes.items()))
                   for v, codes in (raw.get("counts") or {}).items())  # fmt: skip
    return Frame(raw.get("size"), raw.get("size_at_least"), counts, str(raw.get("source") or ""))


def _check_frame(book: Codebook) -> None:
    """Each ``frame.counts`` variable is a group or question; each count one of its codes."""
    if book.frame is None:
        return
    for var, counts in book.frame.counts:
        place = ("frame", "counts", var)
        options = [g.values for g in book.groups if g.id == var] or \
            [q.answers for q in book.questions if q.id == var and q.categorical]  # fmt: skip
        if not options:
            raise CodebookError(f"frame.counts: expected a group or single-answer question id; "
                                f"found {var!r}", place)  # fmt: skip
        codes = [code_key(o.code) for o in options[0]]
        unknown = [c for c, _ in counts if c not in codes]
        if unknown:
            raise CodebookError(f"frame.counts.{var}: expected codes among {codes}; found "
                                f"{unknown}", place)  # fmt: skip


def _check_calibration(book: Codebook) -> None:
    """Each calibration variable is a single-answer question; each count one of its codes."""
    if book.design is None or book.design.calibration is None:
        return
    cal = book.design.calibration
    place = ("design", "calibration", "population")
    if cal.method == "poststratify" and len(cal.population) != 1:
        raise CodebookError(f"design.calibration: poststratify adjusts to the counts of one "
                            f"question's answers; found {len(cal.population)} questions (use "
                            f"rake or linear for several margins)", place)  # fmt: skip
    totals = set()
    for qid, counts in cal.population:
        try:
            q = book.question(qid)
        except KeyError:
            raise CodebookError(f"design.calibration.population: expected a question id; "
                                f"found {qid!r}", (*place, qid)) from None  # fmt: skip
        if not q.categorical:
            raise CodebookError(f"design.calibration.population.{qid}: expected a single-answer "
                                f"question; found a {q.type} question", (*place, qid))
        codes = [code_key(o.code) for o in q.answers]
        given = [c for c, _ in counts]
        if sorted(given) != sorted(codes) or any(n <= 0 for _, n in counts):
            raise CodebookError(f"design.calibration.population.{qid}: expected a positive "
                                f"population count for each answer code {codes}; found "
                                f"{dict(counts)}", (*place, qid))  # fmt: skip
        totals.add(round(sum(n for _, n in counts), 6))
    if len(totals) > 1:
        raise CodebookError(f"design.calibration.population: every margin must add up to the "
                            f"same population total; found {sorted(totals)}", place)


def _design(raw: dict[str, Any] | None) -> Design | None:
    """The codebook's ``design:`` section (None without one)."""
    if raw is None:
        return None
    replicate = raw.get("replicate_weights") or {}
    columns = {k: str(v) for k, v in raw.items() if v and k in ("weight", "strata", "psu", "fpc")}
    design = Design(**columns, replicate=_replicates(replicate) if replicate else None,
                    calibration=_calibration(raw.get("calibration")))  # fmt: skip
    if replicate and (design.strata or design.psu or design.fpc):
        raise CodebookError("design: replicate weights carry the design's strata, PSUs and "
                            "fpc (R's svrepdesign: its scale and rscales); give a weight and "
                            "replicate_weights, or a weight with strata, psu and fpc",
                            ("design", "replicate_weights"))  # fmt: skip
    if replicate and not design.weight:
        raise CodebookError("design: replicate weights go with a full-sample weight: name it",
                            ("design", "replicate_weights"))  # fmt: skip
    if not design.columns:
        raise CodebookError("design: name at least one of weight, strata, psu (or leave the "
                            "section out: every respondent then counts once)", ("design",))
    return design


def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise CodebookError(f"{path}: cannot read codebook: {exc}") from exc
    try:
        return parse_codebook(data)
    except CodebookError as exc:
        line = yaml_line(text, exc.place) if exc.place else None
        where = f"{path}:{line}" if line else str(path)
        raise CodebookError(f"{where}: {exc}", exc.place) from exc
