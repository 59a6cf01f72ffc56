"""Tests for embedlab.features: the article's table, hand-made grids, and feature directions in GloVe."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedlab.embeddings import EmbeddingTable, load_embeddings
from embedlab.errors import EmbedlabError, MissingTokenError
from embedlab.features import (
    ARTICLE_FEATURES,
    ARTICLE_TOKENS,
    ARTICLE_VALUES,
    READY_FEATURES,
    Feature,
    add_feature,
    article_table,
    clean_grid,
    directions_table,
    feature_direction,
    grid_heatmap,
    grid_similarity_heatmap,
    parse_words,
    pca_map,
    pca_map_figure,
    remove_features,
    score_tokens,
    scores_heatmap,
    split_known,
    words_to_vectors,
)


def arr(x) -> np.ndarray:
    """An array from ``fig.to_dict()``: plotly 7 writes numpy data as base64 typed arrays."""
    if isinstance(x, dict) and "bdata" in x:
        a = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
        return a.reshape([int(n) for n in str(x.get("shape", a.size)).split(",")])
    return np.asarray(x)


@pytest.fixture(scope="module")
def glove() -> EmbeddingTable:
    return load_embeddings("glove-6b-50d")


# ---------------------------------------------------------------- the article's table


def test_article_values_are_the_articles():
    # Transcribed from the article's table (which prints features as rows).
    article = {
        "has a tail": (0.9, 0.95, 0.0),
        "is an animal": (0.88, 0.93, 0.0),
        "is edible": (0.1, 0.05, 0.95),
        "is a pet": (0.85, 0.9, 0.0),
        "is a fruit": (0.0, 0.0, 0.98),
    }
    assert ARTICLE_TOKENS == ("cat", "dog", "apple")
    assert ARTICLE_FEATURES == tuple(article)
    for j, feat in enumerate(ARTICLE_FEATURES):
        assert tuple(row[j] for row in ARTICLE_VALUES) == article[feat]
    df = article_table()
    assert list(df["token"]) == ["cat", "dog", "apple"]
    assert df.loc[2, "is a fruit"] == 0.98 and df.loc[0, "has a tail"] == 0.9


def test_article_table_is_a_fresh_copy():
    a = article_table()
    a.loc[0, "has a tail"] = 0.0
    assert article_table().loc[0, "has a tail"] == 0.9


def test_article_grid_cat_dog_close_apple_far():
    g = clean_grid(article_table())
    assert g.tokens == ARTICLE_TOKENS and g.features == ARTICLE_FEATURES and g.warnings == ()
    assert not g.values.flags.writeable
    fig = grid_similarity_heatmap(g).to_dict()
    sims = arr(fig["data"][0]["z"])
    # The article's claim, computed: cat·dog nearly parallel, both almost orthogonal to apple.
    assert sims[0, 1] == pytest.approx(0.99940, abs=1e-5)
    assert sims[0, 2] == pytest.approx(0.04573, abs=1e-5)
    assert sims[1, 2] == pytest.approx(0.02167, abs=1e-5)
    np.testing.assert_allclose(np.diag(sims), 1.0)


def test_grid_heatmap_dict():
    g = clean_grid(article_table())
    d = grid_heatmap(g).to_dict()
    tr = d["data"][0]
    assert tr["type"] == "heatmap"
    assert list(tr["y"]) == ["cat", "dog", "apple"]
    assert list(tr["x"]) == ["has·a·tail", "is·an·animal", "is·edible", "is·a·pet", "is·a·fruit"]
    np.testing.assert_array_equal(arr(tr["z"]), np.array(ARTICLE_VALUES))
    assert tr["zmin"] == 0.0 and tr["zmax"] == 1.0
    assert tr["texttemplate"] == "%{z:.2f}"


def test_grid_tokens_from_index_when_no_token_column():
    df = article_table().set_index("token")
    g = clean_grid(df)
    assert g.tokens == ARTICLE_TOKENS and g.values.shape == (3, 5)


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"token": []}),
        pd.DataFrame({"token": ["cat", "dog"]}),  # tokens but no feature columns
        pd.DataFrame({"token": [], "is an animal": []}),  # features but no rows
        pd.DataFrame({"token": [None, "  "], "is an animal": [1.0, 0.5]}),  # only unnamed rows
    ],
    ids=["nothing", "no-features", "no-tokens", "only-blank-tokens"],
)
def test_empty_grid_refused(df):
    with pytest.raises(EmbedlabError, match="grid is empty"):
        clean_grid(df)


def test_grid_blank_rows_dropped_and_empty_cells_zero_with_warnings():
    df = article_table()
    df.loc[3] = [None, 0.5, None, None, None, None]  # a freshly added editor row
    df.loc[1, "is a pet"] = np.nan
    g = clean_grid(df)
    assert g.tokens == ARTICLE_TOKENS
    assert g.values[1, 3] == 0.0
    assert any("Ignored 1 row" in w for w in g.warnings)
    assert any("dog / is a pet" in w for w in g.warnings)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda df: df.assign(**{"is edible": ["lots", 0.05, 0.95]}), r"'cat' × 'is edible' is 'lots'"),
        (lambda df: df.assign(**{"is edible": [np.inf, 0.05, 0.95]}), "finite"),
        (lambda df: df.replace({"token": {"apple": "cat"}}), "Token 'cat' appears more than once"),
        (lambda df: df.rename(columns={"is a pet": "is an animal"}), "Feature 'is an animal' appears more"),
        (lambda df: df.rename(columns={"is a pet": "  "}), "has no name"),
    ],
    ids=["text-cell", "inf-cell", "dup-token", "dup-feature", "blank-feature"],
)
def test_bad_grid_refused(mutate, match):
    df = mutate(article_table().astype({"is edible": object}))
    with pytest.raises(EmbedlabError, match=match):
        clean_grid(df)


def test_all_zero_row_warns():
    df = article_table()
    df.loc[3] = ["rock", 0.0, 0.0, 0.0, 0.0, 0.0]
    g = clean_grid(df)
    assert any(w.startswith("rock: every feature is 0") for w in g.warnings)
    sims = arr(grid_similarity_heatmap(g).to_dict()["data"][0]["z"])
    assert np.all(sims[3] == 0.0)


# ---------------------------------------------------------------- PCA map


def test_pca_map_of_article_table_separates_apple():
    g = clean_grid(article_table())
    m = pca_map(g.values, g.tokens)
    assert m.warnings == ()
    assert m.explained[0] > 0.99  # three points, one dominant direction (animal vs fruit)
    d_cd = np.linalg.norm(m.coords[0] - m.coords[1])
    d_ca = np.linalg.norm(m.coords[0] - m.coords[2])
    assert d_ca > 10 * d_cd
    # PCA preserves the distances between the (centred) points when it keeps all the variance.
    np.testing.assert_allclose(d_ca, np.linalg.norm(g.values[0] - g.values[2]), rtol=1e-9)
    fig = pca_map_figure(m).to_dict()
    assert [tr["text"][0] for tr in fig["data"]] == ["cat", "dog", "apple"]
    assert fig["layout"]["xaxis"]["title"]["text"].startswith("PC1 (")


def test_pca_map_deterministic():
    rng = np.random.default_rng(3)
    v = rng.standard_normal((6, 5))
    a, b = pca_map(v, list("abcdef")), pca_map(v, list("abcdef"))
    np.testing.assert_array_equal(a.coords, b.coords)
    assert abs(sum(a.explained) - 1.0) > 1e-6  # 5-D data: two axes keep less than everything


@pytest.mark.parametrize(("n", "f"), [(1, 5), (2, 5), (4, 1)])
def test_pca_map_too_few_directions_warns(n, f):
    v = np.arange(n * f, dtype=float).reshape(n, f) ** 1.5
    m = pca_map(v, [str(i) for i in range(n)])
    assert m.coords.shape == (n, 2)
    assert np.all(m.coords[:, 1] == 0.0)
    assert m.warnings and "fewer than two directions" in m.warnings[0]


def test_pca_map_identical_points():
    m = pca_map(np.ones((3, 4)), ["a", "b", "c"])
    assert np.all(m.coords == 0.0) and m.explained == (0.0, 0.0) and m.warnings


def test_pca_map_refuses_empty():
    with pytest.raises(EmbedlabError, match="non-empty"):
        pca_map(np.zeros((0, 3)), [])


# ---------------------------------------------------------------- parsing example lists


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("dog, horse, cow", ["dog", "horse", "cow"]),
        ("dog\nhorse;cow  lion", ["dog", "horse", "cow", "lion"]),
        (" , ,\n", []),
        ("", []),
    ],
)
def test_parse_words(text, words):
    assert parse_words(text) == words


@given(st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=12))
@settings(max_examples=60, deadline=None)
def test_parse_words_round_trip(words):
    assert parse_words(", ".join(words)) == words
    assert parse_words("\n".join(words)) == words


# ---------------------------------------------------------------- features in GloVe


def test_ready_features_are_the_promised_six_and_hold_out_cat_dog_apple():
    assert list(READY_FEATURES) == [
        "is an animal", "is a fruit", "is a vehicle", "is a country", "is a colour", "is an emotion",
    ]
    for f in READY_FEATURES.values():
        assert len(f.positive) >= 5 and len(f.negative) >= 5
        assert not set(f.positive) & set(f.negative)
        assert not {"cat", "dog", "apple"} & (set(f.positive) | set(f.negative))


def test_glove_animal_and_fruit_scores(glove):
    s = score_tokens(glove, ["cat", "dog", "apple"], [READY_FEATURES["is an animal"], READY_FEATURES["is a fruit"]])
    df = s.as_frame()
    animal, fruit = df["is an animal"], df["is a fruit"]
    # The issue's acceptance test, with a margin: held-out words (none is an example).
    assert animal["cat"] > animal["apple"] + 0.5
    assert animal["dog"] > animal["apple"] + 0.5
    assert fruit["apple"] > fruit["cat"] + 0.5
    assert fruit["apple"] > fruit["dog"] + 0.5
    assert animal["cat"] > 0.5 and animal["dog"] > 0.5 and animal["apple"] < 0
    assert fruit["apple"] > 0 and fruit["cat"] < 0 and fruit["dog"] < 0


def test_glove_issue_example_feature(glove):
    # The issue's own example lists (dog and apple are examples here, so only cat is held out).
    f = Feature("is an animal", ("dog", "horse", "cow", "lion", "bird"), ("car", "table", "idea", "city", "apple"))
    d = feature_direction(glove, f)
    cat, dog, apple = d.score(np.stack([glove.vector(w) for w in ("cat", "dog", "apple")]))
    assert cat > 0.8 and dog > 0.8 and apple < -0.5


@pytest.mark.parametrize(
    ("feature", "high", "low"),
    [
        ("is a vehicle", ["truck", "van", "car"], ["cat", "apple", "king"]),
        ("is a country", ["china", "italy", "spain"], ["cat", "rome", "car"]),
        ("is a colour", ["white", "orange", "grey"], ["happy", "car", "italy"]),
        ("is an emotion", ["happy", "anger", "sadness"], ["car", "red", "truck"]),
    ],
)
def test_glove_ready_features_rank_held_out_words(glove, feature, high, low):
    s = score_tokens(glove, high + low, [READY_FEATURES[feature]])
    col = s.scores[:, 0]
    assert min(col[: len(high)]) > max(col[len(high):])


def test_scores_are_plus_minus_one_at_the_means(glove):
    f = READY_FEATURES["is a fruit"]
    d = feature_direction(glove, f)
    P = words_to_vectors(glove, f.positive)
    N = words_to_vectors(glove, f.negative)
    assert d.score(P.mean(axis=0))[0] == pytest.approx(1.0, abs=1e-12)
    assert d.score(N.mean(axis=0))[0] == pytest.approx(-1.0, abs=1e-12)
    assert d.score(d.midpoint)[0] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(d.direction, P.mean(axis=0) - N.mean(axis=0))


def test_ready_features_hold_out_accuracy(glove):
    for f in READY_FEATURES.values():
        d = feature_direction(glove, f)
        assert d.holdout_accuracy >= 0.85, (f.name, d.holdout_misses)


def test_holdout_accuracy_flags_nonsense_feature(glove):
    # Arbitrary split of unrelated words: leave-one-out should be near chance, not near 1.
    f = Feature("nonsense", ("table", "happy", "river", "seven"), ("chair", "sad", "lake", "eight"))
    d = feature_direction(glove, f)
    assert d.holdout_accuracy <= 0.5
    assert len(d.holdout_misses) >= 4


def test_scores_heatmap_dict(glove):
    s = score_tokens(glove, ["cat", "dog", "apple"], READY_FEATURES)
    tr = scores_heatmap(s).to_dict()["data"][0]
    assert list(tr["y"]) == ["cat", "dog", "apple"]
    assert len(tr["x"]) == 6
    np.testing.assert_allclose(arr(tr["z"]), s.scores)
    assert tr["zmin"] == -tr["zmax"] and tr["zmax"] >= 1.0
    assert not s.scores.flags.writeable


def test_lookup_is_normalised_by_the_table(glove):
    # GloVe tables are word-level: 'Cat' and ' cat' are the row of 'cat'.
    s1 = score_tokens(glove, ["Cat"], [READY_FEATURES["is an animal"]])
    s2 = score_tokens(glove, ["cat"], [READY_FEATURES["is an animal"]])
    assert s1.scores[0, 0] == s2.scores[0, 0]


# ---------------------------------------------------------------- bad input


def test_missing_words_all_named(glove):
    f = Feature("is an animal", ("dog", "zzqxj", "horse"), ("car", "qqwxz", "table"))
    with pytest.raises(MissingTokenError, match=r"\(positive: 'zzqxj'; negative: 'qqwxz'\)") as e:
        feature_direction(glove, f)
    assert str(e.value).startswith("Feature 'is an animal' has example words")
    with pytest.raises(MissingTokenError, match=r"\(tokens to score\): 'blorpf', 'zzqxj'\."):
        score_tokens(glove, ["cat", "blorpf", "zzqxj"], [READY_FEATURES["is an animal"]])
    assert isinstance(e.value, KeyError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    ("pos", "neg", "match"),
    [
        (("dog",), ("car", "table"), "1 positive example word.*at least 2.*Add 1 more positive"),
        (("dog", "horse"), ("car",), "1 negative example"),
        ((), ("car", "table"), "0 positive example"),
        (("dog", "dog", " "), ("car", "table"), "1 positive example"),  # duplicates and blanks don't count
        (("dog", "car"), ("car", "table"), "'car' is both a positive and a negative"),
    ],
)
def test_bad_feature_definitions_refused(glove, pos, neg, match):
    with pytest.raises(EmbedlabError, match=match):
        feature_direction(glove, Feature("f", pos, neg))


def test_duplicate_examples_warned_not_refused(glove):
    d = feature_direction(glove, Feature("f", ("dog", "dog", "horse"), ("car", "table")))
    assert d.feature.positive == ("dog", "horse")
    assert any("listed twice" in w for w in d.warnings)


def test_score_tokens_refusals(glove):
    animal = READY_FEATURES["is an animal"]
    with pytest.raises(EmbedlabError, match="No tokens"):
        score_tokens(glove, [" ", ""], [animal])
    with pytest.raises(EmbedlabError, match="No features"):
        score_tokens(glove, ["cat"], [])
    with pytest.raises(EmbedlabError, match="both called 'is an animal'"):
        score_tokens(glove, ["cat"], [animal, animal])
    with pytest.raises(EmbedlabError, match="has no name"):
        score_tokens(glove, ["cat"], [Feature(" ", ("dog", "cow"), ("car", "bus"))])


def test_same_mean_refused():
    vecs = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    t = EmbeddingTable(vecs, ["a", "b", "c", "d"], name="toy")
    with pytest.raises(EmbedlabError, match="same average vector"):
        feature_direction(t, Feature("f", ("a", "b"), ("c", "d")))


def test_repeated_tokens_scored_once(glove):
    s = score_tokens(glove, ["cat", "cat", "dog"], [READY_FEATURES["is an animal"]])
    assert s.tokens == ("cat", "dog") and any("listed twice" in w for w in s.warnings)


def test_split_known(glove):
    known, missing = split_known(glove, ["cat", " ", "zzqxj", "dog", "cat", "Apple", "zzqxj"])
    assert known == ["cat", "dog", "Apple"] and missing == ["zzqxj"]


def test_directions_table(glove):
    s = score_tokens(glove, ["cat"], [READY_FEATURES["is a vehicle"], Feature("x", ("red", "blue"), ("dog", "cow"))])
    df = directions_table(s)
    assert df["feature"].tolist() == ["is a vehicle", "x"]
    assert df["positive examples"][0] == "car, truck, bus, bicycle, motorcycle, train, boat"
    assert df["held-out accuracy"][0] == 1.0 and df["wrong side when left out"][0] == "—"


def test_add_and_remove_features():
    df = article_table()
    df2 = add_feature(df, "  can fly ")
    assert list(df2.columns)[-1] == "can fly" and df2["can fly"].tolist() == [0.0, 0.0, 0.0]
    assert "can fly" not in df.columns  # a copy
    g = clean_grid(df2)
    assert g.features[-1] == "can fly" and g.values.shape == (3, 6)
    df3 = remove_features(df2, ["is edible", "can fly"])
    assert list(df3.columns) == ["token", "has a tail", "is an animal", "is a pet", "is a fruit"]
    for bad, match in [("", "Type a name"), ("is a pet", "already a column"), ("token", "already a column")]:
        with pytest.raises(EmbedlabError, match=match):
            add_feature(df, bad)
    with pytest.raises(EmbedlabError, match="cannot be removed"):
        remove_features(df, ["token"])
    with pytest.raises(EmbedlabError, match="No feature called 'wings'"):
        remove_features(df, ["wings"])
    # Removing every feature leaves an empty grid, which clean_grid refuses with its message.
    with pytest.raises(EmbedlabError, match="grid is empty"):
        clean_grid(remove_features(df, list(ARTICLE_FEATURES)))
