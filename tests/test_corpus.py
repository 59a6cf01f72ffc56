"""The teaching corpus, tokenisation into training rows, and the limits on user text."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedlab.corpus import (
    MAX_TEXT_BYTES,
    TEACHING_CATEGORIES,
    TOKENIZATIONS,
    build_corpus,
    read_text,
    teaching_corpus,
    teaching_text,
    word_tokens,
)
from embedlab.errors import EmbedlabError, FileFormatError, ResourceError
from embedlab.tokenizer import ENCODINGS, get_encoding, tokenize

ALL_WORDS = [w for ws in TEACHING_CATEGORIES.values() for w in ws]


# -- the teaching text -------------------------------------------------------------------


def test_teaching_text_is_reproducible_from_its_seed():
    a = teaching_text(seed=7, n_sentences=300)
    assert a == teaching_text(seed=7, n_sentences=300)
    assert a != teaching_text(seed=8, n_sentences=300)
    assert a.count("\n") == 300


def test_default_teaching_text_is_a_few_hundred_kilobytes_and_uses_every_word_often():
    text = teaching_text()
    assert 100_000 <= len(text.encode("utf-8")) <= 400_000
    words = word_tokens(text)
    for w in ALL_WORDS:
        assert words.count(w.lower()) >= 100, w
    # Articles agree with the next word ("an apple", never "a apple").
    assert " a apple" not in text and " an apple" in text


def test_category_words_are_unambiguous_and_known_to_glove():
    from embedlab.embeddings import glove_6b_50d

    assert len(set(w.lower() for w in ALL_WORDS)) == len(ALL_WORDS)  # no word in two categories
    glove = glove_6b_50d()
    missing = [w for w in ALL_WORDS if w not in glove]
    assert missing == []


def test_glove_agrees_with_the_teaching_categories():
    # The categories are real ones: in GloVe (trained on Wikipedia) every word is
    # nearer its own category's centroid than any other category's.
    from embedlab.embeddings import glove_6b_50d

    glove = glove_6b_50d()
    unit = {w: glove.vector(w) / np.linalg.norm(glove.vector(w)) for w in ALL_WORDS}
    centroids = {c: np.mean([unit[w] for w in ws], axis=0) for c, ws in TEACHING_CATEGORIES.items()}
    for cat, ws in TEACHING_CATEGORIES.items():
        for w in ws:
            dist = {c: np.linalg.norm(unit[w] - m) for c, m in centroids.items()}
            assert min(dist, key=dist.get) == cat, (w, dist)


@pytest.mark.parametrize("tokenization", TOKENIZATIONS)
def test_each_category_word_is_one_training_row_in_every_tokenization(tokenization):
    c = teaching_corpus(tokenization=tokenization, n_sentences=600)
    assert list(c.categories) == list(TEACHING_CATEGORIES)
    for cat, words in TEACHING_CATEGORIES.items():
        labels = c.categories[cat]
        assert len(labels) == len(words)
        for w, label in zip(words, labels):
            row = c.index_of(w)
            assert row is not None and c.tokens[row] == label
            if tokenization == "words":
                assert label == w.lower()
            else:  # the real token: the word with its leading space, one ID
                assert label == " " + w
                assert get_encoding(tokenization).encode(" " + w) == [int(c.token_ids[row])]


# -- tokenisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The cat's toy, 2 dogs!", ["the", "cat's", "toy", "2", "dogs"]),
        ("Café CRÈME brûlée", ["café", "crème", "brûlée"]),
        ("dog’s  \t bowl\n\nnext", ["dog’s", "bowl", "next"]),
        ("emoji 🐱 and a-b", ["emoji", "and", "a", "b"]),
        ("'quoted' words", ["quoted", "words"]),
        ("", []),
        ("!!! ...", []),
    ],
)
def test_word_tokens(text, expected):
    assert word_tokens(text) == expected


def test_word_corpus_rows_segments_and_counts():
    text = "the cat sat\n\nthe dog sat on the mat\n   \nA cat!\n"
    c = build_corpus(text, name="mini")
    assert c.tokens[:2] == ("the", "cat")  # most frequent first, ties alphabetical
    assert set(c.tokens) == {"the", "cat", "sat", "dog", "on", "mat", "a"}
    # Blank lines are not segments; each segment is one line's words.
    lines = [[c.tokens[i] for i in c.ids[c.segments[s]:c.segments[s + 1]]] for s in range(len(c.segments) - 1)]
    assert lines == [["the", "cat", "sat"], ["the", "dog", "sat", "on", "the", "mat"], ["a", "cat"]]
    assert c.counts[c.index_of("the")] == 3 and c.counts.sum() == len(c) == 11
    assert c.encoding is None and c.token_ids is None and c.n_dropped == 0 and c.warnings == ()
    assert c.index_of("CAT") == c.index_of(" cat") == 1 and "Dog" in c and "bird" not in c


def test_rare_words_are_left_out_with_a_warning():
    text = "a a a b b c\nd a b\n"
    c = build_corpus(text, min_count=2)
    assert c.tokens == ("a", "b") and c.n_dropped == 2 and len(c) == 7
    assert "2 of 9 tokens were left out" in c.warnings[0]
    c2 = build_corpus(text, max_vocab=3)
    assert c2.tokens == ("a", "b", "c") and c2.n_dropped == 1


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_tiktoken_corpus_rows_are_real_token_ids(encoding):
    text = "The cat sat on the mat.\nThe dog ate an apple 🍎.\n"
    c = build_corpus(text, tokenization=encoding)
    assert c.encoding == encoding
    for s, line in enumerate(text.splitlines()):
        real = [t.id for t in tokenize(line, encoding)]
        assert c.token_ids[c.ids[c.segments[s]:c.segments[s + 1]]].tolist() == real
    row = c.index_of("cat")
    assert c.tokens[row] == " cat" and int(c.token_ids[row]) == tokenize(" cat", encoding)[0].id


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=2, max_size=80), st.sampled_from(ENCODINGS))
def test_tiktoken_corpus_decodes_back_to_its_lines(text, encoding):
    from embedlab.tokenizer import decode, sanitize_text

    lines = [sanitize_text(line)[0] for line in text.splitlines() if line.strip()]
    try:
        c = build_corpus(text, tokenization=encoding)
    except EmbedlabError as e:  # fewer than two tokens in the whole text
        assert "fewer than two tokens" in str(e)
        return
    assert len(c.segments) - 1 == len(lines)
    for s, line in enumerate(lines):
        ids = c.token_ids[c.ids[c.segments[s]:c.segments[s + 1]]].tolist()
        assert decode(ids, encoding) == line.encode("utf-8").decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tokenization": "bpe"}, "unknown tokenization 'bpe'"),
        ({"min_count": 0}, "min_count=0"),
        ({"max_vocab": 1}, "max_vocab=1"),
    ],
)
def test_build_corpus_refuses_bad_options(kwargs, message):
    with pytest.raises(EmbedlabError, match=message):
        build_corpus("the cat sat", **kwargs)


@pytest.mark.parametrize("text", ["cat", "   \n\n", "!!!"])
def test_too_short_text_is_refused(text):
    with pytest.raises(EmbedlabError, match="fewer than two tokens"):
        build_corpus(text)


def test_teaching_text_refuses_silly_sizes():
    with pytest.raises(EmbedlabError, match="n_sentences=0"):
        teaching_text(n_sentences=0)


# -- user text ---------------------------------------------------------------------------


def test_read_text_accepts_utf8_and_drops_a_bom():
    assert read_text("héllo wörld".encode()) == "héllo wörld"
    assert read_text(b"\xef\xbb\xbfhello there") == "hello there"
    assert read_text("\ufeffpasted text") == "pasted text"


def test_non_utf8_upload_is_refused_with_the_offset():
    latin1 = "the café".encode("latin-1")
    with pytest.raises(FileFormatError, match=r"notes\.txt is not UTF-8 text: byte 0xe9 at offset 7") as e:
        read_text(latin1, name="notes.txt")
    assert "Save the file as UTF-8" in str(e.value)


def test_text_over_the_limit_is_refused():
    assert MAX_TEXT_BYTES == 20_000_000
    with pytest.raises(ResourceError, match="the limit for training text is 20 MB"):
        read_text(b"a " * (MAX_TEXT_BYTES // 2 + 1), name="big.txt")
    # The limit counts UTF-8 bytes, not characters: 6 characters of 2 bytes exceed 10 bytes.
    with pytest.raises(ResourceError, match="12 B"):
        read_text("éééééé", max_bytes=10)
    assert read_text("ééééé", max_bytes=10) == "ééééé"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ab\x00cd", "contains NUL bytes"),
        (b"   \n!!! ...", "contains no words"),
        (b"", "contains no words"),
        (12, "expected text or bytes"),
    ],
)
def test_read_text_refuses_binary_and_empty_input(data, message):
    with pytest.raises(EmbedlabError, match=message):
        read_text(data)


def test_describe_names_size_and_vocabulary():
    c = teaching_corpus(n_sentences=100)
    line = c.describe()
    assert line.startswith("teaching corpus: ") and f"{len(c):,} words in 100 lines" in line
    assert f"{c.vocab_size:,} distinct" in line
