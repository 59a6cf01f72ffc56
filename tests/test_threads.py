"""embedlab.threads: the cached thread limiter limits like threadpool_limits and notices new libraries."""

import sys
import types

import numpy as np  # noqa: F401  (loads a BLAS for the limiter to find)
from threadpoolctl import threadpool_info

from embedlab import threads


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_limits_blas_inside_and_restores_after():
    before = _blas_threads()
    assert before, "numpy's BLAS should be visible to threadpoolctl"
    with threads.limit_threads(1, user_api="blas"):
        assert _blas_threads() == {1}
    assert _blas_threads() == before


def test_controller_is_reused_until_a_new_module_is_imported(monkeypatch):
    first = threads._current()
    assert threads._current() is first  # no rescan while nothing new was imported
    monkeypatch.setitem(sys.modules, "embedlab_test_fake_native_module", types.ModuleType("fake"))
    assert threads._current() is not first  # an import may have brought a new native library
