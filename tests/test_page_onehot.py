"""AppTest: the One-hot vs dense page."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

PAGE = "pages/onehot.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def z_of(trace: dict) -> np.ndarray:
    z = trace["z"]
    if isinstance(z, dict):  # plotly typed array
        import base64

        a = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        return a.reshape([int(n) for n in str(z.get("shape", a.size)).split(",")])
    return np.asarray(z, dtype=float)


@pytest.fixture(autouse=True)
def _navigation_mode_like_a_server(monkeypatch):
    """Keep AppTest from re-entering Streamlit's old pages/-directory mode on every run.

    AppTest sets ``PagesManager.uses_pages_directory = None`` before each run, so with a
    ``pages/`` folder each run starts in the old mode: a page whose url path equals its
    file name (``features``, ``tokens``) is first run *directly*, ``shell.require_app()``
    reruns it through app.py, and a button click's one-shot trigger is lost in between.
    A real server flips the flag once (the first ``st.navigation`` call) and keeps it, which
    this reproduces by letting AppTest reset a subclass's attribute instead of the real one.
    """
    import streamlit.testing.v1.app_test as app_test_module

    class _PagesManager(app_test_module.PagesManager):
        pass

    monkeypatch.setattr(app_test_module, "PagesManager", _PagesManager)


@pytest.fixture
def onehot_page(app_test):
    return app_test(PAGE)


def test_defaults_show_both_representations(onehot_page):
    at = onehot_page
    assert not at.exception and not at.error
    specs = charts(at)
    one_hot_fig, dense_fig, sims_fig = specs[0], specs[1], specs[2]
    assert list(one_hot_fig["data"][0]["y"]) == ["cat", "dog", "car", "apple", "banana", "king", "queen"]
    np.testing.assert_array_equal(z_of(one_hot_fig["data"][0]), np.eye(7))
    assert z_of(dense_fig["data"][0]).shape == (7, 50)  # GloVe 6B 50d is the default source
    left, right = sims_fig["data"]
    np.testing.assert_array_equal(z_of(left), np.eye(7))
    dense_sims = z_of(right)
    assert dense_sims[0, 1] > dense_sims[0, 2] + 0.2  # cat–dog closer than cat–car

    pairs = at.dataframe[0].value
    assert pairs["pair"].tolist() == ["cat – dog", "cat – car"]
    assert pairs["one-hot cosine"].tolist() == [0.0, 0.0]
    assert pairs["one-hot distance"].tolist() == [math.sqrt(2)] * 2
    dense_cos = [c for c in pairs.columns if c.endswith("cosine") and not c.startswith("one-hot")][0]
    assert pairs[dense_cos][0] == pytest.approx(0.9218, abs=1e-3)
    assert pairs[dense_cos][0] > pairs[dense_cos][1] + 0.2


def test_full_vocabulary_numbers(onehot_page):
    m = metrics(onehot_page)
    assert m["One-hot vector length"] == "400,000"  # GloVe's vocabulary
    assert m["Zeros in each one-hot vector"] == "99.9997%"
    assert m["Embedding parameters"] == "20,000,000"
    assert m["One token, one-hot"] == "1.6 MB" and m["One token, dense"] == "200 B"
    assert m["1,024 tokens, one-hot"] == "1.6 GB" and m["1,024 tokens, dense"] == "204.8 kB"
    table = onehot_page.dataframe[1].value
    assert table["embedding parameters"].tolist()[1:] == [38_597_376, 617_558_016]
    assert table["one-hot, 1,024 tokens"].tolist()[1] == "205.9 MB"


def test_lookup_equals_one_hot_product_on_typed_text(onehot_page):
    at = onehot_page
    m = metrics(at)
    assert m["Token IDs"] == "3" and m["max |difference|"] == "0" and m["Identical to the bit"] == "yes"
    eq = at.dataframe[2].value
    assert eq["ID"].tolist() == [464, 3797, 3290]
    assert eq["token"].tolist() == ["The", "·cat", "·dog"]
    assert (eq["nn.Embedding(ID)"] == eq["one_hot(ID) @ W"]).all()
    assert eq["max |difference|"].tolist() == [0.0, 0.0, 0.0]
    # Another encoding: different IDs, still exact.
    at.selectbox(key="w.onehot.encoding").set_value("cl100k_base").run()
    assert at.dataframe[2].value["ID"].tolist() == [791, 8415, 5679]
    assert metrics(at)["Identical to the bit"] == "yes"


def test_backward_gradient_rows(onehot_page):
    at = onehot_page
    at.text_area(key="w.onehot.text").set_value(" the the cat").run()  # IDs 262, 262, 3797
    m = metrics(at)
    assert m["Rows with a non-zero gradient"] == "2 of 50,257"
    assert m["Dense gradient"] == "154.4 MB"  # 50,257 × 768 float32
    assert m["Sparse gradient (sparse=True)"] == "9.2 kB"  # 3 lookups × 768 × 4 B + 3 int64 indices
    grad = [s for s in charts(at) if s["layout"].get("title", {}).get("text", "").startswith("Gradient of W")][0]
    assert grad["layout"]["title"]["text"] == "Gradient of W: 2 of 50,257 rows non-zero"
    z = z_of(grad["data"][0])
    labels = list(grad["data"][0]["y"])
    row_the = labels.index("row 262 = ·the")
    assert set(z[row_the].tolist()) == {2.0}  # ' the' looked up twice
    assert set(z[labels.index("row 3,797 = ·cat")].tolist()) == {1.0}
    assert all(set(z[i].tolist()) == {0.0} for i, lab in enumerate(labels) if "untouched" in lab)


def test_live_timing_small(onehot_page):
    at = onehot_page
    at.number_input(key="w.onehot.onehot.vocab").set_value(2_000)
    at.number_input(key="w.onehot.onehot.dim").set_value(32)
    at.number_input(key="w.onehot.onehot.batch").set_value(128).run()
    at.button(key="w.onehot.run_timing").click().run()
    assert not at.exception and not at.error
    m = metrics(at)
    assert m["Extra memory for one-hot"] == "1 MB"  # 128 × 2,000 × 4 B
    assert m["Speed ratio"].endswith("×")
    caption = " ".join(c.value for c in at.caption)
    assert "128 IDs over 2,000 × 32" in caption and "max |difference| = 0." in caption
    assert any(s["layout"]["annotations"][1]["text"] == "Input memory (×1,000)" for s in charts(at)
               if s["layout"].get("annotations"))


@pytest.mark.parametrize(
    ("vocab", "dim", "batch", "message"),
    [
        (1_000_000, 16_384, 1, "would need about"),  # W alone is 65.5 GB: the memory guard
        (1_000_000, 4_096, 65_536, "multiply-adds"),  # the work guard
    ],
)
def test_timing_refusals(onehot_page, vocab, dim, batch, message):
    at = onehot_page
    at.number_input(key="w.onehot.onehot.vocab").set_value(vocab)
    at.number_input(key="w.onehot.onehot.dim").set_value(dim)
    at.number_input(key="w.onehot.onehot.batch").set_value(batch).run()
    at.button(key="w.onehot.run_timing").click().run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert "Speed ratio" not in metrics(at)


def test_unknown_and_empty_vocabulary(onehot_page):
    at = onehot_page
    at.text_input(key="w.onehot.onehot.words").set_value("cat, zzqxj, dog").run()
    assert any("left out: zzqxj" in w.value for w in at.warning)
    assert list(charts(at)[0]["data"][0]["y"]) == ["cat", "dog"]
    at.text_input(key="w.onehot.onehot.words").set_value("zzqxj qqwxz").run()
    assert any("None of the words" in e.value for e in at.error)
    at.text_input(key="w.onehot.onehot.words").set_value("  ,, ").run()
    assert any("None of the words" in e.value for e in at.error)
    assert not at.exception


def test_empty_text(onehot_page):
    at = onehot_page
    at.text_area(key="w.onehot.text").set_value("").run()
    assert not at.exception and not at.error
    assert "Rows with a non-zero gradient" not in metrics(at)
