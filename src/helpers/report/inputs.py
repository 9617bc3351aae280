"""Everything the report reads, loaded in one call from the paths the stage gives.

The clean stage's hand-offs (respondent rows, free-text answers: possibly a hundred
million rows) are verified (checksum, stamp, types) and scanned lazily, never read
whole: the report's sections collect only what they show (helpers.report.rows), and
the provenance appendix only the rows of the figures it lists. The stages' CSV
tables (figures, claims, audit, rows set aside) are small and read into pandas.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import polars as pl

from helpers.core import handoff
from helpers.core.codebook import Codebook, load_codebook
from helpers.core.files import sha256_file
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.core.tables import read_csv
from helpers.report.adapters import ReportAdapter, report_adapter
from helpers.report.rows import selected

# (stage, output) of every upstream file the report reads or names; the report
# stage's dvc.yaml deps list each of them for the survey (Stage.input checks it).
INPUTS = (
    ("extract", "source"),
    ("extract", "claims"),
    ("clean", "responses"),  # named (formula cells, respondents), its values from the hand-off
    ("clean", "free_text"),  # named (formula cells), its values from the hand-off
    ("clean", "responses_parquet"),
    ("clean", "free_text_parquet"),
    ("clean", "rejects"),
    ("clean", "reconciliation"),
    ("summarize", "summaries"),
    ("summarize", "provenance"),
    ("audit", "audit"),
)


@dataclass
class ReportInputs:
    """The report's tables, parameters and source, read once."""

    book: Codebook
    params: dict[str, Any]
    stats: StatsParams
    small_base: SmallBasePolicy  # report.small_n and report.small_base_rule
    max_rows: int
    adapter: ReportAdapter  # what the report shows differently for this input kind
    responses: pl.LazyFrame  # the verified hand-off, scanned (helpers.report.rows reads it)
    rejects: pd.DataFrame
    reconciliation: pd.DataFrame
    free_text: pl.LazyFrame  # likewise
    summaries: pd.DataFrame
    claims: pd.DataFrame
    audit: pd.DataFrame
    source: dict[str, Any]
    provenance: dict[str, Any]
    # The hand-offs' rows the provenance appendix lists (those of each figure counting
    # at most max_rows), by table name (provenance's "tables").
    tables: dict[str, pd.DataFrame]
    source_lines: list[str]
    codebook_sha256: str
    paths: dict[str, str] = field(default_factory=dict)  # "<stage>.<output>" -> its file
    responses_csv: str = ""  # the clean stage's CSV of the responses (its path)
    chart_log: list[dict[str, str]] = field(default_factory=list)
    # The CSV files of these tables (as the stages wrote them) -> the tables' values, for
    # the cells those files hold after an apostrophe (helpers.core.tables.formula_cells).
    csv_tables: dict[str, pd.DataFrame | pl.LazyFrame] = field(default_factory=dict)


def _json(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_inputs(paths: Mapping[str, str], params: Mapping[str, Any]) -> ReportInputs:
    """Read every input of the report.

    ``paths``: ``"<stage>.<output>"`` -> file, for each of :data:`INPUTS`.
    ``params``: the report stage's declared parameter values (dotted keys:
    ``codebook``, ``input_kind``, ``source``, ``encoding``, ``stats.*``, ``report.*``).
    """
    book = load_codebook(params["codebook"])
    adapter = report_adapter(params["input_kind"])
    t = _read_tables(paths, params, book)
    source = _json(paths["extract.source"])
    prov = _json(paths["summarize.provenance"])
    max_rows = int(params["report.max_listed_rows"])
    return ReportInputs(
        book=book,
        params=dict(params),
        stats=StatsParams(
            **{k.partition(".")[2]: v for k, v in params.items() if k.startswith("stats.")}
        ),
        small_base=SmallBasePolicy(
            int(params["report.small_n"]), str(params["report.small_base_rule"])
        ),
        max_rows=max_rows,
        adapter=adapter,
        source=source,
        provenance=prov,
        tables=_listed_rows(prov, t, max_rows, adapter.categorical_codes),
        source_lines=adapter.source_text_lines(params["source"], source),
        codebook_sha256=sha256_file(params["codebook"]),
        csv_tables=_csv_tables(paths, t),
        paths=dict(paths),
        responses_csv=paths["clean.responses"],
        **t,
    )


def _read_tables(
    paths: Mapping[str, str], params: Mapping[str, Any], book: Codebook
) -> dict[str, Any]:
    """The report's tables by :class:`ReportInputs` field: hand-offs (scanned) and CSVs."""
    kind, codebook = params["input_kind"], params["codebook"]
    # The clean stage's hand-offs, verified without reading their rows, as LazyFrames.
    responses = handoff.scan_responses(paths["clean.responses_parquet"], book, kind, codebook)
    free_text = handoff.scan_free_text(paths["clean.free_text_parquet"], kind, codebook)
    audit = read_csv(
        paths["audit.audit"], text_columns=("stated", "recomputed", "recomputed_exact")
    )
    return {
        "responses": responses,
        "free_text": free_text,
        "rejects": read_csv(paths["clean.rejects"]),
        "reconciliation": read_csv(paths["clean.reconciliation"]),
        # A figure as the report prints it stays text ('1.000', '9', '<0.001'), as
        # summarize wrote it.
        "summaries": read_csv(
            paths["summarize.summaries"], text_columns=("shown", "shown_low", "shown_high")
        ),
        "claims": read_csv(paths["extract.claims"]),
        "audit": audit.fillna({"recomputed": "", "recomputed_exact": "", "rule": ""}),
    }


def _listed_rows(
    prov: Mapping[str, Any], t: Mapping[str, Any], max_rows: int, categorical: bool
) -> dict[str, pd.DataFrame]:
    """Each table provenance names -> the rows its figures of at most ``max_rows`` count.

    The provenance appendix lists the rows of those figures only (a larger count is
    named, not listed: helpers.report.audit_sections); each rule selects from these
    rows exactly the rows it selects from the whole table.
    """
    summaries = t["summaries"]
    rules: dict[str, list[Any]] = {name: [] for name in prov["tables"]}
    for fid, n in zip(summaries["figure_id"], summaries["n"], strict=True):
        fig = prov["figures"][fid]
        if int(n) <= max_rows and fig["numerator"] is not None:
            rules[fig["table"]].append(fig["numerator"])
    return {name: selected(t[name], rules[name], categorical) for name in prov["tables"]}


def _csv_tables(paths: Mapping[str, str], t: Mapping[str, Any]) -> dict[str, Any]:
    """Each CSV file the stages wrote -> the values of its table.

    The clean stage writes responses.csv and free_text.csv beside their hand-offs, from
    the same tables (dvc.yaml): the report scans the hand-offs, and names the CSVs.
    """
    return {
        paths["clean.responses"]: t["responses"],
        paths["clean.free_text"]: t["free_text"],
        paths["clean.rejects"]: t["rejects"],
        paths["clean.reconciliation"]: t["reconciliation"],
        paths["summarize.summaries"]: t["summaries"],
        paths["extract.claims"]: t["claims"],
        paths["audit.audit"]: t["audit"],
    }
