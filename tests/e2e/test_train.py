"""Browser tests of the Train page: a short run updates the charts live; Stop works mid-run."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from .conftest import assert_no_exception, open_page, screenshot, wait_idle

# A busy 2-core machine (other test suites, a browser drawing Plotly) can take many
# seconds for the first frame; these waits are generous on purpose (ms).
SLOW = 150_000
MAP_TITLE = re.compile(r"Watched tokens at step ([\d,]+) of ([\d,]+)")


def _live_state(page) -> tuple[str | None, int, bool]:
    """(the live map's title, the number of points on the loss curve, whether ⏹ Stop is enabled).

    Read in one evaluate call so the three belong to the same moment of the page.
    """
    graphs, stop = page.evaluate(
        """() => [
          [...document.querySelectorAll("[data-testid='stPlotlyChart'] .js-plotly-plot")].map(g => [
            (g.layout && g.layout.title && g.layout.title.text) || "",
            (g.data && g.data[0] && g.data[0].y) ? g.data[0].y.length : 0]),
          [...document.querySelectorAll("button")].some(b => b.innerText.includes("Stop") && !b.disabled)]"""
    )
    title = next((t for t, _ in graphs if MAP_TITLE.search(t)), None)
    loss = next((n for t, n in graphs if "Training loss" in t), 0)  # Streamlit wraps titles in <b>
    return title, loss, stop


def test_short_run_updates_loss_and_map_live(page, server):
    open_page(page, server, "train", "train.epochs=20")  # several 0.6 s chunks even on a fast machine
    expect(page.get_by_role("heading", name="🏋️ Train")).to_be_visible()
    page.get_by_role("button", name="▶ Start").click()
    titles, losses, stop_enabled = [], [], False
    deadline = time.time() + SLOW / 1000
    while time.time() < deadline:
        title, loss_len, stop = _live_state(page)
        # While a frame before the last is on screen, training runs and ⏹ Stop is offered.
        step_total = MAP_TITLE.search(title).groups() if title else None
        if step_total and step_total[0] != step_total[1]:
            stop_enabled = stop_enabled or stop
        if title and (not titles or titles[-1] != title):
            titles.append(title)
            losses.append(loss_len)
        if page.get_by_text("4 · Look closer").count():
            break
        page.wait_for_timeout(50)
    expect(page.get_by_text("4 · Look closer")).to_be_visible(timeout=SLOW)
    wait_idle(page)
    assert_no_exception(page)
    final, loss_len, stop = _live_state(page)
    assert not stop  # finished: nothing left to stop
    step, total = MAP_TITLE.search(final).groups()
    assert step == total  # finished
    if final != titles[-1]:
        titles.append(final)
        losses.append(loss_len)
    # The map was redrawn during training (at least one frame before the last), and the
    # loss curve grew with it.
    assert len(titles) >= 2, titles
    assert losses[-1] > losses[0] > 0, losses
    assert stop_enabled
    # Results: replay with a slider, downloads.
    expect(page.get_by_role("tab", name="Replay")).to_be_visible()
    expect(page.get_by_role("button", name="Table (.safetensors)")).to_be_visible()
    screenshot(page, "train")


def test_stop_mid_run_keeps_the_table_and_offers_resume(page, server):
    open_page(page, server, "train", "train.epochs=50")
    page.get_by_role("button", name="▶ Start").click()
    # Wait for the first live frame, then stop: the page answers while training runs.
    expect(page.locator("[data-testid='stPlotlyChart'] .gtitle").filter(has_text=MAP_TITLE).first).to_be_visible(
        timeout=SLOW)
    page.get_by_role("button", name="⏹ Stop").click()
    expect(page.get_by_role("button", name="▶ Resume")).to_be_enabled(timeout=SLOW)
    wait_idle(page)
    title, _, _ = _live_state(page)
    step, total = (int(x.replace(",", "")) for x in MAP_TITLE.search(title).groups())
    assert 0 < step < total
    expect(page.get_by_text(re.compile(r"trained: teaching corpus \(skip-gram\)"))).to_be_visible()
    assert_no_exception(page)


def test_other_sessions_stay_usable_while_one_trains(browser, page, server):
    open_page(page, server, "train", "train.epochs=50")
    page.get_by_role("button", name="▶ Start").click()
    expect(page.locator("[data-testid='stPlotlyChart'] .gtitle").filter(has_text=MAP_TITLE).first).to_be_visible(
        timeout=SLOW)
    # A second student opens the Tokens page while the first session trains.
    other = browser.new_context(viewport={"width": 1400, "height": 1200})
    try:
        pg = other.new_page()
        open_page(pg, server, "tokens")
        expect(pg.locator(".el-spans").first.locator(".el-tok")).to_have_count(3, timeout=SLOW)
        assert_no_exception(pg)
        # ... and the first session was still training all along.
        title, _, _ = _live_state(page)
        step, total = (int(x.replace(",", "")) for x in MAP_TITLE.search(title).groups())
        assert step < total
        assert page.get_by_role("button", name="⏹ Stop").is_enabled()
    finally:
        other.close()
    page.get_by_role("button", name="⏹ Stop").click()
    expect(page.get_by_role("button", name="▶ Resume")).to_be_enabled(timeout=SLOW)
