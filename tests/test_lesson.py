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


def open_lesson_box(at):
    """Open the sidebar's "Lesson file" expander, which is built only when open."""
    assert not at.sidebar.get("file_uploader")  # closed: not built
    at.session_state["w.sidebar.lesson"] = True
    at.run()
    return at


def test_sidebar_imports_a_lesson(app_test):
    at = open_lesson_box(app_test("pages/tokens.py"))
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
    at = open_lesson_box(app_test("pages/tokens.py"))
    at.sidebar.file_uploader(key="w.sidebar.lesson_upload").set_value(("x.json", b"{oops", "application/json")).run()
    assert not at.exception
    assert any("not valid JSON" in e.value for e in at.error)
    assert at.text_area(key="w.tokens.text").value == "The cat dog"  # the user's text is kept


def test_lesson_file_carries_the_feature_grid_and_word_list(app_test, monkeypatch):
    # What the sidebar's "Download lesson" button holds: the bytes dump_lesson returned last.
    offered: list[bytes] = []
    real = lesson.dump_lesson
    monkeypatch.setattr(lesson, "dump_lesson", lambda values: offered.append(real(values)) or offered[-1])
    at = open_lesson_box(app_test("pages/features.py"))
    at.text_input(key="w.features.features.new_name").set_value("can fly").run()
    at.button(key="w.features.add").click().run()
    assert not at.exception
    at.switch_page("pages/map.py").run()
    at.selectbox(key="w.map.map.points").set_value("list").run()
    at.text_area(key="w.map.map.words").set_value("owl, eagle, cat").run()
    open_lesson_box(at)  # AppTest's page switch closes it
    doc = json.loads(offered[-1])
    grid = doc["state"]["features.grid"]
    assert grid["columns"] == ["token", "has a tail", "is an animal", "is edible", "is a pet", "is a fruit", "can fly"]
    assert grid["rows"][0] == ["cat", 0.9, 0.88, 0.1, 0.85, 0.0, 0.0]
    assert doc["state"]["map.words"] == "owl, eagle, cat"

    # A student opens the file in a fresh session: the grid and the list come back.
    doc["state"]["features.grid"]["rows"].append(["owl", 0.2, 1.0, 0.0, 0.0, 0.0, 1.0])
    fresh = open_lesson_box(app_test("pages/features.py"))
    fresh.sidebar.file_uploader(key="w.sidebar.lesson_upload").set_value(
        ("lesson.json", json.dumps(doc).encode(), "application/json")).run()
    assert not fresh.exception
    shown = fresh.get("arrow_data_frame") or fresh.get("dataframe")
    editor = next(d for d in shown if d.proto.editing_mode)
    assert list(editor.value["token"]) == ["cat", "dog", "apple", "owl"]
    assert "can fly" in editor.value.columns
    fresh.switch_page("pages/map.py").run()
    assert fresh.text_area(key="w.map.map.words").value == "owl, eagle, cat"


@pytest.mark.parametrize("grid, message", [
    ({"columns": ["name", "x"], "rows": []}, "first column must be 'token'"),
    ({"columns": ["token", "x"], "rows": [["cat", "high"]]}, "finite numbers or empty"),
    ({"columns": ["token", "x"], "rows": [["cat", True]]}, "finite numbers or empty"),
    ({"columns": ["token", "x"], "rows": [["cat"]]}, "needs 2 cells"),
    ({"columns": ["token", "x", "x"], "rows": []}, "repeats a column"),
    ({"columns": ["token"] + [f"f{i}" for i in range(51)], "rows": []}, "the limits are 500 rows and 50 features"),
    ([1, 2], "not valid JSON"),  # a list arrives as the text "1,2"
    ("[[1]]", 'must be {"columns"'),
])
def test_a_hostile_grid_in_a_lesson_is_refused_with_a_note(grid, message):
    from embedlab.features import grid_from_json

    parsers = {"features.grid": grid_from_json}
    data = json.dumps({"format": "embedlab-lesson", "version": 1, "state": {"features.grid": grid}}).encode()
    values, notes = lesson.load_lesson(data, parsers)
    assert values == {} and len(notes) == 1 and message in notes[0], notes


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.one_of(st.none(), st.floats(-1e6, 1e6))), max_size=8))
def test_grid_json_round_trip(rows):
    import math

    import pandas as pd

    from embedlab.features import grid_digest, grid_from_json, grid_to_json

    df = pd.DataFrame([[t, v] for t, v in rows], columns=["token", "is an animal"])
    df["is an animal"] = df["is an animal"].astype("float64")
    back = grid_from_json(json.dumps(grid_to_json(df)))
    assert list(back.columns) == ["token", "is an animal"] and len(back) == len(df)
    for (t, v), (t2, v2) in zip(rows, back.itertuples(index=False, name=None)):
        assert t2 == (t if t.strip() else None)  # a blank name is an empty editor row, as clean_grid reads it
        assert (v is None and math.isnan(v2)) or v == v2
    assert grid_digest(back) == grid_digest(df)
