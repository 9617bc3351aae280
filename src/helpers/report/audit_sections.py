"""Report sections for auditors: audit of published figures, claims, numbered source.

No JavaScript: anchors only. Each function computes what its section
shows and hands it to its template in ``templates/`` (escaped there).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.audit.verdicts import STATUS_ORDER
from helpers.core import i18n
from helpers.core.codebook import Codebook
from helpers.core.i18n import N_, _
from helpers.report import charts
from helpers.report.audit_explanations import explanation_text
from helpers.report.formatting import (
    fmt_number,
    lower_first,
)
from helpers.report.markup import svg_data
from helpers.report.tables import table_data
from helpers.report.templating import macro, render

STATUS_LABELS = {  # message ids: written translated
    "mismatch": N_("Mismatch"),
    "rounding": N_("Rounding"),
    "match": N_("Match"),
    "unverifiable": N_("Unverifiable"),
}


def line_link(n: int) -> Markup:
    """A link to a numbered line of the source appendix."""
    return macro("line_link")(int(n))


def audit_summary(
    audit: pd.DataFrame, book: Codebook | None = None, max_listed: int = 10
) -> Markup:
    """The key findings' audit item: how many claims hold up, then what the source got wrong.

    One sentence per mismatch (its line, what it states, what its own data give, in the
    codebook's labels), at most ``max_listed``, the rest counted.
    """
    counts = [(int((audit["status"] == s).sum()), s) for s in STATUS_ORDER]
    wrong = audit[audit["status"] == "mismatch"].sort_values(
        ["source_line", "claim_id"], kind="stable"
    )
    return render(
        "audit_summary.html",
        total=len(audit),
        counts=counts,
        mismatches=[mismatch_sentence(r, book) for _i, r in wrong.head(max_listed).iterrows()],
        n_mismatches=len(wrong),
    )


def mismatch_sentence(claim: pd.Series, book: Codebook | None = None) -> dict[str, Any]:
    """What a mismatched claim states and what the data give, for one sentence.

    The explanation's finding only: its hypotheses (other bases that would give the
    stated number) stay in the audit table, where they are labelled as such. A rule
    named in it (``region = north``) reads in the codebook's labels.
    """
    finding = str(claim["explanation"]).split(". Hypotheses (not findings)")[0].rstrip(".")
    finding = explanation_text(finding)
    if book is not None:
        finding = labelled_rule(finding, claim.get("numerator"), book)
    return {
        "line": int(claim["source_line"]),
        "stated": str(claim["stated"]),
        "finding": finding,
        "claim_id": str(claim["claim_id"]),
    }


def labelled_rule(text: str, rule: object, book: Codebook) -> str:
    """``text`` with each ``variable = code`` of the claim's rule (JSON) in labels.

    ``region = north`` -> ``with region “North”``.
    """
    if not isinstance(rule, str) or not rule.strip():
        return text
    for var, value in json.loads(rule).items():
        if not isinstance(value, str):
            continue
        try:
            spec = book.group(var)
            name, options = spec.label, spec.values
        except KeyError:
            try:
                q = book.question(var)
            except KeyError:
                continue
            name, options = q.short, q.answers
        label = next((o.label for o in options if o.code == value), value)
        said = _("with {variable} “{label}”").format(variable=lower_first(name), label=label)
        text = text.replace(f"{var} = {value}", said)
    return text


OPEN_STATUSES = ("mismatch", "rounding")  # claims the audit section lists; the rest: appendix


def claims_table(audit: pd.DataFrame, caption: str, book: Codebook | None = None) -> dict[str, Any]:
    """The claims table (claim id with its anchor, line, quote, stated, data, status, why).

    With ``book``, the rules an explanation names read in the codebook's labels.
    """
    claim, line, status = _("Claim"), _("Line"), _("Status")
    show = pd.DataFrame(
        {
            claim: [macro("claim_code")(c) for c in audit["claim_id"]],
            line: [line_link(n) for n in audit["source_line"]],
            # TRANSLATORS: the claims table's columns: the source's sentence, the number it
            # states, the number the data give
            _("Quote"): audit["quote"],
            _("Stated"): audit["stated"],
            _("Data"): audit["recomputed"].map(fmt_number),
            status: [macro("status")(s, _(STATUS_LABELS[s])) for s in audit["status"]],
            _("Explanation"): [
                labelled_rule(explanation_text(str(e)), r, book)
                if book is not None
                else explanation_text(str(e))
                for e, r in zip(audit["explanation"], audit["numerator"], strict=True)
            ],
        }
    )
    return table_data(show, caption, raw_html_columns=[claim, line, status], cls="audit")


def audit_section(
    audit: pd.DataFrame, claims: pd.DataFrame, book: Codebook, chart_log: list[dict[str, str]]
) -> Markup:
    """The claims that do not hold as stated (mismatch, rounding) and corrected charts.

    The claims that hold (or cannot be checked) are in :func:`claims_appendix`.
    """
    counts = ", ".join(
        # TRANSLATORS: a verdict and how many claims have it: "mismatch: 7"
        _("{status}: {n}").format(
            status=_(STATUS_LABELS[s]).lower(), n=i18n.number(int((audit["status"] == s).sum()))
        )
        for s in STATUS_ORDER
    )
    wrong = audit[audit["status"].isin(OPEN_STATUSES)]
    return render(
        "audit_section.html",
        total=len(audit),
        counts=counts,
        rest=len(audit) - len(wrong),
        table=claims_table(wrong, _("Claims that do not hold as stated (mismatches first)"), book)
        if len(wrong)
        else None,
        charts=_corrected_charts(audit, claims, book, chart_log),
    )


def claims_appendix(audit: pd.DataFrame, book: Codebook | None = None) -> Markup:
    """The claims that hold (match) or that nothing in the source can check."""
    rest = audit[~audit["status"].isin(OPEN_STATUSES)]
    return render(
        "claims_appendix.html",
        n=len(rest),
        table=claims_table(rest, _("Claims that match or cannot be checked"), book),
    )


def _corrected_charts(
    audit: pd.DataFrame, claims: pd.DataFrame, book: Codebook, chart_log: list[dict[str, str]]
) -> list[dict[str, Any]]:
    """The published charts the data do not confirm, redrawn beside the data."""
    chart_claims = claims[claims["note"].fillna("").str.startswith("data label")]
    merged = (
        chart_claims[["claim_id", "question", "answer", "stated"]]
        .rename(columns={"stated": "stated_value"})
        .merge(audit, on="claim_id")
    )
    out = []
    for qid, rows in merged.groupby("question", sort=False):
        if set(rows["status"]) <= {"match"}:
            continue
        q = book.question(qid)
        labels = {o.code: o.label for o in q.answers}
        order = [o.code for o in q.answers]
        rows = rows.assign(
            answer=rows["answer"].map(labels), _o=rows["answer"].map(order.index)
        ).sort_values("_o")
        rows = rows.assign(
            recomputed=rows["recomputed_exact"].astype(float),
            stated=rows["stated_value"].astype(float),
        )
        lines = ", ".join(str(n) for n in rows["source_line"])
        alt = _("Published versus recomputed {question} chart: {values}").format(
            question=qid.upper(),
            values="; ".join(
                _("{answer}: published {published}, data {data}").format(
                    answer=a,
                    published=i18n.percent(f"{s:g}"),
                    data=i18n.percent(f"{float(r):.1f}"),
                )
                for a, s, r in zip(rows["answer"], rows["stated"], rows["recomputed"], strict=True)
            ),
        )
        chart_id = f"chart-{qid}-published-vs-data"
        for cid in rows["claim_id"]:
            chart_log.append({"chart_id": chart_id, "figure_id": f"claim:{cid}"})
        svg = charts.published_vs_data_chart(
            rows,
            _("{question}: published chart vs. data").format(question=qid.upper()),
            _(
                "Published labels: source lines {lines}. Data: the source's own lists "
                "(n = respondents)."
            ).format(lines=lines),
        )
        out.append(
            {
                "qid": qid,
                "lines": lines,
                "claims": list(rows["claim_id"]),
                "chart": {"data": svg_data(svg), "alt": alt, "id": chart_id},
            }
        )
    return out


def source_appendix(path: str, lines: list[str]) -> Markup:
    """The source document with numbered lines, each an anchor (src-L<n>)."""
    return render("source_appendix.html", path=path, lines=lines)
