"""The method section: how the figures were made and what they can and cannot say."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook
from helpers.core.codebook_figure_ids import COLUMN_TEST_KIND
from helpers.core.codes import code_key
from helpers.core.methods import ADJUST_LABELS, REPLICATE_NAMES, headings
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.core.stats import ROUNDING_NAMES, describe_method
from helpers.report.adapters import ReportAdapter, report_adapter
from helpers.report.citing import cited, row_of
from helpers.report.templating import render

DOCUMENT = report_adapter("document")
DESIGN_CI_NAMES = {
    "logit": "logit interval",
    "beta": "beta interval",
    "korn_graubard": "Korn-Graubard interval",
    "wilson": "Wilson interval",
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
        unit=book.survey.respondent_unit_plural,
        respondent_unit=book.survey.respondent_unit,
        invited=invited.iloc[0].to_dict() if len(invited) else None,
        method_name=describe_method(sp.ci_method, sp.ci_level),
        sp=sp,
        rounding=ROUNDING_NAMES[sp.rounding],
        policy=policy,
        tests=int(((summaries["kind"] == "test") & (summaries["answer_code"] == "p")).sum()),
        test_names=headings(),
        adjust_names=ADJUST_LABELS,
        example_id=_example_figure_id(book),
        design=book.design,
        has_numeric=bool(book.numeric),
        respondents_n=int(row_of(summaries, "respondents.all.all")["n"]),
        design_ci=DESIGN_CI_NAMES[sp.design_ci_method],
        **_design_names(book),
        frame=frame_statement(book, summaries),
        column_tests=column_tests_paragraph(summaries, sp, policy, book),
    )


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
        adjust={"bonferroni": "Bonferroni", "holm": "Holm"}.get(sp.column_adjust, ""),
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
    if unknown:
        bound = (
            f" (together at least {rest:,})"
            if rest is not None and frame.size_at_least is not None
            else ""
        )
        reasons.append(f"the population count of {', '.join(unknown)} is not known{bound}")
    if placed < total:
        reasons.append(f"{total - placed} of {total} respondents have no {label}")
    return {
        "id": var,
        "label": label,
        "known": known,
        "reasons": reasons,
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
    "fail": "none is allowed: the stage stops, naming the strata",
    "certainty": "it adds no variance, as a certainty unit",
    "remove": "it adds no variance",
    "adjust": "its PSU is centred at the grand mean instead of its stratum's",
    "average": "it takes the average variance of the other strata",
}
CALIBRATION_NAMES = {
    "poststratify": "post-stratified",
    "rake": "raked (iterative proportional fitting, to convergence)",
    "linear": "calibrated (linear, GREG)",
}


def _design_names(book: Codebook) -> dict[str, object]:
    """What the method section names of a design: its methods, questions and answers."""
    names: dict[str, object] = {
        "replicate_names": REPLICATE_NAMES,
        "lonely_names": LONELY_NAMES,
        "calibration_names": CALIBRATION_NAMES,
        "question_names": {q.id: q.short or q.id for q in book.questions},
        "answer_names": {
            q.id: {code_key(o.code): o.label for o in q.answers} for q in book.questions
        },
    }
    return names


def interval_name(book: Codebook, sp: StatsParams) -> str:
    """The interval of a percentage, for captions: '95% Wilson score interval' or the design's."""
    if book.design is None:
        return describe_method(sp.ci_method, sp.ci_level)
    return f"{sp.ci_level * 100:g}% design-based {DESIGN_CI_NAMES[sp.design_ci_method]}"


def _example_figure_id(book: Codebook) -> str:
    """The id of the first answer of the first closed question (e.g. q1.all.all.yes)."""
    if not book.closed:
        return "respondents.all.all"
    q = book.closed[0]
    return f"{q.id}.all.all.{q.answers[0].code}"
