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

import polars as pl

from helpers.clean.accounting import EXPORT_REJECT_COLUMNS, Reconciled
from helpers.clean.export_checks import check_export_responses, check_reject_shares
from helpers.clean.respondent_columns import design_columns, respondent_ids
from helpers.clean.routing import route, with_derived
from helpers.clean.value_plans import (
    code_plan,
    distinct_values,
    mapped,
    multiple_plan,
    numeric_plan,
)
from helpers.core.codebook import NOT_SELECTED, SELECTED, Codebook
from helpers.extract.export import ID_COLUMN, SOURCE_LINE, ExportColumns, export_columns

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
    raw: pl.DataFrame, book: Codebook, path: str, max_reject_share: float = 1.0
) -> tuple[Reconciled, pl.DataFrame]:
    """Map codes to codebook codes; return (responses, rejects, counts) and the free text.

    Each coded column's distinct values are judged first (:func:`code_plan`,
    :func:`multiple_plan`); one polars ``select`` then maps every column at once.
    A question with more than ``max_reject_share`` of its answered cells set
    aside stops here (:func:`check_reject_shares`).
    """
    cols = export_columns(book)
    ids = respondent_ids(raw, cols, path)
    exprs, plans = coded_columns(raw, book, cols)
    exprs += design_columns(raw, book, path)
    responses = raw.select(ids, *exprs, pl.col(SOURCE_LINE))
    responses = with_derived(responses, book)
    code_rejects = {var: _rejects(raw, column, reasons, var, ids) for var, column, reasons in plans}
    responses, rejects = route(responses, book, code_rejects)
    counts = question_counts(responses, rejects, book, raw.height)
    free_text = export_free_text(raw, book, cols)
    kept = [r for r in rejects.values() if r.height]
    rejects_df = pl.concat(kept) if kept else pl.DataFrame(schema=REJECT_TYPES)
    check_reject_shares(
        counts, {var: reasons for var, _, reasons in plans}, code_rejects, max_reject_share, path
    )
    counts_df = pl.DataFrame(counts, schema=COUNT_TYPES)
    return Reconciled(responses, rejects_df.select(EXPORT_REJECT_COLUMNS), counts_df), free_text


def coded_columns(
    raw: pl.DataFrame, book: Codebook, cols: ExportColumns
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
        exprs.append(mapped(column, mapping, [o.code for o in g.values], g.id))
        plans.append((g.id, column, reasons))
    for q in book.closed:
        if q.derived_from:
            continue
        if q.categorical:
            column = cols.categorical[q.id]
            codes = [o.code for o in q.answers]
            mapping, reasons = code_plan(distinct[column], codes, q.missing_codes, q.id)
            exprs.append(mapped(column, mapping, codes, q.id))
        else:
            column = cols.multiple[q.id]
            flags, reasons = multiple_plan(distinct[column], q)
            exprs += [
                mapped(column, values, [NOT_SELECTED, SELECTED], name)
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
    responses: pl.DataFrame, rejects: dict[str, pl.DataFrame], book: Codebook, n: int
) -> list[dict]:
    """Per question: rows read, kept, missing and set aside; ``balanced`` when they add up."""
    counts = []
    for q in (*[q for q in book.closed if not q.derived_from], *book.numeric):
        first = responses[q.response_columns[0]]  # a multiple-choice answer: all or none
        rejected = rejects[q.id].height
        kept = n - first.null_count()
        declared = first.null_count() - rejected
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


def export_free_text(raw: pl.DataFrame, book: Codebook, cols: ExportColumns) -> pl.DataFrame:
    """Every non-blank free-text answer, one row each, by line then question."""
    free = [
        raw.filter(pl.col(c).str.strip_chars() != "").select(
            pl.col(SOURCE_LINE).alias("line"),
            pl.lit(q.id).alias("question"),
            pl.lit(None, pl.String).alias("item"),
            pl.lit(1, pl.Int64).alias("intro_line"),
            pl.col(c).alias("text"),
        )
        for q in book.free_text
        for c in [cols.free_text[q.id]]
    ]
    free_text = pl.concat(free) if free else pl.DataFrame(schema=FREE_TEXT_COLUMNS)
    return free_text.sort(["line", "question"], maintain_order=True)


def _rejects(
    raw: pl.DataFrame, column: str, reasons: dict[str, str], var: str, ids: pl.Series
) -> pl.DataFrame:
    """One reject per row whose value has a reason, in row order."""
    if not reasons:
        return pl.DataFrame(schema=REJECT_TYPES)
    bad = raw.with_columns(ids).filter(pl.col(column).is_in(list(reasons)))
    return bad.select(
        pl.col(SOURCE_LINE).alias("source_line"),
        pl.lit(var, pl.String).alias("question"),
        pl.col(ID_COLUMN).alias("respondent_id"),
        pl.col(column)
        .cast(pl.String)
        .replace_strict(reasons, return_dtype=pl.String)
        .alias("reason"),
    )
