"""The method section's disclosure: what survey standards ask a report to state.

The AAPOR Transparency Initiative's disclosure elements (AAPOR Code of Professional
Ethics and Practices, III.A), one row each: what the codebook's ``survey:`` section
states, with links to the source lines it cites (helpers.core.codebook_disclosure);
"not stated" where it is silent, never a value of our own. The sample size and the
widest interval come from the figures (``summaries.csv``), the weighting from the
codebook's design, the response rates from its case dispositions by AAPOR's Standard
Definitions (helpers.core.response_rates).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import pandas as pd
from markupsafe import Markup

from helpers.core import i18n
from helpers.core.codebook import Codebook, Design
from helpers.core.codebook_disclosure import Cases, Statement
from helpers.core.codebook_schema import DISCLOSURE_KEYS
from helpers.core.i18n import N_, _
from helpers.core.methods import REPLICATE_NAMES
from helpers.core.params import StatsParams
from helpers.core.response_rates import rates, upper_bound_rr
from helpers.core.stats import round_decimal
from helpers.report.citing import Cited, cited, row_of
from helpers.report.method_section import unit_names
from helpers.report.templating import render

NOT_STATED = N_("not stated")
# Each disclosure element's row heading, in DISCLOSURE_KEYS' order (message ids: a Row
# keeps its English label, the template writes it translated)
LABELS = {
    "sponsor": N_("Sponsor"),
    "conducted_by": N_("Conducted by"),
    "population": N_("Population"),
    "geography": N_("Geography"),
    "sampling_frame": N_("Sampling frame"),
    "coverage": N_("Coverage of the population by the frame"),
    "sample_design": N_("How the sample was drawn"),
    "recruitment": N_("Recruitment"),
    "mode": N_("Mode of data collection"),
    "languages": N_("Language(s)"),
    "dates": N_("Dates of data collection"),
    "processing": N_("Data processing and quality checks"),
    "limitations": N_("Limitations of the design"),
}
# The rows the report states itself (from the figures and the design), between them
OWN_LABELS = {
    "wording": N_("Question wording"),
    "size": N_("Sample size"),
    "precision": N_("Precision"),
    "weighting": N_("Weighting"),
    "rate": N_("Response rate"),
}
# AAPOR Standard Definitions' response rates: I complete, P partial interviews; R
# refusals, NC non-contacts, O other eligible; UH, UO unknown eligibility; e its share.
RR_FORMULAS = {
    "RR1": "I / ((I + P) + (R + NC + O) + (UH + UO))",
    "RR2": "(I + P) / ((I + P) + (R + NC + O) + (UH + UO))",
    "RR3": "I / ((I + P) + (R + NC + O) + e(UH + UO))",
    "RR4": "(I + P) / ((I + P) + (R + NC + O) + e(UH + UO))",
    "RR5": "I / ((I + P) + (R + NC + O))",
    "RR6": "(I + P) / ((I + P) + (R + NC + O))",
}


class Figure(NamedTuple):
    """A number of the figures (cited with its link), then the text that follows it."""

    cited: Cited
    text: str


@dataclass(frozen=True)
class Row:
    """One disclosure element: its heading, its text (empty: not stated), its source lines."""

    label: str
    items: tuple[str | Figure, ...] = ()
    lines: tuple[int, ...] = ()


def pct_text(share: float | Decimal, sp: StatsParams) -> str:
    """A share (0-1) as a percentage, rounded as the report's percentages are: '3.0%'."""
    value = Decimal(repr(share)) if isinstance(share, float) else share
    return i18n.percent(str(round_decimal(value * 100, sp.pct_decimals, sp.rounding)))


def stated_row(key: str, statement: Statement | None) -> Row:
    """A codebook element as it is written, or an empty (not stated) row."""
    if statement is None:
        return Row(LABELS[key])
    return Row(LABELS[key], statement.text, statement.lines)


def design_row(book: Codebook, statement: Statement | None) -> Row:
    """How the sample was drawn: the codebook's text, and whether it is a probability sample."""
    row = stated_row("sample_design", statement)
    probability = book.survey.disclosure.probability_sample
    if probability is None and statement is None:
        return row  # not stated at all
    said = {
        None: _("Whether it is a probability sample is not stated."),
        True: _("A probability sample."),
        False: _("Not a probability sample."),
    }[probability]
    return Row(row.label, (*row.items, said), row.lines)


def size_row(book: Codebook, summaries: pd.DataFrame) -> Row:
    """The sample size: the respondents of the figures (unweighted)."""
    unit = unit_names(book)[1]
    said = (
        _("{unit} answered (unweighted count).")
        if book.design is not None
        else _("{unit} answered.")
    )
    count = cited(summaries, "respondents.all.all", "n")
    return Row(OWN_LABELS["size"], (Figure(count, said.format(unit=unit)),))


def widest(summaries: pd.DataFrame) -> str | None:
    """The figure id of the overall percentage with the widest interval (None: no interval)."""
    rows = summaries[(summaries["kind"] == "answer") & (summaries["group"] == "all")]
    low = pd.to_numeric(rows["shown_low"], errors="coerce")
    width = pd.to_numeric(rows["shown_high"], errors="coerce") - low
    if width.notna().sum() == 0:
        return None
    return str(rows.loc[width.idxmax(), "figure_id"])


def precision_row(book: Codebook, summaries: pd.DataFrame, interval: str) -> Row:
    """Precision: the interval each percentage carries, and the widest of them."""
    probability = book.survey.disclosure.probability_sample
    items: list[str | Figure] = [
        _("Each percentage carries a {interval}.").format(interval=interval)
    ]
    if probability is False:
        # AAPOR: a non-probability sample reports no margin of error as if it were one.
        items.append(
            _(
                "The respondents are not a probability sample, so no margin of error applies "
                "in the probability sense: the intervals show only how much a percentage "
                "could move by chance if they were a random sample."
            )
        )
    elif probability is None:
        items.append(_("Whether the sample is a probability sample is not stated."))
    fid = widest(summaries)
    if fid is None:
        return Row(OWN_LABELS["precision"], tuple(items))
    widest_ci = cited(summaries, fid, "pct_ci")
    items.append(Figure(widest_ci, _("has the widest interval of an overall percentage.")))
    return Row(OWN_LABELS["precision"], tuple(items))


def weighting_row(book: Codebook) -> Row:
    """Weighting, from the codebook's design: none, or its weight, design and calibration."""
    design: Design | None = book.design
    if design is None:
        return Row(
            OWN_LABELS["weighting"],
            (_("None: the figures are unweighted (the codebook gives no design)."),),
        )
    parts = [
        _("weight {weight}").format(weight=design.weight)
        if design.weight
        else _("no weight (1 each)")
    ]
    if design.replicate is not None:
        rep = design.replicate
        parts.append(
            _("{n} {name} replicate weights").format(
                n=i18n.amount(rep.count), name=_(REPLICATE_NAMES[rep.method])
            )
        )
    parts += [_("strata {strata}").format(strata=design.strata)] if design.strata else []
    parts += [_("primary sampling units {psu}").format(psu=design.psu)] if design.psu else []
    parts += [_("finite population correction {fpc}").format(fpc=design.fpc)] if design.fpc else []
    # TRANSLATORS: {parts}: the design's weight, strata, PSUs..., joined by commas.
    items = [_("Design-based: {parts}.").format(parts=", ".join(parts))]
    if design.calibration is not None:
        shorts = {q.id: q.short for q in book.questions}
        adjusted = ", ".join(shorts.get(qid, qid) for qid, _n in design.calibration.population)
        items.append(
            _("The weights are adjusted to the population counts of {questions}.").format(
                questions=adjusted
            )
        )
    return Row(OWN_LABELS["weighting"], tuple(items))


def rate_items(cases: Cases, probability: bool | None, sp: StatsParams) -> tuple[str, ...]:
    """The response rates the dispositions allow, each with its formula's name."""
    items: list[str] = []
    if cases.dispositions is not None:
        got = rates(cases.dispositions)
        for name, formula in RR_FORMULAS.items():
            value, needs_e = got[name], "e(" in formula and cases.dispositions.e is None
            why = (
                _("not computable (needs e, not stated)")
                if needs_e
                else _("not computable (no cases)")
            )
            shown = why if value is None else pct_text(value, sp)
            items.append(f"{name} = {formula} = {shown}")
    else:
        bound = upper_bound_rr(cases.completes, cases.approached_at_least or 1)
        items.append(
            _(
                "At most {rate}: {completes} complete of at least {approached} approached "
                "(RR1, every case approached taken as eligible)."
            ).format(
                rate=pct_text(bound, sp),
                completes=i18n.amount(cases.completes),
                approached=i18n.amount(cases.approached_at_least or 0),
            )
        )
    if probability is False:
        items.append(
            _(
                "The respondents are not a probability sample, so no response rate applies "
                "in the probability sense: this is the share of those approached who took part."
            )
        )
    return tuple(items)


def rate_row(book: Codebook, summaries: pd.DataFrame, sp: StatsParams) -> Row:
    """Response rates by AAPOR's Standard Definitions, from the codebook's dispositions."""
    disclosure = book.survey.disclosure
    cases = disclosure.cases
    if cases is None:
        if disclosure.probability_sample is False:
            text = _(
                "Not stated; the respondents are not a probability sample, so no response "
                "rate applies in the probability sense."
            )
            return Row(OWN_LABELS["rate"], (text,))
        return Row(OWN_LABELS["rate"])
    items = rate_items(cases, disclosure.probability_sample, sp)
    n = int(row_of(summaries, "respondents.all.all")["n"])
    if n != cases.completes:
        items = (
            *items,
            _("The dispositions count {completes} complete; the figures {n}.").format(
                completes=i18n.amount(cases.completes), n=i18n.amount(n)
            ),
        )
    return Row(OWN_LABELS["rate"], items, cases.lines)


def disclosure_rows(
    book: Codebook, summaries: pd.DataFrame, sp: StatsParams, interval: str
) -> list[Row]:
    """Every disclosure element, in the AAPOR Code's order (III.A)."""
    told = book.survey.disclosure
    rows = {key: stated_row(key, told.get(key)) for key in DISCLOSURE_KEYS}
    rows["sample_design"] = design_row(book, told.get("sample_design"))
    wording = Row(
        OWN_LABELS["wording"],
        (_("Each question's text, as the codebook gives it, heads its section."),),
    )
    return [
        *(rows[k] for k in DISCLOSURE_KEYS[: DISCLOSURE_KEYS.index("dates") + 1]),
        wording,
        size_row(book, summaries),
        precision_row(book, summaries, interval),
        weighting_row(book),
        rate_row(book, summaries, sp),
        rows["processing"],
        rows["limitations"],
    ]


def check_lines(rows: list[Row], source_lines: int | None) -> None:
    """Every cited line within the source the report quotes (``source_lines``: its count)."""
    for row in rows:
        beyond = [n for n in row.lines if source_lines is not None and n > source_lines]
        if beyond:
            raise ValueError(
                f"disclosure {row.label!r} cites line(s) {beyond} of a source of "
                f"{source_lines} lines"
            )


def disclosure_section(
    book: Codebook,
    summaries: pd.DataFrame,
    sp: StatsParams,
    interval: str,
    source_lines: int | None = None,
) -> Markup:
    """The disclosure table for the method section.

    ``interval``: the name of a percentage's interval (``method_section.interval_name``);
    ``source_lines``: the number of lines of the source the report quotes (its source
    appendix, anchors ``src-L<n>``), or None when it quotes none: the cited lines are
    then shown as numbers without links.
    """
    rows = disclosure_rows(book, summaries, sp, interval)
    check_lines(rows, source_lines)
    return render(
        "disclosure.html", rows=rows, not_stated=_(NOT_STATED), linked=source_lines is not None
    )
