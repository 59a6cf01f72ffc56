"""AppTest: the Features page."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from embedlab.features import ARTICLE_VALUES, READY_FEATURES, article_table

PAGE = "pages/features.py"


def charts(at) -> dict[str, dict]:
    """Plotly specs by title."""
    out = {}
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        out[spec["layout"].get("title", {}).get("text", "")] = spec
    return out


def z_of(trace: dict) -> np.ndarray:
    z = trace["z"]
    if isinstance(z, dict):
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
def features_page(app_test):
    return app_test(PAGE)


def test_defaults_article_table_and_glove_scores(features_page):
    at = features_page
    assert not at.exception and not at.error
    grid = at.dataframe[0].value  # the data editor shows the article's table
    pd.testing.assert_frame_equal(grid.reset_index(drop=True), article_table())
    figs = charts(at)
    hand = figs["Hand-made feature vectors"]["data"][0]
    np.testing.assert_array_equal(z_of(hand), np.array(ARTICLE_VALUES))
    sims = z_of(figs["Cosine similarity of the hand-made vectors"]["data"][0])
    assert sims[0, 1] == pytest.approx(0.99940, abs=1e-5) and sims[0, 2] < 0.05
    assert "PCA map of the hand-made vectors" in figs

    learned = figs["Scores from GloVe 6B 50d"]["data"][0]
    assert list(learned["y"]) == ["cat", "dog", "apple"]
    assert list(learned["x"]) == [n.replace(" ", "·") for n in READY_FEATURES]
    s = z_of(learned)
    animal, fruit = 0, 1
    assert s[0, animal] > s[2, animal] + 0.5 and s[1, animal] > s[2, animal] + 0.5
    assert s[2, fruit] > s[0, fruit] + 0.5 and s[2, fruit] > s[1, fruit] + 0.5
    assert "Hand-made (from the table above)" in figs  # shown next to the learned one

    directions = at.dataframe[1].value
    assert directions["feature"].tolist() == list(READY_FEATURES)
    assert (directions["held-out accuracy"] >= 0.85).all()


def test_edited_grid_updates_figures(app_test):
    df = article_table()
    df.loc[3] = ["horse", 1.0, 1.0, 0.0, 0.2, 0.0]
    at = app_test(PAGE, **{"el.features.grid": df})
    assert not at.exception and not at.error
    figs = charts(at)
    assert list(figs["Hand-made feature vectors"]["data"][0]["y"]) == ["cat", "dog", "apple", "horse"]
    pca = figs["PCA map of the hand-made vectors"]
    assert [tr["text"][0] for tr in pca["data"]] == ["cat", "dog", "apple", "horse"]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        (pd.DataFrame({"token": []}), "grid is empty"),
        (pd.DataFrame({"token": ["cat"], "x": ["lots"]}), "not a number"),
        (pd.DataFrame({"token": ["cat", "cat"], "x": [1.0, 0.0]}), "appears more than once"),
    ],
    ids=["empty", "text-cell", "duplicate-token"],
)
def test_bad_grids_give_messages(app_test, grid, message):
    at = app_test(PAGE, **{"el.features.grid": grid})
    assert not at.exception
    assert any(message in e.value for e in at.error)
    # The learned half still works.
    assert "Scores from GloVe 6B 50d" in charts(at)


def test_add_remove_reset_features(features_page):
    at = features_page
    at.text_input(key="w.features.features.new_name").set_value("can fly").run()
    at.button(key="w.features.add").click().run()
    assert list(charts(at)["Hand-made feature vectors"]["data"][0]["x"])[-1] == "can·fly"
    at.button(key="w.features.add").click().run()  # same name again
    assert any("already a column called 'can fly'" in e.value for e in at.error)
    at.selectbox(key="w.features.features.remove").set_value("is edible").run()
    at.button(key="w.features.remove_btn").click().run()
    assert "is·edible" not in charts(at)["Hand-made feature vectors"]["data"][0]["x"]
    at.button(key="w.features.reset").click().run()
    np.testing.assert_array_equal(z_of(charts(at)["Hand-made feature vectors"]["data"][0]), np.array(ARTICLE_VALUES))
    assert not at.exception


def test_unknown_word_and_too_few_examples(features_page):
    at = features_page
    at.text_input(key="w.features.features.tokens").set_value("cat, zzqxj").run()
    assert any("'zzqxj'" in e.value and "Not in the vocabulary" in e.value for e in at.error)
    at.text_input(key="w.features.features.tokens").set_value("cat, dog").run()
    at.text_area(key="w.features.features.pos0").set_value("horse").run()
    assert any("1 positive example word(s); it needs at least 2" in e.value for e in at.error)
    at.text_area(key="w.features.features.pos0").set_value("horse, cow").run()
    at.text_area(key="w.features.features.neg0").set_value("car, blorpf").run()
    assert any("negative: 'blorpf'" in e.value for e in at.error)
    at.text_input(key="w.features.features.tokens").set_value(" , ").run()
    assert any("No tokens to score" in e.value for e in at.error)
    assert not at.exception


def test_own_feature_and_choosing_features(features_page):
    at = features_page
    for i in range(2, 6):
        at.checkbox(key=f"w.features.features.use{i}").uncheck()
    at.text_input(key="w.features.features.own_name").set_value("is royal")
    at.text_area(key="w.features.features.own_pos").set_value("king, queen, prince, princess")
    at.text_area(key="w.features.features.own_neg").set_value("farmer, teacher, table, river")
    at.text_input(key="w.features.features.tokens").set_value("emperor, apple").run()
    assert not at.exception and not at.error
    learned = charts(at)["Scores from GloVe 6B 50d"]["data"][0]
    assert list(learned["x"]) == ["is·an·animal", "is·a·fruit", "is·royal"]
    s = z_of(learned)
    assert s[0, 2] > s[1, 2] + 0.5  # emperor is more 'royal' than apple
