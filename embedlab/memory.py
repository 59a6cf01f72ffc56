"""Memory estimates and guards: refuse a request *before* allocating it."""

from __future__ import annotations

import numpy as np
import psutil

from .errors import ResourceError

import os

# Leave head-room for the interpreter, the browser and other sessions.
_SAFETY_FRACTION = 0.5
#: One request may never take more than this, however much is free: the app is shared by a
#: class, and a 10 GB table for one student would starve the rest. Override with
#: EMBEDLAB_MAX_ALLOC_GB (or pass ``budget=``) in a notebook.
MAX_ALLOC_BYTES = int(float(os.environ.get("EMBEDLAB_MAX_ALLOC_GB", "4")) * 1e9)


def format_bytes(n: float) -> str:
    """Human-readable size with decimal units, as people read them on a slide: 154 MB."""
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}".replace(".0 ", " ")
        n /= 1000
    raise AssertionError("unreachable")


def estimate_bytes(shape: tuple[int, ...], dtype: np.dtype | str = "float32") -> int:
    """Bytes an array of ``shape`` and ``dtype`` takes (Python ints: no overflow)."""
    count = 1
    for s in shape:
        if int(s) < 0:
            raise ValueError(f"negative dimension {s} in shape {shape}")
        count *= int(s)
    return count * np.dtype(dtype).itemsize


def available_bytes() -> int:
    """Memory the OS says is available now."""
    return int(psutil.virtual_memory().available)


def check_fits(needed: int, *, what: str, budget: int | None = None) -> None:
    """Raise :class:`ResourceError` if ``needed`` bytes would not fit.

    ``budget`` defaults to half of the memory available now, capped at
    :data:`MAX_ALLOC_BYTES`, so one session can never take the machine from everyone else.
    """
    avail = available_bytes()
    limit = min(int(avail * _SAFETY_FRACTION), MAX_ALLOC_BYTES) if budget is None else int(budget)
    if needed > limit:
        raise ResourceError(
            f"{what} would need about {format_bytes(needed)}, but only {format_bytes(limit)} "
            f"may be used here ({format_bytes(avail)} free). Choose a smaller size.",
            needed_bytes=needed,
            available_bytes=avail,
        )
