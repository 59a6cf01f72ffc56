"""Browser tests of the One-hot vs dense page: the key numbers render, bad input gives messages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_no_exception, open_page, screenshot, set_text_area, wait_idle

# The page's first run imports torch and loads GloVe; on a busy shared machine that can take a minute.
FIRST_RENDER_MS = 120_000


@pytest.fixture(scope="module", autouse=True)
def _warm_page(browser, server):
    """Run the page once before the tests: its first run imports torch and loads GloVe, which on a
    busy shared machine outlasts open_page's 60 s wait. Later sessions reuse the process's caches."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.goto(f"{server}/one-hot")
    pg.get_by_text("Rows with a non-zero gradient").first.wait_for(timeout=240_000)
    ctx.close()


def metric(page, label: str):
    """The value element of the st.metric with this label."""
    box = page.locator("[data-testid='stMetric']", has=page.locator("[data-testid='stMetricLabel']", has_text=label))
    return box.locator("[data-testid='stMetricValue']")


def set_input(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(300)
    wait_idle(page)


def test_onehot_key_numbers_render(page, server):
    open_page(page, server, "one-hot")
    expect(page.get_by_role("heading", name="🧮 One-hot vs dense")).to_be_visible()
    expect(metric(page, "Rows with a non-zero gradient")).to_be_visible(timeout=FIRST_RENDER_MS)
    # Full-vocabulary numbers for the default source (GloVe, 400,000 words × 50).
    expect(metric(page, "One-hot vector length")).to_have_text("400,000")
    expect(metric(page, "Zeros in each one-hot vector")).to_have_text("99.9997%")
    expect(metric(page, "Embedding parameters")).to_have_text("20,000,000")
    # The lookup == one-hot product check on the default text.
    expect(metric(page, "max |difference|")).to_have_text("0")
    expect(metric(page, "Identical to the bit")).to_have_text("yes")
    expect(metric(page, "Rows with a non-zero gradient")).to_have_text("3 of 50,257")
    # One-hot heatmap, dense heatmap, the two similarity matrices, the gradient.
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(4)
    expect(page.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible()
    assert_no_exception(page)
    page.get_by_role("heading", name="The same words, two ways").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    path = screenshot(page, "onehot")  # the default view, for docs/screenshots
    assert path.stat().st_size > 10_000


def test_onehot_live_timing_and_guard(page, server):
    open_page(page, server, "one-hot")
    expect(metric(page, "Rows with a non-zero gradient")).to_be_visible(timeout=FIRST_RENDER_MS)
    set_input(page, "Batch (token IDs)", "64")
    page.get_by_role("button", name="Time lookup vs one-hot product").click()
    wait_idle(page)
    expect(metric(page, "Speed ratio")).to_contain_text("×", timeout=FIRST_RENDER_MS)
    expect(metric(page, "Extra memory for one-hot")).to_have_text("12.9 MB")  # 64 × 50,257 × 4 B
    expect(page.get_by_text("Both outputs agree: max |difference| = 0.")).to_be_visible()
    # A size that cannot fit is refused before anything is allocated.
    set_input(page, "Dimension", "16384")
    set_input(page, "Vocabulary size", "1000000")
    set_input(page, "Batch (token IDs)", "1")
    page.get_by_role("button", name="Time lookup vs one-hot product").click()
    wait_idle(page)
    expect(page.get_by_text("would need about 65.5 GB", exact=False)).to_be_visible()
    assert_no_exception(page)


def test_onehot_bad_input(page, server):
    open_page(page, server, "one-hot")
    expect(metric(page, "Rows with a non-zero gradient")).to_be_visible(timeout=FIRST_RENDER_MS)
    set_input(page, "Batch (token IDs)", "512")
    set_input(page, "Working vocabulary (commas or spaces)", "cat, zzqxj, dog")
    expect(page.get_by_text("left out: zzqxj")).to_be_visible()
    set_input(page, "Working vocabulary (commas or spaces)", "zzqxj")
    expect(page.get_by_text("None of the words is in")).to_be_visible()
    assert_no_exception(page)
    set_input(page, "Working vocabulary (commas or spaces)", "cat, dog, car, apple, banana, king, queen")
    # Regression: the timing inputs keep their values through a run with no known words
    # (they once came back as 1, 1, 1 after the page stopped early).
    expect(page.get_by_label("Batch (token IDs)", exact=True)).to_have_value("512")
    expect(page.get_by_label("Vocabulary size", exact=True)).to_have_value("50257")
    set_text_area(page, "The cat sat on the mat. The dog did not.")
    expect(metric(page, "Token IDs")).to_have_text("12")
    expect(metric(page, "Identical to the bit")).to_have_text("yes")
    assert_no_exception(page)
