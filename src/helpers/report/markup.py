"""HTML fragments of the report. Every value is escaped: source text is data, never markup.

Numbers are cited by figure id: a table row carries the anchor ``fig-<figure_id>``
and the visible id; prose links to it, so a link can point at one number.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

import pandas as pd

from helpers.core.codebook import Codebook


def esc(value: object) -> str:
    """HTML-escape any value ('' for missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def anchor(figure_id: str) -> str:
    """The HTML id of a figure's row."""
    return f"fig-{figure_id}"


def figure_ref(figure_id: str) -> str:
    """A small link to a figure's row, showing its id."""
    return f'<a class="fid" href="#{esc(anchor(figure_id))}">{esc(figure_id)}</a>'


def provenance_link(figure_id: str) -> str:
    """The figure id, linking to its provenance entry (rows and source lines)."""
    return f'<a href="#prov-{esc(figure_id)}"><code>{esc(figure_id)}</code></a>'


def fmt_pct(value: object) -> str:
    """'60.0%' (or '' when missing), exactly as computed (no re-rounding)."""
    text = esc(value)
    return f"{text}%" if text else ""


def fmt_ci(row: pd.Series) -> str:
    """'35.7–80.2' or ''."""
    low, high = esc(row["ci_low"]), esc(row["ci_high"])
    return f"{low}–{high}" if low and high else ""


def row_of(summaries: pd.DataFrame, figure_id: str) -> pd.Series:
    """The summary row of a figure id (KeyError names the id)."""
    hit = summaries[summaries["figure_id"] == figure_id]
    if len(hit) != 1:
        raise KeyError(f"figure {figure_id!r} not in summaries ({len(hit)} rows)")
    return hit.iloc[0]


def cite(summaries: pd.DataFrame, figure_id: str, what: str = "pct") -> str:
    """A number for prose with its figure id: '60.0% (9 of 15)' + link."""
    row = row_of(summaries, figure_id)
    if what == "n":
        text = esc(row["n"])
    elif what == "n_of_base":
        text = f"{esc(row['n'])} of {esc(row['base'])}"
    elif what == "pct_ci":
        text = f"{fmt_pct(row['pct'])} (CI {fmt_ci(row)}; {esc(row['n'])} of {esc(row['base'])})"
    else:
        text = f"{fmt_pct(row['pct'])} ({esc(row['n'])} of {esc(row['base'])})"
    return f'<span class="num">{text}</span>&#8239;{figure_ref(figure_id)}'


def heading(title: str, anchor_id: str, level: int = 2) -> str:
    """A section heading with an id for the table of contents."""
    return f'<h{level} id="{esc(anchor_id)}">{esc(title)}</h{level}>'


def toc(entries: Iterable[tuple[str, str, int]]) -> str:
    """Table of contents from (anchor, title, level) entries."""
    items = [f'<li class="toc-l{lvl}"><a href="#{esc(a)}">{esc(t)}</a></li>'
             for a, t, lvl in entries]  # fmt: skip
    return '<nav class="toc" aria-label="Contents"><h2 id="contents">Contents</h2><ol>' + \
        "".join(items) + "</ol></nav>"  # fmt: skip


def paragraph(html_text: str, cls: str = "") -> str:
    """A paragraph of already-escaped HTML."""
    return f'<p class="{cls}">{html_text}</p>' if cls else f"<p>{html_text}</p>"


def bullet_list(items: Iterable[str], ordered: bool = False) -> str:
    """A list of already-escaped HTML items."""
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{i}</li>" for i in items) + f"</{tag}>"


def figure(png: bytes, alt: str, caption: str, anchor_id: str) -> str:
    """An embedded PNG chart (data URI) with alt text and a caption."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure id="{esc(anchor_id)}" class="chart"><img src="data:image/png;base64,'
            f'{data}" alt="{esc(alt)}"><figcaption>{caption}</figcaption></figure>')  # fmt: skip


def table(
    df: pd.DataFrame, caption: str = "", row_ids: Sequence[str] | None = None,
    raw_html_columns: Sequence[str] = (), cls: str = "",
) -> str:  # fmt: skip
    """An HTML table; cells are escaped unless their column is in ``raw_html_columns``."""
    head = "".join(f"<th scope=\"col\">{esc(c)}</th>" for c in df.columns)
    body = []
    for i, (_, row) in enumerate(df.iterrows()):
        rid = f' id="{esc(row_ids[i])}"' if row_ids is not None and row_ids[i] else ""
        cells = "".join(
            f"<td>{row[c] if c in raw_html_columns else esc(row[c])}</td>" for c in df.columns
        )
        body.append(f"<tr{rid}>{cells}</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    klass = f' class="{esc(cls)}"' if cls else ""
    return (f'<div class="table-wrap"><table{klass}>{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')  # fmt: skip


def summary_table(
    rows: pd.DataFrame, caption: str, small_n: int, group_label: str | None = None,
) -> str:  # fmt: skip
    """Long-format figure table: group, answer, n, base, %, interval, figure id.

    Rows whose base is below ``small_n`` are flagged with a dagger.
    """
    show = pd.DataFrame({
        **({group_label: rows["group_value"]} if group_label else {}),
        "Answer": rows["answer"],
        "n": rows["n"],
        "Base": [f"{esc(b)}{' †' if pd.notna(b) and b < small_n else ''}" for b in rows["base"]],
        "%": [fmt_pct(p) for p in rows["pct"]],
        "Interval": [fmt_ci(r) for _, r in rows.iterrows()],
        "Figure id": [provenance_link(f) for f in rows["figure_id"]],
    })  # fmt: skip
    ids = [anchor(f) for f in rows["figure_id"]]
    return table(show, caption, row_ids=ids, raw_html_columns=["Base", "%", "Figure id"],
                 cls="figures")  # fmt: skip


def crosstab_matrix(rows: pd.DataFrame, row_label: str) -> pd.DataFrame:
    """Percentages as a matrix: groups by answers (for stacked charts)."""
    matrix = rows.pivot_table(index="group_value", columns="answer", values="pct",
                              aggfunc="first", sort=False).astype(float)  # fmt: skip
    matrix.index.name = row_label
    matrix["base"] = rows.groupby("group_value", sort=False)["base"].first()
    return matrix


def free_text_block(answers: pd.DataFrame, book: Codebook, qid: str,
                    max_rows: int | None = None) -> str:  # fmt: skip
    """The free-text answers of one question (grouped by item), with their source lines.

    At most ``max_rows`` answers per group are listed; a note gives the rest's count.
    """
    q = book.question(qid)
    parts = []
    groups = [(o.code, o.label) for o in q.items] or [("", "")]
    for code, label in groups:
        items_of = answers["item"].astype("string").fillna("")
        sel = answers[(answers["question"] == qid) & (items_of == code)]
        if label:
            parts.append(f'<h4 id="{esc(f"free-{qid}-{code}")}">Activity {esc(code)}: '
                         f"{esc(label)} <span class=\"count\">({len(sel)} answers)</span></h4>")
        listed = sel if max_rows is None else sel.head(max_rows)
        items = [f'{esc(t)} <span class="line">line {esc(n)}</span>'
                 for t, n in zip(listed["text"], listed["line"], strict=True)]  # fmt: skip
        parts.append(bullet_list(items) if items else "<p><em>No answers.</em></p>")
        if len(sel) > len(listed):
            parts.append(f'<p class="note">… and {len(sel) - len(listed)} more in '
                         "<code>data/processed/free_text.csv</code>.</p>")
    return "".join(parts)
