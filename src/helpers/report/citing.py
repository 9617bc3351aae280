"""Numbers cited in prose by figure id: '60.0% (9 of 15)' linked to its provenance entry.

A table row carries the anchor ``fig-<figure_id>`` and the visible id; prose
links to it (the ``cite`` macro), so a link can point at one number.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd
from markupsafe import Markup

from helpers.core import i18n
from helpers.core.i18n import _
from helpers.report.formatting import (
    fmt_ci,
    fmt_number,
    fmt_pct,
    fmt_shown_ci,
    is_weighted,
    weighted_counts,
)
from helpers.report.templating import macro
from helpers.summarize.comparisons import monte_carlo_of


def row_of(summaries: pd.DataFrame, figure_id: str) -> pd.Series:
    """The summary row of a figure id (KeyError names the id)."""
    hit = summaries[summaries["figure_id"] == figure_id]
    if len(hit) != 1:
        raise KeyError(f"figure {figure_id!r} not in summaries ({len(hit)} rows)")
    return hit.iloc[0]


def cite_text(row: pd.Series, what: str = "pct") -> str:
    """The text of a cited number: '60.0% (9 of 15)', '9', '9 of 15' or with its CI.

    A weighted figure's percentage is cited with its estimated population and base
    (sums of weights: '63.1% (est. 73,871,969 of 117,023,659)'), never beside the
    unweighted counts; those are printed only labelled so ('2 of 10,337, unweighted').
    Counts are grouped as the edition writes them ('4,445,034'; '4.445.034' in Spanish).
    """
    n, base = fmt_number(row["n"]), fmt_number(row["base"])
    weighted = is_weighted(row)
    if what == "n":
        return n
    if what == "n_of_base":
        return (_("{n} of {base}, unweighted") if weighted else _("{n} of {base}")).format(
            n=n, base=base
        )
    counts = weighted_counts(row) if weighted else _("{n} of {base}").format(n=n, base=base)
    if what == "pct_ci":
        # TRANSLATORS: CI: confidence interval. "60.0% (CI 35.7–80.2; 9 of 15)"
        return _("{pct} (CI {ci}; {counts})").format(
            pct=fmt_pct(row["pct"]), ci=fmt_ci(row), counts=counts
        )
    if what == "value":
        return fmt_number(row["shown"])
    if what == "value_ci":
        interval = fmt_shown_ci(row)
        size = _("unweighted n = {n}").format(n=n) if weighted else f"n = {n}"
        if interval:
            return _("{value} (CI {ci}; {size})").format(
                value=fmt_number(row["shown"]), ci=interval, size=size
            )
        return f"{fmt_number(row['shown'])} ({size})"
    return f"{fmt_pct(row['pct'])} ({counts})"


class Cited(NamedTuple):
    """A number for prose and its figure id, for the ``cite`` macro."""

    text: str
    figure_id: str


def cited(summaries: pd.DataFrame, figure_id: str, what: str = "pct") -> Cited:
    """The number of a figure id for prose (see :func:`cite_text`), for the ``cite`` macro."""
    return Cited(cite_text(row_of(summaries, figure_id), what), figure_id)


class Counted(NamedTuple):
    """A count for prose, cited (its text in the edition's format, '4,445,034'), and its value.

    A sentence chooses its plural form by ``n`` (``ngettext``), never by parsing the text.
    """

    cited: Cited
    n: int


def counted(summaries: pd.DataFrame, figure_id: str) -> Counted:
    """A figure's count for prose: '4,445,034' (cited, linked) and 4445034 (for the plural)."""
    row = row_of(summaries, figure_id)
    return Counted(Cited(cite_text(row, "n"), figure_id), int(row["n"]))


def cited_equal(summaries: pd.DataFrame, figure_id: str) -> Cited:
    """A statistic for 'p = 0.358' / 'p < 0.001': its printed value after '=' or as a bound."""
    shown = cite_text(row_of(summaries, figure_id), "value")
    return Cited(f"< {shown[1:]}" if shown.startswith("<") else f"= {shown}", figure_id)


def monte_carlo(summaries: pd.DataFrame, p_figure_id: str) -> dict[str, Any] | None:
    """A Monte Carlo p-value's facts for prose, or None for any other p-value.

    ``p_figure_id``: a test's ``<q>.<group>.test.p``. Returns the cited p ('< 0.0001' when
    no drawn table was as extreme), the tables drawn, those as extreme, and ``what``:
    'no table of 10,000 as extreme' or '3,581 of 10,000 tables as extreme'.
    """
    row = row_of(summaries, p_figure_id)
    found = monte_carlo_of(str(row["answer"]), float(row["estimate"]))
    if found is None:
        return None
    tables, extreme = found
    what = (
        _("no table of {tables} as extreme").format(tables=i18n.amount(tables))
        if extreme == 0
        else _("{extreme} of {tables} tables as extreme").format(
            extreme=i18n.amount(extreme), tables=i18n.amount(tables)
        )
    )
    return {
        "p": cited_equal(summaries, p_figure_id),
        "tables": tables,
        "extreme": extreme,
        "what": what,
    }


def cite(summaries: pd.DataFrame, figure_id: str, what: str = "pct") -> Markup:
    """A number for prose with its figure id: '60.0% (9 of 15)' + link."""
    return macro("cite")(*cited(summaries, figure_id, what))
