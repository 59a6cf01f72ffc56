"""The guided tour: computed answers, the lookup figure, and walking it in AppTest."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import embedlab as el
from embedlab import tour


@pytest.fixture(scope="module")
def glove():
    return el.load_embeddings("glove-6b-50d")


@pytest.mark.parametrize("step", [s.key for s in tour.STEPS])
def test_every_answer_is_one_of_the_choices(glove, step):
    r = tour.reveal(step, glove=glove)
    assert r.correct in tour.STEPS[tour.step_index(step)].choices
    assert r.explanation


def test_answers_are_computed(glove):
    assert tour.reveal("tokens", glove=glove).correct == str(len(el.tokenize("unbelievably")))
    r = tour.reveal("map", glove=glove)
    assert r.correct == "dog"
    assert f"{float(glove.vector('cat') @ glove.vector('dog') / np.linalg.norm(glove.vector('cat')) / np.linalg.norm(glove.vector('dog'))):.3f}" in r.explanation
    assert "3797" in tour.reveal("ids", glove=glove).explanation


def test_article_table_is_torch_seed_123():
    torch.manual_seed(123)
    ref = torch.nn.Embedding(6, 3).weight.detach().numpy()
    assert np.array_equal(tour.article_table().vectors, ref)
    assert tour.reveal("lookup", glove=None).explanation.startswith(  # type: ignore[arg-type]
        "The first ID is 2, so row 2 comes out first: [1.2753, -0.2010, -0.1606]")


def test_lookup_figure_outlines_selected_rows():
    spec = tour.lookup_figure(tour.article_table().vectors, tour.ARTICLE_IDS, focus=3).to_dict()
    rects = [(s["y0"], s["y1"]) for s in spec["layout"]["shapes"]]
    assert (0.5, 1.5) in rects and (1.5, 2.5) in rects and (2.5, 3.5) in rects and (4.5, 5.5) in rects
    assert (-0.5, 0.5) not in rects[:-1]  # row 0 is not selected
    assert spec["layout"]["shapes"][-1]["line"]["width"] == 6  # the focus row


def test_step_index():
    assert tour.step_index("map") == 3
    with pytest.raises(ValueError, match="unknown step 'nope'"):
        tour.step_index("nope")


def test_walk_the_tour(app_test):
    at = app_test()
    assert not at.exception
    for i, step in enumerate(tour.STEPS):
        assert at.subheader[0].value == step.title
        radio = at.radio(key=f"w.home.answer.{step.key}")
        correct = tour.reveal(step.key, glove=el.load_embeddings("glove-6b-50d")).correct
        radio.set_value(correct).run()
        at.button(key=f"w.home.reveal.{step.key}").click().run()
        assert not at.exception, step.key
        assert any(s.value.startswith("Right!") for s in at.success), step.key
        if i < len(tour.STEPS) - 1:
            at.button(key="w.home.next").click().run()
    at.button(key="w.home.back").click().run()
    assert at.subheader[0].value == tour.STEPS[-2].title


def test_wrong_answer_is_corrected(app_test):
    at = app_test()
    at.radio(key="w.home.answer.tokens").set_value("1").run()
    at.button(key="w.home.reveal.tokens").click().run()
    assert any("Not quite: the answer is **4**" in e.value for e in at.error)


def test_focus_token_highlighted_in_every_view(app_test):
    at = app_test(**{"el.text": "cat dog apple", "el.tour.step": 3})
    assert not at.exception
    pills = at.get("button_group")[0]
    assert pills.options == ["0: cat", "1: ·dog", "2: ·apple"]
    pills.select("1: ·dog").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    selected = [t for t in spec["data"] if "selected" in t.get("name", "").lower()]
    assert selected, [t.get("name") for t in spec["data"]]
    assert "dog" in json.dumps(selected[0].get("text", selected[0].get("hovertext", "")))
    # Step 1 (tokens): the same token is outlined in the spans.
    at.session_state["el.tour.step"] = 0
    at.run()
    html = at.html[0].value
    dog_span = html.split('data-id="3290"')[1].split(">")[0]
    assert "outline:3px solid #E69F00" in dog_span
    # Step 3 (lookup): its row is outlined in the matrix.
    at.session_state["el.tour.step"] = 2
    at.run()
    rows = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert rows["layout"]["shapes"][-1]["line"]["width"] == 6
    assert rows["layout"]["shapes"][-1]["y0"] == 0.5
