"""Cached pieces of the guided tour (shared, read-only)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import embedlab as el
from appkit import embeddings as emb
from embedlab import mapfig, projection, tour

TOUR_DIM = 50  # the random table is as wide as GloVe, for a fair comparison


def glove() -> el.EmbeddingTable:
    return emb.glove()


def random_table() -> el.EmbeddingTable:
    return emb.random_table("gpt2", TOUR_DIM, 123)


@st.cache_resource(show_spinner=False)
def article_table() -> el.EmbeddingTable:
    return tour.article_table()


@st.cache_data(max_entries=64, show_spinner=False)
def reveal(step: str) -> tour.Reveal:
    return tour.reveal(step, glove=glove(), random_table=random_table())


@st.cache_data(max_entries=64, show_spinner="Placing your words among their neighbours…")
def text_map(text: str, k: int = 5) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    """(coords, labels, categories, rows, indices of your words) for the words of ``text`` and their neighbours."""
    g = glove()
    mine = mapfig.points_from_text(g, text[:2000])
    words = list(dict.fromkeys(mine.labels))[:12]
    sets = [mine] + [mapfig.points_neighbours(g, w, k=k) for w in words]
    merged = mapfig.merge_point_sets(*sets, description="your words and their neighbours")
    coords = projection.project(merged.vectors(g), method="pca", n_components=2, seed=0)
    mine_rows = set(int(r) for r in mine.rows)
    highlight = tuple(i for i, r in enumerate(merged.rows) if int(r) in mine_rows)
    return coords, merged.labels, merged.categories, tuple(int(r) for r in merged.rows), highlight
