"""The charts' colours: Okabe-Ito for unordered answers, a blue ramp for scales, WCAG contrast."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.colors import LinearSegmentedColormap, to_hex, to_rgb

# Okabe-Ito palette (distinguishable with the common colour-vision deficiencies).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
NEUTRAL = "#9E9E9E"
# Answers outside the scale ("don't know", "refused"): distinct greys, NEUTRAL first.
NEUTRALS = [NEUTRAL, "#616161", "#D0D0D0"]
# Ordered scales: seven blues, dark to light, each a clear lightness step from the next
# (ColorBrewer Blues without its two palest shades, which vanish on white paper).
SCALE_BLUES = ["#08306B", "#08519C", "#2171B5", "#4292C6", "#6BAED6", "#9ECAE1", "#C6DBEF"]
# Past these many colours a stacked bar is no longer readable: small multiples instead.
MAX_STACKED = len(SCALE_BLUES)
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text
INK = {"black": "#000000", "white": "#FFFFFF"}  # one of them reaches 4.58:1 on any colour


def luminance(color: object) -> float:
    """WCAG 2.1 relative luminance of a colour (any matplotlib colour spec)."""
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(a: object, b: object) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ink_on(background: object) -> str | None:
    """Near-black or white, whichever contrasts more with the background; None below 4.5:1."""
    best = max(INK.values(), key=lambda ink: contrast(ink, background))
    return best if contrast(best, background) >= MIN_CONTRAST else None


def _neutral_colors(count: int) -> list[str]:
    """Distinct greys for ``count`` answers outside the scale (a ramp past three)."""
    if count <= len(NEUTRALS):
        return NEUTRALS[:count]
    ramp = LinearSegmentedColormap.from_list("greys", ["#424242", "#E0E0E0"])
    return [NEUTRAL] + [to_hex(ramp(i / (count - 2))) for i in range(count - 1)]


def scale_colors(labels: Sequence[str], neutral: Sequence[str] = ()) -> list[str]:
    """One distinct colour per answer: blues in scale order, greys for non-scale answers."""
    scale = [lab for lab in labels if lab not in neutral]
    if len(scale) > len(SCALE_BLUES):  # a long scale (24 income bands): blues interpolated
        ramp = LinearSegmentedColormap.from_list("scale", SCALE_BLUES)
        blues = [to_hex(ramp(i / (len(scale) - 1))) for i in range(len(scale))]
    else:  # spread over the seven steps, darkest and lightest kept
        last = len(SCALE_BLUES) - 1
        blues = [SCALE_BLUES[round(i * last / max(1, len(scale) - 1))] for i in range(len(scale))]
    return _assign(labels, neutral, blues)


def category_colors(labels: Sequence[str], neutral: Sequence[str] = ()) -> list[str]:
    """One distinct colour per unordered answer (Okabe-Ito), greys for non-scale answers."""
    n = len([lab for lab in labels if lab not in neutral])
    if n > len(OKABE_ITO):
        raise ValueError(f"{n} unordered answers: more than {len(OKABE_ITO)} colours")
    return _assign(labels, neutral, OKABE_ITO[:n])


def _assign(labels: Sequence[str], neutral: Sequence[str], colors: list[str]) -> list[str]:
    """Scale answers take ``colors`` in order, neutral ones distinct greys in order."""
    scale, greys = iter(colors), iter(_neutral_colors(sum(lab in neutral for lab in labels)))
    return [next(greys) if lab in neutral else next(scale) for lab in labels]
