"""Thread limits for native libraries (BLAS, OpenMP), without re-scanning them each time.

``threadpoolctl.threadpool_limits`` finds the loaded libraries afresh on every
call by reading the process's memory map; py-spy under a 30-session load and
the Train lab's profile both showed that scan as a visible cost (about 2 ms a
call, paid on every training chunk and every neighbour search). A
``ThreadpoolController`` scans once; we rebuild it only when new modules have
been imported since (a new native library arrives with an import), so a library
loaded later -- torch, openTSNE, numba -- is still limited.
"""

from __future__ import annotations

import sys
import threading
from contextlib import AbstractContextManager
from typing import Literal

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_controller: ThreadpoolController | None = None
_modules_seen = -1


def _current() -> ThreadpoolController:
    global _controller, _modules_seen
    with _lock:
        n = len(sys.modules)
        if _controller is None or n != _modules_seen:
            _controller = ThreadpoolController()
            _modules_seen = n
        return _controller


def limit_threads(limits: int, *, user_api: Literal["blas", "openmp"] | None = None) -> AbstractContextManager:
    """``threadpool_limits(limits=..., user_api=...)`` with the library scan cached."""
    return _current().limit(limits=limits, user_api=user_api)
