"""The input-embedding matrix of a Hugging Face model, without downloading the model.

A safetensors checkpoint is an 8-byte header length, a JSON header giving each
tensor's dtype, shape and byte range, then the raw tensors. So we read the
header (``HfApi.get_safetensors_metadata`` does it with HTTP range requests),
find the embedding matrix, and fetch only its bytes: for GPT-2 that is 154 MB of
a 548 MB file; for a 7B model about 0.5 GB of 15 GB.

The matrix is stored as a float32 ``.npy`` under the cache directory, keyed by
the commit it came from, with its sha256; later loads memory-map it, also
offline. It is written to a temporary ``.part`` file and renamed into place
only when every byte has arrived and been checked, and the entry's
``info.json`` is written last: an interrupted download (lost connection,
``progress`` raising to cancel, a killed process) never leaves a file that a
later load would use. Token labels come from the repo's ``tokenizer.json`` (or
``vocab.json`` / ``vocab.txt``); when they equal a tiktoken vocabulary the table
gets that ``encoding``, so token IDs from :mod:`embedlab.tokenizer` index it.

``positions=True`` fetches the model's learned *position* matrix instead
(GPT-2's ``wpe``, 1,024 x 768): row i is the vector added for position i, so
its rows are labelled ``"0"``, ``"1"``, ... rather than by the tokenizer.

Environment: ``HF_ENDPOINT`` (a mirror), ``HF_HUB_OFFLINE=1`` (never touch the
network: cached copies only), ``HF_TOKEN``, and ``HF_HOME``/``HF_HUB_CACHE`` (the
tokenizer files go to the usual Hugging Face cache) are honoured through
``huggingface_hub``; ``EMBEDLAB_CACHE`` moves embedlab's own cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from .embedding_files import POSITION_TENSOR_NAMES, choose_embedding_tensor
from .embeddings import EmbeddingTable
from .errors import DataIntegrityError, EmbedlabError, FileFormatError, OfflineError, ResourceError
from .memory import check_fits, estimate_bytes, format_bytes

__all__ = ["default_cache_dir", "hf_cache_entry", "load_hf_embeddings", "tokenizer_labels"]

Progress = Callable[[int, int], None]
_COMMIT = re.compile(r"[0-9a-f]{40}")
_CHUNK = 1 << 20
# safetensors dtype -> numpy dtype of the raw little-endian values (BF16 is widened by hand).
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}


# A .part file this old is left over from a process that died mid-download
# (one being written is touched every few milliseconds).
_STALE_PART_S = 600.0


def default_cache_dir() -> Path:
    """``$EMBEDLAB_CACHE``, else ``$HF_HOME/embedlab`` when ``HF_HOME`` is set, else ``~/.cache/embedlab``."""
    if os.environ.get("EMBEDLAB_CACHE"):
        return Path(os.environ["EMBEDLAB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "embedlab"
    return Path.home() / ".cache" / "embedlab"


def _entry_name(tensor: str | None, positions: bool) -> str:
    return tensor or ("positions" if positions else "default")


def hf_cache_entry(
    repo_id: str,
    *,
    positions: bool = False,
    tensor: str | None = None,
    revision: str = "main",
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path | None:
    """The complete cache folder that :func:`load_hf_embeddings` would use offline, or ``None``.

    Needs no network: it tells a page whether a model is already downloaded.
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    positional = positions or tensor in POSITION_TENSOR_NAMES
    return _cached_entry(root / "hf" / repo_id.replace("/", "--"), revision, _entry_name(tensor, positional))


def load_hf_embeddings(
    repo_id: str,
    *,
    positions: bool = False,
    revision: str = "main",
    tensor: str | None = None,
    encoding: str | None = None,
    endpoint: str | None = None,
    token: str | bool | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> EmbeddingTable:
    """The input-embedding table of ``repo_id`` (a safetensors model on the Hub).

    Args:
        repo_id: e.g. ``"openai-community/gpt2"``.
        positions: fetch the learned position matrix instead (GPT-2's ``wpe``,
            found by :data:`~embedlab.embedding_files.POSITION_TENSOR_NAMES`);
            rows are labelled by position (``"0"``, ``"1"``, ...). Naming one of
            those tensors with ``tensor=`` implies it.
        revision: branch, tag or commit; resolved to a commit so the cache is exact.
        tensor: the matrix's name when the usual names (``wte.weight``,
            ``model.embed_tokens.weight``, ...) do not find it.
        encoding: a tiktoken encoding whose vocabulary labels the rows (skips the
            tokenizer download); by default detected from the repo's tokenizer.
        endpoint: the Hub's URL (default: ``$HF_ENDPOINT`` or huggingface.co).
        token: access token for gated/private repos (``huggingface_hub`` semantics).
        cache_dir: where matrices are kept (default :func:`default_cache_dir`).
        progress: called as ``progress(bytes_done, bytes_total)`` while downloading
            (about once per MB). It may raise to cancel: the partial file is deleted.
        timeout: seconds to wait for the server on each request.

    Raises:
        OfflineError: the Hub cannot be reached and nothing is cached.
        EmbedlabError: unknown repo/revision, gated repo, no embedding matrix.
        ResourceError: the matrix would not fit in memory or on disk.
    """
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise EmbedlabError(f"{repo_id!r} is not a Hugging Face repo id; use 'name' or 'owner/name'. ({exc})") from exc
    positions = positions or tensor in POSITION_TENSOR_NAMES
    if positions and encoding is not None:
        raise EmbedlabError(
            f"encoding={encoding!r} labels token rows, but a position matrix is labelled by position; "
            "leave encoding out with positions=True."
        )
    explicit_cache = cache_dir is not None or bool(os.environ.get("EMBEDLAB_CACHE"))
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    repo_dir = root / "hf" / repo_id.replace("/", "--")
    entry_name = _entry_name(tensor, positions)

    fresh = False  # a matrix written just now need not be hashed a second time
    if _COMMIT.fullmatch(revision) and _complete(repo_dir / revision / entry_name):
        entry = repo_dir / revision / entry_name  # an exact commit that is cached: no network at all
    else:
        try:
            entry, fresh = _download(
                repo_id, revision=revision, tensor=tensor, positions=positions, encoding=encoding,
                endpoint=endpoint, token=token, hub_cache=root / "hub" if explicit_cache else None,
                repo_dir=repo_dir, entry_name=entry_name, progress=progress, timeout=timeout,
            )
        except OfflineError as exc:
            entry = _cached_entry(repo_dir, revision, entry_name)
            if entry is None:
                raise OfflineError(_offline_message(repo_id, exc, repo_dir, endpoint)) from exc
            warnings.warn(
                f"The Hugging Face Hub is not reachable; using the copy of hf:{repo_id} cached at {entry}.",
                stacklevel=2,
            )
    return _table_from(entry, encoding, verify=not fresh)


def _offline_message(repo_id: str, exc: Exception, repo_dir: Path, endpoint: str | None) -> str:
    """What went wrong and what to do, for a model that is neither reachable nor cached."""
    import huggingface_hub.constants as hf

    if hf.HF_HUB_OFFLINE:
        why = (
            "HF_HUB_OFFLINE=1 is set, so nothing is downloaded. Unset HF_HUB_OFFLINE (with an internet "
            "connection) to download it once"
        )
    else:
        why = (
            f"the Hub at {endpoint or hf.ENDPOINT} cannot be reached ({exc}). Connect to the internet "
            "(or set HF_ENDPOINT to a reachable mirror) and try again to download it once"
        )
    return (
        f"could not download hf:{repo_id} from the Hugging Face Hub, and no copy is cached in {repo_dir}: {why}; "
        "after that it works offline. Or copy that folder from a machine that has it (EMBEDLAB_CACHE sets where "
        "the cache is). Meanwhile, choose GloVe or a file of your own."
    )


# -- cache ---------------------------------------------------------------------------------


def _complete(entry: Path) -> bool:
    return (entry / "info.json").is_file()  # written last, so its presence means complete


def _ref_file(repo_dir: Path, revision: str) -> Path:
    return repo_dir / "refs" / quote(revision, safe="")


def _cached_entry(repo_dir: Path, revision: str, entry_name: str) -> Path | None:
    ref = _ref_file(repo_dir, revision)
    commit = revision if _COMMIT.fullmatch(revision) else (ref.read_text().strip() if ref.is_file() else None)
    entry = repo_dir / commit / entry_name if commit else None
    return entry if entry is not None and _complete(entry) else None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _remove_stale_parts(entry: Path) -> None:
    """Delete partial downloads left by a process that died: never read, but up to GBs on disk."""
    now = time.time()
    for part in entry.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > _STALE_PART_S:
                part.unlink()
        except OSError:  # another process finished or removed it meanwhile
            pass


def _table_from(entry: Path, encoding: str | None, *, verify: bool = True) -> EmbeddingTable:
    info = json.loads((entry / "info.json").read_text(encoding="utf-8"))
    npy = entry / "vectors.npy"
    if not npy.is_file() or (verify and _sha256(npy) != info["npy_sha256"]):
        raise DataIntegrityError(
            f"the cached matrix {npy} is missing or damaged (sha256 differs from the one recorded at download); "
            f"delete the folder {entry} and load hf:{info['repo_id']} again."
        )
    vectors = np.load(npy, mmap_mode="r", allow_pickle=False)
    labels = json.loads((entry / "tokens.json").read_text(encoding="utf-8"))
    enc = info.get("encoding")
    if encoding is not None and encoding != enc and info.get("kind") != "positions":
        labels, enc = _rows_labelled_by(encoding, len(vectors), info["repo_id"]), encoding
    rows, dim = info["shape"]
    positional = info.get("kind") == "positions"
    return EmbeddingTable(
        vectors,
        labels,
        name=f"{info['repo_id']} ({'position' if positional else 'input'} embeddings)",
        source=(
            f"Hugging Face {info['repo_id']} @ {info['commit'][:7]}: tensor {info['tensor']!r}, {info['dtype']} "
            f"{rows:,} x {dim:,}{' (learned positions: row i is added at position i)' if positional else ''}. "
            f"Downloaded {format_bytes(info['bytes_downloaded'])} of the "
            f"{format_bytes(info['file_size'])} file {info['filename']} by byte range."
        ),
        word_level=False,
        encoding=enc,
    )


# -- download ------------------------------------------------------------------------------


def _download(
    repo_id: str,
    *,
    revision: str,
    tensor: str | None,
    positions: bool,
    encoding: str | None,
    endpoint: str | None,
    token: str | bool | None,
    hub_cache: Path | None,
    repo_dir: Path,
    entry_name: str,
    progress: Progress | None,
    timeout: float,
) -> tuple[Path, bool]:
    """The cache entry for ``repo_id@revision`` and whether it was downloaded just now."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    with _hub_errors(repo_id, revision):
        info = api.model_info(repo_id, revision=revision, timeout=timeout)
        commit = info.sha
        if not commit:
            raise FileFormatError(f"the Hub gave no commit for hf:{repo_id}@{revision}.")
        entry = repo_dir / commit / entry_name
        fresh = not _complete(entry)
        if fresh:
            _fetch_entry(api, repo_id, commit, tensor, positions, encoding, info, hub_cache, entry, progress, timeout)
    _ref_file(repo_dir, revision).parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(_ref_file(repo_dir, revision), commit)
    return entry, fresh


def _fetch_entry(api, repo_id, commit, tensor, positions, encoding, info, hub_cache, entry, progress, timeout) -> None:  # noqa: ANN001, E501
    from huggingface_hub import hf_hub_url
    from huggingface_hub.errors import NotASafetensorsRepoError, SafetensorsParsingError
    from huggingface_hub.utils import build_hf_headers

    try:
        meta = api.get_safetensors_metadata(repo_id, revision=commit, timeout=timeout)
    except NotASafetensorsRepoError as exc:
        raise FileFormatError(
            f"hf:{repo_id} has no model.safetensors (or index); only safetensors checkpoints can be read by "
            "byte range. Pick a repo that has one, or download the weights and load them as a file."
        ) from exc
    except SafetensorsParsingError as exc:
        raise FileFormatError(f"the safetensors header of hf:{repo_id} cannot be parsed: {exc}") from exc
    shapes = {name: ti.shape for fm in meta.files_metadata.values() for name, ti in fm.tensors.items()}
    name = choose_embedding_tensor(shapes, tensor=tensor, what=f"hf:{repo_id}", positions=positions)
    filename = meta.weight_map[name]
    ti = meta.files_metadata[filename].tensors[name]
    if ti.dtype not in _DTYPES:
        raise FileFormatError(
            f"tensor {name!r} of hf:{repo_id} is {ti.dtype}; only {', '.join(_DTYPES)} matrices can be shown."
        )
    rows, dim = (int(s) for s in ti.shape)
    out_bytes = estimate_bytes((rows, dim), np.float32)
    kind = "position" if positions else "embedding"
    check_fits(out_bytes, what=f"the {rows:,} x {dim:,} {kind} matrix of hf:{repo_id}")
    entry.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(entry)
    free = shutil.disk_usage(entry).free
    if out_bytes > free:
        raise ResourceError(
            f"the embedding matrix of hf:{repo_id} needs {format_bytes(out_bytes)} on disk but only "
            f"{format_bytes(free)} is free in {entry}; free some space or pass cache_dir=.",
            needed_bytes=out_bytes,
            available_bytes=free,
        )

    # Labels first: they are small, and a broken tokenizer should fail before a long download.
    if positions:
        labels, enc = [str(i) for i in range(rows)], None
    else:
        labels, enc = _labels(api, repo_id, commit, info, encoding, rows, hub_cache, timeout)

    url = hf_hub_url(repo_id, filename, revision=commit, endpoint=api.endpoint)
    headers = build_hf_headers(token=api.token)  # the Hub's own auth and user-agent headers
    header_len = int.from_bytes(_get_range(url, headers, 0, 7, timeout), "little")
    begin, end = (int(x) for x in ti.data_offsets)
    start = 8 + header_len + begin
    npy = entry / "vectors.npy"
    file_size = _stream_matrix(url, headers, start, end - begin, ti.dtype, (rows, dim), npy, progress, timeout)

    _write_atomic(entry / "tokens.json", json.dumps(labels, ensure_ascii=False))
    _write_atomic(
        entry / "info.json",
        json.dumps(
            {
                "repo_id": repo_id, "commit": commit, "filename": filename, "tensor": name, "dtype": ti.dtype,
                "kind": "positions" if positions else "tokens",
                "shape": [rows, dim], "byte_start": start, "bytes_downloaded": end - begin, "file_size": file_size,
                "encoding": enc, "npy_sha256": _sha256(npy), "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
            indent=1,
        ),
    )


def _get_range(url: str, headers: Mapping[str, str], first: int, last: int, timeout: float) -> bytes:
    """Bytes ``first..last`` of ``url``; streamed, so a server that ignores ranges costs one chunk, not the file."""
    from huggingface_hub.utils import get_session, hf_raise_for_status

    want = last - first + 1
    with get_session().stream(
        "GET", url, headers={**headers, "Range": f"bytes={first}-{last}"}, timeout=timeout, follow_redirects=True
    ) as r:
        hf_raise_for_status(r)
        if r.status_code != 206:
            raise FileFormatError(
                f"{url} ignored the byte range {first}-{last} (HTTP {r.status_code}); "
                "only a server that supports range requests can be used."
            )
        data = b""
        for chunk in r.iter_bytes():
            data += chunk
            if len(data) >= want:
                break
    if len(data) != want:
        raise OfflineError(f"{url} sent {len(data)} of the {want} bytes asked for; try again.")
    return data[:want]


def _stream_matrix(
    url: str, headers: Mapping[str, str], start: int, nbytes: int, dtype: str, shape: tuple[int, int],
    npy: Path, progress: Progress | None, timeout: float,
) -> int:
    """Fetch bytes ``start .. start+nbytes-1`` and write them as float32 ``.npy``; returns the file's size."""
    from huggingface_hub.utils import get_session, hf_raise_for_status

    raw = np.dtype(_DTYPES[dtype])
    if nbytes != shape[0] * shape[1] * raw.itemsize:
        raise FileFormatError(f"the header of {url} gives {nbytes} bytes for a {dtype} {shape} tensor; it is damaged.")
    tmp = npy.with_name(f".{npy.name}.{uuid.uuid4().hex}.part")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=shape)
    flat = out.reshape(-1)
    done, pos, carry = 0, 0, b""
    try:
        headers = {**headers, "Range": f"bytes={start}-{start + nbytes - 1}", "Accept-Encoding": "identity"}
        with get_session().stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as r:
            hf_raise_for_status(r)
            content_range = r.headers.get("Content-Range", "")
            if r.status_code != 206 or not content_range.startswith(f"bytes {start}-{start + nbytes - 1}/"):
                raise FileFormatError(
                    f"{url} did not honour the byte range (HTTP {r.status_code}, Content-Range {content_range!r}); "
                    "refusing to download the whole checkpoint."
                )
            file_size = int(content_range.rsplit("/", 1)[1]) if content_range.rsplit("/", 1)[1].isdigit() else -1
            if progress is not None:
                progress(0, nbytes)  # the total is known now: a progress bar can start
            for chunk in r.iter_bytes(_CHUNK):
                if done + len(chunk) > nbytes:
                    raise FileFormatError(f"{url} sent more than the {nbytes} bytes asked for.")
                done += len(chunk)
                buf = carry + chunk
                usable = len(buf) - len(buf) % raw.itemsize
                values = np.frombuffer(buf[:usable], dtype=raw)
                flat[pos : pos + len(values)] = _widen(values, dtype)
                pos += len(values)
                carry = buf[usable:]
                if progress is not None:
                    progress(done, nbytes)
        if done != nbytes:
            raise OfflineError(f"the download of {url} stopped after {done:,} of {nbytes:,} bytes; try again.")
        out.flush()
        del out, flat
        if not np.isfinite(np.load(tmp, mmap_mode="r")).all():
            raise FileFormatError(f"the embedding matrix at {url} contains NaN or infinity.")
        os.replace(tmp, npy)
    finally:
        tmp.unlink(missing_ok=True)
    return file_size


def _widen(values: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "BF16":  # bfloat16 is the top half of a float32
        return (values.astype(np.uint32) << 16).view(np.float32)
    return values.astype(np.float32)


class _hub_errors:  # noqa: N801 - used as a context manager
    """Turn huggingface_hub / network exceptions into embedlab errors with a fix in the message."""

    def __init__(self, repo_id: str, revision: str):
        self.repo_id, self.revision = repo_id, revision

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, EmbedlabError):
            return False
        import httpx2
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            OfflineModeIsEnabled,
            RemoteEntryNotFoundError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        where = f"hf:{self.repo_id}"
        if isinstance(exc, (OfflineModeIsEnabled, httpx2.TransportError)):
            raise OfflineError(f"{type(exc).__name__}: {exc}".splitlines()[0]) from exc
        if isinstance(exc, GatedRepoError):
            raise EmbedlabError(
                f"{where} is gated: accept its licence on the Hub and pass an access token (token=...)."
            ) from exc
        if isinstance(exc, RepositoryNotFoundError):
            raise EmbedlabError(
                f"{where}: no such model repo on the Hub (or it is private: pass token=). Check the spelling."
            ) from exc
        if isinstance(exc, RevisionNotFoundError):
            raise EmbedlabError(f"{where} has no revision {self.revision!r}; use a branch, tag or commit that exists.") from exc
        if isinstance(exc, RemoteEntryNotFoundError):
            raise FileFormatError(f"{where}: a file the checkpoint refers to is missing ({exc}).".splitlines()[0]) from exc
        if isinstance(exc, HfHubHTTPError):
            status = exc.response.status_code if exc.response is not None else "?"
            if isinstance(status, int) and status >= 500:
                raise OfflineError(f"the Hub answered HTTP {status} for {where}; try again later.") from exc
            raise EmbedlabError(f"the Hub refused the request for {where} (HTTP {status}).") from exc
        if isinstance(exc, OSError):  # the local cache: permissions, a full disk, ...
            raise EmbedlabError(
                f"could not write the download of {where} to the cache ({exc}); set EMBEDLAB_CACHE "
                "(or pass cache_dir=) to a writable folder with free space."
            ) from exc
        return False


# -- token labels ------------------------------------------------------------------------------


def _labels(api, repo_id, commit, info, encoding, rows, hub_cache, timeout) -> tuple[list[str], str | None]:  # noqa: ANN001
    if encoding is not None:
        return _rows_labelled_by(encoding, rows, repo_id), encoding
    files = {s.rfilename for s in (info.siblings or [])}
    vocab: list[str] | None = None
    for fname in ("tokenizer.json", "vocab.json", "vocab.txt"):
        if files and fname not in files:
            continue
        try:
            # hub_cache None: huggingface_hub's own cache (HF_HOME / HF_HUB_CACHE), shared with transformers.
            path = api.hf_hub_download(repo_id, fname, revision=commit, cache_dir=hub_cache, etag_timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - a missing tokenizer file only costs the labels
            from huggingface_hub.errors import EntryNotFoundError

            if isinstance(exc, EntryNotFoundError):
                continue
            raise
        vocab = _labels_from_file(Path(path), fname, repo_id)
        break
    if vocab is None:
        return [str(i) for i in range(rows)], None
    enc = _matching_encoding(vocab)
    return _pad(vocab, rows, repo_id), enc


def _rows_labelled_by(encoding: str, rows: int, repo_id: str) -> list[str]:
    from .tokenizer import vocabulary

    return _pad(list(vocabulary(encoding)), rows, repo_id, what=f"the {encoding!r} vocabulary")


def _pad(vocab: list[str], rows: int, repo_id: str, what: str = "its tokenizer") -> list[str]:
    """One label per matrix row: checkpoints often pad the matrix to a multiple of 64 rows."""
    if len(vocab) > rows:
        raise EmbedlabError(
            f"{what} has {len(vocab):,} tokens but the embedding matrix of hf:{repo_id} has only {rows:,} rows; "
            "they do not belong together."
        )
    return vocab + [f"<unused {i}>" for i in range(len(vocab), rows)]


def _matching_encoding(vocab: list[str]) -> str | None:
    from .tokenizer import ENCODINGS, get_encoding, vocabulary

    for name in ENCODINGS:
        if get_encoding(name).n_vocab == len(vocab) and list(vocabulary(name)) == vocab:
            return name
    return None


def _labels_from_file(path: Path, fname: str, repo_id: str) -> list[str]:
    try:
        if fname == "vocab.txt":  # WordPiece: line i is token i
            return path.read_text(encoding="utf-8").rstrip("\n").split("\n")
        data = json.loads(path.read_text(encoding="utf-8"))
        if fname == "vocab.json":  # GPT-2 style: byte-level BPE vocabulary
            return tokenizer_labels({"model": {"vocab": data}, "decoder": {"type": "ByteLevel"}})
        return tokenizer_labels(data)
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError, KeyError) as exc:
        raise FileFormatError(f"{fname} of hf:{repo_id} cannot be read: {exc}") from exc


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's printable stand-in for each byte (Ġ for a space): the table every byte-level BPE uses."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


_BYTE_OF = {c: b for b, c in _bytes_to_unicode().items()}


def _uses(component: object, kind: str) -> bool:
    """Whether a tokenizer.json component (possibly a Sequence) includes a step of type ``kind``."""
    if isinstance(component, Mapping):
        if component.get("type") == kind:
            return True
        return any(_uses(c, kind) for key in ("decoders", "pretokenizers") for c in component.get(key) or [])
    return False


def tokenizer_labels(data: Mapping[str, Any]) -> list[str]:
    """A display label per token ID from a parsed ``tokenizer.json``, like :func:`embedlab.tokenizer.vocabulary`.

    Byte-level BPE pieces (``Ġcat``) are turned back into text (`` cat``),
    partial UTF-8 shown as ``\\xNN``; SentencePiece's ``▁`` becomes a space;
    WordPiece pieces (``##ing``) and added/special tokens are kept as written.
    IDs that nothing uses get ``<unused N>``.
    """
    model = data.get("model") or {}
    vocab = model.get("vocab")
    if isinstance(vocab, Mapping):
        pairs = [(int(i), str(tok)) for tok, i in vocab.items()]
    elif isinstance(vocab, list):  # Unigram: [[piece, score], ...] in ID order
        pairs = [(i, str(entry[0])) for i, entry in enumerate(vocab)]
    else:
        raise ValueError("tokenizer.json has no model.vocab")
    added = {int(t["id"]): str(t["content"]) for t in data.get("added_tokens") or []}
    byte_level = _uses(data.get("decoder"), "ByteLevel") or _uses(data.get("pre_tokenizer"), "ByteLevel")
    metaspace = _uses(data.get("decoder"), "Metaspace") or _uses(data.get("pre_tokenizer"), "Metaspace") or any(
        isinstance(d, Mapping) and d.get("type") == "Replace" and (d.get("pattern") or {}).get("String") == "▁"
        for d in (data.get("decoder") or {}).get("decoders") or []
    )
    size = max([i for i, _ in pairs] + list(added) + [-1]) + 1
    labels: list[str | None] = [None] * size
    for i, piece in pairs:
        if byte_level and all(c in _BYTE_OF for c in piece):
            piece = bytes(_BYTE_OF[c] for c in piece).decode("utf-8", errors="backslashreplace")
        elif metaspace:
            piece = piece.replace("▁", " ")
        labels[i] = piece
    for i, content in added.items():
        labels[i] = content
    return [lab if lab is not None else f"<unused {i}>" for i, lab in enumerate(labels)]
