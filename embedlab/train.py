"""Train token embeddings with torch, a step at a time, and record how they organise.

Two objectives, both the real thing at toy size:

* **skip-gram with negative sampling** (word2vec): each token's vector is
  pushed towards the "context" vectors of the tokens around it and away from
  those of a few random tokens.
* **next-token prediction** (how GPT learns its embeddings): embedding layer,
  optionally one causal self-attention block with positional embeddings, then
  an output layer that scores every token -- tied to the input embedding or
  not.

The embedding matrix is an ``nn.Embedding(sparse=True)``: backpropagation
produces a gradient only for the rows of the tokens in the batch, and the
optimiser (SGD, or SparseAdam next to Adam) touches only those rows. So one
step changes exactly the batch's rows -- the reference article's Step 3,
asserted in the tests. (A *tied* output layer scores every token, so then every
row changes at every step; the page says so.) Skip-gram's training loop applies
the same SGD update with the gradient written out (``_SkipGram.sgd_step``,
tested equal to autograd's), because at word2vec's size autograd's bookkeeping
costs more than the arithmetic; the one-sentence demo step uses autograd itself.

:class:`Trainer` is driven step-wise (``step(n)``, ``step(seconds=...)`` or the
``run()`` iterator) so a UI can draw between chunks, stop, and resume. It
records the loss of every step, snapshots of the watched tokens' vectors every
``snapshot_every`` steps, and the rows changed by the last step.

**Map frame.** Each snapshot is drawn as the 2-D PCA of the watched tokens'
unit-length vectors, then rotated/reflected (orthogonal Procrustes) onto the
previous snapshot's 2-D positions. Every frame is therefore its own snapshot's
exact PCA map, but axes never flip or spin between frames, so points move
rather than jump; the live map and the replay animation use the same stored
coordinates.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import plotly.graph_objects as go
import torch
from scipy.linalg import orthogonal_procrustes
from .threads import limit_threads
from torch import nn
from torch.nn import functional as F

from .corpus import Corpus
from .errors import EmbedlabError
from .memory import check_fits, estimate_bytes

if TYPE_CHECKING:
    from .embeddings import EmbeddingTable

__all__ = [
    "OBJECTIVES",
    "Progress",
    "Snapshot",
    "StepDemo",
    "TrainConfig",
    "Trainer",
    "align_to",
    "animation_figure",
    "axis_bound",
    "default_watch",
    "export_files",
    "loss_figure",
    "map_figure",
    "neighbour_rows",
    "pca_2d",
    "probes_figure",
    "updated_rows_figure",
    "watch_groups",
]

#: Objective name -> the one line the page shows.
OBJECTIVES: dict[str, str] = {
    "skipgram": "Skip-gram (word2vec): predict the words around each word; words used in the same "
                "contexts get similar vectors.",
    "next_token": "Next-token prediction (like GPT): predict the next token from the ones before; "
                  "the embedding layer is trained along the way.",
}


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Every setting of a training run (like nanoGPT's ``GPTConfig``).

    The defaults train skip-gram on the teaching corpus in a few seconds on
    two CPU cores, with cat/dog clearly nearer than cat/apple.
    """

    objective: Literal["skipgram", "next_token"] = "skipgram"
    #: Embedding width (columns of the table).
    dim: int = 32
    #: Skip-gram: the largest distance between a word and a context word. Each
    #: centre draws its own window from 1..window, as word2vec does, so near
    #: words count more.
    window: int = 4
    #: Skip-gram: random "negative" tokens per (word, context) pair.
    negatives: int = 5
    #: Skip-gram: word2vec's down-sampling of frequent tokens (0 = off).
    subsample: float = 1e-3
    #: Learning rate. ``None``: 0.025 for skip-gram (per pair, decaying linearly
    #: to 0, as word2vec), 0.01 for next-token (Adam).
    lr: float | None = None
    #: Skip-gram: (word, context) pairs per step. Next-token: predicted tokens
    #: per step (``batch_size // context`` sequences).
    batch_size: int = 2048
    #: Passes over the text; ignored when ``steps`` is given.
    epochs: int = 4
    #: Exact number of optimisation steps (overrides ``epochs``).
    steps: int | None = None
    seed: int = 0
    #: Record the watched tokens' vectors every this many steps.
    snapshot_every: int = 10
    #: Next-token: tokens of context per sequence (also the positional table's size).
    context: int = 16
    #: Next-token: add one causal self-attention block (with positional embeddings).
    attention: bool = False
    #: Next-token: attention heads (must divide ``dim``).
    heads: int = 2
    #: Next-token: output layer shares the input embedding's matrix.
    tied: bool = False

    def __post_init__(self) -> None:
        def bad(name: str, rule: str) -> EmbedlabError:
            return EmbedlabError(f"TrainConfig.{name}={getattr(self, name)!r} is not allowed: {rule}")

        if self.objective not in OBJECTIVES:
            raise bad("objective", f"choose one of {', '.join(OBJECTIVES)}")
        checks = {
            "dim": (1, 1024), "window": (1, 20), "negatives": (1, 50), "batch_size": (1, 1 << 20),
            "epochs": (1, 1000), "snapshot_every": (1, 1 << 30), "context": (1, 1024), "heads": (1, 64),
        }
        for name, (lo, hi) in checks.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise bad(name, f"use a whole number from {lo:,} to {hi:,}")
        if self.steps is not None and (isinstance(self.steps, bool) or not isinstance(self.steps, int)
                                       or not 1 <= self.steps <= 10_000_000):
            raise bad("steps", "use a whole number from 1 to 10,000,000, or None to use epochs")
        if not (isinstance(self.seed, int) and 0 <= self.seed < 2**63):
            raise bad("seed", "use a whole number from 0 to 2**63-1")
        if not 0 <= self.subsample < 1:
            raise bad("subsample", "use 0 (off) or a small fraction such as 0.001")
        if self.lr is not None and not (math.isfinite(self.lr) and 0 < self.lr <= 10):
            raise bad("lr", "use a positive number such as 0.025 (or None for the default)")
        if self.objective == "next_token" and self.attention and self.dim % self.heads:
            raise bad("heads", f"it must divide dim={self.dim}")

    @property
    def learning_rate(self) -> float:
        """The learning rate in effect (``lr`` or the objective's default)."""
        if self.lr is not None:
            return float(self.lr)
        return 0.025 if self.objective == "skipgram" else 0.01

    def to_dict(self) -> dict:
        """Plain dict of the settings (for display and for the saved table's metadata)."""
        return asdict(self)


@dataclass(frozen=True)
class Progress:
    """What a training call reports back."""

    step: int
    total_steps: int
    #: Mean loss of the steps run by this call (NaN when none ran).
    loss: float
    #: Seconds spent training so far (all calls).
    elapsed_s: float
    #: Corpus tokens processed per second of training so far.
    tokens_per_s: float
    done: bool
    stopped: bool

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 1.0


@dataclass(frozen=True)
class Snapshot:
    """The watched tokens at one step."""

    step: int
    #: (n_watched, dim) copy of their rows.
    vectors: np.ndarray
    #: (n_watched, 2) aligned PCA coordinates (see the module docstring).
    coords: np.ndarray
    #: "a·b" -> cosine(a, b) for each probe pair.
    probes: dict[str, float] = field(default_factory=dict)


def default_watch(corpus: Corpus, *, limit: int = 48) -> list[str]:
    """Tokens to watch on the map: the corpus's category words, else its most
    frequent alphabetic tokens of three letters or more."""
    words = [w for ws in corpus.categories.values() for w in ws]
    if len(words) >= 4:
        return words[:limit]
    out = []
    for tok in corpus.tokens:  # most frequent first
        t = tok.strip()
        if len(t) >= 3 and t.isalpha():
            out.append(tok)
            if len(out) == limit:
                break
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, n, out=np.zeros_like(v), where=n > 0)


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """2-D PCA coordinates of the unit-length rows (centred), deterministic up to sign
    (the sign is fixed so each axis's largest-magnitude coordinate is positive)."""
    x = _unit(vectors)
    x = x - x.mean(axis=0)
    if x.shape[0] < 2:
        return np.zeros((x.shape[0], 2))
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(2, vt.shape[0])
    coords = np.zeros((x.shape[0], 2))
    coords[:, :k] = x @ vt[:k].T
    for j in range(k):
        col = coords[:, j]
        if col[np.argmax(np.abs(col))] < 0:
            coords[:, j] = -col
    return coords


def align_to(coords: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Rotate/reflect ``coords`` (no scaling, no shift) to best match ``previous``
    (orthogonal Procrustes), so consecutive map frames do not flip or spin."""
    if previous is None or previous.shape != coords.shape or coords.shape[0] < 2:
        return coords
    r, _ = orthogonal_procrustes(coords, previous)
    return coords @ r


# ---------------------------------------------------------------- models


#: Skip-gram: the most pairs whose summed gradient one row receives in one step.
_MAX_PAIRS_PER_ROW = 16


class _SkipGram(nn.Module):
    def __init__(self, vocab: int, dim: int, gen: torch.Generator):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, sparse=True)  # the table we keep ("input" vectors)
        self.context = nn.Embedding(vocab, dim, sparse=True)  # word2vec's "output" vectors
        with torch.no_grad():
            # Input vectors: random with length about 1. (word2vec's tiny ±0.5/dim start
            # makes every vector first swing towards the common words' direction -- all
            # cosines near 1 for a while -- which hides the story on the map.)
            self.embed.weight.normal_(0.0, dim**-0.5, generator=gen)
            # Context vectors: word2vec's small range, but not zero, so the very first
            # step already moves the batch's input rows.
            self.context.weight.uniform_(-0.5 / dim, 0.5 / dim, generator=gen)

    def forward(self, centre: torch.Tensor, ctx: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        v = self.embed(centre)  # (B, d)
        # The true context and the K negatives in one lookup: (B, 1+K, d).
        u = self.context(torch.cat([ctx.unsqueeze(1), neg], dim=1))
        scores = (u * v.unsqueeze(1)).sum(-1)  # (B, 1+K); elementwise beats bmm at this size
        sign = torch.ones_like(scores)
        sign[:, 1:] = -1.0  # pull the true context closer, push the negatives away
        # Summed over pairs: each pair gets the per-pair learning rate, as in word2vec.
        return -F.logsigmoid(scores * sign).sum()

    @torch.no_grad()
    def sgd_step(self, centre: torch.Tensor, ctx: torch.Tensor, neg: torch.Tensor, lr: float) -> float:
        """One SGD step with the gradient written out: the same update as
        ``forward`` + ``backward()`` + :meth:`cap_gradients` + ``SGD.step()``
        (tested to float rounding), about 3x faster.

        Why: at word2vec's size (a few thousand pairs of 32-number rows) autograd's
        bookkeeping and the sparse gradient's sort cost far more than the sums
        themselves. With s = u·v and the loss -log σ(s) for the true context and
        -log σ(-s) for each negative, dL/ds = σ(s) - 1 resp. σ(s): so v moves by
        -lr Σ g·u and each u by -lr g·v -- word2vec's own update, a batch at a time.
        Returns the summed loss, as ``forward`` does.
        """
        ids = torch.cat([ctx.unsqueeze(1), neg], dim=1)  # (B, 1+K)
        flat = ids.view(-1)
        emb, out = self.embed.weight, self.context.weight
        # index_select, never tensor[ids]: advanced indexing takes a slow general path
        # (measured ~9x slower for these shapes).
        v = emb.index_select(0, centre)  # (B, d)
        u = out.index_select(0, flat).view(*ids.shape, -1)  # (B, 1+K, d)
        scores = (u * v.unsqueeze(1)).sum(-1)
        g = torch.sigmoid(scores)
        g[:, 0] -= 1.0
        loss = -(F.logsigmoid(scores[:, 0]).sum() + F.logsigmoid(-scores[:, 1:]).sum())
        # -lr and cap_gradients' per-row factors go on the (B, 1+K) pair weights rather
        # than on the (B, 1+K, d) gradients: the same numbers, d times less work. (And
        # index_add_ without alpha: with it torch's CPU kernel is 3-4x slower.)
        g = g * -lr
        g_emb = g * self._cap_factor(centre, emb.shape[0]).index_select(0, centre).unsqueeze(1)
        g_out = g * self._cap_factor(flat, out.shape[0]).index_select(0, flat).view(ids.shape)
        grad_v = (g_emb.unsqueeze(-1) * u).sum(1)  # (B, d): already the step, -lr included
        grad_u = g_out.unsqueeze(-1) * v.unsqueeze(1)  # (B, 1+K, d)
        emb.index_add_(0, centre, grad_v)
        out.index_add_(0, flat, grad_u.view(flat.shape[0], -1))
        return float(loss)

    @staticmethod
    def _cap_factor(ids: torch.Tensor, rows: int) -> torch.Tensor:
        """Per row: 1, or less when the row has more than ``_MAX_PAIRS_PER_ROW`` pairs."""
        pairs = torch.bincount(ids, minlength=rows).clamp(min=1)
        return (_MAX_PAIRS_PER_ROW / pairs).clamp(max=1.0).to(torch.float32)

    @torch.no_grad()
    def cap_gradients(self, centre: torch.Tensor, ctx: torch.Tensor, neg: torch.Tensor) -> None:
        """After ``backward()``: scale each row's gradient down to at most
        ``_MAX_PAIRS_PER_ROW`` pairs' worth.

        word2vec updates one pair at a time, so a word's later pairs already see
        its moved vector; a batch sums all of a row's pairs at once, and when the
        batch is much bigger than a tiny text's vocabulary that sum moves a row by
        hundreds of learning rates and training diverges (measured: NaN on a
        two-word text). Rows with at most that many pairs are untouched; on the
        teaching corpus the cap changes nothing measurable. Works on the sparse
        gradient's values in place (every value of a row gets the row's factor, so
        it is right whether or not torch has summed duplicate rows yet).
        """
        looked_up = (centre, torch.cat([ctx.unsqueeze(1), neg], dim=1).view(-1))
        for weight, ids in zip((self.embed.weight, self.context.weight), looked_up):
            factor = self._cap_factor(ids, weight.shape[0])
            g = weight.grad
            g._values().mul_(factor[g._indices()[0]].unsqueeze(1))


class _Block(nn.Module):
    """One pre-norm transformer block (nanoGPT's), causal."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x))


class _NextToken(nn.Module):
    def __init__(self, vocab: int, cfg: TrainConfig, gen: torch.Generator):
        super().__init__()
        # Tied: the output layer's gradient reaches every row, so it is dense.
        self.embed = nn.Embedding(vocab, cfg.dim, sparse=not cfg.tied)
        self.pos = nn.Embedding(cfg.context, cfg.dim) if cfg.attention else None
        self.block = _Block(cfg.dim, cfg.heads) if cfg.attention else None
        self.ln_f = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, vocab, bias=False)
        if cfg.tied:
            self.head.weight = self.embed.weight
        with torch.no_grad():  # GPT-2's initialisation, drawn from our generator
            for m in self.modules():
                if isinstance(m, (nn.Linear, nn.Embedding)):
                    m.weight.normal_(0.0, 0.02, generator=gen)  # tied: the shared matrix, drawn twice
                if isinstance(m, nn.Linear) and m.bias is not None:
                    m.bias.zero_()

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.embed(x)
        if self.block is not None:
            h = h + self.pos(torch.arange(x.shape[1]))
            h = self.block(h)
        logits = self.head(self.ln_f(h))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), y.reshape(-1))


# ---------------------------------------------------------------- batches


def _keep_probability(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's down-sampling: a token of frequency f is kept with probability
    (sqrt(f/s) + 1) * s/f, so very common tokens ("the") are mostly skipped."""
    if sample <= 0:
        return np.ones(len(counts))
    f = counts / max(1, counts.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (np.sqrt(f / sample) + 1) * sample / f
    return np.clip(np.nan_to_num(p, nan=1.0, posinf=1.0), 0.0, 1.0)


#: Tokens per chunk of text turned into skip-gram pairs at once (about 10 MB of pairs).
_CHUNK_TOKENS = 1 << 18
#: Next-token: at most this many logits (tokens per step × vocabulary) per step.
_MAX_LOGITS = 1 << 24


def _unigram_table(p: np.ndarray, size: int = 1_000_000) -> torch.Tensor:
    """word2vec's sampling table: row ``i`` fills about ``p[i] * size`` slots (at least one)."""
    slots = np.maximum(1, np.round(p * size)).astype(np.int64)
    return torch.from_numpy(np.repeat(np.arange(len(p), dtype=np.int64), slots))


def _segment_of(corpus: Corpus) -> np.ndarray:
    lengths = np.diff(corpus.segments)
    return np.repeat(np.arange(len(lengths)), lengths)


def _skipgram_pairs(ids: np.ndarray, seg: np.ndarray, keep_p: np.ndarray, window: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One pass of (centre, context) pairs: down-sample, draw each centre's
    window from 1..window, pair tokens within it (never across lines), shuffle."""
    keep = rng.random(ids.shape[0]) < keep_p[ids]
    ids, seg = ids[keep], seg[keep]
    n = ids.shape[0]
    reach = rng.integers(1, window + 1, size=n)
    centres, contexts = [], []
    for off in range(1, window + 1):
        a = np.arange(n - off)
        b = a + off
        same = seg[a] == seg[b]
        fwd = same & (reach[a] >= off)  # a sees b
        bwd = same & (reach[b] >= off)  # b sees a
        centres += [ids[a[fwd]], ids[b[bwd]]]
        contexts += [ids[b[fwd]], ids[a[bwd]]]
    c = np.concatenate(centres) if centres else np.zeros(0, np.int64)
    x = np.concatenate(contexts) if contexts else np.zeros(0, np.int64)
    perm = rng.permutation(c.shape[0])
    return c[perm], x[perm]


# ---------------------------------------------------------------- trainer


class Trainer:
    """A resumable training run on one corpus.

    >>> t = Trainer(teaching_corpus(), TrainConfig(seed=1))
    >>> for p in t.run():          # or t.step(100), t.step(seconds=0.5)
    ...     draw(t)
    >>> table = t.to_table()       # EmbeddingTable named "trained: <name>"

    Not thread-safe except :meth:`stop`, which may be called from any thread
    and makes a running :meth:`step`/:meth:`run` return after the current step.
    """

    def __init__(
        self,
        corpus: Corpus,
        config: TrainConfig | None = None,
        *,
        watch: Sequence[str] | None = None,
        probes: Sequence[tuple[str, str]] = (("cat", "dog"), ("cat", "apple")),
        name: str | None = None,
        threads: int | None = 1,
    ):
        config = config or TrainConfig()
        # Native threads while training. One is the default: at this model size two
        # threads were slower on a 2-core machine (they fight over the cores with
        # other sessions and processes; see benchmarks/bench_train.py), and a
        # training session should leave a core for everyone else. None: leave as is.
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise EmbedlabError(f"threads={threads!r} must be a whole number of at least 1 (or None)")
        self.threads = threads
        self.corpus = corpus
        self.name = name or corpus.name
        self.warnings: list[str] = list(corpus.warnings)
        v, d = corpus.vocab_size, config.dim
        if v < 2:
            raise EmbedlabError(f"{corpus.name} has {v} distinct token(s); training needs at least 2")
        # Two matrices (plus optimiser state and next-token's output layer): refuse early if huge.
        check_fits(6 * estimate_bytes((v, d)), what=f"training a {v:,} × {d} table")

        if config.objective == "next_token":
            if len(corpus) <= config.context:
                short = max(1, len(corpus) - 1)
                self.warnings.append(f"context {config.context} is longer than the text; using {short}.")
                config = replace(config, context=short)
            cap = max(config.context, _MAX_LOGITS // v // config.context * config.context)
            if config.batch_size > cap:
                self.warnings.append(
                    f"batch_size {config.batch_size} with a {v:,}-token vocabulary would need "
                    f"{config.batch_size * v:,} output scores per step; using {cap}.")
                config = replace(config, batch_size=cap)
            if config.batch_size < config.context:
                self.warnings.append(
                    f"batch_size {config.batch_size} is smaller than one sequence of {config.context} tokens; "
                    f"using {config.context}.")
                config = replace(config, batch_size=config.context)
        self.config = config

        torch_gen = torch.Generator().manual_seed(config.seed)
        self._gen = torch_gen
        self._rng = np.random.default_rng(config.seed)
        if config.objective == "skipgram":
            self.model: nn.Module = _SkipGram(v, d, torch_gen)
            self._optims = [torch.optim.SGD(self.model.parameters(), lr=config.learning_rate)]
            self._keep_p = _keep_probability(corpus.counts.astype(np.float64), config.subsample)
            self._seg = _segment_of(corpus)
            self._n_chunks = max(1, math.ceil(len(corpus) / _CHUNK_TOKENS))
            self._next_chunk = 0
            # Negative sampling: unigram^0.75, as word2vec -- through word2vec's trick of a
            # table in which each row appears in proportion to that probability, so a draw
            # is one randint (much faster than torch.multinomial).
            w = corpus.counts.astype(np.float64) ** 0.75
            self._neg_p = torch.from_numpy(w / w.sum())
            self._neg_table = _unigram_table(self._neg_p.numpy())
            self._buffer = (np.zeros(0, np.int64), np.zeros(0, np.int64))
            pairs_per_epoch = self._expected_pairs()
            if pairs_per_epoch == 0:
                raise EmbedlabError(f"{corpus.name} has no two tokens on one line; skip-gram needs "
                                    "lines of at least two tokens")
            self.steps_per_epoch = max(1, math.ceil(pairs_per_epoch / config.batch_size))
        else:
            self.model = _NextToken(v, config, torch_gen)
            emb = self.model.embed.weight
            rest = [p for p in self.model.parameters() if p is not emb]
            lr = config.learning_rate
            if config.tied:
                self._optims = [torch.optim.Adam(self.model.parameters(), lr=lr)]
            else:  # SparseAdam updates only the rows present in the sparse gradient
                self._optims = [torch.optim.SparseAdam([emb], lr=lr), torch.optim.Adam(rest, lr=lr)]
            self._ids_t = torch.from_numpy(np.ascontiguousarray(corpus.ids))
            self.steps_per_epoch = max(1, math.ceil(len(corpus) / config.batch_size))
        self.total_steps = config.steps if config.steps is not None else config.epochs * self.steps_per_epoch

        self.step_count = 0
        self.losses: list[float] = []
        self.elapsed_s = 0.0
        self.initial = self.embeddings()
        #: (V, d) change the step ``last_update_step`` made to the table, and the rows
        #: that step's batch looked up (see :meth:`step` for which steps are recorded).
        self.last_update: np.ndarray | None = None
        self.last_update_step = 0
        self.last_batch_rows: np.ndarray = np.zeros(0, np.int64)
        self._cheap_record = v * d <= 1 << 22
        self._stop = threading.Event()

        watch = default_watch(corpus) if watch is None else list(watch)
        rows, labels, missing = [], [], []
        for tok in watch:
            r = corpus.index_of(tok)
            if r is None:
                missing.append(tok)
            elif r not in rows:
                rows.append(r)
                labels.append(corpus.tokens[r])
        if missing:
            self.warnings.append(f"not in the training text, so not watched: {', '.join(map(repr, missing[:10]))}"
                                 + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
        self.watch_rows = np.asarray(rows, dtype=np.int64)
        self.watch_labels: list[str] = labels
        self.probes: list[tuple[str, str, int, int]] = []
        for a, b in probes:
            ra, rb = corpus.index_of(a), corpus.index_of(b)
            if ra is not None and rb is not None:
                self.probes.append((a, b, ra, rb))
        self.snapshots: list[Snapshot] = []
        self._snapshot()

    # ------------------------------------------------------------ public API

    @property
    def done(self) -> bool:
        return self.step_count >= self.total_steps

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Ask a running :meth:`step`/:meth:`run` to return after the current step."""
        self._stop.set()

    def resume(self) -> None:
        """Clear a stop request so :meth:`step`/:meth:`run` train again."""
        self._stop.clear()

    def step(self, n: int | None = None, *, seconds: float | None = None) -> Progress:
        """Run up to ``n`` steps and/or for about ``seconds`` (whichever ends first),
        stopping early at the end of training or on :meth:`stop`."""
        if n is None and seconds is None:
            n = 1
        if n is not None and n < 0:
            raise EmbedlabError(f"n={n} must be 0 or more")
        t0 = time.perf_counter()
        limits = limit_threads(self.threads) if self.threads else contextlib.nullcontext()
        with limits:
            ran, loss_sum = self._steps(n, seconds, t0)
        self.elapsed_s += time.perf_counter() - t0
        return self._progress(loss_sum / ran if ran else float("nan"))

    def _steps(self, n: int | None, seconds: float | None, t0: float) -> tuple[int, float]:
        ran, loss_sum = 0, 0.0
        while not self.done and not self._stop.is_set() and (n is None or ran < n):
            if seconds is not None and ran and time.perf_counter() - t0 >= seconds:
                break
            # Record what each step changes when that is cheap; for big tables only the
            # last step of a counted call (or of training), or the first of a timed call.
            record = (self._cheap_record or self.step_count == self.total_steps - 1
                      or (n is not None and ran == n - 1) or (n is None and ran == 0))
            loss_sum += self._one_step(record=record)
            ran += 1
            if self.step_count % self.config.snapshot_every == 0 or self.done:
                self._snapshot()
        return ran, loss_sum

    def run(self, *, every: int | None = None) -> Iterator[Progress]:
        """Train to the end (or until :meth:`stop`), yielding progress every ``every``
        steps (default: ``snapshot_every``, so each event has a new snapshot)."""
        every = every or self.config.snapshot_every
        while not self.done and not self._stop.is_set():
            yield self.step(every)

    def embeddings(self) -> np.ndarray:
        """A float32 copy of the current embedding table (training rows × dim)."""
        return self.model.embed.weight.detach().numpy().astype(np.float32, copy=True)

    @property
    def tokens_seen(self) -> int:
        return int(round(self.step_count / self.steps_per_epoch * len(self.corpus)))

    def cosine(self, a: str, b: str, *, initial: bool = False) -> float:
        """cosine(a, b) now (or at the start)."""
        ra, rb = self._row(a), self._row(b)
        m = self.initial if initial else self.model.embed.weight.detach().numpy()
        u = _unit(m[[ra, rb]])
        return float(u[0] @ u[1])

    def neighbors(self, token: str, k: int = 5, *, initial: bool = False) -> list[tuple[str, float]]:
        """The ``k`` training rows nearest ``token`` by cosine, now or at the start (itself excluded)."""
        r = self._row(token)
        m = _unit(self.initial if initial else self.model.embed.weight.detach().numpy())
        sims = m @ m[r]
        sims[r] = -np.inf
        k = max(0, min(k, len(sims) - 1))
        top = np.argsort(-sims, kind="stable")[:k]
        return [(self.corpus.tokens[i], float(sims[i])) for i in top]

    def to_table(self, name: str | None = None) -> EmbeddingTable:
        """The trained table as an :class:`~embedlab.embeddings.EmbeddingTable` named
        ``"trained: <name>"``.

        Word corpora give one row per training word. tiktoken corpora give one row
        per token ID of the encoding (so IDs line up with the other pages): rows of
        tokens that never occur in the text were never trained and are zero.
        """
        from .embeddings import EmbeddingTable

        name = name or self.name
        trained = self.embeddings()
        c = self.corpus
        cfg = self.config
        what = "skip-gram" if cfg.objective == "skipgram" else "next-token prediction"
        source = (f"trained here with {what} on {c.name} ({len(c):,} tokens, {self.step_count:,} of "
                  f"{self.total_steps:,} steps, dim {cfg.dim}, seed {cfg.seed})")
        if c.encoding is None:
            return EmbeddingTable(trained, list(c.tokens), name=f"trained: {name}", source=source,
                                  word_level=True, encoding=None)
        from .tokenizer import vocabulary

        labels = list(vocabulary(c.encoding))
        full = np.zeros((len(labels), trained.shape[1]), dtype=np.float32)
        full[c.token_ids] = trained
        source += f"; {len(c.tokens):,} of {len(labels):,} rows trained, the others are zero (never seen)"
        return EmbeddingTable(full, labels, name=f"trained: {name}", source=source,
                              word_level=False, encoding=c.encoding)

    def line_step(self, line: int | None = None) -> StepDemo:
        """One step on a single line of the text, applied to a *copy* of the model.

        The trainer itself is untouched (its result and determinism do not
        change); the returned :class:`StepDemo` shows that a batch made of one
        sentence changes exactly the rows of that sentence's tokens. ``line``
        defaults to a line chosen from the seed and the current step.
        """
        import copy

        c = self.corpus
        lengths = np.diff(c.segments)
        usable = np.flatnonzero(lengths >= 2)
        if usable.size == 0:
            raise EmbedlabError(f"{c.name} has no line of two or more tokens")
        rng = np.random.default_rng([self.config.seed, 2, self.step_count])
        if line is None:
            line = int(rng.choice(usable))
        if not 0 <= line < len(lengths) or lengths[line] < 2:
            raise EmbedlabError(f"line {line} cannot be used: choose a line number from 0 to {len(lengths) - 1} "
                                "with at least two tokens")
        ids = c.ids[c.segments[line]:c.segments[line + 1]]
        model, optims = copy.deepcopy((self.model, self._optims))
        weight = model.embed.weight
        before = weight.detach().clone()
        gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
        cfg = self.config
        if cfg.objective == "skipgram":
            seg = np.zeros(len(ids), dtype=np.int64)
            centre, ctx = _skipgram_pairs(ids, seg, np.ones(c.vocab_size), cfg.window, rng)
            if centre.size == 0:
                raise EmbedlabError(f"line {line} gives no (word, context) pairs")
            neg = self._draw_negatives(centre.size, gen)
            cap = (torch.from_numpy(centre), torch.from_numpy(ctx), neg)
            loss = model(*cap)
            rows, per_item = centre, centre.size
        else:
            ids = ids[:cfg.context + 1]  # one sequence: at most `context` predictions
            x = torch.from_numpy(np.ascontiguousarray(ids[:-1]))[None]
            y = torch.from_numpy(np.ascontiguousarray(ids[1:]))[None]
            loss = model(x, y)
            rows, per_item, cap = x.numpy().ravel(), 1, None
        for opt in optims:
            opt.zero_grad(set_to_none=True)
        loss.backward()
        if cap is not None:
            model.cap_gradients(*cap)
        for opt in optims:
            opt.step()
        delta = (weight.detach() - before).numpy()
        return StepDemo(line=line, tokens=[c.tokens[i] for i in ids], batch_rows=np.unique(rows),
                        delta=delta, loss=float(loss.detach()) / per_item)

    # ------------------------------------------------------------ internals

    def _row(self, token: str) -> int:
        r = self.corpus.index_of(token)
        if r is None:
            from .errors import MissingTokenError

            raise MissingTokenError(f"{token!r} is not in the training vocabulary of {self.corpus.name}")
        return r

    def _chunk(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        # Pairs are made a chunk of the text at a time, so a 20 MB text never holds a
        # whole pass of pairs in memory (a window cut by a chunk edge is lost: rare).
        a = i * _CHUNK_TOKENS
        return self.corpus.ids[a:a + _CHUNK_TOKENS], self._seg[a:a + _CHUNK_TOKENS]

    def _expected_pairs(self) -> int:
        # Count one pass's pairs with a separate generator, so the schedule (total
        # steps, learning-rate decay) is known before training starts.
        rng = np.random.default_rng([self.config.seed, 1])
        total = 0
        for i in range(self._n_chunks):
            ids, seg = self._chunk(i)
            total += _skipgram_pairs(ids, seg, self._keep_p, self.config.window, rng)[0].shape[0]
        return total

    def _draw_negatives(self, n: int, gen: torch.Generator) -> torch.Tensor:
        k = self.config.negatives
        slots = torch.randint(0, len(self._neg_table), (n * k,), generator=gen)
        return self._neg_table.index_select(0, slots).view(n, k)

    def _next_pairs(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        c, x = self._buffer
        while c.shape[0] < n:  # refill from the next chunk of the text (then the next pass)
            ids, seg = self._chunk(self._next_chunk)
            self._next_chunk = (self._next_chunk + 1) % self._n_chunks
            c2, x2 = _skipgram_pairs(ids, seg, self._keep_p, self.config.window, self._rng)
            c, x = np.concatenate([c, c2]), np.concatenate([x, x2])
        self._buffer = (c[n:], x[n:])
        return c[:n], x[:n]

    def _one_step(self, *, record: bool) -> float:
        cfg = self.config
        weight = self.model.embed.weight
        # Copy the table before the step to show exactly what it changed (only
        # when asked: for big tables the copy costs as much as the step).
        before = weight.detach().clone() if record else None
        if cfg.objective == "skipgram":
            c, x = self._next_pairs(cfg.batch_size)
            centre, ctx = torch.from_numpy(c), torch.from_numpy(x)
            neg = self._draw_negatives(centre.shape[0], self._gen)
            # word2vec's linear decay to (almost) zero over the whole run.
            lr = cfg.learning_rate * max(1e-4, 1.0 - self.step_count / self.total_steps)
            for g in self._optims[0].param_groups:
                g["lr"] = lr  # kept current for line_step's copy of the optimiser
            # The written-out update (see _SkipGram.sgd_step; tested against autograd).
            loss_sum = self.model.sgd_step(centre, ctx, neg, lr)
            batch_rows, per_item = c, centre.shape[0]
        else:
            t = cfg.context
            n_seq = max(1, cfg.batch_size // t)
            starts = torch.randint(0, len(self.corpus) - t, (n_seq,), generator=self._gen)
            idx = starts.unsqueeze(1) + torch.arange(t + 1)
            chunk = self._ids_t[idx]
            x, y = chunk[:, :-1], chunk[:, 1:]
            loss = self.model(x, y)
            for opt in self._optims:
                opt.zero_grad(set_to_none=True)
            loss.backward()
            for opt in self._optims:
                opt.step()
            loss_sum = float(loss.detach())
            batch_rows, per_item = x.numpy().ravel(), 1
        if before is not None:
            self.last_update = (weight.detach() - before).numpy()
            self.last_update_step = self.step_count + 1
            # Rows the batch touched, sorted: a bincount is O(batch + vocab), np.unique sorts.
            self.last_batch_rows = np.flatnonzero(np.bincount(batch_rows, minlength=weight.shape[0]))
        self.step_count += 1
        value = loss_sum / per_item
        self.losses.append(value)
        return value

    def _snapshot(self) -> None:
        vecs = self.model.embed.weight.detach().numpy()[self.watch_rows].astype(np.float32, copy=True)
        prev = self.snapshots[-1].coords if self.snapshots else None
        coords = align_to(pca_2d(vecs), prev) if len(vecs) else np.zeros((0, 2))
        probes = {}
        for a, b, ra, rb in self.probes:
            u = _unit(self.model.embed.weight.detach().numpy()[[ra, rb]])
            probes[f"{a}·{b}"] = float(u[0] @ u[1])
        if self.snapshots and self.snapshots[-1].step == self.step_count:
            self.snapshots[-1] = Snapshot(self.step_count, vecs, coords, probes)
        else:
            self.snapshots.append(Snapshot(self.step_count, vecs, coords, probes))

    def _progress(self, loss: float) -> Progress:
        tps = self.tokens_seen / self.elapsed_s if self.elapsed_s > 0 else 0.0
        return Progress(step=self.step_count, total_steps=self.total_steps, loss=loss, elapsed_s=self.elapsed_s,
                        tokens_per_s=tps, done=self.done, stopped=self._stop.is_set())


# ---------------------------------------------------------------- one step, shown


@dataclass(frozen=True)
class StepDemo:
    """What one optimisation step on a single line of text changed (see :meth:`Trainer.line_step`)."""

    line: int
    #: The line's tokens (training-row labels), in order (next-token: at most
    #: ``context + 1`` of them, one sequence).
    tokens: list[str]
    #: Rows the step's batch looked up (the line's distinct tokens).
    batch_rows: np.ndarray
    #: (V, d) change the step made to the embedding table.
    delta: np.ndarray
    loss: float

    @property
    def changed_rows(self) -> np.ndarray:
        return np.flatnonzero(np.any(self.delta != 0, axis=1))


# ---------------------------------------------------------------- figures
# Pure builders: data in, go.Figure out (the page only displays them).


def watch_groups(corpus: Corpus, labels: Sequence[str]) -> list[str]:
    """The category of each watched label (``"other"`` when it has none)."""
    of = {tok: cat for cat, toks in corpus.categories.items() for tok in toks}
    return [of.get(t, "other") for t in labels]


def axis_bound(snapshots: Sequence[Snapshot]) -> float:
    """A symmetric axis limit that holds every snapshot's points (in steps of 0.25),
    so the live map's axes change rarely and the replay's never."""
    m = max((float(np.abs(s.coords).max()) for s in snapshots if s.coords.size), default=1.0)
    return max(0.25, math.ceil(m * 1.1 / 0.25) * 0.25)


def _group_order(groups: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for g in groups:
        if g not in seen:
            seen.append(g)
    return seen


def _map_traces(coords: np.ndarray, labels: Sequence[str], groups: Sequence[str]) -> list[go.Scatter]:
    from .figures import plotly_safe_label
    from .palette import marker_colour

    traces = []
    for i, g in enumerate(_group_order(groups)):
        idx = [j for j, gg in enumerate(groups) if gg == g]
        names = [plotly_safe_label(labels[j]) for j in idx]
        traces.append(go.Scatter(
            x=coords[idx, 0].tolist(), y=coords[idx, 1].tolist(), mode="markers+text", name=g,
            text=names, textposition="top center", customdata=names,
            marker={"size": 10, "color": marker_colour(i), "line": {"width": 1, "color": "#ffffff"}},
            hovertemplate="%{customdata}<extra>" + g + "</extra>",
        ))
    return traces


def _map_layout(fig: go.Figure, bound: float, title: str) -> None:
    axis = {"range": [-bound, bound], "zeroline": False, "showticklabels": False, "title": None}
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis, scaleanchor="x", scaleratio=1)
    fig.update_layout(title={"text": title}, height=520, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"title": {"text": "category"}})


def map_figure(snapshot: Snapshot, labels: Sequence[str], groups: Sequence[str], *,
               bound: float | None = None, total_steps: int | None = None) -> go.Figure:
    """The watched tokens at one snapshot, coloured by category, on fixed axes."""
    if len(labels) != len(snapshot.coords) or len(groups) != len(labels):
        raise EmbedlabError(f"{len(labels)} labels and {len(groups)} groups for {len(snapshot.coords)} points")
    fig = go.Figure(_map_traces(snapshot.coords, labels, groups))
    of = f" of {total_steps:,}" if total_steps else ""
    _map_layout(fig, bound or axis_bound([snapshot]), f"Watched tokens at step {snapshot.step:,}{of} (aligned PCA)")
    return fig


def animation_figure(snapshots: Sequence[Snapshot], labels: Sequence[str], groups: Sequence[str]) -> go.Figure:
    """Replay of every snapshot: a Plotly animation with play/pause and a step slider."""
    if not snapshots:
        raise EmbedlabError("no snapshots to animate yet: train for a few steps first")
    bound = axis_bound(snapshots)
    fig = go.Figure(_map_traces(snapshots[0].coords, labels, groups))
    fig.frames = [go.Frame(data=_map_traces(s.coords, labels, groups), name=str(s.step),
                           layout={"title": {"text": f"Watched tokens at step {s.step:,} (aligned PCA)"}})
                  for s in snapshots]
    play = {"frame": {"duration": 250, "redraw": True}, "fromcurrent": True,
            "transition": {"duration": 200, "easing": "linear"}}
    fig.update_layout(
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0.0, "y": -0.02, "xanchor": "left",
                      "yanchor": "top", "pad": {"t": 40},
                      "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, play]},
                                  {"label": "⏸ Pause", "method": "animate",
                                   "args": [[None], {"frame": {"duration": 0, "redraw": False},
                                                     "mode": "immediate"}]}]}],
        sliders=[{"active": 0, "x": 0.15, "len": 0.85, "y": -0.02, "yanchor": "top", "pad": {"t": 30},
                  "currentvalue": {"prefix": "step "},
                  "steps": [{"label": f"{s.step:,}", "method": "animate",
                             "args": [[str(s.step)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                                      "transition": {"duration": 0}}]} for s in snapshots]}],
    )
    _map_layout(fig, bound, f"Watched tokens at step {snapshots[0].step:,} (aligned PCA)")
    fig.update_layout(height=600, margin={"l": 10, "r": 10, "t": 50, "b": 90})
    return fig


def loss_figure(losses: Sequence[float], *, total_steps: int | None = None) -> go.Figure:
    """Loss of every step (thin) and its running mean (thick); the x-axis spans the whole run."""
    from .palette import MARKER_COLOURS

    y = np.asarray(losses, dtype=float)
    x = np.arange(1, len(y) + 1)
    w = max(1, len(y) // 40)
    mean = np.convolve(y, np.ones(w) / w, mode="valid") if len(y) >= w else y
    fig = go.Figure([
        go.Scatter(x=x.tolist(), y=y.tolist(), mode="lines", name="each step",
                   line={"width": 1, "color": "#9bbbd9"}, hovertemplate="step %{x}: %{y:.3f}<extra></extra>"),
        go.Scatter(x=x[w - 1:].tolist(), y=mean.tolist(), mode="lines", name=f"mean of {w}",
                   line={"width": 3, "color": MARKER_COLOURS[0]},
                   hovertemplate="step %{x}: %{y:.3f}<extra>running mean</extra>"),
    ])
    fig.update_xaxes(title={"text": "step"}, range=[0, max(total_steps or 0, len(y), 1)])
    fig.update_yaxes(title={"text": "loss"}, rangemode="tozero")
    fig.update_layout(title={"text": "Training loss"}, height=340, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.25, "x": 0, "yanchor": "top"})
    return fig


def probes_figure(snapshots: Sequence[Snapshot], *, total_steps: int | None = None) -> go.Figure:
    """cosine(cat, dog), cosine(cat, apple)... at every snapshot, on a fixed −1..1 axis."""
    from .palette import marker_colour

    names = list(snapshots[0].probes) if snapshots else []
    steps = [s.step for s in snapshots]
    fig = go.Figure([
        go.Scatter(x=steps, y=[s.probes.get(n) for s in snapshots], mode="lines+markers", name=f"cosine({n.replace('·', ', ')})",
                   line={"color": marker_colour(i), "width": 3}, marker={"size": 5},
                   hovertemplate="step %{x}: %{y:.3f}<extra>" + n + "</extra>")
        for i, n in enumerate(names)
    ])
    fig.update_xaxes(title={"text": "step"}, range=[0, max(total_steps or 0, steps[-1] if steps else 0, 1)])
    fig.update_yaxes(title={"text": "cosine similarity"}, range=[-1, 1])
    fig.update_layout(title={"text": "Similarity over training"}, height=340,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.25, "x": 0, "yanchor": "top"})
    return fig


def updated_rows_figure(delta: np.ndarray, labels: Sequence[str], *, step: int | None = None,
                        max_rows: int = 300, title: str | None = None) -> go.Figure:
    """Which rows one step changed: a strip (changed or not, every row) above the
    change itself (dimensions × rows, white where nothing changed).

    Rows are in vocabulary order (most frequent first); the lower panel shows
    the first ``max_rows`` of them.
    """
    from plotly.subplots import make_subplots

    from .figures import unique_labels
    from .palette import DIVERGING, MARKER_COLOURS

    d = np.asarray(delta, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] != len(labels):
        raise EmbedlabError(f"delta of shape {d.shape} does not match {len(labels)} labels")
    changed = np.any(d != 0, axis=1)
    n, k = d.shape[0], int(changed.sum())
    shown = min(n, max_rows)
    names = unique_labels(labels)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.18, 0.82], vertical_spacing=0.06, shared_xaxes=False)
    fig.add_trace(go.Heatmap(
        z=[changed.astype(int).tolist()], x=names, y=["changed"], zmin=0, zmax=1, showscale=False,
        colorscale=[[0, "#f2f2f2"], [1, MARKER_COLOURS[5]]],
        customdata=[["yes" if c else "no" for c in changed]],
        hovertemplate="%{x}: changed %{customdata}<extra></extra>", xgap=0,
    ), row=1, col=1)
    sub = d[:shown].T  # dimensions × rows
    bound = float(np.abs(sub).max()) or 1.0
    fig.add_trace(go.Heatmap(
        z=np.where(sub == 0, np.nan, sub).tolist(), x=names[:shown], y=[f"d{j}" for j in range(d.shape[1])],
        colorscale=DIVERGING, zmid=0, zmin=-bound, zmax=bound, colorbar={"title": {"text": "change"}, "len": 0.75, "y": 0.4},
        hovertemplate="%{x}, %{y}: %{z:.2e}<extra></extra>", hoverongaps=False,
    ), row=2, col=1)
    fig.update_xaxes(showticklabels=False, type="category", row=1, col=1)
    fig.update_xaxes(showticklabels=shown <= 60, type="category", row=2, col=1, title={
        "text": f"rows (first {shown:,} of {n:,}, most frequent first)" if shown < n else "rows (most frequent first)"})
    fig.update_yaxes(autorange="reversed", row=2, col=1)
    fig.update_layout(
        title={"text": title or (f"Step {step:,}: " if step else "") + f"{k:,} of {n:,} rows changed"},
        height=420, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="#ffffff",
    )
    return fig


def neighbour_rows(trainer: Trainer, tokens: Sequence[str], *, k: int = 5) -> list[dict[str, str]]:
    """For each token: its nearest neighbours before training and now (for a table)."""
    def fmt(pairs: list[tuple[str, float]]) -> str:
        return ", ".join(f"{t.strip() or repr(t)} ({s:.2f})" for t, s in pairs)

    rows = []
    for tok in tokens:
        if trainer.corpus.index_of(tok) is None:
            continue
        rows.append({"token": tok, "before training": fmt(trainer.neighbors(tok, k, initial=True)),
                     f"after {trainer.step_count:,} steps": fmt(trainer.neighbors(tok, k))})
    return rows


# ---------------------------------------------------------------- downloads


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "trained"


def _vocab_line(label: str) -> str:
    # One label per line: write the characters that would break lines/columns visibly.
    return label.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def export_files(trainer: Trainer, table: EmbeddingTable | None = None) -> dict[str, bytes]:
    """The trained table as files to download, name -> bytes:

    * ``<name>.safetensors`` -- every row, with the labels in its metadata; the
      Embeddings page's file loader reads it back as the same table;
    * ``<name>-vocabulary.txt`` -- one label per line, in row order (``\\n``,
      ``\\t`` and ``\\\\`` written as escapes);
    * ``vectors.tsv`` + ``metadata.tsv`` -- the TensorFlow Projector pair
      (projector.tensorflow.org → Load), for the trained rows, with each
      token's category.

    Writers reused: :func:`embedlab.embedding_files.save_embeddings` and
    :func:`embedlab.mapfig.projector_tsv`.
    """
    import tempfile
    from pathlib import Path

    from .embedding_files import save_embeddings
    from .mapfig import projector_tsv

    table = table or trainer.to_table()
    slug = _slug(table.name)
    with tempfile.TemporaryDirectory() as tmp:
        path = save_embeddings(table, Path(tmp) / f"{slug}.safetensors")
        st_bytes = path.read_bytes()
    c = trainer.corpus
    vectors, meta = projector_tsv(trainer.embeddings(), list(c.tokens),
                                  categories=watch_groups(c, list(c.tokens)))
    return {
        f"{slug}.safetensors": st_bytes,
        f"{slug}-vocabulary.txt": "".join(_vocab_line(t) + "\n" for t in table.tokens).encode("utf-8"),
        "vectors.tsv": vectors.encode("utf-8"),
        "metadata.tsv": meta.encode("utf-8"),
    }
