"""Read and write embedding tables in the file formats people actually have.

=====================  =====================================================
extension              content
=====================  =====================================================
``.txt``               GloVe text: ``word v1 v2 ... vd`` per line
``.vec``               word2vec/fastText text: a ``rows dims`` header line, then as GloVe
                       (both extensions read either layout: the header is optional)
``.csv`` / ``.tsv``    first column the token, the others numbers (a header row is skipped)
``.tsv`` (Projector)   TensorFlow Embedding Projector ``vectors.tsv``: numbers only, one
                       row per line, no header; labels from its ``metadata.tsv``
``.npy``               the matrix only (labels: a vocabulary file, ``tokens=``, or the row numbers)
``.npz``               ``vectors`` (2-D) and ``tokens`` (1-D unicode) arrays
``.safetensors``       one 2-D tensor; tokens as a JSON list in the ``tokens`` metadata entry
``.pt`` / ``.pth``     a tensor, or a dict such as ``nn.Embedding.state_dict()``
                       (optionally with a ``"tokens"`` list of strings)
=====================  =====================================================

A second *labels file* (``labels_file=``) gives the rows their labels: a
vocabulary for an ``.npy`` matrix (one token per line), or the Projector's
``metadata.tsv`` for its ``vectors.tsv``. :func:`read_embedding_files` takes an
upload of one file or such a pair and works out which file is which.

Nothing is ever unpickled: ``np.load(allow_pickle=False)``,
``torch.load(weights_only=True)`` and safetensors refuse Python objects.
Every problem is a :class:`~embedlab.errors.FileFormatError` naming the file,
the line or array, and what to change.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import struct
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from .embeddings import EmbeddingTable
from .errors import EmbedlabError, FileFormatError
from .memory import check_fits, estimate_bytes

__all__ = [
    "EMBEDDING_TENSOR_NAMES",
    "FORMATS",
    "POSITION_TENSOR_NAMES",
    "choose_embedding_tensor",
    "read_embedding_file",
    "read_embedding_files",
    "read_labels",
    "save_embeddings",
]

Format = Literal["text", "vec", "csv", "tsv", "projector", "npy", "npz", "safetensors", "torch"]
#: Formats that only ``format=`` (or a labels file) selects: they have no extension of their own.
_EXTRA_FORMATS = ("projector",)
#: File extension -> format name.
FORMATS: dict[str, Format] = {
    ".txt": "text",
    ".vec": "vec",
    ".csv": "csv",
    ".tsv": "tsv",
    ".npy": "npy",
    ".npz": "npz",
    ".safetensors": "safetensors",
    ".pt": "torch",
    ".pth": "torch",
}

#: Names under which model checkpoints store the input-embedding matrix, most common first.
EMBEDDING_TENSOR_NAMES: tuple[str, ...] = (
    "wte.weight",  # GPT-2
    "transformer.wte.weight",
    "model.embed_tokens.weight",  # Llama, Mistral, Qwen, Gemma, ...
    "embed_tokens.weight",
    "model.decoder.embed_tokens.weight",  # OPT
    "gpt_neox.embed_in.weight",  # Pythia
    "transformer.word_embeddings.weight",  # BLOOM
    "embeddings.word_embeddings.weight",  # BERT family
    "bert.embeddings.word_embeddings.weight",
    "distilbert.embeddings.word_embeddings.weight",
    "roberta.embeddings.word_embeddings.weight",
    "shared.weight",  # T5
    "tok_embeddings.weight",
    "weight",  # nn.Embedding.state_dict()
    "vectors",
    "embeddings",
)

#: Names of *learned position* matrices (row i = position i), GPT-2's ``wpe`` first.
#: Models with rotary or ALiBi positions (Llama, Mistral, BLOOM, ...) have none.
POSITION_TENSOR_NAMES: tuple[str, ...] = (
    "wpe.weight",  # GPT-2
    "transformer.wpe.weight",
    "embeddings.position_embeddings.weight",  # BERT family
    "bert.embeddings.position_embeddings.weight",
    "distilbert.embeddings.position_embeddings.weight",
    "roberta.embeddings.position_embeddings.weight",
    "model.decoder.embed_positions.weight",  # OPT (its rows are offset by 2)
)

_VECTOR_KEYS = ("vectors", "embeddings", "weight", "weights", "emb")
_TOKEN_KEYS = ("tokens", "words", "vocab", "labels")


def choose_embedding_tensor(
    shapes: Mapping[str, Sequence[int]], *, tensor: str | None = None, what: str, positions: bool = False
) -> str:
    """Pick the embedding matrix among named tensors (name -> shape).

    ``tensor`` wins when given; otherwise the first known embedding name that
    is 2-D, otherwise the only 2-D tensor. Anything else is ambiguous and the
    error lists the candidates so the user can pass ``tensor=``. With
    ``positions`` the known names are those of learned position matrices
    (:data:`POSITION_TENSOR_NAMES`) and there is no "only 2-D tensor" guess.
    """
    matrices = [name for name, shape in shapes.items() if len(shape) == 2]
    if positions and tensor is None:
        found = next((name for name in POSITION_TENSOR_NAMES if name in matrices), None)
        if found is None:
            raise FileFormatError(
                f"{what} has no learned position matrix (none of {_listing(POSITION_TENSOR_NAMES, 3)}); "
                "models such as Llama or Mistral encode positions inside attention (RoPE) instead. "
                f"Its 2-D tensors are {_listing(matrices)}; name one with tensor= if it is one."
            )
        return found
    if tensor is not None:
        if tensor not in shapes:
            raise FileFormatError(f"{what} has no tensor named {tensor!r}; its 2-D tensors are {_listing(matrices)}.")
        if len(shapes[tensor]) != 2:
            raise FileFormatError(
                f"tensor {tensor!r} in {what} has shape {tuple(shapes[tensor])}, not (rows, dims); "
                f"pick one of {_listing(matrices)}."
            )
        return tensor
    for name in EMBEDDING_TENSOR_NAMES:
        if name in matrices:
            return name
    if len(matrices) == 1:
        return matrices[0]
    if not matrices:
        raise FileFormatError(f"{what} holds no 2-D tensor, so there is no embedding matrix in it.")
    raise FileFormatError(f"{what} holds several 2-D tensors ({_listing(matrices)}); say which with tensor='<name>'.")


def _listing(names: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return (shown + f" and {len(names) - limit} more") if len(names) > limit else (shown or "none")


# -- reading -----------------------------------------------------------------------------


Source = str | os.PathLike[str] | bytes


def read_embedding_file(
    file: Source,
    *,
    filename: str | None = None,
    format: Format | None = None,  # noqa: A002 - the natural name for the caller
    tokens: Sequence[str] | None = None,
    labels_file: Source | None = None,
    labels_filename: str | None = None,
    tensor: str | None = None,
    name: str | None = None,
    word_level: bool | None = None,
) -> EmbeddingTable:
    """Read an embedding table from a path, or from the bytes of an upload.

    Args:
        file: a path, or the raw bytes (then ``filename`` names the upload).
        filename: shown in messages; its extension picks the format for bytes.
        format: overrides the extension (one of :data:`FORMATS`' values, or
            ``"projector"`` for a TensorFlow Projector ``vectors.tsv``).
        tokens: row labels for a file without them (``.npy``), or to replace the file's.
        labels_file: a file of row labels (path or bytes; see :func:`read_labels`):
            a vocabulary for ``.npy``, the ``metadata.tsv`` of a Projector
            ``vectors.tsv`` (a ``.tsv`` given one is read as Projector vectors).
        labels_filename: names ``labels_file`` when it is bytes.
        tensor: which tensor holds the matrix in ``.safetensors`` / ``.pt``.
        name: display name (default: the file name).
        word_level: match labels as normalised words (default: ``True`` when the
            labels come from the file, a labels file or ``tokens``, ``False`` for row numbers).
    """
    path = None if isinstance(file, (bytes, bytearray, memoryview)) else Path(file)
    label = filename or (path.name if path is not None else "upload")
    if path is not None and not path.is_file():
        raise FileFormatError(f"{path} is not a file.")
    fmt = format or FORMATS.get(Path(label).suffix.lower())
    if fmt is None:
        raise FileFormatError(
            f"cannot tell the format of {label!r} from its extension; use one of "
            f"{', '.join(sorted(FORMATS))} or pass format=."
        )
    if fmt not in {*FORMATS.values(), *_EXTRA_FORMATS}:
        raise FileFormatError(
            f"unknown format {fmt!r}; choose one of {', '.join(sorted({*FORMATS.values(), *_EXTRA_FORMATS}))}."
        )
    if tokens is not None and labels_file is not None:
        raise EmbedlabError("give the row labels once: either tokens= or labels_file=, not both.")
    if fmt == "tsv" and labels_file is not None:
        fmt = "projector"  # a vectors.tsv with a metadata.tsv: the labels are in the second file
    size = path.stat().st_size if path is not None else len(file)  # type: ignore[arg-type]
    if size == 0:
        raise FileFormatError(f"{label!r} is empty.")

    note = ""
    if fmt in ("text", "vec", "csv", "tsv", "projector"):
        raw = path.read_bytes() if path is not None else bytes(file)  # type: ignore[arg-type]
        text = _decode(raw, label)
        # The parse holds the text, its lines and the numbers at once.
        check_fits(3 * len(raw), what=f"reading {label!r}")
        if fmt == "tsv" and _looks_like_projector_vectors(text):
            try:  # numbers from the first field on: a Projector vectors.tsv, without labels
                file_tokens, vectors = None, _parse_projector_vectors(text, label)
                note = " (TensorFlow Projector vectors)"
            except FileFormatError:  # e.g. a token TSV whose first token is a number
                file_tokens, vectors = _parse_delimited(text, label, "\t")
        elif fmt == "projector":
            file_tokens, vectors = None, _parse_projector_vectors(text, label)
            note = " (TensorFlow Projector vectors)"
        elif fmt in ("csv", "tsv"):
            file_tokens, vectors = _parse_delimited(text, label, "," if fmt == "csv" else "\t")
        else:
            file_tokens, vectors = _parse_word_vectors(text, label)
    elif fmt == "npy":
        vectors, file_tokens = _read_npy(path if path is not None else bytes(file), label), None  # type: ignore[arg-type]
    elif fmt == "npz":
        vectors, file_tokens = _read_npz(path if path is not None else bytes(file), label)  # type: ignore[arg-type]
    elif fmt == "safetensors":
        vectors, file_tokens = _read_safetensors(path if path is not None else bytes(file), label, tensor)  # type: ignore[arg-type]
    else:
        vectors, file_tokens = _read_torch(path if path is not None else bytes(file), label, tensor)  # type: ignore[arg-type]

    labels_label = None
    if labels_file is not None:
        labels_label = labels_filename or (
            "labels" if isinstance(labels_file, (bytes, bytearray, memoryview)) else Path(labels_file).name
        )
        tokens = read_labels(labels_file, filename=labels_label)
        if len(tokens) != len(vectors):
            raise FileFormatError(_count_mismatch(labels_label, tokens, label, len(vectors)))
    if tokens is not None:
        labels = list(tokens)
    elif file_tokens is not None:
        labels = file_tokens
    else:
        labels = [str(i) for i in range(len(vectors))]
    if len(labels) != len(vectors):
        raise FileFormatError(
            f"{label!r} has {len(vectors):,} vectors but {len(labels):,} token labels; give one label per row."
        )
    shown = f"{label} + {labels_label}" if labels_label else label
    unlabelled = tokens is None and file_tokens is None
    try:
        return EmbeddingTable(
            vectors,
            labels,
            name=name or shown,
            source=(
                f"File {shown}{note}: {len(vectors):,} tokens x {vectors.shape[1]} dimensions."
                + (" No labels in the file: rows are named by number." if unlabelled else "")
            ),
            word_level=(not unlabelled) if word_level is None else word_level,
        )
    except FileFormatError:
        raise
    except EmbedlabError as exc:  # e.g. NaN rows: still a problem *of this file*
        raise FileFormatError(f"{label!r}: {exc}") from exc


def read_labels(file: Source, *, filename: str | None = None) -> list[str]:
    """Row labels from a text file: a vocabulary, or a Projector ``metadata.tsv``.

    One label per line, read verbatim (only the line break is removed; a
    final empty line is not a label). A ``.tsv`` file follows the Projector's
    rule: with one column there is no header; with several (tab-separated)
    the first line is the header and the labels are the first column. There,
    ``\\t``, ``\\n``, ``\\r`` and ``\\\\`` stand for a tab, a new line, a
    return and a backslash (as embedlab's Projector export writes them).
    """
    path = None if isinstance(file, (bytes, bytearray, memoryview)) else Path(file)
    label = filename or (path.name if path is not None else "labels")
    if path is not None and not path.is_file():
        raise FileFormatError(f"{path} is not a file.")
    raw = path.read_bytes() if path is not None else bytes(file)  # type: ignore[arg-type]
    if not raw:
        raise FileFormatError(f"{label!r} is empty; it should hold one label per line.")
    text = _decode(raw, label)
    lines = text.split("\n")  # not splitlines(): \x1c, \u2028 ... occur inside real tokens
    if lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    if not Path(label).suffix.lower() == ".tsv":
        return lines
    columns = {ln.count("\t") for ln in lines}
    if columns == {0}:
        return [_unescape(ln) for ln in lines]
    header, body = lines[0].split("\t"), lines[1:]
    for i, ln in enumerate(body, start=2):
        if ln.count("\t") != len(header) - 1:
            raise FileFormatError(
                f"{label!r} line {i} has {ln.count(chr(9)) + 1} columns but its header line has {len(header)}; "
                "with several columns every line needs the same number of tabs."
            )
    return [_unescape(ln.split("\t", 1)[0]) for ln in body]


def _unescape(cell: str) -> str:
    if "\\" not in cell:
        return cell
    return re.sub(r"\\([\\tnr])", lambda m: {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[m.group(1)], cell)


def _count_mismatch(labels_label: str, labels: list[str], label: str, rows: int) -> str:
    msg = f"{labels_label!r} has {len(labels):,} labels but {label!r} has {rows:,} rows; give exactly one label per row."
    if len(labels) == rows + 1 and Path(labels_label).suffix.lower() == ".tsv":
        msg += (
            f" A one-column metadata file has no header line (the Projector's rule): "
            f"if {labels[0]!r} is a header, delete that first line."
        )
    return msg


def read_embedding_files(
    files: Sequence[tuple[str, bytes]] | Sequence[str | os.PathLike[str]], **options: object
) -> EmbeddingTable:
    """One embedding file, or a pair of files, as a user would upload them.

    ``files`` is a list of paths or ``(filename, bytes)`` uploads. A pair is a
    Projector ``vectors.tsv`` + ``metadata.tsv`` (the labels file is the one
    named ``metadata...`` or, failing that, the one that is not all numbers),
    or a matrix (``.npy``, ``.npz``, ``.safetensors``, ``.pt``) + a vocabulary
    (``.txt``/``.tsv``, one token per line). Other ``options`` go to
    :func:`read_embedding_file`.
    """
    items = [(f[0], f[1]) if isinstance(f, tuple) else (Path(f).name, Path(f)) for f in files]
    if len(items) == 1:
        (fname, data), = items
        return read_embedding_file(data, filename=fname, **options)  # type: ignore[arg-type]
    if len(items) != 2:
        raise FileFormatError(
            f"{len(items)} files were given; give one embedding file, or a pair: vectors.tsv + metadata.tsv "
            "(TensorFlow Projector) or a .npy matrix + a vocabulary .txt (one token per line)."
        )
    (n1, d1), (n2, d2) = items
    e1, e2 = Path(n1).suffix.lower(), Path(n2).suffix.lower()
    matrices = {".npy", ".npz", ".safetensors", ".pt", ".pth"}
    if e1 == e2 == ".tsv":
        def is_meta(name: str, data: bytes | Path) -> bool:
            raw = data.read_bytes()[:65536] if isinstance(data, Path) else data[:65536]
            first = raw.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
            return "meta" in name.lower() or not all(_is_number(c) for c in first.split("\t") if c.strip())

        m1, m2 = is_meta(n1, d1), is_meta(n2, d2)
        if m1 == m2:
            raise FileFormatError(
                f"cannot tell which of {n1!r} and {n2!r} holds the vectors: name the labels file metadata.tsv "
                "(the Projector's vectors.tsv has only numbers)."
            )
        (vn, vd), (ln, ld) = (items[1], items[0]) if m1 else (items[0], items[1])
    elif (e1 in matrices) != (e2 in matrices) and ({e1, e2} - matrices) <= {".txt", ".tsv", ""}:
        (vn, vd), (ln, ld) = (items[0], items[1]) if e1 in matrices else (items[1], items[0])
    else:
        raise FileFormatError(
            f"{n1!r} and {n2!r} are not a pair this app reads: give vectors.tsv + metadata.tsv "
            "(TensorFlow Projector), or a .npy/.npz/.safetensors/.pt matrix + a vocabulary .txt."
        )
    return read_embedding_file(vd, filename=vn, labels_file=ld, labels_filename=ln, **options)  # type: ignore[arg-type]


def _decode(raw: bytes, label: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileFormatError(
            f"{label!r} line {line} is not valid UTF-8 (byte {exc.start}); save the file as UTF-8 text."
        ) from exc


def _to_float32(
    cells: list[list[str]], line_numbers: list[int], label: str, hint: str = "every field after the token must be one"
) -> np.ndarray:
    """Numbers of each row as a float32 matrix; a bad cell is named by line and column."""
    n, dim = len(cells), len(cells[0])
    check_fits(estimate_bytes((n, dim), np.float32), what=f"the vectors of {label!r}")
    out = np.empty((n, dim), dtype=np.float32)
    for r, row in enumerate(cells):
        try:
            out[r] = [float(x) for x in row]
        except ValueError:
            bad = next(x for x in row if not _is_number(x))
            raise FileFormatError(
                f"{label!r} line {line_numbers[r]}: {bad!r} is not a number; {hint}."
            ) from None
    _check_finite(out, line_numbers, label)
    return out


def _check_finite(vectors: np.ndarray, line_numbers: Sequence[int], label: str) -> None:
    ok = np.isfinite(vectors).all(axis=1)
    if not ok.all():
        row = int(np.argmin(ok))
        raise FileFormatError(f"{label!r} line {line_numbers[row]} contains NaN or infinity; use finite numbers.")


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _parse_word_vectors(text: str, label: str) -> tuple[list[str], np.ndarray]:
    """GloVe / word2vec text: ``token v1 ... vd`` per line, optionally a ``rows dims`` header."""
    # str.splitlines() would also split on \\x1c, \\u2028 ... which occur inside real tokens.
    numbered = [(i + 1, ln.rstrip("\r")) for i, ln in enumerate(text.split("\n"))]
    numbered = [(i, ln) for i, ln in numbered if ln.strip()]
    if not numbered:
        raise FileFormatError(f"{label!r} has no lines with vectors.")
    expected_rows, dim, body = None, None, numbered
    head = numbered[0][1].split()
    if len(head) == 2 and all(p.isdigit() for p in head) and len(numbered) > 1:
        # word2vec header "rows dims" -- unless it is a 1-dimensional row whose token is a number.
        rows_h, dim_h = int(head[0]), int(head[1])
        if dim_h >= 1 and len(numbered[1][1].split()) >= dim_h + 1:
            expected_rows, dim, body = rows_h, dim_h, numbered[1:]
    if dim is None:
        # The most common field count: a few tokens may contain spaces (GloVe 840B has ". . .").
        # A space only ever adds fields, so a tie goes to the smaller count.
        counts = Counter(len(ln.split()) for _, ln in body[:1000])
        top = max(counts.values())
        dim = min(c for c, n in counts.items() if n == top) - 1
        if dim < 1:
            raise FileFormatError(
                f"{label!r} line {body[0][0]} has no numbers after the token; expected 'token v1 v2 ...'."
            )
    parsed = _fast_word_vectors(body, dim)
    if parsed is None:
        parsed = _slow_word_vectors(body, dim, label)
    tokens, vectors = parsed
    if expected_rows is not None and expected_rows != len(tokens):
        raise FileFormatError(
            f"{label!r} header says {expected_rows:,} rows but the file has {len(tokens):,}; "
            "the file may be truncated -- download it again or fix the first line."
        )
    return tokens, vectors


def _fast_word_vectors(body: list[tuple[int, str]], dim: int) -> tuple[list[str], np.ndarray] | None:
    """pandas' C parser, about 4x faster than Python for clean single-space files; ``None`` if not clean."""
    import pandas as pd

    try:
        df = pd.read_csv(
            io.StringIO("\n".join(ln for _, ln in body)),
            sep=" ",
            header=None,
            quoting=csv.QUOTE_NONE,
            na_filter=False,
            dtype={0: str},
            engine="c",
        )
    except (ValueError, pd.errors.ParserError):  # ragged rows, tokens with spaces, ...
        return None
    if df.shape != (len(body), dim + 1) or not all(pd.api.types.is_numeric_dtype(t) for t in df.dtypes.iloc[1:]):
        return None
    vectors = df.iloc[:, 1:].to_numpy(dtype=np.float32)
    if not np.isfinite(vectors).all():
        return None  # let the slow path name the line
    tokens = df.iloc[:, 0].tolist()
    # pandas would drop a token's trailing space or read a lone "" oddly; the slow path is exact.
    if any(not isinstance(t, str) or not t or t != t.strip() for t in tokens):
        return None
    return tokens, vectors


def _slow_word_vectors(body: list[tuple[int, str]], dim: int, label: str) -> tuple[list[str], np.ndarray]:
    tokens, cells, lines = [], [], []
    for line_no, line in body:
        # Split the numbers off the right: GloVe 840B has tokens that contain spaces.
        parts = line.rstrip().rsplit(None, dim)
        if len(parts) != dim + 1 or not parts[0].strip():
            raise FileFormatError(
                f"{label!r} line {line_no} has {len(line.split()) - 1} numbers after the token, expected {dim}; "
                "every row must have the same number of dimensions."
            )
        token = parts[0].strip()
        if len(token.split()) > 1 and _is_number(token.split()[-1]):
            raise FileFormatError(
                f"{label!r} line {line_no} has more than {dim} numbers; every row must have the same number of dimensions."
            )
        tokens.append(token)
        cells.append(parts[1:])
        lines.append(line_no)
    return tokens, _to_float32(cells, lines, label)


def _parse_delimited(text: str, label: str, delimiter: str) -> tuple[list[str], np.ndarray]:
    """CSV/TSV: token in the first column, numbers after; a first row that is not numbers is a header."""
    # line_num is read right after each row, so a quoted multi-line token reports its last line.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise FileFormatError(f"{label!r} line {reader.line_num}: {exc}; check the quoting.") from exc
    if rows and not all(_is_number(c) for c in rows[0][1][1:]):
        rows = rows[1:]  # header row such as "token,d0,d1,..."
    if not rows:
        raise FileFormatError(f"{label!r} has no data rows; expected 'token{delimiter}v1{delimiter}v2...'.")
    dim = len(rows[0][1]) - 1
    if dim < 1:
        raise FileFormatError(
            f"{label!r} line {rows[0][0]} has only one column; expected the token, then the numbers."
        )
    for line_no, row in rows:
        if len(row) != dim + 1:
            raise FileFormatError(
                f"{label!r} line {line_no} has {len(row)} columns, expected {dim + 1} (the token and {dim} numbers)."
            )
    tokens = [row[0] for _, row in rows]
    return tokens, _to_float32([row[1:] for _, row in rows], [ln for ln, _ in rows], label)


def _looks_like_projector_vectors(text: str) -> bool:
    """Whether the first line of a TSV is all numbers, its first field included (no token column)."""
    first = next((ln for ln in text.split("\n", 50) if ln.strip()), "")
    cells = first.rstrip("\r").split("\t")
    return all(c.strip() and _is_number(c) for c in cells)


def _parse_projector_vectors(text: str, label: str) -> np.ndarray:
    """A Projector ``vectors.tsv``: tab-separated numbers, one vector per line, no header."""
    fast = _fast_projector_vectors(text)
    if fast is not None:
        return fast
    numbered = [(i + 1, ln.rstrip("\r")) for i, ln in enumerate(text.split("\n"))]
    numbered = [(i, ln) for i, ln in numbered if ln.strip()]
    if not numbered:
        raise FileFormatError(f"{label!r} has no lines with vectors.")
    rows = [(i, ln.strip().split("\t")) for i, ln in numbered]
    dim = len(rows[0][1])
    for line_no, cells in rows:
        if len(cells) != dim:
            raise FileFormatError(
                f"{label!r} line {line_no} has {len(cells)} numbers, expected {dim} (as on line {rows[0][0]}); "
                "every vector needs the same number of dimensions."
            )
    return _to_float32(
        [c for _, c in rows], [i for i, _ in rows], label,
        hint="a Projector vectors.tsv holds only numbers (the labels belong in metadata.tsv)",
    )


def _fast_projector_vectors(text: str) -> np.ndarray | None:
    """pandas' C parser for a clean file; ``None`` sends anything unusual to the exact parser that names the line."""
    import pandas as pd

    try:
        df = pd.read_csv(io.StringIO(text), sep="\t", header=None, dtype=np.float64, engine="c",
                         skip_blank_lines=True, na_filter=False)
    except (ValueError, pd.errors.ParserError):
        return None
    vectors = df.to_numpy(dtype=np.float32)
    if vectors.ndim != 2 or vectors.size == 0 or not np.isfinite(vectors).all():
        return None
    return vectors


def _matrix(arr: np.ndarray, label: str, what: str) -> np.ndarray:
    if arr.ndim != 2:
        raise FileFormatError(f"{what} in {label!r} has shape {arr.shape}; an embedding table is 2-D (rows, dims).")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise FileFormatError(f"{what} in {label!r} holds {arr.dtype} values; vectors must be numbers.")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise FileFormatError(f"{what} in {label!r} has shape {arr.shape}; it needs at least one row and one column.")
    return arr


def _pickle_refused(label: str, exc: Exception) -> FileFormatError:
    return FileFormatError(
        f"{label!r} stores Python objects, which are never unpickled here (they can run code). "
        "Save plain arrays instead: vectors as float, tokens as np.array(tokens, dtype=str). "
        f"({exc})"
    )


def _read_npy(src: Path | bytes, label: str) -> np.ndarray:
    if isinstance(src, Path):
        with open(src, "rb") as f:
            magic = f.read(6)
    else:
        magic = src[:6]
    if magic != b"\x93NUMPY":  # np.load would otherwise try the bytes as a pickle
        raise FileFormatError(f"{label!r} is not a readable .npy array (no \\x93NUMPY signature); save it with np.save.")
    try:
        # A path is memory-mapped: a large table costs no RAM until it is read.
        arr = np.load(src, mmap_mode="r", allow_pickle=False) if isinstance(src, Path) else np.load(
            io.BytesIO(src), allow_pickle=False
        )
    except ValueError as exc:
        # Object arrays: "contains pickled data" (bytes) or "Python objects in dtype" (mmap).
        if "pickle" in str(exc).lower() or "python objects" in str(exc).lower():
            raise _pickle_refused(label, exc) from exc
        raise FileFormatError(f"{label!r} is not a readable .npy array: {exc}") from exc
    except (OSError, EOFError) as exc:
        raise FileFormatError(f"{label!r} is not a readable .npy array: {exc}") from exc
    return _matrix(arr, label, "the array")


def _read_npz(src: Path | bytes, label: str) -> tuple[np.ndarray, list[str] | None]:
    try:
        npz = np.load(src if isinstance(src, Path) else io.BytesIO(src), allow_pickle=False)
    except Exception as exc:  # zipfile.BadZipFile, OSError, ValueError: all "not an .npz"
        raise FileFormatError(f"{label!r} is not a readable .npz archive: {exc}") from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise FileFormatError(f"{label!r} is a single array, not an .npz archive; rename it to .npy.")
    with npz:
        keys = list(npz.files)
        try:
            shapes = {k: npz[k].shape for k in keys}
            vec_key = next((k for k in _VECTOR_KEYS if k in keys and len(shapes[k]) == 2), None)
            vec_key = vec_key or choose_embedding_tensor(shapes, what=repr(label))
            vectors = _matrix(npz[vec_key], label, f"array {vec_key!r}")
            tok_key = next((k for k in _TOKEN_KEYS if k in keys), None)
            tokens = None
            if tok_key is not None:
                tok = npz[tok_key]
                if tok.ndim != 1 or tok.dtype.kind not in "US":
                    raise FileFormatError(
                        f"array {tok_key!r} in {label!r} has shape {tok.shape} and dtype {tok.dtype}; "
                        "save the tokens as a 1-D string array: np.array(tokens, dtype=str)."
                    )
                tokens = [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in tok.tolist()]
        except ValueError as exc:
            if "pickle" in str(exc).lower():
                raise _pickle_refused(label, exc) from exc
            raise
    return vectors, tokens


def _read_safetensors(src: Path | bytes, label: str, tensor: str | None) -> tuple[np.ndarray, list[str] | None]:
    header = _safetensors_header(src, label)
    meta = header.pop("__metadata__", None) or {}
    shapes = {k: v.get("shape", []) for k, v in header.items() if isinstance(v, dict)}
    key = choose_embedding_tensor(shapes, tensor=tensor, what=repr(label))
    dtype = header[key].get("dtype")
    try:
        if isinstance(src, Path):
            from safetensors import safe_open

            # Only the chosen tensor is read; numpy has no bfloat16, so torch widens that one.
            with safe_open(src, framework="pt" if dtype == "BF16" else "numpy") as f:
                t = f.get_tensor(key)
            arr = t.float().numpy() if dtype == "BF16" else t
        elif dtype == "BF16":
            from safetensors.torch import load as load_pt

            arr = load_pt(src)[key].float().numpy()
        else:
            from safetensors.numpy import load

            arr = load(src)[key]
    except Exception as exc:  # SafetensorError is not exported under a stable name
        raise FileFormatError(f"{label!r} is not a readable safetensors file: {exc}") from exc
    vectors = _matrix(np.asarray(arr), label, f"tensor {key!r}")
    tokens = None
    if "tokens" in meta:
        try:
            tokens = json.loads(meta["tokens"])
        except json.JSONDecodeError as exc:
            raise FileFormatError(f"the 'tokens' metadata of {label!r} is not JSON: {exc}") from exc
        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
            raise FileFormatError(f"the 'tokens' metadata of {label!r} must be a JSON list of strings.")
    return vectors, tokens


def _safetensors_header(src: Path | bytes, label: str) -> dict:
    """The JSON header (8-byte little-endian length, then JSON), read without loading the tensors."""
    if isinstance(src, Path):
        with open(src, "rb") as f:
            head = f.read(8)
            n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
            body = f.read(n) if 0 < n <= 100_000_000 else b""
    else:
        head = src[:8]
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        body = src[8 : 8 + n] if 0 < n <= 100_000_000 else b""
    try:
        header = json.loads(body) if len(body) == n else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict):
        raise FileFormatError(f"{label!r} does not start with a safetensors header; is it really a .safetensors file?")
    return header


def _read_torch(src: Path | bytes, label: str, tensor: str | None) -> tuple[np.ndarray, list[str] | None]:
    import pickle

    import torch

    try:
        obj = torch.load(
            src if isinstance(src, Path) else io.BytesIO(src), map_location="cpu", weights_only=True
        )
    except pickle.UnpicklingError as exc:
        raise _pickle_refused(label, exc) from exc
    except Exception as exc:  # RuntimeError "invalid header", EOFError, ...
        raise FileFormatError(f"{label!r} is not a readable PyTorch file: {exc}") from exc
    tokens = None
    if isinstance(obj, torch.Tensor):
        t = obj
    elif isinstance(obj, Mapping):
        tensors = {k: v for k, v in obj.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
        t = tensors[choose_embedding_tensor({k: tuple(v.shape) for k, v in tensors.items()}, tensor=tensor, what=repr(label))]
        if "tokens" in obj:
            tokens = obj["tokens"]
            if not isinstance(tokens, (list, tuple)) or not all(isinstance(x, str) for x in tokens):
                raise FileFormatError(f"'tokens' in {label!r} must be a list of strings.")
            tokens = list(tokens)
    else:
        raise FileFormatError(
            f"{label!r} holds a {type(obj).__name__}; expected a tensor or a dict of tensors (a state_dict)."
        )
    if t.dtype.is_complex or t.dtype == torch.bool:
        raise FileFormatError(f"the tensor in {label!r} holds {t.dtype} values; vectors must be real numbers.")
    return _matrix(t.detach().to(torch.float32).numpy(), label, "the tensor"), tokens


def _decimal(x: float) -> str:
    """Nine significant digits (float32 reads back exactly), never a bare integer.

    With a decimal point, no row such as ``1 1`` can be taken for a word2vec ``rows dims`` header.
    """
    s = f"{x:.9g}"
    return s + ".0" if s.lstrip("-").isdigit() else s


# -- writing -----------------------------------------------------------------------------


def save_embeddings(table: EmbeddingTable, path: str | os.PathLike[str], *, format: Format | None = None) -> Path:  # noqa: A002
    """Write ``table`` so that :func:`read_embedding_file` gives the same rows and labels back.

    Text formats store float32 with 9 significant digits, which reads back
    bit-for-bit. Tokens that a format cannot hold (a space in a ``.txt``
    token, say) are refused with the name of a format that can.
    """
    path = Path(path)
    fmt = format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileFormatError(f"cannot tell a format from {path.name!r}; use one of {', '.join(sorted(FORMATS))}.")
    vectors = np.asarray(table.vectors, dtype=np.float32)
    if fmt in ("text", "vec"):
        for tok in table.tokens:
            # One whitespace-free word per line is the only layout every GloVe/word2vec reader agrees on.
            if tok.split() != [tok]:
                raise EmbedlabError(
                    f"token {tok!r} cannot be stored in a {path.suffix} file (it is empty or contains whitespace); "
                    "save as .csv, .npz or .safetensors instead."
                )
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            if fmt == "vec":
                f.write(f"{len(table)} {table.dim}\n")
            for tok, row in zip(table.tokens, vectors):
                f.write(tok + " " + " ".join(_decimal(x) for x in row.tolist()) + "\n")
    elif fmt in ("csv", "tsv"):
        with open(path, "w", encoding="utf-8", newline="") as f:
            # The default "\r\n" terminator makes csv quote any field with \r or \n in it.
            w = csv.writer(f, delimiter="," if fmt == "csv" else "\t")
            w.writerow(["token", *(f"d{j}" for j in range(table.dim))])
            for tok, row in zip(table.tokens, vectors):
                w.writerow([tok, *(f"{x:.9g}" for x in row.tolist())])
    elif fmt == "npy":
        np.save(path, vectors, allow_pickle=False)
    elif fmt == "npz":
        for tok in table.tokens:
            if tok.endswith("\x00"):  # numpy string arrays drop trailing NULs (GPT-2 token 188 is "\x00")
                raise EmbedlabError(
                    f"token {tok!r} ends with a NUL character, which .npz string arrays drop; "
                    "save as .safetensors or .csv instead."
                )
        # A file name without .npz would get one appended by numpy: write through a handle instead.
        with open(path, "wb") as f:
            np.savez(f, vectors=vectors, tokens=np.array(table.tokens, dtype=str))
    elif fmt == "safetensors":
        from safetensors.numpy import save_file

        save_file(
            {"vectors": np.ascontiguousarray(vectors)},
            path,
            metadata={"tokens": json.dumps(table.tokens), "name": table.name, "source": table.source},
        )
    else:
        import torch

        torch.save({"weight": torch.from_numpy(np.array(vectors)), "tokens": list(table.tokens)}, path)
    return path
