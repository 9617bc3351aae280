"""The checks of a cleaned export: the share of answers set aside, and the rows' invariants."""

from __future__ import annotations

import polars as pl

from helpers.clean.respondent_columns import distinct_hashes
from helpers.clean.routing import Rows
from helpers.core.codebook import SELECTED, Codebook, Question
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


def check_export_responses(
    responses: Rows, book: Codebook, name: str, first_record: int = 2
) -> Rows:
    """The invariants of cleaned export rows (checked once, before the hand-off).

    Codes need no row-by-row check: each answer column is an enumeration of the
    codebook's codes, so its type is the check. Checked here: ids unique and
    present, source lines unique and from ``first_record`` on (line 2 of a CSV,
    past its header; case 1 of a .sav or .dta), and a multiple-choice
    answer all missing or with at least one option chosen. A LazyFrame is checked
    in one streaming pass, its ids in another (:func:`distinct_hashes`, memory
    bounded); source lines in increasing order are distinct (any other order is
    counted in memory), and the rows of a failed check are read to name them.
    """
    problems = []
    ids, lines = pl.col(ID_COLUMN), pl.col(SOURCE_LINE)
    facts = (
        responses.lazy()
        .select(
            pl.len().alias("n"),
            ids.null_count().alias("ids_null"),
            lines.null_count().alias("lines_null"),
            lines.min().alias("first"),
            *[_broken(q).sum().alias(q.id) for q in book.multiple_choice],
        )
        .collect(engine="streaming")
        .row(0, named=True)
    )
    n = facts["n"]
    if facts["ids_null"] or not (
        distinct_hashes(responses, ids, n) == n or _distinct(responses, ids) == n
    ):
        found = responses.lazy().filter(ids.is_duplicated() | ids.is_null()).select(ids)
        problems.append(
            f"{ID_COLUMN}: unique, non-empty ids failed for "
            f"{found.head(5).collect().to_series().to_list()}"
        )
    if (
        facts["lines_null"]
        or (_back(responses, lines) and _distinct(responses, lines) != n)
        or (facts["first"] or first_record) < (first_record)
    ):
        problems.append(f"{SOURCE_LINE}: unique records from {first_record} on failed")
    for q in book.multiple_choice:
        if facts[q.id]:
            broken = responses.lazy().filter(_broken(q)).select(lines).head(5).collect()
            problems.append(
                f"{q.id}: options all missing, or at least one chosen failed for "
                f"lines {broken.to_series().to_list()}"
            )
    if problems:
        raise TableError(f"{name}: " + "; ".join(problems))
    return responses


def _distinct(responses: Rows, column: pl.Expr) -> int:
    return int(responses.lazy().select(column.n_unique()).collect(engine="streaming").item())


def _back(responses: Rows, lines: pl.Expr) -> int:
    """How many rows' source line is not above the row before's (0: increasing, so distinct).

    A query of its own: beside other reductions, polars reads the whole column for it.
    """
    back = (lines.diff() <= 0).sum()
    return int(responses.lazy().select(back).collect(engine="streaming").item())


def _broken(q: Question) -> pl.Expr:
    """True for a row whose multiple-choice answer is neither all missing nor one chosen."""
    cols = list(q.indicators.values())
    missing = [pl.col(c).is_null() for c in cols]
    whole = pl.all_horizontal(missing) | (
        ~pl.any_horizontal(missing) & pl.any_horizontal([pl.col(c) == SELECTED for c in cols])
    )
    return ~whole
