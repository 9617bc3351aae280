"""The report's charts: one style, colour-blind-safe colours, checked layout, byte-stable SVG.

Every chart is sized from its number of bars and wrapped labels to fit the PDF's page
(``chart_layout``), drawn, checked from the drawn objects (``chart_layout.layout_problems``:
no overlapping or clipped text, no label unreadable on its bar) and returned as SVG bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from helpers.core import i18n
from helpers.core.i18n import _
from helpers.report import chart_frame as cf
from helpers.report import chart_layout as cl
from helpers.report.chart_many import small_multiples
from helpers.report.chart_palette import (
    MAX_STACKED,
    NEUTRAL,
    NEUTRALS,
    OKABE_ITO,
    SCALE_BLUES,
    category_colors,
    ink_on,
    scale_colors,
)
from helpers.report.formatting import distinct_labels, fmt_compact, fmt_number

__all__ = ["NEUTRAL", "OKABE_ITO", "SCALE_BLUES", "bar_labels", "scale_colors"]


def bar_labels(rows: pd.DataFrame) -> list[str]:
    """Each bar's label: '60.0%  (9/15)'; a weighted figure's '63.1%  (est. 73.9M)'.

    A weighted percentage is never labelled with the unweighted counts: its label gives
    the estimated population count (sum of weights); the chart's note gives the bases.
    """
    weighted = "n_weighted" in rows.columns and rows["n_weighted"].notna().all()
    pcts = [i18n.percent(f"{float(p):.1f}") for p in rows["pct"]]
    if weighted:
        # TRANSLATORS: a bar's label: its weighted percentage and the estimated population
        # count (sum of weights, short form: "73.9M"), "63.1%  (est. 73.9M)".
        label = _("{pct}  (est. {population})")
        return [
            label.format(pct=pct, population=fmt_compact(w))
            for pct, w in zip(pcts, rows["n_weighted"], strict=True)
        ]
    return [
        f"{pct}  ({fmt_number(n)}/{fmt_number(b)})"
        for pct, n, b in zip(pcts, rows["n"], rows["base"], strict=True)
    ]


def proportion_chart(rows: pd.DataFrame, title: str, note: str) -> bytes:
    """Horizontal bars of each answer's percentage with its interval and counts (bar_labels)."""
    names = rows["answer"].tolist()
    if "answer_code" in rows.columns:  # answers labelled alike: told apart by their code
        names = distinct_labels(names, rows["answer_code"].tolist())
    head, foot, used = cf.frame(title, note)
    fit = cl.fit_rows(names, cl.MAX_HEIGHT - used)
    with matplotlib.rc_context(cf.STYLE):
        fig = cf.new_figure(cl.FIG_WIDTH, used + fit.height)
        ax = fig.subplots()
        y = list(range(len(rows)))[::-1]
        pct = rows["pct"].astype(float).to_numpy()
        low = rows["ci_low"].astype(float).to_numpy()
        high = rows["ci_high"].astype(float).to_numpy()
        ax.barh(y, pct, color=OKABE_ITO[0], height=0.6)
        ax.errorbar(
            pct,
            y,
            xerr=[pct - low, high - pct],
            fmt="none",
            ecolor="#333333",
            capsize=min(3, fit.fontsize / 3),
            linewidth=1,
        )
        size = min(cf.VALUE_SIZE, fit.fontsize)
        texts = [
            ax.text(hi + 1.5, yi, label, va="center", fontsize=size)
            for yi, hi, label in zip(y, high, bar_labels(rows), strict=True)
        ]
        ax.set_yticks(y, fit.labels, fontsize=fit.fontsize)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlim(0, 100)
        cf.decorate(fig, head, foot, ax)
        _inside_when_cut(fig, texts, low, OKABE_ITO[0])
        return cl.svg_bytes(fig, title)


def _inside_when_cut(fig: Figure, texts: list[Text], low: Sequence[float], color: str) -> None:
    """Bar labels the layout leaves past the figure's right edge moved inside their bars.

    A label goes right of its interval; a long one (a count of millions, '65.2%
    (5,998,750/9,195,582)') after a long bar can end past the figure's edge, however
    matplotlib narrows the axes. Such a label is drawn inside its bar instead, ending
    before the interval's lower end, in the ink that contrasts with the bar. The
    chart's check (``chart_layout.layout_problems``) still refuses a label that then
    overflows its bar.
    """
    ink = ink_on(color)
    if ink is None:
        return  # neither ink is readable on the bar: the check names a cut label
    renderer = cl.renderer_of(fig)  # laid out with every label right of its interval
    for text, lo in zip(texts, low, strict=True):
        if text.get_window_extent(renderer).x1 > fig.bbox.x1:
            text.set(x=lo - 1.5, horizontalalignment="right", color=ink)


def _segment_labels(fig: Figure, ax: Axes, bars: list, widths: list[float], color: str) -> None:
    """Each segment's percentage, in the ink that contrasts with it, where it fits inside."""
    ink = ink_on(color)
    if ink is None:
        return  # neither black nor white is readable on it: the table has the number
    renderer = fig.canvas.get_renderer()
    for bar, w in zip(bars, widths, strict=True):
        if w < 1:
            continue
        x, y = bar.get_x() + w / 2, bar.get_y() + bar.get_height() / 2
        text = ax.text(
            x, y, i18n.percent(f"{w:.0f}"), ha="center", va="center", fontsize=8, color=ink
        )
        box, room = text.get_window_extent(renderer), bar.get_window_extent(renderer)
        if box.width > room.width - 2 or box.height > room.height:
            text.remove()  # too narrow a segment: the table has the number


def _stacked(
    table: pd.DataFrame,
    answers: Sequence[str],
    names: list[str],
    colors: list[str],
    title: str,
    note: str,
) -> bytes:
    """100% stacked bars, one per group (rows), answers in order, n on the right."""
    head, foot, used = cf.frame(title, note)
    ncol = 3 if max(map(len, names)) <= 16 else 2
    chars = int((cl.FIG_WIDTH * 72 / ncol - 36) / (cf.LEGEND_SIZE * 0.62))  # a column's room
    legend = [cl.wrap(n, chars, 2) for n in names]
    used += (
        math.ceil(len(legend) / ncol) * max(map(cl.lines, legend)) * cf.LEGEND_SIZE * cl.LINE + 0.15
    )
    groups = [cf.group_label(g) for g in table.index]
    fit = cl.fit_rows(groups, cl.MAX_HEIGHT - used, width=20)
    with matplotlib.rc_context(cf.STYLE):
        fig = cf.new_figure(cl.FIG_WIDTH, used + fit.height)
        ax = fig.subplots()
        y = list(range(len(table)))[::-1]
        left = [0.0] * len(table)
        drawn = []
        for answer, name, color in zip(answers, legend, colors, strict=True):
            widths = table[answer].astype(float).fillna(0.0).tolist()
            bars = ax.barh(
                y,
                widths,
                left=left,
                color=color,
                height=0.62,
                label=name,
                edgecolor="white",
                linewidth=0.6,
            )
            drawn.append((list(bars), widths, color))
            left = [a + b for a, b in zip(left, widths, strict=True)]
        for yi, n in zip(y, table["base"], strict=True):
            ax.text(
                101.5, yi, cf.n_label(n), va="center", fontsize=min(cf.VALUE_SIZE, fit.fontsize)
            )
        ax.set_yticks(y, fit.labels, fontsize=fit.fontsize)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, len(table) - 0.4)
        cf.decorate(fig, head, "", ax)
        cf.legend_and_note(fig, ax, note, ncol)
        cl.renderer_of(fig)  # final positions, to see which labels fit their bars
        for bars, widths, color in drawn:
            _segment_labels(fig, ax, bars, widths, color)
        return cl.svg_bytes(fig, title)


def stacked_scale_chart(
    table: pd.DataFrame,
    answers: Sequence[str],
    title: str,
    note: str,
    neutral: Sequence[str] = (),
    labels: Sequence[str] | None = None,
    ordered: bool = True,
) -> bytes:
    """100% stacked bars, one per group (rows), answers in scale order, n on the right.

    ``answers``: the table's columns to stack (keyed by code: ``markup.answer_column``),
    ``neutral`` among them; ``labels``: their names in the legend (default: the keys).
    ``ordered``: blues in scale order, else Okabe-Ito. Past seven answers (or three
    neutral ones) the colours no longer tell answers apart: small multiples instead,
    one panel of bars per group.
    """
    names = [str(n) for n in (answers if labels is None else labels)]
    n_neutral = sum(a in neutral for a in answers)
    if len(answers) - n_neutral > MAX_STACKED or n_neutral > len(NEUTRALS):
        return small_multiples(table, answers, names, neutral, title, note)
    colors = (scale_colors if ordered else category_colors)(answers, neutral)
    return _stacked(table, answers, names, colors, title, note)


def published_vs_data_chart(rows: pd.DataFrame, title: str, note: str) -> bytes:
    """Side-by-side bars: the percentages the source published and those its lists give."""
    head, foot, used = cf.frame(title, note)
    used += 2 * 8.5 * cl.LINE + 0.15  # the legend's two lines
    fit = cl.fit_rows(rows["answer"].tolist(), cl.MAX_HEIGHT - used, per_bar=2)
    size = min(cf.VALUE_SIZE, fit.fontsize)
    with matplotlib.rc_context(cf.STYLE):
        fig = cf.new_figure(cl.FIG_WIDTH, used + fit.height)
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
            label=_("Published (source chart)"),
            hatch="//",
            edgecolor="white",
        )
        ax.barh(
            [v - h / 2 for v in y],
            rec,
            height=h,
            color=OKABE_ITO[0],
            label=_("Recomputed from the source's lists"),
        )
        for yi, p, r in zip(y, pub, rec, strict=True):
            ax.text(p + 1, yi + h / 2, i18n.percent(f"{p:g}"), va="center", fontsize=size)
            ax.text(r + 1, yi - h / 2, i18n.percent(f"{r:.1f}"), va="center", fontsize=size)
        ax.set_yticks(y, fit.labels, fontsize=fit.fontsize)
        ax.set_xlim(0, 100)
        cf.decorate(fig, head, "", ax)
        cf.legend_and_note(fig, ax, note, 1)
        return cl.svg_bytes(fig, title)


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
    if unit:
        # TRANSLATORS: a box chart's note starts with the unit of its values, "In years."
        note = _("In {unit}.").format(unit=unit) + " " + note
    head, foot, used = cf.frame(title, note)
    labels = [
        f"{cf.group_label(lab)} ({cf.n_label(int(n))})"
        for lab, n in zip(stats.index, stats["n"], strict=True)
    ]
    fit = cl.fit_rows(labels, cl.MAX_HEIGHT - used)
    with matplotlib.rc_context(cf.STYLE):
        fig = cf.new_figure(cl.FIG_WIDTH, used + fit.height)
        ax = fig.subplots()
        ax.bxp(
            boxes[::-1],
            orientation="horizontal",
            showmeans=True,
            widths=0.55,
            patch_artist=True,
            boxprops={"facecolor": SCALE_BLUES[-1], "edgecolor": "#333333"},
            medianprops={"color": SCALE_BLUES[0], "linewidth": 2},
            meanprops={
                "marker": "D",
                "markerfacecolor": OKABE_ITO[1],
                "markeredgecolor": "#333333",
                "markersize": 5,
            },
        )
        ax.set_yticks(range(1, len(boxes) + 1), fit.labels[::-1], fontsize=fit.fontsize)
        cf.decorate(fig, head, foot)
        return cl.svg_bytes(fig, title)
