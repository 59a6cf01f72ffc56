"""Browser tests of presenter mode: switching it on folds the sidebar, restyles spans, tables and
charts; the sidebar can be opened again; it also works in Streamlit's dark theme."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from embedlab.palette import PRESENTER_COLOURS

from .conftest import assert_no_exception, open_page, screenshot, set_text_area, start_server, stop_server, wait_idle

SIDEBAR = "section[data-testid='stSidebar']"


def _rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


def _sidebar_open(page) -> bool:
    return page.locator(SIDEBAR).get_attribute("data-collapsed") == "false"


def _plot_font_size(page) -> float:
    return page.evaluate(
        """() => Math.max(...[...document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")]
               .map(g => (g.layout && g.layout.font && g.layout.font.size) || 0))""")


def test_switching_presenter_mode_on_and_off(page, server):
    open_page(page, server, "tokens")
    assert _sidebar_open(page)
    first = page.locator(".el-tok").first
    expect(first).to_be_visible()
    normal_bg = first.evaluate("e => getComputedStyle(e).backgroundColor")
    # The grid's component is loaded on demand: it can appear a moment after the run has ended.
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible(timeout=30_000)

    page.locator(SIDEBAR).get_by_text("Presenter mode").click()
    wait_idle(page)
    expect(page.locator(SIDEBAR)).to_have_attribute("data-collapsed", "true", timeout=10_000)
    assert_no_exception(page)
    assert page.url.endswith("presenter=1") or "presenter=1" in page.url
    # Spans: the maps' strong palette, larger type.
    expect(first).to_have_css("background-color", _rgb(PRESENTER_COLOURS[0]))
    assert first.evaluate("e => getComputedStyle(e).backgroundColor") != normal_bg
    assert float(first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 30
    # Tables: short, large-type st.table instead of the wide interactive grid. The spans can
    # restyle before the run that drew them has finished, and Streamlit keeps the previous run's
    # elements on screen until then, so wait for the grids to go rather than counting at once.
    expect(page.locator("[data-testid='stDataFrame']")).to_have_count(0, timeout=30_000)
    expect(page.locator("[data-testid='stTable']").first).to_be_visible()
    screenshot(page, "presenter-tokens")

    # The sidebar opens again as usual and stays open across reruns.
    page.locator("[data-testid='stExpandSidebarButton']").click()
    expect(page.locator(SIDEBAR)).to_have_attribute("data-collapsed", "false", timeout=10_000)
    set_text_area(page, "The cat sat on the mat")
    page.wait_for_timeout(500)
    assert _sidebar_open(page)

    page.locator(SIDEBAR).get_by_text("Presenter mode").click()  # off again
    wait_idle(page)
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
    assert "presenter" not in page.url
    assert_no_exception(page)


def test_presenter_map_has_large_markers_and_type(page, server):
    open_page(page, server, "map", "presenter=1")
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=120_000)
    wait_idle(page)
    assert_no_exception(page)
    assert not _sidebar_open(page)
    assert _plot_font_size(page) >= 20
    screenshot(page, "presenter-map")


@pytest.fixture(scope="module")
def dark_server():
    proc, url, _ = start_server({"STREAMLIT_THEME_BASE": "dark"})
    yield url
    stop_server(proc)


def test_presenter_mode_in_the_dark_theme(page, dark_server):
    open_page(page, dark_server, "tokens", "presenter=1")
    assert_no_exception(page)
    bg = page.evaluate("() => getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    assert bg != "rgb(255, 255, 255)"  # the dark theme is on
    tok = page.locator(".el-tok").first
    # Spans carry their own background and text colours, so they read the same on a dark page.
    expect(tok).to_have_css("background-color", _rgb(PRESENTER_COLOURS[0]))
    expect(tok).to_have_css("color", "rgb(255, 255, 255)")
    screenshot(page, "presenter-dark-tokens")
    open_page(page, dark_server, "embeddings", "presenter=1")
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot", timeout=120_000)
    wait_idle(page)
    assert _plot_font_size(page) >= 20
    assert_no_exception(page)
    screenshot(page, "presenter-dark-embeddings")
