"""What the Embeddings page shows, as pure functions: lookups, tables and figures.

Text reaches an embedding table in one of two ways:

* a *token-level* table (an ``nn.Embedding`` over a tokenizer, GPT-2's ``wte``)
  is indexed by token ID -- the text is tokenized and each ID picks its row;
* a *word-level* table (GloVe) has one row per whole lower-case word -- the
  text is split into words and punctuation, and each is looked up by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .embeddings import EmbeddingTable, normalise_word
from .figures import heatmap, plotly_safe_label, similarity_heatmap, unique_labels
from .memory import estimate_bytes, format_bytes
from .palette import MARKER_COLOURS

__all__ = [
    "TextLookup",
    "lookup_figure",
    "lookup_rows_table",
    "lookup_similarity",
    "lookup_text",
    "lookup_vectors_table",
    "neighbors_figure",
    "pytorch_snippet",
    "shape_line",
    "table_summary",
    "words_similarity",
]

# Words and single punctuation marks, roughly as GloVe's corpus was split.
_WORDS = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class TextLookup:
    """The rows a text selects in a table (``None`` where the table has no vector)."""

    labels: list[str]
    ids: list[int | None]  # token IDs; None for words
    rows: list[int | None]
    unit: str  # "token" or "word"
    encoding: str | None  # the tokenizer used, for token-level tables
    truncated: int  # items left out after ``max_items``

    @property
    def found(self) -> list[int]:
        """Positions (in ``labels``) that have a vector."""
        return [i for i, r in enumerate(self.rows) if r is not None]

    @property
    def missing(self) -> list[str]:
        return [lab for lab, r in zip(self.labels, self.rows) if r is None]


def lookup_text(table: EmbeddingTable, text: str, *, encoding: str = "gpt2", max_items: int = 200) -> TextLookup:
    """Split ``text`` the way ``table`` is indexed and find each piece's row.

    A table tied to a tokenizer (``table.encoding``) is always read with that
    tokenizer -- another one's IDs would pick unrelated rows.
    """
    if table.word_level:
        words = _WORDS.findall(text)
        kept = words[:max_items]
        return TextLookup(
            labels=kept, ids=[None] * len(kept), rows=[table.index_of(w) for w in kept], unit="word",
            encoding=None, truncated=len(words) - len(kept),
        )
    from .tokenizer import tokenize

    enc = table.encoding or encoding
    tokens = tokenize(text, enc)
    kept = tokens[:max_items]
    if table.encoding is not None:
        rows = [t.id if t.id < len(table) else None for t in kept]
    else:  # labelled rows without the tokenizer's IDs (e.g. a Llama vocabulary): match the piece's text
        rows = [table.index_of(t.text) for t in kept]
    return TextLookup(
        labels=[t.text for t in kept], ids=[t.id for t in kept], rows=rows, unit="token", encoding=enc,
        truncated=len(tokens) - len(kept),
    )


def lookup_rows_table(table: EmbeddingTable, lookup: TextLookup, *, preview: int = 4) -> pd.DataFrame:
    """One line per piece: label, ID, row, the first ``preview`` components and the vector's length."""
    records = []
    for label, tid, row in zip(lookup.labels, lookup.ids, lookup.rows):
        rec: dict[str, object] = {lookup.unit: label}
        if lookup.unit == "token":
            rec["token ID"] = tid
        else:
            rec["looked up as"] = normalise_word(label) if table.word_level else label
        rec["row"] = row
        if row is None:
            rec["vector"] = "no vector"
            rec["length"] = None
        else:
            v = np.asarray(table.vectors[row], dtype=np.float64)
            shown = ", ".join(f"{x:+.3f}" for x in v[:preview])
            rec["vector"] = f"[{shown}{', …' if len(v) > preview else ''}]"
            rec["length"] = round(float(np.linalg.norm(v)), 4)
        records.append(rec)
    return pd.DataFrame.from_records(records)


def lookup_vectors_table(table: EmbeddingTable, lookup: TextLookup) -> pd.DataFrame:
    """Every component of every found vector: one line per piece, one column per dimension."""
    found = lookup.found
    rows = [lookup.rows[i] for i in found]
    values = np.asarray(table.vectors[rows], dtype=np.float32) if rows else np.empty((0, table.dim), np.float32)
    frame = pd.DataFrame(values, columns=[f"d{j}" for j in range(table.dim)])
    frame.insert(0, lookup.unit, [lookup.labels[i] for i in found])
    return frame


def lookup_similarity(table: EmbeddingTable, lookup: TextLookup, *, limit: int = 30) -> go.Figure | None:
    """Cosine similarity between the distinct rows the text picked (``None`` with fewer than two).

    A repeated word picks the same row, which would only add a row of 1s: each
    row appears once, under the first piece that picked it.
    """
    first: dict[int, str] = {}
    for i in lookup.found:
        first.setdefault(int(lookup.rows[i]), lookup.labels[i])  # type: ignore[arg-type]
    rows = list(first)[:limit]
    if len(rows) < 2:
        return None
    vectors = np.asarray(table.vectors[rows], dtype=np.float64)
    return similarity_heatmap(vectors, [first[r] for r in rows],
                              title=f"Cosine similarity of your {lookup.unit}s in {table.name}")


def lookup_figure(table: EmbeddingTable, lookup: TextLookup, *, max_dims: int = 64) -> go.Figure:
    """Heatmap of the selected rows (pieces x dimensions), the first ``max_dims`` dimensions."""
    found = lookup.found
    if not found:
        raise ValueError("no piece of the text has a vector to show")
    rows = [lookup.rows[i] for i in found]
    dims = min(table.dim, max_dims)
    vectors = np.asarray(table.vectors[rows][:, :dims] if len(rows) else np.empty((0, dims)), dtype=np.float64)
    # No spaces in the label: the shared label helper shows a space as "·" (it matters in tokens).
    labels = [f"{lookup.labels[i]}→{lookup.rows[i]}" for i in found]
    shown = f"first {dims} of {table.dim} dimensions" if dims < table.dim else f"{table.dim} dimensions"
    noun = "row" if len(rows) == 1 else "rows"
    return heatmap(
        vectors, row_labels=labels, title=f"{len(rows)} {noun} of {table.name} ({shown})",
        value_name="value", row_name=f"{lookup.unit} → row", col_name="dimension",
        show_values=dims <= 8 and len(rows) <= 12,
    )


def neighbors_figure(results: Sequence[tuple[str, float]], *, query: str, metric: str) -> go.Figure:
    """Horizontal bars, nearest on top: similarity (cosine, dot) or distance (euclidean)."""
    labels = unique_labels([w for w, _ in results])
    scores = [s for _, s in results]
    value = "distance" if metric == "euclidean" else ("cosine similarity" if metric == "cosine" else "dot product")
    fig = go.Figure(
        go.Bar(
            x=scores, y=labels, orientation="h", marker={"color": MARKER_COLOURS[0]},
            text=[f"{s:.3f}" for s in scores], textposition="auto",
            hovertemplate=f"%{{y}}<br>{value}: %{{x:.4f}}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(
        title={"text": f"Nearest to {plotly_safe_label(query)} ({value})"},
        xaxis_title=value, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        height=max(220, min(900, 60 + 26 * len(results))),
    )
    if metric == "cosine":
        fig.update_xaxes(range=[min(0.0, min(scores, default=0.0)), 1.0])
    return fig


def words_similarity(table: EmbeddingTable, raw: str, *, limit: int = 20) -> tuple[go.Figure | None, list[str]]:
    """Cosine-similarity heatmap of the words in ``raw`` (commas or spaces) that the table knows.

    Returns the figure (``None`` with fewer than two known words) and the words without a vector.
    """
    words = list(dict.fromkeys(w for w in raw.replace(",", " ").split() if w))[:limit]
    have = [w for w in words if w in table]
    missing = [w for w in words if w not in table]
    if len(have) < 2:
        return None, missing
    vectors = np.stack([np.asarray(table.vector(w), dtype=np.float64) for w in have])
    return similarity_heatmap(vectors, have, title=f"Cosine similarity in {table.name}"), missing


def shape_line(table: EmbeddingTable) -> str:
    """One sentence for a slide: "50,257 × 768 = 38,597,376 parameters, 154 MB as float32"."""
    n_bytes = estimate_bytes((len(table), table.dim), np.float32)
    size = f"{n_bytes / 1e6:,.0f} MB" if n_bytes >= 10e6 else format_bytes(n_bytes)
    return f"{len(table):,} × {table.dim:,} = {len(table) * table.dim:,} parameters, {size} as float32"


def table_summary(table: EmbeddingTable) -> dict[str, str]:
    """The numbers a slide would show: rows, dimensions, parameters, memory."""
    return {
        "Rows (vocabulary)": f"{len(table):,}",
        "Dimensions": f"{table.dim:,}",
        "Parameters": f"{len(table) * table.dim:,}",
        "Memory (float32)": format_bytes(estimate_bytes((len(table), table.dim), np.float32)),
    }


def pytorch_snippet(*, vocab_size: int, dim: int, seed: int, ids: Sequence[int]) -> str:
    """The article's PyTorch example with these values; it prints what the page shows."""
    return (
        "import torch\n\n"
        f"input_ids = torch.tensor({list(map(int, ids))})\n\n"
        f"vocab_size = {int(vocab_size)}\n"
        f"output_dim = {int(dim)}\n\n"
        f"torch.manual_seed({int(seed)})\n"
        "embedding_layer = torch.nn.Embedding(vocab_size, output_dim)\n\n"
        'print("Embedding weights:\\n", embedding_layer.weight)\n'
        'print("\\nEmbedded output:\\n", embedding_layer(input_ids))\n'
    )
