"""The row-counting parts of a design's estimates put back when svy estimated from cells.

svy sees one row per cell (:mod:`.design_cells`); its estimates, SEs, intervals and df are
the rows', but a design effect and a standard deviation count the rows svy was handed. Each
is scaled here by the ratio of the rows' counts to the cells' (each domain's respondents
``n``, cells and sum of weights, from the engine's ``__n``). A domain that fewer than two
cells hold, and the statistics that need rows, are estimated on the rows of their columns.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import polars as pl

from helpers.core.codebook import Codebook
from helpers.core.params import StatsParams
from helpers.summarize.design_cells import (
    deff_factor,
    design_columns,
    domain_counts,
    sd_factor,
)
from helpers.summarize.design_estimates import DesignEstimates
from helpers.summarize.design_sample import DesignSample
from helpers.summarize.design_setup import Weighted

Counts = dict[str, tuple[int, int, float]]


def counts(design: DesignSample, column: str | None, group: str) -> Counts:
    """{group value: (respondents, cells, sum of weights)} of ``column``'s domain (cached)."""
    key = ("counts", column, group)
    if key not in design._cache:
        design._cache[key] = domain_counts(design.frame, design.weight, column, group)
    return design._cache[key]


def _short(found: Counts) -> bool:
    """Whether a domain of at least two respondents is held by fewer than two cells."""
    return any(c < 2 <= n for n, c, _ in found.values())


def deffs(
    design: DesignSample, found: dict[Any, Weighted], domains: Counts, domain_of: Any
) -> dict[Any, Weighted] | None:
    """``found`` with each design effect on the rows (None: take these estimates on the rows).

    ``domain_of(key)``: the group value of a key of ``found``. As svy: a domain whose weights
    add up to no more than its respondents has no design effect without replacement; none in
    any domain stops (svy's DEFF_NOT_COMPUTABLE, told as :meth:`DesignSample._told` tells it).
    """
    if design.deff is None:
        return found
    if _short(domains):
        return None
    out = {}
    for key, est in found.items():
        n, cells, total = domains[domain_of(key)]
        if est.deff is None or n < 2:
            out[key] = est
            continue
        factor = deff_factor(n, cells, total, design.deff == "wor")
        out[key] = replace(est, deff=None if factor is None else est.deff * factor)
    if out and all(est.deff is None for est in out.values()):
        raise design.deff_error()
    return out


def variances(design: DesignSample, found: dict[str, float], domains: Counts) -> dict | None:
    """Variances svy gave on cells (``found``) as on the rows (None: take them on the rows)."""
    if _short(domains):
        return None
    out = {}
    for key, var in found.items():
        n, cells, _ = domains[key]
        out[key] = var * sd_factor(n, cells) if n >= 2 else var
    return out


def _domain(key: Any) -> str:
    """The group value of a share's key (group value, value)."""
    return key[0]


class CellEstimates(DesignEstimates):
    """:class:`DesignEstimates` of a clustered design's cells, what counts rows recounted.

    Every other estimate is svy's from the cells as it is (exact: helpers.summarize.design_cells).
    ``rows`` gives the rows of some columns (and the design's), for the statistics that need them.
    """

    def __init__(
        self,
        cells: pl.DataFrame,
        book: Codebook,
        sp: StatsParams,
        rows: Callable[[list[str]], pl.DataFrame],
    ) -> None:
        super().__init__(cells, book, sp)
        self.book = book
        self.rows_of = rows

    def on_rows(self, *columns: str) -> DesignEstimates:
        """The design on the rows of ``columns`` (and the design's), from the engine (cached)."""
        only = [
            c
            for c in design_columns(self.book)
            if any(x == c or x.startswith(f"{c}__") for x in columns)
        ]
        self._cache[("rows", tuple(only))] = True  # which rows were taken (for the tests)
        return DesignEstimates(self.rows_of(only), self.book, self.sp)

    def shares(self, column: str, group: str) -> dict[tuple[str, str], Weighted]:
        """Shares as :meth:`DesignEstimates.shares`, design effects on the rows."""
        key = ("cells", "prop", column, group)
        if key not in self._cache:
            found = deffs(self, super().shares(column, group), counts(self, column, group), _domain)
            self._cache[key] = (
                found if found is not None else self.on_rows(column, group).shares(column, group)
            )
        return self._cache[key]

    def group_shares(self, group: str) -> dict[str, Weighted]:
        """Group shares as :meth:`DesignEstimates.group_shares`, design effects on the rows."""
        key = ("cells", "groups", group)
        if key not in self._cache:
            domains = counts(self, None, "all")
            found = deffs(self, super().group_shares(group), domains, lambda _: "all")
            self._cache[key] = (
                found if found is not None else self.on_rows(group).group_shares(group)
            )
        return self._cache[key]

    def mean(self, column: str, group: str) -> dict[str, Weighted]:
        """Means as :meth:`DesignEstimates.mean`, design effects on the rows."""
        key = ("cells", "mean", column, group)
        if key not in self._cache:
            found = deffs(self, super().mean(column, group), counts(self, column, group), str)
            self._cache[key] = (
                found if found is not None else self.on_rows(column, group).mean(column, group)
            )
        return self._cache[key]

    def sd(self, column: str, group: str) -> dict[str, float]:
        """Standard deviations as :meth:`DesignEstimates.sd`, n / (n - 1) of the rows."""
        key = ("cells", "sd", column, group)
        if key not in self._cache:
            squares = {k: v * v for k, v in super().sd(column, group).items()}
            found = variances(self, squares, counts(self, column, group))
            self._cache[key] = (
                {k: math.sqrt(v) for k, v in found.items()}
                if found is not None
                else self.on_rows(column, group).sd(column, group)
            )
        return self._cache[key]

    def _on_rows(self, name: str, column: str, group: str, *args: Any) -> Any:
        """``name``'s estimate (cached) on the rows of ``column`` and ``group``."""
        key = ("cells", name, column, group, *args)
        if key not in self._cache:
            self._cache[key] = getattr(self.on_rows(column, group), name)(column, group, *args)
        return self._cache[key]

    def table_stats(self, column: str, group: str) -> Any:
        """On the rows of ``column`` and ``group`` (see :mod:`.design_cells`)."""
        return self._on_rows("table_stats", column, group)

    def rank_test(self, column: str, group: str) -> Any:
        """On the rows of ``column`` and ``group``: R's rank scores average tied rows' mid-ranks."""
        return self._on_rows("rank_test", column, group)

    def quantiles(
        self, column: str, group: str, probs: tuple[float, ...]
    ) -> dict[tuple[float, str], Weighted]:
        """R's rule (``higher``) from the cells (the weighted CDF is theirs); svy's on the rows."""
        if self.sp.quantile_method == "higher":
            return super().quantiles(column, group, probs)
        return self._on_rows("quantiles", column, group, probs)
