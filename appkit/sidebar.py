"""The shared sidebar: our own page menu and app-wide settings."""

from __future__ import annotations

import streamlit as st


def render(nav_pages: list) -> None:
    with st.sidebar:
        st.markdown("## 🧮 embedlab")
        st.caption("How language models turn text into vectors: text → tokens → IDs → vectors → maps.")
        for page in nav_pages:
            st.page_link(page)
        st.divider()
        st.caption(
            "Works offline. Tokenizers: tiktoken (verified local files). "
            "GloVe 6B vectors: Stanford NLP, PDDL licence."
        )
