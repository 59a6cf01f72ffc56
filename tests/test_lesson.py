"""Lesson files and URL-state parsing: round trips, hostile files, and the sidebar import."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedlab import lesson, urlstate

PARSERS = {
    "text": urlstate.text(1000),
    "encoding": urlstate.choice(["gpt2", "cl100k_base"]),
    "map.k": urlstate.integer(1, 100),
    "map.perplexity": urlstate.number(2, 100),
    "presenter": urlstate.flag,
    "emb.upload": None,
}


def test_round_trip():
    values = {"text": "The cat dog", "encoding": "cl100k_base", "map.k": 7, "map.perplexity": 30.0, "presenter": True}
    data = lesson.dump_lesson({**values, "emb.upload": object()})  # non-JSON values are skipped
    back, notes = lesson.load_lesson(data, PARSERS)
    assert back == values and notes == []


def test_values_are_validated_like_url_values():
    doc = {"format": "embedlab-lesson", "version": 1,
           "state": {"map.k": -5, "map.perplexity": 1e6, "encoding": "p50k", "evil": 1, "emb.upload": "x"}}
    back, notes = lesson.load_lesson(json.dumps(doc).encode(), PARSERS)
    assert back == {"map.k": 1, "map.perplexity": 100.0}
    joined = " ".join(notes)
    assert "-5 is outside 1–100; using 1" in joined
    assert "'p50k' is not one of gpt2, cl100k_base" in joined
    assert "`evil` is not a setting" in joined
    assert "`emb.upload` cannot be restored" in joined


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not an embedlab lesson file"),
        (b'{"format": "embedlab-lesson", "version": 99, "state": {}}', "version 99"),
        (b'{"format": "embedlab-lesson", "version": 1, "state": 3}', 'no "state" object'),
        (b" " * (lesson.MAX_BYTES + 1), "the limit is"),
    ],
)
def test_bad_files_refused(data, message):
    with pytest.raises(lesson.FileFormatError, match=message):
        lesson.load_lesson(data, PARSERS)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_the_parsers_error(data):
    try:
        lesson.load_lesson(data, PARSERS)
    except lesson.FileFormatError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(sorted(k for k, v in PARSERS.items() if v)))
def test_url_parsers_never_crash(raw, key):
    """Any string in the URL either parses, or is refused/clamped with ParamError."""
    try:
        PARSERS[key](raw)
    except urlstate.ParamError as e:
        if e.clamped is not None:
            PARSERS[key](str(e.clamped))  # a clamped value is itself valid


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("true", True), ("0", False), ("off", False)])
def test_flag(raw, value):
    assert urlstate.flag(raw) is value


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "x"])
def test_number_refuses_non_finite(raw):
    with pytest.raises(urlstate.ParamError):
        urlstate.number(0, 1)(raw)


def test_sidebar_imports_a_lesson(app_test):
    at = app_test("pages/tokens.py")
    doc = {"format": "embedlab-lesson", "version": 1,
           "state": {"text": "hello world", "encoding": "o200k_base", "unknown.key": 3}}
    at.sidebar.file_uploader(key="w.sidebar.lesson_upload").set_value(
        ("lesson.json", json.dumps(doc).encode(), "application/json")).run()
    assert not at.exception
    assert at.text_area(key="w.tokens.text").value == "hello world"
    assert at.dataframe[0].value["id"].tolist() == [24912, 2375]
    warnings = " ".join(w.value for w in at.warning)
    assert "`unknown.key` is not a setting" in warnings


def test_sidebar_refuses_a_broken_lesson(app_test):
    at = app_test("pages/tokens.py")
    at.sidebar.file_uploader(key="w.sidebar.lesson_upload").set_value(("x.json", b"{oops", "application/json")).run()
    assert not at.exception
    assert any("not valid JSON" in e.value for e in at.error)
    assert at.text_area(key="w.tokens.text").value == "The cat dog"  # the user's text is kept
