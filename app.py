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
_nav_pages = [
    st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
    for p in pages.available()
]
current = st.navigation(_nav_pages, position="hidden")
state.begin_run()
sidebar.render(_nav_pages)
notes_box = st.container()  # above the page: notes about restored values (filled after the page ran)
shell.enter()
current.run()
shell.leave()
with notes_box:
    widgets.show_url_notes()
state.sync_url()
