"""appkit.cache.figure: one build per distinct input, keyed exactly, shared read-only."""

from __future__ import annotations

import numpy as np
import pytest

import embedlab as el
from appkit import cache
from embedlab import mapfig
from embedlab.onehot import similarity_side_by_side

WORDS = ["cat", "dog", "apple"]


def test_same_inputs_share_one_figure_and_any_change_builds_another():
    v = np.random.default_rng(0).standard_normal((3, 4))
    a = cache.figure(similarity_side_by_side, v, WORDS, dense_name="x")
    assert cache.figure(similarity_side_by_side, v.copy(), list(WORDS), dense_name="x") is a
    w = v.copy()
    w[2, 3] += 1e-9  # one number in the last row: not sampled away (Streamlit's hasher samples big arrays)
    assert cache.figure(similarity_side_by_side, w, WORDS, dense_name="x") is not a
    assert cache.figure(similarity_side_by_side, v, WORDS, dense_name="y") is not a
    assert cache.figure(similarity_side_by_side, v, ["cat", "dog", "pear"], dense_name="x") is not a
    # And the figure is the builder's own.
    assert a.to_dict() == similarity_side_by_side(v, WORDS, dense_name="x").to_dict()


def test_big_arrays_are_keyed_by_every_byte():
    big = np.zeros(600_000, dtype=np.float32)
    other = big.copy()
    other[123_457] = 1.0
    assert cache._digest(big) != cache._digest(other)


def test_tables_are_keyed_by_object_not_by_name():
    t1 = el.EmbeddingTable(np.eye(3, dtype=np.float32), WORDS, name="same")
    t2 = el.EmbeddingTable(np.eye(3, dtype=np.float32) * 2, WORDS, name="same")
    assert cache._digest(t1) != cache._digest(t2)
    assert cache._digest(t1) == cache._digest(t1)


def test_unknown_argument_types_are_refused_not_guessed():
    with pytest.raises(TypeError, match="cannot key an argument of type object"):
        cache._digest(object())


def test_arrow_tables_are_shared_per_distinct_table_and_keep_every_value():
    import pandas as pd

    df = pd.DataFrame({"token": ["cat", "<b>dog</b>", "🍎"], "id": [1, 2, 3], "cos": [0.5, None, 1.0]})
    a = cache.arrow_table(df)
    assert cache.arrow_table(df.copy()) is a
    changed = df.copy()
    changed.loc[2, "cos"] = 0.25
    assert cache.arrow_table(changed) is not a
    retyped = df.astype({"id": "float64"})  # same numbers, another dtype: another table
    assert cache.arrow_table(retyped) is not a
    pd.testing.assert_frame_equal(a.to_pandas(), df)


def test_shared_tables_are_built_once_per_distinct_input():
    toks = cache.tokens("The cat dog", "gpt2", False)
    a = cache.table(el.token_table, toks, max_rows=10)
    assert cache.table(el.token_table, cache.tokens("The cat dog", "gpt2", False), max_rows=10) is a
    assert cache.table(el.token_table, toks, max_rows=2) is not a
    assert list(a.frame["id"]) == [464, 3797, 3290]
    # The Arrow form holds the same rows, index dropped.
    import pandas as pd

    pd.testing.assert_frame_equal(a.arrow.to_pandas(), el.token_table(list(toks), max_rows=10))


@pytest.mark.parametrize("other", [("The cat dog", "cl100k_base", False), ("The cat dogs", "gpt2", False),
                                   ("The cat dog", "gpt2", True)])
def test_token_sequences_are_keyed_by_text_encoding_and_special_flag(other):
    toks = cache.tokens("The cat dog", "gpt2", False)
    assert cache._digest(toks) == cache._digest(cache.tokens("The cat dog", "gpt2", False))
    assert cache._digest(toks) != cache._digest(cache.tokens(*other))
    # A slice is a plain tuple of tokens: keyed token by token (id, offset, bytes).
    assert cache._digest(toks[:2]) == cache._digest(tuple(toks[:2]))
    assert cache._digest(toks[:2]) != cache._digest(toks[1:3])


def test_token_digest_tells_bytes_apart_at_any_length():
    a = el.Token(id=1, bytes=b"ab", start=0)
    b = el.Token(id=1, bytes=b"a", start=0)
    c = el.Token(id=1, bytes=b"b;", start=0)
    assert len({cache._digest((a,)), cache._digest((b, c)), cache._digest((b,))}) == 3


def _wire_json(fig) -> dict:
    """What st.plotly_chart sends to the browser for ``fig``."""
    import json

    import plotly.io as pio
    import plotly.tools

    return json.loads(pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True), validate=False))


@pytest.mark.parametrize("build", [
    lambda: el.heatmap(np.random.default_rng(0).random((13, 50)), row_labels=[f"t{i}" for i in range(13)],
                       highlight_rows=[1, 2], show_values=True),
    lambda: mapfig.map_figure(np.random.default_rng(1).random((60, 2)), [f"w{i}" for i in range(60)],
                          categories=["a"] * 30 + ["b"] * 30, selected=3, neighbours=[4, 5], highlight=[1]),
    lambda: mapfig.map_figure(np.random.default_rng(1).random((40, 3)), [f"<b>{i}</b>" for i in range(40)]),
])
def test_a_shared_figure_sends_the_same_json_and_is_not_changed(build):
    fig = build()
    expected, own = _wire_json(fig), _wire_json(build())
    assert expected == own
    fig.__class__ = cache.SharedFigure  # what cache.figure does to what it caches
    assert _wire_json(fig) == expected
    assert _wire_json(fig) == expected  # the remembered dict, a second time
    fig.to_dict()["layout"] = {}  # a caller's change to the top level does not reach the shared dict
    assert _wire_json(fig) == expected
    fig.__class__ = type(build())
    assert _wire_json(fig) == expected  # the figure's own data were never written


def test_cached_figures_are_shared_figures():
    v = np.random.default_rng(3).standard_normal((3, 4))
    fig = cache.figure(similarity_side_by_side, v, WORDS, dense_name="shared")
    assert isinstance(fig, cache.SharedFigure)
    assert _wire_json(fig) == _wire_json(similarity_side_by_side(v, WORDS, dense_name="shared"))
