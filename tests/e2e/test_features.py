"""Browser tests of the Features page: both heatmaps render, edits and bad input give messages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_no_exception, open_page, screenshot, wait_idle

# The page's first run loads GloVe; on a busy shared machine that can take a while.
FIRST_RENDER_MS = 120_000


@pytest.fixture(scope="module", autouse=True)
def _warm_page(browser, server):
    """Run the page once before the tests: its first run imports torch and loads GloVe, which on a
    busy shared machine outlasts open_page's 60 s wait. Later sessions reuse the process's caches."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.goto(f"{server}/features")
    pg.locator(".gtitle", has_text="Scores from GloVe 6B 50d").first.wait_for(timeout=240_000)
    ctx.close()


def set_input(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(300)
    wait_idle(page)


def chart_title(page, text: str):
    return page.locator("[data-testid='stPlotlyChart'] .gtitle", has_text=text)


def test_features_heatmaps_render(page, server):
    open_page(page, server, "features")
    expect(page.get_by_role("heading", name="🎛️ Features")).to_be_visible()
    expect(page.locator("[data-testid='stPlotlyChart'] .gtitle", has_text="Scores from GloVe 6B 50d")).to_be_visible(
        timeout=FIRST_RENDER_MS)
    for t in ["Hand-made feature vectors", "Cosine similarity of the hand-made vectors",
              "PCA map of the hand-made vectors", "Hand-made (from the table above)"]:
        expect(chart_title(page, t)).to_have_count(1)
    # The article's values are written in the hand-made heatmap's cells (SVG text: text_content).
    hand = page.locator("[data-testid='stPlotlyChart']", has=page.locator(".gtitle", has_text="Hand-made feature vectors"))
    cells = [t.strip() for t in hand.first.locator("text").all_text_contents()]
    assert "0.98" in cells and "0.95" in cells and "0.88" in cells, cells[:40]
    assert_no_exception(page)


def test_features_add_feature_and_bad_words(page, server):
    open_page(page, server, "features")
    expect(page.get_by_role("button", name="Add feature")).to_be_visible(timeout=FIRST_RENDER_MS)
    set_input(page, "New feature", "can fly")
    page.get_by_role("button", name="Add feature").click()
    wait_idle(page)
    hand = page.locator("[data-testid='stPlotlyChart']", has=page.locator(".gtitle", has_text="Hand-made feature vectors"))
    expect(hand.first.locator(".xtick text", has_text="can·fly")).to_have_count(1)
    page.get_by_role("button", name="Add feature").click()  # the same name again
    wait_idle(page)
    expect(page.get_by_text("There is already a column called 'can fly'")).to_be_visible()
    set_input(page, "Words to score", "cat, zzqxj")
    expect(page.get_by_text("'zzqxj'. Remove or replace")).to_be_visible()
    assert_no_exception(page)
    page.get_by_role("button", name="Article's table").click()
    wait_idle(page)
    set_input(page, "Words to score", "cat, dog, apple, banana, car")
    expect(page.locator("[data-testid='stPlotlyChart'] .gtitle", has_text="Scores from GloVe 6B 50d")).to_be_visible()
    # The learned scores next to the hand-made table: the page's point, for docs/screenshots.
    page.get_by_role("heading", name="Features in real embeddings").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
    path = screenshot(page, "features")
    assert path.stat().st_size > 10_000
