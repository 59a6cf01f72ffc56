"""Browser tests of the Embeddings page: a deep link, charts, an upload with hostile token text."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import assert_no_exception, open_page, screenshot, wait_idle


def test_deep_link_shows_glove_neighbours_and_clamps_the_link(page, server):
    open_page(page, server, "embeddings", "embeddings.query=dog&embeddings.k=500")
    expect(page.get_by_role("heading", name="🧬 Embeddings")).to_be_visible()
    expect(page.get_by_text("500 is outside 1–50; using 50")).to_be_visible()
    expect(page.get_by_text("Nearest to dog (cosine similarity)")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("queen", exact=False).first).to_be_visible()
    wait_idle(page)
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 3
    assert_no_exception(page)
    screenshot(page, "embeddings")


def test_upload_with_html_tokens_is_shown_as_text(page, server, tmp_path):
    open_page(page, server, "embeddings")
    page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Upload a file").click()
    wait_idle(page)
    payload = "<img src=x onerror=alert(1)>"
    csv = tmp_path / "hostile.csv"
    csv.write_text(f'token,x,y\n"{payload}",1,0\ncat,0.9,0.1\n"<script>alert(2)</script>",0,1\n', encoding="utf-8")
    page.locator("[data-testid='stMain'] [data-testid='stFileUploaderDropzoneInput']").set_input_files(str(csv))
    expect(page.get_by_text("File hostile.csv: 3 tokens x 2 dimensions.")).to_be_visible(timeout=20_000)
    wait_idle(page)
    query = page.locator("[data-testid='stMain'] [data-testid='stTextInput'] input").first
    query.fill(payload)
    query.press("Enter")
    expect(page.get_by_text("Nearest to").first).to_be_visible()
    wait_idle(page)
    page.mouse.move(700, 900)
    page.wait_for_timeout(500)
    assert page.dialogs == []  # no payload ran
    assert page.locator("img[src='x']").count() == 0
    assert_no_exception(page)
    screenshot(page, "embeddings-upload")
