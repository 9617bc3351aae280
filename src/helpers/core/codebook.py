"""The codebook: questions, answers in order, labels, groups and source cues."""

from __future__ import annotations

import heapq
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


def _options(raw: list[dict[str, Any]], where: str,
             place: tuple[Any, ...] = ()) -> tuple[Option, ...]:  # fmt: skip
    """Options of a list (``where``: its name in messages, ``place``: its key path)."""
    options = []
    for i, item in enumerate(raw):
        if "code" not in item or "label" not in item:
            raise CodebookError(f"{where}[{i}]: expected an option with 'code' and 'label'; "
                                f"found keys {sorted(item)}", (*place, i))  # fmt: skip
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
        again = next(j for j, k in enumerate(keys) if k in keys[:j])
        first = keys.index(keys[again])
        raise CodebookError(f"{where}[{again}].code: expected codes unique by value; found "
                            f"duplicate codes {codes}: {codes[again]!r} is {where}[{first}]'s "
                            f"{codes[first]!r} (codes compare by value: '6' and '6.0' are one "
                            f"code)", (*place, again, "code"))  # fmt: skip
    return tuple(options)


# Ids with a meaning of their own in figure ids and responses: group "all" is every
# respondent (<question>.all.all.<answer>), question "respondents" the respondent counts.
RESERVED_IDS = {"all": "every respondent's figures (<question>.all.all.<answer>)",
                "respondents": "the respondent counts (respondents.<group>.<value>)"}  # fmt: skip


def _check_ids(questions: list[Question], groups: list[Group]) -> None:
    """Ids neither reserved nor shared by a question and a group, each named with its place."""
    entries = [("questions", i, q.id) for i, q in enumerate(questions)] + \
        [("groups", i, g.id) for i, g in enumerate(groups)]  # fmt: skip
    design = sorted(DESIGN_COLUMNS.values())
    for kind, i, vid in entries:
        where = f"{kind}[{i}] ({vid}).id"
        if vid in design:
            raise CodebookError(f"{where}: expected an id other than the survey design's columns "
                                f"({', '.join(design)}); found {vid!r}: ids {[vid]} are reserved "
                                f"for the survey design's columns", (kind, i, "id"))
        if vid in RESERVED_IDS:
            raise CodebookError(f"{where}: expected an id other than {vid!r}; found {vid!r}, "
                                f"reserved for {RESERVED_IDS[vid]}", (kind, i, "id"))
    taken = [vid for _, _, vid in entries]
    twice = sorted({v for v in taken if taken.count(v) > 1})
    if twice:
        kind, i, vid = next(e for j, e in enumerate(entries) if e[2] in taken[:j])
        fkind, fi, _ = entries[taken.index(vid)]
        raise CodebookError(f"{kind}[{i}] ({vid}).id: expected an id that no question or "
                            f"other group has; found {vid!r}, the id of {fkind}[{fi}] (ids must "
                            f"be unique across questions and groups; found {twice} more than "
                            f"once; a group and a question may share a column, not an id)",
                            (kind, i, "id"))  # fmt: skip


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
        answers = _options(q.get("answers", []), f"{where} ({q['id']}).answers",
                           ("questions", i, "answers"))
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
        clash = [k for k, m in enumerate(missing) if code_key(m) in answer_keys]
        if clash:
            m = missing[clash[0]]
            raise CodebookError(f"{where} ({q['id']}).missing_codes[{clash[0]}]: expected missing "
                                f"codes that are no answer's code; found that missing code "
                                f"{m!r} is also the answer code {answer_keys[code_key(m)]!r} "
                                f"(answers[{list(answer_keys).index(code_key(m))}]): a value "
                                f"cannot be both an answer and missing",
                                ("questions", i, "missing_codes", clash[0]))  # fmt: skip
        questions.append(
            Question(
                id=str(q["id"]),
                type=q["type"],
                text=" ".join(str(q["text"]).split()),
                short=str(q.get("short", q["id"])),
                section=q.get("section"),
                answers=answers,
                items=_options(q.get("items", []), f"{where} ({q['id']}).items",
                               ("questions", i, "items")),
                parent=q.get("parent"),
                missing_codes=missing,
                column=str(q.get("column", "")),
                separator=separator,
                by=None if q.get("breakdowns") is None else tuple(q["breakdowns"]),
                unit=str(q.get("unit") or ""),
                nets=_options(q.get("nets", []), f"{where} ({q['id']}).nets",
                              ("questions", i, "nets")),
                excluded=tuple(str(c) for c in q.get("excluded_from_base", ())),
                neutral=tuple(str(c) for c in q.get("neutral", ())),
                derived_from=str(q.get("derived_from") or ""),
                asked_if=tuple((str(k), tuple(str(c) for c in v))
                               for k, v in (q.get("asked_if") or {}).items()),
            )
        )
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        again = next(j for j, qid in enumerate(ids) if qid in ids[:j])
        raise CodebookError(f"questions[{again}] ({ids[again]}).id: expected each question id "
                            f"once; found duplicate question ids: {ids[again]!r} again (first: "
                            f"questions[{ids.index(ids[again])}])", ("questions", again, "id"))
    groups = []
    for i, g in enumerate(data.get("groups", [])):
        values = g.get("values", [])
        groups.append(
            Group(
                id=str(g["id"]),
                label=str(g.get("label", g["id"])),
                values=() if values == "from_source" else _options(
                    values, f"groups[{i}] ({g['id']}).values", ("groups", i, "values")),
                from_source=values == "from_source",
                column=str(g.get("column", "")),
                list_cues=tuple(str(c) for c in g.get("source_list_cues", ())),
                derived_from=str(g.get("derived_from") or ""),
            )
        )
    _check_ids(questions, groups)
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
    _check_figure_ids(book)
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
        excluded, _ = _same_codes(q.excluded, codes)
        if codes and set(excluded) >= set(codes):
            raise CodebookError(f"question {q.id}: excluded_from_base: expected at least one "
                                f"answer left in the base; found every answer of {q.id} "
                                f"excluded ({', '.join(codes)}): its percentages would have no "
                                f"base", (*where[q.id], "excluded_from_base"))  # fmt: skip
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
            if book.same_variable(q.id, var) or source.from_source:
                how = ("values taken from the source" if source.from_source else "itself"
                       if var == q.id else f"a recode of {q.id}" if source.derived_from == q.id
                       else f"{q.id}'s own column {q.source_column!r}")  # fmt: skip
                raise CodebookError(f"question {q.id}: asked_if: expected a coded variable other "
                                    f"than {q.id} itself or a recode of it; found {var!r}, "
                                    f"{how}",
                                    (*where[q.id], "asked_if"))  # fmt: skip
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
        chained = source.derived_from or (source.of_question and
                                          book.question(source.id).derived_from)  # fmt: skip
        if chained:
            raise CodebookError(f"{item.id}: derived_from: expected a coded variable that is not "
                                f"derived itself; found {item.derived_from!r}, derived from "
                                f"{chained!r} (derive {item.id} from {chained} directly)",
                                place)  # fmt: skip
        if source.from_source or (isinstance(item, Question) and not item.categorical):
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
    routing_order(book)  # refuses routing in a cycle
    _check_labels(book, where)


def _places(book: Codebook) -> dict[str, tuple[Any, ...]]:
    """Each question's and group's key path in the file."""
    where: dict[str, tuple[Any, ...]] = {q.id: ("questions", i) for i, q in
                                         enumerate(book.questions)}  # fmt: skip
    return where | {g.id: ("groups", i) for i, g in enumerate(book.groups)}


def routing_order(book: Codebook) -> tuple[Question, ...]:
    """The routed questions, each after every variable its ``asked_if`` reads.

    A variable depends on those its ``asked_if`` names and, if derived, on its
    source; cleaning judges each question's routing on the values the ones before
    it left (a set-aside answer routes no one). Routing in a cycle (``q2`` asked
    if ``q3``, ``q3`` asked if ``q2``; a question asked if its own recode) has no
    such order: refused, naming the variables of the cycle.
    """
    edges: dict[str, list[tuple[str, str]]] = {}
    for item in book.derived:
        edges.setdefault(item.id, []).append(("derived from", item.derived_from))
    for q in book.questions:
        edges.setdefault(q.id, []).extend(("asked_if", var) for var, _ in q.asked_if)
    position = {vid: k for k, vid in enumerate([*[q.id for q in book.questions],
                                                *[g.id for g in book.groups]])}  # fmt: skip
    waiting = {v: {d for _, d in out} for v, out in edges.items()}
    users: dict[str, list[str]] = {}
    for v, deps in waiting.items():
        for d in deps:
            users.setdefault(d, []).append(v)
    ready = sorted((position.get(v, -1), v) for v, deps in waiting.items() if not deps)
    order: list[str] = []
    while ready:
        _, v = heapq.heappop(ready)
        order.append(v)
        for user in users.get(v, []):
            waiting[user].discard(v)
            if not waiting[user]:
                heapq.heappush(ready, (position.get(user, -1), user))
    left = [v for v, deps in waiting.items() if deps]
    if left:
        node, path = min(left, key=lambda v: position.get(v, -1)), []
        while node not in path:  # each variable left waits on another left: a cycle
            path.append(node)
            node = min(waiting[node], key=lambda v: position.get(v, -1))
        cycle = path[path.index(node):]
        start = min(range(len(cycle)), key=lambda k: position.get(cycle[k], -1))
        cycle = cycle[start:] + cycle[:start]
        steps = []
        for k, v in enumerate(cycle):
            nxt = cycle[(k + 1) % len(cycle)]
            how = next(h for h, d in edges[v] if d == nxt)
            steps.append(f"{v} {how} {nxt}")
        first_how = steps[0].split(" ")[1] if steps[0].split(" ")[1] == "asked_if" else \
            "derived_from"  # fmt: skip
        raise CodebookError(f"{cycle[0]}: {first_how}: expected routing on variables answered "
                            f"before {cycle[0]} (no cycle); found a cycle of "
                            f"{len(cycle)}: {', '.join(steps)}",
                            (*_places(book)[cycle[0]], first_how))  # fmt: skip
    routed = {q.id: q for q in book.summarized if q.asked_if}
    return tuple(routed[v] for v in order if v in routed)


ALL_LABEL = "All respondents"  # the overall row of the report's stacked charts


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _check_labels(book: Codebook, where: dict[str, tuple[Any, ...]]) -> None:
    """Labels unique within a question's answers and nets, and within a group's values.

    The report's stacked charts are keyed by label (helpers.report.markup's
    crosstab_matrix: answers by group values): two labelled alike would be merged
    into one bar, and so would a group value (or an answer of a question used as a
    group) labelled like the "All respondents" row. A net labelled like an answer
    would read as that answer in the tables.
    """
    as_groups = {*book.breakdown_groups, *[col for _, col in book.crosstabs]}
    lists: list[tuple[str, str, list[tuple[Option, tuple[Any, ...], str]], dict[str, str]]] = []
    for q in book.questions:
        here = where[q.id]
        options = [(o, (*here, "answers", k), f"answers[{k}]") for k, o in enumerate(q.answers)]
        options += [(o, (*here, "nets", k), f"nets[{k}]") for k, o in enumerate(q.nets)]
        reserved: dict[str, str] = {}
        if q.id in as_groups:
            reserved[_label_key(ALL_LABEL)] = f"the {ALL_LABEL!r} row ({q.id} is a breakdown)"
        lists.append((f"question {q.id}", f"questions[{here[1]}] ({q.id})", options, reserved))
    for g in book.groups:
        here = where[g.id]
        options = [(o, (*here, "values", k), f"values[{k}]") for k, o in enumerate(g.values)]
        lists.append((f"group {g.id}", f"groups[{here[1]}] ({g.id})", options,
                      {_label_key(ALL_LABEL): f"the {ALL_LABEL!r} row of the report's charts"}))
    for name, prefix, options, reserved in lists:
        seen: dict[str, str] = {}
        for option, place, at in options:
            key = _label_key(option.label)
            if key in reserved or key in seen:
                other = reserved.get(key) or f"{prefix}.{seen[key]}"
                raise CodebookError(f"{prefix}.{at}.label: expected labels unique within {name} "
                                    f"(the report's tables and charts show them by label); "
                                    f"found {option.label!r}, labelled alike as {other}",
                                    (*place, "label"))  # fmt: skip
            seen[key] = f"{at} (code {option.code!r})"


# Parts of figure ids the summaries give a meaning of their own (helpers.summarize.summaries:
# MISSING_CODE, NUMERIC_STATS, TEST and TEST_STATS, POOLED, free text's "count" and "item").
MISSING_WORD = "missing"
NUMERIC_STAT_WORDS = ("mean", "sd", "median", "p25", "p75", "min", "max")
TEST_WORD, TEST_STAT_WORDS = "test", ("statistic", "df", "p", "p_adjusted")
POOLED_WORD = "_pooled"


def _check_figure_ids(book: Codebook) -> None:
    """Every figure id the codebook implies is made once, naming both places if not.

    Figure ids are ``<question>.<group>.<group code>.<answer code>`` (and
    ``respondents.<group>.<group code>``): an answer code ``missing`` (the "No
    answer" row's), or dotted ids and codes that join into the same text, would
    make two figures one. A group whose values come from the source stands for
    values without dots (slugs). Without a dot in any id or code and without a
    reserved word among the codes, the ids are unique by construction: only then
    is each one not made.
    """
    answer_codes = {o.code for q in book.questions for o in (*q.answers, *q.nets, *q.items)}
    parts = {*answer_codes, *[o.code for g in book.groups for o in g.values],
             *[q.id for q in book.questions], *[g.id for g in book.groups]}  # fmt: skip
    if not any("." in p for p in parts) and MISSING_WORD not in answer_codes and \
            not parts & {TEST_WORD, POOLED_WORD}:  # fmt: skip
        return
    where = _places(book)
    made: dict[str, tuple[str, str, tuple[Any, ...] | None]] = {}

    def add(fid: str, whose: str, what: str, place: tuple[Any, ...] | None) -> None:
        if fid not in made:
            made[fid] = (whose, what, place)
            return
        first_whose, first_what, first_place = made[fid]
        at = place if place is not None else first_place
        raise CodebookError(f"figure id {fid!r}: expected figure ids (<question>.<group>.<group "
                            f"code>.<answer code>) unique; found it made twice, by "
                            f"{first_whose}{first_what} and by {whose}{what}",
                            at or ())  # fmt: skip

    def levels(gid: str) -> list[tuple[str, str, tuple[Any, ...] | None]]:
        if gid == "all":
            return [("all", "everyone", None)]
        g = book.group(gid)
        if g.from_source:
            return [(f"<a value of {gid}>", f"{gid}'s values", (*where[gid], "values"))]
        values, key = (book.question(gid).answers, "answers") if g.of_question else \
            (g.values, "values")  # fmt: skip
        return [(o.code, f"{gid} value {o.code!r} ({_where_text(where[gid], gid)}.{key}[k])"
                 .replace("[k]", f"[{k}]"), (*where[gid], key, k, "code"))
                for k, o in enumerate(values)]  # fmt: skip

    add("respondents.all.all", "the respondent count", "", None)
    for gid in book.breakdown_groups:
        for code, what, place in levels(gid):
            add(f"respondents.{gid}.{code}", "the respondents of ", what, place)
    for i, q in enumerate(book.questions):
        qwhere = _where_text(("questions", i), q.id)
        if q.type == "free_text":
            add(f"{q.id}.all.all.count", f"the free-text count of {q.id}", "", ("questions", i))
            for k, o in enumerate(q.items):
                add(f"{q.id}.item.{o.code}.count", f"{qwhere}.items[{k}]", "",
                    ("questions", i, "items", k, "code"))  # fmt: skip
            continue
        answers = [(o.code, f"{qwhere}.answers[{k}]", ("questions", i, "answers", k, "code"))
                   for k, o in enumerate(q.answers)]  # fmt: skip
        answers += [(o.code, f"{qwhere}.nets[{k}]", ("questions", i, "nets", k, "code"))
                    for k, o in enumerate(q.nets)]  # fmt: skip
        answers += [(s, f"{q.id}'s statistic {s!r}", None)
                    for s in (NUMERIC_STAT_WORDS if q.type == "numeric" else ())]  # fmt: skip
        answers.append((MISSING_WORD, f"{q.id}'s 'No answer' row (answer code "
                        f"{MISSING_WORD!r})", None))  # fmt: skip
        groups = ["all", *book.breakdowns_of(q), *[c for r, c in book.crosstabs if r == q.id]]
        for gid in dict.fromkeys(groups):
            for code, what, place in levels(gid):
                what = f" for {what}"
                for answer, whose, at in answers:
                    add(f"{q.id}.{gid}.{code}.{answer}", whose, what, at or place)
            if gid == "all":
                continue
            pooled = f" for {gid}'s small groups pooled ({POOLED_WORD!r})"
            for answer, whose, at in answers:
                add(f"{q.id}.{gid}.{POOLED_WORD}.{answer}", whose, pooled, at)
            for stat in TEST_STAT_WORDS:
                add(f"{q.id}.{gid}.{TEST_WORD}.{stat}", f"the test of {q.id} by {gid} "
                    f"({TEST_WORD}.{stat})", "", None)  # fmt: skip


def _where_text(place: tuple[Any, ...], vid: str) -> str:
    return f"{place[0]}[{place[1]}] ({vid})"


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
    """Read a codebook YAML file: UTF-8 and YAML read strictly (``helpers.core.yaml_strict``).

    A key written twice, an alias, an explicit tag or a byte that is not UTF-8 is
    refused at its line; so is a file that is not a mapping with a 'questions' list.
    """
    from helpers.core.yaml_strict import YamlError, decode_utf8, load_yaml

    path = Path(path)
    try:
        text = decode_utf8(path.read_bytes(), str(path))
        data = load_yaml(text, str(path))
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read codebook: {exc}") from exc
    except YamlError as exc:
        # Not YAML at all keeps its historical prefix; the strict refusals are bare.
        prefix = f"{path}: cannot read codebook: " if exc.expected == "YAML" else ""
        raise CodebookError(f"{prefix}{exc}") from None
    if not isinstance(data, dict) or "questions" not in data:
        root = yaml.compose(text) if data is not None else None
        line = root.start_mark.line + 1 if root is not None else 1
        found = ("an empty file" if data is None else f"no 'questions' key (keys: {list(data)})"
                 if isinstance(data, dict) else f"a {type(data).__name__}: {data!r:.60}")
        raise CodebookError(f"{path}:{line}: expected a mapping with a 'questions' list (a "
                            f"codebook); found {found}")  # fmt: skip
    try:
        return parse_codebook(data)
    except CodebookError as exc:
        line = yaml_line(text, exc.place) if exc.place else None
        where = f"{path}:{line}" if line else str(path)
        raise CodebookError(f"{where}: {exc}", exc.place) from exc
