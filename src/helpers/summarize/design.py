"""Design-based estimates of a weighted survey, by a maintained survey-statistics library (svy).

A codebook's ``design:`` names the weight, strata, PSUs and fpc of an export;
clean hands them on as ``design_weight``, ``design_strata``, ``design_psu`` and
``design_fpc``. Every estimate here comes from svy (Taylor linearization;
domains keep the whole design, as R survey's ``subset()`` does), never from a
variance formula written in this project: tests/test_survey_designs.py checks svy
against R's survey package on NHANES II, and tests/test_weighted_survey.py the
pipeline's figures. Sums of weights (weighted counts and bases) are plain sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.params import StatsParams

# params.yaml names -> svy's
SVY_CI = {"logit": "logit", "beta": "beta", "korn_graubard": "korn-graubard", "wilson": "wilson"}
SVY_QUANTILE = {"linear": "linear", "lower": "lower", "higher": "higher", "nearest": "nearest",
                "midpoint": "middle"}  # fmt: skip
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
    """One row of svy's estimate table (``est``, ``se``, ``lci``, ``uci``, ``deff``, ``df``)."""
    return Weighted(float(row["est"]), _num(row["se"]), _num(row["lci"]), _num(row["uci"]),
                    _num(row.get("deff")) if deff else None, row.get("df"))


class DesignEstimates:
    """svy estimates of one survey's responses, cached per (statistic, variable, domain)."""

    def __init__(self, responses: pl.DataFrame, book: Codebook, sp: StatsParams) -> None:
        import svy

        if book.design is None:
            raise ValueError("DesignEstimates needs a codebook with a design: section")
        cols = book.design.response_columns
        # svy groups by text; codes are enumerations in the hand-off
        self.frame = responses.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
        spec = book.design
        replicates = None
        if spec.replicates:  # BRR weights, handed on as design_rep_1 ... design_rep_n
            replicates = svy.BrrWgts(prefix="design_rep_", n_reps=spec.replicates,
                                     fay_coef=spec.fay)  # fmt: skip
        design = svy.Design(stratum=cols.get("strata"), psu=cols.get("psu"),
                            wgt=cols.get("weight"), pop_size=cols.get("fpc"),
                            rep_wgts=replicates)  # fmt: skip
        self.sample = svy.Sample(data=self.frame, design=design)
        self.sp = sp
        # replicate weights: their variance (no design effect: svy gives none for them)
        self.method = "replication" if replicates is not None else None
        self.deff = None if replicates is not None else sp.design_effect
        self.weight = cols.get("weight")
        self._cache: dict[tuple, Any] = {}

    def _by(self, group: str) -> str | None:
        return None if group == "all" else group

    def shares(self, column: str, group: str) -> dict[tuple[str, str], Weighted]:
        """{(group value, value): share of ``column`` among the group's answered} (0..1)."""
        key = ("prop", column, group)
        if key not in self._cache:
            out = self.sample.estimation.prop(y=column, by=self._by(group), drop_nulls=True,
                                              deff=self.deff, method=self.method,
                                              ci_method=SVY_CI[self.sp.design_ci_method],
                                              alpha=1 - self.sp.ci_level).to_polars()
            self._cache[key] = {
                ("all" if group == "all" else str(r[group]), str(r[column])): _weighted(r)
                for r in out.iter_rows(named=True)}  # fmt: skip
        return self._cache[key]

    def table_stats(self, column: str, group: str) -> Any:
        """Rao-Scott statistics of ``group`` by ``column`` (svy's ``TableStats``: chisq, f).

        Respondents missing either are left out (R's svychisq on the design's complete
        cases); levels nobody in the design has are not in the table.
        """
        key = ("table", column, group)
        if key not in self._cache:
            table = self.sample.categorical.tabulate(group, column, drop_nulls=True,
                                                     method=self.method)  # fmt: skip
            self._cache[key] = table.stats
        return self._cache[key]

    def rank_test(self, column: str, group: str) -> Any:
        """The design-based Kruskal–Wallis rank test (svy) of numeric ``column`` by ``group``.

        Respondents missing either are left out (R's svyranktest on complete cases).
        """
        key = ("rank", column, group)
        if key not in self._cache:
            self._cache[key] = self.sample.categorical.ranktest(
                column, group=group, score="kruskal-wallis", drop_nulls=True,
                method=self.method)  # fmt: skip
        return self._cache[key]

    def group_shares(self, group: str) -> dict[str, Weighted]:
        """{group value: its share of all respondents} (a missing value is a level of its own)."""
        key = ("groups", group)
        if key not in self._cache:
            import svy

            filled = self.frame.with_columns(pl.col(group).fill_null(NULL_LEVEL).alias(group))
            sample = svy.Sample(data=filled, design=self.sample.design)
            out = sample.estimation.prop(y=group, deff=self.deff, method=self.method,
                                         ci_method=SVY_CI[self.sp.design_ci_method],
                                         alpha=1 - self.sp.ci_level).to_polars()  # fmt: skip
            self._cache[key] = {str(r[group]): _weighted(r) for r in out.iter_rows(named=True)}
        return self._cache[key]

    def mean(self, column: str, group: str) -> dict[str, Weighted]:
        """{group value: the weighted mean of ``column`` among those with a value}."""
        key = ("mean", column, group)
        if key not in self._cache:
            out = self.sample.estimation.mean(y=column, by=self._by(group), drop_nulls=True,
                                              deff=self.deff, method=self.method,
                                              alpha=1 - self.sp.ci_level).to_polars()
            self._cache[key] = {"all" if group == "all" else str(r[group]): _weighted(r)
                                for r in out.iter_rows(named=True)}  # fmt: skip
        return self._cache[key]

    def quantiles(self, column: str, group: str,
                  probs: tuple[float, ...]) -> dict[tuple[float, str], Weighted]:  # fmt: skip
        """{(probability, group value): the weighted quantile, Woodruff interval}."""
        key = ("quantile", column, group, probs)
        if key not in self._cache:
            found = self.sample.estimation.quantile(
                y=column, p=list(probs), by=self._by(group), drop_nulls=True, method=self.method,
                q_method=SVY_QUANTILE[self.sp.quantile_method], alpha=1 - self.sp.ci_level)
            out: dict[tuple[float, str], Weighted] = {}
            for estimate in found:
                for r in estimate.to_polars().iter_rows(named=True):
                    out[(float(r["prob"]), "all" if group == "all" else str(r[group]))] = \
                        _weighted(r, deff=False)  # fmt: skip
            self._cache[key] = out
        return self._cache[key]

    def answered_weight(self, column: str, group: str) -> dict[str, float]:
        """{group value: sum of the weights of those with a value of ``column``}."""
        key = ("answered", column, group)
        if key not in self._cache:
            weight = pl.col(self.weight) if self.weight else pl.lit(1.0)
            answered = self.frame.filter(pl.col(column).is_not_null())
            if group == "all":
                self._cache[key] = {"all": float(answered.select(weight.sum()).item())}
            else:
                rows = answered.group_by(group).agg(weight.sum().alias("w")).rows()
                self._cache[key] = {g: float(w) for g, w in rows if g is not None}
        return self._cache[key]

    def weight_sums(self, column: str | None, group: str) -> dict[tuple[str, str | None], float]:
        """{(group value, value of ``column``): sum of weights}; None stands for missing."""
        key = ("sums", column, group)
        if key not in self._cache:
            keys = [c for c in dict.fromkeys([group, column]) if c not in (None, "all")]
            weight = pl.col(self.weight) if self.weight else pl.lit(1.0)
            if keys:
                rows = self.frame.group_by(keys).agg(weight.sum().alias("w")).rows()
            else:
                rows = self.frame.select(weight.sum().alias("w")).rows()
            out: dict[tuple[str, str | None], float] = {}
            for row in rows:
                values = dict(zip(keys, row[:-1], strict=True))
                pair = ("all" if group == "all" else values[group],
                        values.get(column) if column not in (None, "all") else None)
                out[pair] = out.get(pair, 0.0) + float(row[-1])
            self._cache[key] = out
        return self._cache[key]
