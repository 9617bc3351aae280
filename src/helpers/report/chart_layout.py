"""Chart sizes that fit the PDF page, labels that fit their bars, and a check of the drawn figure.

The PDF's content box is A4 less report.css's @page margins (16 mm each side, 18 mm top,
20 mm bottom): 178 x 259 mm. A figure (with its caption below it) must fit in it unscaled.
"""

from __future__ import annotations

import io
import itertools
import textwrap
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from helpers.report.chart_palette import MIN_CONTRAST, contrast

MM = 1 / 25.4
PAGE_WIDTH = (210 - 2 * 16) * MM  # inches: the PDF content box
PAGE_HEIGHT = (297 - 18 - 20) * MM
MAX_HEIGHT = PAGE_HEIGHT - 1.4  # room for the caption (a few lines) under the chart
FIG_WIDTH = 5.0  # inches; body-size text at its natural size, legible scaled to a phone
WIDE_WIDTH = 6.2  # small multiples
LINE = 1.25 / 72  # inches per point of font size, one line of text
TOLERANCE = 0.5  # pixels: extents touching within this do not count as overlapping


class ChartLayoutError(ValueError):
    """A drawn chart has overlapping or clipped text, is too large, or has unreadable labels."""


def wrap(text: object, width: int, max_lines: int) -> str:
    """Break on words into at most ``max_lines`` lines of ``width``; cut the rest with '…'."""
    lines = textwrap.wrap(str(text), width, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = [
            *lines[: max_lines - 1],
            textwrap.shorten(" ".join(lines[max_lines - 1 :]), width, placeholder="…"),
        ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Rows:
    """How a chart's bars are drawn: their labels (wrapped), font size and pitch (inches)."""

    labels: list[str]
    fontsize: float
    pitch: float
    fits: bool = True  # False: even the smallest text does not fit the room given

    @property
    def height(self) -> float:
        """The bars' total height in inches."""
        return self.pitch * len(self.labels)


def fit_rows(labels: list[object], room: float, width: int = 22, per_bar: int = 1) -> Rows:
    """The largest readable rows whose total height fits ``room`` inches.

    Tries 10 pt labels on up to three lines first, then fewer lines and smaller text;
    ``per_bar`` is the number of text lines a row needs besides its label (two bars each
    with a value label need two).
    """
    n = max(1, len(labels))
    for fontsize, lines in [(10, 3), (9, 3), (9, 2), (8.5, 1), (8, 1), (7.5, 1), (7, 1)]:
        chars = round(width * 9 / fontsize)
        wrapped = [wrap(lab, chars, lines) for lab in labels]
        most = max([s.count("\n") + 1 for s in wrapped] + [per_bar])
        pitch = max(0.32, most * fontsize * LINE + 0.12)
        if pitch * n <= room:
            return Rows(wrapped, fontsize, pitch)
    return Rows(wrapped, fontsize, max(room / n, fontsize * LINE * per_bar), fits=False)


def fit_text(text: str, fontsize: float, width: float = FIG_WIDTH) -> str:
    """Break a title or note into lines that fit a figure ``width`` inches wide."""
    chars = int(width * 72 / (fontsize * 0.62))
    return "\n".join(textwrap.wrap(text, chars, break_on_hyphens=False))


def lines(text: str) -> int:
    """The number of lines of a (wrapped) text."""
    return text.count("\n") + 1 if text else 0


def svg_bytes(fig: Figure, title: str) -> bytes:
    """The checked figure as SVG: text kept as text, no date, fixed ids (byte-stable)."""
    problems = layout_problems(fig)
    if problems:
        more = f"; and {len(problems) - 8} more" if len(problems) > 8 else ""
        raise ChartLayoutError(f"chart {title!r}: " + "; ".join(problems[:8]) + more)
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def renderer_of(fig: Figure) -> RendererAgg:
    """The figure's renderer (an Agg canvas attached if it has none), after a full layout."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    return fig.canvas.get_renderer()


def _undrawn_ticks(fig: Figure) -> set[int]:
    """Ids of tick labels outside their axis' view (matplotlib keeps them but draws none)."""
    skip = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = (hi - lo) * 1e-9
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - eps <= tick.get_loc() <= hi + eps:
                    skip |= {id(tick.label1), id(tick.label2)}
    return skip


def _texts(fig: Figure) -> list[tuple[Text, Bbox]]:
    """Every drawn, non-empty text of the figure with its extent (pixels)."""
    renderer = renderer_of(fig)
    skip = _undrawn_ticks(fig)
    found = [
        t
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and id(t) not in skip
    ]
    return [(t, t.get_window_extent(renderer)) for t in found]


def _overlap(a: Bbox, b: Bbox) -> bool:
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
    return dx > TOLERANCE and dy > TOLERANCE


def _inside(inner: Bbox, outer: Bbox) -> bool:
    out = outer.padded(TOLERANCE)
    return out.x0 <= inner.x0 and inner.x1 <= out.x1 and out.y0 <= inner.y0 and inner.y1 <= out.y1


def _bars(fig: Figure) -> list[tuple[Bbox, object]]:
    """Every bar (a filled rectangle of an axes) with its drawn extent and face colour."""
    renderer = fig.canvas.get_renderer()  # laid out by _texts
    return [
        (p.get_window_extent(renderer), p.get_facecolor())
        for ax in fig.axes
        for p in ax.patches
        if isinstance(p, Rectangle) and p.get_fill()
    ]


def _contrast_problems(fig: Figure, texts: list[tuple[Text, Bbox]]) -> list[str]:
    """Texts drawn on a bar they overflow, or with contrast below 4.5:1 on what is behind them."""
    problems = []
    bars = _bars(fig)
    for t, box in texts:
        x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        under = [(extent, color) for extent, color in bars if extent.contains(x, y)]
        extent, background = under[-1] if under else (None, fig.get_facecolor())  # topmost
        if extent is not None and not _inside(box, extent):
            problems.append(f"text {t.get_text()!r} overflows its bar")
        ratio = contrast(t.get_color(), background)
        if ratio < MIN_CONTRAST:
            problems.append(f"text {t.get_text()!r} has contrast {ratio:.1f}:1 on its background")
    return problems


def layout_problems(fig: Figure) -> list[str]:
    """What is wrong with a drawn figure, each problem a sentence naming its texts.

    A size beyond the PDF's page, texts outside the figure or overlapping, text on a bar
    it overflows or contrasts poorly with (WCAG 2.1: below 4.5:1).
    """
    problems = []
    width, height = fig.get_size_inches()
    if width > PAGE_WIDTH + 1e-6 or height > MAX_HEIGHT + 1e-6:
        problems.append(
            f"figure {width:.1f} x {height:.1f} in exceeds the page's "
            f"{PAGE_WIDTH:.1f} x {MAX_HEIGHT:.1f} in"
        )
    texts = _texts(fig)
    problems += [
        f"text {t.get_text()!r} outside the figure"
        for t, box in texts
        if not _inside(box, fig.bbox)
    ]
    problems += [
        f"texts {a.get_text()!r} and {b.get_text()!r} overlap"
        for (a, box_a), (b, box_b) in itertools.combinations(texts, 2)
        if _overlap(box_a, box_b)
    ]
    return problems + _contrast_problems(fig, texts)
