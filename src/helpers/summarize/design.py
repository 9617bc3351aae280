"""Design-based estimates of a weighted survey, by a maintained survey-statistics library (svy).

A codebook's ``design:`` names the weight, strata, PSUs and fpc of an export;
clean hands them on as ``design_weight``, ``design_strata``, ``design_psu`` and
``design_fpc`` (replicate weights ``design_rep_1`` ...). Every variance here comes from
svy (Taylor linearization or replicates; domains keep the whole design, as R survey's
``subset()`` does), but one: a replicate design's logit interval (R's, from the
replicates' logits; ``_replicate_logit``). Where svy's construction differs from R's,
the figure is built as R builds it with svy doing the estimation (quantiles, the Taylor
rank test). tests/test_design_references.py checks every figure of seven real designs
against R's survey package; tests/test_survey_designs.py svy itself. Sums of weights
(weighted counts and bases) are plain sums.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl

from helpers.core.codebook import Calibration, Codebook
from helpers.core.codes import code_key
from helpers.core.params import StatsParams
from helpers.summarize.comparisons import RankTest

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
    """One row of svy's estimate table (``est``, ``se``, ``lci``, ``uci``, ``deff``, ``df``).

    A design effect below ``ZERO_DEFF`` (a stratum's share, fixed by the design) is the
    rounding noise of a zero variance: SE 0, design effect 0, interval the estimate, as R.
    """
    est, effect = float(row["est"]), _num(row.get("deff")) if deff else None
    if effect is not None and abs(effect) < ZERO_DEFF:
        return Weighted(est, 0.0, est, est, 0.0, row.get("df"))
    return Weighted(est, _num(row["se"]), _num(row["lci"]), _num(row["uci"]), effect,
                    row.get("df"))


# stats.lonely_psu (R's options(survey.lonely.psu)) -> svy's singleton rule
LONELY_PSU = {"certainty": "skip", "remove": "skip", "adjust": "center", "average": "scale"}
REPLICATE_CLASSES = {"brr": "BrrWgts", "fay": "BrrWgts", "jk1": "JackknifeWgts",
                     "jkn": "JackknifeWgts", "jk2": "JackknifeWgts",
                     "bootstrap": "BootstrapWgts", "sdr": "SdrWgts"}  # fmt: skip
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
    per = frame.group_by(by).agg(pl.col(fpc).min().alias("low"), pl.col(fpc).max().alias("high"),
                                 unit.n_unique().alias("sampled"))  # fmt: skip
    varies = per.filter(pl.col("low") != pl.col("high"))
    if varies.height:
        row = varies.row(0, named=True)
        raise DesignError(f"codebook design.fpc: expected one value per stratum; found "
                          f"{row['low']} and {row['high']} in one stratum")  # fmt: skip
    fractions = per["high"].max() <= 1
    if not fractions and per["low"].min() <= 1:
        raise DesignError("codebook design.fpc: expected population sizes (all above 1) or "
                          "sampling fractions (all at most 1); found both")
    sizes = per.with_columns(
        (pl.col("sampled") / pl.col("high") if fractions else pl.col("high")).alias("size"))
    over = sizes.filter(pl.col("size") < pl.col("sampled") - 1e-9)
    if over.height:
        row = over.row(0, named=True)
        raise DesignError(f"codebook design.fpc: expected a population at least the "
                          f"{row['sampled']} sampled {'PSUs' if 'psu' in cols else 'units'} of "
                          f"its stratum; found {row['size']:g}")  # fmt: skip
    if not fractions:
        return frame
    keys = [b if isinstance(b, str) else "__stratum" for b in by]
    joined = frame.with_columns(pl.lit(0).alias("__stratum")) if not strata else frame
    return joined.join(sizes.select(*keys, "size"), on=keys, how="left", maintain_order="left") \
        .with_columns(pl.col("size").alias(fpc)).drop("size", "__stratum", strict=False)


def check_weights(frame: pl.DataFrame, cols: dict[str, str], spec: Any) -> None:
    """Stop, in the codebook's and params.yaml's words, on weights no estimate can use.

    Weights whose squares overflow (a weight of 1e308: every variance sums squared
    weighted values) name the column and the line of the largest. (Weights too small for a
    design effect without replacement are told by ``DesignEstimates._told``.)
    """
    if "weight" not in cols:
        return
    weight = frame[cols["weight"]]
    squares = float((weight * weight).sum())  # variances sum squared weighted values
    if not math.isfinite(squares):
        row = int(weight.arg_max() or 0)
        line = frame["source_line"][row] if "source_line" in frame.columns else None
        where = f" at line {line}" if line is not None else ""
        raise DesignError(f"codebook design.weight {spec.weight!r}: expected weights small "
                          f"enough that their squares add up to a finite number (below about "
                          f"1e150); found {weight.max()!r}{where}")  # fmt: skip


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
        missing = frame.filter(pl.col(qid).is_null()).height
        if missing:
            raise DesignError(f"codebook design.calibration.population.{qid}: expected every "
                              f"respondent to have an answer to {qid}; found {missing} without "
                              f"one (a post-stratum must be known for each respondent)")
        index = {code_key(o.code): str(o.code) for o in book.question(qid).answers}
        controls[qid] = {index[c]: n for c, n in counts}
    if cal.method == "poststratify":
        ((qid, cells),) = controls.items()
        return sample.weighting.poststratify(controls=cells, cells=qid, wgt_name="design_cal")
    if cal.method == "rake":
        return sample.weighting.rake(controls=controls, wgt_name="design_cal", tol=1e-10,
                                     max_iter=1000)  # fmt: skip
    terms: dict[Any, Any] = {svy.Cat(qid): cells for qid, cells in controls.items()}
    return sample.weighting.calibrate(controls=terms, wgt_name="design_cal")


class DesignEstimates:
    """svy estimates of one survey's responses, cached per (statistic, variable, domain)."""

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
                prefix="design_rep_", n_reps=rep.count, scale=list(rep.coefficients),
                df=self.df)  # fmt: skip
        singleton = LONELY_PSU.get(sp.lonely_psu)
        design = svy.Design(stratum=cols.get("strata"), psu=cols.get("psu"),
                            wgt=cols.get("weight"), pop_size=cols.get("fpc"),
                            rep_wgts=replicates, singleton=singleton)  # fmt: skip
        sample = svy.Sample(data=frame, design=design)
        if singleton is None and "strata" in cols and sample.singletons.height:
            lonely = ", ".join(str(s) for s in sample.singletons[cols["strata"]].to_list()[:5])
            raise DesignError(f"params.yaml stats.lonely_psu = fail: expected at least two PSUs "
                              f"in every stratum; found strata with one ({lonely}): choose "
                              f"certainty, remove, adjust or average (R's survey.lonely.psu)")
        if spec.calibration is not None:
            sample = calibrated(sample, spec.calibration, book)
        self.sample = sample
        self.frame = sample.data
        self.sp = sp
        # replicate weights: their variance (no design effect: svy gives none for them)
        self.method = "replication" if replicates is not None else None
        self.center = "estimate" if spec.replicate is not None and spec.replicate.mse \
            else "rep_mean"  # fmt: skip
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
            raise DesignError(
                f"params.yaml stats.design_effect = {self.sp.design_effect}: expected weights "
                f"that add up to a population larger than the respondents (Kish's design "
                f"effect compares with sampling without replacement from it), in every group; "
                f"found weights in {self.weight_name!r} that add up to no more than the "
                f"respondents they weigh (normalised to mean 1?): use stats.design_effect: wr, or "
                f"population-scale weights") from None

    def _by(self, group: str) -> str | None:
        return None if group == "all" else group

    def _key(self, group: str, row: dict[str, Any]) -> str:
        return "all" if group == "all" else str(row[group])

    def shares(self, column: str, group: str) -> dict[tuple[str, str], Weighted]:
        """{(group value, value): share of ``column`` among the group's answered} (0..1)."""
        key = ("prop", column, group)
        if key not in self._cache:
            with self._told():
                out = self.sample.estimation.prop(y=column, by=self._by(group),
                                                  drop_nulls=True, deff=self.deff,
                                                  method=self.method,
                                                  variance_center=self.center,
                                                  ci_method=SVY_CI[self.sp.design_ci_method],
                                                  alpha=1 - self.sp.ci_level).to_polars()
            found = {(self._key(group, r), str(r[column])): _weighted(r)
                     for r in out.iter_rows(named=True)}  # fmt: skip
            if self.method == "replication" and self.sp.design_ci_method == "logit":
                found = self._replicate_logit(column, group, found)
            self._cache[key] = found
        return self._cache[key]

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
                parts = {str(k[0]): part for k, part in
                         kept.partition_by(group, as_dict=True).items()}  # fmt: skip
            self._cache[key] = {k: replicate_df(part, names) for k, part in parts.items()}
            if self.df is not None and (self.design_df_given or group == "all"):
                self._cache[key] = {k: self.df for k in parts}
        return self._cache[key]

    def _replicate_columns(self) -> list[str]:
        """The replicate weights in use (after a calibration, the calibrated ones)."""
        return self.sample.design.rep_wgts.columns_from_data(self.frame.columns)

    def _replicate_logit(self, column: str, group: str, found: dict[tuple[str, str], Weighted],
                         frame: pl.DataFrame | None = None) -> dict[tuple[str, str], Weighted]:
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
        cells = kept.group_by(keys).agg([pl.col(n).sum() for n in names]).with_columns(
            pl.col(k).cast(pl.String) for k in keys)  # fmt: skip
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
                out = sample.estimation.total(y=INDICATOR, by=self._by(group), drop_nulls=True,
                                              method=self.method, variance_center=self.center,
                                              alpha=1 - self.sp.ci_level).to_polars()
                found |= {(self._key(group, r), value): _weighted(r, deff=False)
                          for r in out.iter_rows(named=True)}  # fmt: skip
            self._cache[key] = found
        return self._cache[key]

    def table_stats(self, column: str, group: str) -> Any:
        """Rao-Scott statistics of ``group`` by ``column`` (svy's ``TableStats``: chisq, f).

        Respondents missing either are left out (R's svychisq on the design's complete
        cases); levels nobody in the design has are not in the table.
        """
        key = ("table", column, group)
        if key not in self._cache:
            table = self._categorical().tabulate(group, column, drop_nulls=True,
                                                 method=self.method)  # fmt: skip
            self._cache[key] = table.stats
        return self._cache[key]

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
                self._cache[key] = RankTest.of_svy(self._categorical().ranktest(
                    column, group=group, score="kruskal-wallis", drop_nulls=True,
                    method=self.method))  # fmt: skip
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
        tied = pl.DataFrame({"y": x[order], "c": cum}).with_columns(
            pl.col("c").mean().over("y"))["c"].to_numpy()  # fmt: skip
        score = np.empty(len(x))
        score[order] = tied / w.sum()
        data = self.frame.with_columns(pl.Series("__rank_score", score),
                                       pl.col(group).cast(pl.String))  # fmt: skip
        fitted_sample = svy.Sample(data=data, design=self.sample.design)
        where = svy.col(column).is_not_null() & svy.col(group).is_not_null()
        model = fitted_sample.glm.fit(y="__rank_score", x=[svy.Cat(group)], family="gaussian",
                                      where=where)  # fmt: skip
        levels = data.filter(kept)[group].n_unique()
        if levels == 2:
            row = model.to_polars().row(1, named=True)
            return RankTest(float(row["statistic"]), 1.0, float(row["df"]), two_groups=True)
        test = model.term_test(svy.Cat(group))
        return RankTest(float(test.value), float(test.df_num), float(test.df_den),
                        two_groups=False)  # fmt: skip

    def group_shares(self, group: str) -> dict[str, Weighted]:
        """{group value: its share of all respondents} (a missing value is a level of its own)."""
        key = ("groups", group)
        if key not in self._cache:
            import svy

            filled = self.frame.with_columns(pl.col(group).fill_null(NULL_LEVEL).alias(group))
            sample = svy.Sample(data=filled, design=self.sample.design)
            with self._told():
                out = sample.estimation.prop(y=group, deff=self.deff, method=self.method,
                                             variance_center=self.center,
                                             ci_method=SVY_CI[self.sp.design_ci_method],
                                             alpha=1 - self.sp.ci_level).to_polars()

            found = {str(r[group]): _weighted(r) for r in out.iter_rows(named=True)}
            if self.method == "replication" and self.sp.design_ci_method == "logit":
                shares = self._replicate_logit(group, "all", {("all", k): w for k, w in
                                                              found.items()}, filled)  # fmt: skip
                found = {k: w for (_, k), w in shares.items()}
            self._cache[key] = found
        return self._cache[key]

    def mean(self, column: str, group: str) -> dict[str, Weighted]:
        """{group value: the weighted mean of ``column`` among those with a value}."""
        key = ("mean", column, group)
        if key not in self._cache:
            with self._told():
                out = self.sample.estimation.mean(y=column, by=self._by(group),
                                                  drop_nulls=True, deff=self.deff,
                                                  method=self.method,
                                                  variance_center=self.center,
                                                  alpha=1 - self.sp.ci_level).to_polars()
            found = {self._key(group, r): _weighted(r) for r in out.iter_rows(named=True)}
            if self.method == "replication":  # t on the domain's degrees of freedom (R)
                found = {k: self._t_interval(w, self.domain_df(column, group)[k])
                         for k, w in found.items()}  # fmt: skip
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
            out = self.sample.estimation.cov((column, column), by=self._by(group),
                                             drop_nulls=True, method=self.method,
                                             variance_center=self.center).to_polars()
            self._cache[key] = {self._key(group, r): math.sqrt(max(float(r["est"]), 0.0))
                                for r in out.iter_rows(named=True)}  # fmt: skip
        return self._cache[key]

    def quantiles(self, column: str, group: str,
                  probs: tuple[float, ...]) -> dict[tuple[float, str], Weighted]:  # fmt: skip
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

    def _svy_quantiles(self, column: str, group: str,
                       probs: tuple[float, ...]) -> dict[tuple[float, str], Weighted]:  # fmt: skip
        found = self.sample.estimation.quantile(
            y=column, p=list(probs), by=self._by(group), drop_nulls=True, method=self.method,
            variance_center=self.center, q_method=SVY_QUANTILE[self.sp.quantile_method],
            alpha=1 - self.sp.ci_level)  # fmt: skip
        out: dict[tuple[float, str], Weighted] = {}
        for estimate in found:
            for r in estimate.to_polars().iter_rows(named=True):
                out[(float(r["prob"]), self._key(group, r))] = _weighted(r, deff=False)
        return out

    def _woodruff(self, column: str, group: str,
                  probs: tuple[float, ...]) -> dict[tuple[float, str], Weighted]:  # fmt: skip
        import svy
        from scipy.stats import t as t_dist

        kept = self.frame.filter(pl.col(column).is_not_null())
        if group != "all":
            kept = kept.filter(pl.col(group).is_not_null())
        parts = {"all": kept} if group == "all" else {
            str(k[0]): part for k, part in kept.partition_by(group, as_dict=True).items()}
        values = {k: (part[column].to_numpy().astype(float),
                      part[self.weight].to_numpy().astype(float))
                  for k, part in parts.items()}  # fmt: skip
        out: dict[tuple[float, str], Weighted] = {}
        for p in probs:
            qhat = {k: r_quantile(x, w, p) for k, (x, w) in values.items()}
            below = pl.col(column) <= (pl.lit(qhat["all"]) if group == "all" else
                                       pl.col(group).cast(pl.String).replace_strict(
                                           qhat, default=None, return_dtype=pl.Float64))
            data = self.frame.with_columns(below.cast(pl.Float64).alias("__below"))
            sample = svy.Sample(data=data, design=self.sample.design)
            est = sample.estimation.mean(y="__below", by=self._by(group), drop_nulls=True,
                                         method=self.method, variance_center=self.center,
                                         alpha=1 - self.sp.ci_level).to_polars()  # fmt: skip
            for r in est.iter_rows(named=True):
                k = self._key(group, r)
                if k not in qhat:
                    continue
                x, w = values[k]
                df = self.domain_df(column, group)[k] if self.method == "replication" \
                    else r["df"]  # fmt: skip
                crit = float(t_dist.ppf(1 - (1 - self.sp.ci_level) / 2, df))
                lo_p, hi_p = r["est"] - crit * r["se"], r["est"] + crit * r["se"]
                low = r_quantile(x, w, lo_p) if lo_p >= 0 else None
                high = r_quantile(x, w, hi_p) if hi_p <= 1 else None
                se = (high - low) / (2 * crit) if low is not None and high is not None else None
                out[(float(p), k)] = Weighted(qhat[k], se, low, high, None, r["df"])
        return out

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
