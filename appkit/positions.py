"""Cached position matrices and matching token tables for the positions page."""

from __future__ import annotations

import numpy as np
import streamlit as st

import embedlab as el
from embedlab import positions

N_POSITIONS = 1024  # GPT-2's context
DIM = 768  # GPT-2 small's width


@st.cache_resource(show_spinner="Building position matrix…")
def position_matrix(kind: str) -> np.ndarray:
    if kind == "sinusoidal":
        return positions.sinusoidal(N_POSITIONS, DIM)
    if kind == "random":
        return positions.learned_random(N_POSITIONS, DIM, seed=0)
    raise el.EmbedlabError(f"unknown position kind {kind!r}")


@st.cache_resource(show_spinner="Building a random 50,257 × 768 token table…")
def random_token_table() -> el.EmbeddingTable:
    return el.load_embeddings("random", encoding="gpt2", dim=DIM, seed=123)
