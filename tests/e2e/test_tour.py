"""Browser: walk the guided tour, answer a question, and reopen a copied link in a fresh context."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from embedlab import tour

from .conftest import assert_no_exception, open_page, screenshot, set_text_area, wait_idle


def _main(page):
    return page.locator("[data-testid='stMain']")


def test_walk_the_tour_and_answer(page, server):
    open_page(page, server)
    main = _main(page)
    for i, step in enumerate(tour.STEPS):
        expect(main.get_by_role("heading", name=step.title)).to_be_visible()
        assert_no_exception(page)
        if i == 3:  # the map step: answer its question
            main.get_by_text("dog", exact=True).last.click()
            main.get_by_role("button", name="Reveal").click()
            expect(main.get_by_text("Right! GloVe cosine similarity: cat–dog")).to_be_visible()
            screenshot(page, "tour")
        if i < len(tour.STEPS) - 1:
            main.get_by_role("button", name="Next ▶").click()
            wait_idle(page)
    expect(main.get_by_role("button", name="Next ▶")).to_be_disabled()


def test_copied_link_restores_the_view(page, server, browser):
    open_page(page, server, "tokens")
    set_text_area(page, "my dog saw your dog")
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="o200k_base — GPT-4o (200,019 tokens)").click()
    wait_idle(page)
    expect(page.locator(".el-spans").first.locator(".el-tok")).to_have_count(5)
    # The URL is rewritten after the run; under load that can lag behind the page.
    page.wait_for_url(re.compile(r".*encoding=o200k_base.*"), timeout=60_000)
    page.wait_for_url(re.compile(r".*text=my.*"), timeout=60_000)
    link = page.url
    fresh = browser.new_context(viewport={"width": 1400, "height": 1200})
    try:
        other = fresh.new_page()
        other.goto(link)
        expect(other.locator("[data-testid='stTextArea'] textarea").first).to_have_value(
            "my dog saw your dog", timeout=60_000)
        expected = [str(t.id) for t in __import__("embedlab").tokenize("my dog saw your dog", "o200k_base")]
        # The text box can be drawn before the spans under it: wait for them, then read them.
        spans = other.locator(".el-spans").first.locator(".el-tok")
        expect(spans).to_have_count(len(expected), timeout=60_000)
        wait_idle(other)
        assert [e.get_attribute("data-id") for e in spans.all()] == expected
    finally:
        fresh.close()
