"""Projections of embedding vectors onto 2-D / 3-D maps, and how honest they are.

``project(vectors, method=...)`` turns an ``(n, dim)`` array into ``(n, 2)`` or
``(n, 3)`` map coordinates with one of three methods:

* ``"pca"`` -- scikit-learn's PCA on *every* row (no sampling), with the share
  of variance each map axis explains;
* ``"tsne"`` -- openTSNE (Barnes-Hut below 3,000 points, FFT-interpolation
  from there -- measured crossover, see ``_FFT_MIN_POINTS``; 3-D always
  Barnes-Hut because openTSNE's FFT supports 2-D only). Chosen over scikit-learn's TSNE by
  measurement (``benchmarks/README-projection.md``) and because it reports
  progress every few iterations, which lets the page show a bar and a Stop;
* ``"umap"`` -- umap-learn. Its first use in a process pays numba's JIT
  compilation; call :func:`warm_up_umap` in a background thread at start-up.

A map is never a faithful copy of the space, so :func:`neighbour_preservation`
measures how many of each point's k nearest neighbours in the original space
are still among its k nearest on the map (plus scikit-learn's
trustworthiness), overall and for one selected point.

Input that a method cannot take is corrected with a note when that is safe
(t-SNE perplexity above (n-1)/3, UMAP n_neighbors above n-1), and refused with
:class:`ProjectionError` when it is not (fewer than 3 points, NaN rows, a 3-D map
of 2-D vectors). Nothing is ever sampled silently: the caller decides, helped
by :func:`estimate_seconds` and :func:`sample_indices`.
"""

from __future__ import annotations

import os

# libgomp (the OpenMP runtime scikit-learn and openTSNE's native code use)
# reads this once, when it is loaded. Its default, ACTIVE, makes idle worker
# threads spin; on a small shared machine the spinning threads steal the cores
# the BLAS threads need. It only takes effect if nothing has loaded libgomp yet,
# so the app should also import this module (or set the variable) first.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import math  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Mapping, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from types import MappingProxyType  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from .threads import limit_threads  # noqa: E402

from .errors import EmbedlabError  # noqa: E402
from .memory import check_fits, estimate_bytes  # noqa: E402

__all__ = [
    "PROJECTION_METHODS",
    "PROJECTION_METRICS",
    "MIN_POINTS",
    "INTERACTIVE_SECONDS",
    "Projection",
    "ProjectionError",
    "ProjectionCancelled",
    "ProjectionNote",
    "Preservation",
    "PointPreservation",
    "project",
    "run_projection",
    "explained_variance",
    "axis_projection",
    "neighbour_preservation",
    "point_preservation",
    "trustworthiness",
    "estimate_seconds",
    "sample_indices",
    "warm_up_umap",
    "umap_is_warm",
]

#: Projection methods, in the order the UI lists them.
PROJECTION_METHODS: tuple[str, ...] = ("pca", "tsne", "umap")
#: Distance used to find neighbours in the original space.
PROJECTION_METRICS: tuple[str, ...] = ("cosine", "euclidean")
#: A map of fewer points says nothing (and t-SNE/UMAP cannot run on them).
MIN_POINTS = 3
#: Runs expected to take longer than this (seconds) should be confirmed by the user.
INTERACTIVE_SECONDS = 20.0

_DEFAULT_METRIC = {"pca": "euclidean", "tsne": "cosine", "umap": "cosine"}

# Accepted method parameters and their defaults. Anything else is refused, so
# a typo ("perplexicity") is not silently ignored.
_TSNE_DEFAULTS: dict[str, Any] = {
    "perplexity": 30.0,
    "early_exaggeration_iter": 250,
    "n_iter": 500,
    "learning_rate": "auto",
    "exaggeration": None,
    "initialization": "pca",
    "pca_first": "auto",
}
_UMAP_DEFAULTS: dict[str, Any] = {
    "n_neighbors": 15, "min_dist": 0.1, "n_epochs": None, "init": "spectral", "pca_first": "auto",
}
# "auto" pre-reduction: above this many points *and* dimensions, t-SNE and UMAP run
# on the top PRE_PCA_COMPONENTS principal components (scikit-learn's TSNE docs
# recommend the same; the neighbour search in 768-D dominated a 50,257-point run).
PRE_PCA_MIN_POINTS = 10_000
# openTSNE's FFT gradient: embedding units per interpolation interval (see _tsne).
_FFT_INTS_IN_INTERVAL = 2.0
# 2-D t-SNE uses the FFT gradient from this many points, Barnes-Hut below. Measured on GloVe
# rows (1 thread, exact neighbours, same quality either way): 2,000 points BH 9.7 s vs FFT
# 12.3 s; 5,000 points BH 33.8 s vs FFT 17.5 s. (openTSNE's own "auto" switches at 10,000.)
_FFT_MIN_POINTS = 3_000
# t-SNE's neighbour search: exact up to this many points, then approximate (see _tsne).
_EXACT_NEIGHBOURS_MAX = 60_000
_KNN_WORKING_MB = 128
PRE_PCA_MIN_DIM = 100
PRE_PCA_COMPONENTS = 50
_PCA_DEFAULTS: dict[str, Any] = {}
_DEFAULTS = {"pca": _PCA_DEFAULTS, "tsne": _TSNE_DEFAULTS, "umap": _UMAP_DEFAULTS}

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]


class ProjectionError(EmbedlabError):
    """Input a projection cannot take; the message names the value and the fix."""


class ProjectionCancelled(Exception):
    """Raised when ``should_stop()`` returned True; nothing partial is returned."""


class ProjectionNote(UserWarning):
    """A visible note about input that was corrected (``project`` emits these as warnings)."""


@dataclass(frozen=True)
class Projection:
    """A finished projection: coordinates plus what was done to get them."""

    #: ``(n, n_components)`` float32 map coordinates, read-only.
    coords: np.ndarray
    method: str
    n_components: int
    metric: str
    seed: int
    #: The parameters actually used, after clamping (e.g. the clamped perplexity).
    params: Mapping[str, Any]
    #: PCA only: share of the total variance along each map axis.
    explained_variance_ratio: np.ndarray | None = None
    #: Human-readable notes on corrected input; the UI shows them.
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    #: Free-form extras (e.g. the implementation that ran).
    info: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- validation


def _label(i: int, labels: Sequence[str] | None) -> str:
    return f"row {i} ({labels[i]!r})" if labels is not None and i < len(labels) else f"row {i}"


def _as_matrix(vectors: Any, *, labels: Sequence[str] | None, n_components: int | None = None) -> np.ndarray:
    """Validate ``vectors`` as a finite 2-D numeric array with at least MIN_POINTS rows."""
    try:
        x = np.asarray(vectors)
    except Exception as e:  # ragged lists etc.
        raise ProjectionError(f"vectors could not be read as an array ({e}); pass an (n, dim) array") from None
    if x.dtype == object or not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise ProjectionError(f"vectors must be numbers, got dtype {x.dtype}; pass an (n, dim) float array")
    if x.ndim != 2:
        raise ProjectionError(f"vectors must be a 2-D (n, dim) array, got shape {x.shape}")
    n, dim = x.shape
    if n < MIN_POINTS:
        raise ProjectionError(
            f"a map needs at least {MIN_POINTS} points, got {n}; add more tokens or words to the point set"
        )
    if dim < 1:
        raise ProjectionError("vectors have 0 dimensions; nothing to project")
    if n_components is not None and dim < n_components:
        raise ProjectionError(
            f"the vectors have {dim} dimension(s), so a {n_components}-D map would invent axes; "
            f"choose a {dim}-D map or fewer components"
        )
    finite = np.isfinite(x).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        shown = ", ".join(_label(int(i), labels) for i in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise ProjectionError(
            f"{len(bad)} row(s) contain NaN or infinity: {shown}{more}; remove those rows before projecting"
        )
    return x


def _check_choice(name: str, value: Any, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value.lower() not in options:
        raise ProjectionError(f"{name} {value!r} is not supported; choose one of {', '.join(options)}")
    return value.lower()


def _unit_rows(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Rows scaled to unit length (zero rows stay zero); also the number of zero rows.

    Euclidean distance between unit vectors is sqrt(2 - 2 cos), a monotone
    function of cosine distance: it ranks neighbours exactly as cosine does,
    and every nearest-neighbour backend supports it.
    """
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    zero = norms[:, 0] == 0
    out = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    return out, int(zero.sum())


def _prepare_space(x: np.ndarray, metric: str) -> tuple[np.ndarray, list[str]]:
    """Float32 copy of ``x`` in which Euclidean distance realises ``metric``."""
    notes: list[str] = []
    if metric == "cosine":
        x, zeros = _unit_rows(x)
        if zeros:
            notes.append(
                f"{zeros} zero vector(s) have no direction, so cosine similarity is undefined for them; "
                "they are treated as unrelated to every other point."
            )
    else:
        x = np.ascontiguousarray(x, dtype=np.float32)
    return x, notes


# --------------------------------------------------------------------------- PCA


def _pca(x: np.ndarray, n_components: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.decomposition import PCA

    # svd_solver="auto" picks the covariance eigen-solver for tall, narrow
    # tables (50,257 x 768, 400,000 x 50): one (dim x dim) Gram product, exact,
    # and the fastest option measured here. random_state only matters when
    # "auto" falls back to the randomized solver (wide inputs).
    pca = PCA(n_components=n_components, random_state=seed)
    coords = pca.fit_transform(x)
    return coords, np.asarray(pca.explained_variance_ratio_, dtype=np.float64)


def explained_variance(vectors: Any, *, n_components: int = 3, normalize: bool = False) -> np.ndarray:
    """Share of the total variance captured by each of the first ``n_components`` principal axes.

    ``normalize=True`` first scales rows to unit length (PCA of directions,
    which is what "cosine" means for PCA). Computed on every row.
    """
    x = _as_matrix(vectors, labels=None)
    k = min(int(n_components), x.shape[0], x.shape[1])
    if k < 1:
        raise ProjectionError(f"n_components must be at least 1, got {n_components}")
    if normalize:
        x, _ = _unit_rows(x)
    from sklearn.decomposition import PCA

    return np.asarray(PCA(n_components=k).fit(np.asarray(x, dtype=np.float32)).explained_variance_ratio_)


# --------------------------------------------------------------------------- t-SNE


def _tsne(
    x: np.ndarray,
    n_components: int,
    seed: int,
    params: dict[str, Any],
    *,
    n_jobs: int,
    report: Callable[[float, str], None],
) -> tuple[np.ndarray, dict[str, Any]]:
    import sklearn
    from openTSNE import TSNE

    n = x.shape[0]
    # openTSNE's FFT gradient only exists for 1-D and 2-D embeddings.
    method = "fft" if (n >= _FFT_MIN_POINTS and n_components == 2) else "bh"
    early = int(params["early_exaggeration_iter"])
    total = early + int(params["n_iter"])
    every = max(1, min(25, total // 20))
    state = {"last": 0, "offset": 0}

    def callback(iteration: int, error: float, embedding: np.ndarray) -> bool:
        # openTSNE counts iterations per phase (early exaggeration, then the
        # rest); a smaller number than last time means the second phase began.
        if iteration <= state["last"]:
            state["offset"] = early
        state["last"] = iteration
        done = min(total, state["offset"] + iteration)
        report(0.2 + 0.8 * done / total, f"t-SNE iteration {done} of {total}")
        return False

    report(0.0, "t-SNE: finding nearest neighbours and affinities")
    tsne = TSNE(
        n_components=n_components,
        perplexity=float(params["perplexity"]),
        learning_rate=params["learning_rate"],
        early_exaggeration_iter=int(params["early_exaggeration_iter"]),
        n_iter=int(params["n_iter"]),
        exaggeration=params["exaggeration"],
        initialization=params["initialization"],
        metric="euclidean",  # on unit rows when the caller asked for cosine
        negative_gradient_method=method,
        # FFT only: one interpolation interval per 2 units of the embedding instead of
        # openTSNE's 1. After early exaggeration a 10,000-point map spreads over ~150
        # units and the grid, not the points, dominates each iteration; measured on
        # 10,000 GloVe rows: 2.9x faster, neighbour preservation 0.417 vs 0.421,
        # trustworthiness unchanged (0.975); 3 per interval was slower and worse.
        ints_in_interval=_FFT_INTS_IN_INTERVAL,
        # Exact neighbours (scikit-learn's chunked brute force, BLAS) rather than openTSNE's
        # "auto" Annoy index: on 50-D rows, measured 2.7 s vs 6.4 s at 10,000 points and
        # 14 s vs ~60 s at 50,000. Brute force grows as n^2, so Annoy takes over above that.
        neighbors="exact" if n <= _EXACT_NEIGHBOURS_MAX else "auto",
        n_jobs=n_jobs,
        random_state=seed,
        callbacks=callback,
        callbacks_every_iters=every,
        verbose=False,
    )
    # Bound the brute-force search's distance chunks (scikit-learn's default is 1 GB),
    # since other sessions share the machine's memory.
    with sklearn.config_context(working_memory=_KNN_WORKING_MB):
        embedding = tsne.fit(x)
    report(1.0, f"t-SNE iteration {total} of {total}")
    return np.asarray(embedding), {"implementation": f"openTSNE {method.upper()}", "gradient": method}


# --------------------------------------------------------------------------- UMAP

_umap_warm = threading.Event()
_umap_lock = threading.Lock()


class _ProgressSink:
    """A file-like object for tqdm that turns umap-learn's epoch bar into progress calls.

    umap-learn offers no callback, but it drives its layout loop through tqdm
    and forwards ``tqdm_kwds``; tqdm writes ``"...| 12/200 ..."`` to ``file``.
    """

    def __init__(self, report: Callable[[float, str], None]):
        self._report = report

    def write(self, s: str) -> int:
        import re

        m = re.search(r"(\d+)/(\d+)", s)
        if m and int(m.group(2)) > 0:
            done, total = int(m.group(1)), int(m.group(2))
            self._report(0.3 + 0.7 * done / total, f"UMAP epoch {done} of {total}")
        return len(s)

    def flush(self) -> None:
        pass


def _umap(
    x: np.ndarray,
    n_components: int,
    seed: int,
    params: dict[str, Any],
    *,
    report: Callable[[float, str], None],
) -> tuple[np.ndarray, dict[str, Any]]:
    report(0.0, "UMAP: loading (the first run in a fresh server compiles code)")
    import umap

    report(0.05, "UMAP: finding nearest neighbours")
    reducer = umap.UMAP(
        n_components=n_components,
        n_neighbors=int(params["n_neighbors"]),
        min_dist=float(params["min_dist"]),
        n_epochs=params["n_epochs"],
        init=params["init"],
        metric="euclidean",  # on unit rows when the caller asked for cosine
        random_state=seed,  # umap-learn then runs single-threaded and reproducibly
        n_jobs=1,
        verbose=False,
        tqdm_kwds={"disable": False, "file": _ProgressSink(report), "mininterval": 0.25, "ascii": True},
    )
    with warnings.catch_warnings():
        # umap-learn warns that random_state disables parallelism: that is the point.
        warnings.filterwarnings("ignore", message=".*n_jobs value.*")
        warnings.filterwarnings("ignore", message=".*random_state.*")
        coords = reducer.fit_transform(x)
    _umap_warm.set()
    return np.asarray(coords), {"implementation": f"umap-learn {umap.__version__}"}


def warm_up_umap() -> float:
    """Compile umap-learn's numba code now (both its exact and approximate neighbour paths).

    Call it once in a background thread when the app starts, so the user's
    first UMAP does not pay the JIT. Returns the seconds it took (near zero
    when already warm). Safe to call from several threads.
    """
    t0 = time.perf_counter()
    with _umap_lock:
        if _umap_warm.is_set():
            return time.perf_counter() - t0
        import umap

        rng = np.random.default_rng(0)
        x = rng.standard_normal((300, 16)).astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Same dtype, metric and options as real runs; the second call takes
            # the NN-descent path that umap-learn uses above 4,096 points.
            for force in (False, True):
                umap.UMAP(
                    n_components=2, n_neighbors=10, random_state=0, n_jobs=1, n_epochs=20,
                    force_approximation_algorithm=force,
                ).fit_transform(x)
            umap.UMAP(n_components=3, n_neighbors=10, random_state=0, n_jobs=1, n_epochs=20).fit_transform(x)
        _umap_warm.set()
    return time.perf_counter() - t0


def umap_is_warm() -> bool:
    """True once UMAP has run (or been warmed up) in this process."""
    return _umap_warm.is_set()


# --------------------------------------------------------------------------- main entry points


def _effective_params(method: str, n: int, params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    defaults = _DEFAULTS[method]
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        accepted = ", ".join(sorted(defaults)) or "none"
        raise ProjectionError(
            f"unknown parameter(s) for {method}: {', '.join(unknown)}; accepted parameters: {accepted}"
        )
    eff = {**defaults, **params}
    notes: list[str] = []
    if method == "tsne":
        perp = eff["perplexity"]
        if isinstance(perp, bool) or not isinstance(perp, (int, float)) or not perp > 0 or not math.isfinite(perp):
            raise ProjectionError(f"t-SNE perplexity must be a positive number, got {perp!r}")
        limit = (n - 1) / 3
        if perp > limit:
            # openTSNE does the same; we do it first so the note reaches the UI.
            notes.append(
                f"t-SNE perplexity {perp:g} is too large for {n} points (at most (n-1)/3 = {limit:.3g}); "
                f"using {limit:.3g}."
            )
            eff["perplexity"] = limit
        for key in ("early_exaggeration_iter", "n_iter"):
            v = eff[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ProjectionError(f"t-SNE {key} must be a whole number >= 0, got {v!r}")
        if eff["early_exaggeration_iter"] + eff["n_iter"] < 1:
            raise ProjectionError("t-SNE needs at least one iteration; raise n_iter")
    elif method == "umap":
        k = eff["n_neighbors"]
        if isinstance(k, bool) or not isinstance(k, int) or k < 2:
            raise ProjectionError(f"UMAP n_neighbors must be a whole number >= 2, got {k!r}")
        if k > n - 1:
            notes.append(f"UMAP n_neighbors {k} is more than the other {n - 1} points; using {n - 1}.")
            eff["n_neighbors"] = n - 1
        md = eff["min_dist"]
        if isinstance(md, bool) or not isinstance(md, (int, float)) or not 0 <= md <= 1:
            raise ProjectionError(f"UMAP min_dist must be between 0 and 1, got {md!r}")
        ep = eff["n_epochs"]
        if ep is None:
            # umap-learn runs 500 epochs up to 10,000 points. From 2,000 points we run
            # 200 (what umap-learn uses for bigger data): on 5,000 GloVe rows that took
            # 6.3 s -> 3.0 s, keeping neighbour preservation 0.277 vs 0.292 and
            # trustworthiness 0.917 vs 0.926 (benchmarks/README-projection.md).
            eff["n_epochs"] = 200 if n >= 2_000 else None
        elif isinstance(ep, bool) or not isinstance(ep, int) or ep < 1:
            raise ProjectionError(f"UMAP n_epochs must be a whole number >= 1 or None, got {ep!r}")
        if eff["init"] == "spectral" and n <= 20:
            # The spectral initialisation needs an eigen-decomposition of a
            # graph with more nodes than components; for a handful of points
            # umap-learn falls back itself, with a warning. Do it explicitly.
            eff["init"] = "random"
    if method in ("tsne", "umap"):
        pf = eff["pca_first"]
        if not (pf == "auto" or pf is None or (isinstance(pf, int) and not isinstance(pf, bool) and pf >= 0)):
            raise ProjectionError(
                f"pca_first must be 'auto', 0/None (off) or a number of components, got {pf!r}"
            )
    return eff, notes


def _pre_pca(space: np.ndarray, setting: Any, seed: int) -> tuple[np.ndarray, list[str]]:
    """Optionally keep only the top principal components before t-SNE/UMAP (see PRE_PCA_*)."""
    n, dim = space.shape
    if setting == "auto":
        k = PRE_PCA_COMPONENTS if (n >= PRE_PCA_MIN_POINTS and dim > PRE_PCA_MIN_DIM) else 0
    else:
        k = int(setting or 0)
    if k <= 0 or k >= dim:
        return space, []
    from sklearn.decomposition import PCA

    pca = PCA(n_components=k, random_state=seed)
    reduced = np.ascontiguousarray(pca.fit_transform(space), dtype=np.float32)
    kept = float(pca.explained_variance_ratio_.sum())
    return reduced, [
        f"to find neighbours quickly, the {dim}-dimensional vectors were first reduced to their top {k} "
        f"principal components ({kept:.0%} of the variance); the honesty check still uses all {dim} dimensions."
    ]


def run_projection(
    vectors: Any,
    *,
    method: str = "pca",
    n_components: int = 2,
    seed: int = 0,
    metric: str | None = None,
    labels: Sequence[str] | None = None,
    n_jobs: int = 1,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    **params: Any,
) -> Projection:
    """Project ``vectors`` (n, dim) to an ``n_components``-D map; see the module docstring.

    ``metric`` (default: euclidean for PCA, cosine for t-SNE/UMAP) is the
    distance that defines neighbours in the original space; for PCA "cosine"
    means rows are scaled to unit length first. ``labels`` only improve error
    messages. ``progress(fraction, message)`` is called as work proceeds and
    ``should_stop()`` is polled at the same moments; when it returns True,
    :class:`ProjectionCancelled` is raised. ``n_jobs`` caps the threads of
    every native library involved (BLAS, OpenMP, openTSNE), which on a small
    shared machine is faster than letting them compete (see benchmarks/).
    Method parameters: t-SNE ``perplexity``, ``n_iter``,
    ``early_exaggeration_iter``, ``learning_rate``, ``exaggeration``,
    ``initialization``; UMAP ``n_neighbors``, ``min_dist``, ``n_epochs``,
    ``init``; both ``pca_first`` ("auto": top 50 principal components first
    when there are >= 10,000 points of > 100 dimensions, with a note; 0: off;
    k: always k components). Seeds are exact: the same input and seed give bit-identical
    coordinates.
    """
    method = _check_choice("method", method, PROJECTION_METHODS)
    if isinstance(n_components, bool) or n_components not in (2, 3):
        raise ProjectionError(f"n_components must be 2 or 3, got {n_components!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ProjectionError(f"seed must be a whole number >= 0, got {seed!r}")
    seed = int(seed)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ProjectionError(f"n_jobs must be a whole number >= 1, got {n_jobs!r}")
    metric = _check_choice("metric", metric or _DEFAULT_METRIC[method], PROJECTION_METRICS)
    x = _as_matrix(vectors, labels=labels, n_components=n_components)
    n, dim = x.shape
    # float32 working copy (+ a few of the same for the libraries' internals).
    check_fits(4 * estimate_bytes((n, dim), "float32"), what=f"projecting {n:,} x {dim} vectors")
    eff, notes = _effective_params(method, n, dict(params))

    def report(fraction: float, message: str) -> None:
        if should_stop is not None and should_stop():
            raise ProjectionCancelled(f"{method} projection stopped at {fraction:.0%}")
        if progress is not None:
            progress(min(1.0, max(0.0, float(fraction))), message)

    t0 = time.perf_counter()
    space, space_notes = _prepare_space(x, metric)
    notes += space_notes
    evr = None
    info: dict[str, Any]
    # Cap every native thread pool for the duration of the call: two BLAS
    # threads on skinny products showed 10-50x outliers on this shared box.
    with limit_threads(n_jobs):
        if method == "pca":
            report(0.0, "PCA")
            coords, evr = _pca(space, n_components, seed)
            info = {"implementation": "scikit-learn PCA (exact, all rows)"}
        else:
            space, pre_notes = _pre_pca(space, eff["pca_first"], seed)
            notes += pre_notes
            if method == "tsne":
                coords, info = _tsne(space, n_components, seed, eff, n_jobs=n_jobs, report=report)
            else:
                coords, info = _umap(space, n_components, seed, eff, report=report)
    report(1.0, "done")
    coords = np.ascontiguousarray(coords, dtype=np.float32)
    coords.flags.writeable = False
    if evr is not None:
        evr.flags.writeable = False
    return Projection(
        coords=coords,
        method=method,
        n_components=n_components,
        metric=metric,
        seed=seed,
        params=MappingProxyType(eff),
        explained_variance_ratio=evr,
        notes=tuple(notes),
        seconds=time.perf_counter() - t0,
        info=MappingProxyType(info),
    )


def project(
    vectors: Any,
    *,
    method: str = "pca",
    n_components: int = 2,
    seed: int = 0,
    **params: Any,
) -> np.ndarray:
    """Map coordinates ``(n, n_components)`` of ``vectors``; corrections are emitted as ProjectionNote warnings.

    A thin wrapper over :func:`run_projection` (which also returns the
    explained variance, the parameters used and the notes).
    """
    result = run_projection(vectors, method=method, n_components=n_components, seed=seed, **params)
    for note in result.notes:
        warnings.warn(note, ProjectionNote, stacklevel=2)
    return result.coords


# --------------------------------------------------------------------------- axis mode


def axis_projection(
    vectors: Any,
    *,
    x_axis: tuple[Any, Any],
    y_axis: tuple[Any, Any],
    axis_names: tuple[str, str, str, str] | None = None,
) -> Projection:
    """A map with readable axes (as in whatlies): x runs from word A to word B, y from C to D.

    ``x_axis=(a, b)`` are two vectors; a point's x is its position along the
    line from a to b, scaled so that a sits at 0 and b at 1 (likewise y with
    ``y_axis=(c, d)``). So "man -> woman" vs "small -> big" reads directly off
    the axes. The two directions need not be perpendicular; when they nearly
    coincide the map is squeezed onto a diagonal, and a note says so.
    """
    x = _as_matrix(vectors, labels=None)
    dim = x.shape[1]
    names = axis_names or ("A", "B", "C", "D")
    coords = np.empty((x.shape[0], 2), dtype=np.float64)
    directions = []
    for col, (start, end), (n0, n1) in ((0, x_axis, names[:2]), (1, y_axis, names[2:])):
        s = np.asarray(start, dtype=np.float64).reshape(-1)
        e = np.asarray(end, dtype=np.float64).reshape(-1)
        if s.shape != (dim,) or e.shape != (dim,):
            raise ProjectionError(
                f"axis {n0}->{n1}: both ends must be vectors of dimension {dim}, got {s.shape} and {e.shape}"
            )
        if not (np.isfinite(s).all() and np.isfinite(e).all()):
            raise ProjectionError(f"axis {n0}->{n1}: an end vector contains NaN or infinity")
        d = e - s
        length2 = float(d @ d)
        if length2 == 0.0:
            raise ProjectionError(
                f"axis {n0}->{n1} has zero length ({n0} and {n1} have the same vector); pick two different words"
            )
        coords[:, col] = (x - s) @ d / length2
        directions.append(d / math.sqrt(length2))
    cos = float(directions[0] @ directions[1])
    notes = []
    if abs(cos) > 0.9:
        notes.append(
            f"the two axes point almost the same way (cosine {cos:.2f}), so points fall near a diagonal; "
            "choose word pairs that differ in another way"
        )
    out = np.ascontiguousarray(coords, dtype=np.float32)
    out.flags.writeable = False
    return Projection(
        coords=out, method="axes", n_components=2, metric="euclidean", seed=0,
        params=MappingProxyType({"axis_cosine": cos, "axis_names": tuple(names)}), notes=tuple(notes),
        info=MappingProxyType({"implementation": "scalar projection onto two word-to-word directions"}),
    )


# --------------------------------------------------------------------------- honesty


@dataclass(frozen=True)
class Preservation:
    """How well a map keeps each point's nearest neighbours from the original space."""

    k: int
    metric: str
    #: Indices of the points that were evaluated (all of them unless ``sampled``).
    points: np.ndarray
    #: For each evaluated point, how many of its k original-space neighbours are among its k map neighbours.
    kept: np.ndarray
    #: Mean of kept / k over the evaluated points (1.0 = every neighbourhood intact).
    mean: float
    #: scikit-learn's trustworthiness (1.0 = no point has map neighbours that are far away in the original).
    trustworthiness: float
    #: What a map that placed points at random would keep on average: k / (n - 1).
    chance: float
    sampled: bool
    notes: tuple[str, ...] = ()

    @property
    def fraction(self) -> np.ndarray:
        """kept / k for each evaluated point."""
        return self.kept / self.k


@dataclass(frozen=True)
class PointPreservation:
    """Neighbourhood of one point in the original space and on the map."""

    index: int
    k: int
    original: np.ndarray  # indices of its k nearest in the original space, nearest first
    on_map: np.ndarray  # indices of its k nearest on the map, nearest first
    kept: int

    @property
    def fraction(self) -> float:
        return self.kept / self.k


def _check_pair(high: Any, low: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    h = _as_matrix(high, labels=None)
    lo = _as_matrix(low, labels=None)
    if lo.shape[0] != h.shape[0]:
        raise ProjectionError(f"{h.shape[0]} original vectors but {lo.shape[0]} map points; they must match")
    n = h.shape[0]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ProjectionError(f"k must be a whole number >= 1, got {k!r}")
    if k >= n - 1:
        raise ProjectionError(
            f"k = {k} neighbours leaves nothing to compare among {n} points; choose k of at most {n - 2}"
        )
    return h, lo


def _sq_dists(q: np.ndarray, x: np.ndarray, x_sq: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances |q - x|^2 = |q|^2 + |x|^2 - 2 q.x, clipped at 0 (in x's dtype)."""
    d = (q * q).sum(1)[:, None] + x_sq[None, :] - 2 * (q @ x.T)
    np.maximum(d, 0, out=d)
    return d


def _knn_rows(q_idx: np.ndarray, x: np.ndarray, x_sq: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k nearest points of each query row (the query itself excluded), nearest first."""
    d = _sq_dists(x[q_idx], x, x_sq)
    d[np.arange(len(q_idx)), q_idx] = np.inf
    part = np.argpartition(d, k, axis=1)[:, :k]
    order = np.take_along_axis(d, part, axis=1).argsort(axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _chunks(n_queries: int, n: int, k: int) -> int:
    # Each chunk holds a (chunk x n) float32 distance block and a (chunk x k x n)
    # boolean rank test: about 16 MB and 32 MB at most.
    return max(1, min(n_queries, 4_000_000 // n, 32_000_000 // (n * k)))


def _high_space(h: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Float32 original space where Euclidean distance realises ``metric``, and its squared row norms.

    float32 halves the memory traffic of the big (queries x n) products; the
    ranks it gives differ from float64 ones only among near-ties.
    """
    hs, notes = _prepare_space(h, metric)
    return hs, np.einsum("ij,ij->i", hs, hs), notes


def neighbour_preservation(
    original: Any,
    coords: Any,
    *,
    k: int = 10,
    metric: str = "cosine",
    max_points: int | None = 2_000,
    seed: int = 0,
) -> Preservation:
    """Share of each point's k nearest original-space neighbours that stay among its k nearest on the map.

    Also computes trustworthiness (Venna & Kaski; the formula of
    ``sklearn.manifold.trustworthiness``) without its n x n distance matrix.
    Neighbours are always searched among *all* points; when there are more
    than ``max_points`` points, the scores are averaged over a seeded random
    sample of that many query points, and ``sampled`` and the notes say so
    (``max_points=None`` evaluates every point: exact, but quadratic in n).
    Distances on the map are Euclidean; in the original space they use ``metric``.
    """
    metric = _check_choice("metric", metric, PROJECTION_METRICS)
    h, lo = _check_pair(original, coords, k)
    n = h.shape[0]
    if 2 * k >= n:
        # Trustworthiness' normalisation is only defined for k < n/2.
        raise ProjectionError(f"k = {k} is too large for {n} points; choose k below n/2 = {n / 2:g}")
    if max_points is not None and (isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 1):
        raise ProjectionError(f"max_points must be a whole number >= 1 or None, got {max_points!r}")
    hs, h_sq, notes = _high_space(h, metric)
    ls = np.asarray(lo, dtype=np.float64)
    l_sq = (ls * ls).sum(1)
    if max_points is not None and n > max_points:
        rng = np.random.default_rng(seed)
        points = np.sort(rng.choice(n, size=int(max_points), replace=False))
        sampled = True
        notes.append(
            f"scores averaged over a random sample of {len(points):,} of the {n:,} points (seed {seed}); "
            "their neighbours were searched among all points"
        )
    else:
        points = np.arange(n)
        sampled = False
    kept = np.empty(len(points), dtype=np.int64)
    penalty = 0.0
    step = _chunks(len(points), n, k)
    # One BLAS thread: the products here are skinny, where two threads showed
    # large outliers on this shared machine (benchmarks/README-projection.md).
    with limit_threads(1, user_api="blas"):
        for start in range(0, len(points), step):
            q = points[start : start + step]
            rows = np.arange(len(q))
            dh = _sq_dists(hs[q], hs, h_sq)
            dh[rows, q] = np.inf
            nn_high = np.argpartition(dh, k, axis=1)[:, :k]
            nn_low = _knn_rows(q, ls, l_sq, k)
            is_high = np.zeros((len(q), n), dtype=bool)
            is_high[rows[:, None], nn_high] = True
            intruder = ~is_high[rows[:, None], nn_low]  # map neighbours that were not original neighbours
            kept[start : start + step] = k - intruder.sum(1)
            # Rank (1 = nearest) of each intruder among the query's original-space distances.
            t = np.where(intruder, dh[rows[:, None], nn_low], -np.inf)
            ranks = (dh[:, None, :] < t[:, :, None]).sum(2) + 1
            penalty += float(np.where(intruder, ranks - k, 0).sum())
    scale = n / len(points)  # a sample estimates the sum over all points
    trust = 1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty * scale
    kept.flags.writeable = False
    points.flags.writeable = False
    return Preservation(
        k=int(k), metric=metric, points=points, kept=kept, mean=float(kept.mean() / k),
        trustworthiness=float(trust), chance=float(k / (n - 1)), sampled=sampled, notes=tuple(notes),
    )


def trustworthiness(original: Any, coords: Any, *, k: int = 10, metric: str = "euclidean") -> float:
    """scikit-learn's trustworthiness on every point, computed in chunks (no n x n matrix)."""
    return neighbour_preservation(original, coords, k=k, metric=metric, max_points=None).trustworthiness


def _nearest_to_row(x: np.ndarray, index: int, k: int, metric: str) -> np.ndarray:
    """k nearest rows to row ``index`` of ``x`` (itself excluded), nearest first, without copying x."""
    q = np.asarray(x[index], dtype=np.float64)
    with limit_threads(1, user_api="blas"):
        dots = np.asarray(x @ q.astype(x.dtype), dtype=np.float64)
        norms_sq = np.einsum("ij,ij->i", x, x).astype(np.float64)
    if metric == "cosine":
        denom = np.sqrt(norms_sq) * float(np.sqrt(q @ q))
        d = 1.0 - np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 0)
    else:
        d = np.maximum(norms_sq + float(q @ q) - 2.0 * dots, 0.0)
    d[index] = np.inf
    part = np.argpartition(d, k)[:k]
    return part[np.argsort(d[part], kind="stable")]


def point_preservation(original: Any, coords: Any, index: int, *, k: int = 10, metric: str = "cosine") -> PointPreservation:
    """The k nearest neighbours of point ``index`` in the original space and on the map, and how many agree."""
    metric = _check_choice("metric", metric, PROJECTION_METRICS)
    h, lo = _check_pair(original, coords, k)
    n = h.shape[0]
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise ProjectionError(f"point index {index!r} is out of range; there are {n} points (0 to {n - 1})")
    if not np.issubdtype(h.dtype, np.floating):
        h = h.astype(np.float64)
    nn_h = _nearest_to_row(h, int(index), k, metric)
    nn_l = _nearest_to_row(np.asarray(lo, dtype=np.float64), int(index), k, "euclidean")
    kept = int(np.isin(nn_l, nn_h).sum())
    return PointPreservation(index=int(index), k=int(k), original=nn_h, on_map=nn_l, kept=kept)


# --------------------------------------------------------------------------- planning


# Seconds per unit of work, fitted to benchmarks/bench_projection.py on this
# 2-core machine (single thread, other users present; see
# benchmarks/README-projection.md). Rough on purpose: they only decide whether
# to ask "this will take about N s; run anyway?".
_COST = {
    "pca": 3.0e-11,  # per (n * dim^2)
    "tsne_bh": 4.0e-3,  # per point and log-factor, 750 iterations, 2-D
    "tsne_fft": 1.3e-3,  # per point and log-factor (2 units per FFT interval, exact neighbours)
    "tsne_fft_grid": 4.0,  # FFT's interpolation grid: a cost per run whatever n
    "knn_dim": 3.0e-6,  # neighbour search: per (n * dim) ...
    "knn_log": 1.2e-4,  # ... plus per (n * log10 n)
    "umap": 6.0e-4,  # per point and log-factor, warm
}


def estimate_seconds(n_points: int, dim: int, *, method: str, n_components: int = 2) -> float:
    """Rough expected run time on this kind of machine, so the UI can ask before a long run.

    For UMAP this excludes numba's one-off compilation in a fresh process
    (:func:`umap_is_warm` says whether it is still to come).
    """
    method = _check_choice("method", method, PROJECTION_METHODS)
    n, d = max(0, int(n_points)), max(1, int(dim))
    logf = max(1.0, math.log10(max(n, 10)) / 3)
    if method == "pca":
        return _COST["pca"] * n * d * d + 0.01
    if n >= PRE_PCA_MIN_POINTS and d > PRE_PCA_MIN_DIM:
        d = PRE_PCA_COMPONENTS  # the "auto" pre-reduction
    knn = _COST["knn_dim"] * n * d + _COST["knn_log"] * n * math.log10(max(n, 10))
    if method == "tsne":
        fft = n >= _FFT_MIN_POINTS and n_components == 2
        per = _COST["tsne_fft"] if fft else _COST["tsne_bh"]
        per *= 1.5 if n_components == 3 else 1.0
        return per * n * logf + knn + 0.5 + (_COST["tsne_fft_grid"] if fft else 0.0)
    # Without numba's one-off compilation: sampling cannot shorten that (see umap_is_warm).
    return _COST["umap"] * n * logf + 0.3 * knn + 1.0


def sample_indices(n: int, size: int, *, seed: int = 0) -> np.ndarray:
    """A reproducible random sample of ``size`` row positions out of ``n``, in increasing order."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_POINTS:
        raise ProjectionError(f"sample size must be a whole number >= {MIN_POINTS}, got {size!r}")
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=int(size), replace=False))
