"""Streamlit side of the Map page: caches, the long-run gate, progress + Stop, UMAP warm-up.

Projections are kept in one process-wide store keyed by everything that
changes the coordinates (table, point set, method, dimensions, metric, seed,
parameters, sample) -- and nothing else, so changing colour, highlight,
search or selection never recomputes a map, while changing a parameter
always does. Stored results are read-only (embedlab freezes their arrays).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np
import streamlit as st

from embedlab.categories import CATEGORIES
from embedlab.mapfig import PointSet, point_set
from embedlab.projection import Projection, ProjectionCancelled, run_projection, warm_up_umap
from embedlab.urlstate import ParamError

from . import state

_MAX_STORED = 24


class _Store:
    """A small thread-safe LRU of finished projections (shared by every session)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > _MAX_STORED:
                self._items.popitem(last=False)


@st.cache_resource
def _store() -> _Store:
    return _Store()


@st.cache_resource
def start_umap_warmup() -> threading.Thread:
    """Compile UMAP's numba code in a background thread, once per server process.

    app.py can call this at start; the Map page calls it too (a no-op after the first time).
    """
    t = threading.Thread(target=warm_up_umap, name="embedlab-umap-warmup", daemon=True)
    t.start()
    return t


def table_key(table: Any) -> str:
    """Identity of an embedding table for cache keys: name, shape and a strided sample of its rows."""
    n = len(table)
    rows = np.asarray(table.vectors[:: max(1, n // 64)], dtype=np.float32)
    h = hashlib.sha1(f"{table.name}|{n}|{table.dim}|{table.encoding}|{table.word_level}".encode())
    h.update(rows.tobytes())
    return h.hexdigest()[:16]


@st.cache_resource(max_entries=64, show_spinner=False)
def _point_set(_table: Any, tkey: str, kind: str, options: tuple[tuple[str, Any], ...]) -> PointSet:
    return point_set(_table, kind, **dict(options))


def cached_point_set(table: Any, kind: str, **options: Any) -> PointSet:
    """A point set, cached per (table, kind, options); PointSet is immutable, so it is shared."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
    return _point_set(table, table_key(table), kind, frozen)


def projection_key(*parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:20]


def stored(key: str) -> Any:
    return _store().get(key)


def store(key: str, value: Any) -> None:
    _store().put(key, value)


def _mark_stopped(key: str) -> None:
    state.put("map._stopped", key)


def stopped(key: str) -> bool:
    return state.get_raw("map._stopped") == key


def clear_stop() -> None:
    state.put("map._stopped", None)


def approve(key: str, sample: int | None) -> None:
    """The user confirmed a long run (sample=None: all points; else that sample size)."""
    state.put("map._approved", (key, sample))
    clear_stop()


def approval(key: str) -> tuple[bool, int | None]:
    got = state.get_raw("map._approved")
    if isinstance(got, tuple) and got[0] == key:
        return True, got[1]
    return False, None


def run_with_progress(key: str, vectors: np.ndarray, **kwargs: Any) -> Projection | None:
    """Run a projection with a progress bar and a Stop button; store and return it (None if stopped)."""
    slot = st.empty()  # cleared when the run ends, so no finished bar is left on the page
    box = slot.container(border=True)
    bar = box.progress(0.0, text="Starting…")
    box.button("⏹ Stop", key="w.map.stop", on_click=_mark_stopped, args=(key,),
               help="Stops at the next progress step; nothing is drawn.")
    last = [0.0]

    def progress(fraction: float, message: str) -> None:
        # Each update also lets Streamlit interrupt the run when Stop (or any widget) is used.
        now = time.monotonic()
        if now - last[0] >= 0.2 or fraction >= 1.0:
            bar.progress(fraction, text=message)
            last[0] = now

    try:
        result = run_projection(vectors, progress=progress, should_stop=lambda: stopped(key), **kwargs)
    except ProjectionCancelled:
        slot.empty()
        return None
    store(key, result)
    slot.empty()
    return result


def category_list(raw: str) -> list[str]:
    """URL parser for the chosen categories (comma-separated names)."""
    names = [c.strip() for c in raw.split(",") if c.strip()]
    bad = [c for c in names if c not in CATEGORIES]
    good = [c for c in names if c in CATEGORIES]
    if bad:
        raise ParamError(f"unknown categor{'y' if len(bad) == 1 else 'ies'} {', '.join(bad)[:80]}; ignored",
                         clamped=good or ["animals", "fruits"])
    if not good:
        raise ParamError("no category given; using animals and fruits", clamped=["animals", "fruits"])
    return good
