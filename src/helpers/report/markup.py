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
from helpers.core.small_base import SmallBasePolicy
from helpers.report.templating import esc as esc  # the templates' escaping, as rh.esc
from helpers.report.templating import macro, render, text
from helpers.summarize.comparisons import monte_carlo_of


def lower_first(label: str) -> str:
    """'Party identification' -> 'party identification'; 'OAS registration' unchanged."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


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


def fmt_population(value: object) -> str:
    """An estimated population count (a sum of weights) in full: '73,871,969'."""
    return fmt_amount(value)


def fmt_compact(value: object) -> str:
    """An estimated population count for a small space: '73.9M', '26k', '512'."""
    if value is None or pd.isna(value):
        return ""
    value = float(value)
    if value >= 1e6:
        return f"{value / 1e6:,.1f}M"
    return f"{value / 1e3:,.0f}k" if value >= 1e4 else f"{value:,.0f}"


def is_weighted(row: pd.Series) -> bool:
    """True for a design-based figure (its ``n_weighted``, a sum of weights, is set)."""
    return "n_weighted" in row.index and pd.notna(row["n_weighted"])


def weighted_counts(row: pd.Series) -> str:
    """'est. 73,871,969 of 117,023,659': a weighted figure's estimated population and base."""
    return f"est. {fmt_population(row['n_weighted'])} of {fmt_population(row['base_weighted'])}"


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
    unweighted counts; those are printed only labelled so ('2 of 10337, unweighted').
    """
    n, base = text(row["n"]), text(row["base"])
    weighted = is_weighted(row)
    if what == "n":
        return n
    if what == "n_of_base":
        return f"{n} of {base}, unweighted" if weighted else f"{n} of {base}"
    counts = weighted_counts(row) if weighted else f"{n} of {base}"
    if what == "pct_ci":
        return f"{fmt_pct(row['pct'])} (CI {fmt_ci(row)}; {counts})"
    if what == "value":
        return text(row["shown"])
    if what == "value_ci":
        interval = fmt_shown_ci(row)
        size = f"unweighted n = {n}" if weighted else f"n = {n}"
        return f"{text(row['shown'])} ({f'CI {interval}; ' if interval else ''}{size})"
    return f"{fmt_pct(row['pct'])} ({counts})"


class Cited(NamedTuple):
    """A number for prose and its figure id, for the ``cite`` macro."""

    text: str
    figure_id: str


def cited(summaries: pd.DataFrame, figure_id: str, what: str = "pct") -> Cited:
    """The number of a figure id for prose (see :func:`cite_text`), for the ``cite`` macro."""
    return Cited(cite_text(row_of(summaries, figure_id), what), figure_id)


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
        f"no table of {tables:,} as extreme"
        if extreme == 0
        else f"{extreme:,} of {tables:,} tables as extreme"
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


def svg_data(svg: bytes) -> str:
    """A chart's SVG bytes as the base64 text of a data URI (the ``figure`` macro's)."""
    return base64.b64encode(svg).decode("ascii")


png_data = svg_data  # the name the call sites know (charts were PNG before issue 25)


def figure(svg: bytes, alt: str, caption: str, anchor_id: str) -> Markup:
    """An embedded SVG chart (data URI) with alt text and an HTML caption (the caller's)."""
    return macro("figure")(svg_data(svg), alt, Markup(caption), anchor_id)


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
    for i, (_, row) in enumerate(df.iterrows()):
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
# A weighted survey's tables: unweighted counts are labelled so; cells show estimated counts
UNWEIGHTED_N = "Unweighted n"
UNWEIGHTED_BASE = "Unweighted base"
BASE_ROW = "Base (n)"
UNWEIGHTED_BASE_ROW = "Unweighted base (n)"
WEIGHTED_CELLS = (
    "cells: weighted % with the estimated population count (sum of weights; "
    "M million, k thousand) in brackets"
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
    for _, r in rows.iterrows():
        excluded = r.get("kind") == "excluded"
        hidden = not excluded and policy.hides(r["base"])
        shown = SUPPRESSED if hidden else text(r["n"]) if excluded else fmt_pct(r["pct"])
        cells.append(fig_cell(r["figure_id"], shown))
    weighted = bool(weighted_columns(rows))
    show = pd.DataFrame(
        {
            **({group_label: rows["group_value"]} if group_label else {}),
            "Answer": rows["answer"],
            UNWEIGHTED_N if weighted else "n": rows["n"],
            UNWEIGHTED_BASE if weighted else "Base": [
                policy.marked(text(b), b) for b in rows["base"]
            ],
            **({"Weighted n": [fmt_population(v) for v in rows["n_weighted"]]} if weighted else {}),
            "%": cells,
            "Interval": ["" if policy.hides(r["base"]) else fmt_ci(r) for _, r in rows.iterrows()],
            **weighted_columns(rows),
        }
    )
    marks = any(policy.small(b) for b in rows["base"])
    return table_data(show, caption, cls="figures", note=policy.legend if marks else "")


def breakdown_data(
    overall: pd.DataFrame,
    rows: pd.DataFrame,
    group_label: str,
    policy: SmallBasePolicy,
    caption: str,
) -> dict[str, Any]:
    """One question by one grouping variable as a matrix: answers by groups.

    ``overall`` and ``rows``: the question's rows (answers, nets, excluded, missing)
    overall and by the group. Each cell is a percentage with its count, linked to its
    provenance; the base of each group heads its column (or row: with more than
    :data:`BANNER_MAX` groups, groups run down and answers across).
    """
    away = policy.pooled_away(rows)
    pooled = list(dict.fromkeys(rows.loc[rows["group_code"].isin(away), "group_value"]))
    rows = rows[~rows["group_code"].isin(away)]
    both = pd.concat([overall.assign(group_value="All"), rows])
    levels = list(dict.fromkeys(zip(both["group"], both["group_code"], strict=True)))
    answers = list(
        dict.fromkeys(zip(both["answer_code"], both["answer"], both["kind"], strict=True))
    )
    order = {"answer": 0, "net": 1, "excluded": 2, "missing": 3}
    answers.sort(key=lambda a: order[a[2]])
    cell_of = {(r["group"], r["group_code"], r["answer_code"]): r for _, r in both.iterrows()}
    head: list[dict[str, Any]] = []
    for level in levels:
        first = both[
            (both["group"] == level[0])
            & (both["group_code"] == level[1])
            & both["kind"].isin(["answer", "net"])
        ]
        base = first["base"].iloc[0] if len(first) else None
        label = first["group_value"].iloc[0] if len(first) else level[1]
        head.append(
            {
                "label": label,
                "base": base,
                "weighted": first["base_weighted"].iloc[0]
                if len(first) and "base_weighted" in first
                else None,
            }
        )
    grid = []
    for code, label, kind in answers:
        line = []
        for level in levels:
            r = cell_of.get((*level, code))
            if r is None:
                line.append("")
            elif kind in ("excluded", "missing"):
                line.append(fig_cell(r["figure_id"], text(r["n"]), cls="count"))
            elif policy.hides(r["base"]):
                line.append(fig_cell(r["figure_id"], SUPPRESSED, cls="suppressed"))
            else:
                count = fmt_compact(r["n_weighted"]) if is_weighted(r) else r["n"]
                line.append(
                    fig_cell(
                        r["figure_id"],
                        fmt_pct(r["pct"]),
                        n=count,
                        cls="small" if policy.small(r["base"]) else "",
                    )
                )
        name = {"excluded": f"{label} (not in base)", "net": f"{label} (net)"}.get(kind, label)
        grid.append((name, kind, line))
    weighted = any(h["weighted"] is not None and not pd.isna(h["weighted"]) for h in head)
    bases = [policy.marked(text(h["base"]), h["base"]) for h in head]
    w_bases = [fmt_amount(h["weighted"]) for h in head]
    marks = any(policy.small(h["base"]) for h in head)
    note = "; ".join(
        filter(
            None,
            [
                WEIGHTED_CELLS if weighted else "",
                policy.legend if marks else "",
                f"“Other groups” pools {', '.join(map(str, pooled))} (each under "
                f"{policy.threshold})"
                if pooled
                else "",
            ],
        )
    )
    if len(levels) - 1 <= BANNER_MAX:
        columns = ["", *[h["label"] for h in head]]
        body = [[row_header(UNWEIGHTED_BASE_ROW if weighted else BASE_ROW), *bases]]
        classes = ["base"]
        if weighted:
            body.append([row_header("Weighted base"), *w_bases])
            classes.append("base")
        for name, kind, line in grid:
            body.append([row_header(name), *line])
            classes.append(kind)
    else:
        columns = [
            group_label,
            UNWEIGHTED_BASE_ROW if weighted else BASE_ROW,
            *(["Weighted base"] if weighted else []),
            *[name for name, _, _ in grid],
        ]
        body, classes = [], []
        for i, h in enumerate(head):
            body.append(
                [
                    row_header(h["label"]),
                    bases[i],
                    *([w_bases[i]] if weighted else []),
                    *[line[i] for _, _, line in grid],
                ]
            )
            classes.append("all" if i == 0 else "")
    frame = pd.DataFrame(body, columns=range(len(columns)), dtype=object)
    out = table_data(frame, caption, cls="matrix", note=note, row_classes=classes)
    out["columns"] = columns
    return out


def weighted_columns(rows: pd.DataFrame) -> dict[str, list[str]]:
    """A weighted survey's extra columns: weighted base, design effect, effective base."""
    if "base_weighted" not in rows.columns or not rows["base_weighted"].notna().any():
        return {}
    return {
        "Weighted base": [fmt_amount(v) for v in rows["base_weighted"]],
        "Deff": [fmt_amount(v, 2) for v in rows["deff"]],
        "Eff. base": [fmt_amount(v) for v in rows["base_effective"]],
    }


NUMERIC_COLUMNS = (
    ("mean", "Mean"),
    ("sd", "SD"),
    ("median", "Median"),
    ("p25", "P25"),
    ("p75", "P75"),
    ("min", "Min"),
    ("max", "Max"),
)


def numeric_data(
    rows: pd.DataFrame, caption: str, policy: SmallBasePolicy, group_label: str = "Group"
) -> dict[str, Any]:
    """A numeric question's statistics, one row per group value (each cell as printed).

    Every statistic links to its own provenance entry (``<question>.<group>.<value>.<stat>``).
    """
    rows = rows[~rows["group_code"].isin(policy.pooled_away(rows))]
    stats = rows[rows["kind"] == "numeric"]
    levels = list(dict.fromkeys(stats["group_code"]))
    weighted = "base_weighted" in stats.columns and stats["base_weighted"].notna().any()
    missing = {r["group_code"]: r for _, r in rows[rows["kind"] == "missing"].iterrows()}
    columns = [
        group_label,
        UNWEIGHTED_N if weighted else "n",
        "Mean",
        "Interval",
        *[lab for _, lab in NUMERIC_COLUMNS[1:]],
    ]
    if missing:
        columns.append("No value")
    if weighted:
        columns += ["Weighted base", "Deff"]
    body = []
    for code in levels:
        level = stats[stats["group_code"] == code].set_index("stat")
        mean = level.loc["mean"]
        base = mean["base"]
        hidden = policy.hides(base)
        line: list[Any] = [
            row_header(mean["group_value"] if mean["group"] != "all" else "All"),
            policy.marked(text(base), base),
        ]
        for stat, _ in NUMERIC_COLUMNS:
            line.append(
                fig_cell(
                    level.loc[stat, "figure_id"],
                    SUPPRESSED if hidden else text(level.loc[stat, "shown"]),
                    cls="suppressed" if hidden else "",
                )
            )
            if stat == "mean":
                line.append("" if hidden else fmt_shown_ci(mean))
        if missing:
            m = missing.get(code)
            line.append("" if m is None else fig_cell(m["figure_id"], text(m["n"]), cls="count"))
        if weighted:
            line += [fmt_amount(mean["base_weighted"]), fmt_amount(mean["deff"], 2)]
        body.append(line)
    marks = any(policy.small(b) for b in stats["base"])
    frame = pd.DataFrame(body, columns=range(len(columns)), dtype=object)
    out = table_data(frame, caption, cls="figures numeric", note=policy.legend if marks else "")
    out["columns"] = columns
    return out


def distinct_labels(labels: Sequence[object], codes: Sequence[object]) -> list[str]:
    """Labels for display, each one told apart: an equal label gets its code, 'Other (5)'.

    A code of None (the overall row, 'All respondents') never gets one. Charts and
    tables are keyed by codes; labels only name what is drawn, so two values (or a value
    and the overall row) labelled alike stay two bars, visibly distinct.
    """
    texts = [str(label) for label in labels]
    seen: dict[str, int] = {}
    for t in texts:
        seen[t] = seen.get(t, 0) + 1
    out = [
        t if seen[t] == 1 or code is None else f"{t} ({code})"
        for t, code in zip(texts, codes, strict=True)
    ]
    taken: set[str] = set()
    for k, t in enumerate(out):  # still equal (one code in two groups): number them
        shown, extra = t, 1
        while shown in taken:
            extra += 1
            shown = f"{t} [{extra}]"
        taken.add(shown)
        out[k] = shown
    return out


def answer_column(code: object) -> str:
    """A crosstab matrix's column of one answer (keyed by its code, never its label)."""
    return f"answer {code}"


def group_matrix(
    rows: pd.DataFrame,
    columns: pd.Series | list[str],
    values: str,
    size: str,
    overall: str | None = None,
) -> pd.DataFrame:
    """``values`` as a matrix, one row per (group, group code), keyed by codes never labels.

    ``columns``: each row's column key; ``size``: the column kept beside (``base``, ``n``).
    The index holds each row's label for display (:func:`distinct_labels`; the overall
    row's label as it is, or ``overall`` in its place), so equal labels are never merged.
    """
    key = rows["group"].astype(str) + "\x1f" + rows["group_code"].astype(str)
    keyed = rows.assign(_row=key.to_numpy(), _col=list(columns))
    matrix = keyed.pivot_table(
        index="_row", columns="_col", values=values, aggfunc="first", sort=False
    ).astype(float)
    matrix.columns.name = None
    first = (
        keyed.groupby("_row", sort=False)[["group", "group_code", "group_value", size]]
        .first()
        .loc[matrix.index]
    )
    matrix[size] = first[size].to_numpy()
    is_all = (first["group"] == "all").tolist()
    names = [
        overall if a and overall is not None else v
        for a, v in zip(is_all, first["group_value"], strict=True)
    ]
    codes = [None if a else c for a, c in zip(is_all, first["group_code"], strict=True)]
    matrix.index = pd.Index(distinct_labels(names, codes))
    return matrix


def crosstab_matrix(rows: pd.DataFrame, row_label: str) -> pd.DataFrame:
    """Percentages as a matrix: groups by answers (for stacked charts), with each ``base``.

    One column per answer code (:func:`answer_column`), one row per group value
    (:func:`group_matrix`).
    """
    matrix = group_matrix(rows, [answer_column(c) for c in rows["answer_code"]], "pct", "base")
    matrix.index.name = row_label
    return matrix


def free_text_groups(
    answers: pd.DataFrame, book: Codebook, qid: str, max_rows: int | None = None
) -> list[dict[str, Any]]:
    """The free-text answers of one question by item: code, label, count, listed answers."""
    q = book.question(qid)
    out = []
    items_of = answers["item"].astype("string").fillna("")
    for code, label in [(o.code, o.label) for o in q.items] or [("", "")]:
        sel = answers[(answers["question"] == qid) & (items_of == code)]
        listed = sel if max_rows is None else sel.head(max_rows)
        out.append(
            {
                "code": code,
                "label": label,
                "count": len(sel),
                "more": len(sel) - len(listed),
                "answers": list(zip(listed["text"], listed["line"], strict=True)),
            }
        )
    return out


def free_text_block(
    answers: pd.DataFrame, book: Codebook, qid: str, max_rows: int | None = None
) -> Markup:
    """The free-text answers of one question (grouped by item), with their source lines.

    At most ``max_rows`` answers per group are listed; a note gives the rest's count.
    """
    return render(
        "free_text_block.html", qid=qid, groups=free_text_groups(answers, book, qid, max_rows)
    )
