"""Shared Plotly figure builders (pure functions: data in, ``go.Figure`` out).

Pages only display what these return; tests assert on ``fig.to_dict()``.
Labels go into Plotly as *data* (hover text, tick labels), which Plotly renders
as text, so token strings need no HTML escaping here -- but we still replace
``<``/``>`` in tick labels because Plotly interprets a small HTML subset there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .palette import DIVERGING, SEQUENTIAL


def plotly_safe_label(label: str) -> str:
    """Make a token label safe and visible as a Plotly tick/annotation label.

    Plotly parses a small HTML subset (``<b>``, ``<br>``, ``<a href>``) in
    tick labels and annotations; we show such text literally by using the
    look-alike angle brackets, and make whitespace visible.
    """
    return (
        label.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "↵")
        .replace("\t", "→")
        .replace(" ", "·")
        or "∅"
    )


def unique_labels(labels: Sequence[str]) -> list[str]:
    """Plotly merges equal category labels on an axis; make repeats distinct (``the``, ``the #2``)."""
    seen: dict[str, int] = {}
    out = []
    for lab in labels:
        safe = plotly_safe_label(lab)
        n = seen.get(safe, 0) + 1
        seen[safe] = n
        out.append(safe if n == 1 else f"{safe} #{n}")
    return out


def heatmap(
    matrix: np.ndarray,
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    title: str = "",
    diverging: bool = True,
    zmin: float | None = None,
    zmax: float | None = None,
    value_name: str = "value",
    row_name: str = "token",
    col_name: str = "dimension",
    show_values: bool = False,
    highlight_rows: Sequence[int] = (),
    height: int | None = None,
) -> go.Figure:
    """Heatmap of ``matrix`` (rows × columns) with readable hover text.

    ``diverging=True`` uses a blue–white–red scale centred on 0 (signed vector
    components); otherwise a sequential scale. ``highlight_rows`` draws a box
    around those rows (e.g. the rows an embedding lookup selects).
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix, got shape {m.shape}")
    if len(row_labels) != m.shape[0]:
        raise ValueError(f"{len(row_labels)} row labels for {m.shape[0]} rows")
    cols = list(col_labels) if col_labels is not None else [str(j) for j in range(m.shape[1])]
    if len(cols) != m.shape[1]:
        raise ValueError(f"{len(cols)} column labels for {m.shape[1]} columns")
    rows = unique_labels(row_labels)
    cols_u = unique_labels(cols) if col_labels is not None else cols
    if diverging:
        bound = float(np.nanmax(np.abs(m))) if m.size else 1.0
        bound = bound or 1.0
        zmin = -bound if zmin is None else zmin
        zmax = bound if zmax is None else zmax
    trace = go.Heatmap(
        z=m,
        x=cols_u,
        y=rows,
        colorscale=DIVERGING if diverging else SEQUENTIAL,
        zmid=0.0 if diverging else None,
        zmin=zmin,
        zmax=zmax,
        colorbar={"title": {"text": value_name}},
        hovertemplate=f"{row_name}: %{{y}}<br>{col_name}: %{{x}}<br>{value_name}: %{{z:.4f}}<extra></extra>",
        texttemplate="%{z:.2f}" if show_values else None,
    )
    # One constructor call with the whole layout: each fig.update_*() or add_shape()
    # validates and merges again (1.5-2.5 ms apiece), and these figures are built
    # once per student text on the Embeddings and One-hot pages.
    shapes = [
        {"type": "rect", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": r - 0.5, "y1": r + 0.5,
         "line": {"color": "#000000", "width": 3}, "fillcolor": "rgba(0,0,0,0)"}
        for r in highlight_rows
    ]
    layout: dict = {
        "yaxis": {"autorange": "reversed", "type": "category"},
        "xaxis": {"type": "category"},
        "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        "height": height or max(220, min(900, 60 + 28 * m.shape[0])),
    }
    if shapes:
        layout["shapes"] = shapes
    if title:
        layout["title"] = {"text": title}
    fig = go.Figure(data=[trace], layout=layout)
    return fig


def cosine_similarity_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine similarity of the rows (a zero row has similarity 0 to everything)."""
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    unit = np.divide(v, norms, out=np.zeros_like(v), where=norms > 0)
    return unit @ unit.T


def similarity_heatmap(vectors: np.ndarray, labels: Sequence[str], *, title: str = "Cosine similarity") -> go.Figure:
    """Cosine-similarity matrix of ``vectors`` as a heatmap on a fixed −1..1 scale."""
    sims = cosine_similarity_matrix(vectors)
    return heatmap(
        sims, row_labels=labels, col_labels=labels, title=title, diverging=True, zmin=-1.0, zmax=1.0,
        value_name="cosine", col_name="token", show_values=len(labels) <= 12,
        height=max(260, min(900, 80 + 34 * len(labels))),
    )
