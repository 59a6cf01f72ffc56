"""Features: the article's hand-made feature table, and features found in real embeddings.

Two halves, matching the article's argument:

1. **Hand-made vectors.** The article imagines every dimension as a named
   property ("has a tail", "is an animal", ...) and writes cat, dog and apple
   as vectors of those values. :data:`ARTICLE_VALUES` is that table, exactly;
   :func:`clean_grid` turns an edited copy of it into a checked matrix, and the
   figure builders show it as a heatmap, a cosine-similarity matrix and a PCA map.

2. **Features in real embeddings.** Real embedding dimensions have no names,
   but a property can still be *found*: give example words that have it
   (positive) and words that do not (negative), and the property becomes a
   direction in the space. We use the **difference of means**::

       d = mean(positive vectors) - mean(negative vectors)
       m = (mean(positive) + mean(negative)) / 2
       score(v) = (v - m) · d / (|d|² / 2)

   so the average positive example scores exactly +1, the average negative
   example exactly -1, and 0 is half-way. We chose it over a logistic-regression
   probe because it has no hyper-parameters, is deterministic, works with two
   examples per side (a classifier would separate any 4 points in 50
   dimensions perfectly and learn noise), and students can follow it in one
   line. Each direction also carries a leave-one-out accuracy, so a badly
   chosen example list shows up as a number rather than a pretty heatmap.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from sklearn.decomposition import PCA

from .errors import EmbedlabError, MissingTokenError
from .figures import heatmap, plotly_safe_label, similarity_heatmap
from .palette import marker_colour

__all__ = [
    "ARTICLE_FEATURES",
    "ARTICLE_TOKENS",
    "ARTICLE_VALUES",
    "READY_FEATURES",
    "Feature",
    "add_feature",
    "remove_features",
    "FeatureDirection",
    "FeatureGrid",
    "FeatureScores",
    "PcaMap",
    "article_table",
    "clean_grid",
    "feature_direction",
    "grid_heatmap",
    "grid_similarity_heatmap",
    "parse_words",
    "pca_map",
    "pca_map_figure",
    "directions_table",
    "score_tokens",
    "scores_heatmap",
    "split_known",
    "words_to_vectors",
]


class _Table(Protocol):
    """The part of :class:`embedlab.embeddings.EmbeddingTable` used here."""

    def __contains__(self, token: object) -> bool: ...
    def vector(self, token: str) -> np.ndarray: ...


# --------------------------------------------------------------------------
# 1. The article's table, as data
# --------------------------------------------------------------------------

#: Tokens (rows) of the article's table.
ARTICLE_TOKENS: tuple[str, ...] = ("cat", "dog", "apple")
#: Features (columns) of the article's table. The article writes the last two
#: as "Is pet" / "Is fruit"; we use the grammatical names the issue uses.
ARTICLE_FEATURES: tuple[str, ...] = ("has a tail", "is an animal", "is edible", "is a pet", "is a fruit")
#: The article's values, tokens × features (the article prints the transpose).
ARTICLE_VALUES: tuple[tuple[float, ...], ...] = (
    (0.9, 0.88, 0.1, 0.85, 0.0),  # cat
    (0.95, 0.93, 0.05, 0.9, 0.0),  # dog
    (0.0, 0.0, 0.95, 0.0, 0.98),  # apple
)


def article_table() -> pd.DataFrame:
    """The article's feature table as a fresh, editable DataFrame (column ``token`` + one column per feature)."""
    df = pd.DataFrame([list(r) for r in ARTICLE_VALUES], columns=list(ARTICLE_FEATURES), dtype="float64")
    df.insert(0, "token", list(ARTICLE_TOKENS))
    return df


@dataclass(frozen=True)
class FeatureGrid:
    """A checked hand-made feature grid: ``values[i, j]`` is token ``i``'s value for feature ``j``."""

    tokens: tuple[str, ...]
    features: tuple[str, ...]
    values: np.ndarray  # float64, (len(tokens), len(features)), read-only
    warnings: tuple[str, ...] = ()


def _blank(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return isinstance(x, str) and not x.strip()


def clean_grid(grid: pd.DataFrame, *, token_column: str = "token") -> FeatureGrid:
    """Check an edited feature grid and turn it into a :class:`FeatureGrid`.

    ``grid`` has a ``token_column`` with the token names (or, if that column
    is absent, tokens in the index) and one numeric column per feature.

    Fixed with a warning (in ``FeatureGrid.warnings``): rows without a token
    name are dropped (a freshly added editor row), empty cells count as 0.
    Refused with :class:`EmbedlabError`: no tokens or no features left, a
    duplicate token or feature name, a blank feature name, a cell that is not
    a finite number.
    """
    if not isinstance(grid, pd.DataFrame):
        raise EmbedlabError(f"expected a pandas DataFrame for the feature grid, got {type(grid).__name__}")
    if token_column in grid.columns:
        names = list(grid[token_column])
        body = grid.drop(columns=[token_column])
    else:
        names = list(grid.index)
        body = grid
    warns: list[str] = []

    features = [str(c).strip() if c is not None else "" for c in body.columns]
    for c in features:
        if not c:
            raise EmbedlabError("A feature (column) has no name. Name it, e.g. 'is an animal', or remove it.")
    dup_f = sorted({c for c in features if features.count(c) > 1})
    if dup_f:
        raise EmbedlabError(f"Feature {dup_f[0]!r} appears more than once. Rename or remove the copy.")

    keep = [i for i, n in enumerate(names) if not _blank(n)]
    dropped = len(names) - len(keep)
    if dropped:
        warns.append(f"Ignored {dropped} row(s) without a token name; type a name in the 'token' column to use them.")
    tokens = [str(names[i]).strip() for i in keep]
    dup_t = sorted({t for t in tokens if tokens.count(t) > 1})
    if dup_t:
        raise EmbedlabError(f"Token {dup_t[0]!r} appears more than once. Rename or remove the copy.")
    if not tokens or not features:
        raise EmbedlabError(
            "The feature grid is empty: it needs at least one token (row, with a name) and one feature "
            "(column). Add them, or reset to the article's table."
        )

    values = np.zeros((len(tokens), len(features)), dtype=np.float64)
    empty: list[str] = []
    for r, i in enumerate(keep):
        for j, feat in enumerate(features):
            cell = body.iat[i, j]
            if _blank(cell):
                empty.append(f"{tokens[r]} / {feat}")
                continue
            try:
                x = float(cell)
            except (TypeError, ValueError):
                raise EmbedlabError(
                    f"Cell {tokens[r]!r} × {feat!r} is {cell!r}, not a number. Type a number such as 0.9."
                ) from None
            if not math.isfinite(x):
                raise EmbedlabError(f"Cell {tokens[r]!r} × {feat!r} is {x}; use a finite number such as 0.9.")
            values[r, j] = x
    if empty:
        more = f" and {len(empty) - 3} more" if len(empty) > 3 else ""
        warns.append(f"Empty cells count as 0: {', '.join(empty[:3])}{more}.")
    zero_rows = [t for t, row in zip(tokens, values) if not row.any()]
    if zero_rows:
        warns.append(
            f"{', '.join(zero_rows)}: every feature is 0, so its direction (and cosine similarity) "
            "is undefined; it is shown as 0 similarity to everything."
        )
    values.setflags(write=False)
    return FeatureGrid(tuple(tokens), tuple(features), values, tuple(warns))


def add_feature(grid: pd.DataFrame, name: str, *, token_column: str = "token", value: float = 0.0) -> pd.DataFrame:
    """A copy of ``grid`` with a new feature column ``name`` filled with ``value``.

    Refused: a blank name, or one that is already a column (or the token column).
    """
    name = (name or "").strip()
    if not name:
        raise EmbedlabError("Type a name for the new feature, e.g. 'can fly'.")
    if name in [str(c).strip() for c in grid.columns]:
        raise EmbedlabError(f"There is already a column called {name!r}. Choose another name.")
    out = grid.copy()
    out[name] = float(value)
    return out


#: Limits on a feature grid read from a lesson file (untrusted input).
MAX_GRID_ROWS = 500
MAX_GRID_FEATURES = 50
MAX_GRID_NAME = 100


def grid_to_json(grid: pd.DataFrame) -> dict:
    """The editable grid as plain JSON data (for a lesson file): column names and rows,
    with empty cells as ``null``. :func:`grid_from_json` reads it back."""
    if not isinstance(grid, pd.DataFrame):
        raise EmbedlabError(f"expected a pandas DataFrame for the feature grid, got {type(grid).__name__}")

    def cell(x: Any) -> Any:
        if _blank(x):
            return None
        if isinstance(x, (int, float, np.number, np.bool_)):  # bool is an int
            return float(x)
        return str(x)

    return {"columns": [str(c) for c in grid.columns],
            "rows": [[cell(x) for x in row] for row in grid.itertuples(index=False, name=None)]}


def grid_digest(grid: pd.DataFrame) -> str:
    """A short fingerprint of the grid's names and cells (changes whenever the grid does)."""
    import hashlib

    return hashlib.sha1(json.dumps(grid_to_json(grid), sort_keys=True).encode()).hexdigest()[:12]


def grid_from_json(text: str) -> pd.DataFrame:
    """Read a grid written by :func:`grid_to_json` (a lesson file's ``features.grid``).

    The file is untrusted: the shape, names and cells are checked here (at most
    500 rows × 50 features, names up to 100 characters, cells numbers or empty),
    and :func:`clean_grid` checks the rest when the page draws it. Refused with a
    :class:`~embedlab.urlstate.ParamError` that says what is wrong.
    """
    from .urlstate import ParamError

    try:
        doc = json.loads(text)
    except (TypeError, ValueError):
        raise ParamError("the feature grid is not valid JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list) or not isinstance(doc.get("rows"), list):
        raise ParamError('the feature grid must be {"columns": [...], "rows": [[...], ...]}')
    cols, rows = doc["columns"], doc["rows"]
    if not cols or cols[0] != "token":
        raise ParamError("the feature grid's first column must be 'token'")
    if len(cols) - 1 > MAX_GRID_FEATURES or len(rows) > MAX_GRID_ROWS:
        raise ParamError(f"the feature grid has {len(rows):,} rows and {len(cols) - 1:,} features; the limits "
                         f"are {MAX_GRID_ROWS} rows and {MAX_GRID_FEATURES} features")
    for c in cols:
        if not isinstance(c, str) or len(c) > MAX_GRID_NAME:
            raise ParamError(f"feature names must be text of at most {MAX_GRID_NAME} characters, got {str(c)[:40]!r}")
    if len(set(cols)) != len(cols):
        raise ParamError("the feature grid repeats a column name")
    out_rows = []
    for r in rows:
        if not isinstance(r, list) or len(r) != len(cols):
            raise ParamError(f"every row of the feature grid needs {len(cols)} cells (token + features)")
        token = r[0]
        if token is not None and (not isinstance(token, str) or len(token) > MAX_GRID_NAME):
            raise ParamError(f"token names must be text of at most {MAX_GRID_NAME} characters")
        cells = []
        for x in r[1:]:
            if x is not None and (isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x)):
                raise ParamError(f"feature values must be finite numbers or empty, got {str(x)[:40]!r}")
            cells.append(np.nan if x is None else float(x))
        out_rows.append([token, *cells])
    df = pd.DataFrame(out_rows, columns=cols)
    df["token"] = pd.Series([r[0] for r in out_rows], dtype=object)  # text, even when every name is empty
    for c in cols[1:]:
        df[c] = df[c].astype("float64")
    return df


def remove_features(grid: pd.DataFrame, names: Sequence[str], *, token_column: str = "token") -> pd.DataFrame:
    """A copy of ``grid`` without the feature columns ``names`` (the token column cannot be removed)."""
    if token_column in names:
        raise EmbedlabError(f"The {token_column!r} column holds the token names and cannot be removed.")
    unknown = [n for n in names if n not in grid.columns]
    if unknown:
        raise EmbedlabError(f"No feature called {unknown[0]!r} in the grid.")
    return grid.drop(columns=list(names))


def grid_heatmap(grid: FeatureGrid, *, title: str = "Hand-made feature vectors") -> go.Figure:
    """Tokens × features heatmap with the values written in the cells (sequential scale, 0..1 at least)."""
    lo = min(0.0, float(grid.values.min()))
    hi = max(1.0, float(grid.values.max()))
    return heatmap(
        grid.values, row_labels=grid.tokens, col_labels=grid.features, title=title, diverging=False,
        zmin=lo, zmax=hi, value_name="value", col_name="feature", show_values=True,
    )


def grid_similarity_heatmap(grid: FeatureGrid, *, title: str = "Cosine similarity of the hand-made vectors") -> go.Figure:
    """Cosine-similarity matrix of the grid's token vectors."""
    return similarity_heatmap(grid.values, grid.tokens, title=title)


# --------------------------------------------------------------------------
# PCA map (works for hand-made grids and real vectors alike)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PcaMap:
    """2-D PCA coordinates of some vectors."""

    labels: tuple[str, ...]
    coords: np.ndarray  # (n, 2)
    explained: tuple[float, float]  # fraction of variance on each axis (0 where undefined)
    warnings: tuple[str, ...] = ()


def pca_map(vectors: np.ndarray, labels: Sequence[str]) -> PcaMap:
    """Project ``vectors`` to 2-D with PCA.

    PCA is deterministic (scikit-learn fixes the component signs), so no seed
    is needed. With fewer than 3 points or features there are not two axes of
    variance; the missing axis is 0 and a warning says so.
    """
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim != 2 or v.shape[0] == 0 or v.shape[1] == 0:
        raise EmbedlabError(f"PCA needs a non-empty 2-D matrix of vectors, got shape {v.shape}. Add tokens and features.")
    if len(labels) != v.shape[0]:
        raise EmbedlabError(f"{len(labels)} labels for {v.shape[0]} vectors")
    n, f = v.shape
    coords = np.zeros((n, 2))
    explained = [0.0, 0.0]
    warns: list[str] = []
    k = min(2, n - 1, f)  # n points span at most n-1 directions
    centred_var = float(((v - v.mean(axis=0)) ** 2).sum())
    if k >= 1 and centred_var > 0:
        pca = PCA(n_components=k, svd_solver="full")
        coords[:, :k] = pca.fit_transform(v)
        explained[:k] = [float(x) for x in pca.explained_variance_ratio_]
    if k < 2 or centred_var == 0:
        warns.append(
            f"{n} token(s) with {f} feature(s) give fewer than two directions of variation; "
            "the missing axis is drawn at 0. Add tokens or features for a real 2-D map."
        )
    coords.setflags(write=False)
    return PcaMap(tuple(str(x) for x in labels), coords, (explained[0], explained[1]), tuple(warns))


def pca_map_figure(pmap: PcaMap, *, title: str = "PCA map") -> go.Figure:
    """Scatter of a :class:`PcaMap` with the tokens written next to their points."""
    fig = go.Figure()
    for i, (lab, (x, y)) in enumerate(zip(pmap.labels, pmap.coords)):
        safe = plotly_safe_label(lab)
        fig.add_trace(go.Scatter(
            x=[float(x)], y=[float(y)], mode="markers+text", text=[safe], textposition="top center",
            marker={"size": 14, "color": marker_colour(i)}, name=safe,
            hovertemplate=f"{safe}<br>PC1 %{{x:.3f}}<br>PC2 %{{y:.3f}}<extra></extra>",
        ))
    e1, e2 = pmap.explained
    fig.update_layout(
        title={"text": title} if title else None, showlegend=False,
        xaxis_title=f"PC1 ({e1:.0%} of variance)", yaxis_title=f"PC2 ({e2:.0%} of variance)",
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10}, height=420,
    )
    # Equal axis scale, so distances on screen are distances in the space.
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


# --------------------------------------------------------------------------
# 2. Features in real embeddings
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Feature:
    """A property defined by example words that have it (positive) and that do not (negative)."""

    name: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]


# Written for embedlab and checked against GloVe 6B-50d (tests/test_features.py).
# None of cat, dog or apple is an example, so the tests that score them are
# held-out checks, not a replay of the training words.
READY_FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("is an animal", ("horse", "cow", "lion", "bird", "rabbit", "sheep", "tiger"),
                ("car", "table", "idea", "city", "house", "river", "book")),
        Feature("is a fruit", ("banana", "lemon", "grape", "mango", "pear", "cherry", "peach"),
                ("carrot", "bread", "stone", "chair", "horse", "city", "river")),
        Feature("is a vehicle", ("car", "truck", "bus", "bicycle", "motorcycle", "train", "boat"),
                ("house", "tree", "horse", "book", "river", "road", "chair")),
        Feature("is a country", ("france", "germany", "japan", "brazil", "canada", "egypt", "india"),
                ("paris", "berlin", "tokyo", "river", "mountain", "city", "london")),
        Feature("is a colour", ("red", "blue", "green", "yellow", "purple", "pink", "brown"),
                ("big", "small", "fast", "table", "soft", "happy", "round")),
        Feature("is an emotion", ("happy", "sad", "angry", "afraid", "joy", "fear", "love"),
                ("table", "car", "river", "blue", "tall", "stone", "window")),
    )
}


_SPLIT = re.compile(r"[,;\s]+")


def parse_words(text: str) -> list[str]:
    """Split a typed example list on commas, semicolons and whitespace: ``"dog, horse\\ncow"`` → 3 words."""
    return [w for w in _SPLIT.split(text or "") if w]


def split_known(table: _Table, words: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``words`` into those the table has a vector for and those it has not, keeping order.

    Blank entries are skipped and repeats kept once, so a page can go on with
    the known words and name the rest.
    """
    known: list[str] = []
    missing: list[str] = []
    for w in words:
        w = str(w).strip()
        if not w or w in known or w in missing:
            continue
        (known if w in table else missing).append(w)
    return known, missing


def words_to_vectors(table: _Table, words: Sequence[str], *, what: str = "") -> np.ndarray:
    """Vectors of ``words`` (float64, one row each), or one :class:`MissingTokenError` naming *all* missing words."""
    missing = [w for w in words if w not in table]
    if missing:
        where = f" ({what})" if what else ""
        name = getattr(table, "name", "this embedding source")
        raise MissingTokenError(
            f"Not in the vocabulary of {name}{where}: {', '.join(repr(w) for w in missing)}. "
            "Remove or replace these words (check the spelling)."
        )
    if not words:
        return np.zeros((0, 0))
    return np.stack([np.asarray(table.vector(w), dtype=np.float64) for w in words])


def _clean_side(words: Sequence[str], side: str, feature: str, warns: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        w = str(w).strip()
        if not w:
            continue
        if w in out:
            warns.append(f"{feature!r}: {w!r} is listed twice as a {side} example; it is used once.")
            continue
        out.append(w)
    if len(out) < 2:
        raise EmbedlabError(
            f"Feature {feature!r} has {len(out)} {side} example word(s); it needs at least 2. "
            f"Add {2 - len(out)} more {side} example(s)."
        )
    return out


@dataclass(frozen=True)
class FeatureDirection:
    """A feature turned into a direction by the difference of means (see the module docstring)."""

    feature: Feature  # with the cleaned word lists actually used
    direction: np.ndarray  # d = mean(positive) - mean(negative)
    midpoint: np.ndarray  # (mean(positive) + mean(negative)) / 2
    holdout_accuracy: float  # leave-one-out: fraction of examples put on their own side
    holdout_misses: tuple[str, ...]  # the examples that landed on the wrong side when left out
    warnings: tuple[str, ...] = ()

    def score(self, vectors: np.ndarray) -> np.ndarray:
        """Scores of row vectors: +1 = like the average positive example, -1 = like the average negative one."""
        v = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        return (v - self.midpoint) @ self.direction / (self.direction @ self.direction / 2.0)


def _mean_difference(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mp, mn = pos.mean(axis=0), neg.mean(axis=0)
    return mp - mn, (mp + mn) / 2.0


def feature_direction(table: _Table, feature: Feature) -> FeatureDirection:
    """Turn a :class:`Feature` into a :class:`FeatureDirection` in ``table``'s space.

    Refused (:class:`EmbedlabError`): a blank name, fewer than two distinct
    examples on a side, a word on both sides, examples whose means coincide.
    Refused (:class:`MissingTokenError`): example words the table has no
    vector for -- all of them named at once.
    """
    name = (feature.name or "").strip()
    if not name:
        raise EmbedlabError("A feature has no name. Give it one, e.g. 'is an animal'.")
    warns: list[str] = []
    pos = _clean_side(feature.positive, "positive", name, warns)
    neg = _clean_side(feature.negative, "negative", name, warns)
    both = [w for w in pos if w in neg]
    if both:
        raise EmbedlabError(
            f"Feature {name!r}: {', '.join(map(repr, both))} is both a positive and a negative example. "
            "Remove it from one side."
        )
    # Name every missing example, on both sides, in one message.
    missing = [(side, w) for side, words in (("positive", pos), ("negative", neg)) for w in words if w not in table]
    if missing:
        tname = getattr(table, "name", "this embedding source")
        listed = "; ".join(
            f"{side}: {', '.join(repr(w) for s_, w in missing if s_ == side)}"
            for side in ("positive", "negative") if any(s_ == side for s_, _ in missing)
        )
        raise MissingTokenError(
            f"Feature {name!r} has example words that are not in the vocabulary of {tname} ({listed}). "
            "Remove or replace them (check the spelling)."
        )
    P = words_to_vectors(table, pos)
    N = words_to_vectors(table, neg)
    d, mid = _mean_difference(P, N)
    if not np.any(d):
        raise EmbedlabError(
            f"Feature {name!r}: the positive and negative examples have the same average vector, so they "
            "define no direction. Use different words on the two sides."
        )

    # Leave-one-out: would each example land on its own side if it had not been used?
    misses: list[str] = []
    for words, X, sign in ((pos, P, 1.0), (neg, N, -1.0)):
        for i, w in enumerate(words):
            rest = np.delete(X, i, axis=0)
            dd, mm = (_mean_difference(rest, N) if sign > 0 else _mean_difference(P, rest))
            if sign * float((X[i] - mm) @ dd) <= 0:
                misses.append(w)
    total = len(pos) + len(neg)
    d.setflags(write=False)
    mid.setflags(write=False)
    return FeatureDirection(
        Feature(name, tuple(pos), tuple(neg)), d, mid, (total - len(misses)) / total, tuple(misses), tuple(warns)
    )


@dataclass(frozen=True)
class FeatureScores:
    """``scores[i, j]`` = token ``i``'s score on feature ``j``."""

    tokens: tuple[str, ...]
    features: tuple[str, ...]
    scores: np.ndarray  # float64, (len(tokens), len(features))
    directions: tuple[FeatureDirection, ...]
    warnings: tuple[str, ...] = ()

    def as_frame(self) -> pd.DataFrame:
        """The scores as a DataFrame (index: tokens, columns: features)."""
        return pd.DataFrame(self.scores, index=list(self.tokens), columns=list(self.features))


def score_tokens(
    table: _Table, tokens: Sequence[str], features: Sequence[Feature] | Mapping[str, Feature]
) -> FeatureScores:
    """Score ``tokens`` on each feature (difference-of-means directions in ``table``'s space).

    Blank and repeated tokens are dropped with a warning. Refused: no tokens,
    no features, two features with the same name, words missing from the
    table (:class:`MissingTokenError` naming them all), and anything
    :func:`feature_direction` refuses.
    """
    feats = list(features.values()) if isinstance(features, Mapping) else list(features)
    if not feats:
        raise EmbedlabError("No features chosen. Pick at least one, e.g. 'is an animal'.")
    names = [(f.name or "").strip() for f in feats]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise EmbedlabError(f"Two features are both called {dup[0]!r}. Rename one.")
    warns: list[str] = []
    toks: list[str] = []
    for t in tokens:
        t = str(t).strip()
        if not t:
            continue
        if t in toks:
            warns.append(f"{t!r} is listed twice; it is scored once.")
            continue
        toks.append(t)
    if not toks:
        raise EmbedlabError("No tokens to score. Type some words, e.g. 'cat, dog, apple'.")
    V = words_to_vectors(table, toks, what="tokens to score")
    dirs = tuple(feature_direction(table, f) for f in feats)
    for dr in dirs:
        warns.extend(dr.warnings)
    S = np.column_stack([dr.score(V) for dr in dirs])
    S.setflags(write=False)
    return FeatureScores(tuple(toks), tuple(dr.feature.name for dr in dirs), S, dirs, tuple(warns))


def scores_heatmap(scores: FeatureScores, *, title: str = "Feature scores from learned vectors") -> go.Figure:
    """Tokens × features heatmap of scores on a diverging scale (at least -1..1, centred on 0)."""
    bound = max(1.0, float(np.abs(scores.scores).max()))
    return heatmap(
        scores.scores, row_labels=scores.tokens, col_labels=scores.features, title=title, diverging=True,
        zmin=-bound, zmax=bound, value_name="score", col_name="feature", show_values=True,
    )


def directions_table(scores: FeatureScores) -> pd.DataFrame:
    """One row per feature: its example words and how well the direction separates them when each is left out."""
    return pd.DataFrame([
        {
            "feature": d.feature.name,
            "positive examples": ", ".join(d.feature.positive),
            "negative examples": ", ".join(d.feature.negative),
            "held-out accuracy": d.holdout_accuracy,
            "wrong side when left out": ", ".join(d.holdout_misses) or "—",
        }
        for d in scores.directions
    ])
