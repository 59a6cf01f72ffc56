"""Embedding maps: which points to draw, the Plotly figures, and exports.

Three layers, each a set of pure functions:

1. **Point sets** -- which rows of an :class:`~embedlab.embeddings.EmbeddingTable`
   go on the map (the typed text's tokens, the top-N rows, a query's nearest
   neighbours, the ready-made category lists, a user's list, the whole table).
   A :class:`PointSet` records the rows, their labels and categories, and what
   could not be found, so the page can say so instead of dropping it silently.
2. **Figures** -- :func:`map_figure` (``Scattergl`` in 2-D, ``Scatter3d`` in 3-D)
   with hover token / ID / category, optional labels, colour by category, token
   property or metadata column, highlighted typed tokens, a selected token with
   its neighbours (optionally isolated against a greyed context), search
   matches and analogy arrows; :func:`honesty_figure` for neighbour preservation.
3. **Exports** -- coordinates CSV (and its import), the TensorFlow Projector
   TSV pair, a standalone interactive HTML file, and the Plotly config for a
   high-resolution PNG from the chart's camera button.

Coordinates and numeric per-point data go into the figure as numpy arrays,
which Plotly serialises as compact base64 typed arrays: a 50,000-point map is
about 1.5 MB of JSON instead of 3.4 MB with Python lists.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import regex

from .categories import CATEGORIES
from .errors import EmbedlabError, FileFormatError
from .figures import plotly_safe_label
from .palette import MARKER_COLOURS, SEQUENTIAL

if TYPE_CHECKING:
    from .embeddings import EmbeddingTable
    from .projection import PointPreservation, Preservation

__all__ = [
    "PointSet",
    "POINT_SET_KINDS",
    "point_set",
    "points_from_text",
    "points_top",
    "points_neighbours",
    "points_categories",
    "points_list",
    "points_all",
    "merge_point_sets",
    "sample_point_set",
    "TOKEN_PROPERTIES",
    "token_property",
    "read_metadata",
    "metadata_values",
    "search_labels",
    "MapArrow",
    "MapNeighbours",
    "analogy_arrows",
    "find_point",
    "label_positions",
    "map_neighbours",
    "MAX_LABELLED_POINTS",
    "map_figure",
    "honesty_figure",
    "points_from_selection",
    "map_plot_config",
    "coordinates_csv",
    "ImportedMap",
    "read_coordinates_csv",
    "projector_tsv",
    "figure_html",
    "estimated_payload_mb",
]

# Okabe-Ito first (the palette shared with token spans), then Paul Tol's
# "muted" scheme, so the ten ready-made categories all get distinct,
# colour-blind-safe colours. Okabe-Ito's yellow is hard to see on white and
# its black is kept for highlights, so both go last.
_GROUP_COLOURS: tuple[str, ...] = tuple(c for c in MARKER_COLOURS if c not in ("#F0E442", "#000000")) + (
    "#332288", "#882255", "#117733", "#AA4499", "#999933", "#44AA99", "#DDCC77", "#661100", "#888888",
)
_GREY = "#BBBBBB"
_HIGHLIGHT = "#000000"
_TEXT_COLOUR = "#D55E00"  # typed-text tokens: vermillion, with a black outline
_NEIGHBOUR_COLOUR = "#009E73"
_MATCH_COLOUR = "#CC79A7"
_ARROW_COLOUR = "#0072B2"
#: Above this many points, the label toggle labels only highlighted points (text for
#: every point would hide the map and weigh on the browser).
MAX_LABELLED_POINTS = 300


#: Measured: a 50,000-point 2-D map with labels and IDs is about 1.46 MB of JSON
#: (benchmarks/bench_projection.py, "figure"); a third coordinate adds about 8 bytes.
_BYTES_PER_POINT_2D = 30
_BYTES_PER_EXTRA_DIM = 8


def estimated_payload_mb(n_points: int, n_components: int = 2) -> float:
    """About how many MB drawing ``n_points`` sends to the browser (to warn before a huge map)."""
    if n_points < 0 or n_components not in (2, 3):
        raise ValueError(f"n_points must be >= 0 and n_components 2 or 3, got {n_points!r}, {n_components!r}")
    per = _BYTES_PER_POINT_2D + _BYTES_PER_EXTRA_DIM * (n_components - 2)
    return n_points * per / 1e6


# =========================================================================== point sets


@dataclass(frozen=True)
class PointSet:
    """Rows of an embedding table to put on a map, with their labels and categories."""

    #: Row indices into the table (unique; the order of the map's points).
    rows: np.ndarray
    #: Display label per point (the table's token label).
    labels: tuple[str, ...]
    #: Category per point ("animals", "your text", "neighbour", ...).
    categories: tuple[str, ...]
    #: One line saying what the set is ("top 1,000 rows of GloVe 6B 50d").
    description: str
    #: Things the user should know (ordering of rows, duplicates merged, ...).
    notes: tuple[str, ...] = ()
    #: Requested words/tokens that have no row in the table.
    missing: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def key(self) -> str:
        """A short digest of rows + categories, for cache keys."""
        h = hashlib.sha1(np.asarray(self.rows, dtype=np.int64).tobytes())
        h.update("\x00".join(self.categories).encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:16]

    def vectors(self, table: EmbeddingTable) -> np.ndarray:
        """The rows' vectors as a float32 ``(len, dim)`` copy.

        Rows are gathered in increasing order (much faster on a memory-mapped
        table) and put back in the point order.
        """
        rows = np.asarray(self.rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        out = np.empty((len(rows), table.dim), dtype=np.float32)
        out[order] = np.asarray(table.vectors[rows[order]], dtype=np.float32)
        return out

    def position_of(self, row: int) -> int | None:
        """Index of table row ``row`` among the points, or None."""
        hits = np.flatnonzero(np.asarray(self.rows) == int(row))
        return int(hits[0]) if hits.size else None

    def positions_of(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Indices among the points of those table ``rows`` that are on the map (others are skipped)."""
        want = np.asarray(rows, dtype=np.int64)
        if not len(self.rows) or not want.size:
            return np.empty(0, dtype=np.int64)
        order = np.argsort(self.rows, kind="stable")
        sorted_rows = self.rows[order]
        at = np.clip(np.searchsorted(sorted_rows, want), 0, len(sorted_rows) - 1)
        found = sorted_rows[at] == want
        return np.unique(order[at[found]])

    def subset(self, positions: Sequence[int] | np.ndarray, *, description: str, note: str = "") -> PointSet:
        """The points at ``positions`` (in that order)."""
        pos = np.asarray(positions, dtype=np.int64)
        rows = self.rows[pos]
        rows.flags.writeable = False
        return PointSet(
            rows=rows, labels=tuple(self.labels[i] for i in pos), categories=tuple(self.categories[i] for i in pos),
            description=description, notes=self.notes + ((note,) if note else ()), missing=self.missing,
        )


def sample_point_set(points: PointSet, size: int, *, seed: int = 0, keep: Sequence[int] = ()) -> PointSet:
    """A reproducible random sample of ``size`` points, always including the positions in ``keep``.

    Used only when the user chooses "run on a sample"; the description and a
    note say how many of how many points are shown, so nothing is sampled silently.
    """
    n = len(points)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 3:
        raise EmbedlabError(f"sample size must be a whole number >= 3, got {size!r}")
    if size >= n:
        return points
    keep_arr = np.unique(np.asarray(keep, dtype=np.int64))
    keep_arr = keep_arr[(keep_arr >= 0) & (keep_arr < n)][:size]
    rest = np.setdiff1d(np.arange(n), keep_arr, assume_unique=True)
    rng = np.random.default_rng(seed)
    extra = rng.choice(rest, size=size - len(keep_arr), replace=False)
    pos = np.sort(np.concatenate([keep_arr, extra]))
    kept = f"; your text's {len(keep_arr)} token(s) are always included" if len(keep_arr) else ""
    return points.subset(
        pos, description=f"a random sample of {size:,} of {n:,} points from {points.description}",
        note=f"Showing a random sample of {size:,} of the {n:,} points (seed {seed}){kept}.",
    )


def _make(
    table: EmbeddingTable,
    rows: Sequence[int],
    categories: Sequence[str],
    *,
    description: str,
    notes: Sequence[str] = (),
    missing: Sequence[str] = (),
) -> PointSet:
    """A PointSet from possibly repeated rows: the first occurrence (and its category) wins."""
    seen: dict[int, int] = {}
    keep_rows: list[int] = []
    keep_cats: list[str] = []
    for r, c in zip(rows, categories):
        r = int(r)
        if r not in seen:
            seen[r] = len(keep_rows)
            keep_rows.append(r)
            keep_cats.append(c)
    notes = list(notes)
    dropped = len(rows) - len(keep_rows)
    if dropped:
        notes.append(f"{dropped} repeated token(s) are drawn once (a row of the table is one point).")
    arr = np.asarray(keep_rows, dtype=np.int64)
    arr.flags.writeable = False
    tokens = table.tokens
    return PointSet(
        rows=arr,
        labels=tuple(tokens[r] for r in keep_rows),
        categories=tuple(keep_cats),
        description=description,
        notes=tuple(notes),
        missing=tuple(dict.fromkeys(missing)),
    )


def _missing_note(missing: Sequence[str], table: EmbeddingTable) -> list[str]:
    if not missing:
        return []
    uniq = list(dict.fromkeys(missing))
    shown = ", ".join(repr(m) for m in uniq[:12]) + (f" and {len(uniq) - 12} more" if len(uniq) > 12 else "")
    return [f"{len(uniq)} word(s) have no row in {table.name}, so they are not on the map: {shown}."]


def _row_of_word(table: EmbeddingTable, word: str) -> int | None:
    """Row of a plain word; on a token-level table prefer the mid-sentence form with a leading space."""
    if table.word_level:
        return table.index_of(word)
    for form in (" " + word, word):
        row = table.index_of(form)
        if row is not None:
            return row
    return None


_WORD_RE = regex.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def points_from_text(table: EmbeddingTable, text: str, *, encoding: str = "gpt2", category: str = "your text") -> PointSet:
    """The tokens of ``text`` as points.

    * A table indexed by a tokenizer's IDs (``table.encoding`` set, e.g. GPT-2)
      uses that tokenizer, so each token is exactly its row.
    * A word-level table (GloVe, word files) is looked up word by word, since
      its rows are whole lower-case words and punctuation, not sub-word pieces.
    * Any other table matches the ``encoding`` tokens' text to its labels.
    """
    from .tokenizer import tokenize

    if not isinstance(text, str):
        raise EmbedlabError(f"text must be a string, got {type(text).__name__}")
    missing: list[str] = []
    rows: list[int] = []
    if table.encoding is not None:
        ids = [t.id for t in tokenize(text, table.encoding)]
        bad = [i for i in ids if i >= len(table)]
        if bad:
            raise EmbedlabError(
                f"token ID {bad[0]} from {table.encoding} is beyond the {len(table):,} rows of {table.name}; "
                "choose a table made for this tokenizer"
            )
        rows = ids
        how = f"the {table.encoding} tokens of your text"
    elif table.word_level:
        for word in _WORD_RE.findall(text):
            row = table.index_of(word)
            (rows.append(row) if row is not None else missing.append(word))
        how = "the words of your text"
    else:
        for tok in tokenize(text, encoding):
            row = table.index_of(tok.text)
            if row is None:
                row = table.index_of(tok.text.strip())
            (rows.append(row) if row is not None else missing.append(tok.text))
        how = f"the {encoding} tokens of your text"
    return _make(
        table, rows, [category] * len(rows), description=f"{how} ({len(set(rows))} distinct)",
        notes=_missing_note(missing, table), missing=missing,
    )


def _order_note(table: EmbeddingTable) -> str:
    if table.encoding is not None:
        return (
            f"{table.name}: rows are token IDs of {table.encoding}, which follow the order in which BPE merges "
            "were learned (single bytes first), not how frequent a token is."
        )
    if "glove" in table.name.lower():
        return f"{table.name}: rows are ordered by how often the word occurs in the training corpus."
    return f"{table.name}: rows are in the order of the source file."


def points_top(table: EmbeddingTable, n: int) -> PointSet:
    """The first ``n`` rows of the table (clamped to its size, with a note)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise EmbedlabError(f"number of rows must be a whole number >= 1, got {n!r}")
    notes = [_order_note(table)]
    if n > len(table):
        notes.append(f"asked for {n:,} rows but {table.name} has {len(table):,}; using all of them.")
        n = len(table)
    rows = np.arange(int(n))
    return _make(table, rows, [f"top {n:,}"] * len(rows), description=f"the first {n:,} rows of {table.name}", notes=notes)


def points_neighbours(table: EmbeddingTable, query: str, *, k: int = 20, metric: str = "cosine") -> PointSet:
    """``query`` and its ``k`` nearest rows in the original space (the table's own search)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = table.neighbors(query, k=k, metric=metric)  # MissingTokenError names an unknown query
    notes = [str(w.message) for w in caught]
    rows = [table.index_of(query)]
    cats = ["query"]
    for tok, _score in found:
        r = table.index_of(tok)
        if r is not None:
            rows.append(r)
            cats.append("neighbour")
    return _make(
        table, rows, cats, description=f"{query!r} and its {len(found)} nearest neighbours ({metric})", notes=notes,
    )


def points_categories(table: EmbeddingTable, names: Sequence[str], *, lists: Mapping[str, Sequence[str]] = CATEGORIES) -> PointSet:
    """The words of the named ready-made categories (see :mod:`embedlab.categories`).

    On a token-level table (GPT-2) each word is looked up as the token with a
    leading space (" cat", how it appears mid-sentence), else without; a word
    that the tokenizer splits into several pieces has no single row and is
    listed as missing.
    """
    if isinstance(names, str):
        names = [names]
    if not names:
        raise EmbedlabError(f"choose at least one category: {', '.join(lists)}")
    rows: list[int] = []
    cats: list[str] = []
    missing: list[str] = []
    for name in names:
        if name not in lists:
            raise EmbedlabError(f"unknown category {name!r}; choose from {', '.join(lists)}")
        for word in lists[name]:
            row = _row_of_word(table, word)
            if row is None:
                missing.append(word)
            else:
                rows.append(row)
                cats.append(name)
    if not rows:
        raise EmbedlabError(
            f"none of the words of {', '.join(names)} has a row in {table.name}; choose another source or list"
        )
    return _make(
        table, rows, cats, description=f"categories: {', '.join(names)}", notes=_missing_note(missing, table),
        missing=missing,
    )


_LIST_SPLIT = regex.compile(r"[,;\n\r\t]+")


def points_list(
    table: EmbeddingTable, words: str | Sequence[str], *, category: str = "your list", description: str | None = None
) -> PointSet:
    """A user's own words: a sequence, or one string separated by commas, semicolons or new lines."""
    if isinstance(words, str):
        items = [w.strip() for w in _LIST_SPLIT.split(words)]
    else:
        items = [str(w).strip() for w in words]
    items = [w for w in items if w]
    if not items:
        raise EmbedlabError("the word list is empty; type words separated by commas, e.g. cat, dog, apple")
    rows: list[int] = []
    missing: list[str] = []
    for w in items:
        row = table.index_of(w)
        if row is None and not table.word_level:
            row = _row_of_word(table, w)
        (rows.append(row) if row is not None else missing.append(w))
    return _make(
        table, rows, [category] * len(rows), description=description or f"your list of {len(items)} word(s)",
        notes=_missing_note(missing, table), missing=missing,
    )


def points_all(table: EmbeddingTable) -> PointSet:
    """Every row of the table (all 50,257 GPT-2 tokens, all 400,000 GloVe words)."""
    rows = np.arange(len(table))
    return _make(table, rows, ["all"] * len(rows), description=f"all {len(table):,} rows of {table.name}",
                 notes=[_order_note(table)])


def merge_point_sets(*sets: PointSet, description: str | None = None) -> PointSet:
    """Union of point sets in order; a row in several keeps the first set's category."""
    if not sets:
        raise EmbedlabError("nothing to merge: pass at least one point set")
    seen: dict[int, None] = {}
    rows, labels, cats = [], [], []
    for s in sets:
        for r, lab, c in zip(s.rows.tolist(), s.labels, s.categories):
            if r not in seen:
                seen[r] = None
                rows.append(r)
                labels.append(lab)
                cats.append(c)
    arr = np.asarray(rows, dtype=np.int64)
    arr.flags.writeable = False
    return PointSet(
        rows=arr, labels=tuple(labels), categories=tuple(cats),
        description=description or " + ".join(s.description for s in sets),
        notes=tuple(dict.fromkeys(n for s in sets for n in s.notes)),
        missing=tuple(dict.fromkeys(m for s in sets for m in s.missing)),
    )


#: Point-set kinds for :func:`point_set`, in the order the UI lists them.
POINT_SET_KINDS: tuple[str, ...] = ("categories", "text", "top", "neighbours", "list", "all")


def point_set(table: EmbeddingTable, kind: str, **options: Any) -> PointSet:
    """Dispatch to ``points_<kind>``: ``categories`` (names=), ``text`` (text=, encoding=),
    ``top`` (n=), ``neighbours`` (query=, k=, metric=), ``list`` (words=), ``all``."""
    funcs = {
        "categories": points_categories, "text": points_from_text, "top": points_top,
        "neighbours": points_neighbours, "list": points_list, "all": points_all,
    }
    if kind not in funcs:
        raise EmbedlabError(f"unknown point set {kind!r}; choose one of {', '.join(POINT_SET_KINDS)}")
    try:
        return funcs[kind](table, **options)
    except TypeError as e:  # a wrong option name
        raise EmbedlabError(f"point set {kind!r}: {e}") from None


# =========================================================================== finding things on a map


def find_point(token: str, labels: Sequence[str], *, table: EmbeddingTable | None = None,
               points: PointSet | None = None) -> int | None:
    """Position of ``token`` among the map's points: an exact label first, then the table's own lookup
    (normalised for word-level tables, so "Cat" finds "cat")."""
    for i, lab in enumerate(labels):
        if lab == token:
            return i
    if table is not None and points is not None:
        row = table.index_of(token)
        if row is not None:
            hit = points.positions_of([row])
            if hit.size:
                return int(hit[0])
    return None


def label_positions(labels: Sequence[str], wanted: Sequence[str]) -> np.ndarray:
    """Positions of the points whose label is one of ``wanted`` (e.g. typed tokens on an imported map)."""
    want = set(wanted)
    return np.asarray([i for i, lab in enumerate(labels) if lab in want], dtype=np.int64)


@dataclass(frozen=True)
class MapNeighbours:
    """A token's nearest neighbours in the original space, and where they are on the map."""

    tokens: tuple[str, ...]
    scores: tuple[float, ...]
    #: For each neighbour, its position among the map's points (None: not on this map).
    positions: tuple[int | None, ...]

    @property
    def on_map(self) -> list[int]:
        return [p for p in self.positions if p is not None]

    @property
    def missing(self) -> int:
        return sum(p is None for p in self.positions)

    def table(self, *, score_name: str = "cosine similarity") -> pd.DataFrame:
        from .tokens_view import visible_text

        return pd.DataFrame({
            "token": [visible_text(t) for t in self.tokens],
            score_name: np.round(np.asarray(self.scores, dtype=float), 4),
            "on this map": ["yes" if p is not None else "—" for p in self.positions],
        })


def map_neighbours(table: EmbeddingTable, token: str, *, k: int = 10, metric: str = "cosine",
                   labels: Sequence[str] = (), points: PointSet | None = None) -> MapNeighbours:
    """``table.neighbors(token)`` over the whole table, located on the current map (by row, else by label)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # k above the table size is clamped; the table says how many it found
        found = table.neighbors(token, k=k, metric=metric)
    positions = [find_point(tok, labels, table=table, points=points) if (labels or points) else None
                 for tok, _ in found]
    return MapNeighbours(tokens=tuple(t for t, _ in found), scores=tuple(float(s) for _, s in found),
                         positions=tuple(positions))


def analogy_arrows(table: EmbeddingTable, points: PointSet, a: str, b: str, c: str, answer: str) -> list[MapArrow]:
    """Arrows b -> a and c -> answer (a - b + c = answer), when all four words are on the map."""
    pos = [find_point(w, points.labels, table=table, points=points) for w in (a, b, c, answer)]
    if any(p is None for p in pos):
        return []
    pa, pb, pc, pd_ = pos
    return [MapArrow(pb, pa, f"{b} → {a}"), MapArrow(pc, pd_, f"{c} → {answer}", colour="#D55E00")]


# =========================================================================== colouring data


#: Token properties that need no metadata: key -> display name.
TOKEN_PROPERTIES: dict[str, str] = {
    "leading_space": "Leading space",
    "byte_piece": "Byte-level piece",
    "digit": "Contains a digit",
    "capitalised": "Capitalised",
    "length": "Token length (characters)",
    "id_rank": "Token ID / row number",
}
_NUMERIC_PROPERTIES = {"length", "id_rank"}
# The tokenizer's vocabulary shows bytes that are not valid UTF-8 on their own as \xNN.
_BYTE_ESCAPE = regex.compile(r"\\x[0-9a-fA-F]{2}|\ufffd")


def token_property(labels: Sequence[str], rows: Sequence[int], name: str) -> np.ndarray:
    """Per-point values of a token property: strings for yes/no properties, numbers for length and ID."""
    if name not in TOKEN_PROPERTIES:
        raise EmbedlabError(f"unknown token property {name!r}; choose one of {', '.join(TOKEN_PROPERTIES)}")
    if name == "id_rank":
        return np.asarray(rows, dtype=np.float64)
    if name == "length":
        return np.fromiter((len(_BYTE_ESCAPE.sub("?", s)) for s in labels), dtype=np.float64, count=len(labels))
    tests = {
        "leading_space": (lambda s: s[:1].isspace(), "leading space", "no leading space"),
        "byte_piece": (lambda s: bool(_BYTE_ESCAPE.search(s)), "byte-level piece", "whole characters"),
        "digit": (lambda s: any(ch.isdigit() for ch in s), "has a digit", "no digit"),
        "capitalised": (lambda s: s.strip()[:1].isupper(), "capitalised", "not capitalised"),
    }
    test, yes, no = tests[name]
    return np.array([yes if test(s) else no for s in labels], dtype=object)


_KEY_COLUMNS = ("token", "label", "word", "name")
_MAX_METADATA_BYTES = 50_000_000


def read_metadata(data: bytes | str, *, filename: str = "metadata.csv") -> pd.DataFrame:
    """Parse a user's metadata table (CSV, or TSV as the Projector uses) into a DataFrame of strings.

    One column must name the token (``token``, ``label``, ``word`` or
    ``name``; otherwise the first column is used). Values stay strings;
    :func:`metadata_values` decides whether a column is numeric.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > _MAX_METADATA_BYTES:
        raise FileFormatError(f"{filename} is {len(raw):,} bytes; metadata files are limited to 50 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FileFormatError(f"{filename} is not UTF-8 text (byte {e.start}); save it as UTF-8 CSV") from None
    first = text.split("\n", 1)[0]
    sep = "\t" if filename.lower().endswith((".tsv", ".tab")) or "\t" in first else ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, ValueError) as e:
        raise FileFormatError(f"{filename} could not be read as {'TSV' if sep == chr(9) else 'CSV'}: {e}") from None
    if df.shape[1] < 2:
        raise FileFormatError(
            f"{filename} has {df.shape[1]} column(s); it needs a token column and at least one metadata column"
        )
    if df.empty:
        raise FileFormatError(f"{filename} has a header but no rows")
    df.columns = [str(c).strip() for c in df.columns]
    key = next((c for c in df.columns if c.lower() in _KEY_COLUMNS), df.columns[0])
    return df.set_index(key, drop=True)


def metadata_values(meta: pd.DataFrame, column: str, labels: Sequence[str]) -> tuple[np.ndarray, bool, list[str]]:
    """Values of ``column`` for each point (matched by exact label, then lower-case/stripped).

    Returns ``(values, numeric, notes)``: numbers (NaN where absent) when every
    present value parses as a number, otherwise strings ("(no value)" where absent).
    """
    if column not in meta.columns:
        raise EmbedlabError(f"no metadata column {column!r}; columns are {', '.join(map(str, meta.columns))}")
    series = meta[column]
    series = series[~series.index.duplicated(keep="first")]
    exact = series.to_dict()
    folded = {str(k).strip().lower(): v for k, v in reversed(list(exact.items()))}
    vals: list[str | None] = []
    for lab in labels:
        v = exact.get(lab)
        if v is None:
            v = folded.get(lab.strip().lower())
        vals.append(v if v not in (None, "") else None)
    present = [v for v in vals if v is not None]
    notes = []
    absent = len(vals) - len(present)
    if absent:
        notes.append(f"{absent} of {len(vals)} points have no {column!r} value in the metadata.")
    nums = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if present and nums.notna().all():
        out = np.full(len(vals), np.nan)
        out[[i for i, v in enumerate(vals) if v is not None]] = nums.to_numpy(dtype=float)
        return out, True, notes
    return np.array([v if v is not None else "(no value)" for v in vals], dtype=object), False, notes


# =========================================================================== search


def search_labels(
    labels: Sequence[str],
    pattern: str,
    *,
    use_regex: bool = False,
    case_sensitive: bool = False,
    time_budget_s: float = 2.0,
) -> np.ndarray:
    """Indices of labels that contain ``pattern`` (a substring, or a regular expression).

    A regular expression that is invalid, or so slow that it exceeds the time
    budget (catastrophic backtracking), is refused with a message.
    """
    if not isinstance(pattern, str) or pattern == "":
        return np.empty(0, dtype=np.int64)
    if len(pattern) > 500:
        raise EmbedlabError(f"search pattern is {len(pattern)} characters; keep it under 500")
    if not use_regex:
        p = pattern if case_sensitive else pattern.casefold()
        hits = [i for i, s in enumerate(labels) if p in (s if case_sensitive else s.casefold())]
        return np.asarray(hits, dtype=np.int64)
    try:
        rx = regex.compile(pattern, 0 if case_sensitive else regex.IGNORECASE)
    except regex.error as e:
        raise EmbedlabError(f"{pattern!r} is not a valid regular expression ({e}); fix it or untick 'regex'") from None
    deadline = time.monotonic() + time_budget_s
    hits = []
    try:
        for i, s in enumerate(labels):
            # A per-label timeout stops one pathological label; the deadline stops the whole scan.
            if rx.search(s, timeout=max(0.001, deadline - time.monotonic())):
                hits.append(i)
            if (i & 1023) == 0 and time.monotonic() > deadline:
                raise TimeoutError
    except TimeoutError:
        raise EmbedlabError(
            f"the regular expression {pattern!r} took longer than {time_budget_s:g} s; simplify it "
            "(overlapping repeats such as (a|aa)+ can take exponential time)"
        ) from None
    return np.asarray(hits, dtype=np.int64)


# =========================================================================== the map figure


@dataclass(frozen=True)
class MapArrow:
    """An arrow on the map between two points (indices into the point set)."""

    start: int
    end: int
    label: str = ""
    colour: str = _ARROW_COLOUR


def _plain(s: str) -> str:
    """Category / legend text for Plotly: its HTML subset shown literally, spaces kept as spaces."""
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _no_fields(s: str) -> str:
    """Break ``%{`` so text spliced into a hovertemplate cannot reference data fields."""
    return s.replace("%{", "%\u200b{")


def _tmpl(s: str) -> str:
    """Raw user text spliced into a hovertemplate."""
    return _no_fields(_plain(s))


@functools.lru_cache(maxsize=4)
def _safe_labels(labels: tuple[str, ...]) -> np.ndarray:
    """Display-safe labels as an array, cached: re-colouring a 50,000-point map should not redo them.

    A fixed-width str array is copied by Plotly far faster than an object
    array; a very long label would make it huge, so then object dtype is used.
    """
    safe = [plotly_safe_label(s) for s in labels]
    width = max((len(s) for s in safe), default=1)
    out = np.array(safe, dtype=str if width * len(safe) * 4 <= 16_000_000 else object)
    out.flags.writeable = False
    return out


def _marker_size(n: int, dims: int) -> float:
    size = 10 if n <= 200 else 7 if n <= 2_000 else 4.5 if n <= 20_000 else 3
    return size * (0.7 if dims == 3 else 1.0)


def _index_array(name: str, idx: Sequence[int] | np.ndarray | None, n: int) -> np.ndarray:
    arr = np.unique(np.asarray([] if idx is None else idx, dtype=np.int64))
    if arr.size and (arr[0] < 0 or arr[-1] >= n):
        raise EmbedlabError(f"{name}: point index {int(arr[0] if arr[0] < 0 else arr[-1])} is outside 0..{n - 1}")
    return arr


def _trace(dims: int, coords: np.ndarray, idx: np.ndarray | None, **kw: Any) -> go.Scattergl | go.Scatter3d:
    c = coords if idx is None else coords[idx]
    if dims == 2:
        return go.Scattergl(x=c[:, 0], y=c[:, 1], **kw)
    return go.Scatter3d(x=c[:, 0], y=c[:, 1], z=c[:, 2], **kw)


def _groups(values: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Positions of each distinct value, in order of first appearance."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    return [(str(uniques[g]), order[bounds[g] : bounds[g + 1]]) for g in range(len(uniques))]


def map_figure(
    coords: np.ndarray,
    labels: Sequence[str],
    *,
    ids: Sequence[int] | np.ndarray | None = None,
    categories: Sequence[str] | None = None,
    colour: Sequence[Any] | np.ndarray | None = None,
    colour_name: str = "category",
    show_labels: bool = False,
    highlight: Sequence[int] = (),
    selected: int | None = None,
    neighbours: Sequence[int] = (),
    isolate: bool = False,
    matches: Sequence[int] = (),
    arrows: Sequence[MapArrow] = (),
    axis_titles: Sequence[str] | None = None,
    show_ticks: bool = True,
    title: str = "",
    height: int | None = None,
) -> go.Figure:
    """Scatter map of ``coords`` (n x 2 -> ``Scattergl``, n x 3 -> ``Scatter3d``).

    * Hover shows the token, its ID (``ids``; row numbers if omitted) and its
      category / colour value.
    * ``colour``: per-point values to colour by -- strings give one legend
      entry per value, numbers a continuous colour scale. Default: ``categories``.
    * ``highlight``: points of the typed text (always labelled);
      ``selected`` + ``neighbours``: a token and its original-space
      neighbours (labelled); ``isolate=True`` greys out every other point,
      keeping it for context; ``matches``: search hits (ringed).
    * ``show_labels`` writes every point's label when there are at most
      :data:`MAX_LABELLED_POINTS` points.
    * Every trace's ``customdata[:, 0]`` is the point index, so a click can be
      mapped back to the point (:func:`points_from_selection`).
    """
    xy = np.asarray(coords, dtype=np.float32)
    if xy.ndim != 2 or xy.shape[1] not in (2, 3):
        raise EmbedlabError(f"map coordinates must be an (n, 2) or (n, 3) array, got shape {xy.shape}")
    n, dims = xy.shape
    if len(labels) != n:
        raise EmbedlabError(f"{len(labels)} labels for {n} points")
    if not np.isfinite(xy).all():
        raise EmbedlabError("map coordinates contain NaN or infinity")
    id_arr = np.arange(n, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
    if id_arr.shape != (n,):
        raise EmbedlabError(f"{len(id_arr)} IDs for {n} points")
    cats = None if categories is None else np.asarray(list(categories), dtype=object)
    if cats is not None and len(cats) != n:
        raise EmbedlabError(f"{len(cats)} categories for {n} points")
    hl = _index_array("highlight", highlight, n)
    nb = _index_array("neighbours", neighbours, n)
    mt = _index_array("matches", matches, n)
    if selected is not None and not (0 <= int(selected) < n):
        raise EmbedlabError(f"selected point {selected} is outside 0..{n - 1}")

    safe = _safe_labels(tuple(labels))
    # customdata: [point index, ID] as an int array (sent as one base64 block).
    custom = np.stack([np.arange(n, dtype=np.int64), id_arr], axis=1)
    size = _marker_size(n, dims)
    mode_all = "markers+text" if (show_labels and n <= MAX_LABELLED_POINTS) else "markers"
    focus = isolate and (selected is not None or nb.size or mt.size or hl.size)

    cvals = colour if colour is not None else cats
    numeric = False
    if cvals is not None:
        cvals = np.asarray(list(cvals) if not isinstance(cvals, np.ndarray) else cvals)
        if len(cvals) != n:
            raise EmbedlabError(f"{len(cvals)} colour values for {n} points")
        numeric = np.issubdtype(cvals.dtype, np.number) and cvals.dtype != bool
    # Show the category in the hover when the colour does not already say it.
    extra_cat = cats is not None and colour is not None and len(set(cats.tolist())) > 1
    id_line = "<br>ID %{customdata[1]}"
    cat_line = "<br>category: %{hovertext}" if extra_cat else ""
    hover_cats = np.array([_plain(c) for c in cats], dtype=object) if extra_cat else None

    traces: list[Any] = []
    text_pos = "top center"
    if cvals is None or numeric:
        marker: dict[str, Any] = {"size": size, "color": _GROUP_COLOURS[0]}
        value_line = ""
        if numeric and not focus:
            marker = {"size": size, "color": cvals.astype(np.float64), "colorscale": SEQUENTIAL, "showscale": True,
                      "colorbar": {"title": {"text": _plain(colour_name)}}}
            value_line = f"<br>{_tmpl(colour_name)}: %{{marker.color:.4g}}"
        elif focus:
            marker = {"size": size, "color": _GREY}
        traces.append(_trace(
            dims, xy, None, mode=mode_all, name="points", text=safe, textposition=text_pos,
            hovertext=hover_cats if extra_cat else None, customdata=custom, marker=marker,
            opacity=0.35 if focus else 0.85, showlegend=False,
            hovertemplate="<b>%{text}</b>" + id_line + value_line + cat_line + "<extra></extra>",
        ))
    else:
        for g, (value, idx) in enumerate(_groups(cvals)):
            colour_g = _GREY if focus else _GROUP_COLOURS[g % len(_GROUP_COLOURS)]
            traces.append(_trace(
                dims, xy, idx, mode=mode_all, name=_plain(value), text=safe[idx], textposition=text_pos,
                hovertext=hover_cats[idx] if extra_cat else None, customdata=custom[idx],
                marker={"size": size, "color": colour_g}, opacity=0.35 if focus else 0.85,
                legendgroup=f"group{g}",
                hovertemplate="<b>%{text}</b>" + id_line + f"<br>{_tmpl(colour_name)}: %{{fullData.name}}" + cat_line
                + "<extra></extra>",
            ))

    def overlay(idx: np.ndarray, name: str, marker: dict[str, Any], *, labelled: bool = True) -> None:
        if not idx.size:
            return
        traces.append(_trace(
            dims, xy, idx, mode="markers+text" if labelled else "markers", name=name, text=safe[idx],
            textposition=text_pos, textfont={"size": 13, "color": "#000000"}, customdata=custom[idx],
            marker=marker, hovertemplate="<b>%{text}</b>" + id_line + f"<br>{_no_fields(name)}<extra></extra>",
        ))

    overlay(mt, f"search matches ({mt.size})", {"size": size + 8, "symbol": "circle-open", "color": _MATCH_COLOUR,
                                                "line": {"width": 2, "color": _MATCH_COLOUR}},
            labelled=mt.size <= MAX_LABELLED_POINTS)
    overlay(hl, "in your text", {"size": size + 5, "color": _TEXT_COLOUR, "line": {"width": 1.5, "color": _HIGHLIGHT}})
    if selected is not None:
        sel_label = plotly_safe_label(labels[int(selected)])
        nb = nb[nb != int(selected)]
        overlay(nb, f"neighbours of {sel_label}", {"size": size + 5, "symbol": "diamond", "color": _NEIGHBOUR_COLOUR,
                                                    "line": {"width": 1.5, "color": _HIGHLIGHT}})
        overlay(np.array([int(selected)]), f"selected: {sel_label}",
                {"size": size + 12 if dims == 2 else size + 6, "symbol": "star" if dims == 2 else "diamond",
                 "color": _HIGHLIGHT, "line": {"width": 1, "color": "#FFFFFF"}})
    elif nb.size:
        overlay(nb, "neighbours", {"size": size + 5, "symbol": "diamond", "color": _NEIGHBOUR_COLOUR,
                                   "line": {"width": 1.5, "color": _HIGHLIGHT}})

    fig = go.Figure(data=traces)
    _add_arrows(fig, xy, arrows, safe)
    titles = list(axis_titles) if axis_titles is not None else [f"axis {i + 1}" for i in range(dims)]
    if len(titles) != dims:
        raise EmbedlabError(f"{len(titles)} axis titles for a {dims}-D map")
    axis_common = {"showticklabels": show_ticks, "zeroline": False, "showgrid": True, "gridcolor": "#EEEEEE"}
    layout: dict[str, Any] = {
        "title": {"text": _plain(title)} if title else None,
        "height": height or (620 if dims == 2 else 680),
        "margin": {"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        "legend": {"itemsizing": "constant", "title": {"text": _plain(colour_name) if cvals is not None and not numeric else ""}},
        "hovermode": "closest",
        "dragmode": "pan" if dims == 2 else "orbit",
        "plot_bgcolor": "#FFFFFF",
        "uirevision": "map",  # keep the user's zoom when only colours/highlights change
    }
    if dims == 2:
        fig.update_xaxes(title={"text": titles[0]}, **axis_common)
        # Equal scale on both axes: distances on the map must not be stretched.
        fig.update_yaxes(title={"text": titles[1]}, scaleanchor="x", scaleratio=1, **axis_common)
    else:
        layout["scene"] = {
            "xaxis": {"title": {"text": titles[0]}, **axis_common},
            "yaxis": {"title": {"text": titles[1]}, **axis_common},
            "zaxis": {"title": {"text": titles[2]}, **axis_common},
            "aspectmode": "data",
        }
    fig.update_layout(**layout)
    return fig


def _add_arrows(fig: go.Figure, xy: np.ndarray, arrows: Sequence[MapArrow], safe: np.ndarray) -> None:
    n, dims = xy.shape
    for a in arrows:
        for end in (a.start, a.end):
            if not 0 <= int(end) < n:
                raise EmbedlabError(f"arrow end {end} is outside 0..{n - 1}")
        s, e = xy[int(a.start)], xy[int(a.end)]
        label = _plain(a.label) if a.label else ""
        if dims == 2:
            fig.add_annotation(
                x=float(e[0]), y=float(e[1]), ax=float(s[0]), ay=float(s[1]), xref="x", yref="y", axref="x",
                ayref="y", showarrow=True, arrowhead=3, arrowsize=1.3, arrowwidth=2, arrowcolor=a.colour,
                text=label, font={"color": a.colour}, standoff=6, startstandoff=6,
            )
        else:
            # Scatter3d has no arrows: a line with a marker at the head.
            fig.add_trace(go.Scatter3d(
                x=[float(s[0]), float(e[0])], y=[float(s[1]), float(e[1])], z=[float(s[2]), float(e[2])],
                mode="lines+markers", line={"color": a.colour, "width": 6},
                marker={"size": [0, 6], "color": a.colour, "symbol": "diamond"},
                name=label or f"{safe[int(a.start)]} → {safe[int(a.end)]}", hoverinfo="name",
            ))


def points_from_selection(event: Any, fig: go.Figure | Mapping[str, Any] | None = None) -> list[int]:
    """Point indices chosen in a ``st.plotly_chart(on_select=...)`` event (clicks, box or lasso).

    Uses each point's ``customdata[0]`` (set by :func:`map_figure`); falls back
    to the trace/point numbers looked up in ``fig``.
    """
    sel = (event or {}).get("selection", {}) if isinstance(event, Mapping) else getattr(event, "selection", {})
    points = sel.get("points", []) if isinstance(sel, Mapping) else getattr(sel, "points", [])
    out: list[int] = []
    data = None
    for p in points or []:
        cd = p.get("customdata") if isinstance(p, Mapping) else None
        # A row of a typed array arrives as a list, or (Streamlit 1.67) as {"0": index, "1": id}.
        first = cd.get("0", cd.get(0)) if isinstance(cd, Mapping) else (cd[0] if isinstance(cd, (list, tuple)) and cd
                                                                         else None)
        if isinstance(first, (int, float)) and not isinstance(first, bool):
            out.append(int(first))
            continue
        if fig is None:
            continue
        if data is None:
            data = (fig.to_dict() if isinstance(fig, go.Figure) else fig).get("data", [])
        curve, idx = p.get("curve_number"), p.get("point_index", p.get("point_number"))
        if curve is None or idx is None or curve >= len(data):
            continue
        trace_cd = _decode_array(data[curve].get("customdata"))
        if trace_cd is not None and idx < len(trace_cd):
            out.append(int(np.asarray(trace_cd)[idx][0]))
    return list(dict.fromkeys(out))


def _decode_array(value: Any) -> np.ndarray | None:
    """A Plotly array field as numpy (plain list, or the ``{"dtype", "bdata", "shape"}`` base64 form)."""
    import base64

    if value is None:
        return None
    if isinstance(value, Mapping) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            arr = arr.reshape([int(s) for s in str(shape).split(",")])
        return arr
    return np.asarray(value)


# =========================================================================== honesty figure


def honesty_figure(
    preservation: Preservation,
    *,
    selected: PointPreservation | None = None,
    selected_label: str = "",
    method: str = "",
    height: int = 320,
) -> go.Figure:
    """Bar chart: how many points kept 0, 1, ..., k of their k original-space neighbours on the map.

    The title gives the average share kept, trustworthiness and what a random
    map would keep; a dashed line marks the average and the selected token's
    bar is drawn in black.
    """
    k = preservation.k
    counts = np.bincount(np.asarray(preservation.kept, dtype=np.int64), minlength=k + 1)[: k + 1]
    share = counts / max(1, counts.sum())
    colours = [_GROUP_COLOURS[0]] * (k + 1)
    if selected is not None:
        colours[selected.kept] = _HIGHLIGHT
    fig = go.Figure(go.Bar(
        x=np.arange(k + 1), y=share * 100, marker={"color": colours}, customdata=counts,
        hovertemplate=f"%{{x}} of {k} neighbours kept<br>%{{y:.1f}}% of points (%{{customdata:,}})<extra></extra>",
        name="points",
    ))
    mean_kept = preservation.mean * k
    fig.add_vline(x=mean_kept, line={"dash": "dash", "color": "#D55E00", "width": 2},
                  annotation={"text": f"average {preservation.mean:.0%}", "font": {"color": "#D55E00"}},
                  annotation_position="top")
    if selected is not None:
        lab = plotly_safe_label(selected_label) if selected_label else f"point {selected.index}"
        fig.add_annotation(x=selected.kept, y=float(share[selected.kept] * 100), text=f"{lab}: {selected.kept}/{k}",
                           showarrow=True, arrowhead=2, ay=-30, font={"color": _HIGHLIGHT})
    sample = f" (sample of {len(preservation.points):,})" if preservation.sampled else ""
    head = f"{method}: " if method else ""
    fig.update_layout(
        title={"text": (
            f"{head}on average {preservation.mean:.0%} of each point's {k} nearest neighbours stay nearest on the map"
            f"{sample}<br><sup>trustworthiness {preservation.trustworthiness:.3f} · a random map would keep "
            f"{preservation.chance:.1%}</sup>"
        )},
        xaxis={"title": {"text": f"neighbours kept (out of {k})"}, "dtick": 1 if k <= 20 else None},
        yaxis={"title": {"text": "% of points"}, "rangemode": "tozero"},
        height=height, margin={"l": 10, "r": 10, "t": 70, "b": 10}, showlegend=False, bargap=0.1,
    )
    return fig


# =========================================================================== exports / imports


def map_plot_config(*, filename: str = "embedlab-map", scale: int = 4) -> dict[str, Any]:
    """``st.plotly_chart(config=...)``: the camera button saves a PNG at ``scale`` x screen resolution.

    Rendering happens in the browser (no kaleido needed on the server).
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 10:
        raise EmbedlabError(f"PNG scale must be a whole number from 1 to 10, got {scale!r}")
    safe_name = regex.sub(r"[^\w.-]+", "-", filename).strip("-") or "embedlab-map"
    return {
        "toImageButtonOptions": {"format": "png", "filename": safe_name, "scale": scale},
        "displaylogo": False,
        "scrollZoom": True,
        "modeBarButtonsToAdd": ["toggleSpikelines"],
    }


def _coord_names(dims: int) -> list[str]:
    return ["x", "y", "z"][:dims]


def coordinates_csv(
    coords: np.ndarray,
    labels: Sequence[str],
    *,
    ids: Sequence[int] | None = None,
    categories: Sequence[str] | None = None,
) -> str:
    """The map as CSV: ``token, id, category, x, y[, z]`` (re-importable with :func:`read_coordinates_csv`).

    Labels are written exactly (including leading spaces), quoted as CSV requires.
    """
    xy = np.asarray(coords, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] not in (2, 3) or len(labels) != len(xy):
        raise EmbedlabError(f"need (n, 2|3) coordinates and n labels, got {xy.shape} and {len(labels)} labels")
    df = pd.DataFrame({"token": list(labels)})
    if ids is not None:
        df["id"] = np.asarray(ids, dtype=np.int64)
    if categories is not None:
        df["category"] = list(categories)
    for j, c in enumerate(_coord_names(xy.shape[1])):
        df[c] = xy[:, j]
    # repr-exact floats: the import gives back the same coordinates.
    # Every text field is quoted: a label may hold a comma, a quote, or a bare \r that
    # minimal quoting (which only looks for \n) would leave to break the row.
    return df.to_csv(index=False, lineterminator="\n", float_format="%.9g", quoting=csv.QUOTE_NONNUMERIC)


@dataclass(frozen=True)
class ImportedMap:
    """Precomputed coordinates read from a CSV."""

    coords: np.ndarray
    labels: tuple[str, ...]
    ids: np.ndarray | None
    categories: tuple[str, ...] | None
    notes: tuple[str, ...] = ()


_MAX_IMPORT_BYTES = 100_000_000


def read_coordinates_csv(data: bytes | str, *, filename: str = "coordinates.csv") -> ImportedMap:
    """Read precomputed 2-D/3-D coordinates: columns ``x, y`` (and ``z``) plus a label column.

    The label column is ``token``, ``label``, ``word`` or ``name`` (else row
    numbers are used); optional ``id`` and ``category`` columns are kept. A
    non-numeric or missing coordinate is refused with its row number.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > _MAX_IMPORT_BYTES:
        raise FileFormatError(f"{filename} is {len(raw):,} bytes; coordinate files are limited to 100 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FileFormatError(f"{filename} is not UTF-8 text (byte {e.start}); save it as UTF-8 CSV") from None
    first = text.split("\n", 1)[0]
    sep = "\t" if ("\t" in first and "," not in first) else ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as e:
        raise FileFormatError(f"{filename} could not be read as CSV: {e}") from None
    cols = {str(c).strip().lower(): c for c in df.columns}
    if "x" not in cols or "y" not in cols:
        raise FileFormatError(
            f"{filename} needs columns named x and y (and z for 3-D); it has: {', '.join(map(str, df.columns))}"
        )
    if df.empty:
        raise FileFormatError(f"{filename} has a header but no rows")
    names = ["x", "y"] + (["z"] if "z" in cols else [])
    coords = np.empty((len(df), len(names)), dtype=np.float64)
    for j, c in enumerate(names):
        vals = pd.to_numeric(df[cols[c]].str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(vals))
        if bad.size:
            r = int(bad[0])
            raise FileFormatError(
                f"{filename}, data row {r + 1} (line {r + 2}): {c} = {df[cols[c]].iloc[r]!r} is not a finite number"
            )
        coords[:, j] = vals
    key = next((cols[c] for c in _KEY_COLUMNS if c in cols), None)
    labels = tuple(df[key].tolist()) if key is not None else tuple(str(i) for i in range(len(df)))
    notes = [] if key is not None else [f"{filename} has no token/label column; points are labelled by row number."]
    ids = None
    if "id" in cols:
        id_vals = pd.to_numeric(df[cols["id"]].str.strip(), errors="coerce")
        if id_vals.isna().any() or (id_vals % 1 != 0).any():
            r = int(np.flatnonzero((id_vals.isna() | (id_vals % 1 != 0)).to_numpy())[0])
            raise FileFormatError(f"{filename}, data row {r + 1}: id = {df[cols['id']].iloc[r]!r} is not a whole number")
        ids = id_vals.to_numpy(dtype=np.int64)
    cats = tuple(df[cols["category"]].tolist()) if "category" in cols else None
    if len(df) < 1:
        raise FileFormatError(f"{filename} has no points")
    out = np.ascontiguousarray(coords, dtype=np.float32)
    out.flags.writeable = False
    return ImportedMap(coords=out, labels=labels, ids=ids, categories=cats, notes=tuple(notes))


def _projector_cell(s: str) -> str:
    # The Projector splits on tabs and lines; show those characters visibly instead.
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def projector_tsv(
    vectors: np.ndarray, labels: Sequence[str], *, categories: Sequence[str] | None = None
) -> tuple[str, str]:
    """The two files projector.tensorflow.org loads: ``vectors.tsv`` and ``metadata.tsv``.

    One label column gives a header-less metadata file (the Projector's
    rule); with categories there is a header row ``token\\tcategory``. Tabs
    and new lines inside labels are written as ``\\t`` / ``\\n``.
    """
    v = np.asarray(vectors)
    if v.ndim != 2 or len(labels) != len(v):
        raise EmbedlabError(f"need (n, dim) vectors and n labels, got {v.shape} and {len(labels)} labels")
    buf = io.StringIO()
    np.savetxt(buf, v.astype(np.float64), delimiter="\t", fmt="%.7g")
    if categories is None:
        meta = "".join(_projector_cell(s) + "\n" for s in labels)
    else:
        if len(categories) != len(labels):
            raise EmbedlabError(f"{len(categories)} categories for {len(labels)} labels")
        meta = "token\tcategory\n" + "".join(
            f"{_projector_cell(s)}\t{_projector_cell(c)}\n" for s, c in zip(labels, categories)
        )
    return buf.getvalue(), meta


def figure_html(fig: go.Figure, *, title: str = "embedlab map") -> str:
    """A standalone interactive HTML page of ``fig`` (plotly.js inlined: works offline).

    Token labels are data inside a JSON script block; Plotly escapes ``</`` there,
    and the page title is HTML-escaped, so a label cannot inject markup.
    """
    import html as _html

    page = fig.to_html(full_html=True, include_plotlyjs=True, config=map_plot_config())
    return page.replace("<head>", f"<head><title>{_html.escape(title)}</title>", 1)
