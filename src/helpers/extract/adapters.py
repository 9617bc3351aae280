"""The extract stage per input family: a published document is parsed, an export described.

``extract_input`` is what notebook 01 calls; it looks the adapter up by the input
kind's family (helpers.core.inputs), so the notebook never compares kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.core.codebook import Codebook
from helpers.core.inputs import input_kind
from helpers.extract.claims import CLAIM_COLUMNS, extract_claims
from helpers.extract.document_structure import ParsedSource, empty_parse
from helpers.extract.respondents import describe_respondents
from helpers.extract.source_parser import parse_source
from helpers.extract.source_reader import read_source, source_info


@dataclass(frozen=True)
class Extracted:
    """What the extract stage writes: parsed lines and lists, claims, the source's facts."""

    parsed: ParsedSource
    claims: pd.DataFrame
    info: dict[str, Any]


def extract_document(path: str, book: Codebook, kind: str, encoding: str) -> Extracted:
    """The published document: every line classified, its lists and its numeric claims."""
    source = read_source(path, encoding=encoding)
    parsed = parse_source(source.text, book, path=path)
    claims = extract_claims(parsed.lines, book)
    return Extracted(parsed, claims, source_info(source, len(parsed.lines)))


def extract_export(path: str, book: Codebook, kind: str, encoding: str) -> Extracted:
    """An export: nothing to parse and no published figure; its hash and columns checked."""
    info = describe_respondents(path, book, kind, encoding=encoding)
    return Extracted(empty_parse(), pd.DataFrame(columns=CLAIM_COLUMNS), info)


EXTRACTORS: dict[str, Callable[[str, Codebook, str, str], Extracted]] = {
    "document": extract_document,
    "export": extract_export,
}


def extract_input(kind: str, path: str, book: Codebook, encoding: str) -> Extracted:
    """Read the survey's input of ``kind`` (params.yaml ``input_kind``) at ``path``."""
    return EXTRACTORS[input_kind(kind).family](path, book, kind, encoding)
