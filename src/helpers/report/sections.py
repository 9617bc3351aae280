"""The report's sections, each built from computed tables (no number typed by hand).

Each function computes what its section shows and hands it to its template in
``templates/`` (escaped there); none writes HTML itself.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
from typing import Any

import pandas as pd
import yaml
from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.codes import code_key
from helpers.core.methods import ADJUST_LABELS, REPLICATE_NAMES, heading, headings, statistic_name
from helpers.core.params import StatsParams
from helpers.core.small_base import SmallBasePolicy
from helpers.core.stats import ROUNDING_NAMES, describe_method
from helpers.core.tables import json_text
from helpers.report import charts
from helpers.report import markup as rh
from helpers.report.adapters import ReportAdapter, report_adapter
from helpers.report.markup import lower_first
from helpers.report.summary_table import summary_headings
from helpers.report.templating import cap_text, render
from helpers.summarize.comparisons import pair_key

REPORTED_PACKAGES = (
    "polars",
    "narwhals",
    "pyarrow",
    "pandas",
    "numpy",
    "scipy",
    "svy",
    "matplotlib",
    "pandera",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "weasyprint",
    "dvc",
)
DOCUMENT = report_adapter("document")
DESIGN_CI_NAMES = {
    "logit": "logit interval",
    "beta": "beta interval",
    "korn_graubard": "Korn-Graubard interval",
    "wilson": "Wilson interval",
}


def sections(
    book: Codebook, extra: list[tuple[str, str, int]] | None = None, source_appendix: bool = True
) -> list[tuple]:
    """(anchor, title, level) of every section, in order: the table of contents."""
    out = [
        ("key-findings", "Key findings", 2),
        ("summary", "Summary tables", 2),
        *summary_headings(book),
        ("method", "Method and caveats", 2),
        ("respondents", "Respondents", 2),
    ]
    for q in book.summarized:
        out.append((q.id, question_title(q), 2))
    for row_q, col_q in book.crosstabs:
        out.append((f"crosstab-{row_q}-{col_q}", crosstab_title(book, row_q, col_q), 2))
    if book.free_text:
        out.append(("free-text", "Free-text answers", 2))
    for q in book.free_text:
        out.append((f"free-{q.id}", question_title(q), 3))
    out += extra or []
    out.append(("appendix-provenance", "Appendix: where each figure comes from", 2))
    if any(anchor == "audit" for anchor, _, _ in extra or []):
        out.append(("appendix-claims", "Appendix: the claims that hold", 2))
    if source_appendix:
        out.append(("appendix-source", "Appendix: the source document", 2))
    out.append(("appendix", "Appendix: reproducibility", 2))
    return out


def title_block(
    book: Codebook, source: dict[str, Any], adapter: ReportAdapter = DOCUMENT
) -> Markup:
    """Title, subtitle and source document."""
    survey = book.survey
    title = survey.title_or()
    return render(
        "title_block.html",
        title=title,
        subtitle=adapter.subtitle(book),
        running=f"{survey.short} · reproducible report",
        publisher=survey.publisher,
        path=source["path"],
        sha256=source["sha256"][:16],
    )


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
        respondents=rh.cited(summaries, "respondents.all.all", "n"),
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
        respondents_n=int(rh.row_of(summaries, "respondents.all.all")["n"]),
        design_ci=DESIGN_CI_NAMES[sp.design_ci_method],
        **_design_names(book),
        frame=frame_statement(book, summaries),
    )


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
    total = int(rh.row_of(summaries, "respondents.all.all")["n"])
    variables = []
    for var, counts in frame.counts:
        options = (
            next((g.values for g in book.groups if g.id == var), None) or book.question(var).answers
        )
        label = next((g.label for g in book.groups if g.id == var), None) or (
            book.question(var).short or var
        )
        given = dict(counts)
        known = [(o.label, given[code_key(o.code)]) for o in options if code_key(o.code) in given]
        unknown = [o.label for o in options if code_key(o.code) not in given]
        size = frame.size if frame.size is not None else frame.size_at_least
        rest = None if size is None else size - sum(given.values())
        if len(unknown) == 1 and frame.size is not None:
            known.append((unknown.pop(), rest))  # the one count left, exactly
        rows = summaries[(summaries["kind"] == "respondents") & (summaries["group"] == var)]
        if len(rows):
            placed = int(rows["n"].sum())
        else:
            missing = summaries[summaries["figure_id"] == f"{var}.all.all.missing"]
            placed = total - (int(missing["n"].iloc[0]) if len(missing) else 0)
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
        variables.append(
            {
                "id": var,
                "label": label,
                "known": known,
                "reasons": reasons,
                "adjustable": not reasons,
            }
        )
    calibrated = book.design is not None and book.design.calibration is not None
    return {
        "size": frame.size,
        "size_at_least": frame.size_at_least,
        "source": frame.source,
        "variables": variables,
        "calibrated": calibrated,
    }


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


def respondent_figures(book: Codebook, summaries: pd.DataFrame, policy: SmallBasePolicy) -> Markup:
    """Respondents overall and by every group: counts and shares, each linked to provenance."""
    rows = summaries[summaries["question"] == "respondents"]
    tables = []
    for group in ("all", *book.breakdown_groups):
        sel = rows[rows["group"] == group]
        label = "All respondents" if group == "all" else book.group(group).label
        weighted = book.design is not None and "n_weighted" in sel.columns
        show = pd.DataFrame(
            {
                label: ["All" if group == "all" else v for v in sel["group_value"]],
                rh.UNWEIGHTED_N if weighted else "n": [
                    rh.fig_cell(f, rh.text(n), mark=policy.mark(n))
                    for f, n in zip(sel["figure_id"], sel["n"], strict=True)
                ],
                **(
                    {"Weighted n": [rh.fmt_population(v) for v in sel["n_weighted"]]}
                    if weighted
                    else {}
                ),
                "%": [rh.fmt_pct(p) for p in sel["pct"]],
                **(
                    {"Interval": [rh.fmt_ci(r) for _, r in sel.iterrows()]}
                    if group != "all"
                    else {}
                ),
            }
        )
        marks = any(policy.small(n) for n in sel["n"])
        tables.append(
            rh.table_data(
                show,
                f"Respondents by {lower_first(label)}" if group != "all" else "Respondents",
                cls="figures",
                note=policy.legend if marks else "",
            )
        )
    return render("tables.html", tables=tables)


def _question_rows(
    summaries: pd.DataFrame, qid: str, group: str, kinds: tuple[str, ...] = ("answer",)
) -> pd.DataFrame:
    """A question's figures in one group (``kinds``: answers; tables add nets, excluded)."""
    return summaries[
        (summaries["question"] == qid)
        & (summaries["group"] == group)
        & summaries["kind"].isin(kinds)
    ]


TABLE_KINDS = ("answer", "net", "excluded")
MATRIX_KINDS = ("answer", "net", "excluded", "missing")
NUMBERED = re.compile(r"q\d+[a-z]?")  # a document's own question numbers (q1, q2b)


def question_title(q: Question) -> str:
    """A question's heading: its codebook short label.

    'Q2. Usefulness of the program' when its id is the document's own question number.
    """
    return f"{q.id.upper()}. {q.short}" if NUMBERED.fullmatch(q.id) else q.short


def crosstab_title(book: Codebook, row_q: str, col_q: str) -> str:
    """'Expected vote by answer to “Own leaning”' (a cross-tabulation's heading)."""
    by = book.question(col_q)
    name = f"{by.id.upper()} ({by.short})" if NUMBERED.fullmatch(by.id) else f"“{by.short}”"
    return f"{book.question(row_q).short} by answer to {name}"


WEIGHTED_LABELS = " (in brackets: the estimated population count, a sum of weights)"


def unweighted(book: Codebook) -> str:
    """'unweighted ' for a survey with a design (its n are respondents, not estimates)."""
    return "unweighted " if book.design is not None else ""


def small_type(book: Codebook) -> str:
    """What a matrix cell's small count is: 'n', or a weighted survey's estimated count."""
    return "estimated population count" if book.design is not None else "n"


def base_text(overall: pd.DataFrame) -> str:
    """A weighted question's bases: 'estimated population 117,023,659; unweighted n = 10337'."""
    first = overall.iloc[0]
    return (
        f"estimated population {rh.fmt_population(first['base_weighted'])}; "
        f"unweighted n = {rh.text(first['base'])}"
    )


def log_chart(chart_log: list[dict[str, str]], chart_id: str, rows: pd.DataFrame) -> str:
    """Record which figures a chart draws; return the chart id."""
    chart_log.extend({"chart_id": chart_id, "figure_id": f} for f in rows["figure_id"])
    return chart_id


def neutral_labels(q: Question) -> list[str]:
    """The labels of the answers the codebook declares neutral (grey in charts)."""
    return _labels(q.answers, q.neutral)


def _test_of(summaries: pd.DataFrame, qid: str, group: str) -> pd.DataFrame:
    return summaries[
        (summaries["question"] == qid)
        & (summaries["group"] == group)
        & (summaries["kind"] == "test")
    ].set_index("answer_code")


def _same_pair(
    summaries: pd.DataFrame, book: Codebook, qid: str, group: str
) -> tuple[str, str] | None:
    """(question, group) of the test of the same pair of variables in the other direction."""
    key = pair_key(book, qid, group)
    tests = summaries[(summaries["kind"] == "test") & (summaries["answer_code"] == "p")]
    for q, g in zip(tests["question"], tests["group"], strict=True):
        if (q, g) != (qid, group) and pair_key(book, q, g) == key:
            return q, g
    return None


def comparison(
    summaries: pd.DataFrame, qid: str, group: str, book: Codebook | None = None
) -> dict[str, Any] | None:
    """The test of independence of ``qid`` by ``group`` (its summaries rows), or None.

    Returns the method, and the statistic, df, p and adjusted p as cited numbers; a Monte
    Carlo p-value's tables (``monte_carlo``). A pair of variables is tested once: with
    ``book``, ``group`` by ``qid`` tested first is cited (``elsewhere``: where it is).
    """
    rows = _test_of(summaries, qid, group)
    elsewhere = None
    if "p" not in rows.index and book is not None:
        other = _same_pair(summaries, book, qid, group)
        if other is not None:
            qid, group = other
            rows = _test_of(summaries, qid, group)
            elsewhere = f"{book.question(qid).short} by {lower_first(book.group(group).label)}"
    if "p" not in rows.index:
        return None
    cite = {
        k: rh.cited_equal(summaries, rows.loc[k, "figure_id"])
        for k in ("statistic", "df", "p", "p_adjusted")
        if k in rows.index
    }
    return {
        "method": heading(str(rows.loc["p", "ci_method"])),
        "statistic_name": statistic_name(str(rows.loc["statistic", "ci_method"]))
        if "statistic" in rows.index
        else "statistic",
        "adjust": ADJUST_LABELS.get(
            str(rows.loc["p_adjusted", "ci_method"]), str(rows.loc["p_adjusted", "ci_method"])
        ),
        "adjusted": float(rows.loc["p_adjusted", "estimate"]),
        "monte_carlo": rh.monte_carlo(summaries, rows.loc["p", "figure_id"]),
        "elsewhere": elsewhere,
        "n": int(rows.loc["p", "n"]),
        "ids": f"{qid}.{group}.test.*",
        **cite,
    }


def _stacked_matrix(
    summaries: pd.DataFrame, q: Question, groups: list[str], book: Codebook, policy: SmallBasePolicy
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All respondents and each group's levels as rows of percentages.

    The small-base rule applied: suppressed levels left out, flagged ones marked †.
    """
    parts = [_question_rows(summaries, q.id, "all").assign(group_value="All respondents")]
    for g in groups:
        rows = _question_rows(summaries, q.id, g)
        rows = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
        keep = [not policy.hides(b) for b in rows["base"]]
        rows = rows[keep]
        parts.append(
            rows.assign(
                group_value=[
                    policy.marked(rh.text(v), b)
                    for v, b in zip(rows["group_value"], rows["base"], strict=True)
                ]
            )
        )
    rows = pd.concat(parts)
    rows = rows[rows["base"] > 0]
    return rh.crosstab_matrix(rows, "group"), rows


def stacked_alt(
    title: str, matrix: pd.DataFrame, keys: list[str], labels: list[str] | None = None
) -> str:
    """A stacked chart's alt text: every bar's percentages and base.

    ``keys``: the matrix's answer columns; ``labels``: their names (default: the keys).
    """
    names = [cap_text(n) for n in (keys if labels is None else labels)]
    return f"{title}: " + "; ".join(
        f"{cap_text(g)} (n={int(m['base'])}): "
        + ", ".join(f"{a} {m[k]:.1f}%" for k, a in zip(keys, names, strict=True))
        for g, m in matrix.iterrows()
    )


def scale_answers(q: Question) -> tuple[list[str], list[str], list[str]]:
    """A stacked chart's answers: (matrix columns, shown labels, neutral columns).

    Keyed by code (``markup.answer_column``); two answers labelled alike are two
    stacks, their labels told apart by their codes.
    """
    answers = [o for o in q.answers if o.code not in q.excluded]
    neutral = {code_key(c) for c in q.neutral}
    keys = [rh.answer_column(o.code) for o in answers]
    labels = rh.distinct_labels([o.label for o in answers], [o.code for o in answers])
    return (
        keys,
        labels,
        [k for k, o in zip(keys, answers, strict=True) if code_key(o.code) in neutral],
    )


def question_section(
    book: Codebook,
    q: Question,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> Markup:
    """Chart and table of one question overall, then one matrix per grouping variable."""
    if q.type == "numeric":
        return numeric_section(book, q, summaries, sp, policy, chart_log)
    method_name = interval_name(book, sp)
    overall = _question_rows(summaries, q.id, "all")
    base = int(overall["base"].iloc[0]) if len(overall) else 0
    weighted = book.design is not None
    if base == 0:  # nobody answered (a header-only export): no chart, no percentages
        missing = summaries[
            (summaries["question"] == q.id)
            & (summaries["kind"] == "missing")
            & (summaries["group"] == "all")
        ]
        return render(
            "question_section.html",
            qid=q.id,
            text=q.text,
            short=q.short,
            base="n = 0",
            excluded=[],
            nets=[],
            routing=[],
            multiple=q.type == "multiple_choice",
            chart=None,
            by_group_chart=None,
            overall=None,
            by_group=[],
            alpha=sp.alpha,
            missing=[
                rh.cited(summaries, r["figure_id"], "n")
                for _, r in missing.iterrows()
                if int(r["n"]) > 0
            ],
        )
    share = "weighted % of respondents" if weighted else "% of respondents"
    size = base_text(overall) if weighted else f"n = {base}"
    note = f"{size}; bars: {share}{WEIGHTED_LABELS if weighted else ''}; whiskers: {method_name}."
    if q.type == "multiple_choice":
        note = (
            f"{size} who answered; several answers allowed; bars: % choosing each; "
            f"whiskers: {method_name}."
        )
    alt = f"{cap_text(q.short)} bar chart: " + "; ".join(
        f"{cap_text(r['answer'])} {rh.cite_text(r)}" for _, r in overall.iterrows()
    )
    chart = {
        "data": rh.png_data(charts.proportion_chart(overall, question_title(q), note)),
        "alt": alt,
        "id": log_chart(chart_log, f"chart-{q.id}-all", overall),
    }
    by_group_chart = None
    groups = [
        g
        for g in book.breakdowns_of(q)
        if not book.group(g).from_source and not book.same_variable(q.id, g)
    ]
    if q.type == "ordinal" and groups:
        matrix, rows = _stacked_matrix(summaries, q, groups, book, policy)
        keys, labels, neutral = scale_answers(q)
        title = f"{question_title(q)}, by " + ", ".join(
            lower_first(book.group(g).label) for g in groups
        )
        matrix = matrix.reindex(columns=[*keys, "base"])
        png = charts.stacked_scale_chart(
            matrix,
            keys,
            title,
            f"Answers in scale order; n = {unweighted(book)}"
            f"respondents in the group who answered. "
            f"{policy.legend}.",
            neutral,
            labels,
        )
        by_group_chart = {
            "data": rh.png_data(png),
            "alt": stacked_alt(title, matrix, keys, labels),
            "id": log_chart(chart_log, f"chart-{q.id}-by-group", rows),
            "title": title,
        }
    all_rows = _question_rows(summaries, q.id, "all", MATRIX_KINDS)
    by_group = []
    for g in book.breakdowns_of(q):
        label = book.group(g).label
        by_group.append(
            {
                "title": f"By {lower_first(label)}",
                "id": f"{q.id}-by-{g}",
                "table": rh.breakdown_data(
                    all_rows,
                    _question_rows(summaries, q.id, g, MATRIX_KINDS),
                    label,
                    policy,
                    f"{q.short} by {lower_first(label)}: "
                    f"{'weighted ' if book.design is not None else ''}% of each group's "
                    f"respondents who answered ({small_type(book)} in small type). Figure ids "
                    f"{q.id}.{g}.<group>.<answer>",
                ),
                "test": comparison(summaries, q.id, g, book),
                "same": book.same_variable(q.id, g),
            }
        )
    missing = summaries[
        (summaries["question"] == q.id)
        & (summaries["kind"] == "missing")
        & (summaries["group"] == "all")
    ]
    return render(
        "question_section.html",
        qid=q.id,
        text=q.text,
        short=q.short,
        base=f"unweighted n = {base}" if weighted else f"n = {base}",
        excluded=[o.label for o in q.answers if o.code in q.excluded],
        nets=[(n.label, _labels(q.answers, n.of)) for n in q.nets],
        routing=[
            (var, book.group(var).label, _labels(book.group(var).values, codes))
            for var, codes in q.asked_if
        ],
        multiple=q.type == "multiple_choice",
        chart=chart,
        by_group_chart=by_group_chart,
        overall=rh.summary_data(
            _question_rows(summaries, q.id, "all", TABLE_KINDS),
            f"{q.short}, all respondents — {method_name}",
            policy,
        ),
        by_group=by_group,
        alpha=sp.alpha,
        missing=[rh.cited(summaries, r["figure_id"], "n") for _, r in missing.iterrows()],
    )


def _numeric_rows(
    summaries: pd.DataFrame, qid: str, group: str, kinds: tuple[str, ...] = ("numeric",)
) -> pd.DataFrame:
    return summaries[
        (summaries["question"] == qid)
        & (summaries["group"] == group)
        & summaries["kind"].isin(kinds)
    ]


WITH_MISSING = ("numeric", "missing")


def _stats_matrix(rows: pd.DataFrame, label: str | None = None) -> pd.DataFrame:
    """A numeric question's figures as one row per group value (min, p25, ..., n).

    Keyed by (group, group code), never by label; the index holds the labels shown
    (``label`` for the overall row, equal labels told apart by their codes).
    """
    return rh.group_matrix(rows, rows["stat"], "estimate", "n", overall=label)


def distribution_alt(title: str, matrix: pd.DataFrame, decimals: int) -> str:
    """A box chart's alt text: each group's n, median, quartiles, mean and range."""
    return f"{title}: " + "; ".join(
        f"{g} (n={int(r['n'])}): median {r['median']:g}, quartiles {r['p25']:g}-{r['p75']:g}, "
        f"mean {r['mean']:.{decimals}f}, range {r['min']:g}-{r['max']:g}"
        for g, r in matrix.iterrows()
    )


def _shown_levels(rows: pd.DataFrame, policy: SmallBasePolicy) -> pd.DataFrame:
    """A numeric question's rows without the levels the small-base rule hides (or empty)."""
    rows = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
    keep = [n > 0 and not policy.hides(n) for n in rows["n"]]
    return rows[keep]


def numeric_section(
    book: Codebook,
    q: Question,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> Markup:
    """A numeric question: its distribution by group, and its statistics overall and by group."""
    overall = _numeric_rows(summaries, q.id, "all")
    if not len(overall) or overall["n"].iloc[0] == 0:
        return render(
            "numeric_section.html",
            qid=q.id,
            text=q.text,
            unit=q.unit,
            base=0,
            chart=None,
            overall=None,
            by_group=[],
            missing=[],
            short=q.short,
            routing=[],
        )
    groups = [g for g in book.breakdowns_of(q) if not book.group(g).from_source]
    shown = pd.concat(
        [overall]
        + ([_shown_levels(_numeric_rows(summaries, q.id, groups[0]), policy)] if groups else [])
    )
    matrix = _stats_matrix(shown, "All respondents")
    ci = "t" if book.design is None else "design-based"
    title = question_title(q) + (
        f", by {lower_first(book.group(groups[0]).label)}" if groups else ""
    )
    note = (
        "Box: 25th to 75th percentile; line: median; diamond: mean; whiskers: minimum and "
        "maximum" + ("; weighted" if book.design is not None else "") + "."
    )
    chart = {
        "data": rh.png_data(charts.distribution_chart(matrix, title, note, q.unit)),
        "alt": distribution_alt(title, matrix, sp.numeric_decimals),
        "id": log_chart(chart_log, f"chart-{q.id}-distribution", shown),
    }
    caption = (
        f"{q.short}{f' ({q.unit})' if q.unit else ''}: mean with its "
        f"{sp.ci_level * 100:g}% {ci} interval, standard deviation (SD), median, "
        f"quartiles, minimum and maximum"
    )
    by_group = []
    for g in book.breakdowns_of(q):
        label = book.group(g).label
        by_group.append(
            {
                "title": f"By {lower_first(label)}",
                "id": f"{q.id}-by-{g}",
                "table": rh.numeric_data(
                    _numeric_rows(summaries, q.id, g, WITH_MISSING),
                    f"{caption}, by {lower_first(label)}",
                    policy,
                    label,
                ),
                "test": comparison(summaries, q.id, g),
            }
        )
    missing = summaries[
        (summaries["question"] == q.id)
        & (summaries["kind"] == "missing")
        & (summaries["group"] == "all")
    ]
    return render(
        "numeric_section.html",
        qid=q.id,
        text=q.text,
        unit=q.unit,
        short=q.short,
        base=int(overall["base"].iloc[0]),
        chart=chart,
        alpha=sp.alpha,
        routing=[
            (book.group(var).label, _labels(book.group(var).values, codes))
            for var, codes in q.asked_if
        ],
        overall=rh.numeric_data(
            _numeric_rows(summaries, q.id, "all", WITH_MISSING), caption, policy, "All respondents"
        ),
        by_group=by_group,
        missing=[rh.cited(summaries, r["figure_id"], "n") for _, r in missing.iterrows()],
    )


def _labels(options: tuple, codes: tuple[str, ...]) -> list[str]:
    """The labels of ``codes`` among ``options`` (codes compare by value)."""
    wanted = {code_key(c) for c in codes}
    return [o.label for o in options if code_key(o.code) in wanted]


def crosstab_section(
    book: Codebook,
    row_q: str,
    col_q: str,
    summaries: pd.DataFrame,
    sp: StatsParams,
    policy: SmallBasePolicy,
    chart_log: list[dict[str, str]],
) -> Markup:
    """Answers to ``row_q`` within each answer to ``col_q``: chart, matrix and test."""
    q, by = book.question(row_q), book.question(col_q)
    title = crosstab_title(book, row_q, col_q)
    by_label = question_title(by)
    test = comparison(summaries, row_q, col_q, book)
    if q.type == "numeric":
        rows = _numeric_rows(summaries, row_q, col_q)
        matrix = _stats_matrix(_shown_levels(rows, policy))
        png = charts.distribution_chart(
            matrix,
            title,
            "Box: quartiles; line: median; diamond: mean; whiskers: minimum and maximum.",
            q.unit,
        )
        chart = {
            "data": rh.png_data(png),
            "alt": distribution_alt(title, matrix, sp.numeric_decimals),
            "id": log_chart(chart_log, f"chart-{row_q}-{col_q}", rows),
        }
        table = rh.numeric_data(
            _numeric_rows(summaries, row_q, col_q, WITH_MISSING),
            f"{q.short}{f' ({q.unit})' if q.unit else ''} by answer "
            f"to {by_label}: mean, interval, median, quartiles, minimum "
            f"and maximum",
            policy,
            by.short,
        )
        return render(
            "crosstab_section.html",
            chart=chart,
            title=title,
            table=table,
            test=test,
            alpha=sp.alpha,
        )
    rows = _question_rows(summaries, row_q, col_q)
    shown = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
    shown = shown[[not policy.hides(b) and b > 0 for b in shown["base"]]]
    matrix = rh.crosstab_matrix(
        shown.assign(
            group_value=[
                policy.marked(rh.text(v), b)
                for v, b in zip(shown["group_value"], shown["base"], strict=True)
            ]
        ),
        col_q,
    )
    keys, labels, neutral = scale_answers(q)
    chart = None
    if len(matrix):  # else nobody answered both (a header-only export)
        png = charts.stacked_scale_chart(
            matrix.reindex(columns=[*keys, "base"]),
            keys,
            title,
            f"Rows: answer to "
            f"{by_label}; n = {unweighted(book)}respondents in the row who answered. "
            f"{policy.legend}.",
            neutral,
            labels,
        )
        chart = {
            "data": rh.png_data(png),
            "alt": stacked_alt(title, matrix.reindex(columns=[*keys, "base"]), keys, labels),
            "id": log_chart(chart_log, f"chart-{row_q}-{col_q}", rows),
        }
    table = rh.breakdown_data(
        _question_rows(summaries, row_q, "all", MATRIX_KINDS),
        _question_rows(summaries, row_q, col_q, MATRIX_KINDS),
        f"Answer to {by.short}",
        policy,
        f"{q.short} by answer to {by_label}: % of each row's "
        f"respondents who answered ({small_type(book)} in small "
        f"type). Figure ids "
        f"{row_q}.{col_q}.<answer>.<answer>",
    )
    return render(
        "crosstab_section.html", chart=chart, title=title, table=table, test=test, alpha=sp.alpha
    )


def free_text_section(
    book: Codebook,
    free_text: pd.DataFrame,
    summaries: pd.DataFrame,
    max_rows: int | None = None,
    adapter: ReportAdapter = DOCUMENT,
) -> Markup:
    """All free-text answers, by question and item, with counts cited by figure id."""
    totals = summaries[(summaries["kind"] == "free_text") & (summaries["group"] == "all")]
    short = {q.id: q.short for q in book.free_text}
    show = pd.DataFrame(
        {
            "Question": [short.get(q, q) for q in totals["question"]],
            "Answers": [
                rh.fig_cell(f, rh.text(n))
                for f, n in zip(totals["figure_id"], totals["n"], strict=True)
            ],
        }
    )
    questions = []
    for q in book.free_text:
        items = None
        if q.items:
            rows = summaries[(summaries["question"] == q.id) & (summaries["group"] == "item")]
            items = rh.table_data(
                pd.DataFrame(
                    {
                        "Activity": rows["group_code"],
                        "Label": rows["group_value"],
                        "Answers": [
                            rh.fig_cell(f, rh.text(n))
                            for f, n in zip(rows["figure_id"], rows["n"], strict=True)
                        ],
                    }
                ),
                f"{q.short}: answers per activity",
                cls="figures",
            )
        questions.append(
            {
                "id": q.id,
                "title": question_title(q),
                "text": q.text,
                "count": rh.cited(summaries, f"{q.id}.all.all.count", "n"),
                "groups": rh.free_text_groups(free_text, book, q.id, max_rows),
                "per_item": items,
            }
        )
    totals_table = rh.table_data(show, "Free-text answers per question", cls="figures")
    return render(
        "free_text_section.html",
        input=adapter,
        totals=totals_table,
        questions=questions,
        unit=adapter.unit,
    )


def appendix(source: dict[str, Any], params: dict[str, Any], codebook_sha: str) -> Markup:
    """Input hashes, parameters and package versions."""
    versions = pd.DataFrame(
        {
            "Package": ["python", *REPORTED_PACKAGES],
            "Version": [
                platform.python_version(),
                *[importlib.metadata.version(p) for p in REPORTED_PACKAGES],
            ],
        }
    )
    inputs = pd.DataFrame(
        {
            "Input": [source["path"], params["codebook"]],
            "sha256": [source["sha256"], codebook_sha],
        }
    )
    return render(
        "appendix.html",
        inputs=rh.table_data(inputs, "Inputs", cls="inputs"),
        params=yaml.safe_dump(params, sort_keys=False, allow_unicode=True),
        versions=rh.table_data(versions, "Software"),
    )


def report_card(data: Any, survey: str) -> str:
    """The facts ``reports/index.html`` shows for this survey's report (JSON text).

    ``data``: the report's :class:`helpers.report.inputs.ReportInputs`.
    """
    audit = data.audit
    statuses = audit["status"].value_counts().to_dict() if len(audit) else {}
    return json_text(
        {
            "survey": survey,
            "title": data.book.survey.title_or(survey),
            "input_kind": data.adapter.kind.name,
            "source": data.source["path"],
            "respondents": int(len(data.responses)),
            "figures": int(len(data.summaries)),
            "claims": int(len(data.claims)),
            "audit": {str(k): int(v) for k, v in sorted(statuses.items())},
        }
    )
