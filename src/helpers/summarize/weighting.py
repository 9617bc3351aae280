"""A weighted survey's figures: design-based estimates in place of the counts' shares.

The estimates come from helpers.summarize.design.
``n`` and ``base`` stay the unweighted counts; each figure gains the sums of weights
behind it, the design effect and the effective base (base / deff). Minimum and
maximum are the sample's, as unweighted.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from helpers.core.codebook import SELECTED, Codebook
from helpers.core.methods import REPLICATE_NAMES
from helpers.core.params import StatsParams
from helpers.core.stats import round_decimal
from helpers.summarize.design_cells import collapsible, design_cells, design_rows
from helpers.summarize.figure import BASE_SUFFIX, NET_SEPARATOR, QUANTILES, Figure
from helpers.summarize.rules import source_codes

if TYPE_CHECKING:
    from helpers.summarize.design import DesignEstimates, Weighted

# what a figure's design-based estimate is made of: sums of weights (of it, of its base),
# the estimate (None: none) and other columns it sets
Estimate = tuple[float, float, "Weighted | None", dict[str, Any]]


def design_frame(responses: pl.DataFrame, book: Codebook) -> pl.DataFrame:
    """The responses plus what design-based shares need of nets and excluded answers.

    ``<q>__in_base``: ``q`` without its excluded answers (missing there); and
    ``<q>__net_<code>``: 1 for the net's answers, 0 for the base's others.
    """
    extra = []
    for q in (q for q in book.categorical if q.id in responses.columns):
        text = pl.col(q.id).cast(pl.String)
        in_base = text.is_in(list(q.in_base))
        if q.excluded:
            extra.append(pl.when(in_base).then(text).alias(f"{q.id}{BASE_SUFFIX}"))
        for net in q.nets:
            of = source_codes(book, q.id, net.of)
            extra.append(
                pl.when(in_base)
                .then(pl.when(text.is_in(of)).then(pl.lit(SELECTED)).otherwise(pl.lit("0")))
                .alias(f"{q.id}{NET_SEPARATOR}{net.code}")
            )
    return responses.with_columns(extra) if extra else responses


def survey_design(responses: Any, book: Codebook, sp: StatsParams) -> DesignEstimates:
    """The svy design of a weighted survey's responses (set up once, for every estimate).

    A clustered design (helpers.summarize.design_cells.collapsible): svy gets the engine's
    cells, the rows of a few columns only when a statistic needs them; any other design:
    its rows.
    """
    from helpers.summarize.design import CellEstimates, DesignEstimates

    cells = design_cells(responses, book) if collapsible(book) else None
    if cells is None:
        return DesignEstimates(design_frame(design_rows(responses, book), book), book, sp)

    def rows(only: list[str]) -> pl.DataFrame:
        return design_frame(design_rows(responses, book, only), book)

    return CellEstimates(design_frame(cells, book), book, sp, rows=rows)


def count_weights(
    design: DesignEstimates, column: str, value: str | None, group: str, key: str
) -> tuple[float, float]:
    """Sums of weights of a count figure: (of ``value``, of its base) in the group's ``key``.

    ``value`` None: those without an answer, of the group's members; otherwise one
    answer (excluded from the base), of those who answered.
    """
    sums = design.weight_sums(column, group)
    if value is None:
        return (sums.get((key, None), 0.0), sum(w for (g, _), w in sums.items() if g == key))
    return (
        sums.get((key, value), 0.0),
        sum(w for (g, v), w in sums.items() if g == key and v is not None),
    )


def _respondents(design: DesignEstimates, column: str, value: Any) -> Estimate:
    """A group value's share of all respondents (``column`` "all": everyone, no estimate)."""
    if column == "all":
        n_w = sum(design.weight_sums(None, "all").values())
        return n_w, n_w, None, {}
    sums = design.weight_sums(column, "all")
    total = design.totals(column, "all").get(("all", str(value)))
    return (
        sums.get(("all", value), 0.0),
        sum(sums.values()),
        design.group_shares(column).get(str(value)),
        {"n_weighted_se": None if total is None else total.se},
    )


def _share(
    design: DesignEstimates, column: str, value: Any, group: str, key: str, n: int
) -> Estimate:
    """An answer's (or a net's) share of the group's base."""
    sums = design.weight_sums(column, group)
    total = design.totals(column, group).get((str(key), str(value)))
    # an empty cell has no row of svy's: its estimated count is 0, exactly (R: SE 0)
    se = total.se if total is not None else 0.0 if not n else None
    return (
        sums.get((key, value), 0.0),
        sum(w for (g, v), w in sums.items() if g == key and v is not None),
        design.shares(column, group).get((str(key), str(value))),
        {"n_weighted_se": se},
    )


def _statistic(design: DesignEstimates, column: str, stat: str, group: str, key: str) -> Estimate:
    """A numeric question's statistic (the sample's minimum and maximum: no estimate)."""
    n_w = design.answered_weight(column, group).get(key, 0.0)
    if stat == "mean":
        return n_w, n_w, design.mean(column, group).get(str(key)), {}
    if stat == "sd":
        return (
            n_w,
            n_w,
            None,
            {"estimate": design.sd(column, group).get(str(key)), "ci_method": "svyvar (n/(n-1))"},
        )
    if stat in QUANTILES:
        est = design.quantiles(column, group, tuple(QUANTILES.values())).get(
            (QUANTILES[stat], str(key))
        )
        return n_w, n_w, est, {}
    return n_w, n_w, None, {}


def _estimated(f: Figure, est: Weighted, book: Codebook, sp: StatsParams) -> Figure:
    """``f`` with its design-based estimate, SE, interval, design effect and method."""
    scale = 100.0 if f.stat == "pct" else 1.0
    rep = book.design.replicate  # type: ignore[union-attr]
    brr = f" ({REPLICATE_NAMES[rep.method]})" if rep else ""
    value = f.cell[1]  # type: ignore[index]
    f = replace(
        f,
        estimate=est.estimate * scale,
        se=None if est.se is None else est.se * scale,
        ci_lower=None if est.low is None else est.low * scale,
        ci_upper=None if est.high is None else est.high * scale,
        deff=est.deff,
        base_effective=f.base / est.deff if est.deff else None,  # type: ignore[operator]
        ci_method=(
            f"{sp.design_ci_method}{brr}"
            if f.stat == "pct"
            else f"t (design df){brr}"
            if value == "mean"
            else f"replicate t{brr}"
            if brr
            else "woodruff"
        ),
    )
    if f.stat != "pct":
        return f
    pct, low, high = (
        None if v is None else round_decimal(Decimal(repr(v)), sp.pct_decimals, sp.rounding)
        for v in (f.estimate, f.ci_lower, f.ci_upper)
    )
    return replace(f, pct=pct, ci_low=low, ci_high=high)


def weighed(f: Figure, design: DesignEstimates, book: Codebook, sp: StatsParams) -> Figure:
    """``f`` with its design-based estimate (svy) in place of its unweighted one."""
    if f.weight_cell is not None:  # an excluded answer or a missing one: sums of weights
        n_w, base_w = count_weights(design, *f.weight_cell)
        return replace(f, n_weighted=n_w, base_weighted=base_w)
    if f.cell is None or f.base == 0:
        return f
    column, value, group, key = f.cell
    if f.kind == "respondents":  # the cell is (group, its value, "all", "all")
        n_w, base_w, est, more = _respondents(design, column, value)
    elif f.kind in ("answer", "net"):
        n_w, base_w, est, more = _share(design, column, value, group, key, f.n)
    else:
        n_w, base_w, est, more = _statistic(design, column, value, group, key)
    f = replace(f, n_weighted=n_w, base_weighted=base_w, **more)
    return f if est is None else _estimated(f, est, book, sp)
