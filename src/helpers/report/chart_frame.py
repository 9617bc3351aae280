"""The frame every chart shares: its style, title, note, legend and size on the page."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers.core import i18n
from helpers.core.codebook import ALL_LABEL
from helpers.core.i18n import _
from helpers.report import chart_layout as cl
from helpers.report.formatting import fmt_number

# Figures are built with the object API (no pyplot: no global figure registry, no GUI
# backend selection, and about 0.2 s less to import).
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "svg.fonttype": "none",  # text stays text: selectable, scalable, searchable
    "svg.hashsalt": "report",  # fixed clip-path ids: byte-stable output
    "text.parse_math": False,  # labels are text: "$3,000-$4,999" is not TeX
}
TITLE_SIZE, NOTE_SIZE, VALUE_SIZE, LEGEND_SIZE = 11, 8.5, 9, 8.5
NOTE_COLOR = "#444444"
AXIS_ROOM = 0.45  # inches: tick labels of the value axis and padding


def n_label(n: object) -> str:
    """A group's unweighted base as a chart writes it: 'n=40' ('n=1,234')."""
    # TRANSLATORS: a chart's group size (unweighted number of respondents), "n=40".
    return _("n={n}").format(n=fmt_number(n))


def group_label(label: object) -> str:
    """A group's label as drawn; the overall row's ('All respondents') in the edition's words.

    No codebook label can equal :data:`ALL_LABEL` (the codebook check reserves it), so a
    row so labelled is the overall row, whichever section built the chart's table.
    """
    return _(ALL_LABEL) if label == ALL_LABEL else str(label)


def frame(title: str, note: str, width: float = cl.FIG_WIDTH) -> tuple[str, str, float]:
    """The wrapped title and note and the height (inches) they and the value axis take."""
    head = cl.wrap(title, int(width * 72 / (TITLE_SIZE * 0.68)), 3)
    foot = cl.fit_text(note, NOTE_SIZE, width)
    used = cl.lines(head) * TITLE_SIZE * cl.LINE + cl.lines(foot) * NOTE_SIZE * cl.LINE
    return head, foot, used + AXIS_ROOM + 0.25


def new_figure(width: float, height: float) -> Figure:
    """A figure ``width`` inches wide, at most the page's height, laid out by matplotlib."""
    return Figure(figsize=(width, min(height, cl.MAX_HEIGHT)), layout="constrained")


def decorate(fig: Figure, head: str, foot: str, ax: Axes | None = None) -> None:
    """Title above and note (if any) below, from the figure's left edge; a 0-100% axis."""
    fig.suptitle(head, x=0.01, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    if foot:
        fig.supxlabel(foot, x=0.01, ha="left", fontsize=NOTE_SIZE, color=NOTE_COLOR)
    if ax is not None:
        ax.set_xticks(range(0, 101, 25), [i18n.percent(t) for t in range(0, 101, 25)])


def legend_and_note(fig: Figure, ax: Axes, note: str, ncol: int) -> None:
    """The legend under the axes, the note between them, wrapped to the axes' drawn width."""
    fig.legend(ncol=ncol, loc="outside lower left", frameon=False, fontsize=LEGEND_SIZE)
    ax.set_xlabel(
        cl.fit_text(note, NOTE_SIZE, cl.FIG_WIDTH / 2),
        fontsize=NOTE_SIZE,
        color=NOTE_COLOR,
        loc="left",
    )
    width = ax.get_window_extent(cl.renderer_of(fig)).width / fig.dpi
    ax.set_xlabel(
        cl.fit_text(note, NOTE_SIZE, width), fontsize=NOTE_SIZE, color=NOTE_COLOR, loc="left"
    )
