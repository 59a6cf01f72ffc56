"""embedlab: entry point. Navigation and the shared sidebar only; pages do the rest."""

import logging

import streamlit as st

from appkit import pages, shell, sidebar, state, widgets

st.set_page_config(
    page_title="embedlab", page_icon="🧮", layout="wide",
    initial_sidebar_state="collapsed" if st.query_params.get("presenter") == "1" else "auto",
)
logging.getLogger("streamlit").setLevel(logging.ERROR)

# position="hidden" plus client.showSidebarNavigation=false: we draw our own menu
# (appkit.sidebar), which avoids Streamlit's pages/ + st.navigation file-name bug.
_nav_pages = state.nav_pages(lambda: [
    st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
    for p in pages.available()
])
current = st.navigation(_nav_pages, position="hidden")
state.begin_run()
sidebar.render(_nav_pages)
# Above the page: notes about link/lesson values that were clamped or refused, shown as they arise.
notes_box = st.container()
with notes_box:
    widgets.show_url_notes()  # queued by an earlier run (a lesson file opened in the sidebar, say)
state.set_notes_box(notes_box)
shell.enter()
try:
    current.run()
finally:
    state.set_notes_box(None)
    shell.leave()
state.sync_url()  # skipped when the page ends early with st.stop(); the next run catches up
