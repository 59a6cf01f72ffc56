"""AppTest: the home page and the Tokens page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_home_is_the_guided_tour(app_test):
    at = app_test()
    assert not at.exception
    assert at.subheader[0].value == "1 · Text becomes tokens"
    assert "Step 1 of 6" in at.get("progress")[0].proto.text
    assert 'data-id="3797"' in at.html[0].value  # the article's "The cat dog", as GPT-2 tokens


def test_tokens_defaults_are_the_article_example(app_test):
    at = app_test("pages/tokens.py")
    assert not at.exception
    assert metrics(at) == {"Characters": "11", "UTF-8 bytes": "11", "Tokens": "3", "Characters per token": "3.67"}
    spans = at.html[0].value
    assert all(f'data-id="{i}"' in spans for i in (464, 3797, 3290))
    df = at.dataframe[0].value
    assert df["id"].tolist() == [464, 3797, 3290]
    assert df["token"].tolist() == ["The", "·cat", "·dog"]


def test_encoding_and_special_toggle(app_test):
    at = app_test("pages/tokens.py")
    at.text_area(key="w.tokens.text").set_value("hello world<|endoftext|>").run()
    at.selectbox(key="w.tokens.encoding").set_value("cl100k_base").run()
    ids = at.dataframe[0].value["id"].tolist()
    assert ids[:2] == [15339, 1917] and 100257 not in ids
    at.toggle(key="w.tokens.allow_special").set_value(True).run()
    assert at.dataframe[0].value["id"].tolist() == [15339, 1917, 100257]
    assert not at.exception


def test_compare_encodings_table(app_test):
    at = app_test("pages/tokens.py")
    at.text_area(key="w.tokens.text").set_value("hello world").run()
    cmp = at.dataframe[1].value
    assert cmp["encoding"].tolist() == ["gpt2", "cl100k_base", "o200k_base"]
    assert cmp["tokens"].tolist() == [2, 2, 2]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("464, 3797, 3290", None),
        ("[464 3797]", None),
        ("464, cat", "'cat' is not a token ID"),
        ("50257", "token ID 50257 (position 0) is out of range for gpt2"),
    ],
)
def test_decode_ids(app_test, raw, expected):
    at = app_test("pages/tokens.py")
    at.text_input(key="w.tokens.tokens.decode_ids").set_value(raw).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    if expected is None:
        assert errors == []
        assert at.code[-1].value.startswith("The cat")
    else:
        assert any(expected in e for e in errors), errors


@pytest.mark.parametrize(
    "text",
    ["", "a\x00b\x07c", "مرحبا", "👨‍👩‍👧‍👦" * 50, "<script>alert(1)</script>", "x" + " x" * 99_999],
    ids=["empty", "control", "rtl", "zwj-emoji", "script", "100k-tokens"],
)
def test_bad_and_odd_text_no_exception(app_test, text):
    at = app_test("pages/tokens.py")
    at.text_area(key="w.tokens.text").set_value(text).run()
    assert not at.exception
    if text == "":
        assert metrics(at)["Tokens"] == "0"
        assert any("Type some text" in i.value for i in at.info)
    if len(text) > 100_000:
        assert "Showing the first 3,000" in at.html[0].value
        assert metrics(at)["Tokens"] == "100,000"
    if "<script>" in text:
        assert "<script>" not in at.html[0].value


def test_state_comes_from_the_url_and_survives_page_switches():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["text"] = "hello world"
    at.query_params["encoding"] = "o200k_base"
    at.run()
    at.switch_page("pages/tokens.py").run()
    assert at.dataframe[0].value["id"].tolist() == [24912, 2375]
    at.switch_page("pages/home.py").run()
    assert at.text_area[0].value == "hello world"
    at.switch_page("pages/tokens.py").run()
    assert at.text_area(key="w.tokens.text").value == "hello world"


def test_bad_url_values_are_refused_with_a_note():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["encoding"] = "<b>p50k</b>"
    at.run()
    at.switch_page("pages/tokens.py").run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Link parameter `encoding`" in warnings and "using the default" in warnings
    assert at.selectbox(key="w.tokens.encoding").value == "gpt2"


def test_lone_surrogates_get_a_note(app_test):
    # A browser cannot send lone surrogates through the widget protocol, but text restored
    # from elsewhere (state, a lesson file) can hold them: the app repairs it and says so.
    at = app_test(**{"el.text": "a\ud800b"})
    assert not at.exception
    assert any("surrogate" in w.value for w in at.warning)
    at.switch_page("pages/tokens.py").run()
    assert not at.exception
    assert at.text_area(key="w.tokens.text").value == "a\ufffdb"
