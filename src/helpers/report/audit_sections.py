"""Report sections for auditors: audit of published figures, provenance, numbered source.

No JavaScript: `<details>` and anchors only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.audit.verdicts import STATUS_ORDER
from helpers.core.codebook import Codebook
from helpers.core.selection import describe
from helpers.report import charts
from helpers.report import markup as rh
from helpers.summarize.provenance import row_identity, rows_behind, source_lines_of

STATUS_LABELS = {
    "mismatch": "Mismatch", "rounding": "Rounding", "match": "Match",
    "unverifiable": "Unverifiable",
}  # fmt: skip


def line_link(n: int) -> str:
    """A link to a numbered line of the source appendix."""
    return f'<a class="srcline" href="#src-L{int(n)}">{int(n)}</a>'


def audit_summary(audit: pd.DataFrame) -> str:
    """One sentence for the key findings: how many claims hold up."""
    counts = {s: int((audit["status"] == s).sum()) for s in STATUS_ORDER}
    parts = ", ".join(f'<span class="num">{counts[s]}</span> {s}' for s in STATUS_ORDER)
    return (f'Of the <span class="num">{len(audit)}</span> numeric claims of the source, '
            f'{parts} (<a href="#audit">audit</a>).')  # fmt: skip


def audit_section(audit: pd.DataFrame, claims: pd.DataFrame, book: Codebook,
                  chart_log: list[dict[str, str]]) -> str:  # fmt: skip
    """The claims table (mismatches first) and corrected versions of published charts."""
    counts = ", ".join(f"{STATUS_LABELS[s].lower()}: {int((audit['status'] == s).sum())}"
                       for s in STATUS_ORDER)  # fmt: skip
    out = [rh.paragraph(
        "Every number the source states — counts in digits or words, percentages, the data "
        "labels of its chart, and the totals its parts must add up to — compared with the value "
        "recomputed from its own lists of organizations. <em>Match</em>: equal at the stated "
        "precision under the report's rounding rule; <em>rounding</em>: equal under another "
        "common rounding rule (named); <em>mismatch</em>: no common rounding gives it "
        "(alternative bases or counts that would are listed as hypotheses, not findings); "
        f"<em>unverifiable</em>: nothing in the source can check it. {len(audit)} claims "
        f"({counts}). Computed by the <code>audit</code> stage into "
        "<code>data/processed/audit.csv</code>.")]
    show = pd.DataFrame({
        "Claim": [f'<code id="claim-{rh.esc(c)}">{rh.esc(c)}</code>' for c in audit["claim_id"]],
        "Line": [line_link(n) for n in audit["source_line"]],
        "Quote": [rh.esc(q) for q in audit["quote"]],
        "Stated": [rh.esc(s) for s in audit["stated"]],
        "Data": [rh.esc(r) for r in audit["recomputed"]],
        "Status": [f'<span class="status-{rh.esc(s)}">{rh.esc(STATUS_LABELS[s])}</span>'
                   for s in audit["status"]],
        "Explanation": [rh.esc(e) for e in audit["explanation"]],
    })  # fmt: skip
    out.append(rh.table(show, "Claims of the source, mismatches first",
                        raw_html_columns=list(show.columns), cls="audit"))  # fmt: skip
    out.append(_corrected_charts(audit, claims, book, chart_log))
    return "".join(out)


def _corrected_charts(audit: pd.DataFrame, claims: pd.DataFrame, book: Codebook,
                      chart_log: list[dict[str, str]]) -> str:  # fmt: skip
    chart_claims = claims[claims["note"].fillna("").str.startswith("data label")]
    merged = chart_claims[["claim_id", "question", "answer", "stated"]].rename(
        columns={"stated": "stated_value"}).merge(audit, on="claim_id")
    out = []
    for qid, rows in merged.groupby("question", sort=False):
        if set(rows["status"]) <= {"match"}:
            continue
        q = book.question(qid)
        labels = {o.code: o.label for o in q.answers}
        order = [o.code for o in q.answers]
        rows = rows.assign(answer=rows["answer"].map(labels),
                           _o=rows["answer"].map(order.index)).sort_values("_o")  # fmt: skip
        rows = rows.assign(recomputed=rows["recomputed_exact"].astype(float),
                           stated=rows["stated_value"].astype(float))
        lines = ", ".join(str(n) for n in rows["source_line"])
        alt = (f"Published versus recomputed {qid.upper()} chart: " + "; ".join(
            f"{a}: published {s:g}%, data {float(r):.1f}%" for a, s, r in
            zip(rows["answer"], rows["stated"], rows["recomputed"], strict=True)))
        chart_id = f"chart-{qid}-published-vs-data"
        for cid in rows["claim_id"]:
            chart_log.append({"chart_id": chart_id, "figure_id": f"claim:{cid}"})
        out.append(rh.heading(f"Corrected chart: {qid.upper()}", f"audit-{qid}-chart", 3))
        out.append(rh.figure(
            charts.published_vs_data_chart(rows, f"{qid.upper()}: published chart vs. data",
                                           f"Published labels: source lines {lines}. Data: "
                                           f"the source's own lists (n = respondents)."),
            alt, f"The source's chart of {rh.esc(qid.upper())} (lines {rh.esc(lines)}) "
            "beside the percentages its lists give. Claims: " + ", ".join(
                f'<a href="#claim-{rh.esc(c)}">{rh.esc(c)}</a>' for c in rows["claim_id"]),
            chart_id))  # fmt: skip
    return "".join(out)


def provenance_appendix(prov: dict[str, Any], summaries: pd.DataFrame,
                        tables: dict[str, pd.DataFrame], max_rows: int = 40) -> str:  # fmt: skip
    """For each figure: its rule, stage, and the rows it counts with their source lines.

    The rows are listed when there are at most ``max_rows`` of them; a larger
    count is not listed in part (a sample would not audit it) but named with the
    command that lists them all, so a million-row survey keeps a short appendix.
    """
    out = [rh.paragraph(
        f"Each figure of <code>summaries.csv</code> was computed by the "
        f"<code>{rh.esc(prov['stage'])}</code> stage (<code>{rh.esc(prov['notebook'])}</code>) "
        "by applying a selection rule to a table; the rows it counts and the source lines of "
        "their values follow (line numbers link to the source appendix). Inputs: " + "; ".join(
            f"<code>{rh.esc(p)}</code> sha256 <code>{rh.esc(d['sha256'][:16])}…</code>"
            for p, d in prov["inputs"].items()) + ". The same trace on the command line: "
        "<code>python -m helpers.tools.trace &lt;figure id&gt;</code>.")]
    for _, row in summaries.iterrows():
        fid = row["figure_id"]
        fig = prov["figures"][fid]
        name, rule = fig["table"], fig["numerator"]
        if int(row["n"]) > max_rows:  # the figure's own count: no need to select the rows
            items = [f"{rh.esc(row['n'])} rows, more than are listed here (params.yaml: "
                     f"<code>report.max_listed_rows = {rh.esc(max_rows)}</code>); all of them, "
                     f"with their source lines: <code>python -m helpers.tools.trace "
                     f"{rh.esc(fid)}</code>"]  # fmt: skip
        else:
            rows = rows_behind(name, rule, tables)
            lines = source_lines_of(rows, tables[name], name, list(rule))
            ident, label = row_identity(tables[name], name)
            items = [f"{rh.esc(r[ident])} {rh.esc(_short(r[label])) if label != ident else ''}"
                     f" — lines {', '.join(line_link(n) for n in ls)}"
                     for (_, r), ls in zip(rows.iterrows(), lines, strict=True)]  # fmt: skip
        value = f"n = {rh.esc(row['n'])}"
        if pd.notna(row["base"]):
            value += f" of {rh.esc(row['base'])}"
        if pd.notna(row["pct"]):
            value += f" ({rh.esc(row['pct'])}%)"
        base = f"; base: {rh.esc(describe(fig['base']))}" if fig["base"] is not None else ""
        out.append(
            f'<details id="prov-{rh.esc(fid)}"><summary><code>{rh.esc(fid)}</code> {value}'
            f"</summary><p class=\"note\">Rows: {rh.esc(describe(rule))} in "
            f"<code>{rh.esc(name)}</code>{base}.</p>"
            + (rh.bullet_list(items) if items else "<p class=\"note\">No rows.</p>")
            + "</details>")  # fmt: skip
    return "".join(out)


def _short(text: object, limit: int = 70) -> str:
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def source_appendix(path: str, lines: list[str]) -> str:
    """The source document with numbered lines, each an anchor (src-L<n>)."""
    rows = "".join(
        f'<tr id="src-L{i}"><td class="ln">{i}</td><td>{rh.esc(t)}</td></tr>'
        for i, t in enumerate(lines, start=1)
    )
    return (rh.paragraph(f"<code>{rh.esc(path)}</code>, verbatim, one row per line (blank lines "
                         "included so that numbers match).", "note")
            + f'<div class="table-wrap"><table class="source"><tbody>{rows}</tbody></table></div>')
