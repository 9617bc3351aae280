"""The statistical methods' names: one table, read by the summaries and the report alike.

Each test of independence has a machine id (summaries.csv's ``ci_method`` of its
p-value), a ``label`` (summaries.csv's ``answer`` text: "Pearson chi-square test
p-value") and a ``heading`` (the report's prose: "Pearson's χ² test"); the report
also names its statistic. Each multiplicity adjustment (``stats.p_adjust``) has its
label and the statsmodels method that computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.core.i18n import N_, _


@dataclass(frozen=True)
class Method:
    """A test: its id, summaries.csv's label, the report's heading and statistic's name."""

    id: str
    label: str
    heading: str
    statistic: str | None = None  # None: the report says "statistic"


METHODS: dict[str, Method] = {
    m.id: m
    for m in (
        Method(
            "pearson_chi2", "Pearson chi-square test", N_("Pearson's χ² test"), N_("Pearson's X²")
        ),
        Method(
            "fisher_exact",
            "Fisher–Freeman–Halton exact test",
            N_("Fisher–Freeman–Halton exact test"),
        ),
        Method(
            "fisher_monte_carlo",
            "Fisher–Freeman–Halton test, Monte Carlo",
            N_("Fisher–Freeman–Halton test"),
        ),
        Method(
            "rao_scott_f",
            "Rao–Scott F test (second-order)",
            N_("Rao–Scott second-order test (F)"),
            N_("Rao–Scott F"),
        ),
        Method(
            "rao_scott_chisq",
            "Rao–Scott chi-square test (first-order)",
            N_("Rao–Scott first-order χ² test"),
            N_("Rao–Scott X²"),
        ),
        Method("kruskal_wallis", "Kruskal–Wallis test", N_("Kruskal–Wallis test"), N_("H")),
        Method(
            "design_rank_test",
            "Design-based rank test",
            N_("design-based rank test (Kruskal–Wallis scores)"),
            N_("rank statistic"),
        ),
    )
}


@dataclass(frozen=True)
class Adjustment:
    """A multiplicity adjustment (``stats.p_adjust``): its labels and statsmodels' method.

    ``label`` is summaries.csv's (data, English); ``name`` the report's (translated).
    """

    id: str
    label: str
    statsmodels: str | None  # None: no adjustment
    name: str


ADJUSTMENTS: dict[str, Adjustment] = {
    a.id: a
    for a in (
        Adjustment("holm", "Holm", "holm", N_("Holm")),
        Adjustment("bh", "Benjamini–Hochberg", "fdr_bh", N_("Benjamini–Hochberg")),
        Adjustment("none", "unadjusted", None, N_("unadjusted")),
    )
}
# The adjustments' report names by id (message ids: the report writes ``_(name)``)
ADJUST_LABELS: dict[str, str] = {a.id: a.name for a in ADJUSTMENTS.values()}


def adjust_name(adjustment: str) -> str:
    """The report's name of an adjustment id, in the edition's language (the id if unknown)."""
    found = ADJUSTMENTS.get(adjustment)
    return adjustment if found is None else _(found.name)


def heading(method: str) -> str:
    """The report's name of a method id as a message id (the report writes ``_(heading)``)."""
    found = METHODS.get(method)
    return method if found is None else found.heading


def headings() -> dict[str, str]:
    """{method id: the report's heading} in the edition's language, for templates."""
    return {i: _(m.heading) for i, m in METHODS.items()}


# codebook design.replicate_weights.method -> how a figure's method (and the report) names
# it: English in summaries.csv, ``_(name)`` in the report
REPLICATE_NAMES = {
    "brr": N_("BRR"),
    "fay": N_("Fay's BRR"),
    "jk1": N_("JK1"),
    "jkn": N_("JKn"),
    "jk2": N_("JK2"),
    "bootstrap": N_("bootstrap"),
    "sdr": N_("SDR"),
}


def statistic_name(method: str) -> str:
    """The message id of a method's statistic ('statistic' if it has none of its own)."""
    found = METHODS.get(method)
    return N_("statistic") if found is None or found.statistic is None else found.statistic
