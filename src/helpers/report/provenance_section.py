"""The provenance appendix: for each figure its rule, stage, and the rows it counts.

No JavaScript: anchors only (``prov-<figure id>``, back to ``fig-<figure id>``). Each
entry states the figure's value, its selection rule in words and the rows behind it
with their source lines, or, above ``report.max_listed_rows``, the command that lists
them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from helpers.core.i18n import _
from helpers.core.selection import ANSWERED, MISSING
from helpers.core.small_base import POOLED, SmallBasePolicy
from helpers.report.formatting import fmt_ci, fmt_number, fmt_pct, is_weighted, weighted_counts
from helpers.report.templating import render
from helpers.summarize.provenance import row_identity, rows_behind, source_lines_of


def describe_rule(rule: dict[str, Any] | None) -> str:
    """A selection rule in words: 'q1 = yes and region answered' (core.selection.describe's)."""
    if not rule:
        return _("all rows")
    parts = []
    for column, value in rule.items():
        if value == ANSWERED:
            parts.append(_("{column} answered").format(column=column))
        elif value == MISSING:
            parts.append(_("{column} missing").format(column=column))
        elif isinstance(value, list):
            parts.append(_("{column} in {values}").format(column=column, values=", ".join(value)))
        else:
            parts.append(f"{column} = {value}")
    return _(" and ").join(parts)


def provenance_appendix(
    prov: dict[str, Any],
    summaries: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    max_rows: int = 40,
    report: str = "report.html",
    source_lines: bool = True,
    policy: SmallBasePolicy | None = None,
) -> Markup:
    """For each figure: its rule, stage, and the rows it counts with their source lines.

    The rows are listed when there are at most ``max_rows`` of them; a larger
    count is not listed in part (a sample would not audit it) but named with the
    command that lists them all, so a million-row survey keeps a short appendix.
    """
    back = _pooled_targets(summaries, policy) if policy is not None else {}
    figures = []
    for _i, row in summaries.iterrows():
        fid = row["figure_id"]
        fig = prov["figures"][fid]
        name, rule = fig["table"], fig["numerator"]
        figures.append(
            {
                "id": fid,
                "n": row["n"],
                "value": _provenance_value(row),
                "rule": describe_rule(rule),
                "table": name,
                "base": describe_rule(fig["base"]) if fig["base"] is not None else None,
                # None: the figure's own count is above max_rows (its rows are not selected)
                "listed": _rows_listed(tables, name, rule) if int(row["n"]) <= max_rows else None,
                "back": back.get(fid, fid),
                "pooled": fid in back,
            }
        )
    return render(
        "provenance_appendix.html",
        stage=prov["stage"],
        notebook=prov["notebook"],
        inputs=[(p, d["sha256"][:16]) for p, d in prov["inputs"].items()],
        figures=figures,
        max_rows=max_rows,
        report=report,
        source_lines=source_lines,
    )


def _rows_listed(
    tables: dict[str, pd.DataFrame], name: str, rule: Any
) -> list[tuple[Any, str, list[int]]]:
    """The rows a figure counts: (identity, short label or '', their source lines)."""
    rows = rows_behind(name, rule, tables)
    lines = source_lines_of(rows, tables[name], name, list(rule))
    ident, label = row_identity(tables[name], name)
    return [
        (r[ident], _short(r[label]) if label != ident else "", [int(n) for n in ls])
        for (_, r), ls in zip(rows.iterrows(), lines, strict=True)
    ]


def _provenance_value(row: pd.Series) -> str:
    """A figure's value as its provenance entry states it: 'n = 9 of 15 (60.0%; interval …)'."""
    weighted = is_weighted(row)
    n = fmt_number(row["n"])
    value = _("unweighted n = {n}").format(n=n) if weighted else f"n = {n}"
    if pd.notna(row["base"]):
        value = _("{n} of {base}").format(n=value, base=fmt_number(row["base"]))
    if weighted and pd.notna(row["pct"]):  # the percentage is of the weighted counts
        value = _("{value}; weighted: {counts}").format(value=value, counts=weighted_counts(row))
    if pd.notna(row["pct"]):
        said = {
            (True, True): _("{value} (weighted {pct}; interval {ci})"),
            (True, False): _("{value} (weighted {pct})"),
            (False, True): _("{value} ({pct}; interval {ci})"),
            (False, False): "{value} ({pct})",
        }[weighted, bool(fmt_ci(row))]
        value = said.format(value=value, pct=fmt_pct(row["pct"]), ci=fmt_ci(row))
    elif row.get("stat") not in (None, "pct", "count") and pd.notna(row.get("shown")):
        said = _("{value}: weighted {stat} {shown}") if weighted else "{value}: {stat} {shown}"
        value = said.format(value=value, stat=row["stat"], shown=fmt_number(row["shown"]))
    return value


def _pooled_targets(summaries: pd.DataFrame, policy: SmallBasePolicy) -> dict[str, str]:
    """Figure id -> the pooled figure the report shows in its place (small-base ``merge``)."""
    out: dict[str, str] = {}
    ids = set(summaries["figure_id"])
    for (q, g), rows in summaries.groupby(["question", "group"], sort=False):
        away = policy.pooled_away(rows)
        for _i, r in rows[rows["group_code"].isin(away)].iterrows():
            target = f"{q}.{g}.{POOLED}.{r['answer_code']}"
            out[r["figure_id"]] = target if target in ids else r["figure_id"]
    return out


def _short(text: object, limit: int = 70) -> str:
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"
