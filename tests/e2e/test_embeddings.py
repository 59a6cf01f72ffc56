"""Browser tests of the Embeddings page: a deep link, GloVe's cat -> dog, an upload with hostile
token text, and a Hugging Face download from a fake Hub on 127.0.0.1 that the page polls."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from .conftest import assert_no_exception, open_page, screenshot, start_server, stop_server, wait_idle


def _nearest_chart(page, word: str):
    return page.locator("[data-testid='stPlotlyChart']").filter(has_text=f"Nearest to {word} (cosine similarity)")


def test_glove_nearest_neighbour_of_cat_is_dog(page, server):
    open_page(page, server, "embeddings")  # GloVe and the query "cat" are the defaults
    chart = _nearest_chart(page, "cat")
    expect(chart).to_be_visible(timeout=60_000)  # the first page of a fresh server also loads GloVe and Plotly
    wait_idle(page)
    # Read the chart as a person does: top to bottom (the DOM order of the ticks is not the screen order).
    ticks = chart.locator(".yaxislayer-above .ytick text")
    shown = sorted((ticks.nth(i).bounding_box()["y"], ticks.nth(i).text_content()) for i in range(ticks.count()))
    assert [w for _, w in shown[:3]] == ["dog", "rabbit", "monkey"], shown
    labels = chart.locator(".bars .point text")
    values = sorted((labels.nth(i).bounding_box()["y"], labels.nth(i).text_content()) for i in range(labels.count()))
    assert values[0][1] == "0.922", values  # cosine(cat, dog) in GloVe 6B 50d, on the top bar
    assert_no_exception(page)


def test_deep_link_shows_glove_neighbours_and_clamps_the_link(page, server):
    open_page(page, server, "embeddings", "embeddings.query=dog&embeddings.k=500")
    expect(page.get_by_role("heading", name="🧬 Embeddings")).to_be_visible()
    expect(page.get_by_text("500 is outside 1–50; using 50")).to_be_visible()
    expect(page.get_by_text("Nearest to dog (cosine similarity)")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("queen", exact=False).first).to_be_visible()
    wait_idle(page)
    expect(page.locator("[data-testid='stPlotlyChart']").nth(2)).to_be_attached()  # at least three charts
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


@pytest.fixture(scope="module")
def hub_server(browser, tmp_path_factory):
    """A fake Hub holding back GPT-2's matrix until told, and an app server whose HF_ENDPOINT points at it."""
    from tests.fake_hub import FakeHub, gpt2_repo

    repo, _ = gpt2_repo(filler_mb=1)
    hub = FakeHub({"openai-community/gpt2": repo}, hold=threading.Event()).start()
    cache = tmp_path_factory.mktemp("embedlab-cache")
    proc, url, _ = start_server({"HF_ENDPOINT": hub.endpoint, "HF_HUB_OFFLINE": "0", "EMBEDLAB_CACHE": str(cache)})
    yield url, hub
    hub.hold.set()
    stop_server(proc)
    hub.stop()


def test_hugging_face_download_shows_progress_and_the_page_stays_usable(page, hub_server):
    url, hub = hub_server
    open_page(page, url, "embeddings", "source=hf")
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("button", name="Download the embedding matrix of openai-community/gpt2").click()
    # The fake Hub holds the matrix after its first 64 KB: the bar shows the known size, and stays.
    expect(main.get_by_text("Downloading embedding matrix of openai-community/gpt2:")).to_be_visible()
    expect(main.get_by_text(" of 3.2 MB", exact=False).first).to_be_visible()
    expect(main.locator("[data-testid='stProgress']")).to_have_count(1)
    # Usable meanwhile: GloVe is shown, and a new query is answered while the download runs.
    expect(main.get_by_text("400,000").first).to_be_visible()
    query = main.locator("[data-testid='stTextInput'] input").nth(1)  # [0] is the repo id
    query.fill("dog")
    query.press("Enter")
    expect(_nearest_chart(page, "dog")).to_be_visible()
    expect(main.locator("[data-testid='stProgress']")).to_have_count(1)
    screenshot(page, "embeddings-downloading")
    hub.hold.set()
    # No click needed: the polling fragment sees the finished download and reruns the page.
    expect(main.get_by_text("50,257").first).to_be_visible(timeout=60_000)
    expect(main.locator("[data-testid='stProgress']")).to_have_count(0)
    expect(main.get_by_text("by byte range", exact=False).first).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    sent = [e for e in hub.log if e.path.endswith("model.safetensors") and e.status == 206 and e.sent > 1_000_000]
    assert len(sent) == 1
