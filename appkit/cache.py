"""Process-wide caches for the shared, read-only objects (Streamlit side).

``cache_resource`` hands every session the *same* object, so whatever is
cached here must never be mutated: tokenizers are immutable, token lists are
tuples of frozen dataclasses.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import embedlab as el


@st.cache_resource(show_spinner="Loading tokenizer…")
def encoding(name: str):
    return el.get_encoding(name)


class TokenSeq(tuple):
    """The tokens of one text (a tuple) that remembers what it was made from, so that a
    figure or table built from it is keyed by (text, encoding, allow_special), not by
    hashing thousands of tokens on every run. Only :func:`tokens` makes these."""

    source: str = ""  # digest of (text, encoding name, allow_special)


def tokens(text: str, encoding_name: str, allow_special: bool) -> TokenSeq:
    return _tokens(text, encoding_name, bool(allow_special))


@st.cache_resource(max_entries=256, show_spinner=False)
def _tokens(text: str, encoding_name: str, allow_special: bool) -> TokenSeq:
    encoding(encoding_name)  # load through the cache above (spinner on first use)
    seq = TokenSeq(el.tokenize(text, encoding_name, allow_special=allow_special))
    seq.source = _digest((text, encoding_name, allow_special))
    return seq


# ------------------------------------------------------------------ figures
# Building a Plotly figure validates every property in Python: 10-40 ms for a small
# heatmap (make_subplots alone is most of that), which py-spy showed as the largest
# share of the server's time when a class of 30 takes the same tour. A figure built
# from the same inputs is the same figure, so it is built once for every session.
# Cached figures are shared and must not be changed: st.plotly_chart and
# embedlab.presenter_figure both copy before they change anything.


def figure(builder, /, *args, **kwargs):
    """``builder(*args, **kwargs)`` (an embedlab figure builder), built once per distinct input.

    Inputs are keyed exactly (arrays by their bytes, tables by their ``uid``), not by
    Streamlit's hasher, which samples big arrays.
    """
    key = _digest((builder.__module__, builder.__qualname__, args, sorted(kwargs.items())))
    return _figure(key, builder, args, kwargs)


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(key: str, _builder, _args, _kwargs):
    built = _builder(*_args, **_kwargs)
    # Same objects, same data; only ``to_dict`` changes (see SharedFigure). Some builders
    # return (figure, notes).
    for fig in built if isinstance(built, tuple) else (built,):
        if type(fig) is go.Figure:
            fig.__class__ = SharedFigure
    return built


class SharedFigure(go.Figure):
    """A cached figure whose dict form is also computed once.

    ``st.plotly_chart`` calls ``fig.to_dict()`` on every run of every session: a deep
    copy of every array plus their base64 encoding, then ``plotly.io.to_json``, which
    falls back to a slow pure-Python walk when orjson meets a NumPy array of strings
    (hover text). For a figure nobody changes, that dict is the same every time, so it
    is made once, with string arrays turned into lists orjson writes directly.
    """

    def to_dict(self) -> dict:
        frozen = self.__dict__.get("_el_frozen")
        if frozen is None:
            if self._frame_objs:
                frozen = _json_ready(super().to_dict())
            else:
                # What BaseFigure.to_dict does, less its deep copy of every array: the
                # containers are copied here (_json_ready), and the base64 step only
                # replaces arrays in those copies; the arrays themselves are never written.
                from _plotly_utils.utils import convert_to_base64

                frozen = _json_ready({"data": self._data, "layout": self._layout})
                convert_to_base64(frozen)
            self.__dict__["_el_frozen"] = frozen
        # A fresh top level: a caller that sets a key does not reach the shared dict;
        # Streamlit only reads what is below it.
        return dict(frozen)


def _json_ready(value):
    import numpy as np

    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype == object:
        return value.tolist()
    return value


@dataclasses.dataclass(frozen=True)
class SharedTable:
    """A table built once for every session: never change ``frame``."""

    frame: pd.DataFrame
    arrow: Any  # pyarrow.Table of ``frame`` without its index (immutable)


def table(builder, /, *args, **kwargs) -> SharedTable:
    """``builder(*args, **kwargs)`` (an embedlab function returning a DataFrame) with its
    Arrow form, built once per distinct input -- keyed exactly, as :func:`figure` is.
    Building the DataFrame, hashing it and converting it to Arrow were each visible
    on every run of every session otherwise (py-spy, 30 sessions)."""
    key = _digest((builder.__module__, builder.__qualname__, args, sorted(kwargs.items())))
    return _table(key, builder, args, kwargs)


@st.cache_resource(max_entries=256, show_spinner=False)
def _table(key: str, _builder, _args, _kwargs) -> SharedTable:
    import pyarrow as pa

    df = _builder(*_args, **_kwargs)
    return SharedTable(df, pa.Table.from_pandas(df, preserve_index=False))


def arrow_table(df):
    """``pyarrow.Table.from_pandas(df)`` (index dropped), converted once per distinct table."""
    return _arrow_table(_digest(df), df)


@st.cache_resource(max_entries=256, show_spinner=False)
def _arrow_table(key: str, _df):
    import pyarrow as pa

    return pa.Table.from_pandas(_df, preserve_index=False)  # immutable: safe to share


def _digest(value) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=20)
    _feed(h, value)
    return h.hexdigest()


_JSON_SCALARS = (str, int, float, type(None))  # bool excluded: json writes True and 1 differently anyway


def _feed(h, v) -> None:
    import numpy as np

    if isinstance(v, TokenSeq) and v.source:
        h.update(f"tokens:{v.source};".encode())
    elif isinstance(v, el.Token):
        h.update(f"tok:{v.id}:{v.start}:{v.special}:{len(v.bytes)}:".encode() + v.bytes + b";")
    elif v is None or isinstance(v, (bool, int, float, str, bytes)):
        h.update(f"{type(v).__name__}:{v!r};".encode())
    elif isinstance(v, np.ndarray):
        h.update(f"nd:{v.dtype.str}:{v.shape};".encode())
        h.update(np.ascontiguousarray(v).tobytes() if v.dtype != object else repr(v.tolist()).encode())
    elif isinstance(v, (np.generic,)):
        _feed(h, v.item())
    elif isinstance(v, (list, tuple)) and all(type(x) in _JSON_SCALARS for x in v):
        import json  # a map's 2,000 labels: one C call instead of 2,000 updates

        h.update(f"json:{type(v).__name__}:".encode() + json.dumps(v).encode() + b";")
    elif isinstance(v, (list, tuple)):
        h.update(f"seq:{len(v)}[".encode())
        for item in v:
            _feed(h, item)
        h.update(b"]")
    elif isinstance(v, dict):
        _feed(h, sorted(v.items(), key=lambda kv: repr(kv[0])))
    elif isinstance(v, el.EmbeddingTable):
        h.update(f"table:{v.uid};".encode())  # unique per table object in this process
    elif isinstance(v, pd.DataFrame):
        _feed(h, (list(map(str, v.columns)), list(map(str, v.dtypes)), list(map(str, v.index)),
                  [v[c].to_numpy() for c in v.columns]))
    elif dataclasses.is_dataclass(v) and not isinstance(v, type):
        _feed(h, (type(v).__qualname__, [getattr(v, f.name) for f in dataclasses.fields(v)]))
    else:
        raise TypeError(f"appkit.cache cannot key an argument of type {type(v).__name__}; "
                        "pass arrays, tables, dataclasses or plain values")
