"""Process-wide caches for the shared, read-only objects (Streamlit side).

``cache_resource`` hands every session the *same* object, so whatever is
cached here must never be mutated: tokenizers are immutable, token lists are
tuples of frozen dataclasses.
"""

from __future__ import annotations

import streamlit as st

import embedlab as el


@st.cache_resource(show_spinner="Loading tokenizer…")
def encoding(name: str):
    return el.get_encoding(name)


@st.cache_resource(max_entries=256, show_spinner=False)
def tokens(text: str, encoding_name: str, allow_special: bool) -> tuple[el.Token, ...]:
    encoding(encoding_name)  # load through the cache above (spinner on first use)
    return tuple(el.tokenize(text, encoding_name, allow_special=allow_special))
