"""HTML fragments of the report, rendered by the macros of ``templates/macros.html``.

Every value is escaped by the templates (:mod:`helpers.report.templating`): source
text is data, never markup. Numbers are cited by figure id: a table row carries the
anchor ``fig-<figure_id>`` and the visible id; prose links to it, so a link can
point at one number. Each function returns :class:`markupsafe.Markup` (a ``str``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook
from helpers.report.templating import esc as esc  # the templates' escaping, as rh.esc
from helpers.report.templating import macro, render, text


def anchor(figure_id: str) -> str:
    """The HTML id of a figure's row."""
    return f"fig-{figure_id}"


def figure_ref(figure_id: str) -> Markup:
    """A small link to a figure's row, showing its id."""
    return macro("figure_ref")(figure_id)


def provenance_link(figure_id: str) -> Markup:
    """The figure id, linking to its provenance entry (rows and source lines)."""
    return macro("provenance_link")(figure_id)


def fmt_pct(value: object) -> str:
    """'60.0%' (or '' when missing), exactly as computed (no re-rounding)."""
    shown = text(value)
    return f"{shown}%" if shown else ""


def fmt_ci(row: pd.Series) -> str:
    """'35.7–80.2' or ''."""
    low, high = text(row["ci_low"]), text(row["ci_high"])
    return f"{low}–{high}" if low and high else ""


def fmt_shown_ci(row: pd.Series) -> str:
    """A numeric figure's interval as printed: '46.0–48.1' or ''."""
    low, high = text(row.get("shown_low")), text(row.get("shown_high"))
    return f"{low}–{high}" if low and high else ""


def fmt_amount(value: object, decimals: int = 0) -> str:
    """A sum of weights, design effect or effective base for display ('' when missing)."""
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):,.{decimals}f}"


def row_of(summaries: pd.DataFrame, figure_id: str) -> pd.Series:
    """The summary row of a figure id (KeyError names the id)."""
    hit = summaries[summaries["figure_id"] == figure_id]
    if len(hit) != 1:
        raise KeyError(f"figure {figure_id!r} not in summaries ({len(hit)} rows)")
    return hit.iloc[0]


def cite_text(row: pd.Series, what: str = "pct") -> str:
    """The text of a cited number: '60.0% (9 of 15)', '9', '9 of 15' or with its CI."""
    n, base = text(row["n"]), text(row["base"])
    if what == "n":
        return n
    if what == "n_of_base":
        return f"{n} of {base}"
    if what == "pct_ci":
        return f"{fmt_pct(row['pct'])} (CI {fmt_ci(row)}; {n} of {base})"
    if what == "value":
        return text(row["shown"])
    if what == "value_ci":
        interval = fmt_shown_ci(row)
        return f"{text(row['shown'])} ({f'CI {interval}; ' if interval else ''}n = {n})"
    return f"{fmt_pct(row['pct'])} ({n} of {base})"


class Cited(NamedTuple):
    """A number for prose and its figure id, for the ``cite`` macro."""

    text: str
    figure_id: str


def cited(summaries: pd.DataFrame, figure_id: str, what: str = "pct") -> Cited:
    """The number of a figure id for prose (see :func:`cite_text`), for the ``cite`` macro."""
    return Cited(cite_text(row_of(summaries, figure_id), what), figure_id)


def cite(summaries: pd.DataFrame, figure_id: str, what: str = "pct") -> Markup:
    """A number for prose with its figure id: '60.0% (9 of 15)' + link."""
    return macro("cite")(*cited(summaries, figure_id, what))


def heading(title: str, anchor_id: str, level: int = 2) -> Markup:
    """A section heading with an id for the table of contents."""
    return macro("heading")(title, anchor_id, level)


def toc(entries: Iterable[tuple[str, str, int]]) -> Markup:
    """Table of contents from (anchor, title, level) entries."""
    return render("toc.html", entries=list(entries))


def paragraph(html_text: str, cls: str = "") -> Markup:
    """A paragraph of HTML (the caller's: it is inserted as markup, not escaped)."""
    return macro("paragraph")(Markup(html_text), cls)


def bullet_list(items: Iterable[str], ordered: bool = False) -> Markup:
    """A list of HTML items (the caller's: they are inserted as markup, not escaped)."""
    return macro("bullet_list")([Markup(i) for i in items], ordered)


def png_data(png: bytes) -> str:
    """A PNG's bytes as the base64 text of a data URI."""
    return base64.b64encode(png).decode("ascii")


def figure(png: bytes, alt: str, caption: str, anchor_id: str) -> Markup:
    """An embedded PNG chart (data URI) with alt text and an HTML caption (the caller's)."""
    return macro("figure")(png_data(png), alt, Markup(caption), anchor_id)


def table_data(
    df: pd.DataFrame, caption: str = "", row_ids: Sequence[str] | None = None,
    raw_html_columns: Sequence[str] = (), cls: str = "",
) -> dict[str, Any]:  # fmt: skip
    """What the ``table`` macro shows: columns, caption, class and rows (id, cells).

    Cells of ``raw_html_columns`` are HTML (the caller's, e.g. from :func:`provenance_link`)
    and become Markup: a DataFrame keeps text as ``str``, not Markup. Every other cell is
    a value the template escapes.
    """
    rows = []
    for i, (_, row) in enumerate(df.iterrows()):
        rows.append({
            "id": row_ids[i] if row_ids is not None and row_ids[i] else "",
            "cells": [Markup(row[c]) if c in raw_html_columns else row[c] for c in df.columns],
        })  # fmt: skip
    return {"columns": list(df.columns), "caption": caption, "cls": cls, "rows": rows}


def table(
    df: pd.DataFrame, caption: str = "", row_ids: Sequence[str] | None = None,
    raw_html_columns: Sequence[str] = (), cls: str = "",
) -> Markup:  # fmt: skip
    """An HTML table; cells are escaped unless their column is in ``raw_html_columns``."""
    return macro("table")(table_data(df, caption, row_ids, raw_html_columns, cls))


def summary_data(
    rows: pd.DataFrame, caption: str, small_n: int, group_label: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The table of :func:`summary_table`, for the ``table`` macro."""
    show = pd.DataFrame({
        **({group_label: rows["group_value"]} if group_label else {}),
        "Answer": rows["answer"],
        "n": rows["n"],
        "Base": [f"{text(b)}{' †' if pd.notna(b) and b < small_n else ''}" for b in rows["base"]],
        "%": [fmt_pct(p) for p in rows["pct"]],
        "Interval": [fmt_ci(r) for _, r in rows.iterrows()],
        **weighted_columns(rows),
        "Figure id": [provenance_link(f) for f in rows["figure_id"]],
    })  # fmt: skip
    return table_data(show, caption, row_ids=[anchor(f) for f in rows["figure_id"]],
                      raw_html_columns=["Figure id"], cls="figures")  # fmt: skip


def weighted_columns(rows: pd.DataFrame) -> dict[str, list[str]]:
    """A weighted survey's extra columns: weighted base, design effect, effective base."""
    if "base_weighted" not in rows.columns or not rows["base_weighted"].notna().any():
        return {}
    return {"Weighted base": [fmt_amount(v) for v in rows["base_weighted"]],
            "Deff": [fmt_amount(v, 2) for v in rows["deff"]],
            "Eff. base": [fmt_amount(v) for v in rows["base_effective"]]}  # fmt: skip


NUMERIC_COLUMNS = (("mean", "Mean"), ("median", "Median"), ("p25", "P25"), ("p75", "P75"),
                   ("min", "Min"), ("max", "Max"))  # fmt: skip


def numeric_data(rows: pd.DataFrame, caption: str, small_n: int,
                 group_label: str = "Group") -> dict[str, Any]:  # fmt: skip
    """A numeric question's statistics, one row per group value (each cell as printed).

    The row carries the mean's anchor and links; every statistic's own id is
    ``<question>.<group>.<value>.<stat>`` (see the caption).
    """
    stats = rows[rows["kind"] == "numeric"]
    levels = list(dict.fromkeys(stats["group_code"]))
    table: dict[str, list[Any]] = {group_label: [], "n": []}
    table |= {label: [] for _, label in NUMERIC_COLUMNS[:1]} | {"Interval": []}
    table |= {label: [] for _, label in NUMERIC_COLUMNS[1:]}
    weighted = "base_weighted" in stats.columns and stats["base_weighted"].notna().any()
    if weighted:
        table |= {"Weighted base": [], "Deff": [], "Eff. base": []}
    table["Figure id"] = []
    ids = []
    for code in levels:
        level = stats[stats["group_code"] == code].set_index("stat")
        mean = level.loc["mean"]
        table[group_label].append(mean["group_value"] if mean["group"] != "all" else "All")
        base = mean["base"]
        table["n"].append(f"{text(base)}{' †' if pd.notna(base) and base < small_n else ''}")
        for stat, label in NUMERIC_COLUMNS:
            table[label].append(text(level.loc[stat, "shown"]))
        table["Interval"].append(fmt_shown_ci(mean))
        if weighted:
            table["Weighted base"].append(fmt_amount(mean["base_weighted"]))
            table["Deff"].append(fmt_amount(mean["deff"], 2))
            table["Eff. base"].append(fmt_amount(mean["base_effective"]))
        table["Figure id"].append(provenance_link(mean["figure_id"]))
        ids.append(anchor(mean["figure_id"]))
    return table_data(pd.DataFrame(table), caption, row_ids=ids,
                      raw_html_columns=["Figure id"], cls="figures")  # fmt: skip


def summary_table(
    rows: pd.DataFrame, caption: str, small_n: int, group_label: str | None = None,
) -> Markup:  # fmt: skip
    """Long-format figure table: group, answer, n, base, %, interval, figure id.

    Rows whose base is below ``small_n`` are flagged with a dagger.
    """
    return macro("table")(summary_data(rows, caption, small_n, group_label))


def crosstab_matrix(rows: pd.DataFrame, row_label: str) -> pd.DataFrame:
    """Percentages as a matrix: groups by answers (for stacked charts)."""
    matrix = rows.pivot_table(index="group_value", columns="answer", values="pct",
                              aggfunc="first", sort=False).astype(float)  # fmt: skip
    matrix.index.name = row_label
    matrix["base"] = rows.groupby("group_value", sort=False)["base"].first()
    return matrix


def free_text_groups(answers: pd.DataFrame, book: Codebook, qid: str,
                     max_rows: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The free-text answers of one question by item: code, label, count, listed answers."""
    q = book.question(qid)
    out = []
    items_of = answers["item"].astype("string").fillna("")
    for code, label in [(o.code, o.label) for o in q.items] or [("", "")]:
        sel = answers[(answers["question"] == qid) & (items_of == code)]
        listed = sel if max_rows is None else sel.head(max_rows)
        out.append({
            "code": code, "label": label, "count": len(sel), "more": len(sel) - len(listed),
            "answers": list(zip(listed["text"], listed["line"], strict=True)),
        })  # fmt: skip
    return out


def free_text_block(answers: pd.DataFrame, book: Codebook, qid: str,
                    max_rows: int | None = None) -> Markup:  # fmt: skip
    """The free-text answers of one question (grouped by item), with their source lines.

    At most ``max_rows`` answers per group are listed; a note gives the rest's count.
    """
    return render("free_text_block.html", qid=qid,
                  groups=free_text_groups(answers, book, qid, max_rows))  # fmt: skip
