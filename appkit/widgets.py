"""Widgets several pages share, bound to the shared state (one definition each)."""

from __future__ import annotations

import streamlit as st

import embedlab as el
from embedlab import urlstate

from . import state

DEFAULT_TEXT = "The cat dog"
MAX_TEXT = 1_000_000


def text_area(*, scope: str, label: str = "Text", height: int = 120) -> str:
    """The shared text box: what a student types follows them from page to page."""
    return state.widget(
        st.text_area, label, "text", scope=scope, default=DEFAULT_TEXT, parse=urlstate.text(MAX_TEXT),
        height=height, max_chars=MAX_TEXT,
        help="Type or paste anything. Press Ctrl+Enter (or click outside) to update.",
    )


def encoding_select(*, scope: str, label: str = "Encoding", container=st) -> str:
    return state.widget(
        container.selectbox, label, "encoding", scope=scope, default="gpt2", parse=urlstate.choice(el.ENCODINGS),
        options=list(el.ENCODINGS), format_func=lambda n: f"{n} — {el.ENCODING_INFO[n]}",
    )


def special_toggle(*, scope: str) -> bool:
    return state.widget(
        st.toggle, "Treat special-token text as special tokens", "allow_special", scope=scope,
        default=False, parse=urlstate.flag,
        help="Off: '<|endoftext|>' typed by a user is just text (safe default). "
        "On: it becomes the model's single special token (ID 50256 in gpt2).",
    )


def show_url_notes() -> None:
    for note in state.url_notes():
        st.warning(note, icon="🔗")


def page_link(path: str, *, label: str, icon: str | None = None) -> None:
    """A link to another page, shown only when that page exists in this build."""
    from . import pages

    if any(p.path == path for p in pages.available()):
        st.page_link(path, label=label, icon=icon)
