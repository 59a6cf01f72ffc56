"""One-hot vectors versus dense embeddings: the article's "Why not one-hot?" and "an embedding is a lookup".

What this module makes measurable:

* :func:`one_hot` and :func:`one_hot_numbers` -- how long and how empty a
  one-hot vector is for a real vocabulary, and what it costs in bytes.
* :func:`check_equivalence` -- ``one_hot(ids) @ W`` and ``nn.Embedding(ids)``
  give the same numbers, to the bit (torch, on the caller's ``W``).
* :func:`time_lookup_vs_one_hot` -- both timed live, after a memory guard
  that refuses sizes that would not fit *before* anything is allocated.
* :func:`backward_view` -- the training side: the dense gradient of ``W`` is
  zero except the looked-up rows, and a sparse gradient stores only those.
* Figure builders for the page: one-hot and dense heatmaps, the two cosine
  similarity matrices side by side, timing bars, and the gradient rows.

Why the product is exact: row ``i`` of ``one_hot(ids) @ W`` is a sum in which
every term is ``0 × W[k, j]`` (exactly ±0) except one ``1 × W[id, j]``
(exactly ``W[id, j]``), and adding zeros to a float is exact. The only values
that could differ are ``-0.0`` (the sum may give ``+0.0``, which compares
equal) and non-finite weights (``0 × inf`` is NaN), which we refuse.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots

from .errors import EmbedlabError
from .figures import cosine_similarity_matrix, heatmap, plotly_safe_label, unique_labels
from .memory import check_fits, estimate_bytes, format_bytes
from .palette import DIVERGING, MARKER_COLOURS

__all__ = [
    "BackwardView",
    "Equivalence",
    "OneHotNumbers",
    "Timing",
    "backward_view",
    "check_equivalence",
    "dense_heatmap",
    "equivalence_table",
    "gradient_heatmap",
    "numbers_table",
    "one_hot",
    "one_hot_heatmap",
    "one_hot_numbers",
    "random_weight",
    "pair_distances",
    "similarity_side_by_side",
    "time_lookup_vs_one_hot",
    "timing_bars",
    "timing_memory_needed",
]

#: White for 0, so a mostly-zero matrix *looks* empty; Okabe–Ito blue for the largest value.
ZERO_WHITE = [[0.0, "#FFFFFF"], [1.0, "#0072B2"]]
#: Sizes the article and the page start from: GPT-2's vocabulary and width, a 1,024-token batch.
GPT2_VOCAB, GPT2_DIM, DEFAULT_BATCH = 50_257, 768, 1_024
#: Refuse timings with more multiply-adds than this. It admits the issue's largest reference
#: case (4,096 IDs over 50,257 × 768 = 1.58e11; 2.4 s on an idle 2-core CPU, ~12 s on a busy
#: one); a class should not wait minutes for a bar chart.
MAX_MULTIPLY_ADDS = 160_000_000_000
#: The lookup takes well under a millisecond, so it is cheap to run many more times than the product.
LOOKUP_REPEATS_PER_PRODUCT = 10


def _positive_int(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise EmbedlabError(f"{name} must be a whole number of at least 1, got {value!r}.")
    return int(value)


def _check_ids(ids: Sequence[int] | np.ndarray, vocab_size: int) -> np.ndarray:
    """IDs as an int64 array, refusing empty input and IDs outside ``0..vocab_size-1``."""
    arr = np.asarray(ids)
    if arr.ndim != 1:
        raise EmbedlabError(f"token IDs must be a flat list, got shape {arr.shape}.")
    if arr.size == 0:
        raise EmbedlabError("There are no token IDs. Type some text first.")
    if not np.issubdtype(arr.dtype, np.integer):
        raise EmbedlabError(f"token IDs must be whole numbers, got {arr.dtype} values such as {arr.flat[0]!r}.")
    arr = arr.astype(np.int64)
    bad = arr[(arr < 0) | (arr >= vocab_size)]
    if bad.size:
        raise EmbedlabError(
            f"token ID {int(bad[0])} is outside the vocabulary (valid IDs: 0 to {vocab_size - 1:,}). "
            "Use IDs from the same encoding, or a larger vocabulary size."
        )
    return arr


# --------------------------------------------------------------------------
# One-hot vectors and their cost
# --------------------------------------------------------------------------


def one_hot(ids: Sequence[int] | np.ndarray, vocab_size: int, *, dtype: str = "float32",
            budget: int | None = None) -> np.ndarray:
    """One row per ID with a single 1 at the ID's position: shape ``(len(ids), vocab_size)``.

    The size is checked against available memory (:func:`embedlab.memory.check_fits`)
    before the matrix is allocated.
    """
    vocab_size = _positive_int(vocab_size, "vocab_size")
    arr = _check_ids(ids, vocab_size)
    check_fits(estimate_bytes((arr.size, vocab_size), dtype), what=f"A one-hot matrix of {arr.size:,} × {vocab_size:,}",
               budget=budget)
    out = np.zeros((arr.size, vocab_size), dtype=dtype)
    out[np.arange(arr.size), arr] = 1
    return out


@dataclass(frozen=True)
class OneHotNumbers:
    """One-hot versus dense for a whole vocabulary (all sizes in bytes, values as float32 by default)."""

    vocab_size: int
    dim: int
    batch_tokens: int
    vector_length: int  # one-hot length = vocab_size
    zeros_per_vector: int
    zero_fraction: float
    one_hot_token_bytes: int
    dense_token_bytes: int
    one_hot_batch_bytes: int
    dense_batch_bytes: int
    parameter_count: int  # vocab_size × dim
    matrix_bytes: int

    @property
    def batch_ratio(self) -> float:
        """How many times bigger a one-hot batch is than the same batch of dense vectors."""
        return self.one_hot_batch_bytes / self.dense_batch_bytes


def one_hot_numbers(vocab_size: int, dim: int, *, batch_tokens: int = DEFAULT_BATCH,
                    dtype: str = "float32") -> OneHotNumbers:
    """The full-vocabulary numbers: vector length, fraction of zeros, bytes per token and batch, parameters.

    Pure arithmetic -- nothing is allocated, so any size is fine (GPT-3:
    ``one_hot_numbers(50257, 12288).parameter_count == 617_558_016``).
    """
    vocab_size = _positive_int(vocab_size, "vocab_size")
    dim = _positive_int(dim, "dim")
    batch_tokens = _positive_int(batch_tokens, "batch_tokens")
    item = np.dtype(dtype).itemsize
    return OneHotNumbers(
        vocab_size=vocab_size, dim=dim, batch_tokens=batch_tokens,
        vector_length=vocab_size, zeros_per_vector=vocab_size - 1, zero_fraction=(vocab_size - 1) / vocab_size,
        one_hot_token_bytes=vocab_size * item, dense_token_bytes=dim * item,
        one_hot_batch_bytes=batch_tokens * vocab_size * item, dense_batch_bytes=batch_tokens * dim * item,
        parameter_count=vocab_size * dim, matrix_bytes=vocab_size * dim * item,
    )


def numbers_table(sizes: Sequence[tuple[str, int, int]], *, batch_tokens: int = DEFAULT_BATCH) -> pd.DataFrame:
    """:func:`one_hot_numbers` for several ``(name, vocab_size, dim)`` as a display table (float32 sizes)."""
    rows = []
    for name, vocab, dim in sizes:
        n = one_hot_numbers(vocab, dim, batch_tokens=batch_tokens)
        rows.append({
            "model / source": name,
            "vocabulary (one-hot length)": n.vector_length,
            "dense width": n.dim,
            "zeros in a one-hot vector": f"{n.zero_fraction:.4%}",
            "one-hot, 1 token": format_bytes(n.one_hot_token_bytes),
            "dense, 1 token": format_bytes(n.dense_token_bytes),
            f"one-hot, {batch_tokens:,} tokens": format_bytes(n.one_hot_batch_bytes),
            f"dense, {batch_tokens:,} tokens": format_bytes(n.dense_batch_bytes),
            "embedding parameters": n.parameter_count,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# A lookup is a one-hot product (torch)
# --------------------------------------------------------------------------


def _as_weight(weight: np.ndarray | torch.Tensor) -> torch.Tensor:
    """A 2-D floating tensor sharing memory with ``weight`` where possible (never written to)."""
    if isinstance(weight, torch.Tensor):
        w = weight.detach()
    else:
        with warnings.catch_warnings():
            # Tables are read-only arrays; torch warns that it cannot protect them. We only read.
            warnings.simplefilter("ignore", UserWarning)
            w = torch.as_tensor(np.asarray(weight))
    if w.ndim != 2 or w.shape[0] == 0 or w.shape[1] == 0:
        raise EmbedlabError(f"the embedding matrix must be 2-D (vocab × dim) and non-empty, got shape {tuple(w.shape)}.")
    if not w.is_floating_point():
        raise EmbedlabError(f"the embedding matrix must hold floating-point numbers, got {w.dtype}.")
    if not bool(torch.isfinite(w).all()):
        row = int(torch.nonzero(~torch.isfinite(w))[0, 0])
        raise EmbedlabError(
            f"the embedding matrix has a non-finite value in row {row}; a one-hot product would turn "
            "0 × inf into NaN. Use a matrix of finite numbers."
        )
    return w


def random_weight(vocab_size: int, dim: int, *, seed: int = 0, budget: int | None = None) -> np.ndarray:
    """A read-only random float32 matrix (torch's ``nn.Embedding`` initialisation, N(0, 1)), memory-checked first."""
    vocab_size = _positive_int(vocab_size, "vocab_size")
    dim = _positive_int(dim, "dim")
    check_fits(estimate_bytes((vocab_size, dim)), what=f"A {vocab_size:,} × {dim:,} embedding matrix", budget=budget)
    w = torch.randn(vocab_size, dim, generator=torch.Generator().manual_seed(seed)).numpy()
    w.setflags(write=False)
    return w


@dataclass(frozen=True)
class Equivalence:
    """Result of :func:`check_equivalence`."""

    ids: tuple[int, ...]
    lookup: np.ndarray  # nn.Embedding(ids), (len(ids), dim)
    product: np.ndarray  # one_hot(ids) @ W, same shape
    max_abs_difference: float
    identical: bool  # torch.equal: every value equal (+0.0 == -0.0)
    bitwise_identical: bool  # the same bytes


def check_equivalence(ids: Sequence[int] | np.ndarray, weight: np.ndarray | torch.Tensor, *,
                      budget: int | None = None) -> Equivalence:
    """Compute ``one_hot(ids) @ W`` and ``nn.Embedding(ids)`` with torch and compare them.

    ``weight`` is the embedding matrix (vocab × dim), e.g. a table's
    ``vectors``; it is read, never copied or written. The one-hot matrix
    (``len(ids) × vocab``) is memory-checked before it is built.
    """
    w = _as_weight(weight)
    arr = _check_ids(ids, w.shape[0])
    check_fits(estimate_bytes((arr.size, w.shape[0]), np.float32 if w.dtype == torch.float32 else np.float64),
               what=f"A one-hot matrix of {arr.size:,} × {w.shape[0]:,}", budget=budget)
    idx = torch.from_numpy(arr)
    with torch.no_grad():
        emb = torch.nn.Embedding.from_pretrained(w, freeze=True)
        looked_up = emb(idx)
        oh = torch.zeros(arr.size, w.shape[0], dtype=w.dtype)
        oh[torch.arange(arr.size), idx] = 1
        prod = oh @ w
    diff = float((looked_up - prod).abs().max())
    same_bytes = looked_up.contiguous().numpy().tobytes() == prod.contiguous().numpy().tobytes()
    return Equivalence(tuple(int(i) for i in arr), looked_up.numpy().copy(), prod.numpy().copy(), diff,
                       bool(torch.equal(looked_up, prod)), same_bytes)


def equivalence_table(eq: Equivalence, labels: Sequence[str] | None = None, *, dims: int = 4) -> pd.DataFrame:
    """Per token: its ID, the first ``dims`` values by lookup and by one-hot product, and the largest difference."""
    if labels is not None and len(labels) != len(eq.ids):
        raise EmbedlabError(f"{len(labels)} labels for {len(eq.ids)} token IDs; give one label per ID.")
    d = min(dims, eq.lookup.shape[1])
    more = "…" if eq.lookup.shape[1] > d else ""

    def show(row: np.ndarray) -> str:
        return "[" + ", ".join(f"{x:.4f}" for x in row[:d]) + (", " + more if more else "") + "]"

    return pd.DataFrame({
        "token": list(labels) if labels is not None else [str(i) for i in eq.ids],
        "ID": list(eq.ids),
        "nn.Embedding(ID)": [show(r) for r in eq.lookup],
        "one_hot(ID) @ W": [show(r) for r in eq.product],
        "max |difference|": np.abs(eq.lookup - eq.product).max(axis=1).astype(float),
    })


def timing_memory_needed(vocab_size: int, dim: int, batch: int) -> int:
    """Bytes :func:`time_lookup_vs_one_hot` allocates at its peak (float32 W, one-hot batch, two outputs, IDs)."""
    return (estimate_bytes((vocab_size, dim)) + estimate_bytes((batch, vocab_size))
            + 2 * estimate_bytes((batch, dim)) + estimate_bytes((batch,), "int64"))


@dataclass(frozen=True)
class Timing:
    """Live timings of a lookup versus a one-hot product.

    Seconds are the *minimum* over the runs: on a shared machine the other
    runs measure other people's work too, and the fastest run is the one
    least disturbed (the reasoning behind :mod:`timeit`'s advice).
    """

    vocab_size: int
    dim: int
    batch: int
    repeats: int  # runs of the product
    lookup_repeats: int  # runs of the lookup
    threads: int
    lookup_seconds: float
    product_seconds: float  # building the one-hot batch + the matrix product
    lookup_input_bytes: int  # the IDs (int64)
    one_hot_bytes: int  # the one-hot batch (float32): the extra memory the product needs
    weight_bytes: int
    max_abs_difference: float  # the two outputs compared, as a by-product

    @property
    def speed_ratio(self) -> float:
        """How many times slower the one-hot product was."""
        return self.product_seconds / self.lookup_seconds if self.lookup_seconds > 0 else float("inf")

    @property
    def memory_ratio(self) -> float:
        """How many times more input memory the one-hot batch takes than the IDs."""
        return self.one_hot_bytes / self.lookup_input_bytes


def time_lookup_vs_one_hot(*, vocab_size: int = GPT2_VOCAB, dim: int = GPT2_DIM, batch: int = DEFAULT_BATCH,
                           repeats: int = 3, seed: int = 0, budget: int | None = None,
                           max_multiply_adds: int = MAX_MULTIPLY_ADDS) -> Timing:
    """Time ``F.embedding(ids, W)`` against ``one_hot(ids) @ W`` on a random ``W`` (values do not affect speed).

    Refuses *before allocating* (:class:`embedlab.errors.ResourceError`) when
    the peak memory (:func:`timing_memory_needed`) would not fit, and
    (:class:`EmbedlabError`) when the product would take minutes. ``seed``
    fixes ``W`` and the IDs. The product runs ``repeats`` times, the (much
    cheaper) lookup ``10 × repeats`` times; the fastest run of each counts. The one-hot batch is built directly as float32 with
    ``scatter_`` (``F.one_hot`` would add an int64 copy twice as big).
    """
    vocab_size = _positive_int(vocab_size, "vocab_size")
    dim = _positive_int(dim, "dim")
    batch = _positive_int(batch, "batch")
    repeats = _positive_int(repeats, "repeats")
    work = vocab_size * dim * batch
    if work > max_multiply_adds:
        raise EmbedlabError(
            f"{batch:,} IDs over a {vocab_size:,} × {dim:,} matrix is {work:,} multiply-adds as a one-hot product, "
            f"more than the {max_multiply_adds:,} allowed here (too slow for a live demo). Choose a smaller batch, "
            "vocabulary or dimension."
        )
    check_fits(timing_memory_needed(vocab_size, dim, batch),
               what=f"Timing {batch:,} IDs over {vocab_size:,} × {dim:,} (weights + one-hot batch)", budget=budget)

    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(vocab_size, dim, generator=gen)
    ids = torch.randint(vocab_size, (batch,), generator=gen)
    lookup_t: list[float] = []
    product_t: list[float] = []
    with torch.inference_mode():
        F.embedding(ids[:1], w)  # first call pays one-off dispatch costs; keep them out of the numbers
        for _ in range(repeats * LOOKUP_REPEATS_PER_PRODUCT):
            t0 = time.perf_counter()
            out_lookup = F.embedding(ids, w)
            lookup_t.append(time.perf_counter() - t0)
        for _ in range(repeats):
            t0 = time.perf_counter()
            oh = torch.zeros(batch, vocab_size)
            oh.scatter_(1, ids.unsqueeze(1), 1.0)
            out_product = oh @ w
            product_t.append(time.perf_counter() - t0)
            del oh
        diff = float((out_lookup - out_product).abs().max())
    return Timing(
        vocab_size=vocab_size, dim=dim, batch=batch, repeats=repeats,
        lookup_repeats=repeats * LOOKUP_REPEATS_PER_PRODUCT, threads=torch.get_num_threads(),
        lookup_seconds=min(lookup_t), product_seconds=min(product_t),
        lookup_input_bytes=estimate_bytes((batch,), "int64"), one_hot_bytes=estimate_bytes((batch, vocab_size)),
        weight_bytes=estimate_bytes((vocab_size, dim)), max_abs_difference=diff,
    )


# --------------------------------------------------------------------------
# The backward pass
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BackwardView:
    """Gradients of ``loss = sum(nn.Embedding(ids))`` with respect to ``W``.

    With that loss, the gradient of row ``r`` is (number of times ``r`` was
    looked up) in every component -- easy to read off, and never zero by accident.
    """

    ids: tuple[int, ...]
    vocab_size: int
    dim: int
    touched_rows: tuple[int, ...]  # sorted distinct IDs
    row_counts: tuple[int, ...]  # how often each touched row was looked up
    nonzero_rows: tuple[int, ...]  # rows of the dense gradient that contain any non-zero (measured)
    touched_gradient: np.ndarray  # dense gradient rows of touched_rows, (len(touched_rows), dim)
    dense_grad_bytes: int  # the full vocab × dim gradient
    sparse_grad_bytes: int  # values + indices of torch's sparse gradient (one row per looked-up ID)
    sparse_matches_dense: bool  # the sparse gradient, summed, equals the dense rows exactly

    @property
    def untouched_rows(self) -> int:
        return self.vocab_size - len(self.touched_rows)


def backward_view(ids: Sequence[int] | np.ndarray, *, vocab_size: int = GPT2_VOCAB, dim: int = GPT2_DIM,
                  budget: int | None = None) -> BackwardView:
    """Run one backward pass through ``nn.Embedding`` with dense and with sparse gradients.

    The gradient of ``sum(W[ids])`` does not depend on the values in ``W``, so
    ``W`` starts as zeros (much cheaper than drawing 38 million random numbers
    for GPT-2's size). Memory (weights, dense gradient, sparse gradient) is
    checked before allocating.
    """
    vocab_size = _positive_int(vocab_size, "vocab_size")
    dim = _positive_int(dim, "dim")
    arr = _check_ids(ids, vocab_size)
    check_fits(2 * estimate_bytes((vocab_size, dim)) + 2 * estimate_bytes((arr.size, dim)),
               what=f"A backward pass over a {vocab_size:,} × {dim:,} embedding (weights + gradient)", budget=budget)
    idx = torch.from_numpy(arr)
    w0 = torch.zeros(vocab_size, dim)

    dense = torch.nn.Embedding.from_pretrained(w0, freeze=False, sparse=False)
    dense(idx).sum().backward()
    g = dense.weight.grad
    nonzero = torch.nonzero(g.abs().sum(dim=1)).flatten().tolist()
    del dense  # share w0 but free the dense module's gradient reference early

    sparse = torch.nn.Embedding.from_pretrained(w0, freeze=False, sparse=True)
    sparse(idx).sum().backward()
    sg = sparse.weight.grad
    sparse_bytes = sg._values().nbytes + sg._indices().nbytes  # as stored: one row per lookup, uncoalesced

    touched, counts = np.unique(arr, return_counts=True)
    t_idx = torch.from_numpy(touched)
    sc = sg.coalesce()  # sums repeated lookups; its indices come out sorted, like np.unique's
    dense_rows = g[t_idx]
    sparse_ok = bool(torch.equal(sc.indices()[0], t_idx)) and bool(torch.equal(sc.values(), dense_rows))
    return BackwardView(
        ids=tuple(int(i) for i in arr), vocab_size=vocab_size, dim=dim,
        touched_rows=tuple(int(r) for r in touched), row_counts=tuple(int(c) for c in counts),
        nonzero_rows=tuple(int(r) for r in nonzero), touched_gradient=dense_rows.numpy().copy(),
        dense_grad_bytes=g.nbytes, sparse_grad_bytes=int(sparse_bytes),
        sparse_matches_dense=sparse_ok,
    )


# --------------------------------------------------------------------------
# Figures and tables for the page
# --------------------------------------------------------------------------


def one_hot_heatmap(labels: Sequence[str], *, title: str = "One-hot vectors") -> go.Figure:
    """The V × V one-hot matrix of a small vocabulary: a 1 on the diagonal, zeros everywhere else."""
    n = len(labels)
    if n == 0:
        raise EmbedlabError("The working vocabulary is empty. Type at least one word.")
    fig = heatmap(
        np.eye(n), row_labels=labels, col_labels=[f"{i}" for i in range(n)], title=title, diverging=False,
        zmin=0.0, zmax=1.0, value_name="value", col_name="position", show_values=n <= 16,
    )
    fig.update_traces(colorscale=ZERO_WHITE, xgap=1, ygap=1)  # gaps keep the white cells visible as cells
    return fig


def dense_heatmap(vectors: np.ndarray, labels: Sequence[str], *, title: str = "Dense vectors") -> go.Figure:
    """The V × d dense matrix (signed values on a diverging scale)."""
    v = np.asarray(vectors, dtype=float)
    if v.ndim != 2 or v.shape[0] == 0:
        raise EmbedlabError("There are no dense vectors to show. Type at least one word the source knows.")
    return heatmap(v, row_labels=labels, title=title, diverging=True, value_name="value", col_name="dimension")


def similarity_side_by_side(vectors: np.ndarray, labels: Sequence[str], *, dense_name: str = "dense") -> go.Figure:
    """Cosine-similarity matrices of one-hot (left: the identity) and dense vectors (right), same −1..1 scale."""
    v = np.asarray(vectors, dtype=float)
    n = len(labels)
    if n == 0 or v.ndim != 2 or v.shape[0] != n:
        raise EmbedlabError(f"need one vector per label, got {v.shape[0] if v.ndim == 2 else 0} vectors for {n} labels.")
    labs = unique_labels(labels)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("One-hot: cosine similarity", f"{dense_name}: cosine similarity"),
                        horizontal_spacing=0.12)
    for col, m in ((1, np.eye(n)), (2, cosine_similarity_matrix(v))):
        fig.add_trace(go.Heatmap(
            z=m, x=labs, y=labs, zmin=-1.0, zmax=1.0, zmid=0.0, colorscale=DIVERGING, showscale=col == 2,
            colorbar={"title": {"text": "cosine"}}, texttemplate="%{z:.2f}" if n <= 12 else None,
            hovertemplate="%{y} · %{x}<br>cosine %{z:.4f}<extra></extra>",
        ), row=1, col=col)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    fig.update_layout(height=max(300, min(800, 100 + 34 * n)), margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def pair_distances(vectors: np.ndarray, labels: Sequence[str], pairs: Sequence[tuple[str, str]], *,
                   dense_name: str = "dense") -> pd.DataFrame:
    """Cosine similarity and Euclidean distance of word pairs under one-hot and dense vectors.

    Under one-hot every pair of different words has cosine 0 and distance √2:
    "cat" is exactly as far from "dog" as from "car".
    """
    v = np.asarray(vectors, dtype=np.float64)
    where = {lab: i for i, lab in enumerate(labels)}
    rows = []
    for a, b in pairs:
        missing = [w for w in (a, b) if w not in where]
        if missing:
            raise EmbedlabError(f"{missing[0]!r} is not in the working vocabulary. Add it, or pick another pair.")
        i, j = where[a], where[b]
        same = i == j
        na, nb = np.linalg.norm(v[i]), np.linalg.norm(v[j])
        cos = float(v[i] @ v[j] / (na * nb)) if na > 0 and nb > 0 else 0.0
        rows.append({
            "pair": f"{a} – {b}",
            "one-hot cosine": 1.0 if same else 0.0,
            "one-hot distance": 0.0 if same else float(np.sqrt(2.0)),
            f"{dense_name} cosine": cos,
            f"{dense_name} distance": float(np.linalg.norm(v[i] - v[j])),
        })
    return pd.DataFrame(rows)


def _fmt_seconds(s: float) -> str:
    return f"{s * 1e3:,.2f} ms" if s < 1 else f"{s:,.2f} s"


def timing_bars(t: Timing) -> go.Figure:
    """Two bar pairs: time per batch and input memory, lookup vs one-hot product (linear scale, on purpose)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        f"Time for {t.batch:,} IDs (×{t.speed_ratio:,.0f})", f"Input memory (×{t.memory_ratio:,.0f})"))
    names = ["lookup (nn.Embedding)", "one-hot @ W"]
    colours = [MARKER_COLOURS[0], MARKER_COLOURS[5]]
    secs = [t.lookup_seconds, t.product_seconds]
    fig.add_trace(go.Bar(x=names, y=[s * 1e3 for s in secs], marker_color=colours,
                         text=[_fmt_seconds(s) for s in secs], textposition="outside",
                         hovertemplate="%{x}: %{y:.3f} ms<extra></extra>", name="time"), row=1, col=1)
    mem = [t.lookup_input_bytes, t.one_hot_bytes]
    fig.add_trace(go.Bar(x=names, y=[m / 1e6 for m in mem], marker_color=colours,
                         text=[format_bytes(m) for m in mem], textposition="outside",
                         hovertemplate="%{x}: %{y:.3f} MB<extra></extra>", name="memory"), row=1, col=2)
    fig.update_yaxes(title_text="milliseconds", row=1, col=1)
    fig.update_yaxes(title_text="MB", row=1, col=2)
    fig.update_layout(showlegend=False, height=380, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def gradient_heatmap(view: BackwardView, *, labels: Sequence[str] | None = None, context_rows: int = 1,
                     max_dims: int = 32) -> go.Figure:
    """Dense gradient of ``W`` around the looked-up rows: touched rows coloured, neighbouring rows all zero.

    Shows each touched row plus ``context_rows`` untouched neighbours on each
    side (at most ``max_dims`` columns), so the zeros are visible next to the
    non-zero rows. ``labels``, if given, has one token text per ID in ``view.ids``.
    """
    if labels is not None and len(labels) != len(view.ids):
        raise EmbedlabError(f"{len(labels)} labels for {len(view.ids)} token IDs; give one label per ID.")
    touched = set(view.touched_rows)
    rows = sorted({q for r in view.touched_rows for q in range(r - context_rows, r + context_rows + 1)
                   if 0 <= q < view.vocab_size})
    d = min(view.dim, max_dims)
    m = np.zeros((len(rows), d))
    grad_of = {r: view.touched_gradient[i, :d] for i, r in enumerate(view.touched_rows)}
    for i, r in enumerate(rows):
        if r in grad_of:
            m[i] = grad_of[r]
    text_of = dict(zip(view.ids, labels)) if labels is not None else {}
    # Row labels are built here (not by figures.heatmap) so that only the token text gets its
    # spaces made visible, not the words around it.
    ylabels = [f"row {r:,}" + (f" = {plotly_safe_label(text_of[r])}" if r in text_of else "")
               + ("" if r in touched else " (untouched)") for r in rows]
    # One constructor call (see figures.heatmap): built once per student text.
    return go.Figure(data=[go.Heatmap(
        z=m, x=[str(j) for j in range(d)], y=ylabels, zmin=0.0, zmax=max(1.0, float(m.max())),
        colorscale=ZERO_WHITE, xgap=1, ygap=1, colorbar={"title": {"text": "gradient"}},
        hovertemplate="%{y}<br>dimension %{x}<br>gradient %{z}<extra></extra>",
    )], layout={
        "yaxis": {"autorange": "reversed", "type": "category"},
        "xaxis": {"type": "category",
                  "title": {"text": "dimension" + (f" (first {d} of {view.dim})" if d < view.dim else "")}},
        "title": {"text": f"Gradient of W: {len(touched):,} of {view.vocab_size:,} rows non-zero"},
        "height": max(240, min(900, 80 + 26 * len(rows))), "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    })
