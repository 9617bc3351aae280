"""A clustered design's rows reduced by the engine to cells, and the row counts svy cannot see.

Why it is exact. A Taylor-linearized variance sums, within each stratum, the PSUs' totals of
weighted linearized values ``sum_i w_i z_i``; rows sharing stratum, PSU, fpc and every analysis
value have the same ``z`` (a function of those values and of totals over the sample), so they
add up to one row of weight ``sum w_i``. Point estimates, Taylor SEs, intervals, design df,
column tests' covariances and the weighted CDF (R's quantile rule and its Woodruff interval)
are the same from cells as from rows. What counts rows is put back from the counts the engine
returns with the cells (``__n`` respondents, ``__w2`` their sum of squared weights, so that
Kish's (sum w)² / sum w² is exact too): the design effect (its SRS variance divides by n - 1
and, without replacement, takes 1 - n / N: :func:`deff_factor`) and the standard deviation
(svyvar's n / (n - 1): :func:`sd_factor`).

Which designs. A design with PSUs, without replicate weights or calibration
(:func:`collapsible`). An unclustered design makes every row its own PSU: no two rows share
one. A replicate design's degrees of freedom are the rank of its replicate-weight rows
(summing rows can lower it). A calibration is exact from cells (a cell's g-factor depends
only on its calibration values), but its iterations round otherwise, and a share the
calibration fixes has an SE of rounding noise, which decides whether its interval is shown:
kept on the rows so that the figures stay the same bytes.

What keeps the rows (of its two columns and the design's only: :func:`design_rows`): the
rank test (R's scores average tied rows' mid-ranks unweighted, in line order), svy's quantiles
under the other ``quantile_method``s (not a function of the weighted CDF alone), the
Rao–Scott tests (exact from cells, but their last stored digit is not always the rows'), and
a domain held by fewer than two cells (no n - 1 of its cells).
"""

from __future__ import annotations

from typing import Any

import narwhals.stable.v2 as nw
import polars as pl

from helpers.core.codebook import Codebook

N_ROWS = "__n"  # respondents in a cell
W2 = "__w2"  # the sum of their squared weights (a cell's share of Kish's sum w²)
ORDER = "source_line"  # the export's line: the rows' order, whatever engine held them


def design_columns(book: Codebook) -> list[str]:
    """The columns design-based estimates read: the design's, groups', questions', lines."""
    closed = [c for q in book.closed for c in q.response_columns]
    design = list(book.design.response_columns.values()) if book.design else []
    return list(
        dict.fromkeys(
            [*design, *(g.id for g in book.groups), *closed, *(q.id for q in book.numeric), ORDER]
        )
    )


def collapsible(book: Codebook) -> bool:
    """Whether the rows are summed into cells: weighted, PSUs, no replicates, no calibration."""
    spec = book.design
    if spec is None or spec.replicate is not None or spec.calibration is not None:
        return False
    cols = spec.response_columns
    return "psu" in cols and "weight" in cols


def _native(frame: Any) -> pl.DataFrame:
    """A narwhals frame collected to polars, enumerated codes as text."""
    collected = frame.collect(backend="polars") if isinstance(frame, nw.LazyFrame) else frame
    return collected.to_polars().with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))


def design_rows(responses: Any, book: Codebook, only: list[str] | None = None) -> pl.DataFrame:
    """The rows the design's estimates need, as polars, from any engine's frame.

    The engine projects the design's columns and those of :func:`design_columns` (or only
    ``only`` of them, with the calibration's) and hands them over in line order, codes as
    text, so svy sees the same table whichever engine held the responses.
    """
    frame = nw.from_native(responses)
    wanted = design_columns(book)
    if only is not None:
        keep = set(only) | set(book.design.response_columns.values()) | {ORDER}  # type: ignore[union-attr]
        cal = book.design.calibration  # type: ignore[union-attr]
        keep |= {qid for qid, _ in cal.population} if cal is not None else set()
        wanted = [c for c in wanted if c in keep]
    rows = _native(frame.select([c for c in wanted if c in frame.columns]))
    return rows.sort(ORDER, maintain_order=True) if ORDER in rows.columns else rows


def design_cells(responses: Any, book: Codebook) -> pl.DataFrame | None:
    """The rows summed by the engine into cells of equal design and analysis values.

    One group-by (polars, DuckDB or Spark, through narwhals): each cell's sum of weights (as
    the weight), respondents (``__n``) and sum of squared weights (``__w2``), sorted by its
    values so every engine hands svy the same table. None when the squared weights overflow
    (the row path names the line of the largest).
    """
    frame = nw.from_native(responses)
    weight = book.design.response_columns["weight"]  # type: ignore[union-attr]
    keys = [c for c in design_columns(book) if c in frame.columns and c not in (weight, ORDER)]
    w = nw.col(weight).cast(nw.Float64)
    cells = _native(
        frame.group_by(keys, drop_null_keys=False).agg(
            nw.col(weight).sum(), nw.len().alias(N_ROWS), (w * w).sum().alias(W2)
        )
    )
    if not cells[W2].is_finite().all():
        return None
    return cells.sort(keys, nulls_last=True).select(*keys, weight, N_ROWS, W2)


def deff_factor(n: int, cells: int, total: float, wor: bool) -> float | None:
    """A design effect on ``n`` rows over the same on their ``cells`` (SRS variance's ratio).

    svy's (and R's) SRS variance of a domain of ``n`` respondents weighing ``total``:
    the weighted variance x n / (n - 1) / n, times 1 - n / N without replacement. The
    weighted variance is the cells'; so the ratio is the rest's. None: no design effect
    (1 - n / N not positive: svy's NaN).
    """
    if not wor:
        return (n - 1) / (cells - 1)
    if 1 - n / total <= 0:
        return None
    return ((1 - cells / total) / (cells - 1)) / ((1 - n / total) / (n - 1))


def sd_factor(n: int, cells: int) -> float:
    """R's svyvar on ``n`` rows over the same on their ``cells``: (n / (n - 1)) / (c / (c - 1))."""
    return (n / (n - 1)) / (cells / (cells - 1))


def domain_counts(
    frame: pl.DataFrame, weight: str, column: str | None, group: str
) -> dict[str, tuple[int, int, float]]:
    """{group value ("all"): (respondents, cells, sum of weights)} of ``column``'s domain.

    The domain: those with a value of ``column`` (None: everyone) and of ``group``.
    """
    kept = frame if column is None else frame.filter(pl.col(column).is_not_null())
    agg = (pl.col(N_ROWS).sum(), pl.len(), pl.col(weight).sum())
    if group == "all":
        n, c, w = kept.select(*agg).row(0)
        return {"all": (int(n), int(c), float(w))}
    kept = kept.filter(pl.col(group).is_not_null())
    rows = kept.group_by(pl.col(group).cast(pl.String)).agg(*agg).rows()
    return {str(g): (int(n), int(c), float(w)) for g, n, c, w in rows}
