"""The summary table: every question in rows, one breakdown's groups in columns.

What gtsummary's ``tbl_summary(by=)`` / ``tbl_svysummary`` and SPSS Custom Tables print:
for a closed question one row per answer with its percentage and count in each group,
for a numeric question its mean (SD) and median (IQR), and the question's comparison
across the groups (its adjusted p) on its first row. Every number is a link to its
figure's provenance entry; the table restates figures of summaries.csv and computes none.
The small-base policy applies as in the question sections (suppressed cells "–", small
bases marked, groups pooled under ``merge`` shown only pooled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.codebook import Codebook, Question
from helpers.core.codebook_figure_ids import MISSING_WORD
from helpers.core.i18n import N_, _
from helpers.core.small_base import POOLED, SmallBasePolicy
from helpers.report.column_letters import (
    Letters,
    cell_letters,
    column_letters,
    with_letters,
)
from helpers.report.formatting import fmt_amount, fmt_compact, fmt_number, fmt_pct, is_weighted
from helpers.report.markup import heading
from helpers.report.matrices import kind_label
from helpers.report.summary_notes import (
    POOLED_TEXT,
    summary_caption,
    summary_note,
    summary_title,
)
from helpers.report.tables import (
    SUPPRESSED,
    fig_cell,
    parts_cell,
    row_header,
    table_data,
)
from helpers.report.tabulated import ALL, same_variable, tabulated
from helpers.report.templating import macro

__all__ = [
    "ALL",
    "POOLED_TEXT",
    "same_variable",
    "summary_table_data",
    "summary_tables",
    "tabulated",
]
# A numeric question's rows: their names (marked for the catalog: _(name)) and statistics.
NUMERIC_ROWS = (
    (N_("Mean (SD)"), "mean", "sd"),
    # TRANSLATORS: the median and its interquartile range (25th–75th percentile).
    (N_("Median (IQR)"), "median", "p25", "p75"),
)


@dataclass(frozen=True)
class Column:
    """One column of figures: ``all`` or a group's code, its label and unweighted base."""

    group: str
    code: str
    label: str
    base: int


def table_columns(summaries: pd.DataFrame, group: str, policy: SmallBasePolicy) -> list[Column]:
    """All respondents, then the breakdown's groups in codebook order (pooled as shown)."""
    rows = summaries[summaries["question"] == "respondents"]
    overall = rows[rows["group"] == ALL].iloc[0]
    out = [Column(ALL, ALL, _("All"), int(overall["n"]))]
    if group == ALL:
        return out
    levels = rows[rows["group"] == group]
    away = policy.pooled_away(levels.assign(kind="answer"))
    for _i, r in levels.iterrows():
        if r["group_code"] not in away:
            out.append(Column(group, str(r["group_code"]), str(r["group_value"]), int(r["n"])))
    return out


def _pct_cell(row: pd.Series | None, policy: SmallBasePolicy) -> dict[str, Any] | str:
    """An answer's cell: its percentage linked, its count beside (not anchored)."""
    if row is None:
        return ""
    if policy.hides(row["base"]):
        return fig_cell(row["figure_id"], SUPPRESSED, cls="suppressed", anchored=False)
    count = fmt_compact(row["n_weighted"]) if is_weighted(row) else fmt_number(row["n"])
    return fig_cell(
        row["figure_id"],
        fmt_pct(row["pct"]),
        n=count,
        anchored=False,
        cls="small" if policy.small(row["base"]) else "",
    )


def _stat_cell(
    rows: dict[str, pd.Series], stats: tuple[str, ...], policy: SmallBasePolicy
) -> dict[str, Any] | str:
    """A numeric question's 'mean (SD)' or 'median (p25–p75)' cell, each number linked."""
    if stats[0] not in rows:
        return ""
    first = rows[stats[0]]
    if policy.hides(first["base"]):
        return fig_cell(first["figure_id"], SUPPRESSED, cls="suppressed", anchored=False)
    parts = [(fmt_number(rows[s]["shown"]), rows[s]["figure_id"]) for s in stats if s in rows]
    return parts_cell(parts, cls="small" if policy.small(first["base"]) else "")


def _p_cell(summaries: pd.DataFrame, qid: str, group: str) -> dict[str, Any] | str:
    """The question's adjusted p across the groups (linked), or blank."""
    fid = f"{qid}.{group}.test.p_adjusted"
    hit = summaries[summaries["figure_id"] == fid]
    if group == ALL or not len(hit) or pd.isna(hit["estimate"].iloc[0]):
        return ""
    return fig_cell(fid, fmt_number(hit["shown"].iloc[0]), anchored=False)


def _count_cell(row: pd.Series | None) -> dict[str, Any] | str:
    """A count outside the base (answers excluded from it, no answer), linked."""
    return (
        ""
        if row is None
        else fig_cell(row["figure_id"], fmt_number(row["n"]), cls="count", anchored=False)
    )


KIND_ORDER = {"answer": 0, "net": 1, "excluded": 2, "missing": 3}


def _pooled_away(
    summaries: pd.DataFrame, q: Question, group: str, policy: SmallBasePolicy
) -> set[str]:
    """The levels of ``group`` that ``q``'s section shows only pooled (small-base ``merge``)."""
    if group == ALL:
        return set()
    return policy.pooled_away(
        summaries[(summaries["question"] == q.id) & (summaries["group"] == group)]
    )


def _pooled_cell(summaries: pd.DataFrame, figure_id: str) -> dict[str, Any] | str:
    """A pooled-away level's cell: linked to the pooled group's figure, as its section shows."""
    if not (summaries["figure_id"] == figure_id).any():
        return _(POOLED_TEXT)
    return fig_cell(figure_id, _(POOLED_TEXT), cls="suppressed", anchored=False)


def closed_rows(
    summaries: pd.DataFrame,
    q: Question,
    columns: list[Column],
    policy: SmallBasePolicy,
    letters: Letters | None = None,
) -> list[tuple[str, str, list[Any]]]:
    """(class, header, cells) of a closed question's answers, nets, and counts off its base.

    Answers left out of the base and "no answer" are counts; the rest percentages.
    """
    rows = summaries[(summaries["question"] == q.id) & summaries["kind"].isin(list(KIND_ORDER))]
    cell = {
        (r["group"], str(r["group_code"]), str(r["answer_code"])): r for _i, r in rows.iterrows()
    }
    answers = list(
        dict.fromkeys(
            zip(rows["answer_code"].astype(str), rows["answer"], rows["kind"], strict=True)
        )
    )
    answers.sort(key=lambda a: KIND_ORDER[a[2]])
    away = {c.group: _pooled_away(summaries, q, c.group, policy) for c in columns}
    out = []
    for code, label, kind in answers:
        make = _pct_cell if kind in ("answer", "net") else lambda r, _: _count_cell(r)
        cells = [
            _pooled_cell(summaries, f"{q.id}.{c.group}.{POOLED}.{code}")
            if c.code in away[c.group]
            else with_letters(
                make(cell.get((c.group, c.code, code)), policy),
                (letters or {}).get((q.id, c.group, c.code, code)),
            )
            for c in columns
        ]
        out.append((kind, kind_label(label, kind), cells))
    return out


def numeric_rows(
    summaries: pd.DataFrame, q: Question, columns: list[Column], policy: SmallBasePolicy
) -> list[tuple[str, str, list[Any]]]:
    """(class, header, cells) of a numeric question: mean (SD), median (IQR), no value."""
    rows = summaries[(summaries["question"] == q.id) & (summaries["kind"] == "numeric")]
    by_level: dict[tuple[str, str], dict[str, pd.Series]] = {}
    for _i, r in rows.iterrows():
        by_level.setdefault((r["group"], str(r["group_code"])), {})[str(r["stat"])] = r
    away = {c.group: _pooled_away(summaries, q, c.group, policy) for c in columns}
    out = [
        (
            "numeric",
            _("{statistic}, {unit}").format(statistic=_(name), unit=q.unit) if q.unit else _(name),
            [
                _pooled_cell(summaries, f"{q.id}.{c.group}.{POOLED}.{stats[0]}")
                if c.code in away[c.group]
                else _stat_cell(by_level.get((c.group, c.code), {}), stats, policy)
                for c in columns
            ],
        )
        for name, *stats in NUMERIC_ROWS
    ]
    missing = summaries[(summaries["question"] == q.id) & (summaries["kind"] == "missing")]
    if len(missing):
        of = {(r["group"], str(r["group_code"])): r for _i, r in missing.iterrows()}
        label = kind_label(missing["answer"].iloc[0], "missing")
        cells = [
            _pooled_cell(summaries, f"{q.id}.{c.group}.{POOLED}.{MISSING_WORD}")
            if c.code in away[c.group]
            else _count_cell(of.get((c.group, c.code)))
            for c in columns
        ]
        out.append(("missing", label, cells))
    return out


def _body(
    summaries: pd.DataFrame,
    questions: list[Question],
    group: str,
    columns: list[Column],
    policy: SmallBasePolicy,
    letters: Letters,
) -> tuple[list[list[Any]], list[str]]:
    """(rows, their classes): each question's row (its p by ``group``), then its lines."""
    tested = group != ALL
    body: list[list[Any]] = []
    classes: list[str] = []
    for q in questions:
        lines = (
            numeric_rows(summaries, q, columns, policy)
            if q.type == "numeric"
            else closed_rows(summaries, q, columns, policy, letters)
        )
        if not lines:
            continue
        p = [_p_cell(summaries, q.id, group)] if tested else []
        body.append([row_header(q.short), *[""] * len(columns), *p])
        classes.append("question")
        for kind, name, cells in lines:
            body.append([row_header(name), *cells, *([""] if tested else [])])
            classes.append(kind)
    return body, classes


def summary_table_data(
    book: Codebook,
    summaries: pd.DataFrame,
    group: str,
    policy: SmallBasePolicy,
    alpha: float | None = None,
) -> dict[str, Any]:
    """The ``table`` macro's data of every question by ``group`` (``all``: overall only).

    ``alpha``: ``stats.column_alpha``, for the column-test letters (None: no letters).
    """
    columns = table_columns(summaries, group, policy)
    weighted = summaries["base_weighted"].notna().any() if "base_weighted" in summaries else False
    named = column_letters([(c.group, c.code) for c in columns if c.group != ALL])
    letters = cell_letters(summaries, named, alpha) if alpha is not None else {}
    head = ["", *[_heading(c, named if letters else {}) for c in columns]]
    tested = group != ALL
    if tested:
        head.append(_("p (adjusted)"))
    questions, left = tabulated(book, group)
    body, classes = _body(summaries, questions, group, columns, policy, letters)
    pooled = any(
        isinstance(cell, dict) and cell.get("text") == _(POOLED_TEXT)
        for row in body
        for cell in row
    )
    note = summary_note(
        book, group, policy, weighted, [c.base for c in columns], pooled, bool(letters), left
    )
    frame = pd.DataFrame(body, columns=range(len(head)), dtype=object)
    out = table_data(frame, cls="matrix summary", note=note, row_classes=classes)
    out["columns"] = head
    return out


def summary_groups(book: Codebook) -> tuple[str, ...]:
    """The breakdowns that get a summary table: the codebook's ``by_group`` (else overall)."""
    return tuple(book.by_group) or (ALL,)


def summary_headings(book: Codebook) -> list[tuple[str, str, int]]:
    """(anchor, title, level) of each summary table's heading, for the contents."""
    return [(f"summary-{g}", summary_title(book, g), 3) for g in summary_groups(book)]


def _heading(c: Column, letters: dict[tuple[str, str], str]) -> str:
    """A column's heading: its label, its letter (column tests) and its unweighted base."""
    mark = f" ({letters[(c.group, c.code)]})" if (c.group, c.code) in letters else ""
    return f"{c.label}{mark} (n = {fmt_amount(c.base)})"


def summary_tables(
    book: Codebook,
    summaries: pd.DataFrame,
    policy: SmallBasePolicy,
    alpha: float | None = None,
) -> Markup:
    """One summary table per breakdown of ``by_group`` (or one overall), each captioned."""
    out = []
    for (anchor, title, level), group in zip(
        summary_headings(book), summary_groups(book), strict=True
    ):
        data = summary_table_data(book, summaries, group, policy, alpha)
        data["caption"] = summary_caption(book, group)
        out.append(heading(title, anchor, level) + macro("table")(data))
    return Markup("").join(out)
