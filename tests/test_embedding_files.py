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


# -- word2vec/GloVe text: the "rows dims" header is optional in both extensions -------------------


@pytest.mark.parametrize("ext", [".txt", ".vec"])
@pytest.mark.parametrize("header", [True, False])
def test_text_with_and_without_the_word2vec_header(tmp_path, glove_head, ext, header):
    head = EmbeddingTable(np.asarray(glove_head.vectors[:50]), glove_head.tokens[:50], name="h")
    body = "".join(t + " " + " ".join(ef._decimal(x) for x in row) + "\n" for t, row in zip(head.tokens, head.vectors.tolist()))
    path = tmp_path / f"words{ext}"
    path.write_text((f"50 {head.dim}\n" if header else "") + body, encoding="utf-8")
    _same(head, read_embedding_file(path))
    assert read_embedding_file(path).neighbors("the", k=1) == head.neighbors("the", k=1)


# -- the TensorFlow Embedding Projector pair ----------------------------------------------------


def _projector_pair(table: EmbeddingTable, categories=None) -> tuple[bytes, bytes]:
    from embedlab.mapfig import projector_tsv  # the app's own Projector export

    vectors, meta = projector_tsv(table.vectors, table.tokens, categories=categories)
    return vectors.encode("utf-8"), meta.encode("utf-8")


def test_projector_pair_from_the_apps_own_export_reads_back(tmp_path, glove_head):
    head = EmbeddingTable(np.asarray(glove_head.vectors[:500]), glove_head.tokens[:500], name="h")
    vectors, meta = _projector_pair(head)
    (tmp_path / "vectors.tsv").write_bytes(vectors)
    (tmp_path / "metadata.tsv").write_bytes(meta)
    for table in (
        read_embedding_file(tmp_path / "vectors.tsv", labels_file=tmp_path / "metadata.tsv"),
        load_embeddings(str(tmp_path / "vectors.tsv"), labels_file=str(tmp_path / "metadata.tsv")),
        ef.read_embedding_files([("metadata.tsv", meta), ("vectors.tsv", vectors)]),  # either order
        ef.read_embedding_files([tmp_path / "vectors.tsv", tmp_path / "metadata.tsv"]),
    ):
        assert table.tokens == head.tokens and table.word_level
        np.testing.assert_allclose(table.vectors, head.vectors, rtol=1e-6)  # the export writes 7 digits
        assert table.name == "vectors.tsv + metadata.tsv"
        assert "TensorFlow Projector" in table.source
        assert [w for w, _ in table.neighbors("government", k=5)] == [w for w, _ in head.neighbors("government", k=5)]


def test_projector_metadata_with_several_columns_and_escaped_labels():
    table = EmbeddingTable(np.eye(3, dtype=np.float32), ["tab\there", "new\nline", "back\\slash"], name="t")
    vectors, meta = _projector_pair(table, categories=["a", "b", "c"])
    assert meta.startswith(b"token\tcategory\n")
    back = ef.read_embedding_files([("vectors.tsv", vectors), ("metadata.tsv", meta)])
    assert back.tokens == table.tokens  # first column; \t \n \\ read back as written


def test_projector_vectors_alone_are_labelled_by_row_number():
    table = read_embedding_file(b"0.1\t0.2\n0.3\t0.4\n-1\t2e-3\n", filename="vectors.tsv")
    assert table.tokens == ["0", "1", "2"] and not table.word_level
    assert "No labels in the file" in table.source
    # A token TSV whose first token happens to be a number is still a token TSV.
    assert read_embedding_file(b"1990\t0.5\t0.1\ncat\t0.2\t0.3\n", filename="years.tsv").tokens == ["1990", "cat"]


@pytest.mark.parametrize(
    ("vectors", "meta", "fragment"),
    [
        (b"1\t2\n3\t4\n", b"cat\n", "'metadata.tsv' has 1 labels but 'vectors.tsv' has 2 rows"),
        (b"1\t2\n3\t4\n", b"word\ncat\ndog\n", "has 3 labels .* no header line .*if 'word' is a header, delete"),
        (b"1\t2\n3\n", b"cat\ndog\n", "'vectors.tsv' line 2 has 1 numbers, expected 2"),
        (b"1\t2\ncat\t4\n", b"a\nb\n", "line 2: 'cat' is not a number; a Projector vectors.tsv holds only numbers"),
        (b"1\t2\n3\tinf\n", b"a\nb\n", "'vectors.tsv' line 2 contains NaN or infinity"),
        (b"", b"a\n", "'vectors.tsv' is empty"),
        (b"1\t2\n", b"", "'metadata.tsv' is empty"),
        (b"1\t2\n", b"caf\xe9\n", "'metadata.tsv' line 1 is not valid UTF-8"),
        (b"1\t2\n3\t4\n", b"token\tkind\ncat\tpet\ndog\n", "'metadata.tsv' line 3 has 1 columns but its header line has 2"),
    ],
)
def test_projector_pair_problems_are_named(vectors, meta, fragment):
    with pytest.raises(FileFormatError, match=fragment):
        ef.read_embedding_files([("vectors.tsv", vectors), ("metadata.tsv", meta)])


def test_npy_with_a_vocabulary_file(tmp_path, glove_head):
    np.save(tmp_path / "m.npy", np.asarray(glove_head.vectors[:100]))
    (tmp_path / "vocab.txt").write_text("\n".join(glove_head.tokens[:100]) + "\n", encoding="utf-8")
    table = read_embedding_file(tmp_path / "m.npy", labels_file=tmp_path / "vocab.txt")
    _same(EmbeddingTable(np.asarray(glove_head.vectors[:100]), glove_head.tokens[:100], name="x"), table)
    assert table.word_level and table.name == "m.npy + vocab.txt"
    up = ef.read_embedding_files([("vocab.txt", (tmp_path / "vocab.txt").read_bytes()),
                                  ("m.npy", (tmp_path / "m.npy").read_bytes())])
    assert up.tokens == table.tokens
    (tmp_path / "short.txt").write_text("the\n,\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="'short.txt' has 2 labels but 'm.npy' has 100 rows"):
        read_embedding_file(tmp_path / "m.npy", labels_file=tmp_path / "short.txt")


def test_a_vocabulary_keeps_every_line_verbatim():
    labels = ef.read_labels(b" cat\r\n\tdog\n\nend", filename="vocab.txt")
    assert labels == [" cat", "\tdog", "", "end"]  # spaces, tabs and empty tokens are tokens in a vocabulary


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ([("a.tsv", b"1\t2\n"), ("b.tsv", b"3\t4\n")], "cannot tell which of 'a.tsv' and 'b.tsv' holds the vectors"),
        ([("a.csv", b"x,1\n"), ("b.txt", b"x\n")], "are not a pair this app reads"),
        ([("a.npy", b""), ("b.npy", b"")], "are not a pair this app reads"),
        ([("a.txt", b"x 1\n")] * 3, "3 files were given"),
    ],
)
def test_upload_sets_that_are_not_a_pair(files, fragment):
    with pytest.raises(FileFormatError, match=fragment):
        ef.read_embedding_files(files)


def test_labels_given_twice_are_refused(tmp_path):
    np.save(tmp_path / "m.npy", np.ones((2, 2), np.float32))
    with pytest.raises(EmbedlabError, match="either tokens= or labels_file="):
        read_embedding_file(tmp_path / "m.npy", tokens=["a", "b"], labels_file=b"a\nb\n")


# -- truncated binary files -----------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".npy", ".npz", ".safetensors", ".pt"])
def test_truncated_binary_files_are_refused(tmp_path, glove_head, ext):
    path = save_embeddings(glove_head, tmp_path / f"t{ext}")
    data = path.read_bytes()
    cut = data[: len(data) * 2 // 3]
    with pytest.raises(FileFormatError, match=f"t{ext}"):
        read_embedding_file(cut, filename=path.name)
