"""The codebook: questions, answers in order, labels, groups and source cues.

One model: ``helpers.core.codebook_schema`` validates the file's keys and types
(pydantic), each part is built from that validated spec (``Question.from_spec``,
``Design.from_spec``, ...), and what a schema cannot say is checked on the built
parts. This module reads a codebook (``load_codebook``: a file, errors at
file:line; ``parse_codebook``: a mapping) and is where the stages import its
names from. The parts live in:

- ``codebook_parts``: answers, questions, groups, the survey, source and input sections;
- ``codebook_design``: the survey design and the population frame;
- ``codebook_model``: the ``Codebook`` and the views the stages take of it;
- ``codebook_checks``, ``codebook_language``, ``codebook_routing``,
  ``codebook_figure_ids``: what a schema cannot say (codes, ids, breakdowns, nets,
  bases, routing, recodes, labels, figure ids).
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import yaml

from helpers.core.codebook_checks import (
    RESERVED_IDS,
    check_breakdowns,
    check_calibration,
    check_frame,
    check_groups,
    check_ids,
    check_questions,
)
from helpers.core.codebook_design import (
    DESIGN_COLUMNS,
    REPLICATE_DEFAULTS,
    Calibration,
    Design,
    Frame,
    Replicates,
)
from helpers.core.codebook_figure_ids import check_figure_ids
from helpers.core.codebook_language import ALL_LABEL, check_language
from helpers.core.codebook_model import Codebook, check_banners
from helpers.core.codebook_parts import (
    DEFAULT_TITLE,
    INDICATOR_SEPARATOR,
    NOT_SELECTED,
    SELECTED,
    Banner,
    Group,
    Inputs,
    Option,
    Question,
    Source,
    Survey,
)
from helpers.core.codebook_routing import routing_order
from helpers.core.codebook_schema import CATEGORICAL_TYPES, QUESTION_TYPES, check_codebook
from helpers.core.codebook_texts import Fallback, resolve_texts
from helpers.core.errors import CodebookError
from helpers.core.text import name_key, normalize_text, slug
from helpers.core.yaml_lines import yaml_line
from helpers.core.yaml_strict import YamlError, decode_utf8, load_yaml

__all__ = [
    "ALL_LABEL",
    "CATEGORICAL_TYPES",
    "DEFAULT_TITLE",
    "DESIGN_COLUMNS",
    "INDICATOR_SEPARATOR",
    "NOT_SELECTED",
    "QUESTION_TYPES",
    "REPLICATE_DEFAULTS",
    "RESERVED_IDS",
    "SELECTED",
    "Calibration",
    "Codebook",
    "CodebookError",
    "Design",
    "Frame",
    "Group",
    "Inputs",
    "Option",
    "Question",
    "Replicates",
    "Source",
    "Survey",
    "load_codebook",
    "name_key",
    "normalize_text",
    "parse_codebook",
    "routing_order",
    "slug",
]


def parse_codebook(data: dict[str, Any], language: str | None = None) -> Codebook:
    """Build and validate a Codebook from its YAML mapping, its texts in ``language``.

    ``language`` None: the codebook's own (``survey.language``, default ``en``); a
    text given per language (``{en: ..., es: ...}``) is taken in ``language``, or in
    the codebook's language with a mark when missing (``Codebook.fallbacks``).
    Keys and types are checked first (helpers.core.codebook_schema: an unknown
    key is refused, naming the nearest valid one); the parts are built from that
    validated spec; then what a schema cannot say: ids unique across groups and
    questions, codes unique by value, no missing code that is also an answer
    code, breakdowns naming what exists, the codebook language's own rules.
    """
    if not isinstance(data, dict) or "questions" not in data:
        raise CodebookError("the codebook needs a 'questions' list")
    raw, data = data, copy.deepcopy(data)
    lang, fallbacks = resolve_texts(data, language)
    spec = check_codebook(data)
    questions = tuple(Question.from_spec(q) for q in spec.questions)
    check_questions(questions)
    groups = tuple(Group.from_spec(g) for g in spec.groups)
    check_groups(groups)
    check_ids(questions, groups)
    by_group = spec.breakdowns.by_group
    book = Codebook(
        survey=Survey.from_spec(spec.survey),
        source=Source.from_spec(spec.source),
        groups=groups,
        questions=questions,
        by_group=tuple(g.id for g in groups) if by_group is None else tuple(by_group),
        crosstabs=tuple(spec.breakdowns.crosstabs),
        raw=raw,
        input=Inputs.from_spec(spec.input),
        frame=None if spec.frame is None else Frame.from_spec(spec.frame),
        design=None if spec.design is None else Design.from_spec(spec.design),
        banners=tuple(Banner.from_spec(b) for b in spec.banners),
        language=lang,
        fallbacks=tuple(_fallback_note(f, None) for f in fallbacks),
        missing=tuple(fallbacks),
    )
    check_language(book)
    check_calibration(book)
    check_frame(book)
    check_breakdowns(book)
    check_banners(book)
    check_figure_ids(book)
    return book


def _not_a_codebook(path: Path, text: str, data: Any) -> CodebookError:
    """The refusal of a file that is not a mapping with a 'questions' list, at its line."""
    root = yaml.compose(text) if data is not None else None
    line = root.start_mark.line + 1 if root is not None else 1
    found = (
        "an empty file"
        if data is None
        else f"no 'questions' key (keys: {list(data)})"
        if isinstance(data, dict)
        else f"a {type(data).__name__}: {data!r:.60}"
    )
    return CodebookError(
        f"{path}:{line}: expected a mapping with a 'questions' list (a codebook); found {found}"
    )


def _fallback_note(fallback: Fallback, where: str | None) -> str:
    """One line for a text the language lacks: where it is and what the report shows."""
    place = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in fallback.place)
    head = f"{where}: " if where else ""
    return (
        f"{head}{place.lstrip('.')}: no {fallback.language!r} text; "
        f"shown in the codebook's language, marked: {fallback.shown!r}"
    )


def load_codebook(path: str | Path, language: str | None = None) -> Codebook:
    """Read a codebook YAML file: UTF-8 and YAML read strictly (``helpers.core.yaml_strict``).

    ``language``: the language of its texts (see :func:`parse_codebook`); each text
    that falls back is listed in ``Codebook.fallbacks`` as ``file:line: ...``.
    A key written twice, an alias, an explicit tag or a byte that is not UTF-8 is
    refused at its line; so is a file that is not a mapping with a 'questions' list.
    """
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
        raise _not_a_codebook(path, text, data)
    try:
        book = parse_codebook(data, language)
    except CodebookError as exc:
        line = yaml_line(text, exc.place) if exc.place else None
        where = f"{path}:{line}" if line else str(path)
        raise CodebookError(f"{where}: {exc}", exc.place) from exc
    if not book.fallbacks:
        return book
    notes = tuple(_fallback_note(f, f"{path}:{yaml_line(text, f.place)}") for f in book.missing)
    return dataclasses.replace(book, fallbacks=notes)
