"""The clean stage per input family: a document's lists reconciled, an export's codes mapped.

``clean_input`` is what notebook 02 calls; it looks the adapter up by the input
kind's family (helpers.core.inputs), so the notebook never compares kinds.

* a document (fifteen respondents rebuilt from its lists): pandas + pandera, the
  extract stage's mentions reconciled into one row per organization;
* an export (CSV, .sav, .dta, maybe millions of rows): polars, codes judged per
  distinct value (helpers.clean.export).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl

from helpers.clean.accounting import Reconciled
from helpers.clean.export import check_export_responses, clean_export
from helpers.clean.reconcile import reconcile
from helpers.core import handoff
from helpers.core.codebook import Codebook
from helpers.core.inputs import StageView, input_kind
from helpers.core.schemas import free_text_schema, mentions_schema, responses_schema, validate
from helpers.core.tables import read_csv
from helpers.extract.export import work_folder
from helpers.extract.respondents import scan_respondents


@dataclass(frozen=True)
class Cleaned:
    """The clean stage's result: counts and rejects, the validated responses and free text."""

    result: Reconciled
    responses: pd.DataFrame | pl.DataFrame | pl.LazyFrame
    free_text: pd.DataFrame | pl.DataFrame | pl.LazyFrame
    responses_handoff: Callable[[Path], None]  # writes the respondent rows' hand-off

    def preview(self, rows: int = 20) -> pd.DataFrame | pl.DataFrame:
        """The first ``rows`` responses (read from disk when they are streamed)."""
        head = self.responses.head(rows)
        return head.collect() if isinstance(head, pl.LazyFrame) else head


def clean_document(stage: StageView, book: Codebook) -> Cleaned:
    """The document's mentions (extract stage) reconciled and validated (pandera)."""
    source_path = stage.get("source")
    mentions_path = stage.input("extract", "mentions")
    mentions = validate(mentions_schema(book), read_csv(mentions_path), mentions_path)
    result = reconcile(mentions, book, path=source_path)
    free_text = validate(
        free_text_schema(book),
        read_csv(stage.input("extract", "free_text")),
        stage.output("free_text"),
    )
    responses = validate(responses_schema(book), result.responses, stage.output("responses"))
    kind, codebook_path = stage.get("input_kind"), stage.get("codebook")
    sink = handoff.responses_sink(responses, book, kind, codebook_path)
    return Cleaned(result, responses, free_text, sink)


def clean_export_input(stage: StageView, book: Codebook) -> Cleaned:
    """The export's rows read (polars), codes mapped, rejects set aside, invariants checked.

    A CSV export is streamed (helpers.extract.export.scan_export): the responses and
    free text come back as LazyFrames, which the stage sinks to its outputs. The
    mapped rows are encoded once, into the hand-off (in a scratch folder), which the
    checks and ``responses.csv`` read and the stage's output copies.
    """
    kind, source_path = stage.get("input_kind"), stage.get("source")
    keep, sink = handoff.kept_responses(
        book, kind, stage.get("codebook"), Path(work_folder()) / "responses.parquet"
    )
    raw = scan_respondents(
        source_path,
        book,
        kind,
        encoding=stage.get("encoding"),
        max_field_bytes=stage.get("clean.max_field_bytes"),
    )
    share = stage.get("clean.max_reject_share")
    result, free_text = clean_export(raw, book, source_path, share, keep)
    responses = check_export_responses(
        result.responses, book, stage.output("responses"), input_kind(kind).first_record
    )
    return Cleaned(result, responses, free_text, sink)


CLEANERS: dict[str, Callable[[StageView, Codebook], Cleaned]] = {
    "document": clean_document,
    "export": clean_export_input,
}


def clean_input(stage: StageView, book: Codebook) -> Cleaned:
    """Clean the survey's input of the stage's ``input_kind``."""
    return CLEANERS[input_kind(stage.get("input_kind")).family](stage, book)
