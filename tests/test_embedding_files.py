"""Embedding files: round trips in every format, real GloVe rows, and bad files named precisely."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from embedlab import embedding_files as ef
from embedlab.embedding_files import FORMATS, choose_embedding_tensor, read_embedding_file, save_embeddings
from embedlab.embeddings import EmbeddingTable, glove_6b_50d, load_embeddings
from embedlab.errors import EmbedlabError, FileFormatError


@pytest.fixture(scope="module")
def glove_head() -> EmbeddingTable:
    """The 3,000 most frequent GloVe words: real vectors, real tokens (punctuation, quotes, "'s")."""
    g = glove_6b_50d()
    return EmbeddingTable(np.asarray(g.vectors[:3000]), g.tokens[:3000], name="glove head")


def _same(a: EmbeddingTable, b: EmbeddingTable) -> None:
    assert b.tokens == a.tokens
    np.testing.assert_array_equal(b.vectors, a.vectors)  # bit-for-bit, text formats included


# -- round trips -------------------------------------------------------------------------

_ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
# What a one-line-per-row text format can hold: one non-empty word without whitespace.
_WORD = _ANY_TEXT.filter(lambda t: t.split() == [t])


@st.composite
def tables(draw, tokens=_ANY_TEXT):
    n = draw(st.integers(1, 12))
    dim = draw(st.integers(1, 6))
    labels = draw(st.lists(tokens, min_size=n, max_size=n, unique=True))
    vecs = draw(arrays(np.float32, (n, dim), elements=st.floats(width=32, allow_nan=False, allow_infinity=False)))
    return EmbeddingTable(vecs, labels, name="t")


_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("ext", [".txt", ".vec"])
@_SETTINGS
@given(table=tables(tokens=_WORD))
def test_word_vector_text_round_trips(tmp_path, ext, table):
    path = save_embeddings(table, tmp_path / f"t{ext}")
    _same(table, read_embedding_file(path))
    _same(table, read_embedding_file(path.read_bytes(), filename=path.name))


@pytest.mark.parametrize("ext", [".csv", ".tsv", ".npz", ".safetensors", ".pt"])
@_SETTINGS
@given(table=tables())
def test_formats_with_quoting_or_binary_tokens_round_trip_any_token(tmp_path, ext, table):
    if ext == ".npz" and any(t.endswith("\x00") for t in table.tokens):
        with pytest.raises(EmbedlabError, match="ends with a NUL character.*\\.safetensors or \\.csv"):
            save_embeddings(table, tmp_path / "t.npz")
        return
    path = save_embeddings(table, tmp_path / f"t{ext}")
    _same(table, read_embedding_file(path))
    _same(table, read_embedding_file(path.read_bytes(), filename=path.name))


@_SETTINGS
@given(table=tables())
def test_npy_round_trips_the_matrix_and_labels_rows_by_number(tmp_path, table):
    path = save_embeddings(table, tmp_path / "t.npy")
    back = read_embedding_file(path, tokens=table.tokens)
    _same(table, back)
    plain = read_embedding_file(path)
    assert plain.tokens == [str(i) for i in range(len(table))] and plain.word_level is False
    assert isinstance(plain.vectors, np.memmap)  # a path is memory-mapped, not read into RAM


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_real_glove_rows_round_trip_and_keep_their_neighbours(tmp_path, glove_head, ext):
    path = save_embeddings(glove_head, tmp_path / f"glove{ext}")
    back = read_embedding_file(path, tokens=glove_head.tokens if ext == ".npy" else None)
    _same(glove_head, back)
    got, want = back.neighbors("king", k=5), glove_head.neighbors("king", k=5)
    assert [w for w, _ in got] == [w for w, _ in want]
    # Same numbers, but BLAS may sum them in another order for another memory layout.
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-6)


@pytest.mark.parametrize(
    "token", ["", " cat", "cat ", "new york", "new\nline", "car\rriage", "em\u2003space"], ids=repr
)
def test_text_writer_refuses_tokens_a_line_cannot_hold(tmp_path, token):
    table = EmbeddingTable(np.eye(2), [token, "x"], name="t")
    with pytest.raises(EmbedlabError, match=r"cannot be stored in a \.txt file .*whitespace.*\.csv, \.npz or \.safetensors"):
        save_embeddings(table, tmp_path / "t.txt")
    _same(table, read_embedding_file(save_embeddings(table, tmp_path / "t.csv")))


def test_gpt2_vocabulary_round_trips_including_its_nul_and_whitespace_tokens(tmp_path):
    from embedlab.embeddings import random_embeddings

    table = random_embeddings(encoding="gpt2", dim=2, seed=0)
    assert table.tokens[188] == "\x00" and table.tokens[198] == "\n"
    for ext in (".safetensors", ".csv"):
        back = read_embedding_file(save_embeddings(table, tmp_path / f"gpt2{ext}"))
        _same(table, back)
    with pytest.raises(EmbedlabError, match="'\\\\x00' ends with a NUL"):
        save_embeddings(table, tmp_path / "gpt2.npz")


def test_fast_and_slow_text_parsers_agree_on_real_glove(glove_head, tmp_path):
    path = save_embeddings(glove_head, tmp_path / "g.txt")
    body = [(i + 1, ln) for i, ln in enumerate(path.read_text(encoding="utf-8").split("\n")) if ln]
    fast = ef._fast_word_vectors(body, 50)
    slow = ef._slow_word_vectors(body, 50, "g.txt")
    assert fast is not None  # a clean file takes the fast path
    assert fast[0] == slow[0] == glove_head.tokens
    np.testing.assert_array_equal(fast[1], slow[1])


def test_glove_840b_style_tokens_with_spaces(tmp_path):
    path = tmp_path / "840b.txt"
    path.write_text(". . . 0.5 -1\nat name@domain.com 1e-3 2\ncat 1 0\n", encoding="utf-8")
    table = read_embedding_file(path)
    assert table.tokens == [". . .", "at name@domain.com", "cat"]
    np.testing.assert_array_equal(table.vectors, np.array([[0.5, -1], [1e-3, 2], [1, 0]], dtype=np.float32))


def test_word2vec_header_trailing_spaces_crlf_and_bom(tmp_path):
    path = tmp_path / "w2v.vec"
    path.write_bytes("\ufeff2 3\r\n</s> 0.1 0.2 0.3 \r\nHello 1 2 3 \r\n".encode())
    table = read_embedding_file(path)
    assert table.tokens == ["</s>", "Hello"] and table.dim == 3
    assert table.index_of("hello") == 1  # word-level: normalised lookup


def test_one_dimensional_rows_are_not_mistaken_for_a_header(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("3 4\n5 6\n", encoding="utf-8")
    table = read_embedding_file(path)
    assert table.tokens == ["3", "5"] and table.vectors.tolist() == [[4.0], [6.0]]


def test_csv_header_and_quoted_tokens(tmp_path):
    path = tmp_path / "words.csv"
    path.write_text('word,x,y\n"hello, world",1,2\n"say ""hi""",3,4\n', encoding="utf-8")
    table = read_embedding_file(path)
    assert table.tokens == ["hello, world", 'say "hi"']
    assert table.vectors.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_the_articles_nn_embedding_state_dict_reads_back(tmp_path):
    torch.manual_seed(123)
    layer = torch.nn.Embedding(6, 3)
    torch.save(layer.state_dict(), tmp_path / "layer.pt")
    table = read_embedding_file(tmp_path / "layer.pt")
    np.testing.assert_array_equal(table.vectors, layer.weight.detach().numpy())
    np.testing.assert_array_equal(table.vectors, load_embeddings("random").vectors)
    assert table.tokens == [str(i) for i in range(6)]


def test_bf16_safetensors_widen_exactly(tmp_path):
    from safetensors.torch import save_file

    weights = torch.randn(5, 4, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    save_file({"model.embed_tokens.weight": weights, "lm_head.weight": weights.clone()}, tmp_path / "m.safetensors")
    table = read_embedding_file(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(table.vectors, weights.float().numpy())
    np.testing.assert_array_equal(
        read_embedding_file((tmp_path / "m.safetensors").read_bytes(), filename="m.safetensors").vectors,
        table.vectors,
    )


def test_several_matrices_need_tensor_to_be_named(tmp_path):
    from safetensors.numpy import save_file

    a = np.ones((3, 2), dtype=np.float32)
    save_file({"first": a, "second": 2 * a, "bias": np.ones(2, dtype=np.float32)}, tmp_path / "two.safetensors")
    with pytest.raises(FileFormatError, match="several 2-D tensors \\('first', 'second'\\); say which with tensor="):
        read_embedding_file(tmp_path / "two.safetensors")
    assert read_embedding_file(tmp_path / "two.safetensors", tensor="second").vectors[0, 0] == 2.0
    with pytest.raises(FileFormatError, match="tensor 'bias' .* shape \\(2,\\)"):
        read_embedding_file(tmp_path / "two.safetensors", tensor="bias")
    with pytest.raises(FileFormatError, match="no tensor named 'third'"):
        read_embedding_file(tmp_path / "two.safetensors", tensor="third")


@pytest.mark.parametrize(
    ("shapes", "expected"),
    [
        ({"wte.weight": (50257, 768), "wpe.weight": (1024, 768)}, "wte.weight"),
        ({"lm_head.weight": (10, 4), "model.embed_tokens.weight": (10, 4)}, "model.embed_tokens.weight"),
        ({"only": (7, 3), "bias": (3,)}, "only"),
    ],
)
def test_choose_embedding_tensor(shapes, expected):
    assert choose_embedding_tensor(shapes, what="m") == expected


# -- bad files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("empty.txt", b"", "'empty.txt' is empty"),
        ("blank.txt", b"\n \n", "no lines with vectors"),
        ("ragged.txt", b"cat 1 2 3\ndog 1 2\nemu 4 5 6\n", "line 2 has 2 numbers after the token, expected 3"),
        ("long.txt", b"cat 1 2\ndog 1 2 3\n", "line 2 has more than 2 numbers"),
        ("word.txt", b"cat 1 2\ndog 1 two\n", "line 2: 'two' is not a number"),
        ("nan.txt", b"cat 1 2\n\ndog nan 2\n", "line 3 contains NaN or infinity"),
        ("inf.csv", b"cat,1,2\ndog,1,inf\n", "line 2 contains NaN or infinity"),
        ("notoken.txt", b"cat\ndog\n", "line 1 has no numbers after the token"),
        ("short.vec", b"3 2\ncat 1 2\ndog 3 4\n", "header says 3 rows but the file has 2.*truncated"),
        ("latin1.txt", b"cat 1 2\ncaf\xe9 1 2\n", "line 2 is not valid UTF-8"),
        ("cols.csv", b"token,a,b\ncat,1,2\ndog,1\n", "line 3 has 2 columns, expected 3"),
        ("header.csv", b"token,a,b\n", "no data rows"),
        ("one.tsv", b"cat\ndog\n", "line 1 has only one column"),
        ("weights.bin", b"\x00\x01", "cannot tell the format of 'weights.bin'"),
        ("junk.npy", b"not an array", "'junk.npy' is not a readable .npy array"),
        ("junk.npz", b"PK junk", "'junk.npz' is not a readable .npz archive"),
        ("junk.safetensors", b"\x05\x00\x00\x00\x00\x00\x00\x00{nope", "does not start with a safetensors header"),
        ("junk.pt", b"junk", "'junk.pt' is not a readable PyTorch file"),
    ],
)
def test_bad_files_are_refused_with_the_line_and_the_fix(tmp_path, name, content, fragment):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(FileFormatError, match=fragment):
        read_embedding_file(tmp_path / name)
    with pytest.raises(FileFormatError, match=fragment):
        read_embedding_file(content, filename=name)


@pytest.mark.parametrize(
    ("array", "fragment"),
    [
        (np.ones(4), r"shape \(4,\); an embedding table is 2-D"),
        (np.ones((2, 2, 2)), "2-D"),
        (np.array([["a", "b"]]), "holds <U1 values"),
        (np.ones((0, 3)), "at least one row"),
        (np.array([[True, False]]), "holds bool values"),
    ],
)
def test_npy_arrays_that_are_not_tables_are_refused(tmp_path, array, fragment):
    np.save(tmp_path / "a.npy", array)
    with pytest.raises(FileFormatError, match=fragment):
        read_embedding_file(tmp_path / "a.npy")


def test_npy_with_the_wrong_number_of_tokens(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((3, 2), dtype=np.float32))
    with pytest.raises(FileFormatError, match="3 vectors but 2 token labels"):
        read_embedding_file(tmp_path / "a.npy", tokens=["a", "b"])


def test_npz_tokens_must_be_strings(tmp_path):
    np.savez(tmp_path / "bad.npz", vectors=np.ones((2, 2)), tokens=np.array([1, 2]))
    with pytest.raises(FileFormatError, match=r"np.array\(tokens, dtype=str\)"):
        read_embedding_file(tmp_path / "bad.npz")


class _Payload:
    """Unpickling this creates a directory: proof that a loader ran code from a file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_pickled_npy_npz_and_pt_payloads_are_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    payload = np.array([_Payload(marker), _Payload(marker)], dtype=object).reshape(1, 2)
    np.save(tmp_path / "evil.npy", payload, allow_pickle=True)
    np.savez(tmp_path / "evil.npz", vectors=np.ones((1, 2)), tokens=np.array([_Payload(marker)], dtype=object))
    torch.save({"weight": torch.ones(1, 2), "tokens": [_Payload(marker)]}, tmp_path / "evil.pt")
    for name in ("evil.npy", "evil.npz", "evil.pt"):
        for src in (tmp_path / name, (tmp_path / name).read_bytes()):
            with pytest.raises(FileFormatError, match="never unpickled"):
                read_embedding_file(src, filename=name)
    assert not marker.exists()


def test_pt_with_something_other_than_tensors(tmp_path):
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(FileFormatError, match="holds a list; expected a tensor or a dict of tensors"):
        read_embedding_file(tmp_path / "list.pt")
    torch.save({"weight": torch.ones(2, 2), "tokens": ["a", 1]}, tmp_path / "tok.pt")
    with pytest.raises(FileFormatError, match="'tokens' .* must be a list of strings"):
        read_embedding_file(tmp_path / "tok.pt")


def test_safetensors_tokens_metadata_must_be_a_json_list_of_strings(tmp_path):
    from safetensors.numpy import save_file

    save_file({"vectors": np.ones((2, 2), dtype=np.float32)}, tmp_path / "m.safetensors", metadata={"tokens": "[1, 2]"})
    with pytest.raises(FileFormatError, match="JSON list of strings"):
        read_embedding_file(tmp_path / "m.safetensors")
    save_file({"vectors": np.ones((2, 2), dtype=np.float32)}, tmp_path / "m.safetensors", metadata={"tokens": "[x"})
    with pytest.raises(FileFormatError, match="is not JSON"):
        read_embedding_file(tmp_path / "m.safetensors")
    save_file(
        {"vectors": np.ones((2, 2), dtype=np.float32)}, tmp_path / "m.safetensors", metadata={"tokens": json.dumps(["a"])}
    )
    with pytest.raises(FileFormatError, match="2 vectors but 1 token labels"):
        read_embedding_file(tmp_path / "m.safetensors")


def test_format_override_and_unknown_format(tmp_path):
    path = tmp_path / "vectors.dat"
    path.write_text("cat 1 2\n", encoding="utf-8")
    assert read_embedding_file(path, format="text").tokens == ["cat"]
    with pytest.raises(FileFormatError, match="unknown format 'excel'"):
        read_embedding_file(path, format="excel")  # type: ignore[arg-type]
    with pytest.raises(FileFormatError, match="is not a file"):
        read_embedding_file(tmp_path)
