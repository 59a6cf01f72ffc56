"""Browser tests of the Map page: a GloVe map of animals + fruits renders, and clicking a point
selects it and highlights its neighbours."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import assert_no_exception, open_page, screenshot, wait_idle

_TRACES = """() => {
  const gd = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  return gd._fullData.map(t => ({name: t.name, n: t.x ? t.x.length : 0, text: Array.from(t.text || [])}));
}"""

# Page coordinates of a point, from Plotly's own axis transforms.
_POINT_XY = """(label) => {
  const gd = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  for (const t of gd._fullData) {
    const i = Array.from(t.text || []).indexOf(label);
    if (i < 0) continue;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
    return [r.left + xa._offset + xa.l2p(t.x[i]), r.top + ya._offset + ya.l2p(t.y[i])];
  }
  return null;
}"""


def _open_map(page, server):
    open_page(page, server, "map")
    expect(page.get_by_role("heading", name="🗺️ Map")).to_be_visible()
    page.wait_for_selector("[data-testid='stPlotlyChart'] .js-plotly-plot")
    wait_idle(page, 180_000)


def test_glove_animals_and_fruits_render_and_a_click_shows_neighbours(page, server):
    _open_map(page, server)
    # Default: GloVe, animals + fruits, plus the shared text's words ("the cat dog").
    expect(page.get_by_text("55 points")).to_be_visible()
    traces = {t["name"]: t for t in page.evaluate(_TRACES)}
    assert traces["animals"]["n"] == 30 and traces["fruits"]["n"] == 24
    assert "cat" in traces["animals"]["text"] and "apple" in traces["fruits"]["text"]
    # WebGL drew something: Scattergl renders into a canvas inside the chart.
    expect(page.locator("[data-testid='stPlotlyChart'] canvas").first).to_be_attached()
    assert page.locator("[data-testid='stPlotlyChart'] .legendtext", has_text="fruits").count() == 1

    xy = page.evaluate(_POINT_XY, "banana")
    assert xy is not None
    page.mouse.move(xy[0], xy[1])
    page.wait_for_timeout(300)
    page.mouse.click(xy[0], xy[1])
    # The click reruns the page; wait until the selection box shows the clicked token.
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll("input[aria-label='Selected token (or click a point)']"))
                 .some(e => e.value === 'banana')""", timeout=90_000)
    page.wait_for_timeout(500)
    wait_idle(page, 120_000)
    expect(page.get_by_label("Selected token (or click a point)")).to_have_value("banana")
    traces = {t["name"]: t for t in page.evaluate(_TRACES)}
    assert traces["selected: banana"]["text"] == ["banana"]
    neighbours = traces["neighbours of banana"]["text"]
    assert {"coconut", "pineapple", "mango"} <= set(neighbours) <= set(traces["fruits"]["text"])
    expect(page.get_by_text("Nearest in the original 50-dimensional space")).to_be_visible()
    assert_no_exception(page)
    screenshot(page, "map")


def test_bad_input_is_explained_not_crashed(page, server):
    _open_map(page, server)
    search = page.locator("[data-testid='stTextInput']", has_text="Search labels").locator("input")
    page.get_by_text("Regular expression", exact=True).click()
    wait_idle(page)
    search.fill("(cat")
    search.press("Enter")
    expect(page.get_by_text("is not a valid regular expression")).to_be_visible()
    wait_idle(page)
    search.fill("^c")
    search.press("Enter")
    expect(page.get_by_text("search “^c”:")).to_be_visible()
    wait_idle(page)
    traces = {t["name"]: t for t in page.evaluate(_TRACES)}
    matches = next(t for name, t in traces.items() if name.startswith("search matches"))
    assert set(matches["text"]) >= {"cat", "cow", "cherry", "coconut"}
    assert_no_exception(page)
    assert page.dialogs == []


def test_hostile_metadata_columns_stay_text(page, server, tmp_path):
    """HTML/JS in an uploaded metadata file (column name and values) is drawn as text in the legend,
    the hover labels and the selectbox, and never runs."""
    _open_map(page, server)
    col = "<b onmouseover=alert(4)>kind</b>"
    meta = tmp_path / "meta.csv"
    rows = [f'token,"{col}"']
    for word in ("cat", "dog", "horse"):
        rows.append(f'{word},"<img src=x onerror=alert(1)>"')
    for word in ("apple", "banana", "mango"):
        rows.append(f'{word},"<a href=""javascript:alert(3)"">click</a>"')
    meta.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.get_by_text("📥 Import").click()
    page.locator("[data-testid='stFileUploader']", has_text="Metadata to colour by").locator(
        "[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(meta))
    wait_idle(page, 120_000)
    box = page.locator("[data-testid='stSelectbox']", has_text="Colour by metadata column")
    expect(box).to_be_visible(timeout=60_000)
    box.click()
    page.get_by_role("option", name=col).click()  # the name is shown as text, tags and all
    wait_idle(page, 120_000)
    # The rerun may report idle a moment before the browser swaps in the recoloured figure, so wait
    # for the hostile value to appear as legend text (SVG text, not markup) rather than reading once.
    legend = page.locator("[data-testid='stPlotlyChart'] .legendtext")
    expect(legend.filter(has_text="<img src=x onerror=alert(1)>").first).to_be_attached(timeout=60_000)
    texts = legend.all_text_contents()
    assert any("<img src=x onerror=alert(1)>" in t for t in texts), texts
    assert any("javascript:alert(3)" in t for t in texts), texts
    xy = page.evaluate(_POINT_XY, "cat")
    page.mouse.move(xy[0], xy[1])
    page.wait_for_timeout(500)
    for link in page.locator("[data-testid='stPlotlyChart'] a").all():
        assert "javascript:" not in (link.get_attribute("href") or "")
    assert page.dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert_no_exception(page)
    screenshot(page, "map-hostile-metadata")


def test_the_lazy_tabs_build_their_content_when_opened(page, server):
    _open_map(page, server)
    charts = page.locator("[data-testid='stPlotlyChart']")
    expect(charts).to_have_count(1)  # the map; the honesty chart waits for its tab
    page.get_by_role("tab", name="⚖️ Honesty").click()
    expect(charts).to_have_count(2, timeout=60_000)
    expect(page.get_by_text("Trustworthiness (scikit-learn) is 1")).to_be_visible()
    page.get_by_role("tab", name="💾 Export").click()
    expect(page.get_by_role("button", name="Coordinates (CSV)")).to_be_visible(timeout=60_000)
    expect(charts).to_have_count(1)
    wait_idle(page)
    assert_no_exception(page)
    screenshot(page, "map-export-tab")
