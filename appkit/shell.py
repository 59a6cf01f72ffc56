"""Make sure every page runs inside app.py's navigation and sidebar.

Streamlit has a measured bug when a folder named ``pages/`` sits beside an app
that uses ``st.navigation``: until ``st.navigation`` has been called once in the
server process, Streamlit runs in its old "pages directory" mode, and a first
visitor who deep-links to ``/tokens`` gets ``pages/tokens.py`` run *directly*,
without app.py (no sidebar, file names as titles) -- and so does everyone after.

Fix: app.py marks the run (:func:`enter`/:func:`leave`). A page that finds no
mark (:func:`require_app`) switches the old mode off -- exactly what
``st.navigation`` itself does on its first call -- and reruns, so the rerun
goes through app.py. Covered by tests/e2e/test_tokens.py, which deep-links
first on a fresh server.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_IN_APP = "el._in_app"


def enter() -> None:
    st.session_state[_IN_APP] = True


def leave() -> None:
    st.session_state[_IN_APP] = False


def require_app() -> None:
    if not st.session_state.get(_IN_APP):
        PagesManager.uses_pages_directory = False
        st.rerun()
