"""Clean a respondent-level export: map each cell to a codebook code, missing, or a reject.

Every cell has one of three fates, and the counts add up per question:

* a codebook answer code: kept;
* blank or a declared missing code: kept as *missing* (shown as "No answer",
  excluded from the question's base);
* any other value: set aside in ``rejects.csv`` with the reason, and missing.

A multiple-choice cell becomes one 0/1 column per option (``<id>__<code>``,
all missing when the question is). Empty pieces ("1;;3", a trailing
separator) are ignored; a cell is set aside whole if a piece is not an option
code, repeats one, or mixes a missing code with answers.

Each column's distinct values are judged once (a million rows hold a few
codes); polars then maps every row by its value.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from helpers.clean.accounting import EXPORT_REJECT_COLUMNS, Reconciled
from helpers.clean.export_checks import check_export_responses, check_reject_shares
from helpers.clean.respondent_columns import ROW, design_columns, respondent_ids
from helpers.clean.routing import Rows, route, with_derived
from helpers.clean.value_plans import (
    code_plan,
    distinct_values,
    mapped,
    multiple_plan,
    numeric_plan,
)
from helpers.core.codebook import NOT_SELECTED, SELECTED, Codebook
from helpers.extract.export import (
    ID_COLUMN,
    SOURCE_LINE,
    ExportColumns,
    export_columns,
    work_folder,
)

__all__ = ["check_export_responses", "clean_export"]

REJECT_TYPES = {  # EXPORT_REJECT_COLUMNS
    "source_line": pl.Int64,
    "question": pl.String,
    "respondent_id": pl.String,
    "reason": pl.String,
}
FREE_TEXT_COLUMNS = {
    "line": pl.Int64,
    "question": pl.String,
    "item": pl.String,
    "intro_line": pl.Int64,
    "text": pl.String,
}
COUNT_TYPES = {  # reconciliation.csv
    "question": pl.String,
    "rows_read": pl.Int64,
    "rows_kept": pl.Int64,
    "rows_missing": pl.Int64,
    "rows_rejected": pl.Int64,
    "balanced": pl.Boolean,
}
Plan = tuple[str, str, dict[str, str]]  # (variable, its export column, reject reasons by value)


def clean_export(
    raw: Rows,
    book: Codebook,
    path: str,
    max_reject_share: float = 1.0,
    keep: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
) -> tuple[Reconciled, Rows]:
    """Map codes to codebook codes; return (responses, rejects, counts) and the free text.

    Each coded column's distinct values are judged first (:func:`code_plan`,
    :func:`multiple_plan`); one polars ``select`` then maps every column at once.
    A question with more than ``max_reject_share`` of its answered cells set
    aside stops here (:func:`check_reject_shares`).

    ``raw`` in memory gives the responses and free text in memory. A LazyFrame
    (:func:`helpers.extract.export.scan_export`) gives them as LazyFrames: the
    mapping runs on polars' streaming engine and the mapped rows are written once,
    by ``keep`` (the stage's: into the hand-off, :func:`helpers.core.handoff.kept_responses`;
    by default a scratch Parquet file beside ``raw``'s), and read back from there;
    rejects and counts are collected (as many rows as cells set aside, and one per
    question).
    """
    cols = export_columns(book)
    lazy = raw.lazy()
    n = int(lazy.select(pl.len()).collect().item())
    if not cols.ids:
        lazy = lazy.with_row_index(ROW, offset=1)
    ids = respondent_ids(lazy, cols, path, n)
    exprs, plans = coded_columns(lazy, book, cols)
    exprs += design_columns(lazy, book, path)
    responses = with_derived(lazy.select(ids, *exprs, pl.col(SOURCE_LINE)), book)
    code_rejects = {
        var: _rejects(lazy, column, reasons, var, ids) for var, column, reasons in plans
    }
    responses, rejects = route(responses, book, code_rejects)
    responses = (
        responses.collect() if isinstance(raw, pl.DataFrame) else (keep or _scratch)(responses)
    )
    counts = question_counts(responses, rejects, book, n)
    free_text = export_free_text(lazy, book, cols)
    kept = [r for r in rejects.values() if r.height]
    rejects_df = pl.concat(kept) if kept else pl.DataFrame(schema=REJECT_TYPES)
    check_reject_shares(
        counts, {var: reasons for var, _, reasons in plans}, code_rejects, max_reject_share, path
    )
    counts_df = pl.DataFrame(counts, schema=COUNT_TYPES)
    if isinstance(raw, pl.DataFrame):
        free_text = free_text.collect()
    return Reconciled(responses, rejects_df.select(EXPORT_REJECT_COLUMNS), counts_df), free_text


def _scratch(rows: pl.LazyFrame) -> pl.LazyFrame:
    """``rows`` computed once (streaming) into a scratch Parquet file, scanned back."""
    path = Path(work_folder()) / "responses.parquet"
    rows.sink_parquet(path, compression="lz4", statistics=False)
    return pl.scan_parquet(path)


def coded_columns(
    raw: pl.LazyFrame, book: Codebook, cols: ExportColumns
) -> tuple[list[pl.Expr], list[Plan]]:
    """Each group's and question's cleaned column(s) and what each sets aside, in order."""
    distinct = distinct_values(raw, cols.coded)
    exprs: list[pl.Expr] = []
    plans: list[Plan] = []
    for g in book.groups:
        if g.derived_from:
            continue
        column = cols.groups[g.id]
        if g.from_source:
            exprs.append(pl.col(column).alias(g.id))
            continue
        mapping, reasons = code_plan(distinct[column], [o.code for o in g.values], (), g.id)
        exprs.append(mapped(column, mapping, [o.code for o in g.values], g.id, distinct[column]))
        plans.append((g.id, column, reasons))
    for q in book.closed:
        if q.derived_from:
            continue
        if q.categorical:
            column = cols.categorical[q.id]
            codes = [o.code for o in q.answers]
            mapping, reasons = code_plan(distinct[column], codes, q.missing_codes, q.id)
            exprs.append(mapped(column, mapping, codes, q.id, distinct[column]))
        else:
            column = cols.multiple[q.id]
            flags, reasons = multiple_plan(distinct[column], q)
            exprs += [
                mapped(column, values, [NOT_SELECTED, SELECTED], name, distinct[column])
                for name, values in flags.items()
            ]
        plans.append((q.id, column, reasons))
    for q in book.numeric:
        column = cols.numeric[q.id]
        value, reasons = numeric_plan(raw, column, q)
        exprs.append(value.alias(q.id))
        plans.append((q.id, column, reasons))
    return exprs, plans


def question_counts(
    responses: Rows, rejects: dict[str, pl.DataFrame], book: Codebook, n: int
) -> list[dict]:
    """Per question: rows read, kept, missing and set aside; ``balanced`` when they add up."""
    questions = [*[q for q in book.closed if not q.derived_from], *book.numeric]
    # A multiple-choice answer is all missing or none: its first column counts for it.
    firsts = list(dict.fromkeys(q.response_columns[0] for q in questions))
    nulls = (
        responses.lazy()
        .select(pl.col(c).null_count() for c in firsts)
        .collect(engine="streaming")
        .row(0, named=True)
        if firsts
        else {}
    )
    counts = []
    for q in questions:
        missing = int(nulls[q.response_columns[0]])
        rejected = rejects[q.id].height
        kept = n - missing
        declared = missing - rejected
        counts.append(
            {
                "question": q.id,
                "rows_read": n,
                "rows_kept": kept,
                "rows_missing": declared,
                "rows_rejected": rejected,
                "balanced": n == kept + declared + rejected,
            }
        )
    return counts


def export_free_text(raw: pl.LazyFrame, book: Codebook, cols: ExportColumns) -> pl.LazyFrame:
    """Every non-blank free-text answer, one row each, by line then question.

    Each row's answers are listed in question order then exploded: the rows come
    out in that order as read (no sort, so the streaming engine holds a batch).
    """
    questions = sorted(book.free_text, key=lambda q: q.id)
    if not questions:
        return pl.LazyFrame(schema=FREE_TEXT_COLUMNS)
    answers = pl.concat_list(
        pl.struct(pl.lit(q.id).alias("question"), pl.col(cols.free_text[q.id]).alias("text"))
        for q in questions
    )
    return (
        raw.select(pl.col(SOURCE_LINE).alias("line"), answers.alias("answer"))
        .explode("answer")
        .unnest("answer")
        .filter(pl.col("text").str.strip_chars() != "")
        .select(
            "line",
            "question",
            pl.lit(None, pl.String).alias("item"),
            pl.lit(1, pl.Int64).alias("intro_line"),
            "text",
        )
    )


def _rejects(
    raw: pl.LazyFrame, column: str, reasons: dict[str, str], var: str, ids: pl.Expr
) -> pl.DataFrame:
    """One reject per row whose value has a reason, in row order (one streaming pass)."""
    if not reasons:
        return pl.DataFrame(schema=REJECT_TYPES)
    bad = raw.with_columns(ids).filter(pl.col(column).cast(pl.String).is_in(list(reasons)))
    return bad.select(
        pl.col(SOURCE_LINE).alias("source_line"),
        pl.lit(var, pl.String).alias("question"),
        pl.col(ID_COLUMN).alias("respondent_id"),
        pl.col(column)
        .cast(pl.String)
        .replace_strict(reasons, return_dtype=pl.String)
        .alias("reason"),
    ).collect(engine="streaming")
