"""Browser tests of navigation, the home page and the Tokens page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import (
    assert_no_exception, open_page, screenshot, set_text_area, start_server, stop_server, wait_idle,
)

PAGE_TITLES = ["Home: guided tour", "Tokens"]


def test_deep_link_first_shows_page_titles(browser):
    """Regression for the measured pages/ + st.navigation bug: the FIRST session on a fresh
    server deep-links to /tokens; the menu must list titles, not file names, for it and later."""
    proc, url, _ = start_server()
    try:
        for attempt in range(2):  # the first session, then a later one
            ctx = browser.new_context(viewport={"width": 1400, "height": 1200})
            pg = ctx.new_page()
            open_page(pg, url, "tokens")
            expect(pg.get_by_role("heading", name="🔤 Tokens")).to_be_visible()
            links = pg.locator("[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']")
            for title in PAGE_TITLES:
                expect(links.filter(has_text=title)).to_have_count(1)
            texts = [t.split("\n")[-1].strip() for t in links.all_inner_texts()]
            assert not any(t in ("app", "home", "tokens") for t in texts), texts
            # Streamlit's own file-name nav must not appear at all.
            assert pg.locator("[data-testid='stSidebarNav']").count() == 0
            ctx.close()
    finally:
        stop_server(proc)


def test_home_then_tokens_via_menu(page, server):
    open_page(page, server)
    expect(page.get_by_text("How a language model turns text into vectors")).to_be_visible()
    page.locator("[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", has_text="Tokens").click()
    expect(page.get_by_role("heading", name="🔤 Tokens")).to_be_visible()
    wait_idle(page)
    assert "/tokens" in page.url
    assert_no_exception(page)


def test_tokens_ids_are_tiktokens(page, server):
    open_page(page, server, "tokens")
    # The default text is the article's example; GPT-2 gives these real IDs.
    spans = page.locator(".el-spans").first.locator(".el-tok")
    expect(spans).to_have_count(3)
    assert [spans.nth(i).get_attribute("data-id") for i in range(3)] == ["464", "3797", "3290"]
    set_text_area(page, "hello world")
    expect(page.locator(".el-spans").first.locator(".el-tok")).to_have_count(2)
    ids = [e.get_attribute("data-id") for e in page.locator(".el-spans").first.locator(".el-tok").all()]
    assert ids == ["31373", "995"]
    # Hover help on a span names its ID.
    assert "ID 995" in page.locator(".el-spans").first.locator(".el-tok").nth(1).get_attribute("title")
    # The text follows the student to another page (state is shared, not per page).
    page.locator("[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", has_text="Home").click()
    expect(page.locator("[data-testid='stTextArea'] textarea").first).to_have_value("hello world")
    assert_no_exception(page)


XSS = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(2)</script>",
    '<iframe srcdoc="<script>parent.alert(3)</script>"></iframe>',
]


@pytest.mark.parametrize("payload", XSS)
def test_html_payloads_stay_inert(page, server, payload):
    open_page(page, server, "tokens")
    set_text_area(page, payload)
    spans = page.locator(".el-spans").first
    expect(spans).to_be_visible()
    # The characters are shown literally (spaces made visible as ·) ...
    shown = spans.inner_text().replace("\n", "")
    assert shown.replace("·", " ") .replace(" ", "") == payload.replace(" ", "")
    # ... and nothing ran or was created from them.
    page.wait_for_timeout(800)
    assert page.dialogs == []
    assert page.locator("iframe[srcdoc]").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert_no_exception(page)


def test_bad_and_odd_input_no_traceback(page, server):
    open_page(page, server, "tokens")
    for text in ["", "a\u0000b\u0007c\ttab\nnew", "שלום עולם مرحبا", "👨‍👩‍👧‍👦 family", "x" * 200_000]:
        set_text_area(page, text)
        assert_no_exception(page)
    expect(page.get_by_text("Showing the first 3,000")).to_be_visible()
    # Decode IDs: bad input gives a message, not a traceback.
    page.get_by_role("tab", name="Decode IDs").click()
    box = page.locator("[data-testid='stTextInput'] input").first
    box.fill("464, cat, 3290")
    box.press("Enter")
    expect(page.get_by_text("'cat' is not a token ID")).to_be_visible()
    box.fill("464 99999999")
    box.press("Enter")
    expect(page.get_by_text("token ID 99999999 (position 1) is out of range")).to_be_visible()
    assert_no_exception(page)


def test_tokens_screenshot(page, server):
    open_page(page, server, "tokens")
    set_text_area(page, "The cat dog ate an apple 🍎.\nTokenizers split\ttext into pieces.")
    page.locator("[data-testid='stCheckbox']", has_text="Show IDs under tokens").click()
    wait_idle(page)
    page.wait_for_timeout(500)
    path = screenshot(page, "tokens")
    assert path.stat().st_size > 10_000


def test_the_sidebar_lesson_file_box_opens(page, server):
    # Built only when opened (a lazy expander): one click shows the download and the upload.
    open_page(page, server, "tokens")
    sidebar = page.locator("section[data-testid='stSidebar']")
    expect(sidebar.get_by_role("button", name="Download lesson (.json)")).to_have_count(0)
    sidebar.get_by_text("Lesson file").click()
    expect(sidebar.get_by_role("button", name="Download lesson (.json)")).to_be_visible(timeout=60_000)
    expect(sidebar.get_by_text("Open a lesson file")).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
