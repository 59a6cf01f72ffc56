"""The Tokens page's views: escaping, visible whitespace, tables and counts."""

from __future__ import annotations

import pytest

import embedlab as el

PAYLOADS = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(2)</script>",
    '<iframe srcdoc="<script>parent.alert(3)</script>"></iframe>',
    "\" onmouseover=\"alert(4)",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("encoding", el.ENCODINGS)
def test_spans_escape_everything(payload, encoding):
    html = el.token_spans_html(el.tokenize(payload, encoding))
    assert "<img" not in html and "<script" not in html and "<iframe" not in html
    assert 'onmouseover="' not in html and "onerror=\"" not in html
    assert html.count("<span") == len(el.tokenize(payload, encoding))


def test_spans_show_ids_titles_and_colours():
    toks = el.tokenize("The cat dog")
    html = el.token_spans_html(toks, show_ids=True)
    assert 'data-id="464"' in html and 'data-id="3797"' in html and 'data-id="3290"' in html
    assert 'title="#1 · ID 3797 · bytes 20 63 61 74"' in html
    assert "<sub" in html and ">3797</sub>" in html
    assert el.SPAN_COLOURS[0] in html and el.SPAN_COLOURS[1] in html


def test_long_text_is_truncated_with_a_note():
    toks = el.tokenize("a" + " a" * 4999)
    html = el.token_spans_html(toks, max_tokens=100)
    assert html.count('class="el-tok"') == 100
    assert "Showing the first 100 of 5,000 tokens" in html


@pytest.mark.parametrize(
    ("raw", "shown"),
    [(" cat", "·cat"), ("a\tb", "a→b"), ("x\n", "x↵"), ("a\u0000", "a⟨U+0000⟩"), ("👨\u200d👩", "👨⟨U+200D⟩👩")],
)
def test_visible_text(raw, shown):
    assert el.visible_text(raw) == shown


def test_token_table_and_stats():
    text = "The cat 😀"
    toks = el.tokenize(text)
    df = el.token_table(toks)
    assert list(df.columns) == ["position", "token", "id", "bytes (hex)", "partial UTF-8"]
    assert df["id"].tolist()[:2] == [464, 3797]
    assert df["partial UTF-8"].tolist()[-1] is True or df["partial UTF-8"].tolist()[-1] == True  # noqa: E712
    stats = el.text_stats(text, toks)
    assert (stats.characters, stats.utf8_bytes, stats.tokens) == (9, 12, len(toks))
    assert stats.chars_per_token == pytest.approx(9 / len(toks))
    assert el.text_stats("", []).chars_per_token == 0.0


def test_compare_encodings():
    by = el.compare_encodings("hello world", el.ENCODINGS)
    df = el.compare_table("hello world", by)
    assert df["tokens"].tolist() == [2, 2, 2]
    assert [t.id for t in by["o200k_base"]] == [24912, 2375]


def test_decoded_pieces_table():
    df = el.decoded_pieces_table([464, 3797], el.token_pieces([464, 3797]))
    assert df["piece"].tolist() == ["The", "·cat"]
