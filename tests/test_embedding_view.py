"""The Embeddings page's pure helpers: text -> rows, tables, figures, the PyTorch snippet."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import torch
from sklearn.metrics.pairwise import cosine_similarity

from embedlab.embedding_view import (
    lookup_figure,
    lookup_rows_table,
    lookup_similarity,
    lookup_text,
    lookup_vectors_table,
    neighbors_figure,
    pytorch_snippet,
    shape_line,
    table_summary,
    words_similarity,
)
from embedlab.embeddings import EmbeddingTable, glove_6b_50d, random_embeddings


@pytest.fixture(scope="module")
def glove() -> EmbeddingTable:
    return glove_6b_50d()


@pytest.fixture(scope="module")
def gpt2_random() -> EmbeddingTable:
    return random_embeddings(encoding="gpt2", dim=100, seed=7)


def z(fig) -> np.ndarray:
    return np.asarray(fig.data[0].z, dtype=float)  # to_dict() would give Plotly's base64 typed array


def test_word_level_lookup_splits_words_and_punctuation(glove):
    lk = lookup_text(glove, "The cat sat on the mat, qwzxv!")
    assert lk.unit == "word" and lk.encoding is None
    assert lk.labels == ["The", "cat", "sat", "on", "the", "mat", ",", "qwzxv", "!"]
    assert lk.rows == [glove.tokens.index(w) if w != "qwzxv" else None
                       for w in ["the", "cat", "sat", "on", "the", "mat", ",", "qwzxv", "!"]]
    assert lk.rows[0] == lk.rows[4] == 0  # "The" and "the" are one GloVe row
    assert lk.missing == ["qwzxv"] and lk.found == [0, 1, 2, 3, 4, 5, 6, 8]


def test_token_level_lookup_uses_the_real_token_ids(gpt2_random):
    lk = lookup_text(gpt2_random, "The cat dog", encoding="gpt2")
    assert (lk.unit, lk.encoding) == ("token", "gpt2")
    assert lk.labels == ["The", " cat", " dog"]
    assert lk.ids == lk.rows == [464, 3797, 3290]


def test_a_table_tied_to_gpt2_is_read_with_gpt2_whatever_the_page_tokenizer(gpt2_random):
    lk = lookup_text(gpt2_random, "The cat dog", encoding="cl100k_base")
    assert lk.encoding == "gpt2" and lk.rows == [464, 3797, 3290]


def test_labelled_token_table_without_ids_matches_piece_text():
    table = EmbeddingTable(np.eye(3), ["The", " cat", " dog"], name="sp", word_level=False)
    lk = lookup_text(table, "The cat bird", encoding="gpt2")
    assert lk.labels == ["The", " cat", " bird"] and lk.rows == [0, 1, None]


def test_long_text_is_truncated_and_says_so(glove):
    lk = lookup_text(glove, "cat " * 250, max_items=200)
    assert len(lk.labels) == 200 and lk.truncated == 50


def test_rows_table_shows_real_glove_values(glove):
    df = lookup_rows_table(glove, lookup_text(glove, "The qwzxv"))
    assert list(df.columns) == ["word", "looked up as", "row", "vector", "length"]
    assert df["looked up as"].tolist() == ["the", "qwzxv"]
    # The first line of Stanford's glove.6B.50d.txt is "the 0.418 0.24968 -0.41242 0.1217 ..."
    assert df["vector"][0] == "[+0.418, +0.250, -0.412, +0.122, …]"
    assert df["length"][0] == pytest.approx(float(np.linalg.norm(glove.vector("the"))), abs=1e-4)
    assert df["vector"][1] == "no vector" and df["row"].isna()[1]


def test_lookup_figure_is_the_selected_rows(glove, gpt2_random):
    lk = lookup_text(glove, "cat qwzxv dog")
    fig = lookup_figure(glove, lk)
    np.testing.assert_allclose(z(fig), np.asarray(glove.vectors)[[5450, 2926]], rtol=1e-6)
    assert list(fig.to_dict()["data"][0]["y"]) == ["cat→5450", "dog→2926"]
    wide = lookup_figure(gpt2_random, lookup_text(gpt2_random, "cat", encoding="gpt2"), max_dims=64)
    assert z(wide).shape == (1, 64) and "first 64 of 100 dimensions" in wide.layout.title.text
    with pytest.raises(ValueError, match="no piece"):
        lookup_figure(glove, lookup_text(glove, "qwzxv"))


def test_neighbors_figure(glove):
    near = glove.neighbors("cat", k=3)
    d = neighbors_figure(near, query="cat", metric="cosine").to_dict()
    assert list(d["data"][0]["y"]) == ["dog", "rabbit", "monkey"]
    np.testing.assert_allclose(d["data"][0]["x"], [s for _, s in near])
    assert d["layout"]["title"]["text"] == "Nearest to cat (cosine similarity)"
    assert d["layout"]["yaxis"]["autorange"] == "reversed"
    d = neighbors_figure([(" the", 1.5)], query=" <b>", metric="euclidean").to_dict()
    assert d["data"][0]["y"] == ("·the",) or list(d["data"][0]["y"]) == ["·the"]
    assert d["layout"]["title"]["text"] == "Nearest to ·&lt;b&gt; (distance)"


def test_words_similarity_is_cosine_and_names_missing_words(glove):
    fig, missing = words_similarity(glove, "cat, dog apple, qwzxv, cat")
    assert missing == ["qwzxv"]
    rows = np.asarray(glove.vectors)[[glove.index_of(w) for w in ("cat", "dog", "apple")]]
    np.testing.assert_allclose(z(fig), cosine_similarity(rows), atol=1e-6)
    assert z(fig)[0, 1] > z(fig)[0, 2] + 0.4  # cat-dog 0.92 vs cat-apple 0.44
    assert words_similarity(glove, "cat qwzxv") == (None, ["qwzxv"])


def test_table_summary(glove):
    assert table_summary(glove) == {
        "Rows (vocabulary)": "400,000", "Dimensions": "50", "Parameters": "20,000,000", "Memory (float32)": "80 MB",
    }


@pytest.mark.parametrize(("vocab", "dim", "seed", "ids"), [(6, 3, 123, [2, 3, 5, 1]), (10, 4, 0, [9, 0, 9])])
def test_pytorch_snippet_runs_and_prints_the_values_the_page_shows(vocab, dim, seed, ids):
    code = pytorch_snippet(vocab_size=vocab, dim=dim, seed=seed, ids=ids)
    scope: dict = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(code, scope)  # the snippet is our own text, built from integers
    assert "Embedding weights:" in out.getvalue()
    table = random_embeddings(vocab_size=vocab, dim=dim, seed=seed)
    np.testing.assert_array_equal(scope["embedding_layer"].weight.detach().numpy(), table.vectors)
    np.testing.assert_array_equal(scope["embedding_layer"](torch.tensor(ids)).detach().numpy(), table.lookup(ids))


def test_typed_text_similarity_has_each_row_once_and_real_cosines(glove, gpt2_random):
    lk = lookup_text(glove, "cat dog apple cat qwzxv")
    fig = lookup_similarity(glove, lk)
    assert list(fig.data[0].y) == ["cat", "dog", "apple"]  # the repeat and the unknown word are not rows
    rows = np.asarray(glove.vectors)[[glove.index_of(w) for w in ("cat", "dog", "apple")]]
    np.testing.assert_allclose(z(fig), cosine_similarity(rows), atol=1e-6)
    assert z(fig)[0, 1] > 0.9 > 0.5 > z(fig)[0, 2]  # cat and dog light up together, apple does not
    assert lookup_similarity(glove, lookup_text(glove, "cat cat")) is None
    # Untrained: nothing lights up. 50 random 100-d rows are nearly orthogonal to each other.
    rnd = lookup_similarity(gpt2_random, lookup_text(gpt2_random, " ".join(["cat", "dog", "apple", "car", "king"] * 3)))
    off = z(rnd)[~np.eye(len(z(rnd)), dtype=bool)]
    assert np.abs(off).max() < 0.45


def test_vectors_table_has_every_component(glove):
    lk = lookup_text(glove, "cat qwzxv dog")
    frame = lookup_vectors_table(glove, lk)
    assert frame["word"].tolist() == ["cat", "dog"] and list(frame.columns[1:]) == [f"d{j}" for j in range(50)]
    np.testing.assert_array_equal(frame.iloc[:, 1:].to_numpy(), np.asarray(glove.vectors)[[5450, 2926]])


@pytest.mark.parametrize(
    ("shape", "line"),
    [
        ((50_257, 768), "50,257 × 768 = 38,597,376 parameters, 154 MB as float32"),  # the GPT-2 example
        ((400_000, 50), "400,000 × 50 = 20,000,000 parameters, 80 MB as float32"),
        ((6, 3), "6 × 3 = 18 parameters, 72 B as float32"),
    ],
)
def test_shape_line(shape, line):
    vectors = np.zeros(shape, np.float32)
    vectors.flags.writeable = False  # used as is: no 154 MB copy
    table = EmbeddingTable(vectors, [str(i) for i in range(shape[0])], name="t")
    assert shape_line(table) == line
