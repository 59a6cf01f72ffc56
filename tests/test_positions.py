"""Step 4: position vectors and the token + position sum."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from embedlab import positions


def test_sinusoidal_matches_the_paper_formula():
    P = positions.sinusoidal(50, 16)
    pos, i = 7, 3  # dimension 2i and 2i+1
    assert P[pos, 2 * i] == pytest.approx(np.sin(pos / 10_000 ** (2 * i / 16)), abs=1e-6)
    assert P[pos, 2 * i + 1] == pytest.approx(np.cos(pos / 10_000 ** (2 * i / 16)), abs=1e-6)
    assert np.array_equal(P[0, 0::2], np.zeros(8)) and np.array_equal(P[0, 1::2], np.ones(8))
    assert not P.flags.writeable


def test_sinusoidal_neighbours_are_similar():
    P = positions.sinusoidal(256, 64).astype(float)
    unit = P / np.linalg.norm(P, axis=1, keepdims=True)
    assert unit[10] @ unit[11] > unit[10] @ unit[200]


def test_learned_random_is_nn_embedding_init():
    torch.manual_seed(5)
    ref = torch.nn.Embedding(10, 4).weight.detach().numpy()
    assert np.array_equal(positions.learned_random(10, 4, seed=5), ref)


def test_same_token_two_positions_two_inputs():
    tv = np.ones((3, 8), dtype=np.float32)  # the same token vector three times
    P = positions.sinusoidal(16, 8)
    x = positions.input_embeddings(tv, P)
    assert np.array_equal(x[0], tv[0] + P[0]) and not np.array_equal(x[0], x[2])
    assert positions.repeated_tokens([5, 9, 5, 9, 5]) == [(5, 0, 2), (9, 1, 3)]


@pytest.mark.parametrize(
    ("tv", "P", "message"),
    [
        (np.ones((2, 4)), np.ones((5, 3)), "4 dimensions but positions have 3"),
        (np.ones((6, 4)), np.ones((5, 4)), "6 tokens but only 5 positions"),
    ],
)
def test_input_embeddings_refuses(tv, P, message):
    with pytest.raises(ValueError, match=message):
        positions.input_embeddings(tv, P)


@pytest.mark.parametrize(("n", "d"), [(0, 4), (4, -1), (2.5, 3)])
def test_bad_shapes(n, d):
    with pytest.raises(ValueError, match="whole number"):
        positions.sinusoidal(n, d)


def test_refuses_a_matrix_that_would_not_fit():
    with pytest.raises(ValueError, match="would need about"):
        positions.sinusoidal(10**7, 10**6)


def test_figures():
    P = positions.sinusoidal(64, 16)
    spec = positions.position_map(P).to_dict()
    assert spec["data"][0]["mode"] == "lines+markers"
    s = positions.sum_figure(["a", "b"], np.ones((2, 16)), P).to_dict()
    assert [t["type"] for t in s["data"]] == ["heatmap"] * 3
    assert [a["text"] for a in s["layout"]["annotations"]] == ["token embedding", "+ position embedding", "= model input"]


def test_page(app_test):
    at = app_test("pages/positions.py")
    assert not at.exception
    at.text_area(key="w.positions.text").set_value("my dog saw your dog").run()
    assert not at.exception
    same = [m.value for m in at.markdown if "same token at two positions" in m.value]
    assert same and "positions 1 and 4" in same[0]
    charts = at.get("plotly_chart")
    assert len(charts) == 4
    assert json.loads(charts[2].proto.spec)["data"][0]["type"] == "heatmap"
    at.radio(key="w.positions.positions.kind").set_value("random").run()
    assert not at.exception and "random initialisation" in at.info[0].value.lower() or "learned" in at.info[0].value
