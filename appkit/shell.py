"""Make sure every page runs inside app.py's navigation and sidebar.

Streamlit has a measured bug when a folder named ``pages/`` sits beside an app
that uses ``st.navigation``: until ``st.navigation`` has been called once in the
server process, Streamlit runs in its old "pages directory" mode, and a first
visitor who deep-links to ``/tokens`` gets ``pages/tokens.py`` run *directly*,
without app.py (no sidebar, file names as titles) -- and so does everyone after.

Fix: app.py marks the run (:func:`enter`/:func:`leave`). A page that finds no
mark (:func:`require_app`) switches the old mode off -- exactly what
``st.navigation`` itself does on its first call -- and runs app.py in its
place, in the same run (a rerun would lose a button click that triggered this
run; AppTest starts every run in the old mode). app.py then runs the page
properly, and the direct run stops. Covered by tests/e2e/test_tokens.py, which
deep-links first on a fresh server.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_IN_APP = "el._in_app"


def enter() -> None:
    st.session_state[_IN_APP] = True


def leave() -> None:
    st.session_state[_IN_APP] = False


_APP = Path(__file__).resolve().parent.parent / "app.py"


def require_app() -> None:
    if st.session_state.get(_IN_APP):
        return
    PagesManager.uses_pages_directory = False
    runpy.run_path(str(_APP), run_name="__main__")
    st.stop()
