"""AppTest: the Map page (GloVe by default; real projections, real neighbours)."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

import appkit.maps as maps_mod
from embedlab import mapfig as mf

PAGE = "pages/map.py"


@pytest.fixture(autouse=True)
def _navigation_mode_like_a_server(monkeypatch):
    """As in test_page_features: keep AppTest from re-entering the old pages/ mode on every run,
    which would lose a button click's one-shot value."""
    import streamlit.testing.v1.app_test as app_test_module

    class _PagesManager(app_test_module.PagesManager):
        pass

    monkeypatch.setattr(app_test_module, "PagesManager", _PagesManager)


@pytest.fixture
def calls(monkeypatch):
    """Count the projections actually computed (a cache hit does not call run_projection)."""
    seen: list[dict] = []
    real = maps_mod.run_projection

    def counting(vectors, **kw):
        seen.append(kw)
        return real(vectors, **kw)

    monkeypatch.setattr(maps_mod, "run_projection", counting)
    return seen


def arr(value):
    if isinstance(value, dict) and "bdata" in value:
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return a.reshape([int(s) for s in str(value["shape"]).split(",")]) if value.get("shape") else a
    return np.asarray(value)


def map_spec(at) -> dict:
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        if spec["data"] and spec["data"][0]["type"] in ("scattergl", "scatter3d"):
            return spec
    raise AssertionError("no map on the page")


def traces(at) -> dict[str, dict]:
    return {t.get("name"): t for t in map_spec(at)["data"]}


def key(name: str) -> str:
    return f"w.map.map.{name}"


def open_tab(at, label: str):
    """Open one of the map's lazy tabs (only the open one's content is built)."""
    at.session_state["w.map.tab"] = next(t.label for t in at.tabs if label in t.label)
    at.run()
    return at


def test_map_tabs_are_built_only_when_open(app_test):
    at = app_test(PAGE)
    assert len(at.get("plotly_chart")) == 1 and not at.get("download_button")  # the map; no honesty, no exports
    open_tab(at, "Export")
    assert len(at.get("download_button")) == 4 and len(at.get("plotly_chart")) == 1
    open_tab(at, "Honesty")
    assert len(at.get("plotly_chart")) == 2 and not at.get("download_button")
    assert not at.exception and not at.error


def test_default_glove_map_with_neighbours_and_honesty(app_test):
    at = open_tab(app_test(PAGE), "Honesty")
    assert not at.exception and not at.error
    tr = traces(at)
    assert len(tr["animals"]["text"]) == 30 and len(tr["fruits"]["text"]) == 24
    assert list(tr["in your text"]["text"]) == ["cat", "dog", "the"]  # the shared text "The cat dog"
    assert tr["selected: cat"]["text"] == ["cat"]
    assert "dog" in tr["neighbours of cat"]["text"]
    assert any("55 points" in m.value for m in at.markdown)
    nb = at.dataframe[0].value
    assert nb["token"].iloc[0] == "dog" and nb["on this map"].iloc[0] == "yes"
    honesty = [json.loads(c.proto.spec) for c in at.get("plotly_chart")][1]
    assert honesty["data"][0]["type"] == "bar" and "trustworthiness" in honesty["layout"]["title"]["text"]
    assert map_spec(at)["layout"]["xaxis"]["title"]["text"].startswith("PC1 (")


def test_look_changes_reuse_the_projection_and_parameters_recompute(app_test, calls):
    at = app_test(PAGE)
    assert [c["method"] for c in calls] == ["pca"]
    calls.clear()
    at.selectbox(key=key("method")).set_value("tsne").run()
    assert len(calls) == 1 and not at.exception
    # 55 points: perplexity 30 > (55-1)/3 = 18 is clamped, and the page says so.
    assert any("perplexity 30 is too large for 55 points" in i.value for i in at.info)
    at.selectbox(key=key("colour")).set_value("length").run()
    assert traces(at)["points"]["marker"]["showscale"] is True  # token length on a colour scale
    at.text_input(key=key("search")).set_value("an").run()
    at.text_input(key=key("selected")).set_value("dog").run()
    at.toggle(key=key("isolate")).set_value(True).run()
    assert len(calls) == 1  # colour, search, selection, isolate: no new projection
    tr = traces(at)
    assert tr["points"]["marker"]["color"] == "#BBBBBB"  # isolated: the rest greyed, still drawn
    assert "search matches" in " ".join(tr) and tr["selected: dog"]["text"] == ["dog"]
    at.slider(key=key("perplexity")).set_value(10).run()
    assert len(calls) == 2 and calls[-1]["perplexity"] == 10.0
    at.number_input(key=key("seed")).set_value(5).run()
    assert len(calls) == 3 and calls[-1]["seed"] == 5


def test_3d_umap_and_axes(app_test):
    at = app_test(PAGE)
    at.selectbox(key=key("dims")).set_value(3).run()
    assert {t["type"] for t in map_spec(at)["data"]} == {"scatter3d"}
    # A fresh process compiles UMAP's numba code first (about 30 s on a quiet machine, more on a busy one).
    at.selectbox(key=key("method")).set_value("umap").run(timeout=900)
    assert not at.exception and not at.error
    assert {t["type"] for t in map_spec(at)["data"]} == {"scatter3d"}
    at.selectbox(key=key("method")).set_value("axes").run()
    spec = map_spec(at)
    assert spec["data"][0]["type"] == "scattergl"
    assert spec["layout"]["xaxis"]["title"]["text"] == "man → woman"
    tr = traces(at)
    xs = dict(zip(tr["axis words"]["text"], arr(tr["axis words"]["x"])))
    assert xs["man"] == pytest.approx(0, abs=1e-5) and xs["woman"] == pytest.approx(1, abs=1e-5)
    at.text_input(key=key("axis_b")).set_value("man").run()
    assert any("zero length" in e.value for e in at.error) and not at.exception


def test_long_runs_ask_first_and_can_use_a_stated_sample(app_test, calls):
    at = app_test(PAGE)
    at.selectbox(key=key("points")).set_value("top").run()
    at.number_input(key=key("top_n")).set_value(20_000).run()
    at.selectbox(key=key("method")).set_value("tsne").run()
    assert any("is expected to take about" in w.value for w in at.warning)
    tsne_runs = lambda: [c for c in calls if c["method"] == "tsne"]  # noqa: E731
    assert tsne_runs() == []  # nothing started without asking
    at.number_input(key="w.map.sample_n").set_value(300).run()
    at.button[1].click().run()  # "Run on a sample of 300"
    assert not at.exception and len(tsne_runs()) == 1
    assert any("random sample of 300 of the 20,0" in i.value for i in at.info)
    n_drawn = sum(len(t["text"]) for name, t in traces(at).items() if name.startswith("top"))
    assert 290 <= n_drawn <= 300  # the typed words are always kept; others fill the sample


def test_a_huge_quick_map_names_the_drawing_cost_not_a_zero_second_wait(app_test, calls):
    at = app_test(PAGE)
    ran = len(calls)  # the default map
    at.selectbox(key=key("points")).set_value("all").run()  # all 400,000 GloVe rows; PCA is quick
    warning = next(w.value for w in at.warning if "points" in w.value)
    assert "PCA" in warning and "of 400,000 points takes about" in warning
    assert "but drawing them sends about **12 MB** to your browser" in warning
    assert "0 s**" not in warning and len(calls) == ran  # asked first; nothing ran


def test_estimated_payload():
    assert mf.estimated_payload_mb(50_000) == pytest.approx(1.5)
    assert mf.estimated_payload_mb(100_000, 3) > mf.estimated_payload_mb(100_000, 2)
    with pytest.raises(ValueError, match="n_components 2 or 3"):
        mf.estimated_payload_mb(10, 4)


def test_a_stopped_run_draws_nothing_until_asked_again(app_test, monkeypatch, calls):
    real = maps_mod.run_with_progress

    def press_stop_at_once(key, vectors, **kw):
        maps_mod._mark_stopped(key)  # what the Stop button's callback does while the run goes on
        return real(key, vectors, **kw)

    monkeypatch.setattr(maps_mod, "run_with_progress", press_stop_at_once)
    at = app_test(PAGE)
    assert any("Stopped. Nothing was drawn." in w.value for w in at.warning)
    assert not [c for c in at.get("plotly_chart")]
    at.selectbox(key=key("colour")).set_value("length").run()  # any other rerun: still stopped, no restart
    assert any("Stopped" in w.value for w in at.warning) and len(calls) == 1
    monkeypatch.setattr(maps_mod, "run_with_progress", real)
    at.button[0].click().run()  # "Run again"
    assert not at.warning and len(calls) == 2
    assert len(traces(at)["points"]["text"]) == 55  # coloured by length: one trace, all points


def test_bad_input_gives_messages_not_tracebacks(app_test):
    at = app_test(PAGE)
    at.selectbox(key=key("points")).set_value("list").run()
    at.text_area(key=key("words")).set_value("cat, dog, qzxqzx, apple").run()
    assert any("qzxqzx" in i.value for i in at.info)
    at.selectbox(key=key("points")).set_value("neighbours").run()
    at.text_input(key=key("query")).set_value("qzxqzx").run()
    assert any("No vector for 'qzxqzx'" in e.value for e in at.error)
    at.selectbox(key=key("points")).set_value("categories").run()
    at.toggle(key=key("regex")).set_value(True).run()
    at.text_input(key=key("search")).set_value("(cat").run()
    assert any("not a valid regular expression" in e.value for e in at.error)
    at.text_input(key=key("selected")).set_value("qzxqzx").run()
    assert any("No vector for 'qzxqzx'" in w.value for w in at.warning)
    assert not at.exception


def test_analogy_arrows_and_answers(app_test):
    at = app_test(PAGE)
    at.toggle(key=key("analogy")).set_value(True).run()
    assert not at.exception and not at.error
    open_tab(at, "Analogy")
    answers = [df.value for df in at.dataframe if "answer" in df.value.columns][0]
    assert answers["answer"].iloc[0] == "queen"
    notes = [a["text"] for a in map_spec(at)["layout"]["annotations"]]
    assert notes == ["man → king", "woman → queen"]
    at.text_input(key=key("an_b")).set_value("qzxqzx").run()
    assert any(e.value.startswith("Analogy: No vector for 'qzxqzx'") for e in at.error)
    assert "animals" in traces(at) and not at.exception  # the map stays


def test_click_selection_is_read_from_the_chart(app_test):
    at = app_test(PAGE)
    chart = next(k for k in at.session_state if str(k).startswith("w.map.chart."))
    spec = map_spec(at)
    fruits = next(t for t in spec["data"] if t["name"] == "fruits")
    i = list(fruits["text"]).index("banana")
    point, row = (int(v) for v in arr(fruits["customdata"])[i])
    at.session_state[chart] = {"selection": {"points": [{"curve_number": 1, "point_index": i,
                                                         "customdata": {"0": point, "1": row}}]}}
    at.run()
    assert at.text_input(key=key("selected")).value == "banana"
    assert traces(at)["selected: banana"]["text"] == ["banana"]


def test_imported_coordinates_and_exports(app_test):
    at = open_tab(app_test(PAGE), "Export")
    labels = [b.label for b in at.get("download_button")]
    assert labels[:4] == ["Coordinates (CSV)", "Projector vectors.tsv", "Projector metadata.tsv", "Interactive HTML"]
    csv = b'"token","category","x","y"\n"cat","pets",0,0\n"dog","pets",1,0\n"apple","food",0,1\n'
    uploader = next(u for u in at.get("file_uploader") if u.proto.label.startswith("Precomputed coordinates"))
    uploader.set_value(("coords.csv", csv, "text/csv")).run()
    assert not at.exception and not at.error
    tr = traces(at)
    assert set(tr) >= {"pets", "food"} and list(tr["pets"]["text"]) == ["cat", "dog"]
    assert any("imported coordinates" in i.value.lower() for i in at.info)


@pytest.mark.parametrize("words, n", [("cat, dog", 3), ("cat, dog, apple, pear, car", 6),
                                      ("cat, dog, apple, pear, car, bus, red, blue", 9)])
def test_small_point_sets(app_test, words, n):
    at = app_test(PAGE)
    at.selectbox(key=key("points")).set_value("list").run()
    at.text_area(key=key("words")).set_value(words).run()
    assert not at.exception and not at.error
    drawn = sum(len(t["text"]) for name, t in traces(at).items() if name in ("your list", "your text"))
    assert drawn == n  # the words + "the" from the shared text (cat and dog are in both)
    open_tab(at, "Honesty")
    if n < 7:
        assert any("needs at least 7 points" in i.value for i in at.info)
    else:
        assert at.slider(key=key("honesty_k")).value <= (n - 1) // 2 - 1
