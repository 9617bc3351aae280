"""The method section: how the figures were made and what they can and cannot say."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core import i18n
from helpers.core.codebook import Codebook
from helpers.core.codebook_figure_ids import COLUMN_TEST_KIND
from helpers.core.codes import code_key
from helpers.core.i18n import N_, _
from helpers.core.methods import REPLICATE_NAMES, adjust_name, headings
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.report.adapters import ReportAdapter, report_adapter
from helpers.report.citing import cited, row_of
from helpers.report.templating import render

DOCUMENT = report_adapter("document")
DESIGN_CI_NAMES = {  # stats.design_ci_method -> the report's name (translated where written)
    "logit": N_("logit interval"),
    "beta": N_("beta interval"),
    "korn_graubard": N_("Korn-Graubard interval"),
    "wilson": N_("Wilson interval"),
}
# stats.ci_method -> a percentage's interval at a level (core.stats.describe_method's words)
INTERVAL_NAMES = {
    # TRANSLATORS: {level} is the confidence level in percent, e.g. "95".
    "wilson": N_("{level}% Wilson score interval"),
    "clopper_pearson": N_("{level}% Clopper-Pearson exact interval"),
    "jeffreys": N_("{level}% Jeffreys interval"),
    "agresti_coull": N_("{level}% Agresti-Coull interval"),
    "normal": N_("{level}% normal-approximation (Wald) interval"),
}
# stats.design_ci_method -> a weighted percentage's interval at a level
DESIGN_INTERVAL_NAMES = {
    "logit": N_("{level}% design-based logit interval"),
    "beta": N_("{level}% design-based beta interval"),
    "korn_graubard": N_("{level}% design-based Korn-Graubard interval"),
    "wilson": N_("{level}% design-based Wilson interval"),
}
# stats.rounding -> how the method section says percentages are rounded
ROUNDING_NAMES = {
    "half_away_from_zero": N_("rounded half away from zero"),
    "half_even": N_("rounded half to even"),
    "truncate": N_("truncated"),
    "ceiling": N_("rounded up"),
}


def method(
    book: Codebook,
    summaries: pd.DataFrame,
    claims: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    adapter: ReportAdapter = DOCUMENT,
) -> Markup:
    """How the figures were made and what they can and cannot say."""
    invited = claims[
        (claims["source_line"] == claims["source_line"].min()) & (claims["kind"] == "unverifiable")
    ]
    return render(
        "method.html",
        input=adapter,
        respondents=cited(summaries, "respondents.all.all", "n"),
        unit=unit_names(book)[1],
        respondent_unit=unit_names(book)[0],
        invited=invited.iloc[0].to_dict() if len(invited) else None,
        method_name=interval_name(book, sp),
        sp=sp,
        rounding=_(ROUNDING_NAMES[sp.rounding]),
        policy=policy,
        tests=int(((summaries["kind"] == "test") & (summaries["answer_code"] == "p")).sum()),
        test_names=headings(),
        adjust_name=adjust_name(sp.p_adjust),
        example_id=_example_figure_id(book),
        design=book.design,
        has_numeric=bool(book.numeric),
        respondents_n=int(row_of(summaries, "respondents.all.all")["n"]),
        design_ci=_(DESIGN_CI_NAMES[sp.design_ci_method]),
        numeric_names=_numeric_names(book),
        **_design_names(book, sp),
        frame=frame_statement(book, summaries),
        column_tests=column_tests_paragraph(summaries, sp, policy, book),
    )


def unit_names(book: Codebook) -> tuple[str, str]:
    """What a respondent is called (singular, plural): the codebook's, else ours translated.

    The codebook's own words are data (its editions give them per language); the
    default words, "respondent(s)", are the report's.
    """
    survey = book.survey
    singular = _("respondent") if survey.respondent_unit == "respondent" else None
    plural = _("respondents") if survey.respondent_unit_plural == "respondents" else None
    return singular or survey.respondent_unit, plural or survey.respondent_unit_plural


def column_tests_paragraph(
    summaries: pd.DataFrame, sp: StatsParams, policy: SmallBasePolicy, book: Codebook
) -> Markup:
    """The column-test letters in words: method, adjustment, level, small groups left out."""
    if not book_has_breakdowns(summaries):
        return Markup("")
    return render(
        "column_tests_method.html",
        sp=sp,
        design=book.design is not None,
        banners=bool(book.banners),
        tests=int((summaries["kind"] == COLUMN_TEST_KIND).sum()),
        adjust={"bonferroni": _("Bonferroni"), "holm": _("Holm")}.get(sp.column_adjust, ""),
        threshold=policy.threshold,
    )


def book_has_breakdowns(summaries: pd.DataFrame) -> bool:
    """True if some question is broken down by a group (the tables have group columns)."""
    return bool(((summaries["group"] != "all") & (summaries["kind"] == "answer")).any())


def frame_statement(book: Codebook, summaries: pd.DataFrame) -> dict[str, Any] | None:
    """What the codebook's ``frame:`` says of the population, and whether it allows weighting.

    Post-stratifying (R's ``postStratify``) to a variable's population counts needs the
    count of each of its values (given, or the one left when the population's size is
    known exactly) and the value of every respondent. Returns the known numbers, each
    variable's verdict and why, or None without a ``frame:``.
    """
    frame = book.frame
    if frame is None:
        return None
    total = int(row_of(summaries, "respondents.all.all")["n"])
    variables = [
        _frame_variable(book, summaries, var, dict(counts), total) for var, counts in frame.counts
    ]
    calibrated = book.design is not None and book.design.calibration is not None
    return {
        "size": frame.size,
        "size_at_least": frame.size_at_least,
        "source": frame.source,
        "variables": variables,
        "calibrated": calibrated,
    }


def _frame_variable(
    book: Codebook, summaries: pd.DataFrame, var: str, given: dict[str, int], total: int
) -> dict[str, Any]:
    """One frame variable: its known population counts and why it cannot weight (if not)."""
    frame = book.frame
    options = (
        next((g.values for g in book.groups if g.id == var), None) or book.question(var).answers
    )
    label = next((g.label for g in book.groups if g.id == var), None) or (
        book.question(var).short or var
    )
    known = [(o.label, given[code_key(o.code)]) for o in options if code_key(o.code) in given]
    unknown = [o.label for o in options if code_key(o.code) not in given]
    size = frame.size if frame.size is not None else frame.size_at_least
    rest = None if size is None else size - sum(given.values())
    if len(unknown) == 1 and frame.size is not None:
        known.append((unknown.pop(), rest))  # the one count left, exactly
    placed = _placed(summaries, var, total)
    reasons = []
    if unknown and rest is not None and frame.size_at_least is not None:
        reasons.append(
            _("the population count of {values} is not known (together at least {n})").format(
                values=", ".join(unknown), n=i18n.amount(rest)
            )
        )
    elif unknown:
        reasons.append(
            _("the population count of {values} is not known").format(values=", ".join(unknown))
        )
    if placed < total:
        reasons.append(
            _("{n} of {total} respondents have no {label}").format(
                n=i18n.amount(total - placed), total=i18n.amount(total), label=label
            )
        )
    return {
        "id": var,
        "label": label,
        "known": known,
        "reasons": reasons,
        # TRANSLATORS: joins the reasons a frame variable cannot weight the figures.
        "reasons_text": _("; and ").join(reasons),
        "adjustable": not reasons,
    }


def _placed(summaries: pd.DataFrame, var: str, total: int) -> int:
    """How many respondents have a value of ``var`` (its counts, or all but its missing)."""
    rows = summaries[(summaries["kind"] == "respondents") & (summaries["group"] == var)]
    if len(rows):
        return int(rows["n"].sum())
    missing = summaries[summaries["figure_id"] == f"{var}.all.all.missing"]
    return total - (int(missing["n"].iloc[0]) if len(missing) else 0)


LONELY_NAMES = {
    "fail": N_("none is allowed: the stage stops, naming the strata"),
    "certainty": N_("it adds no variance, as a certainty unit"),
    "remove": N_("it adds no variance"),
    "adjust": N_("its PSU is centred at the grand mean instead of its stratum's"),
    "average": N_("it takes the average variance of the other strata"),
}
CALIBRATION_NAMES = {
    # TRANSLATORS: "The weights are post-stratified to the population counts ..."
    "poststratify": N_("post-stratified"),
    "rake": N_("raked (iterative proportional fitting, to convergence)"),
    "linear": N_("calibrated (linear, GREG)"),
}


def _numeric_names(book: Codebook) -> dict[str, str]:
    """How a numeric question's mean interval and standard deviation are computed, in words."""
    if book.design is None:
        return {
            "mean_ci": _("Student's t on n − 1 degrees of freedom"),
            "sd": _("n − 1 in the denominator"),
        }
    return {"mean_ci": _("design-based"), "sd": _("R's svyvar, with its n/(n − 1)")}


def _design_names(book: Codebook, sp: StatsParams) -> dict[str, object]:
    """What the method section names of a design: its methods, questions and answers."""
    design = book.design
    replicate = design.replicate if design is not None else None
    calibration = design.calibration if design is not None else None
    names: dict[str, object] = {
        "replicate_name": _(REPLICATE_NAMES[replicate.method]) if replicate else "",
        "lonely_name": _(LONELY_NAMES[sp.lonely_psu]),
        "calibration_name": _(CALIBRATION_NAMES[calibration.method]) if calibration else "",
        "question_names": {q.id: q.short or q.id for q in book.questions},
        "answer_names": {
            q.id: {code_key(o.code): o.label for o in q.answers} for q in book.questions
        },
    }
    return names


def interval_name(book: Codebook, sp: StatsParams) -> str:
    """The interval of a percentage, for captions: '95% Wilson score interval' or the design's.

    In the edition's language: 'intervalo de confianza de Wilson al 95 %' in Spanish.
    """
    level = i18n.number(f"{sp.ci_level * 100:g}")
    if book.design is None:
        return _(INTERVAL_NAMES[sp.ci_method]).format(level=level)
    return _(DESIGN_INTERVAL_NAMES[sp.design_ci_method]).format(level=level)


def _example_figure_id(book: Codebook) -> str:
    """The id of the first answer of the first closed question (e.g. q1.all.all.yes)."""
    if not book.closed:
        return "respondents.all.all"
    q = book.closed[0]
    return f"{q.id}.all.all.{q.answers[0].code}"
