"""Presenter mode: restyled figures (pure), the shared palette for spans and maps, and every page
drawn with ?presenter=1 (AppTest): larger chart type and markers, presenter spans, no wide tables."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import embedlab as el
from embedlab.mapfig import map_figure
from embedlab.palette import (
    MARKER_COLOURS,
    PRESENTER_COLOURS,
    contrast_ratio,
    presenter_span_colours,
    text_colour_on,
)
from embedlab.presenter import PRESENTER_FONT_SIZE, presenter_figure


# ----------------------------------------------------------------------------- palette


def test_presenter_palette_is_the_maps_palette_and_readable():
    # The same strong colours, in the same order, as the map's markers (black is kept for highlights).
    assert PRESENTER_COLOURS == tuple(c for c in MARKER_COLOURS if c != "#000000")
    for i, bg in enumerate(PRESENTER_COLOURS):
        got_bg, fg = presenter_span_colours(i)
        assert got_bg == bg
        assert contrast_ratio(bg, fg) >= 4.5, (bg, fg)  # WCAG AA for normal text
    assert presenter_span_colours(len(PRESENTER_COLOURS)) == presenter_span_colours(0)


@pytest.mark.parametrize("a, b, ratio", [("#000000", "#FFFFFF", 21.0), ("#777777", "#777777", 1.0),
                                         ("#0072B2", "#FFFFFF", 5.19)])
def test_contrast_ratio_matches_wcag(a, b, ratio):
    assert contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(ratio, abs=0.01)


def test_text_colour_on():
    assert text_colour_on("#F0E442") == "#000000" and text_colour_on("#0072B2") == "#FFFFFF"
    with pytest.raises(ValueError, match="expected a colour like"):
        text_colour_on("blue")


def test_presenter_spans_use_the_palette_and_stay_escaped():
    toks = el.tokenize("<b>cat</b> dog 🐱", "gpt2")
    html = el.token_spans_html(toks, presenter=True, show_ids=True)
    for i in range(len(toks)):
        bg, fg = presenter_span_colours(i)
        assert f"background:{bg};color:{fg}" in html
    assert "<b>" not in html and "&lt;" in html and "&gt;" in html  # pieces are escaped
    assert "font-size:2rem" in html
    normal = el.token_spans_html(toks)
    assert not any(f"background:{c}" in normal for c in PRESENTER_COLOURS[:1])  # pastel spans by default


# ----------------------------------------------------------------------------- figures


def _sizes(trace: dict) -> np.ndarray:
    return np.atleast_1d(np.asarray(trace["marker"]["size"], dtype=float))


def test_presenter_map_figure_has_larger_type_and_markers_and_leaves_the_original():
    rng = np.random.default_rng(0)
    xy = rng.standard_normal((40, 2))
    fig = map_figure(xy, [f"w{i}" for i in range(40)], ids=np.arange(40), highlight=[3], show_labels=True,
                     selected=5, neighbours=[6, 7])
    before = json.loads(fig.to_json())
    big = json.loads(presenter_figure(fig).to_json())
    assert json.loads(fig.to_json()) == before  # the (possibly cached) input is untouched
    assert big["layout"]["font"]["size"] == PRESENTER_FONT_SIZE
    assert big["layout"]["hoverlabel"]["font"]["size"] == PRESENTER_FONT_SIZE
    assert big["layout"]["xaxis"]["tickfont"]["size"] >= 18
    assert len(big["data"]) == len(before["data"])
    for old, new in zip(before["data"], big["data"]):
        assert old["type"] == new["type"] and old.get("customdata") == new.get("customdata")
        if "markers" in (old.get("mode") or "markers"):
            assert (_sizes(new) >= 1.7 * _sizes(old) - 1e-9).all() and (_sizes(new) >= 10).all()
            assert new["marker"]["line"]["width"] >= 1
        # Data and colours are the same: only the styling grows.
        assert old["x"] == new["x"]
        assert old["marker"].get("color") == new["marker"].get("color")


def test_presenter_3d_and_lines_and_heatmaps():
    xyz = np.random.default_rng(1).standard_normal((12, 3))
    f3 = presenter_figure(map_figure(xyz, [str(i) for i in range(12)], ids=np.arange(12))).to_dict()
    assert f3["layout"]["scene"]["xaxis"]["tickfont"]["size"] >= 18
    assert f3["data"][0]["type"] == "scatter3d"
    import plotly.graph_objects as go

    line = presenter_figure(go.Figure(go.Scatter(y=[3, 2, 1], mode="lines", line={"width": 1.5}))).to_dict()
    assert line["data"][0]["line"]["width"] == 3.0
    heat = el.heatmap(np.arange(6, dtype=float).reshape(2, 3), row_labels=["a", "b"], title="t")
    assert presenter_figure(heat).to_dict()["layout"]["font"]["size"] == PRESENTER_FONT_SIZE
    with pytest.raises(TypeError, match="expects a plotly.graph_objects.Figure"):
        presenter_figure({"data": []})


# ----------------------------------------------------------------------------- pages

PAGES = ["pages/home.py", "pages/tokens.py", "pages/embeddings.py", "pages/map.py", "pages/onehot.py",
         "pages/features.py", "pages/train.py", "pages/positions.py", "pages/model_sizes.py"]


def _open(page: str, presenter: bool):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    at = AppTest.from_file(APP, default_timeout=120)
    if presenter:
        at.query_params["presenter"] = "1"
    at.run()
    at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_presenter_mode(page):
    at = _open(page, presenter=True)
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key="w.sidebar.presenter").value is True
    # Charts: large type, markers at least 10 px.
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        assert spec["layout"]["font"]["size"] >= PRESENTER_FONT_SIZE, page
        for tr in spec["data"]:
            if tr.get("type") in ("scatter", "scattergl") and "markers" in (tr.get("mode") or "markers"):
                assert (_sizes(tr) >= 10).all(), (page, tr.get("name"))
    # No wide tables: interactive data frames give way to short st.table's of ≤ 5 columns.
    read_only = [d for d in at.get("dataframe") if not d.proto.editing_mode]  # the Features grid stays editable
    assert not read_only, page
    for t in at.table:
        assert len(t.value.columns) <= 5 and len(t.value) <= 12, page
    # Token spans are drawn in the presenter palette.
    spans = [h.proto.body for h in at.get("html") if "el-tok" in h.proto.body]
    for body in spans:
        assert f"background:{PRESENTER_COLOURS[0]}" in body


def test_tokens_page_tables_and_spans_switch_with_the_toggle():
    at = _open("pages/tokens.py", presenter=False)
    assert at.get("dataframe") and not at.table  # the interactive token table
    body = next(h.proto.body for h in at.get("html") if "el-tok" in h.proto.body)
    assert f"background:{PRESENTER_COLOURS[0]}" not in body
    at.text_area(key="w.tokens.text").set_value("one two three four five six seven eight nine ten " * 3).run()
    at.toggle(key="w.sidebar.presenter").set_value(True).run()
    assert not at.exception
    assert not at.get("dataframe") and at.table
    assert at.text_area(key="w.tokens.text").value.startswith("one two")  # text and settings kept
    body = next(h.proto.body for h in at.get("html") if "el-tok" in h.proto.body)
    assert f"background:{PRESENTER_COLOURS[0]}" in body
    assert any("Presenter mode shows a short table; 19 more rows" in c.value for c in at.caption)
    assert re.search(r"font-size: 21px", " ".join(h.proto.body for h in at.get("html")))


def test_presenter_spans_keep_the_partial_and_special_markers():
    toks = el.tokenize("cat 🐱<|endoftext|>", "gpt2", allow_special=True)
    html = el.token_spans_html(toks, presenter=True)
    spans = re.findall(r'<span class="el-tok"[^>]*>', html)
    assert len(spans) == len(toks)
    for tok, span in zip(toks, spans):
        want = "2px dashed #000" if tok.special else ("2px dotted #000" if tok.is_partial else "2px solid #000")
        assert f"border:{want};" in span, (tok, span)
    assert any(t.is_partial for t in toks) and any(t.special for t in toks)
