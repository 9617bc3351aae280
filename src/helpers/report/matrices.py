"""Matrices of percentages: a question by a grouping variable, for tables and stacked charts.

Rows and columns are keyed by codes, never labels (:func:`group_matrix`), so two
values labelled alike stay two rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.core.i18n import _
from helpers.core.small_base import SmallBasePolicy
from helpers.report.formatting import (
    answer_column,
    distinct_labels,
    fmt_amount,
    fmt_compact,
    fmt_number,
    fmt_pct,
    is_weighted,
)
from helpers.report.tables import (
    BANNER_MAX,
    BASE_ROW,
    SUPPRESSED,
    UNWEIGHTED_BASE_ROW,
    WEIGHTED_BASE,
    WEIGHTED_CELLS,
    fig_cell,
    group_name,
    joined,
    row_header,
    table_data,
)


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
    both = pd.concat([overall.assign(group_value=_("All")), rows[~rows["group_code"].isin(away)]])
    levels = list(dict.fromkeys(zip(both["group"], both["group_code"], strict=True)))
    head = [_level_head(both, level, policy) for level in levels]
    grid = _grid(both, levels, policy)
    weighted = any(h["weighted"] is not None and not pd.isna(h["weighted"]) for h in head)
    note = _breakdown_note(head, pooled, weighted, policy)
    listing = len(levels) - 1 > BANNER_MAX
    layout = _listing if listing else _banner
    columns, body, classes = layout(head, grid, weighted, group_label, policy)
    fixed = len(columns) - len(grid) if listing else len(columns)
    blocks = column_blocks(columns, body, fixed, LISTING_MAX)
    tables = []
    for i, (cols, rows) in enumerate(blocks):
        first = i * LISTING_MAX + 1
        span = _("Answers {first}–{last} of {total}.").format(
            first=first, last=first + len(cols) - fixed - 1, total=len(grid)
        )
        part_caption = caption if len(blocks) == 1 else f"{caption} {span}"
        frame = pd.DataFrame(rows, columns=range(len(cols)), dtype=object)
        last = i == len(blocks) - 1
        part = table_data(
            frame,
            part_caption,
            cls="matrix",
            note=note if last else "",
            row_classes=classes,
        )
        tables.append({**part, "columns": cols})
    return {**tables[0], "more": tables[1:]}


# A listing (many groups down) shows at most this many answers across, so that it fits the
# PDF's page; more answers continue in further tables, each repeating the group column.
LISTING_MAX = 8


def column_blocks(
    columns: list[Any], body: list[list[Any]], fixed: int, width: int
) -> list[tuple[list[Any], list[list[Any]]]]:
    """A table's columns in blocks of at most ``width`` after its first ``fixed`` columns.

    Each block repeats the ``fixed`` columns (the row's heading and bases); a table with
    ``width`` columns or fewer after them is one block, as it is.
    """
    rest = range(fixed, len(columns))
    starts = list(rest[::width]) or [fixed]
    return [
        (
            columns[:fixed] + columns[start : start + width],
            [row[:fixed] + row[start : start + width] for row in body],
        )
        for start in starts
    ]


Level = tuple[Any, Any]  # (group, group code) of one column of a breakdown
GridRow = tuple[str, str, list[Any]]  # (answer's name, its kind, a cell per level)


def _level_head(both: pd.DataFrame, level: Level, policy: SmallBasePolicy) -> dict[str, Any]:
    """A group value's label, base and weighted base (from its first answer or net)."""
    first = both[
        (both["group"] == level[0])
        & (both["group_code"] == level[1])
        & both["kind"].isin(["answer", "net"])
    ]
    return {
        "label": group_name(level[1], first["group_value"].iloc[0], policy)
        if len(first)
        else level[1],
        "base": first["base"].iloc[0] if len(first) else None,
        "weighted": first["base_weighted"].iloc[0]
        if len(first) and "base_weighted" in first
        else None,
    }


def _grid(both: pd.DataFrame, levels: list[Level], policy: SmallBasePolicy) -> list[GridRow]:
    """One row per answer (answers, nets, excluded, missing in that order), a cell per level."""
    answers = list(
        dict.fromkeys(zip(both["answer_code"], both["answer"], both["kind"], strict=True))
    )
    order = {"answer": 0, "net": 1, "excluded": 2, "missing": 3}
    answers.sort(key=lambda a: order[a[2]])
    cell_of = {(r["group"], r["group_code"], r["answer_code"]): r for _i, r in both.iterrows()}
    grid = []
    for code, label, kind in answers:
        line = [_cell(cell_of.get((*level, code)), kind, policy) for level in levels]
        grid.append((label if kind == "missing" else kind_label(label, kind), kind, line))
    return grid


def kind_label(label: str, kind: str) -> str:
    """An answer's row header: 'Agree (net)', 'Don't know (not in base)', or its label."""
    if kind == "net":
        # TRANSLATORS: a row of a table: a net (the sum of several answers).
        return _("{answer} (net)").format(answer=label)
    if kind in ("excluded", "missing"):
        # TRANSLATORS: a row of a table: a count left out of the percentages' base.
        return _("{answer} (not in base)").format(answer=label)
    return label


def _cell(r: pd.Series | None, kind: str, policy: SmallBasePolicy) -> Any:
    """A breakdown's cell: a count (excluded, missing), '–' (suppressed) or a % with its n."""
    if r is None:
        return ""
    if kind in ("excluded", "missing"):
        return fig_cell(r["figure_id"], fmt_number(r["n"]), cls="count")
    if policy.hides(r["base"]):
        return fig_cell(r["figure_id"], SUPPRESSED, cls="suppressed")
    count = fmt_compact(r["n_weighted"]) if is_weighted(r) else fmt_number(r["n"])
    return fig_cell(
        r["figure_id"],
        fmt_pct(r["pct"]),
        n=count,
        cls="small" if policy.small(r["base"]) else "",
    )


def _breakdown_note(
    head: list[dict[str, Any]], pooled: list[Any], weighted: bool, policy: SmallBasePolicy
) -> str:
    """What the cells hold (weighted), the small-base legend and the pooled groups."""
    marks = any(policy.small(h["base"]) for h in head)
    return joined(
        [
            _(WEIGHTED_CELLS) if weighted else "",
            policy.legend if marks else "",
            _("“Other groups” pools {groups} (each under {threshold})").format(
                groups=", ".join(map(str, pooled)), threshold=policy.threshold
            )
            if pooled
            else "",
        ],
    )


Layout = tuple[list[str], list[list[Any]], list[str]]  # columns, body rows, row classes


def _banner(
    head: list[dict[str, Any]],
    grid: list[GridRow],
    weighted: bool,
    group_label: str,
    policy: SmallBasePolicy,
) -> Layout:
    """Groups across, answers down: the bases first, then a row per answer."""
    columns = ["", *[h["label"] for h in head]]
    body = [[row_header(_(UNWEIGHTED_BASE_ROW if weighted else BASE_ROW)), *_bases(head, policy)]]
    classes = ["base"]
    if weighted:
        body.append([row_header(_(WEIGHTED_BASE)), *[fmt_amount(h["weighted"]) for h in head]])
        classes.append("base")
    for name, kind, line in grid:
        body.append([row_header(name), *line])
        classes.append(kind)
    return columns, body, classes


def _listing(
    head: list[dict[str, Any]],
    grid: list[GridRow],
    weighted: bool,
    group_label: str,
    policy: SmallBasePolicy,
) -> Layout:
    """Groups down, answers across (many groups): a row per group with its bases."""
    columns = [
        group_label,
        _(UNWEIGHTED_BASE_ROW if weighted else BASE_ROW),
        *([_(WEIGHTED_BASE)] if weighted else []),
        *[name for name, _kind, _line in grid],
    ]
    bases = _bases(head, policy)
    body, classes = [], []
    for i, h in enumerate(head):
        body.append(
            [
                row_header(h["label"]),
                bases[i],
                *([fmt_amount(h["weighted"])] if weighted else []),
                *[line[i] for _name, _kind, line in grid],
            ]
        )
        classes.append("all" if i == 0 else "")
    return columns, body, classes


def _bases(head: list[dict[str, Any]], policy: SmallBasePolicy) -> list[str]:
    """Each group's base as printed, marked when small."""
    return [policy.marked(fmt_number(h["base"]), h["base"]) for h in head]


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
