"""Shared test set-up: quiet Streamlit logging, clear Streamlit caches between tests."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The app must work with no network: make any accidental Hub access fail fast.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

logging.getLogger("streamlit").setLevel(logging.ERROR)

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """st.cache_* is process-wide; keep tests independent of each other."""
    yield
    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.fixture
def app_test():
    """A fresh AppTest of the whole app (generous timeout: torch's cold import is slow)."""
    from streamlit.testing.v1 import AppTest

    def make(page: str | None = None, **session):
        at = AppTest.from_file(APP, default_timeout=60)
        for k, v in session.items():
            at.session_state[k] = v
        at.run()
        if page:
            at.switch_page(page).run()
        return at

    return make
