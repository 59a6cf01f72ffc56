"""Streamlit caches for the One-hot vs dense page.

The random matrix is shared by every session (``cache_resource``, read-only);
gradients are small results (``cache_data``). Timings are never cached: they
are measured live, on request.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from embedlab.onehot import BackwardView, Equivalence, backward_view, check_equivalence, random_weight

#: Width of the random matrix used when the source's rows are not indexed by the encoding's IDs.
#: The equivalence does not depend on the width; 64 keeps o200k_base's matrix at 51 MB.
EQUIVALENCE_DIM = 64


@st.cache_resource(max_entries=3, show_spinner="Building a random embedding matrix…")
def random_matrix(vocab_size: int, dim: int = EQUIVALENCE_DIM, seed: int = 0) -> np.ndarray:
    return random_weight(vocab_size, dim, seed=seed)


@st.cache_data(max_entries=16, show_spinner="Running a backward pass…")
def backward(ids: tuple[int, ...], vocab_size: int, dim: int) -> BackwardView:
    return backward_view(ids, vocab_size=vocab_size, dim=dim)


@st.cache_data(max_entries=64, show_spinner=False)
def equivalence(ids: tuple[int, ...], weight_key: str, _weight: np.ndarray) -> Equivalence:
    """``check_equivalence`` once per (IDs, matrix): its answer cannot change, and checking a
    whole vocabulary's matrix for non-finite values on every rerun cost the server under load.
    ``weight_key`` identifies the matrix (``appkit.maps.table_key`` for a table)."""
    return check_equivalence(ids, _weight)
