"""The shared sidebar: our own page menu, presenter mode, and lesson files."""

from __future__ import annotations

import streamlit as st

from embedlab import lesson, urlstate

from . import state

PRESENTER_CSS = """
<style>
html, .stApp { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] { font-size: 1.15rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.6rem !important; }
.el-spans { font-size: 1.7rem !important; }
[data-testid="stTable"] { font-size: 1.3rem; }
[data-testid="stDataFrame"] { max-width: 900px; }
</style>
"""


def render(nav_pages: list) -> None:
    with st.sidebar:
        st.markdown("## 🧮 embedlab")
        st.caption("How language models turn text into vectors: text → tokens → IDs → vectors → maps.")
        for page in nav_pages:
            st.page_link(page)
        st.divider()
        on = state.widget(st.toggle, "Presenter mode", "presenter", scope="sidebar", default=False,
                          parse=urlstate.flag,
                          help="For a projector: larger type and markers, one strong colour-blind-safe "
                               "palette for spans and maps, short tables; the sidebar folds away.")
        if on and not state.param("sidebar.presenter_was", False):
            # Just switched on: fold the sidebar away (Streamlit applies a *changed*
            # initial_sidebar_state; the sidebar can be opened again as usual).
            st.set_page_config(initial_sidebar_state="collapsed")
        elif not on and state.param("sidebar.presenter_was", False):
            st.set_page_config(initial_sidebar_state="auto")
        state.put("sidebar.presenter_was", bool(on))
        # Built only when opened (a lazy expander): the download button serialises every
        # setting, and the sidebar is drawn on every run of every page.
        lesson_box = st.expander("Lesson file", key="w.sidebar.lesson", on_change="rerun")
        if lesson_box.open:
            with lesson_box:
                st.caption("Save everything on screen (text, settings, word lists) as a file, "
                           "or open one a teacher sent. The page's address is a shareable link too.")
                st.download_button("Download lesson (.json)", lesson.dump_lesson(state.lesson_values()),
                                   file_name="embedlab-lesson.json", mime="application/json",
                                   key="w.sidebar.lesson_download")
                up = st.file_uploader("Open a lesson file", type=["json"], key="w.sidebar.lesson_upload")
                if up is not None and state.get_raw("lesson.loaded_id") != up.file_id:
                    state.put("lesson.loaded_id", up.file_id)
                    try:
                        values, notes = lesson.load_lesson(up.getvalue()[: lesson.MAX_BYTES + 1], state.lesson_parsers())
                    except lesson.FileFormatError as e:
                        st.error(str(e), icon="⚠️")
                    else:
                        state.apply_values(values)
                        state.add_notes(notes + [f"Lesson file opened: {len(values)} setting(s) restored."])
                        st.rerun()
        if on:
            st.html(PRESENTER_CSS)
        st.divider()
        st.caption(
            "Works offline. Tokenizers: tiktoken (verified local files). "
            "GloVe 6B vectors: Stanford NLP, PDDL licence."
        )
