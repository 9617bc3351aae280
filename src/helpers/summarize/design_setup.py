"""What a design needs before svy estimates anything: its sizes, weights and calibration checked.

Also :class:`Weighted` (one estimate) and R's weighted quantile rule (:func:`r_quantile`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from helpers.core.codebook import Calibration, Codebook
from helpers.core.codes import code_key
from helpers.summarize.design_cells import N_ROWS, W2

# params.yaml names -> svy's
SVY_CI = {"logit": "logit", "beta": "beta", "korn_graubard": "korn-graubard", "wilson": "wilson"}
SVY_QUANTILE = {
    "linear": "linear",
    "lower": "lower",
    "higher": "higher",
    "nearest": "nearest",
    "midpoint": "middle",
}
NULL_LEVEL = "\x00missing"  # stands for a missing group value, so that shares keep every row


@dataclass(frozen=True)
class Weighted:
    """One design-based estimate (in the statistic's own unit: a proportion for a share)."""

    estimate: float
    se: float | None
    low: float | None
    high: float | None
    deff: float | None
    df: int | None


def _num(value: Any) -> float | None:
    """A finite float, or None (svy reports an undefined SE or bound as NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _weighted(row: dict[str, Any], deff: bool = True) -> Weighted:
    """One row of svy's estimate table (``est``, ``se``, ``lci``, ``uci``, ``deff``, ``df``).

    A design effect below ``ZERO_DEFF`` (a stratum's share, fixed by the design) is the
    rounding noise of a zero variance: SE 0, design effect 0, interval the estimate, as R.
    """
    est, effect = float(row["est"]), _num(row.get("deff")) if deff else None
    if effect is not None and abs(effect) < ZERO_DEFF:
        return Weighted(est, 0.0, est, est, 0.0, row.get("df"))
    return Weighted(est, _num(row["se"]), _num(row["lci"]), _num(row["uci"]), effect, row.get("df"))


# stats.lonely_psu (R's options(survey.lonely.psu)) -> svy's singleton rule
LONELY_PSU = {"certainty": "skip", "remove": "skip", "adjust": "center", "average": "scale"}
REPLICATE_CLASSES = {
    "brr": "BrrWgts",
    "fay": "BrrWgts",
    "jk1": "JackknifeWgts",
    "jkn": "JackknifeWgts",
    "jk2": "JackknifeWgts",
    "bootstrap": "BootstrapWgts",
    "sdr": "SdrWgts",
}
INDICATOR = "__is_value"  # 1 where a column holds the value whose population count is estimated
ZERO_DEFF = 1e-12  # a design effect below this is a share fixed by the design (R: SE 0)


class DesignError(ValueError):
    """A design the data cannot carry, named in the codebook's and params.yaml's words."""


def population_sizes(frame: pl.DataFrame, cols: dict[str, str]) -> pl.DataFrame:
    """The fpc column as population sizes (R's ``svydesign(fpc=)``), checked.

    An fpc is either every stratum's population size (of PSUs in a cluster design,
    of units otherwise) or, when every value is at most 1, its sampling fraction,
    turned into a size as R does: sampled PSUs (or units) over the fraction. It must
    be constant within a stratum and at least the number sampled.
    """
    fpc = cols["fpc"]
    strata = [cols["strata"]] if "strata" in cols else []
    unit = pl.col(cols["psu"]) if "psu" in cols else pl.int_range(pl.len())
    by = strata or [pl.lit(0).alias("__stratum")]
    per = frame.group_by(by).agg(
        pl.col(fpc).min().alias("low"),
        pl.col(fpc).max().alias("high"),
        unit.n_unique().alias("sampled"),
    )
    varies = per.filter(pl.col("low") != pl.col("high"))
    if varies.height:
        row = varies.row(0, named=True)
        raise DesignError(
            f"codebook design.fpc: expected one value per stratum; found "
            f"{row['low']} and {row['high']} in one stratum"
        )
    fractions = per["high"].max() <= 1
    if not fractions and per["low"].min() <= 1:
        raise DesignError(
            "codebook design.fpc: expected population sizes (all above 1) or "
            "sampling fractions (all at most 1); found both"
        )
    sizes = per.with_columns(
        (pl.col("sampled") / pl.col("high") if fractions else pl.col("high")).alias("size")
    )
    over = sizes.filter(pl.col("size") < pl.col("sampled") - 1e-9)
    if over.height:
        row = over.row(0, named=True)
        raise DesignError(
            f"codebook design.fpc: expected a population at least the "
            f"{row['sampled']} sampled {'PSUs' if 'psu' in cols else 'units'} of "
            f"its stratum; found {row['size']:g}"
        )
    if not fractions:
        return frame
    keys = [b if isinstance(b, str) else "__stratum" for b in by]
    joined = frame.with_columns(pl.lit(0).alias("__stratum")) if not strata else frame
    return (
        joined.join(sizes.select(*keys, "size"), on=keys, how="left", maintain_order="left")
        .with_columns(pl.col("size").alias(fpc))
        .drop("size", "__stratum", strict=False)
    )


def check_weights(frame: pl.DataFrame, cols: dict[str, str], spec: Any) -> None:
    """Stop, in the codebook's and params.yaml's words, on weights no estimate can use.

    Weights whose squares overflow (a weight of 1e308: every variance sums squared
    weighted values) name the column and the line of the largest. (Weights too small for a
    design effect without replacement are told by ``DesignEstimates._told``.)
    """
    if "weight" not in cols:
        return
    weight = frame[cols["weight"]]
    # variances sum squared weighted values (cells: the rows' squares, the engine's sums)
    squares = float(frame[W2].sum() if W2 in frame.columns else (weight * weight).sum())
    if not math.isfinite(squares):
        row = int(weight.arg_max() or 0)
        line = frame["source_line"][row] if "source_line" in frame.columns else None
        where = f" at line {line}" if line is not None else ""
        raise DesignError(
            f"codebook design.weight {spec.weight!r}: expected weights small "
            f"enough that their squares add up to a finite number (below about "
            f"1e150); found {weight.max()!r}{where}"
        )


def replicate_df(frame: pl.DataFrame, columns: list[str]) -> float:
    """R's ``degf`` of a replicate design: the rank of its replicate weights, less one."""
    import numpy as np

    matrix = frame.select(columns).to_numpy().astype(float)
    return float(np.linalg.matrix_rank(matrix, tol=None) - 1)


def r_quantile(values: Any, weights: Any, p: float) -> float:
    """R survey's ``qrule_math``: the smallest value whose weighted CDF reaches ``p``.

    R's own arithmetic (cumulative sums in extended precision, as R's cumsum and sum
    accumulate), so that a CDF that is exactly ``p`` at equal weights is found equal to it;
    and R's own edge: when even the smallest value's share exceeds ``p`` (a Woodruff bound
    near 0 in a small domain), R's ``qs()`` starts from the first value and takes the next
    one up, so this does too.
    """
    import numpy as np

    keep = weights != 0
    x, w = values[keep], weights[keep]
    order = np.argsort(x, kind="stable")
    x = x[order]
    cumw = np.cumsum(w[order].astype(np.longdouble)).astype(float)
    total = float(np.sum(w.astype(np.longdouble)))
    below = np.flatnonzero(cumw <= p * total)
    pos = int(below[-1]) if len(below) else 0  # R's survey:::last(): 1 when none is below
    if p - cumw[pos] / total == 0:
        return float(x[pos])
    return float(x[min(pos + 1, len(x) - 1)])


def calibrated(sample: Any, cal: Calibration, book: Codebook) -> Any:
    """The sample with its weights (and every replicate weight set) adjusted to ``cal``.

    R's ``postStratify`` (one question's answers as post-strata), ``rake`` (iterative
    proportional fitting to several margins, run to convergence) or ``calibrate`` with
    ``calfun = "linear"`` (GREG on the margins' indicators), by svy, whose variance then
    accounts for the adjustment. A respondent without an answer to a margin stops it.
    """
    import svy

    frame = sample.data
    controls: dict[str, dict[str, float]] = {}
    for qid, counts in cal.population:
        without = frame.filter(pl.col(qid).is_null())
        missing = int(without[N_ROWS].sum()) if N_ROWS in frame.columns else without.height
        if missing:
            raise DesignError(
                f"codebook design.calibration.population.{qid}: expected every "
                f"respondent to have an answer to {qid}; found {missing} without "
                f"one (a post-stratum must be known for each respondent)"
            )
        index = {code_key(o.code): str(o.code) for o in book.question(qid).answers}
        controls[qid] = {index[c]: n for c, n in counts}
    if cal.method == "poststratify":
        ((qid, cells),) = controls.items()
        return sample.weighting.poststratify(controls=cells, cells=qid, wgt_name="design_cal")
    if cal.method == "rake":
        return sample.weighting.rake(
            controls=controls, wgt_name="design_cal", tol=1e-10, max_iter=1000
        )
    terms: dict[Any, Any] = {svy.Cat(qid): cells for qid, cells in controls.items()}
    return sample.weighting.calibrate(controls=terms, wgt_name="design_cal")
