"""The checks of a cleaned export: the share of answers set aside, and the rows' invariants."""

from __future__ import annotations

import polars as pl

from helpers.core.codebook import SELECTED, Codebook
from helpers.core.errors import SourceError, TableError
from helpers.extract.export import ID_COLUMN, SOURCE_LINE


def check_reject_shares(
    counts: list[dict],
    reasons: dict[str, dict[str, str]],
    rejects: dict[str, pl.DataFrame],
    limit: float,
    path: str,
) -> None:
    """Stop when a question sets aside more than ``limit`` of its answered cells.

    Answered cells are those neither blank nor a declared missing code (kept +
    set aside for an unknown code; routing violations are answers in the wrong
    place, not a codebook mismatch, and are not counted). So many unknown codes
    mean a codebook that does not match the export (codes written ``6.0`` where
    it says ``six``, a shifted column), not damaged rows: the stage stops before
    anything is written.
    """
    for row in counts:
        qid = row["question"]
        unknown = rejects[qid].height  # unknown codes (not routing violations)
        answered = row["rows_kept"] + unknown
        if not answered or unknown / answered <= limit:
            continue
        codes = ", ".join(repr(v.strip()) for v in list(reasons[qid])[:5])
        first = int(rejects[qid]["source_line"][0])
        raise SourceError(
            path,
            first,
            f"at most {limit:.0%} of {qid}'s answered cells set aside "
            f"(params.yaml clean.max_reject_share)",
            f"{unknown:,} of {answered:,} "
            f"({unknown / answered:.1%}) with codes the codebook does "
            f"not define, first {codes}: does the codebook match the export?",
        )


def all_distinct(values: pl.Series) -> bool:
    """Whether no value repeats (nulls aside, which callers check).

    Distinct 64-bit hashes prove it in one cheap pass; only if two hashes meet
    are the values themselves compared.
    """
    return values.hash().n_unique() == values.len() or values.n_unique() == values.len()


def check_export_responses(
    responses: pl.DataFrame, book: Codebook, name: str, first_record: int = 2
) -> pl.DataFrame:
    """The invariants of cleaned export rows (checked once, before the hand-off).

    Codes need no row-by-row check: each answer column is an enumeration of the
    codebook's codes, so its type is the check. Checked here: ids unique and
    present, source lines unique and from ``first_record`` on (line 2 of a CSV,
    past its header; case 1 of a .sav or .dta), and a multiple-choice
    answer all missing or with at least one option chosen.
    """
    problems = []
    ids = responses[ID_COLUMN]
    if ids.null_count() or not all_distinct(ids):
        problems.append(
            f"{ID_COLUMN}: unique, non-empty ids failed for "
            f"{ids.filter(ids.is_duplicated() | ids.is_null()).head(5).to_list()}"
        )
    lines = responses[SOURCE_LINE]
    if (
        lines.null_count()
        or not all_distinct(lines)
        or (lines.min() or first_record) < first_record
    ):
        problems.append(f"{SOURCE_LINE}: unique records from {first_record} on failed")
    for q in book.multiple_choice:
        cols = list(q.indicators.values())
        missing = [pl.col(c).is_null() for c in cols]
        whole = pl.all_horizontal(missing) | (
            ~pl.any_horizontal(missing) & pl.any_horizontal([pl.col(c) == SELECTED for c in cols])
        )
        broken = responses.filter(~whole)
        if broken.height:
            problems.append(
                f"{q.id}: options all missing, or at least one chosen failed for "
                f"lines {broken[SOURCE_LINE].head(5).to_list()}"
            )
    if problems:
        raise TableError(f"{name}: " + "; ".join(problems))
    return responses
