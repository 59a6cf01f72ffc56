"""Text to train on: the built-in teaching corpus, user text, and its tokenisation.

The teaching corpus is generated from sentence templates with a seed. Each
category (pets, farm animals, fruits, vehicles, colours, countries) has its own
templates, so its words share contexts ("the vet said our ___ is healthy") that
other categories' words never appear in; a minority of shared templates
("look at that ___ over there") mixes them, as real text does. That is exactly
the signal word2vec and next-token prediction turn into nearby vectors, and it
is strong enough that the categories separate in seconds on two CPU cores.

A :class:`Corpus` is the tokenised text as one flat array of *training rows*
plus segment boundaries (a segment is a line: context windows never cross it).
Training rows are a compact vocabulary -- only the tokens that occur, most
frequent first -- so a tiktoken corpus trains a few hundred rows instead of
50,257; :attr:`Corpus.token_ids` maps each row back to its real token ID, so
the trained table lines up with the Tokens and Embeddings pages.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import regex

from .errors import EmbedlabError, FileFormatError, ResourceError
from .memory import format_bytes

__all__ = [
    "MAX_TEXT_BYTES",
    "TEACHING_CATEGORIES",
    "TOKENIZATIONS",
    "Corpus",
    "build_corpus",
    "read_text",
    "teaching_corpus",
    "teaching_text",
    "word_tokens",
]

#: Largest text accepted for training (pasted or uploaded), in bytes of UTF-8.
#: 20 MB of English is about 4 million words: minutes of training, not hours,
#: and the token arrays stay around 50 MB.
MAX_TEXT_BYTES = 20_000_000

#: ``"words"`` (lowercased words) or one of the tiktoken encodings.
TOKENIZATIONS: tuple[str, ...] = ("words", "gpt2", "cl100k_base", "o200k_base")

#: The teaching corpus's categories, written as they appear in its text. Every
#: word is common English that GloVe knows (lowercased), and a single token
#: (with its leading space) in gpt2, cl100k_base and o200k_base, so each word
#: is one row in every tokenisation.
TEACHING_CATEGORIES: dict[str, tuple[str, ...]] = {
    "pets": ("cat", "dog", "puppy", "kitten", "rabbit", "turtle"),
    "farm animals": ("cow", "pig", "sheep", "goat", "horse", "duck"),
    "fruits": ("apple", "banana", "pear", "grape", "cherry", "peach"),
    "vehicles": ("car", "bus", "truck", "train", "bicycle", "taxi"),
    "colours": ("red", "blue", "green", "yellow", "purple", "pink"),
    "countries": ("France", "Germany", "Japan", "Brazil", "Canada", "Mexico"),
}

_NAMES = ("Emma", "Liam", "Noah", "Olivia", "Mia", "Lucas", "Sara", "Omar", "Yuki", "Ana", "Leo", "Maya")

# Slot names: {pets} {pets2} ... draw a word of that category (the "2" slot a
# different one), {animal} a pet or farm animal, {thing} any noun category,
# {name} a person. A category slot is never first in a sentence, so with
# tiktoken it is always the " word" token (leading space), one row per word.
_TEMPLATES: dict[str, tuple[str, ...]] = {
    "pets": (
        "My {pets} sleeps on the sofa all afternoon.",
        "The vet said that our {pets} is healthy.",
        "{name} gave the {pets} a bowl of fresh water.",
        "The little {pets} plays with a toy on the rug.",
        "We adopted a {pets} from the animal shelter.",
        "At night the {pets} curls up on the bed next to {name}.",
        "{name} takes the {pets} to the vet once a year.",
        "Our neighbours asked us to look after their {pets} for the weekend.",
        "The {pets} wears a collar with a small name tag.",
    ),
    "farm animals": (
        "The farmer feeds the {farm animals} in the barn every morning.",
        "A {farm animals} was grazing in the field behind the farm.",
        "{name} watched the {farm animals} walk out of the barn into the muddy yard.",
        "On the farm we saw a {farm animals} next to a {farm animals2}.",
        "The {farm animals} stood by the fence near the hay.",
        "Every evening the farmer brings the {farm animals} back to the barn.",
        "The old {farm animals} lives on a farm in the countryside.",
        "The farmer sold a {farm animals} at the market in the village.",
    ),
    "fruits": (
        "{name} ate a ripe {fruits} for breakfast.",
        "The {fruits} was sweet and juicy.",
        "She cut the {fruits} with a knife and shared it.",
        "He picked a fresh {fruits} in the orchard.",
        "For dessert we had a {fruits} with yogurt.",
        "Wash the {fruits} before you eat it.",
        "A slice of {fruits} tastes great in a smoothie.",
        "The juice of a {fruits} and a {fruits2} makes a good drink.",
    ),
    "vehicles": (
        "{name} took the {vehicles} to work in the city.",
        "The {vehicles} was stuck in heavy traffic on the road.",
        "We waited for the {vehicles} at the station for ten minutes.",
        "The {vehicles} needs new tyres and more fuel.",
        "The driver parked the {vehicles} outside the office.",
        "A {vehicles} drove past us on the busy street.",
        "The {vehicles} broke down on the motorway last night.",
        "It is faster to go by {vehicles} than by {vehicles2} in rush hour.",
    ),
    "colours": (
        "She painted the kitchen wall {colours}.",
        "His favourite colour is {colours}.",
        "The artist mixed {colours} paint with {colours2} paint.",
        "{name} wore a {colours} shirt and a {colours2} scarf.",
        "The sky turned {colours} and {colours2} at sunset.",
        "Choose the {colours} pencil to colour the picture.",
        "The walls of the room are bright {colours}.",
    ),
    "countries": (
        "{name} flew to {countries} last summer.",
        "The capital of {countries} is a large city.",
        "People in {countries} speak their own language.",
        "The football team of {countries} beat {countries2} in the final.",
        "The president of {countries} visited {countries2} this week.",
        "{name} was born in {countries} and moved abroad.",
        "We spent two weeks travelling across {countries} on holiday.",
        "The border between {countries} and {countries2} is long.",
    ),
    # Shared contexts: animals share some with each other, all nouns share a few.
    "animals": (
        "The {animal} has four legs and a tail.",
        "The {animal} ate all of its food.",
        "The {animal} was sleeping in the sun.",
    ),
    "things": (
        "{name} took a photo of the {thing}.",
        "There is a {thing} in this picture.",
        "Look at that {thing} over there.",
    ),
}
# How often each template group is drawn: mostly category-specific sentences.
_GROUP_WEIGHTS: dict[str, float] = {
    "pets": 14, "farm animals": 14, "fruits": 14, "vehicles": 14, "colours": 14, "countries": 14,
    "animals": 8, "things": 8,
}
_SLOT = regex.compile(r"\{([a-z ]+?)(2?)\}")
_AN = regex.compile(r"\b([Aa]) (?=[aeiou])")  # "a apple" -> "an apple"


def teaching_text(*, seed: int = 0, n_sentences: int = 6000) -> str:
    """The teaching corpus: ``n_sentences`` template sentences, one per line.

    The same ``seed`` gives the same text (it uses :class:`random.Random`,
    whose sequence Python guarantees across platforms and versions).
    6,000 sentences are about 250 kB.
    """
    if n_sentences < 1 or n_sentences > 100_000:
        raise EmbedlabError(f"n_sentences={n_sentences} is out of range: choose 1 to 100,000")
    rng = random.Random(seed)
    groups = list(_GROUP_WEIGHTS)
    weights = [_GROUP_WEIGHTS[g] for g in groups]
    pools = dict(TEACHING_CATEGORIES)
    pools["animal"] = TEACHING_CATEGORIES["pets"] + TEACHING_CATEGORIES["farm animals"]
    pools["thing"] = pools["animal"] + TEACHING_CATEGORIES["fruits"] + TEACHING_CATEGORIES["vehicles"]
    pools["name"] = _NAMES
    lines = []
    for group in rng.choices(groups, weights=weights, k=n_sentences):
        template = rng.choice(_TEMPLATES[group])
        first: dict[str, str] = {}

        def fill(m: regex.Match) -> str:
            slot, second = m.group(1), m.group(2)
            pool = pools[slot]
            if second:  # a different word of the same category
                pool = tuple(w for w in pool if w != first.get(slot))
            word = rng.choice(pool)
            first.setdefault(slot, word)
            return word

        lines.append(_AN.sub(r"\1n ", _SLOT.sub(fill, template)))
    return "\n".join(lines) + "\n"


_WORD = regex.compile(r"\p{L}+(?:['’]\p{L}+)*|\p{N}+")


def word_tokens(text: str) -> list[str]:
    """Lowercased words (letters, with inner apostrophes, or digit runs); punctuation dropped.

    >>> word_tokens("The cat's toy, 2 dogs!")
    ["the", "cat's", "toy", "2", "dogs"]
    """
    return [w.lower() for w in _WORD.findall(text)]


def read_text(data: bytes | str, *, name: str = "text", max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Check pasted or uploaded text and return it as ``str``.

    Refuses (with :class:`~embedlab.errors.EmbedlabError` subclasses whose
    message says what to do): more than ``max_bytes`` bytes of UTF-8, bytes
    that are not UTF-8 (naming the first bad byte and its offset), binary
    files (NUL bytes), and text without a single word. A UTF-8 byte-order mark
    is dropped.
    """
    if isinstance(data, str):
        size = len(data.encode("utf-8", errors="surrogatepass"))
    elif isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        size = len(data)
    else:
        raise EmbedlabError(f"{name}: expected text or bytes, got {type(data).__name__}")
    if size > max_bytes:
        raise ResourceError(
            f"{name} is {format_bytes(size)}; the limit for training text is {format_bytes(max_bytes)}. "
            "Use a shorter excerpt.",
            needed_bytes=size,
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise FileFormatError(
                f"{name} is not UTF-8 text: byte 0x{data[e.start]:02x} at offset {e.start:,} cannot be decoded. "
                "Save the file as UTF-8 (most editors offer it under 'Save as… / Encoding') and upload it again."
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if "\x00" in text:
        raise FileFormatError(
            f"{name} contains NUL bytes (first at character {text.index(chr(0)):,}), so it looks like a binary "
            "file, not text. Upload a plain .txt file."
        )
    if not _WORD.search(text):
        raise EmbedlabError(f"{name} contains no words to train on. Paste or upload some text.")
    return text


@dataclass(frozen=True, eq=False)
class Corpus:
    """A tokenised text, ready to train on.

    ``ids`` indexes ``tokens`` (the training vocabulary, most frequent first);
    ``segments`` holds the start offset of each line plus ``len(ids)`` at the
    end, so segment ``s`` is ``ids[segments[s]:segments[s+1]]``.
    """

    name: str
    tokenization: str
    tokens: tuple[str, ...]
    ids: np.ndarray
    segments: np.ndarray
    counts: np.ndarray
    #: For tiktoken corpora, the real token ID of each training row; ``None`` for words.
    token_ids: np.ndarray | None = None
    #: Category name -> the rows' labels, for the teaching corpus (empty for user text).
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    n_text_bytes: int = 0
    #: Tokens left out of training by ``min_count``/``max_vocab``.
    n_dropped: int = 0
    #: Things the UI should show (e.g. "12,345 rare words were left out").
    warnings: tuple[str, ...] = ()

    @property
    def encoding(self) -> str | None:
        """The tiktoken encoding whose IDs the rows stand for, or ``None`` for words."""
        return None if self.tokenization == "words" else self.tokenization

    @property
    def vocab_size(self) -> int:
        """Rows in the training vocabulary."""
        return len(self.tokens)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def index_of(self, token: str) -> int | None:
        """Training row of ``token``: a word (any case) for word corpora; for tiktoken the
        exact token text, else the word with a leading space (``"cat"`` -> ``" cat"``)."""
        lookup = self._lookup()
        if self.tokenization == "words":
            return lookup.get(token.strip().lower())
        for cand in (token, " " + token.lstrip()):
            if cand in lookup:
                return lookup[cand]
        return None

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self.index_of(token) is not None

    def _lookup(self) -> dict[str, int]:
        cache = self.__dict__.get("_lookup_cache")
        if cache is None:
            cache = {t: i for i, t in enumerate(self.tokens)}
            object.__setattr__(self, "_lookup_cache", cache)
        return cache

    def describe(self) -> str:
        """One line for the page: size, tokenisation, vocabulary."""
        how = "words" if self.tokenization == "words" else f"{self.tokenization} tokens"
        return (
            f"{self.name}: {len(self):,} {how} in {len(self.segments) - 1:,} lines, "
            f"{self.vocab_size:,} distinct ({format_bytes(self.n_text_bytes)} of text)"
        )


def _segment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def build_corpus(
    text: str,
    *,
    tokenization: str = "words",
    name: str = "text",
    min_count: int = 1,
    max_vocab: int = 30_000,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> Corpus:
    """Tokenise ``text`` (lines are segments) into a :class:`Corpus`.

    ``tokenization`` is ``"words"`` or a tiktoken encoding name. Tokens seen
    fewer than ``min_count`` times, or beyond the ``max_vocab`` most frequent,
    are left out, as word2vec does (the corpus's ``warnings`` say how many).
    ``categories`` (category -> words) are resolved to training rows; words
    the corpus lacks are skipped.
    """
    if tokenization not in TOKENIZATIONS:
        raise EmbedlabError(f"unknown tokenization {tokenization!r}; choose one of {', '.join(TOKENIZATIONS)}")
    if min_count < 1:
        raise EmbedlabError(f"min_count={min_count} must be at least 1")
    if max_vocab < 2:
        raise EmbedlabError(f"max_vocab={max_vocab} must be at least 2")
    lines = _segment_lines(text)
    n_bytes = len(text.encode("utf-8", errors="surrogatepass"))
    warnings: list[str] = []
    token_ids: np.ndarray | None = None
    if tokenization == "words":
        seqs = [word_tokens(line) for line in lines]
        counter = Counter(w for s in seqs for w in s)
        # Most frequent first; ties in alphabetical order so the row order is stable.
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        kept = [(w, c) for w, c in ranked if c >= min_count][:max_vocab]
        tokens = tuple(w for w, _ in kept)
        row = {w: i for i, w in enumerate(tokens)}
        flat = [[row[w] for w in s if w in row] for s in seqs]
        n_total = sum(counter.values())
    else:
        from .tokenizer import get_encoding, sanitize_text, vocabulary

        enc = get_encoding(tokenization)
        lines = [sanitize_text(line)[0] for line in lines]
        encoded = enc.encode_ordinary_batch(lines)
        all_ids = np.fromiter((i for s in encoded for i in s), dtype=np.int64)
        uniq, cnt = np.unique(all_ids, return_counts=True)
        order = np.lexsort((uniq, -cnt))  # count descending, then ID ascending
        keep = order[cnt[order] >= min_count][:max_vocab]
        token_ids = uniq[keep]
        labels = vocabulary(tokenization)
        tokens = tuple(labels[int(t)] for t in token_ids)
        row_of = np.full(enc.n_vocab, -1, dtype=np.int64)
        row_of[token_ids] = np.arange(len(token_ids))
        flat = []
        for s in encoded:
            r = row_of[np.asarray(s, dtype=np.int64)] if s else np.zeros(0, dtype=np.int64)
            flat.append(r[r >= 0])
        n_total = int(all_ids.shape[0])
    lengths = np.fromiter((len(s) for s in flat), dtype=np.int64, count=len(flat))
    segments = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ids = (np.concatenate([np.asarray(s, dtype=np.int64) for s in flat]) if flat
           else np.zeros(0, dtype=np.int64))
    if ids.shape[0] < 2:
        raise EmbedlabError(f"{name} has fewer than two tokens to train on; use a longer text.")
    counts = np.bincount(ids, minlength=len(tokens)).astype(np.int64)
    n_dropped = n_total - int(ids.shape[0])
    if n_dropped:
        warnings.append(
            f"{n_dropped:,} of {n_total:,} tokens were left out: only tokens seen at least {min_count} "
            f"time(s), and at most the {max_vocab:,} most frequent, get a row."
        )
    corpus = Corpus(
        name=name, tokenization=tokenization, tokens=tokens, ids=ids, segments=segments, counts=counts,
        token_ids=token_ids, n_text_bytes=n_bytes, n_dropped=n_dropped, warnings=tuple(warnings),
    )
    if categories:
        resolved = {}
        for cat, words in categories.items():
            labels = tuple(corpus.tokens[r] for r in (corpus.index_of(w) for w in words) if r is not None)
            if labels:
                resolved[cat] = labels
        object.__setattr__(corpus, "categories", resolved)
    return corpus


def teaching_corpus(*, tokenization: str = "words", seed: int = 0, n_sentences: int = 6000) -> Corpus:
    """The built-in teaching corpus, tokenised, with its categories resolved to rows."""
    return build_corpus(
        teaching_text(seed=seed, n_sentences=n_sentences),
        tokenization=tokenization,
        name="teaching corpus",
        categories=TEACHING_CATEGORIES,
    )
