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


def _spec(chart) -> dict:
    return json.loads(chart.proto.spec)


def _z(trace: dict) -> np.ndarray:
    z = trace["z"]
    if isinstance(z, dict):  # plotly typed array
        import base64

        a = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        return a.reshape([int(n) for n in str(z.get("shape", a.size)).split(",")])
    return np.asarray(z, dtype=float)


def _xy(trace: dict) -> np.ndarray:
    return np.column_stack([_z({"z": trace["x"]}), _z({"z": trace["y"]})]).astype(float)


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))


def test_page_without_gpt2_shows_a_stand_in_and_says_which(app_test):
    at = app_test("pages/positions.py")
    assert not at.exception
    assert "GPT-2's trained `wpe` is not downloaded, so this page shows the **sinusoidal**" in at.info[0].value
    charts = at.get("plotly_chart")
    np.testing.assert_allclose(_z(_spec(charts[0])["data"][0]), positions.sinusoidal(1024, 768)[:64, :64], atol=1e-6)
    at.text_area(key="w.positions.text").set_value("my dog saw your dog").run()
    assert not at.exception
    same = [m.value for m in at.markdown if "same token at two positions" in m.value]
    assert same and "positions 1 and 4" in same[0]
    charts = at.get("plotly_chart")
    assert len(charts) == 4
    assert _spec(charts[2])["data"][0]["type"] == "heatmap"
    at.radio(key="w.positions.positions.kind").set_value("random").run()
    assert not at.exception
    assert "shows the **learned, random initialisation** position vectors" in at.info[0].value
    np.testing.assert_allclose(_z(_spec(at.get("plotly_chart")[0])["data"][0]),
                               positions.learned_random(1024, 768, seed=0)[:64, :64], atol=1e-6)
    assert "a tangle" in " ".join(c.value for c in at.caption)


def test_page_offline_download_button_names_the_fix(app_test):
    from appkit.embeddings import download_of
    from appkit.positions import GPT2_REPO

    at = app_test("pages/positions.py")  # tests/conftest.py sets HF_HUB_OFFLINE=1
    at.button(key="w.positions.gpt2_go").click().run()
    for matrix in (False, True):
        job = download_of(GPT2_REPO, positions=matrix)
        _wait_until(lambda job=job: job.finished)
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "could not download hf:openai-community/gpt2" in errors and "Unset HF_HUB_OFFLINE" in errors
    assert "shows the **sinusoidal**" in at.info[0].value  # and the stand-in is still shown


def _wait_until(condition, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition(), "timed out"


@pytest.fixture
def gpt2_hub(monkeypatch):
    """A fake Hub on 127.0.0.1 serving a GPT-2-shaped repo (16-d wte, smooth 16-d wpe) as openai-community/gpt2."""
    import huggingface_hub.constants

    from tests.fake_hub import FakeHub, gpt2_repo

    repo, _ = gpt2_repo(filler_mb=1)
    hub = FakeHub({"openai-community/gpt2": repo}).start()
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    yield hub, repo.tensors["wte.weight"], repo.tensors["wpe.weight"]
    hub.stop()


def _check_gpt2_mode(at, wte: np.ndarray, wpe: np.ndarray) -> None:
    from sklearn.decomposition import PCA

    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Showing GPT-2's **trained** position vectors `wpe` (1,024 × 16)" in at.success[0].value
    charts = at.get("plotly_chart")
    np.testing.assert_allclose(_z(_spec(charts[0])["data"][0]), wpe[:64, :16], rtol=1e-6)
    xy = _xy(_spec(charts[1])["data"][0])
    np.testing.assert_allclose(np.abs(xy), np.abs(PCA(n_components=2, svd_solver="full").fit_transform(
        wpe.astype(np.float64))), rtol=1e-5, atol=1e-8)
    # A smooth curve: each step from position i to i+1 is small next to the size of the whole map.
    steps = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    assert np.median(steps) < 0.02 * np.ptp(xy, axis=0).max()
    at.text_area(key="w.positions.text").set_value("my dog saw your dog").run()
    ids = [t.id for t in positions_tokens("my dog saw your dog")]
    fig = _spec(at.get("plotly_chart")[2])
    np.testing.assert_allclose(_z(fig["data"][0]), wte[ids][:, :32], rtol=1e-6)  # GPT-2's real token rows
    np.testing.assert_allclose(_z(fig["data"][1]), wpe[: len(ids)][:, :32], rtol=1e-6)  # + its position rows
    np.testing.assert_allclose(_z(fig["data"][2]), (wte[ids] + wpe[: len(ids)])[:, :32], rtol=1e-5)
    same = [m.value for m in at.markdown if "same token at two positions" in m.value]
    assert same and "positions 1 and 4" in same[0]


def positions_tokens(text: str):
    from embedlab.tokenizer import tokenize

    return tokenize(text, "gpt2")


def test_page_shows_gpt2s_real_wpe_and_wte_from_the_cache_offline(app_test, gpt2_hub, tmp_path, monkeypatch):
    import huggingface_hub.constants

    from embedlab.hf_download import load_hf_embeddings

    hub, wte, wpe = gpt2_hub
    for matrix in (False, True):  # pre-fill the page's cache (EMBEDLAB_CACHE) from the fake Hub
        load_hf_embeddings("openai-community/gpt2", positions=matrix, cache_dir=tmp_path / "cache")
    hub.stop()
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    at = app_test("pages/positions.py")
    _check_gpt2_mode(at, wte, wpe)
    assert any("cached at" in c.value for c in at.caption)  # says it is the offline copy
    at.radio(key="w.positions.positions.kind").set_value("sinusoidal").run()
    assert "for comparison; choose GPT-2's trained wpe above" in at.info[0].value


def test_page_downloads_gpt2_with_its_button(app_test, gpt2_hub):
    from appkit.embeddings import download_of
    from appkit.positions import GPT2_REPO

    hub, wte, wpe = gpt2_hub
    at = app_test("pages/positions.py")
    at.button(key="w.positions.gpt2_go").click().run()
    assert not at.exception
    for matrix in (False, True):
        job = download_of(GPT2_REPO, positions=matrix)
        _wait_until(lambda job=job: job.finished)
        assert job.ok, job.error
    at.run()
    _check_gpt2_mode(at, wte, wpe)
