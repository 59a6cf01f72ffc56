"""Tests for embedlab.onehot: one-hot vectors, lookup == one-hot product, memory guards, gradients, figures."""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import embedlab.onehot as onehot_mod
from embedlab.embeddings import load_embeddings
from embedlab.errors import EmbedlabError, ResourceError
from embedlab.features import words_to_vectors
from embedlab.figures import cosine_similarity_matrix
from embedlab.onehot import (
    backward_view,
    check_equivalence,
    dense_heatmap,
    equivalence_table,
    gradient_heatmap,
    one_hot,
    one_hot_heatmap,
    one_hot_numbers,
    numbers_table,
    pair_distances,
    random_weight,
    similarity_side_by_side,
    time_lookup_vs_one_hot,
    timing_bars,
    timing_memory_needed,
)
from embedlab.tokenizer import tokenize


def arr(x) -> np.ndarray:
    """An array from ``fig.to_dict()``: plotly 7 writes numpy data as base64 typed arrays."""
    if isinstance(x, dict) and "bdata" in x:
        a = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
        return a.reshape([int(n) for n in str(x.get("shape", a.size)).split(",")])
    return np.asarray(x)


@pytest.fixture(scope="module")
def glove():
    return load_embeddings("glove-6b-50d")


@pytest.fixture
def no_allocation(monkeypatch):
    """Make the allocations the guarded functions would do fail loudly, to prove they refuse first."""

    def boom(*a, **k):
        raise AssertionError("allocated before the memory check")

    monkeypatch.setattr(onehot_mod.np, "zeros", boom)
    monkeypatch.setattr(onehot_mod.torch, "randn", boom)
    monkeypatch.setattr(onehot_mod.torch, "zeros", boom)


# ---------------------------------------------------------------- one-hot vectors


def test_one_hot_rows():
    m = one_hot([2, 0, 2, 4], 5)
    assert m.shape == (4, 5) and m.dtype == np.float32
    np.testing.assert_array_equal(m, np.eye(5, dtype=np.float32)[[2, 0, 2, 4]])


def test_one_hot_cosine_is_identity():
    # The article's point: under one-hot every word is equally unlike every other word.
    sims = cosine_similarity_matrix(one_hot(np.arange(7), 7))
    np.testing.assert_array_equal(sims, np.eye(7))


@given(st.integers(1, 300).flatmap(lambda v: st.tuples(st.just(v), st.lists(st.integers(0, v - 1), min_size=1, max_size=40))))
@settings(max_examples=80, deadline=None)
def test_one_hot_round_trip(args):
    vocab, ids = args
    m = one_hot(ids, vocab)
    assert m.argmax(axis=1).tolist() == ids
    np.testing.assert_array_equal(m.sum(axis=1), 1.0)
    assert int((m == 0).sum()) == len(ids) * (vocab - 1)


@pytest.mark.parametrize(
    ("ids", "vocab", "match"),
    [
        ([], 5, "no token IDs"),
        ([5], 5, "token ID 5 is outside the vocabulary .valid IDs: 0 to 4"),
        ([-1], 5, "token ID -1 is outside"),
        ([1.5], 5, "whole numbers"),
        ([[1, 2]], 5, "flat list"),
        ([1], 0, "vocab_size must be a whole number of at least 1, got 0"),
        ([1], True, "vocab_size must be"),
    ],
)
def test_one_hot_bad_input(ids, vocab, match):
    with pytest.raises(EmbedlabError, match=match):
        one_hot(ids, vocab)


def test_one_hot_memory_guard_refuses_before_allocating(no_allocation):
    with pytest.raises(ResourceError, match="one-hot matrix of 1,024 × 50,257 would need about 205.9 MB") as e:
        one_hot(np.arange(1024), 50_257, budget=100_000_000)
    assert e.value.needed_bytes == 1024 * 50_257 * 4


# ---------------------------------------------------------------- full-vocabulary numbers


def test_gpt2_numbers():
    n = one_hot_numbers(50_257, 768)
    assert n.vector_length == 50_257 and n.zeros_per_vector == 50_256
    assert n.zero_fraction == 50_256 / 50_257
    assert n.one_hot_token_bytes == 201_028 and n.dense_token_bytes == 3_072
    assert n.batch_tokens == 1_024
    assert n.one_hot_batch_bytes == 205_852_672 and n.dense_batch_bytes == 3_145_728
    assert n.parameter_count == 38_597_376 and n.matrix_bytes == 154_389_504
    assert n.batch_ratio == pytest.approx(50_257 / 768)


def test_gpt3_parameter_count_from_the_article():
    assert one_hot_numbers(50_257, 12_288).parameter_count == 617_558_016


@pytest.mark.parametrize(("vocab", "dim", "batch"), [(0, 768, 1), (50_257, -3, 1), (50_257, 768, 0)])
def test_numbers_bad_sizes(vocab, dim, batch):
    with pytest.raises(EmbedlabError, match="at least 1"):
        one_hot_numbers(vocab, dim, batch_tokens=batch)


# ---------------------------------------------------------------- equivalence


def test_equivalence_article_example():
    # The article's code: nn.Embedding(6, 3) with seed 123, IDs [2, 3, 5, 1].
    torch.manual_seed(123)
    layer = torch.nn.Embedding(6, 3)
    w = layer.weight.detach().numpy().copy()
    e = check_equivalence([2, 3, 5, 1], w)
    assert e.max_abs_difference == 0.0 and e.identical and e.bitwise_identical
    np.testing.assert_array_equal(e.lookup, w[[2, 3, 5, 1]])
    np.testing.assert_array_equal(e.lookup, layer(torch.tensor([2, 3, 5, 1])).detach().numpy())


def test_equivalence_real_gpt2_ids_on_gpt2_sized_matrix():
    ids = [t.id for t in tokenize("The cat dog")]
    assert ids == [464, 3797, 3290]
    w = np.random.default_rng(7).standard_normal((50_257, 64)).astype(np.float32)
    w.setflags(write=False)  # tables are read-only: the check must not need to write
    e = check_equivalence(ids, w)
    assert e.ids == (464, 3797, 3290)
    assert e.max_abs_difference == 0.0 and e.bitwise_identical
    np.testing.assert_array_equal(e.product, w[ids])


@given(
    st.integers(1, 60).flatmap(lambda v: st.tuples(
        st.just(v), st.integers(1, 16), st.lists(st.integers(0, v - 1), min_size=1, max_size=30), st.integers(0, 2**31)))
)
@settings(max_examples=60, deadline=None)
def test_equivalence_exact_for_any_ids(args):
    vocab, dim, ids, seed = args
    w = np.random.default_rng(seed).standard_normal((vocab, dim)) * 1e3
    for dtype in (np.float32, np.float64):
        e = check_equivalence(ids, w.astype(dtype))
        assert e.max_abs_difference == 0.0 and e.identical and e.bitwise_identical


def test_equivalence_on_glove_table(glove):
    ids = [glove.index_of(w) for w in ("cat", "dog", "apple")]
    e = check_equivalence(ids, glove.vectors)
    assert e.bitwise_identical and e.max_abs_difference == 0.0
    np.testing.assert_array_equal(e.lookup[0], glove.vector("cat"))


@pytest.mark.parametrize(
    ("w", "match"),
    [
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "non-finite value in row 0"),
        (np.array([[1.0, 2.0], [np.nan, 1.0]]), "non-finite value in row 1"),
        (np.ones(4), "2-D"),
        (np.ones((3, 2), dtype=np.int64), "floating-point"),
    ],
)
def test_equivalence_refuses_bad_weights(w, match):
    with pytest.raises(EmbedlabError, match=match):
        check_equivalence([0], w)


def test_equivalence_memory_guard():
    w = np.ones((50_257, 2), dtype=np.float32)
    with pytest.raises(ResourceError, match="one-hot matrix of 3 × 50,257"):
        check_equivalence([1, 2, 3], w, budget=1000)


# ---------------------------------------------------------------- live timing (structure only, no speed asserts)


def test_timing_structure():
    t = time_lookup_vs_one_hot(vocab_size=2_000, dim=16, batch=64, repeats=2, seed=1)
    assert (t.vocab_size, t.dim, t.batch, t.repeats, t.lookup_repeats) == (2_000, 16, 64, 2, 20)
    assert t.max_abs_difference == 0.0
    assert t.lookup_seconds > 0 and t.product_seconds > 0
    assert t.lookup_input_bytes == 64 * 8 and t.one_hot_bytes == 64 * 2_000 * 4 and t.weight_bytes == 2_000 * 16 * 4
    assert t.memory_ratio == 1_000.0
    assert t.speed_ratio == t.product_seconds / t.lookup_seconds
    assert t.threads == torch.get_num_threads()


def test_timing_memory_needed_matches_parts():
    need = timing_memory_needed(50_257, 768, 1_024)
    assert need == 50_257 * 768 * 4 + 1_024 * 50_257 * 4 + 2 * 1_024 * 768 * 4 + 1_024 * 8


def test_timing_refuses_before_allocating(no_allocation):
    with pytest.raises(ResourceError, match=r"Timing 4,096 IDs over 50,257 × 768 .* would need about 1 GB") as e:
        time_lookup_vs_one_hot(batch=4_096, budget=500_000_000)
    assert e.value.needed_bytes == timing_memory_needed(50_257, 768, 4_096) == 1_002_998_784


def test_timing_refuses_minutes_of_work(no_allocation):
    with pytest.raises(EmbedlabError, match="8,192 IDs over a 50,257 × 768 matrix is 316,189,704,192 multiply-adds"):
        time_lookup_vs_one_hot(batch=8_192, budget=10**15)


def test_timing_admits_the_issue_reference_size(monkeypatch):
    # 4,096 × 50,257 × 768 is the issue's largest reference case: it must pass both guards
    # (we stop it right after, at the first allocation).
    def stop(*a, **k):
        raise RuntimeError("reached allocation")

    monkeypatch.setattr(onehot_mod.torch, "randn", stop)
    with pytest.raises(RuntimeError, match="reached allocation"):
        time_lookup_vs_one_hot(batch=4_096, budget=10**12)


# ---------------------------------------------------------------- backward pass


def test_backward_dense_gradient_zero_except_looked_up_rows():
    ids = [464, 3797, 3290, 464]
    b = backward_view(ids, vocab_size=5_000, dim=8)
    assert b.touched_rows == (464, 3290, 3797)
    assert b.row_counts == (2, 1, 1)
    assert b.nonzero_rows == b.touched_rows  # measured from the dense gradient
    assert b.untouched_rows == 4_997
    np.testing.assert_array_equal(b.touched_gradient, np.array([[2.0] * 8, [1.0] * 8, [1.0] * 8], dtype=np.float32))
    assert b.dense_grad_bytes == 5_000 * 8 * 4
    # torch's sparse gradient stores one row per lookup (uncoalesced) and its int64 index.
    assert b.sparse_grad_bytes == 4 * 8 * 4 + 4 * 8
    assert b.sparse_matches_dense


def test_backward_reference_sizes():
    # The issue's numbers: 512 IDs over 50,257 × 768 -> sparse gradient ~1.5 MiB, dense 147 MiB.
    ids = np.random.default_rng(0).integers(0, 50_257, 512)
    b = backward_view(ids, vocab_size=50_257, dim=768)
    assert b.dense_grad_bytes == 154_389_504 and round(b.dense_grad_bytes / 2**20) == 147
    assert b.sparse_grad_bytes == 512 * 768 * 4 + 512 * 8 and round(b.sparse_grad_bytes / 2**20, 1) == 1.5
    assert b.nonzero_rows == tuple(sorted(set(ids.tolist())))
    assert b.sparse_matches_dense


def test_backward_refuses_before_allocating(no_allocation):
    with pytest.raises(ResourceError, match="backward pass over a 50,257 × 768"):
        backward_view([1, 2], budget=1_000_000)


def test_backward_bad_ids():
    with pytest.raises(EmbedlabError, match="token ID 10 is outside"):
        backward_view([10], vocab_size=10, dim=2)


# ---------------------------------------------------------------- figures and tables


WORDS = ["cat", "dog", "car", "apple", "banana", "king", "queen"]


def test_one_hot_heatmap_is_identity():
    tr = one_hot_heatmap(WORDS).to_dict()["data"][0]
    np.testing.assert_array_equal(arr(tr["z"]), np.eye(7))
    assert list(tr["y"]) == WORDS and list(tr["x"]) == [str(i) for i in range(7)]
    assert tr["zmin"] == 0.0 and tr["zmax"] == 1.0
    with pytest.raises(EmbedlabError, match="empty"):
        one_hot_heatmap([])


def test_dense_heatmap_and_similarity_side_by_side(glove):
    v = words_to_vectors(glove, WORDS)
    d = dense_heatmap(v, WORDS).to_dict()["data"][0]
    assert arr(d["z"]).shape == (7, 50)
    fig = similarity_side_by_side(v, WORDS, dense_name="GloVe").to_dict()
    left, right = fig["data"]
    np.testing.assert_array_equal(arr(left["z"]), np.eye(7))
    sims = arr(right["z"])
    np.testing.assert_allclose(sims, cosine_similarity_matrix(v))
    # Real structure: cat is closer to dog than to car; king closest to queen.
    assert sims[0, 1] > sims[0, 2] + 0.2
    assert int(np.argsort(sims[5])[-2]) == 6
    assert left["zmin"] == right["zmin"] == -1.0 and left["zmax"] == right["zmax"] == 1.0
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == ["One-hot: cosine similarity", "GloVe: cosine similarity"]


def test_pair_distances(glove):
    v = words_to_vectors(glove, WORDS)
    df = pair_distances(v, WORDS, [("cat", "dog"), ("cat", "car"), ("cat", "cat")], dense_name="GloVe")
    assert list(df["pair"]) == ["cat – dog", "cat – car", "cat – cat"]
    # One-hot: cat is exactly as far from dog as from car.
    assert list(df["one-hot cosine"]) == [0.0, 0.0, 1.0]
    assert list(df["one-hot distance"]) == [math.sqrt(2), math.sqrt(2), 0.0]
    # Dense: it is not.
    cos_dog, cos_car = df["GloVe cosine"][0], df["GloVe cosine"][1]
    assert cos_dog == pytest.approx(0.9218, abs=1e-3)
    assert cos_dog > cos_car + 0.2
    assert df["GloVe distance"][0] < df["GloVe distance"][1]
    with pytest.raises(EmbedlabError, match="'horse' is not in the working vocabulary"):
        pair_distances(v, WORDS, [("cat", "horse")])


def test_similarity_side_by_side_shape_mismatch():
    with pytest.raises(EmbedlabError, match="one vector per label"):
        similarity_side_by_side(np.ones((2, 3)), ["a", "b", "c"])


def test_timing_bars():
    t = time_lookup_vs_one_hot(vocab_size=500, dim=8, batch=16, repeats=1)
    fig = timing_bars(t).to_dict()
    time_bar, mem_bar = fig["data"]
    np.testing.assert_allclose(arr(time_bar["y"]), [t.lookup_seconds * 1e3, t.product_seconds * 1e3])
    np.testing.assert_allclose(arr(mem_bar["y"]), [16 * 8 / 1e6, 16 * 500 * 4 / 1e6])
    assert list(mem_bar["text"]) == ["128 B", "32 kB"]
    assert fig["layout"]["annotations"][1]["text"] == "Input memory (×250)"


def test_gradient_heatmap_rows():
    b = backward_view([7, 3, 7], vocab_size=20, dim=4)
    fig = gradient_heatmap(b, labels=["seven", " three", "seven"]).to_dict()
    tr = fig["data"][0]
    assert list(tr["y"]) == [
        "row 2 (untouched)", "row 3 = ·three", "row 4 (untouched)",
        "row 6 (untouched)", "row 7 = seven", "row 8 (untouched)",
    ]
    np.testing.assert_array_equal(arr(tr["z"]), [[0] * 4, [1] * 4, [0] * 4, [0] * 4, [2] * 4, [0] * 4])
    assert fig["layout"]["title"]["text"] == "Gradient of W: 2 of 20 rows non-zero"
    with pytest.raises(EmbedlabError, match="one label per ID"):
        gradient_heatmap(b, labels=["x"])


def test_numbers_table_article_models():
    df = numbers_table([("GPT-2", 50_257, 768), ("GPT-3", 50_257, 12_288)])
    assert df["embedding parameters"].tolist() == [38_597_376, 617_558_016]
    assert df["one-hot, 1 token"].tolist() == ["201 kB", "201 kB"]
    assert df["dense, 1,024 tokens"].tolist() == ["3.1 MB", "50.3 MB"]
    assert df["zeros in a one-hot vector"].tolist() == ["99.9980%", "99.9980%"]


def test_random_weight_seeded_read_only_and_guarded(no_allocation):
    with pytest.raises(ResourceError, match="A 50,257 × 768 embedding matrix"):
        random_weight(50_257, 768, budget=1_000)


def test_random_weight_values():
    a, b, c = random_weight(30, 4, seed=5), random_weight(30, 4, seed=5), random_weight(30, 4, seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32 and not a.flags.writeable
    np.testing.assert_array_equal(a, torch.randn(30, 4, generator=torch.Generator().manual_seed(5)).numpy())


def test_equivalence_table():
    w = random_weight(100, 8, seed=1)
    e = check_equivalence([1, 5, 1], w)
    df = equivalence_table(e, ["a", "b", "a"], dims=2)
    assert df["ID"].tolist() == [1, 5, 1]
    assert df["max |difference|"].tolist() == [0.0, 0.0, 0.0]
    assert df["nn.Embedding(ID)"][0] == f"[{w[1, 0]:.4f}, {w[1, 1]:.4f}, …]"
    assert df["one_hot(ID) @ W"][0] == df["nn.Embedding(ID)"][0]
    with pytest.raises(EmbedlabError, match="one label per ID"):
        equivalence_table(e, ["a"])


def test_zero_cells_are_white():
    # The point of the one-hot picture is emptiness: 0 must be drawn white, not a dark colour.
    tr = one_hot_heatmap(["a", "b"]).to_dict()["data"][0]
    assert tr["colorscale"][0] == [0.0, "#FFFFFF"] and tr["zmin"] == 0.0
    b = backward_view([1], vocab_size=5, dim=2)
    assert gradient_heatmap(b).to_dict()["data"][0]["colorscale"][0] == [0.0, "#FFFFFF"]
