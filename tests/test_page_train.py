"""AppTest: the Train page -- tiny real training runs, stop/resume, bad input, results."""

from __future__ import annotations

import json

import pytest

from embedlab.corpus import TEACHING_CATEGORIES

PAGE = "pages/train.py"
RUNNING = "el.train.running"
TRAINER = "el.train.trainer"


def specs(at) -> dict[str, dict]:
    """Plotly charts by title."""
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[spec["layout"].get("title", {}).get("text", "")] = spec
    return out


def train_to_end(at, limit: int = 200):
    """Click Start, then rerun (AppTest does not run the fragment's timer) until training stops."""
    at.button(key="w.train.start").click().run()
    assert not at.exception, at.exception
    for _ in range(limit):
        if not at.session_state[RUNNING]:
            break
        at.run()
    assert not at.session_state[RUNNING]
    return at.session_state[TRAINER]


@pytest.fixture
def page(app_test):
    at = app_test(PAGE)
    assert not at.exception
    return at


def test_page_opens_ready_to_start(page):
    at = page
    assert at.title[0].value == "🏋️ Train"
    assert not at.button(key="w.train.start").disabled and at.button(key="w.train.start").label == "▶ Start"
    assert at.button(key="w.train.stop").disabled
    assert "press ▶ Start" in at.info[0].value
    assert at.radio(key="w.train.train.objective").value == "skipgram"


def test_tiny_skipgram_run_shows_everything(page):
    at = page
    at.number_input(key="w.train.train.epochs").set_value(1).run()
    t = train_to_end(at)
    assert t.done and t.config.epochs == 1 and t.step_count == t.total_steps
    charts = specs(at)
    map_title = f"Watched tokens at step {t.step_count:,} of {t.total_steps:,} (aligned PCA)"
    assert [tr["name"] for tr in charts[map_title]["data"]] == list(TEACHING_CATEGORIES)
    assert len(charts["Training loss"]["data"][0]["y"]) == t.step_count
    probes = charts["Similarity over training"]["data"]
    assert [p["name"] for p in probes] == ["cosine(cat, dog)", "cosine(cat, apple)"]
    rows_title = f"Step {t.last_update_step:,}: {len(t.last_batch_rows)} of {t.corpus.vocab_size} rows changed"
    assert rows_title in charts
    replay = next(s for s in charts.values() if s.get("frames"))
    assert len(replay["frames"]) == len(t.snapshots)
    # The result: a table for the other pages, and the downloads.
    table = at.session_state["el.train.table"]
    assert table.name == "trained: teaching corpus (skip-gram)" and len(table) == t.corpus.vocab_size
    assert [b.label for b in at.main.get("download_button")] == [
        "Table (.safetensors)", "Vocabulary (.txt)", "Projector: vectors.tsv", "Projector: metadata.tsv"]
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["cos(cat, dog) − cos(cat, apple)"]) == pytest.approx(
        t.cosine("cat", "dog") - t.cosine("cat", "apple"), abs=0.006)
    # Neighbours before and after.
    nb = at.dataframe[0].value
    assert nb["token"].tolist() == [ws[0].lower() for ws in TEACHING_CATEGORIES.values()]


def test_one_sentence_step(page):
    at = page
    at.number_input(key="w.train.train.epochs").set_value(1).run()
    t = train_to_end(at)
    before = t.embeddings()
    at.button(key="w.train.line_step").click().run()
    demo = at.session_state["el.train.demo"]
    assert f"One sentence: {len(demo.changed_rows)} of {t.corpus.vocab_size} rows changed" in specs(at)
    assert len(demo.changed_rows) == len(set(demo.tokens))
    assert "Sentence: " + " | ".join(demo.tokens) in [x.value for x in at.text]
    assert (t.embeddings() == before).all()  # tried on a copy


def test_stop_keeps_the_table_and_resume_finishes(page):
    at = page
    at.number_input(key="w.train.train.epochs").set_value(20).run()
    at.button(key="w.train.start").click().run()
    t = at.session_state[TRAINER]
    assert at.session_state[RUNNING] and 0 < t.step_count < t.total_steps
    at.button(key="w.train.stop").click().run()
    stopped_at = t.step_count
    assert not at.session_state[RUNNING] and t.stopped and stopped_at < t.total_steps
    table = at.session_state["el.train.table"]
    assert f"{stopped_at:,} of {t.total_steps:,} steps" in table.source
    assert at.button(key="w.train.start").label == "▶ Resume"
    at.button(key="w.train.start").click().run()
    assert at.session_state[TRAINER] is t and t.step_count > stopped_at  # same run, continued
    at.button(key="w.train.stop").click().run()
    at.button(key="w.train.reset").click().run()
    assert at.session_state[TRAINER] is None and not at.exception


def test_changed_settings_start_a_new_run(page):
    at = page
    at.number_input(key="w.train.train.epochs").set_value(1).run()
    first = train_to_end(at)
    at.number_input(key="w.train.train.seed").set_value(5).run()
    assert at.button(key="w.train.start").label == "▶ Start"
    second = train_to_end(at)
    assert second is not first and second.config.seed == 5


def test_next_token_on_gpt2_tokens_lines_up_with_token_ids(page):
    at = page
    at.selectbox(key="w.train.train.tokenization").set_value("gpt2").run()
    at.radio(key="w.train.train.objective").set_value("next_token").run()
    at.number_input(key="w.train.train.epochs").set_value(1).run()
    t = train_to_end(at)
    assert t.config.objective == "next_token" and t.corpus.encoding == "gpt2"
    table = at.session_state["el.train.table"]
    assert table.name == "trained: teaching corpus, gpt2 (next-token)"
    assert table.encoding == "gpt2" and len(table) == 50257 and table.tokens[3797] == " cat"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "contains no words"), ("cat", "fewer than two tokens"), ("!!! ...", "contains no words")],
)
def test_pasted_text_that_cannot_train_is_refused(page, text, message):
    at = page
    at.radio(key="w.train.train.source").set_value("paste").run()
    at.text_area(key="w.train.train.text").set_value(text).run()
    at.button(key="w.train.start").click().run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert at.session_state[TRAINER] is None and not at.session_state[RUNNING]


def test_pasted_text_trains(page):
    at = page
    at.radio(key="w.train.train.source").set_value("paste").run()
    at.text_area(key="w.train.train.text").set_value("the cat sat on the mat\nthe dog sat on the rug\n" * 20).run()
    at.number_input(key="w.train.train.epochs").set_value(1).run()
    t = train_to_end(at)
    assert t.corpus.name == "pasted text" and t.done
    assert at.session_state["el.train.table"].name == "trained: pasted text (skip-gram)"


def test_uploads_non_utf8_and_too_big_are_refused(page, monkeypatch):
    import appkit.train

    at = page
    at.radio(key="w.train.train.source").set_value("upload").run()
    at.get("file_uploader")[0].set_value(("latin.txt", "le café noir".encode("latin-1"), "text/plain")).run()
    at.button(key="w.train.start").click().run()
    assert any("latin.txt is not UTF-8 text: byte 0xe9 at offset 6" in e.value for e in at.error)
    monkeypatch.setattr(appkit.train, "MAX_TEXT_BYTES", 100)
    at.get("file_uploader")[0].set_value(("big.txt", b"word " * 30, "text/plain")).run()
    at.button(key="w.train.start").click().run()
    assert any("The file is 150 B; the limit for training text is 100 B" in e.value for e in at.error)
    assert at.session_state[TRAINER] is None and not at.exception


def test_upload_trains_and_its_name_is_kept_plain(page):
    at = page
    at.radio(key="w.train.train.source").set_value("upload").run()
    name = "my <b>story</b> [x](y).txt"
    at.get("file_uploader")[0].set_value((name, ("the cat saw the dog\n" * 30).encode(), "text/plain")).run()
    at.number_input(key="w.train.train.epochs").set_value(1).run()
    t = train_to_end(at)
    assert t.corpus.name == "my _b_story__b_ _x_(y).txt"
    assert at.session_state["el.train.table"].name == "trained: my _b_story__b_ _x_(y).txt (skip-gram)"


def test_settings_come_from_the_link():
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["train.epochs"] = "1"
    at.query_params["train.dim"] = "9999"  # clamped, with a note
    at.query_params["train.objective"] = "<script>"  # refused, with a note
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.number_input(key="w.train.train.epochs").value == 1
    assert at.number_input(key="w.train.train.dim").value == 256
    assert at.radio(key="w.train.train.objective").value == "skipgram"
    notes = " ".join(w.value for w in at.warning)
    assert "Link parameter `train.dim`" in notes and "Link parameter `train.objective`" in notes


def test_trained_table_is_a_source_on_the_embeddings_page(page):
    at = page
    at.number_input(key="w.train.train.epochs").set_value(1).run()
    t = train_to_end(at)
    at.switch_page("pages/embeddings.py").run()
    at.selectbox(key="w.embeddings.source").set_value("trained").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "trained: teaching corpus (skip-gram)" in captions and f"{t.step_count} of {t.total_steps} steps" in captions
