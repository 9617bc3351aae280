"""Charts of answers too many for the colours of a stacked bar: small multiples, shaded table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, to_hex

from helpers.core import i18n
from helpers.core.i18n import _
from helpers.report import chart_frame as cf
from helpers.report import chart_layout as cl
from helpers.report.chart_palette import NEUTRAL, OKABE_ITO, SCALE_BLUES, ink_on

HEADS = 1.5  # inches: the column heads, turned, one line of up to 24 characters and n


def _panel_grid(groups: int, answers: list[str], room: float) -> tuple[int, int, cl.Rows]:
    """Columns and rows of panels (at most four across) and their bars, the largest readable."""
    for ncols in range(1, min(4, groups) + 1):
        nrows = math.ceil(groups / ncols)
        fit = cl.fit_rows(answers, room / nrows - 0.75, width=18)
        if fit.fontsize >= 8:
            break
    return ncols, nrows, fit


def _heatmap(
    table: pd.DataFrame, answers: Sequence[str], names: list[str], title: str, note: str
) -> bytes:
    """A shaded table: a row per answer, a column per group, each cell its percentage."""
    # TRANSLATORS: the end of a shaded table's note: what each cell's number is.
    cells = _("Cells: % of the column's respondents.")
    head, foot, used = cf.frame(title, f"{note} {cells}", cl.WIDE_WIDTH)
    heads = [
        f"{cl.wrap(cf.group_label(g), 24, 1)}\n({cf.n_label(n)})"
        for g, n in zip(table.index, table["base"], strict=True)
    ]
    fit = cl.fit_rows(names, cl.MAX_HEIGHT - used - HEADS, width=20)
    shares = table[list(answers)].astype(float).fillna(0.0).to_numpy()
    top = max(float(shares.max()), 1.0)
    ramp = LinearSegmentedColormap.from_list("cells", ["#FFFFFF", *SCALE_BLUES[::-1]])
    with matplotlib.rc_context(cf.STYLE):
        fig = cf.new_figure(cl.WIDE_WIDTH, used + fit.height + HEADS)
        ax = fig.subplots()
        y = list(range(len(answers)))[::-1]
        for col, widths in enumerate(shares):
            colors = [to_hex(ramp(v / top)) for v in widths]
            ax.barh(y, [1.0] * len(y), left=col, height=1.0, color=colors, edgecolor="white")
            for yi, v, c in zip(y, widths, colors, strict=True):
                if ink_on(c) is not None:  # else the table below has the number
                    ax.text(
                        col + 0.5,
                        yi,
                        i18n.number(f"{v:.0f}"),
                        ha="center",
                        va="center",
                        fontsize=min(7.5, fit.fontsize),
                        color=ink_on(c),
                    )
        ax.set_yticks(y, fit.labels, fontsize=fit.fontsize)
        ax.set_xticks([c + 0.5 for c in range(len(heads))], heads, rotation=90, fontsize=7)
        ax.xaxis.tick_top()
        ax.set_xlim(0, len(heads))
        ax.set_ylim(-0.5, len(y) - 0.5)
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        cf.decorate(fig, head, foot)
        return cl.svg_bytes(fig, title)


def _panel_ticks(top: float) -> list[float]:
    """Two or three round ticks, the last well inside the axis (its label clear of the next)."""
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if s * 2 >= top * 0.75)
    return [t * step for t in range(3) if t * step <= top * 0.8]


def small_multiples(
    table: pd.DataFrame,
    answers: Sequence[str],
    names: list[str],
    neutral: Sequence[str],
    title: str,
    note: str,
) -> bytes:
    """One panel per group (table row): a bar per answer, the same percentage axis in each."""
    head, foot, used = cf.frame(title, note, cl.WIDE_WIDTH)
    ncols, nrows, fit = _panel_grid(len(table), names, cl.MAX_HEIGHT - used)
    if not fit.fits:  # too many groups for panels: a shaded table
        return _heatmap(table, answers, names, title, note)
    top = max(5.0, float(table[list(answers)].astype(float).max().max()) * 1.08)
    colors = [NEUTRAL if a in neutral else OKABE_ITO[0] for a in answers]
    chars = int((cl.WIDE_WIDTH - 1.6) / ncols * 72 / (8.5 * 0.6))
    with matplotlib.rc_context(cf.STYLE):
        fig = cf.new_figure(cl.WIDE_WIDTH, used + nrows * (fit.height + 0.75))
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
        y = list(range(len(answers)))[::-1]
        shares = table[list(answers)].astype(float).fillna(0.0)
        panels = zip(table.index, table["base"], shares.to_numpy(), strict=True)
        for ax, (group, base, widths) in zip(axes, panels, strict=False):
            ax.barh(y, widths, color=colors, height=0.7)
            ax.tick_params(axis="y", labelsize=fit.fontsize)
            ax.set_title(
                f"{cl.wrap(cf.group_label(group), chars, 2)}\n{cf.n_label(base)}",
                fontsize=8.5,
                fontweight="normal",
                loc="left",
            )
            ax.set_xlim(0, top)
            ax.set_xticks(_panel_ticks(top), [i18n.percent(f"{t:g}") for t in _panel_ticks(top)])
            ax.tick_params(axis="x", labelsize=7.5, labelbottom=True)
        for ax in axes[len(table) :]:
            ax.set_visible(False)
        axes[0].set_yticks(y, fit.labels, fontsize=fit.fontsize)
        axes[0].set_ylim(-0.6, len(answers) - 0.4)
        cf.decorate(fig, head, foot)
        return cl.svg_bytes(fig, title)
