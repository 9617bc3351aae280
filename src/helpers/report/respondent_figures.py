"""The respondents section's counts: respondents overall and by every group, with shares."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook
from helpers.core.i18n import _, pgettext
from helpers.core.small_base import SmallBasePolicy
from helpers.report.formatting import fmt_ci, fmt_number, fmt_pct, fmt_population, lower_first
from helpers.report.tables import UNWEIGHTED_N, fig_cell, table_data
from helpers.report.templating import render


def respondent_figures(book: Codebook, summaries: pd.DataFrame, policy: SmallBasePolicy) -> Markup:
    """Respondents overall and by every group: counts and shares, each linked to provenance."""
    return render("tables.html", tables=respondent_tables(book, summaries, policy))


def respondent_tables(
    book: Codebook, summaries: pd.DataFrame, policy: SmallBasePolicy
) -> list[dict[str, Any]]:
    """The ``table`` macro's data of the respondents overall and by every group."""
    rows = summaries[summaries["question"] == "respondents"]
    tables = []
    for group in ("all", *book.breakdown_groups):
        sel = rows[rows["group"] == group]
        label = _("All respondents") if group == "all" else book.group(group).label
        weighted = book.design is not None and "n_weighted" in sel.columns
        show = pd.DataFrame(
            {
                label: [
                    pgettext("respondents table", "All") if group == "all" else v
                    for v in sel["group_value"]
                ],
                _(UNWEIGHTED_N) if weighted else pgettext("table header", "n"): [
                    fig_cell(f, fmt_number(n), mark=policy.mark(n))
                    for f, n in zip(sel["figure_id"], sel["n"], strict=True)
                ],
                **(
                    {_("Weighted n"): [fmt_population(v) for v in sel["n_weighted"]]}
                    if weighted
                    else {}
                ),
                "%": [fmt_pct(p) for p in sel["pct"]],
                **(
                    {_("Interval"): [fmt_ci(r) for _i, r in sel.iterrows()]}
                    if group != "all"
                    else {}
                ),
            }
        )
        marks = any(policy.small(n) for n in sel["n"])
        tables.append(
            table_data(
                show,
                _("Respondents by {group}").format(group=lower_first(label))
                if group != "all"
                else _("Respondents"),
                cls="figures",
                note=policy.legend if marks else "",
            )
        )
    return tables
