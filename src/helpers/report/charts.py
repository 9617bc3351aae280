"""The report's charts: one style, colour-blind-safe colours, deterministic PNG bytes."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from helpers.report.markup import distinct_labels, fmt_compact
from helpers.report.templating import LABEL_CAP, cap_text

# Figures are built with the object API (no pyplot: no global figure registry, no GUI
# backend selection, and about 0.2 s less to import); PNG output goes through Agg.

# Okabe-Ito palette (distinguishable with the common colour-vision deficiencies).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
NEUTRAL = "#9E9E9E"
# Ordered rating scales: dark to light blue for the scale, grey for "don't know".
SCALE_BLUES = ["#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#EFF3FF"]
# Figures are drawn narrow (about 5 in) with body-size text: at their natural size on a
# desktop the text matches the report's, and scaled down to a phone's width (about 370 px)
# it stays legible; the PDF fits them in its column unscaled.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "svg.hashsalt": "report",
    "text.parse_math": False,  # labels are text: "$3,000-$4,999" is not TeX
}
DPI = 110
NOTE_WIDTH = 75  # characters per line of a chart's note
LABEL_WIDTH = 18  # characters per line of a bar's label
LEGEND_WIDTH = 60  # a legend entry longer than this is cut (LABEL_CAP) and broken into lines
NOTE_CAP = 4 * LABEL_CAP  # a note names up to a few labels; longer ones are cut with "…"


def png_bytes(fig: Figure) -> bytes:
    """Render a figure to PNG without the version-stamped 'Software' chunk."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def wrap_note(note: str) -> str:
    """Break a chart's note into lines that fit the figure's width."""
    return "\n".join(textwrap.wrap(cap_text(note, NOTE_CAP), NOTE_WIDTH))


def chart_title(title: str) -> str:
    """A chart's title; one longer than LABEL_CAP is cut with "…" and broken into lines."""
    return title if len(title) <= LABEL_CAP else textwrap.fill(cap_text(title), NOTE_WIDTH)


def wrap_labels(labels: Sequence[object]) -> list[str]:
    """Break long bar labels into lines, so that they do not squeeze the bars."""
    return [textwrap.fill(cap_text(label), LABEL_WIDTH) for label in labels]


def scale_colors(labels: Sequence[str], neutral: Sequence[str] = ()) -> list[str]:
    """One colour per answer: blues in scale order, grey for non-scale answers."""
    scale = [lab for lab in labels if lab not in neutral]
    if len(scale) > len(SCALE_BLUES):  # a long scale (24 income bands): blues interpolated
        from matplotlib.colors import LinearSegmentedColormap, to_hex

        ramp = LinearSegmentedColormap.from_list("scale", list(SCALE_BLUES))
        blues = iter([to_hex(ramp(i / (len(scale) - 1))) for i in range(len(scale))])
    else:
        step = max(1, (len(SCALE_BLUES) - 1) // max(1, len(scale) - 1)) if len(scale) > 1 else 1
        blues = iter(SCALE_BLUES[::step] + SCALE_BLUES)
    return [NEUTRAL if lab in neutral else next(blues) for lab in labels]


def bar_labels(rows: pd.DataFrame) -> list[str]:
    """Each bar's label: '60.0%  (9/15)'; a weighted figure's '63.1%  (est. 73.9M)'.

    A weighted percentage is never labelled with the unweighted counts: its label gives
    the estimated population count (sum of weights); the chart's note gives the bases.
    """
    weighted = "n_weighted" in rows.columns and rows["n_weighted"].notna().all()
    if weighted:
        return [
            f"{float(p):.1f}%  (est. {fmt_compact(w)})"
            for p, w in zip(rows["pct"], rows["n_weighted"], strict=True)
        ]
    return [
        f"{float(p):.1f}%  ({n}/{b})"
        for p, n, b in zip(rows["pct"], rows["n"], rows["base"], strict=True)
    ]


def proportion_chart(rows: pd.DataFrame, title: str, note: str) -> bytes:
    """Horizontal bars of each answer's percentage with its interval and counts (bar_labels)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(4.8, 0.45 * len(rows) + 1.1))
        ax = fig.subplots()
        y = range(len(rows))[::-1]
        pct = rows["pct"].astype(float).to_numpy()
        low = rows["ci_low"].astype(float).to_numpy()
        high = rows["ci_high"].astype(float).to_numpy()
        ax.barh(list(y), pct, color=OKABE_ITO[0], height=0.55)
        ax.errorbar(
            pct,
            list(y),
            xerr=[pct - low, high - pct],
            fmt="none",
            ecolor="#333333",
            capsize=3,
            linewidth=1,
        )
        for yi, hi, label in zip(y, high, bar_labels(rows), strict=True):
            ax.text(hi + 1.5, yi, label, va="center", fontsize=9)
        names = rows["answer"].tolist()
        if "answer_code" in rows.columns:  # answers labelled alike: told apart by their code
            names = distinct_labels(names, rows["answer_code"].tolist())
        ax.set_yticks(list(y), wrap_labels(names))
        ax.set_xlim(0, 125)
        ax.set_xticks(range(0, 101, 25), [f"{t}%" for t in range(0, 101, 25)])
        ax.set_title(chart_title(title))
        ax.set_xlabel(wrap_note(note), fontsize=8.5, color="#444444", loc="left")
        return png_bytes(fig)


def stacked_scale_chart(
    table: pd.DataFrame,
    answers: Sequence[str],
    title: str,
    note: str,
    neutral: Sequence[str] = (),
    labels: Sequence[str] | None = None,
) -> bytes:
    """100% stacked bars, one per group (rows), answers in scale order, n on the right.

    ``answers``: the table's columns to stack (keyed by code: ``markup.answer_column``),
    ``neutral`` among them; ``labels``: their names in the legend (default: the keys).
    """
    colors = scale_colors(answers, neutral)
    names = [
        n if len(n) <= LEGEND_WIDTH else textwrap.fill(cap_text(n), LEGEND_WIDTH)
        for n in map(str, answers if labels is None else labels)
    ]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(5.0, 0.5 * len(table) + 1.6), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(table)))[::-1]
        left = [0.0] * len(table)
        for answer, name, color in zip(answers, names, colors, strict=True):
            widths = table[answer].astype(float).fillna(0.0).tolist()
            ax.barh(
                y,
                widths,
                left=left,
                color=color,
                height=0.6,
                label=name,
                edgecolor="white",
                linewidth=0.6,
            )
            for yi, l0, w in zip(y, left, widths, strict=True):
                if w >= 9:
                    dark = color in SCALE_BLUES[:2]
                    ax.text(
                        l0 + w / 2,
                        yi,
                        f"{w:.0f}%",
                        ha="center",
                        va="center",
                        fontsize=8.5,
                        color="white" if dark else "#111111",
                    )
            left = [a + b for a, b in zip(left, widths, strict=True)]
        for yi, n in zip(y, table["base"], strict=True):
            ax.text(101.5, yi, f"n={n}", va="center", fontsize=9)
        ax.set_yticks(y, wrap_labels(table.index.tolist()))
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 25), [f"{t}%" for t in range(0, 101, 25)])
        fig.legend(ncol=min(len(answers), 3), loc="outside lower left", frameon=False, fontsize=8.5)
        ax.set_title(chart_title(title))
        ax.set_xlabel(wrap_note(note), fontsize=8.5, color="#444444", loc="left")
        return png_bytes(fig)


def published_vs_data_chart(rows: pd.DataFrame, title: str, note: str) -> bytes:
    """Side-by-side bars: the percentages the source published and those its lists give."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(4.8, 0.7 * len(rows) + 1.3), layout="constrained")
        ax = fig.subplots()
        y = list(range(len(rows)))[::-1]
        h = 0.36
        pub = rows["stated"].astype(float).tolist()
        rec = rows["recomputed"].astype(float).tolist()
        ax.barh(
            [v + h / 2 for v in y],
            pub,
            height=h,
            color=OKABE_ITO[5],
            label="Published (source chart)",
            hatch="//",
            edgecolor="white",
        )
        ax.barh(
            [v - h / 2 for v in y],
            rec,
            height=h,
            color=OKABE_ITO[0],
            label="Recomputed from the source's lists",
        )
        for yi, p, r in zip(y, pub, rec, strict=True):
            ax.text(p + 1, yi + h / 2, f"{p:g}%", va="center", fontsize=9)
            ax.text(r + 1, yi - h / 2, f"{r:.1f}%", va="center", fontsize=9)
        ax.set_yticks(y, wrap_labels(rows["answer"].tolist()))
        ax.set_xlim(0, 115)
        ax.set_xticks(range(0, 101, 25), [f"{t}%" for t in range(0, 101, 25)])
        fig.legend(loc="outside lower left", ncol=1, frameon=False, fontsize=8.5)
        ax.set_title(chart_title(title))
        ax.set_xlabel(wrap_note(note), fontsize=8.5, color="#444444", loc="left")
        return png_bytes(fig)


def distribution_chart(stats: pd.DataFrame, title: str, note: str, unit: str = "") -> bytes:
    """One box per group, drawn from its figures: quartiles, median, mean (diamond), min-max.

    ``stats``: one row per group (index: its label) with columns min, p25, median,
    p75, max, mean and n, the numeric question's figures (not the raw values).
    """
    boxes = [
        {
            "label": label,
            "whislo": r["min"],
            "q1": r["p25"],
            "med": r["median"],
            "q3": r["p75"],
            "whishi": r["max"],
            "mean": r["mean"],
            "fliers": [],
        }
        for label, r in stats.iterrows()
    ]
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(5.0, 0.45 * len(stats) + 1.3), layout="constrained")
        ax = fig.subplots()
        ax.bxp(
            boxes[::-1],
            orientation="horizontal",
            showmeans=True,
            widths=0.55,
            patch_artist=True,
            boxprops={"facecolor": SCALE_BLUES[3], "edgecolor": "#333333"},
            medianprops={"color": SCALE_BLUES[0], "linewidth": 2},
            meanprops={
                "marker": "D",
                "markerfacecolor": OKABE_ITO[1],
                "markeredgecolor": "#333333",
                "markersize": 5,
            },
        )
        labels = [f"{lab} (n={int(n)})" for lab, n in zip(stats.index, stats["n"], strict=True)]
        ax.set_yticks(range(1, len(boxes) + 1), wrap_labels(labels[::-1]))
        ax.set_title(chart_title(title))
        axis = f"In {unit}. " if unit else ""
        ax.set_xlabel(wrap_note(axis + note), fontsize=8.5, color="#444444", loc="left")
        return png_bytes(fig)
