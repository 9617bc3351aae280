"""The svy sample of a weighted survey and what every estimate of it shares.

Its design set up once (strata, PSUs, fpc, replicate weights, calibration), svy's
errors told in params.yaml's words, domains' degrees of freedom, a replicate design's
logit intervals as R's, and plain sums of weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.params import StatsParams
from helpers.summarize.design_setup import (
    LONELY_PSU,
    REPLICATE_CLASSES,
    SVY_CI,
    DesignError,
    Weighted,
    calibrated,
    check_weights,
    population_sizes,
    replicate_df,
)


class DesignSample:
    """svy's sample of one survey's responses, and a cache per (statistic, variable, domain)."""

    def __init__(self, responses: pl.DataFrame, book: Codebook, sp: StatsParams) -> None:
        import svy

        if book.design is None:
            raise ValueError("DesignEstimates needs a codebook with a design: section")
        spec = book.design
        cols = spec.response_columns
        # svy groups by text; codes are enumerations in the hand-off
        frame = responses.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.String))
        check_weights(frame, cols, spec)
        if "fpc" in cols:
            frame = population_sizes(frame, cols)
        replicates = None
        self.df: float | None = None
        self.design_df_given = bool(spec.replicate and spec.replicate.df is not None)
        if spec.replicate is not None:
            rep = spec.replicate
            names = [cols[f"rep_{i}"] for i in range(1, rep.count + 1)]
            self.df = rep.df if rep.df is not None else replicate_df(frame, names)
            replicates = getattr(svy, REPLICATE_CLASSES[rep.method])(
                prefix="design_rep_", n_reps=rep.count, scale=list(rep.coefficients), df=self.df
            )
        singleton = LONELY_PSU.get(sp.lonely_psu)
        design = svy.Design(
            stratum=cols.get("strata"),
            psu=cols.get("psu"),
            wgt=cols.get("weight"),
            pop_size=cols.get("fpc"),
            rep_wgts=replicates,
            singleton=singleton,
        )
        sample = svy.Sample(data=frame, design=design)
        if singleton is None and "strata" in cols and sample.singletons.height:
            lonely = ", ".join(str(s) for s in sample.singletons[cols["strata"]].to_list()[:5])
            raise DesignError(
                f"params.yaml stats.lonely_psu = fail: expected at least two PSUs "
                f"in every stratum; found strata with one ({lonely}): choose "
                f"certainty, remove, adjust or average (R's survey.lonely.psu)"
            )
        if spec.calibration is not None:
            sample = calibrated(sample, spec.calibration, book)
        self.sample = sample
        self.frame = sample.data
        self.sp = sp
        # replicate weights: their variance (no design effect: svy gives none for them)
        self.method = "replication" if replicates is not None else None
        self.center = (
            "estimate" if spec.replicate is not None and spec.replicate.mse else "rep_mean"
        )
        self.deff = None if replicates is not None else sp.design_effect
        self.weight = sample.design.wgt
        self.weight_name = spec.weight  # the export's column, as the codebook names it
        self._cache: dict[tuple, Any] = {}

    @contextmanager
    def _told(self) -> Iterator[None]:
        """Svy's design-effect error told in params.yaml's words (the key that decides it)."""
        from svy.errors.base_errors import SvyError

        try:
            yield
        except SvyError as exc:
            if getattr(exc, "code", None) != "DEFF_NOT_COMPUTABLE":
                raise
            raise self.deff_error() from None

    def deff_error(self) -> DesignError:
        """Kish's design effect without replacement has no population to compare with."""
        return DesignError(
            f"params.yaml stats.design_effect = {self.sp.design_effect}: expected weights "
            f"that add up to a population larger than the respondents (Kish's design "
            f"effect compares with sampling without replacement from it), in every group; "
            f"found weights in {self.weight_name!r} that add up to no more than the "
            f"respondents they weigh (normalised to mean 1?): use stats.design_effect: wr, or "
            f"population-scale weights"
        )

    def _svy(
        self, *, deff: bool = False, ci: bool = False, drop_nulls: bool = True, alpha: bool = True
    ) -> dict[str, Any]:
        """The keyword arguments svy's estimates of this design share (one place).

        Always the variance method and centre; ``drop_nulls``, the confidence level
        (``alpha``), the design effect (``deff``) and the share's interval (``ci``) if asked.
        """
        args: dict[str, Any] = {"method": self.method, "variance_center": self.center}
        if drop_nulls:
            args["drop_nulls"] = True
        if alpha:
            args["alpha"] = 1 - self.sp.ci_level
        if deff:
            args["deff"] = self.deff
        if ci:
            args["ci_method"] = SVY_CI[self.sp.design_ci_method]
        return args

    def _by(self, group: str) -> str | None:
        return None if group == "all" else group

    def _key(self, group: str, row: dict[str, Any]) -> str:
        return "all" if group == "all" else str(row[group])

    def domain_df(self, column: str, group: str) -> dict[str, float]:
        """{group value: R's ``degf`` of the domain of those with a value of ``column``}.

        A replicate design: the rank of the domain's replicate weights less one (R's
        ``degf`` of ``subset(design, ...)``, which keeps only the domain's rows); a domain
        met by few PSUs has fewer degrees of freedom than the design. None: taken from svy.
        """
        key = ("df", column, group)
        if key not in self._cache:
            names = self._replicate_columns()
            kept = self.frame.filter(pl.col(column).is_not_null())
            if group == "all":
                parts = {"all": kept}
            else:
                kept = kept.filter(pl.col(group).is_not_null())
                parts = {
                    str(k[0]): part for k, part in kept.partition_by(group, as_dict=True).items()
                }
            self._cache[key] = {k: replicate_df(part, names) for k, part in parts.items()}
            if self.df is not None and (self.design_df_given or group == "all"):
                self._cache[key] = {k: self.df for k in parts}
        return self._cache[key]

    def _replicate_columns(self) -> list[str]:
        """The replicate weights in use (after a calibration, the calibrated ones)."""
        return self.sample.design.rep_wgts.columns_from_data(self.frame.columns)

    def _replicate_logit(
        self,
        column: str,
        group: str,
        found: dict[tuple[str, str], Weighted],
        frame: pl.DataFrame | None = None,
    ) -> dict[tuple[str, str], Weighted]:
        """Logit intervals of a replicate design's shares as R's ``svyciprop`` makes them.

        R fits the logit of the share in each replicate (an intercept-only GLM, whose
        estimate is the logit of the replicate's share) and takes the replicate variance
        of those logits — not the delta method svy uses — on the domain's degrees of
        freedom. The replicate shares are sums of the replicate weights; their variance is
        ``sum_r c_r (logit p_r - centre)^2`` with svy's own coefficients ``c_r`` (the
        codebook's scale x rscales) and centre (the full-sample logit, or the replicates'
        mean): the one variance sum written here, checked against R in
        tests/test_design_references.py. A share of 0 or 1, or one that is 0 or 1 in a
        replicate, has no logit interval (R's GLM does not converge there).
        """
        import numpy as np
        from scipy.stats import t as t_dist

        names = self._replicate_columns()
        coefs = np.asarray(self.sample.design.rep_wgts.coefficients(), dtype=float)
        kept = (self.frame if frame is None else frame).filter(pl.col(column).is_not_null())
        keys = [column] if group == "all" else [group, column]
        if group != "all":
            kept = kept.filter(pl.col(group).is_not_null())
        cells = (
            kept.group_by(keys)
            .agg([pl.col(n).sum() for n in names])
            .with_columns(pl.col(k).cast(pl.String) for k in keys)
        )
        dfs = self.domain_df(column, group) if frame is None else {"all": self.df}
        crit = 1 - (1 - self.sp.ci_level) / 2
        out = dict(found)
        for (g, value), est in found.items():
            in_domain = cells if group == "all" else cells.filter(pl.col(group) == g)
            total = in_domain.select(names).sum().to_numpy()[0]
            hit = in_domain.filter(pl.col(column) == value).select(names).to_numpy()
            share = (hit.sum(axis=0) if len(hit) else np.zeros(len(names))) / total
            p = est.estimate
            if not 0 < p < 1 or not ((share > 0) & (share < 1)).all():
                out[(g, value)] = Weighted(p, est.se, None, None, est.deff, est.df)
                continue
            logits = np.log(share / (1 - share))
            centre = math.log(p / (1 - p)) if self.center == "estimate" else logits.mean()
            se = math.sqrt(float(np.sum(coefs * (logits - centre) ** 2)))
            half = float(t_dist.ppf(crit, dfs[g])) * se
            low, high = (1 / (1 + math.exp(-(math.log(p / (1 - p)) + d))) for d in (-half, half))
            out[(g, value)] = Weighted(p, est.se, low, high, est.deff, est.df)
        return out

    def _categorical(self) -> Any:
        """Svy's tests of this sample, with the replicate variance centred as declared.

        svy's table and rank-test kernels take the centre (``variance_center``) but svy
        0.35's Python layer does not hand it on, so a design with ``mse: true`` would be
        tested about the replicates' mean. This passes the codebook's centre on, as R's
        svychisq and svyranktest use the design's ``mse``.
        """
        categorical = self.sample.categorical
        if self.method == "replication":
            replication = categorical._replication

            def centred(method: str | None, *, where: str) -> dict | None:
                found = replication(method, where=where)
                return None if found is None else {**found, "variance_center": self.center}

            categorical._replication = centred
        return categorical

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
                pair = (
                    "all" if group == "all" else values[group],
                    values.get(column) if column not in (None, "all") else None,
                )
                out[pair] = out.get(pair, 0.0) + float(row[-1])
            self._cache[key] = out
        return self._cache[key]
