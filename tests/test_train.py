"""The trainers: learning, sparse updates, determinism, stop/resume, snapshots, result, figures."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from embedlab.corpus import TEACHING_CATEGORIES, build_corpus, teaching_corpus
from embedlab.errors import EmbedlabError, MissingTokenError
from embedlab.train import (
    Snapshot,
    TrainConfig,
    Trainer,
    align_to,
    animation_figure,
    axis_bound,
    default_watch,
    loss_figure,
    map_figure,
    neighbour_rows,
    pca_2d,
    probes_figure,
    updated_rows_figure,
    watch_groups,
)

torch.set_num_threads(1)

SMALL = dict(dim=16, batch_size=256, snapshot_every=10)
# Next-token variants: (attention, tied)
NEXT = [(False, False), (True, False), (False, True), (True, True)]


@pytest.fixture(scope="module")
def corpus():
    return teaching_corpus(n_sentences=500)


def _cfg(objective: str, **kw) -> TrainConfig:
    base = dict(SMALL, objective=objective)
    if objective == "next_token":
        base.update(context=8)
    base.update(kw)
    return TrainConfig(**base)


ALL_CONFIGS = [("skipgram", {})] + [("next_token", {"attention": a, "tied": t}) for a, t in NEXT]
IDS = ["skipgram"] + [f"next_token{'+attention' if a else ''}{'+tied' if t else ''}" for a, t in NEXT]


# -- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"objective": "cbow"}, "objective"),
        ({"dim": 0}, "dim"),
        ({"dim": 2.5}, "dim"),
        ({"window": 0}, "window"),
        ({"negatives": True}, "negatives"),
        ({"batch_size": -1}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"steps": 0}, "steps"),
        ({"seed": -1}, "seed"),
        ({"subsample": 1.0}, "subsample"),
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"objective": "next_token", "attention": True, "dim": 10, "heads": 4}, "heads"),
    ],
)
def test_config_refuses_bad_values_naming_the_field(kwargs, field):
    with pytest.raises(EmbedlabError, match=rf"TrainConfig\.{field}="):
        TrainConfig(**kwargs)


def test_config_defaults_and_learning_rate():
    cfg = TrainConfig()
    assert cfg.objective == "skipgram" and cfg.learning_rate == 0.025
    assert TrainConfig(objective="next_token").learning_rate == 0.01
    assert TrainConfig(lr=0.5).learning_rate == 0.5
    assert cfg.to_dict()["dim"] == 32
    with pytest.raises(AttributeError):
        cfg.dim = 3  # frozen


def test_unfit_settings_are_clamped_with_a_warning():
    c = build_corpus("the cat sat on the mat\nthe dog sat on the rug")
    t = Trainer(c, TrainConfig(objective="next_token", context=64, batch_size=4, steps=3))
    assert t.config.context == len(c) - 1 and t.config.batch_size == t.config.context
    assert any("context 64 is longer than the text" in w for w in t.warnings)
    assert any("batch_size 4 is smaller" in w for w in t.warnings)
    t.step(3)
    assert t.done


# -- learning ----------------------------------------------------------------------------


@pytest.mark.parametrize(("objective", "kw"), ALL_CONFIGS, ids=IDS)
def test_loss_decreases(corpus, objective, kw):
    t = Trainer(corpus, _cfg(objective, steps=120, **kw))
    t.step(120)
    assert len(t.losses) == 120 and np.all(np.isfinite(t.losses))
    assert np.mean(t.losses[-20:]) < 0.75 * np.mean(t.losses[:20])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_small_skipgram_run_separates_the_categories(seed):
    c = teaching_corpus(n_sentences=3000)  # half the default corpus: about a second
    t = Trainer(c, TrainConfig(seed=seed))
    for _ in t.run():
        pass
    assert t.done and t.step_count == t.total_steps
    assert t.cosine("cat", "dog") - t.cosine("cat", "apple") >= 0.2
    emb = t.embeddings()
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    centroids = {k: unit[[c.index_of(w) for w in ws]].mean(0) for k, ws in TEACHING_CATEGORIES.items()}
    for cat, words in TEACHING_CATEGORIES.items():
        for w in words:
            d = {k: np.linalg.norm(unit[c.index_of(w)] - m) for k, m in centroids.items()}
            assert min(d, key=d.get) == cat, (w, d)
    # Before training, random vectors know nothing.
    assert abs(t.cosine("cat", "dog", initial=True)) < 0.6


@pytest.mark.parametrize("attention", [False, True])
def test_small_next_token_run_brings_cat_nearer_dog_than_apple(attention):
    c = teaching_corpus(n_sentences=1500)
    t = Trainer(c, TrainConfig(objective="next_token", dim=16, context=8, epochs=3, attention=attention, seed=1))
    t.step(t.total_steps)
    assert t.cosine("cat", "dog") - t.cosine("cat", "apple") >= 0.2


# -- only the batch's rows change --------------------------------------------------------


@pytest.mark.parametrize(("objective", "kw"), ALL_CONFIGS[:3], ids=IDS[:3])
def test_one_step_changes_exactly_the_batch_rows(corpus, objective, kw):
    t = Trainer(corpus, _cfg(objective, steps=50, batch_size=64, **kw))
    t.step(5)
    before = t.embeddings()
    t.step(1)
    after = t.embeddings()
    changed = np.flatnonzero(np.any(after != before, axis=1))
    assert t.last_update_step == 6
    np.testing.assert_array_equal(changed, t.last_batch_rows)
    np.testing.assert_array_equal(after - before, t.last_update)
    # A small batch touches a small part of the vocabulary.
    assert 0 < len(changed) < corpus.vocab_size / 2


def test_tied_output_layer_changes_every_row(corpus):
    t = Trainer(corpus, _cfg("next_token", steps=10, batch_size=64, tied=True))
    t.step(3)
    assert np.all(np.any(t.last_update != 0, axis=1))
    assert len(t.last_batch_rows) < corpus.vocab_size  # ... although the batch holds few tokens


@pytest.mark.parametrize(("objective", "kw"), ALL_CONFIGS[:2], ids=IDS[:2])
def test_line_step_changes_only_that_lines_tokens_and_leaves_the_trainer_alone(corpus, objective, kw):
    t = Trainer(corpus, _cfg(objective, steps=40, **kw))
    t.step(20)
    state = t.embeddings()
    demo = t.line_step(3)
    line = corpus.ids[corpus.segments[3]:corpus.segments[4]]
    assert len(line) > 9  # longer than one next-token sequence (context 8)
    if objective == "next_token":
        line = line[:9]
    assert demo.tokens == [corpus.tokens[i] for i in line]
    expected = np.unique(line if objective == "skipgram" else line[:-1])
    np.testing.assert_array_equal(demo.changed_rows, expected)
    np.testing.assert_array_equal(demo.batch_rows, expected)
    np.testing.assert_array_equal(t.embeddings(), state)
    assert t.line_step().line == t.line_step().line  # chosen from seed and step
    with pytest.raises(EmbedlabError, match="line 99999 cannot be used"):
        t.line_step(99999)


# -- determinism, stop and resume --------------------------------------------------------


@pytest.mark.parametrize(("objective", "kw"), ALL_CONFIGS, ids=IDS)
def test_same_seed_same_result_exactly(corpus, objective, kw):
    a = Trainer(corpus, _cfg(objective, steps=40, seed=11, **kw))
    b = Trainer(corpus, _cfg(objective, steps=40, seed=11, **kw))
    a.step(40)
    b.step(17)
    b.step(23)  # chunking does not matter
    np.testing.assert_array_equal(a.embeddings(), b.embeddings())
    assert a.losses == b.losses
    assert [s.step for s in a.snapshots] == [s.step for s in b.snapshots]
    for sa, sb in zip(a.snapshots, b.snapshots):
        np.testing.assert_array_equal(sa.coords, sb.coords)
    c = Trainer(corpus, _cfg(objective, steps=40, seed=12, **kw))
    c.step(40)
    assert not np.array_equal(a.embeddings(), c.embeddings())


def test_stop_and_resume_give_the_uninterrupted_result(corpus):
    cfg = _cfg("skipgram", steps=60)
    whole = Trainer(corpus, cfg)
    list(whole.run())
    t = Trainer(corpus, cfg)
    events = []
    for p in t.run():
        events.append(p)
        if len(events) == 2:
            t.stop()
    assert len(events) == 2 and t.step_count == 20 and t.stopped and not t.done
    p = t.step(10)  # stopped: nothing runs
    assert p.step == 20 and p.stopped and not p.done
    t.resume()
    rest = list(t.run())
    assert rest[-1].done and rest[-1].step == 60 and t.step_count == 60
    np.testing.assert_array_equal(t.embeddings(), whole.embeddings())
    assert t.losses == whole.losses


def test_stop_from_another_thread(corpus):
    t = Trainer(corpus, _cfg("skipgram", steps=10_000_000))
    started = threading.Event()
    result = {}

    def work():
        started.set()
        result["p"] = t.step(10_000_000)

    th = threading.Thread(target=work)
    th.start()
    started.wait()
    while t.step_count < 3:
        th.join(0.01)
    t.stop()
    th.join(60)
    assert not th.is_alive()
    assert result["p"].stopped and not result["p"].done and 3 <= result["p"].step < 10_000_000


def test_step_by_time_runs_at_least_one_step(corpus):
    t = Trainer(corpus, _cfg("skipgram", steps=500))
    p = t.step(seconds=0.0)
    assert p.step == 1 and p.total_steps == 500 and p.fraction == 1 / 500
    with pytest.raises(EmbedlabError, match="n=-1"):
        t.step(-1)


# -- snapshots and the map frame ---------------------------------------------------------


def test_snapshots_every_n_steps_and_at_the_end(corpus):
    t = Trainer(corpus, _cfg("skipgram", steps=35))
    list(t.run())
    assert [s.step for s in t.snapshots] == [0, 10, 20, 30, 35]
    s = t.snapshots[-1]
    assert s.vectors.shape == (len(t.watch_labels), 16) and s.coords.shape == (len(t.watch_labels), 2)
    np.testing.assert_array_equal(s.vectors, t.embeddings()[t.watch_rows])
    assert set(s.probes) == {"cat·dog", "cat·apple"}
    assert s.probes["cat·dog"] == pytest.approx(t.cosine("cat", "dog"), abs=1e-6)


def test_pca_2d_is_the_pca_of_unit_vectors():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 8)) * np.arange(1, 9)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    ours = pca_2d(x)
    theirs = PCA(n_components=2).fit_transform(unit)
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-10)
    # Sign convention: each axis's largest-magnitude coordinate is positive.
    for j in range(2):
        assert ours[np.argmax(np.abs(ours[:, j])), j] > 0


def test_align_to_undoes_rotation_and_reflection():
    rng = np.random.default_rng(1)
    prev = rng.normal(size=(12, 2))
    theta = 2.0
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    flipped = prev @ rot @ np.diag([1, -1])
    np.testing.assert_allclose(align_to(flipped, prev), prev, atol=1e-12)
    assert align_to(flipped, None) is flipped


def test_frame_holds_still_when_only_the_high_dimensional_basis_turns():
    # The same configuration in a rotated 16-D space: cosine geometry unchanged,
    # so the aligned map must not move, whatever PCA's axes do.
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 16))
    q, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    first = pca_2d(x)
    second = align_to(pca_2d(x @ q), first)
    np.testing.assert_allclose(second, first, atol=1e-9)


def test_default_watch(corpus):
    assert default_watch(corpus) == [w for ws in corpus.categories.values() for w in ws]
    c = build_corpus("the quick brown fox jumps over the lazy dog\nthe dog sleeps")
    assert default_watch(c) == ["the", "dog", "brown", "fox", "jumps", "lazy", "over", "quick", "sleeps"]


def test_watch_list_skips_unknown_tokens_with_a_warning(corpus):
    t = Trainer(corpus, _cfg("skipgram", steps=2), watch=["cat", "zebra", "dog", "cat"])
    assert t.watch_labels == ["cat", "dog"]
    assert any("'zebra'" in w for w in t.warnings)
    with pytest.raises(MissingTokenError, match="'zebra' is not in the training vocabulary"):
        t.neighbors("zebra")


# -- the result --------------------------------------------------------------------------


def test_word_table_result(corpus, tmp_path):
    from embedlab.embedding_files import save_embeddings
    from embedlab.embeddings import load_embeddings

    t = Trainer(corpus, _cfg("skipgram", steps=60))
    t.step(60)
    table = t.to_table()
    assert table.name == "trained: teaching corpus" and table.word_level and table.encoding is None
    assert table.tokens == list(corpus.tokens)
    np.testing.assert_array_equal(table.vectors, t.embeddings())
    assert [w for w, _ in table.neighbors("cat", k=5)] == [w for w, _ in t.neighbors("cat", 5)]
    assert "60 of 60 steps" in table.source
    # Loadable again through the file loader.
    path = save_embeddings(table, tmp_path / "trained.safetensors")
    again = load_embeddings(str(path))
    np.testing.assert_array_equal(again.vectors, table.vectors)
    assert again.tokens == table.tokens


def test_tiktoken_table_lines_up_with_token_ids():
    from embedlab.tokenizer import get_encoding, tokenize

    c = teaching_corpus(tokenization="gpt2", n_sentences=300)
    t = Trainer(c, TrainConfig(steps=20, dim=8), name="gpt2 demo")
    t.step(20)
    table = t.to_table()
    assert table.name == "trained: gpt2 demo" and table.encoding == "gpt2" and not table.word_level
    assert len(table) == get_encoding("gpt2").n_vocab
    cat_id = tokenize(" cat", "gpt2")[0].id
    np.testing.assert_array_equal(table.lookup([cat_id])[0], t.embeddings()[c.index_of("cat")])
    assert table.tokens[cat_id] == " cat"
    untrained = tokenize(" zebra", "gpt2")[0].id
    assert untrained not in set(c.token_ids.tolist())
    assert not table.lookup([untrained]).any()
    assert f"{c.vocab_size:,} of 50,257 rows trained" in table.source


# -- figures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(corpus):
    t = Trainer(corpus, _cfg("skipgram", steps=40))
    list(t.run())
    return t


def test_loss_figure(trained):
    d = loss_figure(trained.losses, total_steps=100).to_dict()
    raw, mean = d["data"]
    assert raw["y"] == pytest.approx(trained.losses) and raw["x"] == list(range(1, 41))
    assert mean["y"][0] == pytest.approx(np.mean(trained.losses[:1]))  # window 1 for 40 steps
    assert d["layout"]["xaxis"]["range"] == [0, 100]


def test_map_figure_one_trace_per_category(trained, corpus):
    groups = watch_groups(corpus, trained.watch_labels)
    snap = trained.snapshots[-1]
    d = map_figure(snap, trained.watch_labels, groups, bound=2.0, total_steps=40).to_dict()
    assert [tr["name"] for tr in d["data"]] == list(TEACHING_CATEGORIES)
    pets = d["data"][0]
    assert pets["text"] == list(TEACHING_CATEGORIES["pets"])
    assert pets["x"] == pytest.approx(snap.coords[:6, 0].tolist())
    assert d["layout"]["xaxis"]["range"] == [-2.0, 2.0] and d["layout"]["yaxis"]["scaleanchor"] == "x"
    assert "step 40 of 40" in d["layout"]["title"]["text"]
    with pytest.raises(EmbedlabError):
        map_figure(snap, trained.watch_labels[:3], groups[:3])


def test_animation_has_a_frame_and_a_slider_step_per_snapshot(trained, corpus):
    groups = watch_groups(corpus, trained.watch_labels)
    d = animation_figure(trained.snapshots, trained.watch_labels, groups).to_dict()
    steps = [s.step for s in trained.snapshots]
    assert [f["name"] for f in d["frames"]] == [str(s) for s in steps]
    assert [s["label"] for s in d["layout"]["sliders"][0]["steps"]] == [str(s) for s in steps]
    assert d["frames"][-1]["data"][0]["x"] == pytest.approx(trained.snapshots[-1].coords[:6, 0].tolist())
    bound = axis_bound(trained.snapshots)
    assert d["layout"]["xaxis"]["range"] == [-bound, bound]
    assert all(np.abs(s.coords).max() <= bound for s in trained.snapshots)
    with pytest.raises(EmbedlabError, match="no snapshots"):
        animation_figure([], [], [])


def test_probes_figure(trained):
    d = probes_figure(trained.snapshots, total_steps=40).to_dict()
    assert [tr["name"] for tr in d["data"]] == ["cosine(cat, dog)", "cosine(cat, apple)"]
    assert d["data"][0]["y"] == pytest.approx([s.probes["cat·dog"] for s in trained.snapshots])
    assert d["layout"]["yaxis"]["range"] == [-1, 1]


def test_updated_rows_figure_counts_the_changed_rows(corpus):
    delta = np.zeros((corpus.vocab_size, 4))
    delta[[0, 5, 7]] = 0.1
    delta[5, 2] = -0.3
    d = updated_rows_figure(delta, corpus.tokens, step=12, max_rows=50).to_dict()
    assert d["layout"]["title"]["text"] == f"Step 12: 3 of {corpus.vocab_size} rows changed"
    strip, heat = d["data"]
    assert [i for i, v in enumerate(strip["z"][0]) if v] == [0, 5, 7]
    assert len(heat["x"]) == 50 and len(heat["y"]) == 4
    assert heat["z"][2][5] == pytest.approx(-0.3) and np.isnan(heat["z"][0][1])  # unchanged: blank


def test_neighbour_rows(trained):
    rows = neighbour_rows(trained, ["cat", "zebra"], k=3)
    assert [r["token"] for r in rows] == ["cat"]
    assert rows[0]["after 40 steps"].count("(") == 3
    assert rows[0]["before training"] != rows[0]["after 40 steps"]


def test_snapshot_is_a_plain_record():
    s = Snapshot(3, np.zeros((2, 4)), np.zeros((2, 2)))
    assert s.probes == {}
    assert axis_bound([s]) == 0.25


@pytest.mark.parametrize("tokenization", ["words", "gpt2"])
def test_export_files_round_trip(tmp_path, tokenization):
    from embedlab.embeddings import load_embeddings
    from embedlab.train import export_files

    c = teaching_corpus(tokenization=tokenization, n_sentences=200)
    t = Trainer(c, TrainConfig(steps=5, dim=8))
    t.step(5)
    table = t.to_table()
    files = export_files(t, table)
    assert sorted(files) == ["metadata.tsv", "trained-teaching-corpus-vocabulary.txt",
                             "trained-teaching-corpus.safetensors", "vectors.tsv"]
    path = tmp_path / "trained-teaching-corpus.safetensors"
    path.write_bytes(files["trained-teaching-corpus.safetensors"])
    again = load_embeddings(str(path))
    np.testing.assert_array_equal(again.vectors, table.vectors)
    assert again.tokens == table.tokens
    vocab = files["trained-teaching-corpus-vocabulary.txt"].decode().split("\n")[:-1]
    assert len(vocab) == len(table)
    # The Projector pair: the trained rows, one vector line per metadata line (after its header).
    vec_lines = files["vectors.tsv"].decode().splitlines()
    meta_lines = files["metadata.tsv"].decode().splitlines()
    assert len(vec_lines) == c.vocab_size and meta_lines[0] == "token\tcategory"
    row = c.index_of("cat")
    assert meta_lines[1 + row] == f"{c.tokens[row]}\tpets"
    np.testing.assert_allclose([float(x) for x in vec_lines[row].split("\t")], t.embeddings()[row], rtol=1e-6)


def test_skipgram_pairs_come_chunk_by_chunk_with_the_same_schedule(monkeypatch, corpus):
    import embedlab.train as train_mod

    whole = Trainer(corpus, _cfg("skipgram", epochs=2))
    monkeypatch.setattr(train_mod, "_CHUNK_TOKENS", 1000)
    chunked = Trainer(corpus, _cfg("skipgram", epochs=2))
    assert chunked._n_chunks == -(-len(corpus) // 1000) > 1
    # A few windows are cut at chunk edges (and the random draws differ); the schedule barely changes.
    assert abs(chunked.total_steps - whole.total_steps) <= 0.05 * whole.total_steps
    list(chunked.run())
    assert chunked.done and np.all(np.isfinite(chunked.losses))
    assert np.mean(chunked.losses[-5:]) < np.mean(chunked.losses[:5])


def test_next_token_batch_is_capped_for_big_vocabularies(monkeypatch, corpus):
    import embedlab.train as train_mod

    monkeypatch.setattr(train_mod, "_MAX_LOGITS", 64 * corpus.vocab_size)
    t = Trainer(corpus, _cfg("next_token", batch_size=1024, steps=2))
    assert t.config.batch_size == 64
    assert any("output scores per step; using 64" in w for w in t.warnings)


@pytest.mark.parametrize("text", ["a b\n" * 500, "the cat sat on the mat\nthe dog sat on the rug\n" * 20])
def test_skipgram_stays_stable_when_the_batch_dwarfs_the_vocabulary(text):
    # 2,048 pairs per step over 2 or 7 distinct words: a plain summed gradient diverged
    # here (NaN); the per-row cap keeps every step finite and the loss going down.
    c = build_corpus(text)
    t = Trainer(c, TrainConfig(epochs=20))
    t.step(t.total_steps)
    assert np.all(np.isfinite(t.losses)) and np.all(np.isfinite(t.embeddings()))
    assert max(t.losses) < 10 and np.mean(t.losses[-3:]) < np.mean(t.losses[:3])
    assert np.abs(t.embeddings()).max() < 10


def test_cap_scales_only_rows_with_more_pairs_than_the_cap():
    from embedlab.train import _MAX_PAIRS_PER_ROW, _SkipGram

    model = _SkipGram(5, 4, torch.Generator().manual_seed(0))
    n = 2 * _MAX_PAIRS_PER_ROW
    centre = torch.tensor([0] * n + [1])  # row 0: twice the cap; row 1: once
    ctx = torch.tensor([2] * n + [3])
    neg = torch.full((n + 1, 1), 4)

    def grads(cap: bool):
        model.zero_grad(set_to_none=True)
        model(centre, ctx, neg).backward()
        if cap:
            model.cap_gradients(centre, ctx, neg)
        return model.embed.weight.grad.to_dense(), model.context.weight.grad.to_dense()

    (e_raw, c_raw), (e_cap, c_cap) = grads(False), grads(True)
    torch.testing.assert_close(e_cap[0], e_raw[0] / 2)  # 32 pairs -> 16 pairs' worth
    torch.testing.assert_close(e_cap[1], e_raw[1])  # one pair: untouched
    torch.testing.assert_close(c_cap[2], c_raw[2] / 2)
    torch.testing.assert_close(c_cap[3], c_raw[3])
    torch.testing.assert_close(c_cap[4], c_raw[4] * _MAX_PAIRS_PER_ROW / (n + 1))


@pytest.mark.parametrize("vocab, batch", [(40, 64), (8, 512)])  # (8, 512): most rows exceed the pair cap
def test_written_out_skipgram_step_equals_autograd(vocab, batch):
    """The training loop's fast update is exactly autograd + gradient cap + SGD (to float rounding)."""
    import copy

    import torch

    from embedlab.train import _MAX_PAIRS_PER_ROW, _SkipGram

    gen = torch.Generator().manual_seed(3)
    ref = _SkipGram(vocab, 16, gen)
    fast = copy.deepcopy(ref)
    initial = ref.embed.weight.detach().clone()
    centre = torch.randint(0, vocab, (batch,), generator=gen)
    ctx = torch.randint(0, vocab, (batch,), generator=gen)
    neg = torch.randint(0, vocab, (batch, 5), generator=gen)
    assert (batch <= _MAX_PAIRS_PER_ROW * vocab) == (vocab == 40)
    opt = torch.optim.SGD(ref.parameters(), lr=0.05)
    loss = ref(centre, ctx, neg)
    opt.zero_grad()
    loss.backward()
    ref.cap_gradients(centre, ctx, neg)
    opt.step()
    fast_loss = fast.sgd_step(centre, ctx, neg, 0.05)
    assert fast_loss == pytest.approx(float(loss.detach()), rel=1e-5)
    for a, b in ((ref.embed.weight, fast.embed.weight), (ref.context.weight, fast.context.weight)):
        torch.testing.assert_close(b.detach(), a.detach(), rtol=1e-5, atol=1e-6)
    # Rows outside the batch stay exactly as they were.
    fresh = _SkipGram(vocab, 16, torch.Generator().manual_seed(3))
    assert torch.equal(fresh.embed.weight.detach(), initial)
    fresh.sgd_step(centre[:4], ctx[:4], neg[:4], 0.05)
    changed = torch.nonzero((fresh.embed.weight.detach() != initial).any(1)).flatten().tolist()
    assert changed == sorted(set(centre[:4].tolist()))
