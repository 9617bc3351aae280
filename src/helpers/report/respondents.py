"""The report's table of respondents: one row each, with answers and where they came from.

A published document's rebuilt respondents show their organization, country,
registration and the source lines of every answer (:func:`document_respondents`);
an export's show its first ``max_rows`` with their line or case
(:func:`export_respondents`). ``helpers.report.adapters`` picks one per input kind.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import SELECTED, Codebook, Question
from helpers.core.document import REGISTRATION, REGISTRATION_HEADER, registration_values
from helpers.core.i18n import _, number, pgettext
from helpers.report.rows import Rows, count, head
from helpers.report.tables import table_data
from helpers.report.templating import render


def document_respondents(book: Codebook, rows: Rows, max_rows: int, path: str, unit: str) -> Markup:
    """Every organization rebuilt from the document, with the source lines of its answers.

    A document's respondents are the few organizations it lists: all are read.
    """
    responses = head(rows, categorical=False)
    reg = {o.code: o.label for o in registration_values(book)}
    show = pd.DataFrame(
        {
            pgettext("table header", "Id"): responses["respondent_id"],
            _("Organization"): responses["organization"],
            _("Acronym"): responses["acronym"].fillna(""),
            _("Country"): responses["country"],
            REGISTRATION_HEADER: responses[REGISTRATION].map(reg),
        }
    )
    # TRANSLATORS: the source line of an organization's name, in a list of source lines:
    # "org 12; q1 15; q2 –" (q1, q2: question ids, not translated).
    org = _("org {line}")
    lines = responses["organization_line"].map(lambda n: org.format(line=n))
    for q in book.categorical:
        labels = {o.code: o.label for o in q.answers}
        show[q.id.upper()] = responses[q.id].map(labels).fillna(_("(no answer)"))
        lines = lines + f"; {q.id} " + responses[f"{q.id}_line"].astype("string").fillna("–")
    show[_("Source lines")] = lines
    ids = [f"resp-{r}" for r in responses["respondent_id"]]
    caption = _("Responding organizations (n = {n})").format(n=number(len(show)))
    return render("tables.html", tables=[table_data(show, caption, row_ids=ids)])


def export_respondents(
    book: Codebook, responses: Rows, max_rows: int, path: str, unit: str
) -> Markup:
    """An export's first ``max_rows`` respondents (HTML only; ``path``: the CSV of all).

    Only those rows are read, and the count of the others (helpers.report.rows).
    """
    shown, total = head(responses, max_rows), count(responses)
    show = pd.DataFrame(
        {
            pgettext("table header", "Id"): shown["respondent_id"],
            # TRANSLATORS: table header: the respondent's line (or case) in the export.
            pgettext("table header", "Line"): shown["source_line"],
        }
    )
    for g in book.groups:
        labels = {o.code: o.label for o in g.values}
        values = shown[g.id].astype("string")
        show[g.label] = [labels.get(v, v) if pd.notna(v) else "" for v in values]
    for q in book.summarized:
        show[q.short] = (
            _answer_labels(q, shown)
            if q.closed
            else [_("(no answer)") if pd.isna(v) else number(f"{v:g}") for v in shown[q.id]]
        )
    table = table_data(
        show,
        _("Respondents (n = {n})").format(n=number(total)),
        row_ids=[f"resp-{r}" for r in shown["respondent_id"]],
    )
    return render(
        "export_respondents.html",
        shown=len(shown),
        total=total,
        table=table,
        path=path,
        unit=unit,
    )


def _answer_labels(q: Question, rows: pd.DataFrame) -> list[str]:
    """Each row's answer to ``q`` as labels (several joined by '; ' for multiple choice)."""
    none = _("(no answer)")
    if q.categorical:
        labels = {o.code: o.label for o in q.answers}
        return [labels.get(v, none) if pd.notna(v) else none for v in rows[q.id].astype("string")]
    chosen = {
        o.label: rows[c].astype("string")
        for o, c in zip(q.answers, q.indicators.values(), strict=True)
    }
    first = next(iter(chosen.values()))
    return [
        none
        if pd.isna(first.iloc[i])
        else "; ".join(lab for lab, col in chosen.items() if col.iloc[i] == SELECTED)
        for i in range(len(rows))
    ]
