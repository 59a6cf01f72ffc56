"""Position matrices and matching token tables for the positions page: GPT-2's real ones when downloaded.

GPT-2's learned ``wpe`` (1,024 x 768) and its token table ``wte`` come from the
Hugging Face cache through :mod:`appkit.embeddings`, so the Embeddings page and
this page share one download and one cached copy. Until both are on disk the
page shows a sinusoidal or random-initialised stand-in and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import embedlab as el
from embedlab import positions

from . import embeddings as emb

N_POSITIONS = 1024  # GPT-2's context
DIM = 768  # GPT-2 small's width
GPT2_REPO = emb.DEFAULT_REPO
_JOBS = ((GPT2_REPO, False), (GPT2_REPO, True))  # wte, wpe


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


@st.cache_resource(max_entries=8, show_spinner="Projecting the positions to 2-D…")  # shared read-only figure
def position_map_figure(kind: str, source: str, title: str) -> go.Figure:
    """PCA map of a position matrix, cached per (kind, source) so reruns do not redo the PCA."""
    P = gpt2().wpe.vectors if kind == "gpt2" else position_matrix(kind)  # type: ignore[union-attr]
    return positions.position_map(P, title=title)


@dataclass(frozen=True)
class Gpt2:
    """GPT-2's token table (wte) and learned position table (wpe), and notes such as "offline: cached copy"."""

    wte: el.EmbeddingTable
    wpe: el.EmbeddingTable
    notes: tuple[str, ...]


def _available(positions_matrix: bool) -> bool:
    job = emb.download_of(GPT2_REPO, positions=positions_matrix)
    return emb.hf_is_cached(GPT2_REPO, positions=positions_matrix) or (job is not None and job.ok)


def gpt2() -> Gpt2 | None:
    """Both GPT-2 matrices when they are on disk (or were just downloaded); ``None`` otherwise. No network needed."""
    if not (_available(False) and _available(True)):
        return None
    wte, notes_wte = emb.hf_table(GPT2_REPO)
    wpe, notes_wpe = emb.hf_positions(GPT2_REPO)
    if wte.dim != wpe.dim:  # e.g. a different repo under the same name: the two cannot be added
        raise el.EmbedlabError(
            f"{GPT2_REPO}'s token vectors have {wte.dim} dimensions but its position vectors {wpe.dim}; "
            "delete its cache folder and download it again."
        )
    return Gpt2(wte, wpe, tuple(dict.fromkeys(notes_wte + notes_wpe)))


def download_controls(*, scope: str) -> None:
    """A button that downloads GPT-2's wte + wpe in the background, then its progress, or what went wrong."""
    jobs = [emb.download_of(repo, positions=p) for repo, p in _JOBS]
    if any(j is not None and j.running for j in jobs):
        emb.download_panel(_JOBS, label="GPT-2's wte + wpe", key=f"w.{scope}.gpt2_cancel")
        return
    for j in jobs:
        if j is not None and j.error:
            (st.info if j.cancelled else st.error)(j.error, icon="⏹️" if j.cancelled else "⚠️")
            break
    if st.button("Download GPT-2's trained wte + wpe (157 MB, once; then it works offline)", key=f"w.{scope}.gpt2_go"):
        for repo, p in _JOBS:
            if not emb.hf_is_cached(repo, positions=p):
                emb.start_download(repo, positions=p)
        st.rerun()  # draw the progress from the start
