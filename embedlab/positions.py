"""Step 4, "into the model": input embedding = token embedding + positional embedding.

A transformer sees a *set* of vectors; without position information "dog bites
man" and "man bites dog" would look the same. GPT-2 adds a learned vector per
position (its ``wpe`` matrix, 1,024 × 768). The original Transformer added a
fixed sinusoidal one. Both are here, plus a random-initialised learned matrix
(what ``wpe`` looks like before training) for when GPT-2 is not downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import torch
from sklearn.decomposition import PCA

from .errors import EmbedlabError
from .figures import heatmap, unique_labels
from .memory import check_fits, estimate_bytes
from .palette import MARKER_COLOURS


def _check_shape(n_positions: int, dim: int) -> None:
    for name, v in (("n_positions", n_positions), ("dim", dim)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise EmbedlabError(f"{name} must be a whole number ≥ 1, got {v!r}")
    check_fits(estimate_bytes((n_positions, dim), "float64"), what=f"a {n_positions:,} × {dim:,} position matrix")


def sinusoidal(n_positions: int, dim: int) -> np.ndarray:
    """The fixed encoding of "Attention Is All You Need" (Vaswani et al. 2017, §3.5):
    PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    _check_shape(n_positions, dim)
    pos = np.arange(n_positions, dtype=np.float64)[:, None]
    i = np.arange(0, dim, 2, dtype=np.float64)
    angle = pos / np.power(10_000.0, i / dim)
    pe = np.zeros((n_positions, dim), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : dim // 2])
    out = pe.astype(np.float32)
    out.flags.writeable = False
    return out


def learned_random(n_positions: int, dim: int, *, seed: int = 0) -> np.ndarray:
    """A learned position matrix *before* training: ``nn.Embedding(n_positions, dim)`` under ``seed``.
    (It has no structure yet: that is what training gives GPT-2's ``wpe``.)"""
    _check_shape(n_positions, dim)
    g = torch.Generator().manual_seed(int(seed))
    w = torch.nn.init.normal_(torch.empty(n_positions, dim), generator=g).numpy()
    w.flags.writeable = False
    return w


def input_embeddings(token_vectors: np.ndarray, position_matrix: np.ndarray) -> np.ndarray:
    """Row i = token_vectors[i] + position_matrix[i]: what the first transformer block receives."""
    tv = np.asarray(token_vectors, dtype=np.float32)
    pm = np.asarray(position_matrix, dtype=np.float32)
    if tv.ndim != 2 or pm.ndim != 2:
        raise EmbedlabError("token vectors and the position matrix must both be 2-D")
    if tv.shape[1] != pm.shape[1]:
        raise EmbedlabError(
            f"token vectors have {tv.shape[1]} dimensions but positions have {pm.shape[1]}; "
            "they must match to be added"
        )
    if tv.shape[0] > pm.shape[0]:
        raise EmbedlabError(
            f"{tv.shape[0]:,} tokens but only {pm.shape[0]:,} positions: the model's context is "
            f"{pm.shape[0]:,} tokens; shorten the text"
        )
    return tv + pm[: tv.shape[0]]


def repeated_tokens(ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """(token id, first position, second position) for each token that occurs twice or more."""
    first: dict[int, int] = {}
    out = []
    for pos, t in enumerate(ids):
        if t in first:
            if all(o[0] != t for o in out):
                out.append((t, first[t], pos))
        else:
            first[t] = pos
    return out


def position_map(position_matrix: np.ndarray, *, n_positions: int | None = None, title: str = "") -> go.Figure:
    """2-D PCA of the position vectors, joined in order and coloured by position.

    Trained GPT-2 positions (and sinusoidal ones) trace a smooth curve; random ones a tangle.
    """
    P = np.asarray(position_matrix, dtype=np.float64)[:n_positions]
    if P.shape[0] < 3:
        raise EmbedlabError("need at least 3 positions for a map")
    xy = PCA(n_components=2, svd_solver="full").fit_transform(P)
    fig = go.Figure(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="lines+markers",
        line={"color": "rgba(120,120,120,0.5)", "width": 1},
        marker={"color": np.arange(P.shape[0]), "colorscale": "Viridis", "size": 5,
                "colorbar": {"title": {"text": "position"}}},
        text=[f"position {i}" for i in range(P.shape[0])],
        hovertemplate="%{text}<extra></extra>",
    ))
    fig.update_layout(title=title or None, xaxis_title="PC 1", yaxis_title="PC 2", height=460,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def sum_figure(labels: Sequence[str], token_vectors: np.ndarray, position_vectors: np.ndarray,
               *, dims: int = 32) -> go.Figure:
    """Three stacked heatmaps (token, + position, = input) over the first ``dims`` dimensions."""
    from plotly.subplots import make_subplots

    tv = np.asarray(token_vectors)[:, :dims]
    pv = np.asarray(position_vectors)[: len(tv), :dims]
    total = tv + pv
    rows = unique_labels([f"{i}: {lab}" for i, lab in enumerate(labels)])
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=("token embedding", "+ position embedding", "= model input"))
    bound = float(np.abs(np.concatenate([tv, pv, total])).max()) or 1.0
    for col, m in enumerate((tv, pv, total), start=1):
        fig.add_trace(go.Heatmap(z=m, y=rows, x=[str(j) for j in range(m.shape[1])], colorscale="RdBu_r",
                                 zmid=0, zmin=-bound, zmax=bound, showscale=col == 3,
                                 hovertemplate="%{y}<br>dim %{x}: %{z:.3f}<extra></extra>"), row=1, col=col)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(height=max(240, 60 + 26 * len(rows)), margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def position_heatmap(position_matrix: np.ndarray, *, n_positions: int = 64, dims: int = 64, title: str = "") -> go.Figure:
    P = np.asarray(position_matrix)[:n_positions, :dims]
    return heatmap(P, row_labels=[str(i) for i in range(P.shape[0])], row_name="position",
                   title=title, height=520)


def same_token_figure(token_label: str, a: np.ndarray, b: np.ndarray, pos_a: int, pos_b: int,
                      *, dims: int = 48) -> go.Figure:
    """The same token at two positions: two different input vectors (first ``dims`` dimensions)."""
    x = list(range(min(dims, len(a))))
    fig = go.Figure()
    for vec, pos, colour in ((a, pos_a, MARKER_COLOURS[0]), (b, pos_b, MARKER_COLOURS[1])):
        fig.add_trace(go.Scatter(x=x, y=np.asarray(vec)[: len(x)], mode="lines+markers",
                                 name=f"{token_label!r} at position {pos}", line={"color": colour}))
    fig.update_layout(xaxis_title="dimension", yaxis_title="value", height=320,
                      margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend={"orientation": "h"})
    return fig
