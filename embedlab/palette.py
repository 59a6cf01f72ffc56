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
