"""One colour-blind-safe palette for token spans *and* map points.

Paul Tol's "light" scheme is designed for backgrounds behind black text and
stays distinguishable under the common colour-vision deficiencies; the
Okabe–Ito scheme is used for markers and lines (strong colours on white).
Using the same order in both places lets a student match a span to a point.
"""

from __future__ import annotations

# Paul Tol, "light" qualitative scheme (background tints for spans).
SPAN_COLOURS: tuple[str, ...] = (
    "#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF",
    "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD",
)

# Okabe & Ito (2008), colour-universal design (markers, lines).
MARKER_COLOURS: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
    "#D55E00", "#F0E442", "#000000",
)

# Presenter mode: one high-contrast palette for spans *and* markers. Okabe & Ito's
# strong colours (without black, which is kept for highlights) as span backgrounds,
# each with whichever of black or white text reads better on it (WCAG contrast), so a
# projector's washed-out pastels never carry meaning alone.
PRESENTER_COLOURS: tuple[str, ...] = tuple(c for c in MARKER_COLOURS if c != "#000000")

# Diverging scale for signed values (vector heatmaps), centred on 0: blue–white–red
# (ColorBrewer RdBu, which is colour-blind safe).
DIVERGING = "RdBu_r"
# Sequential scale for similarities / magnitudes.
SEQUENTIAL = "Viridis"


def span_colour(i: int) -> str:
    """Background colour for the i-th token span (stable: depends only on position)."""
    return SPAN_COLOURS[i % len(SPAN_COLOURS)]


def marker_colour(i: int) -> str:
    """Marker colour for the i-th category or highlighted token."""
    return MARKER_COLOURS[i % len(MARKER_COLOURS)]


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    h = hex_colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"expected a colour like '#0072B2', got {hex_colour!r}")
    chans = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two ``#RRGGBB`` colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background``."""
    return "#000000" if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#FFFFFF") else "#FFFFFF"


def presenter_span_colours(i: int) -> tuple[str, str]:
    """(background, text colour) of the i-th token span in presenter mode: the map's palette."""
    bg = PRESENTER_COLOURS[i % len(PRESENTER_COLOURS)]
    return bg, text_colour_on(bg)
