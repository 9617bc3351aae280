"""The codebook: questions, answers in order, labels, groups and source cues.

One model: ``helpers.core.codebook_schema`` validates the file's keys and types
(pydantic), each part is built from that validated spec (``Question.from_spec``,
``Design.from_spec``, ...), and what a schema cannot say is checked on the built
parts. Modules:

- ``model``: answers, questions, groups, the survey, source and input sections;
- ``design``: the survey design and the population frame;
- ``book``: the ``Codebook`` and the views the stages take of it;
- ``checks``, ``language``, ``labels``, ``routing``, ``figure_ids``: what a schema
  cannot say (codes, ids, nets, bases, routing, recodes, labels, figure ids);
- ``load``: ``load_codebook`` (a file, errors at file:line) and ``parse_codebook``.
"""

from helpers.core.codebook.book import Codebook
from helpers.core.codebook.checks import RESERVED_IDS
from helpers.core.codebook.design import (
    DESIGN_COLUMNS,
    REPLICATE_DEFAULTS,
    Calibration,
    Design,
    Frame,
    Replicates,
)
from helpers.core.codebook.labels import ALL_LABEL
from helpers.core.codebook.load import load_codebook, parse_codebook
from helpers.core.codebook.model import (
    DEFAULT_TITLE,
    INDICATOR_SEPARATOR,
    NOT_SELECTED,
    SELECTED,
    Group,
    Inputs,
    Option,
    Question,
    Source,
    Survey,
)
from helpers.core.codebook.routing import routing_order
from helpers.core.codebook_schema import CATEGORICAL_TYPES, QUESTION_TYPES
from helpers.core.errors import CodebookError
from helpers.core.text import name_key, normalize_text, slug

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
