"""The survey design and the population frame (codebook ``design:`` and ``frame:``).

Built from the validated spec; what the schema cannot say (which keys go
together, counts that name the codebook's codes) is refused here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

from helpers.core.codebook_schema import CalibrationSpec, DesignSpec, FrameSpec, ReplicateSpec
from helpers.core.codes import code_key
from helpers.core.errors import CodebookError

# Columns of responses holding a survey design's variables (codebook ``design:``).
DESIGN_COLUMNS = {
    "weight": "design_weight",
    "strata": "design_strata",
    "psu": "design_psu",
    "fpc": "design_fpc",
}

# R survey's svrepdesign defaults per replicate method: (scale as a function of the number
# of replicates, mse). JKn has no scale of its own: its rscales (n_h - 1)/n_h must be given.
REPLICATE_DEFAULTS: dict[str, tuple[Callable[[int, float], float], bool]] = {
    "brr": (lambda r, rho: 1 / r, False),
    "fay": (lambda r, rho: 1 / (r * (1 - rho) ** 2), False),
    "jk1": (lambda r, rho: (r - 1) / r, False),
    "jkn": (lambda r, rho: 1.0, False),
    "jk2": (lambda r, rho: 1.0, False),
    "bootstrap": (lambda r, rho: 1 / (r - 1), False),
    "sdr": (lambda r, rho: 4 / r, True),
}


@dataclass(frozen=True)
class Replicates:
    """Replicate weights as R's ``svrepdesign`` declares them (its type, scale, rscales, mse)."""

    method: str
    prefix: str
    count: int
    scale: float  # R's scale (the method's default when the codebook gives none)
    rscales: tuple[float, ...]  # R's rscales, one per replicate (1 when not given)
    fay_rho: float = 0.0
    mse: bool = False  # True: centred on the full-sample estimate; False: replicates' mean
    df: float | None = None  # None: R's degf, the rank of the replicate weights less one

    @classmethod
    def from_spec(cls, spec: ReplicateSpec) -> Self:
        """``design.replicate_weights``, with R svrepdesign's defaults for what it leaves out."""
        _check_replicates(spec)
        default_scale, default_mse = REPLICATE_DEFAULTS[spec.method]
        rho = spec.fay_rho or 0.0
        scale = default_scale(spec.count, rho) if spec.scale is None else spec.scale
        return cls(
            method=spec.method,
            prefix=spec.prefix,
            count=spec.count,
            scale=float(scale),
            rscales=tuple(spec.rscales or [1.0] * spec.count),
            fay_rho=rho,
            mse=default_mse if spec.mse is None else spec.mse,
            df=spec.df,
        )

    @property
    def coefficients(self) -> tuple[float, ...]:
        """Each replicate's variance coefficient: scale x rscale (what svy calls scale)."""
        return tuple(self.scale * r for r in self.rscales)


def _check_replicates(spec: ReplicateSpec) -> None:
    """The keys of ``design.replicate_weights`` that go together (fay_rho, rscales)."""
    place = ("design", "replicate_weights")
    method, rho = spec.method, spec.fay_rho
    if (method == "fay") != (rho is not None):
        raise CodebookError(
            "design.replicate_weights: fay_rho goes with method fay (Fay's "
            f"BRR) and only with it; found method {method!r}, fay_rho {rho!r}",
            (*place, "fay_rho" if rho is not None else "method"),
        )
    if spec.rscales is not None and len(spec.rscales) != spec.count:
        raise CodebookError(
            f"design.replicate_weights.rscales: expected one per replicate "
            f"({spec.count}); found {len(spec.rscales)}",
            (*place, "rscales"),
        )
    if method == "jkn" and spec.rscales is None:
        raise CodebookError(
            "design.replicate_weights: method jkn needs rscales, (n_h - 1)/n_h "
            'for each replicate (as R\'s svrepdesign(type = "JKn"))',
            (*place, "method"),
        )


@dataclass(frozen=True)
class Calibration:
    """Weights adjusted to population counts: R's postStratify, rake or calibrate(linear)."""

    method: str
    population: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # (question, ((code, N),))

    @classmethod
    def from_spec(cls, spec: CalibrationSpec) -> Self:
        """``design.calibration`` (its questions: ``check_calibration``)."""
        population = tuple(
            (q, tuple((code_key(c), n) for c, n in counts.items()))
            for q, counts in spec.population.items()
        )
        return cls(method=spec.method, population=population)


@dataclass(frozen=True)
class Design:
    """A survey design: the export columns of its weight, strata, PSUs and fpc (any may be '')."""

    weight: str = ""
    strata: str = ""
    psu: str = ""
    fpc: str = ""
    replicate: Replicates | None = None
    calibration: Calibration | None = None

    @classmethod
    def from_spec(cls, spec: DesignSpec) -> Self:
        """The codebook's ``design:`` section; refused when its keys do not go together."""
        columns = {role: col for role in DESIGN_COLUMNS if (col := getattr(spec, role))}
        rep, cal = spec.replicate_weights, spec.calibration
        design = cls(
            **columns,
            replicate=Replicates.from_spec(rep) if rep else None,
            calibration=Calibration.from_spec(cal) if cal else None,
        )
        if rep and (design.strata or design.psu or design.fpc):
            raise CodebookError(
                "design: replicate weights carry the design's strata, PSUs and "
                "fpc (R's svrepdesign: its scale and rscales); give a weight and "
                "replicate_weights, or a weight with strata, psu and fpc",
                ("design", "replicate_weights"),
            )
        if rep and not design.weight:
            raise CodebookError(
                "design: replicate weights go with a full-sample weight: name it",
                ("design", "replicate_weights"),
            )
        if not design.columns:
            raise CodebookError(
                "design: name at least one of weight, strata, psu (or leave the "
                "section out: every respondent then counts once)",
                ("design",),
            )
        return design

    @property
    def replicates(self) -> int:
        """How many replicate weights (0: none)."""
        return self.replicate.count if self.replicate else 0

    @property
    def columns(self) -> dict[str, str]:
        """Role -> export column, for the roles declared (``rep_1`` ...: replicate weights)."""
        roles = {
            role: col
            for role, col in (
                ("weight", self.weight),
                ("strata", self.strata),
                ("psu", self.psu),
                ("fpc", self.fpc),
            )
            if col
        }
        prefix = self.replicate.prefix if self.replicate else ""
        return roles | {f"rep_{i}": f"{prefix}{i}" for i in range(1, self.replicates + 1)}

    @property
    def response_columns(self) -> dict[str, str]:
        """Role -> its column in responses (``design_weight``, ...), for the roles declared."""
        return {role: DESIGN_COLUMNS.get(role, f"design_{role}") for role in self.columns}


@dataclass(frozen=True)
class Frame:
    """What is known of the population the respondents come from (codebook ``frame:``)."""

    size: int | None  # known exactly
    size_at_least: int | None  # or only a lower bound
    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (variable, ((code, N),))
    source: str = ""

    @classmethod
    def from_spec(cls, spec: FrameSpec) -> Self:
        """The codebook's ``frame:`` section (its variables: ``check_frame``)."""
        if spec.size is not None and spec.size_at_least is not None:
            raise CodebookError(
                "frame: give size (known exactly) or size_at_least (a lower bound), not both",
                ("frame", "size_at_least"),
            )
        counts = tuple(
            (var, tuple((code_key(c), n) for c, n in codes.items()))
            for var, codes in spec.counts.items()
        )
        return cls(spec.size, spec.size_at_least, counts, spec.source or "")
