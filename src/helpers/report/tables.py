"""Tables of figures for the ``table`` macro: linked cells, summary and numeric tables.

Cells are data (the templates escape them): a cell may be a value, a figure
(:func:`fig_cell`), several figures (:func:`parts_cell`) or a row header.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.i18n import N_, _, pgettext
from helpers.core.small_base import POOLED, SmallBasePolicy
from helpers.report.formatting import (
    fmt_amount,
    fmt_ci,
    fmt_number,
    fmt_pct,
    fmt_population,
    fmt_shown_ci,
)
from helpers.report.templating import macro, text


def table_data(
    df: pd.DataFrame,
    caption: str = "",
    row_ids: Sequence[str] | None = None,
    raw_html_columns: Sequence[str] = (),
    cls: str = "",
    note: str = "",
    row_classes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """What the ``table`` macro shows: columns, caption, class, note and rows (id, cells).

    Cells of ``raw_html_columns`` are HTML (the caller's, e.g. a claim code or a line link)
    and become Markup: a DataFrame keeps text as ``str``, not Markup. A cell may be a
    mapping (:func:`fig_cell`, :func:`row_header`); every other cell is a value the
    template escapes.
    """
    rows = []
    for i, (_i, row) in enumerate(df.iterrows()):
        rows.append(
            {
                "id": row_ids[i] if row_ids is not None and row_ids[i] else "",
                "cls": row_classes[i] if row_classes is not None else "",
                "cells": [Markup(row[c]) if c in raw_html_columns else row[c] for c in df.columns],
            }
        )
    return {"columns": list(df.columns), "caption": caption, "cls": cls, "rows": rows, "note": note}


def fig_cell(
    figure_id: str,
    shown: str,
    n: object = None,
    mark: str = "",
    cls: str = "",
    anchored: bool = True,
) -> dict[str, Any]:
    """A table cell holding one figure: its text links to its provenance entry.

    ``n``: a count shown small beside it; ``mark``: the small-base mark (†); ``anchored``:
    the cell is the figure's place (``id="fig-…"``, where its provenance entry links
    back); a figure restated elsewhere (the summary table) links without an anchor.
    """
    return {
        "fig": figure_id,
        "text": shown,
        "n": "" if n is None else text(n),
        "mark": mark,
        "cls": cls,
        "anchored": anchored,
    }


def parts_cell(parts: Sequence[tuple[str, str]], cls: str = "") -> dict[str, Any]:
    """A cell of several figures, each linked (not anchored): '47.0 (16.4)', '44 (34–58)'.

    ``parts``: (text, figure id); the second is bracketed, a third joined to it by a dash.
    """
    joins = [" (", *["–"] * (len(parts) - 2), ")"] if len(parts) > 1 else [""]
    return {"parts": [(t, f, j) for (t, f), j in zip(parts, joins, strict=True)], "cls": cls}


def joined(parts: Iterable[str]) -> str:
    """A note's or an alt text's items one after another, blanks left out: 'a; b'."""
    # TRANSLATORS: the separator between the items of a table's note or a chart's alt text.
    return pgettext("separator", "; ").join(p for p in parts if p)


def group_name(code: object, value: Any, policy: SmallBasePolicy) -> Any:
    """A group's label as shown: the pooled small groups' (small-base ``merge``) in words."""
    if code == POOLED:
        return _("Other groups (bases under {threshold})").format(threshold=policy.threshold)
    return value


def row_header(label: str) -> dict[str, str]:
    """A row's header cell (``<th scope="row">``)."""
    return {"th": label}


def table(
    df: pd.DataFrame,
    caption: str = "",
    row_ids: Sequence[str] | None = None,
    raw_html_columns: Sequence[str] = (),
    cls: str = "",
) -> Markup:
    """An HTML table; cells are escaped unless their column is in ``raw_html_columns``."""
    return macro("table")(table_data(df, caption, row_ids, raw_html_columns, cls))


SUPPRESSED = "–"
# A weighted survey's tables: unweighted counts are labelled so; cells show estimated counts.
# Marked for the catalog (N_): translate them where written, _(BASE_ROW).
UNWEIGHTED_N = N_("Unweighted n")
UNWEIGHTED_BASE = N_("Unweighted base")
BASE_ROW = N_("Base (n)")
UNWEIGHTED_BASE_ROW = N_("Unweighted base (n)")
WEIGHTED_BASE = N_("Weighted base")
WEIGHTED_CELLS = N_(
    "cells: weighted % with the estimated population count (sum of weights; "
    "M million, K thousand) in brackets"
)
BANNER_MAX = 8  # a breakdown with more groups than this lists its groups down, answers across


def summary_data(
    rows: pd.DataFrame,
    caption: str,
    policy: SmallBasePolicy,
    group_label: str | None = None,
) -> dict[str, Any]:
    """One row per answer: n, base, percentage (linked to its provenance), interval."""
    cells = []
    for _i, r in rows.iterrows():
        excluded = r.get("kind") == "excluded"
        hidden = not excluded and policy.hides(r["base"])
        shown = SUPPRESSED if hidden else fmt_number(r["n"]) if excluded else fmt_pct(r["pct"])
        cells.append(fig_cell(r["figure_id"], shown))
    weighted = bool(weighted_columns(rows))
    show = pd.DataFrame(
        {
            **({group_label: rows["group_value"]} if group_label else {}),
            _("Answer"): rows["answer"],
            _(UNWEIGHTED_N) if weighted else "n": [fmt_number(n) for n in rows["n"]],
            _(UNWEIGHTED_BASE) if weighted else _("Base"): [
                policy.marked(fmt_number(b), b) for b in rows["base"]
            ],
            **(
                {_("Weighted n"): [fmt_population(v) for v in rows["n_weighted"]]}
                if weighted
                else {}
            ),
            "%": cells,
            _("Interval"): [
                "" if policy.hides(r["base"]) else fmt_ci(r) for _i, r in rows.iterrows()
            ],
            **weighted_columns(rows),
        }
    )
    marks = any(policy.small(b) for b in rows["base"])
    return table_data(show, caption, cls="figures", note=policy.legend if marks else "")


def weighted_columns(rows: pd.DataFrame) -> dict[str, list[str]]:
    """A weighted survey's extra columns: weighted base, design effect, effective base."""
    if "base_weighted" not in rows.columns or not rows["base_weighted"].notna().any():
        return {}
    return {
        _(WEIGHTED_BASE): [fmt_amount(v) for v in rows["base_weighted"]],
        # TRANSLATORS: a table header, the design effect (abbreviated).
        _("Deff"): [fmt_amount(v, 2) for v in rows["deff"]],
        # TRANSLATORS: a table header, the effective base (abbreviated).
        _("Eff. base"): [fmt_amount(v) for v in rows["base_effective"]],
    }


# A numeric table's statistics and their column heads (marked for the catalog: _(label)).
NUMERIC_COLUMNS = (
    ("mean", N_("Mean")),
    # TRANSLATORS: a table header, the standard deviation (abbreviated).
    ("sd", N_("SD")),
    ("median", N_("Median")),
    # TRANSLATORS: a table header, the 25th percentile (first quartile).
    ("p25", N_("P25")),
    # TRANSLATORS: a table header, the 75th percentile (third quartile).
    ("p75", N_("P75")),
    # TRANSLATORS: a table header, the minimum.
    ("min", N_("Min")),
    # TRANSLATORS: a table header, the maximum.
    ("max", N_("Max")),
)


def numeric_data(
    rows: pd.DataFrame, caption: str, policy: SmallBasePolicy, group_label: str | None = None
) -> dict[str, Any]:
    """A numeric question's statistics, one row per group value (each cell as printed).

    Every statistic links to its own provenance entry (``<question>.<group>.<value>.<stat>``).
    """
    rows = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
    stats = rows[rows["kind"] == "numeric"]
    weighted = "base_weighted" in stats.columns and stats["base_weighted"].notna().any()
    missing = {r["group_code"]: r for _i, r in rows[rows["kind"] == "missing"].iterrows()}
    columns = _numeric_columns(group_label or _("Group"), weighted, bool(missing))
    body = []
    for code in dict.fromkeys(stats["group_code"]):
        level = stats[stats["group_code"] == code].set_index("stat")
        line = _numeric_line(level, policy)
        if missing:
            m = missing.get(code)
            line.append(
                "" if m is None else fig_cell(m["figure_id"], fmt_number(m["n"]), cls="count")
            )
        if weighted:
            mean = level.loc["mean"]
            line += [fmt_amount(mean["base_weighted"]), fmt_amount(mean["deff"], 2)]
        body.append(line)
    marks = any(policy.small(b) for b in stats["base"])
    frame = pd.DataFrame(body, columns=range(len(columns)), dtype=object)
    out = table_data(frame, caption, cls="figures numeric", note=policy.legend if marks else "")
    out["columns"] = columns
    return out


def _numeric_columns(group_label: str, weighted: bool, missing: bool) -> list[str]:
    """A numeric table's column heads: group, n, mean, interval, the other statistics."""
    columns = [
        group_label,
        _(UNWEIGHTED_N) if weighted else "n",
        _("Mean"),
        _("Interval"),
        *[_(lab) for _stat, lab in NUMERIC_COLUMNS[1:]],
    ]
    if missing:
        columns.append(_("No value"))
    if weighted:
        columns += [_(WEIGHTED_BASE), _("Deff")]
    return columns


def _numeric_line(level: pd.DataFrame, policy: SmallBasePolicy) -> list[Any]:
    """One group value's cells: its label, base, and each statistic (the interval after the mean).

    ``level``: the group value's rows indexed by statistic.
    """
    mean = level.loc["mean"]
    base = mean["base"]
    hidden = policy.hides(base)
    line: list[Any] = [
        row_header(
            group_name(mean["group_code"], mean["group_value"], policy)
            if mean["group"] != "all"
            else _("All")
        ),
        policy.marked(fmt_number(base), base),
    ]
    for stat, _label in NUMERIC_COLUMNS:
        line.append(
            fig_cell(
                level.loc[stat, "figure_id"],
                SUPPRESSED if hidden else fmt_number(level.loc[stat, "shown"]),
                cls="suppressed" if hidden else "",
            )
        )
        if stat == "mean":
            line.append("" if hidden else fmt_shown_ci(mean))
    return line
