"""Widgets several pages share, bound to the shared state (one definition each)."""

from __future__ import annotations

import pandas as pd
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


# ------------------------------------------------------------------ presenter mode
# Every page draws charts, tables and token spans through these three, so the
# sidebar's presenter toggle reaches all of them in one place.

#: In presenter mode a table shows at most this many columns and rows (no wide tables
#: on a projector); the rest is named in a caption.
PRESENTER_COLUMNS = 5
PRESENTER_ROWS = 12


def presenter_on() -> bool:
    return bool(state.param("presenter", False, urlstate.flag))


def chart(fig, **kwargs):
    """``st.plotly_chart`` that applies presenter styling (larger type and markers) when on."""
    if presenter_on():
        fig = el.presenter_figure(fig)
    return st.plotly_chart(fig, **kwargs)


def table(data, **kwargs):
    """``st.dataframe``; in presenter mode a narrow, large-type ``st.table`` of the first rows
    and columns, with a caption saying what was left out (the full table is one toggle away)."""
    from . import cache

    if isinstance(data, cache.SharedTable):
        if not presenter_on() and kwargs.get("hide_index"):
            return st.dataframe(data.arrow, **kwargs)
        data = data.frame
    if not presenter_on():
        if isinstance(data, pd.DataFrame) and kwargs.get("hide_index") and isinstance(data.index, pd.RangeIndex):
            # The same Arrow table for every session showing the same rows: converting
            # pandas to Arrow is Streamlit's own cost on each run otherwise.
            data = cache.arrow_table(data)
        return st.dataframe(data, **kwargs)
    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    hidden_cols = list(df.columns[PRESENTER_COLUMNS:])
    shown = df.iloc[:PRESENTER_ROWS, :PRESENTER_COLUMNS]
    st.table(shown, hide_index=bool(kwargs.get("hide_index", False)), width="content")
    left = []
    if len(df) > PRESENTER_ROWS:
        left.append(f"{len(df) - PRESENTER_ROWS:,} more rows")
    if hidden_cols:
        left.append("the columns " + ", ".join(f"“{c}”" for c in hidden_cols))
    if left:
        st.caption("Presenter mode shows a short table; " + " and ".join(left)
                   + " are left out. Switch presenter mode off in the sidebar for the full table.")
    return None


def spans(tokens, **kwargs) -> None:
    """Token spans (``el.token_spans_html``), in the presenter palette when presenter mode is on."""
    st.html(el.token_spans_html(tokens, presenter=presenter_on(), **kwargs))
