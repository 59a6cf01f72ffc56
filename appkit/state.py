"""Session state, initialised in one place, and mirrored in the URL.

Every value a page keeps lives under a namespaced key ``el.<page>.<name>``
(shared values under ``el.<name>``), declared once with :func:`param`. On the
first run of a session a declared value is read from the URL query string
(validated and clamped, with a visible note), else from its default; on every
run the current page's values are written back to the URL, so a reload or a
copied link restores the view.

Widgets never own the value: a widget gets its own key (``w.<key>``) seeded
from the stored value, and copies changes back. Streamlit deletes a widget's
state when a page without that widget runs; the stored value survives.
"""

from __future__ import annotations

from collections.abc import Callable
import threading
from dataclasses import dataclass
from typing import Any

import streamlit as st

from embedlab.tokenizer import sanitize_text
from embedlab.urlstate import ParamError

PREFIX = "el."
_NOTES = "el._url_notes"
_ACTIVE = "el._active_params"
_OPENED_WITH = "el._opened_with"
_NAV_PAGES = "el._nav_pages"


@dataclass(frozen=True)
class Param:
    key: str  # e.g. "text", "map.method"
    default: Any
    parse: Callable[[str], Any] | None  # URL string -> value (raise ParamError to refuse)
    in_url: bool = True
    url_max: int = 2000  # longest string value written to the URL
    dump: Callable[[Any], Any] | None = None  # value -> JSON data for a lesson file (default: as is)


_REGISTRY: dict[str, Param] = {}


def param(key: str, default: Any, parse: Callable[[str], Any] | None = None, *, in_url: bool = True,
          dump: Callable[[Any], Any] | None = None) -> Any:
    """Declare a stored value (idempotent) and return its current value.

    ``parse`` reads the value back from a link or lesson file (None: never restored);
    ``dump`` turns a value that is not plain JSON (a DataFrame) into JSON data for
    lesson files, which ``parse`` then reads as JSON text.
    """
    p = _REGISTRY.get(key)
    if p is None:
        p = Param(key, default, parse, in_url, dump=dump)
        _REGISTRY[key] = p
    skey = PREFIX + key
    if skey not in st.session_state:
        st.session_state[skey] = _from_url(p)
    active = st.session_state.setdefault(_ACTIVE, set())
    active.add(key)
    return st.session_state[skey]


def _from_url(p: Param) -> Any:
    # The link the session opened with (a snapshot: later runs rewrite the URL).
    opened = st.session_state.get(_OPENED_WITH, {})
    raw = opened.get(p.key) if p.in_url and p.parse is not None else None
    if raw is None:
        return p.default
    try:
        return p.parse(raw)
    except ParamError as e:
        add_notes([f"Link parameter `{p.key}`: {e}"])
        if e.clamped is not None:
            return e.clamped
        return p.default


def get(key: str) -> Any:
    return st.session_state[PREFIX + key] if PREFIX + key in st.session_state else _REGISTRY[key].default


def put(key: str, value: Any) -> None:
    st.session_state[PREFIX + key] = value


def widget(fn: Callable[..., Any], label: str, key: str, *, scope: str, **kwargs: Any) -> Any:
    """Render widget ``fn`` bound to stored value ``key`` and return its value.

    ``fn`` is a Streamlit widget function (``st.text_area``, ``st.selectbox``,
    ``st.sidebar.toggle``…). Pass ``default=`` and ``parse=`` to declare the value.
    ``scope`` (the page's name) keeps widget keys distinct between pages: two
    different widgets sharing one key across a page switch lose their value.
    """
    default = kwargs.pop("default", None)
    parse = kwargs.pop("parse", None)
    in_url = kwargs.pop("in_url", True)
    value = param(key, default, parse, in_url=in_url)
    wkey = f"w.{scope}.{key}"
    options = kwargs.get("options")
    if options is not None and value not in list(options):
        value = default if default in list(options) else list(options)[0]
        put(key, value)
    if isinstance(value, str):
        # Lone surrogates (from a lesson file, say) cannot even be sent to the browser.
        clean, notes = sanitize_text(value)
        if notes:
            value = clean
            put(key, value)
            st.session_state.pop(wkey, None)
            add_notes([f"`{key}`: {n}" for n in notes])
    # A stored value outside the widget's current range (the range can shrink, e.g. a k
    # bounded by the number of points) is clamped rather than crashing the widget.
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        clamped = min(max(value, lo if lo is not None else value), hi if hi is not None else value)
        if clamped != value:
            value = clamped
            put(key, value)
            st.session_state.pop(wkey, None)
    if wkey in st.session_state and isinstance(st.session_state[wkey], (int, float)) \
            and not isinstance(st.session_state[wkey], bool):
        w = st.session_state[wkey]
        if (lo is not None and w < lo) or (hi is not None and w > hi):
            st.session_state[wkey] = value
    if wkey not in st.session_state:
        st.session_state[wkey] = value

    def _copy_back() -> None:
        put(key, st.session_state[wkey])

    return fn(label, key=wkey, on_change=_copy_back, **kwargs)


def url_notes() -> list[str]:
    """Messages about restored values that were refused, clamped or repaired (shown once)."""
    return st.session_state.pop(_NOTES, [])


def nav_pages(build: Callable[[], list]) -> list:
    """This session's ``st.Page`` objects, built once by ``build``.

    Not shared between sessions: ``st.navigation`` marks the chosen page runnable on the
    object itself. Not rebuilt every run either: ``st.Page`` resolves its file on disk
    (about 5 % of the server's time with 30 sessions, py-spy).
    """
    if _NAV_PAGES not in st.session_state:
        st.session_state[_NAV_PAGES] = build()
    return st.session_state[_NAV_PAGES]


def begin_run() -> None:
    """Call at the start of every run (app.py): remember the link the session opened
    with (first run only), and forget which params the last page used."""
    if _OPENED_WITH not in st.session_state:
        st.session_state[_OPENED_WITH] = {k: st.query_params.get(k) for k in st.query_params}
    st.session_state[_ACTIVE] = set()


def sync_url() -> None:
    """Write this run's non-default values to the URL (app.py calls it after the page)."""
    wanted: dict[str, str] = {}
    for key in sorted(st.session_state.get(_ACTIVE, ())):
        p = _REGISTRY.get(key)
        if p is None or not p.in_url or p.parse is None:
            continue
        value = get(key)
        if value == p.default:
            continue
        text = _to_url(value)
        if text is not None and len(text) <= p.url_max:
            wanted[key] = text
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def _to_url(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, str)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return None


def lesson_values() -> dict[str, Any]:
    """Every restorable value of this session (for a lesson file)."""
    out = {}
    for k, p in _REGISTRY.items():
        if p.parse is not None and PREFIX + k in st.session_state:
            value = get(k)
            out[k] = p.dump(value) if p.dump is not None and value is not None else value
    return out


def lesson_parsers() -> dict[str, Callable[[str], Any] | None]:
    return {k: p.parse for k, p in _REGISTRY.items()}


def apply_values(values: dict[str, Any]) -> None:
    """Store restored values and drop the widgets' own copies so they re-seed from them."""
    for key, value in values.items():
        put(key, value)
        for wkey in [k for k in st.session_state if isinstance(k, str) and k.startswith("w.") and k.endswith("." + key)]:
            del st.session_state[wkey]


def get_raw(key: str, default: Any = None) -> Any:
    """A stored value that was never declared (internal bookkeeping)."""
    return st.session_state.get(PREFIX + key, default)


_notes_box = threading.local()


def set_notes_box(container: Any) -> None:
    """app.py reserves a container above the page; notes go there as soon as they arise
    (a page may end early with st.stop(), after which nothing more can be drawn)."""
    _notes_box.container = container


def add_notes(notes: list[str]) -> None:
    box = getattr(_notes_box, "container", None)
    if box is None:
        st.session_state.setdefault(_NOTES, []).extend(notes)
        return
    for note in notes:
        box.warning(note, icon="🔗")
