"""Design-based estimates of a weighted survey (svy): shares, totals, tables, means, quantiles.

See :mod:`helpers.summarize.design` for how they follow R's survey package.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from helpers.summarize.comparisons import RankTest
from helpers.summarize.design_sample import DesignSample
from helpers.summarize.design_setup import (
    INDICATOR,
    NULL_LEVEL,
    SVY_QUANTILE,
    Weighted,
    _weighted,
    r_quantile,
)


class DesignEstimates(DesignSample):
    """svy estimates of one survey's responses, cached per (statistic, variable, domain)."""

    def shares(self, column: str, group: str) -> dict[tuple[str, str], Weighted]:
        """{(group value, value): share of ``column`` among the group's answered} (0..1)."""
        key = ("prop", column, group)
        if key not in self._cache:
            with self._told():
                out = self.sample.estimation.prop(
                    y=column,
                    by=self._by(group),
                    **self._svy(deff=True, ci=True),
                ).to_polars()
            found = {
                (self._key(group, r), str(r[column])): _weighted(r)
                for r in out.iter_rows(named=True)
            }
            if self.method == "replication" and self.sp.design_ci_method == "logit":
                found = self._replicate_logit(column, group, found)
            self._cache[key] = found
        return self._cache[key]

    def totals(self, column: str, group: str) -> dict[tuple[str, str], Weighted]:
        """{(group value, value): the estimated population count of the cell (R svytotal)}.

        As R: the total of the value's indicator (0 for those without it) in the group's
        domain, one value at a time (a cell as a domain of its own would treat a stratum
        with one PSU in the cell as a lonely PSU, which R does not).
        """
        import svy

        key = ("total", column, group)
        if key not in self._cache:
            found: dict[tuple[str, str], Weighted] = {}
            for value in self.frame[column].drop_nulls().cast(pl.String).unique().sort():
                is_value = (pl.col(column).cast(pl.String) == value).fill_null(False)
                data = self.frame.with_columns(is_value.cast(pl.Float64).alias(INDICATOR))
                sample = svy.Sample(data=data, design=self.sample.design)
                out = sample.estimation.total(
                    y=INDICATOR,
                    by=self._by(group),
                    **self._svy(),
                ).to_polars()
                found |= {
                    (self._key(group, r), value): _weighted(r, deff=False)
                    for r in out.iter_rows(named=True)
                }
            self._cache[key] = found
        return self._cache[key]

    def table_stats(self, column: str, group: str) -> Any:
        """Rao-Scott statistics of ``group`` by ``column`` (svy's ``TableStats``: chisq, f).

        Respondents missing either are left out (R's svychisq on the design's complete
        cases); levels nobody in the design has are not in the table.
        """
        key = ("table", column, group)
        if key not in self._cache:
            table = self._categorical().tabulate(group, column, drop_nulls=True, method=self.method)
            self._cache[key] = table.stats
        return self._cache[key]

    def rank_test(self, column: str, group: str) -> Any:
        """The design-based Kruskal–Wallis rank test of numeric ``column`` by ``group``.

        Respondents missing either are left out (R's svyranktest on complete cases).
        A replicate design: svy's rank test (the influence values re-totalled with each
        replicate, as R). Taylor linearization: R's own construction — weighted rank
        scores, a linear model of them on the groups, its coefficients' design-based
        covariance — with the model fitted by svy (``glm``), so that strata, PSUs, the fpc,
        a lonely-PSU rule and calibrated weights all count (svy's own rank test leaves the
        fpc out). Returns ``RankTest``.
        """
        key = ("rank", column, group)
        if key not in self._cache:
            if self.method == "replication":
                self._cache[key] = RankTest.of_svy(
                    self._categorical().ranktest(
                        column,
                        group=group,
                        score="kruskal-wallis",
                        drop_nulls=True,
                        method=self.method,
                    )
                )
            else:
                self._cache[key] = self._taylor_rank_test(column, group)
        return self._cache[key]

    def _taylor_rank_test(self, column: str, group: str) -> RankTest:
        import numpy as np
        import svy

        frame = self.frame
        weight = frame[self.weight].to_numpy().astype(float)
        kept = frame[column].is_not_null() & frame[group].is_not_null()
        x = frame[column].to_numpy()
        w = np.where(kept.to_numpy(), weight, 0.0)
        order = np.argsort(np.where(kept.to_numpy(), x, np.inf), kind="stable")
        cum = np.cumsum(w[order]) - w[order] / 2  # R: ave(cumsum(w) - w/2, factor(y))
        tied = (
            pl.DataFrame({"y": x[order], "c": cum})
            .with_columns(pl.col("c").mean().over("y"))["c"]
            .to_numpy()
        )
        score = np.empty(len(x))
        score[order] = tied / w.sum()
        data = self.frame.with_columns(
            pl.Series("__rank_score", score), pl.col(group).cast(pl.String)
        )
        fitted_sample = svy.Sample(data=data, design=self.sample.design)
        where = svy.col(column).is_not_null() & svy.col(group).is_not_null()
        model = fitted_sample.glm.fit(
            y="__rank_score", x=[svy.Cat(group)], family="gaussian", where=where
        )
        levels = data.filter(kept)[group].n_unique()
        if levels == 2:
            row = model.to_polars().row(1, named=True)
            return RankTest(float(row["statistic"]), 1.0, float(row["df"]), two_groups=True)
        test = model.term_test(svy.Cat(group))
        return RankTest(float(test.value), float(test.df_num), float(test.df_den), two_groups=False)

    def group_shares(self, group: str) -> dict[str, Weighted]:
        """{group value: its share of all respondents} (a missing value is a level of its own)."""
        key = ("groups", group)
        if key not in self._cache:
            import svy

            filled = self.frame.with_columns(pl.col(group).fill_null(NULL_LEVEL).alias(group))
            sample = svy.Sample(data=filled, design=self.sample.design)
            with self._told():
                out = sample.estimation.prop(
                    y=group,
                    **self._svy(deff=True, ci=True, drop_nulls=False),
                ).to_polars()

            found = {str(r[group]): _weighted(r) for r in out.iter_rows(named=True)}
            if self.method == "replication" and self.sp.design_ci_method == "logit":
                shares = self._replicate_logit(
                    group, "all", {("all", k): w for k, w in found.items()}, filled
                )
                found = {k: w for (_, k), w in shares.items()}
            self._cache[key] = found
        return self._cache[key]

    def mean(self, column: str, group: str) -> dict[str, Weighted]:
        """{group value: the weighted mean of ``column`` among those with a value}."""
        key = ("mean", column, group)
        if key not in self._cache:
            with self._told():
                out = self.sample.estimation.mean(
                    y=column,
                    by=self._by(group),
                    **self._svy(deff=True),
                ).to_polars()
            found = {self._key(group, r): _weighted(r) for r in out.iter_rows(named=True)}
            if self.method == "replication":  # t on the domain's degrees of freedom (R)
                found = {
                    k: self._t_interval(w, self.domain_df(column, group)[k])
                    for k, w in found.items()
                }
            self._cache[key] = found
        return self._cache[key]

    def _t_interval(self, w: Weighted, df: float) -> Weighted:
        """``w`` with its interval estimate ± t(df) x SE (R's confint(..., df = degf))."""
        from scipy.stats import t as t_dist

        if w.se is None:
            return w
        half = float(t_dist.ppf(1 - (1 - self.sp.ci_level) / 2, df)) * w.se
        return Weighted(w.estimate, w.se, w.estimate - half, w.estimate + half, w.deff, w.df)

    def sd(self, column: str, group: str) -> dict[str, float]:
        """{group value: the standard deviation of ``column`` (R's sqrt(svyvar), n/(n-1))}."""
        key = ("sd", column, group)
        if key not in self._cache:
            out = self.sample.estimation.cov(
                (column, column),
                by=self._by(group),
                **self._svy(alpha=False),
            ).to_polars()
            self._cache[key] = {
                self._key(group, r): math.sqrt(max(float(r["est"]), 0.0))
                for r in out.iter_rows(named=True)
            }
        return self._cache[key]

    def quantiles(
        self, column: str, group: str, probs: tuple[float, ...]
    ) -> dict[tuple[float, str], Weighted]:
        """{(probability, group value): the weighted quantile, Woodruff interval}.

        Taylor linearization: R's ``svyquantile(qrule = "math")`` built as R builds it —
        the quantile by ``r_quantile``, the design-based mean of ``x <= q`` and its SE by
        svy, its t interval (design df) mapped back through the same rule, the SE the
        interval's half-width over t. (svy's own quantile sums the CDF so that at equal
        weights it can fall just short of ``p`` and take the next value up.) A replicate
        design: svy's replicate quantile.
        """
        key = ("quantile", column, group, probs)
        if key not in self._cache:
            if self.sp.quantile_method != "higher":
                self._cache[key] = self._svy_quantiles(column, group, probs)
            else:
                self._cache[key] = self._woodruff(column, group, probs)
        return self._cache[key]

    def _svy_quantiles(
        self, column: str, group: str, probs: tuple[float, ...]
    ) -> dict[tuple[float, str], Weighted]:
        found = self.sample.estimation.quantile(
            y=column,
            p=list(probs),
            by=self._by(group),
            q_method=SVY_QUANTILE[self.sp.quantile_method],
            **self._svy(),
        )
        out: dict[tuple[float, str], Weighted] = {}
        for estimate in found:
            for r in estimate.to_polars().iter_rows(named=True):
                out[(float(r["prob"]), self._key(group, r))] = _weighted(r, deff=False)
        return out

    def _woodruff(
        self, column: str, group: str, probs: tuple[float, ...]
    ) -> dict[tuple[float, str], Weighted]:
        import svy
        from scipy.stats import t as t_dist

        kept = self.frame.filter(pl.col(column).is_not_null())
        if group != "all":
            kept = kept.filter(pl.col(group).is_not_null())
        parts = (
            {"all": kept}
            if group == "all"
            else {str(k[0]): part for k, part in kept.partition_by(group, as_dict=True).items()}
        )
        values = {
            k: (part[column].to_numpy().astype(float), part[self.weight].to_numpy().astype(float))
            for k, part in parts.items()
        }
        out: dict[tuple[float, str], Weighted] = {}
        for p in probs:
            qhat = {k: r_quantile(x, w, p) for k, (x, w) in values.items()}
            below = pl.col(column) <= (
                pl.lit(qhat["all"])
                if group == "all"
                else pl.col(group)
                .cast(pl.String)
                .replace_strict(qhat, default=None, return_dtype=pl.Float64)
            )
            data = self.frame.with_columns(below.cast(pl.Float64).alias("__below"))
            sample = svy.Sample(data=data, design=self.sample.design)
            est = sample.estimation.mean(
                y="__below",
                by=self._by(group),
                **self._svy(),
            ).to_polars()
            for r in est.iter_rows(named=True):
                k = self._key(group, r)
                if k not in qhat:
                    continue
                x, w = values[k]
                df = self.domain_df(column, group)[k] if self.method == "replication" else r["df"]
                crit = float(t_dist.ppf(1 - (1 - self.sp.ci_level) / 2, df))
                lo_p, hi_p = r["est"] - crit * r["se"], r["est"] + crit * r["se"]
                low = r_quantile(x, w, lo_p) if lo_p >= 0 else None
                high = r_quantile(x, w, hi_p) if hi_p <= 1 else None
                se = (high - low) / (2 * crit) if low is not None and high is not None else None
                out[(float(p), k)] = Weighted(qhat[k], se, low, high, None, r["df"])
        return out
