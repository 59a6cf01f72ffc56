"""Model sizes: published facts, arithmetic, unknowns labelled, and the page."""

from __future__ import annotations

import json

import pytest

from embedlab import model_sizes as ms


def test_gpt3_embedding_is_the_articles_617_million():
    gpt3 = next(p for p in ms.PRESETS if p.name == "GPT-3 175B")
    assert gpt3.embedding_params == 50_257 * 12_288 == 617_558_016
    assert ms.embedding_size(50_257, 12_288) == {
        "parameters": 617_558_016, "bytes_float32": 2_470_232_064,
        "bytes_float16": 1_235_116_032, "bytes_int8": 617_558_016,
    }


@pytest.mark.parametrize(("name", "width"), [("GPT-2 small", 768), ("GPT-2 medium", 1024), ("GPT-2 large", 1280), ("GPT-2 XL", 1600)])
def test_gpt2_family(name, width):
    p = next(p for p in ms.PRESETS if p.name == name)
    assert (p.vocab_size, p.width) == (50_257, width)


def test_gpt2_small_share():
    p = ms.PRESETS[0]
    assert p.embedding_share == pytest.approx(38_597_376 / 124_439_808)


def test_gpt4_width_is_unknown_not_guessed():
    gpt4 = next(p for p in ms.PRESETS if p.name.startswith("GPT-4"))
    assert gpt4.vocab_size == 100_277 and gpt4.width is None and gpt4.embedding_params is None
    row = ms.presets_table().set_index("model").loc[gpt4.name]
    assert row["width"] == "unknown (not published)"
    assert "16,384" not in ms.presets_table().to_string()


def test_encoding_vocab_sizes_match_tiktoken():
    import embedlab as el

    for name, n in ms.ENCODING_VOCAB.items():
        assert el.get_encoding(name).n_vocab == n


@pytest.mark.parametrize(("v", "d"), [(0, 5), (5, -1), (1.5, 3), (True, 3)])
def test_bad_sizes_refused(v, d):
    with pytest.raises(ValueError, match="must be a whole number"):
        ms.embedding_size(v, d)


def test_share_figure_spec():
    spec = ms.share_figure().to_dict()
    bar = spec["data"][0]
    assert bar["type"] == "bar" and "GPT-4 (cl100k_base vocabulary)" not in bar["y"]
    assert bar["text"][list(bar["y"]).index("GPT-3 175B")] == "0.4%"


def test_page(app_test):
    at = app_test("pages/model_sizes.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Parameters"] == "617,558,016"
    at.selectbox(key="w.sizes.sizes.preset").set_value("Llama 3 8B").run()
    assert {m.label: m.value for m in at.metric}["Parameters"] == f"{128_256 * 4096:,}"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["type"] == "bar"
