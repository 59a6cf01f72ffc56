"""Presenter mode for figures: the same chart, readable from the back of a classroom.

:func:`presenter_figure` takes any Plotly figure this package builds and returns a
restyled copy: larger type everywhere (titles, axes, legends, hover labels, labels
on points, annotations), markers about 1.7× larger with a dark outline so pale
colours still stand out on a projector, and thicker lines. Colours are left as
they are: every figure already draws from the colour-blind-safe palettes in
:mod:`embedlab.palette`, and presenter spans use the same strong colours as the
maps' markers. The input figure is never changed (figures may be cached and shared).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

__all__ = ["presenter_figure", "PRESENTER_FONT_SIZE"]

#: Base font size (px) of a figure in presenter mode (Plotly's default is 12).
PRESENTER_FONT_SIZE = 20
_MARKER_SCALE = 1.7
_MIN_MARKER = 10  # px: nothing smaller than this on a projector
_LINE_SCALE = 2.0
_OUTLINE = {"width": 1.5, "color": "#1A1A1A"}


def _scaled(size: Any, scale: float, floor: float) -> Any:
    """A marker size (None, a number or an array of numbers) scaled, never below ``floor``."""
    if size is None:
        return max(6 * scale, floor)  # Plotly's default marker size is 6
    if isinstance(size, (int, float)) and not isinstance(size, bool):
        return max(size * scale, floor)
    arr = np.asarray(size, dtype=float)
    return np.maximum(arr * scale, floor)


def _font(font: Any, size: float) -> dict:
    """A font dict with at least ``size`` px (keeps a given larger size, colour and family)."""
    d = font.to_plotly_json() if hasattr(font, "to_plotly_json") else dict(font or {})
    d["size"] = max(d.get("size") or 0, size)
    return d


def presenter_figure(fig: go.Figure, *, font_size: int = PRESENTER_FONT_SIZE) -> go.Figure:
    """A restyled copy of ``fig`` for presenter mode (see the module docstring).

    >>> f = presenter_figure(go.Figure(go.Scatter(x=[0, 1], y=[1, 0], marker={"size": 8})))
    >>> f.data[0].marker.size, f.layout.font.size
    (13.6, 20)
    """
    if not isinstance(fig, go.Figure):
        raise TypeError(f"presenter_figure expects a plotly.graph_objects.Figure, got {type(fig).__name__}")
    out = go.Figure(fig)  # a deep copy: the cached original stays as it was
    big, small = font_size, round(font_size * 0.9)
    out.update_layout(
        font=_font(out.layout.font, big),
        title_font=_font(out.layout.title.font, round(font_size * 1.3)),
        legend_font=_font(out.layout.legend.font, small),
        hoverlabel_font=_font(out.layout.hoverlabel.font, big),
    )
    out.update_xaxes(tickfont_size=small, title_font_size=big)
    out.update_yaxes(tickfont_size=small, title_font_size=big)
    if out.layout.scene:  # 3-D maps
        for axis in ("xaxis", "yaxis", "zaxis"):
            out.layout.scene[axis].tickfont.size = small
            out.layout.scene[axis].title.font.size = big
    for ann in out.layout.annotations or ():
        ann.font = _font(ann.font, small)
        if ann.arrowwidth:
            ann.arrowwidth = ann.arrowwidth * _LINE_SCALE
    for trace in out.data:
        kind = trace.type
        if kind in ("scatter", "scattergl", "scatter3d"):
            mode = trace.mode or "markers"
            if "markers" in mode:
                floor = _MIN_MARKER * (0.6 if kind == "scatter3d" else 1)  # 3-D sizes read larger
                trace.marker.size = _scaled(trace.marker.size, _MARKER_SCALE, floor)
                if not (trace.marker.line and trace.marker.line.width):
                    trace.marker.line = _OUTLINE
            if "lines" in mode:
                trace.line.width = (trace.line.width or 2) * _LINE_SCALE
            if "text" in mode:
                trace.textfont = _font(trace.textfont, small)
        elif kind == "heatmap" and trace.texttemplate:
            trace.textfont = _font(trace.textfont, small)
        elif kind == "bar":
            trace.textfont = _font(trace.textfont, small)
    for shape in out.layout.shapes or ():
        if shape.line and shape.line.width:
            shape.line.width = shape.line.width * _LINE_SCALE
    return out
