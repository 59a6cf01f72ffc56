"""Streamlit side of the Train page: the shared corpus cache and the session's trained table.

The teaching corpus is the same for everyone, so each tokenisation is built
once per process (``cache_resource``; nothing changes a Corpus). A training
run -- its :class:`~embedlab.train.Trainer` and the table it produced -- belongs
to one session and is kept as a single reference in that session's state.

Other pages get the session's trained table from :func:`trained_table`
(``None`` until something was trained), e.g. as one more embedding source.
"""

from __future__ import annotations

import re
import threading

import streamlit as st

from embedlab.corpus import MAX_TEXT_BYTES, Corpus, build_corpus, read_text, teaching_corpus
from embedlab.embeddings import EmbeddingTable
from embedlab.errors import EmbedlabError, ResourceError
from embedlab.memory import format_bytes
from embedlab.train import Trainer, export_files

from . import state


def _warm_up() -> None:
    # torch imports its compiler package (about 800 modules, seconds on a busy
    # 2-core machine) the first time any optimizer is made. Do it in the
    # background when the Train page is first opened, not after "Start".
    import torch._dynamo  # noqa: F401


threading.Thread(target=_warm_up, name="embedlab-torch-warm-up", daemon=True).start()

TRAINER = "train.trainer"
TABLE = "train.table"
FILES = "train.files"


@st.cache_resource(max_entries=4, show_spinner="Tokenising the teaching corpus…")
def teaching(tokenization: str) -> Corpus:
    return teaching_corpus(tokenization=tokenization)


def corpus_key(source: str, tokenization: str, pasted: str, upload) -> tuple:
    """What identifies the text to train on (a new key means a new run)."""
    if source == "teaching":
        return ("teaching", tokenization)
    if source == "paste":
        return ("paste", tokenization, pasted)
    return ("upload", tokenization, upload.name, upload.size) if upload is not None else ("upload", None)


def load_corpus(source: str, tokenization: str, pasted: str, upload) -> Corpus:
    """The corpus to train on: the shared teaching corpus, or this session's text.

    Raises :class:`~embedlab.errors.EmbedlabError` with a message for the page.
    """
    if source == "teaching":
        return teaching(tokenization)
    if source == "paste":
        text, name = read_text(pasted, name="the pasted text"), "pasted text"
    else:
        if upload is None:
            raise EmbedlabError("Choose a .txt file to upload first.")
        if upload.size > MAX_TEXT_BYTES:  # the widget's own limit is only checked in the browser
            raise ResourceError(f"The file is {format_bytes(upload.size)}; the limit for training text is "
                                f"{format_bytes(MAX_TEXT_BYTES)}. Use a shorter excerpt.", needed_bytes=upload.size)
        # The file name becomes the table's name on every page: keep it to plain characters.
        name = re.sub(r"[^\w .()-]", "_", upload.name)[:80]
        text = read_text(upload.getvalue(), name=name)
    return build_corpus(text, tokenization=tokenization, name=name)


def trainer() -> Trainer | None:
    """This session's training run, if any."""
    return state.param(TRAINER, None)


def set_trainer(t: Trainer | None) -> None:
    state.put(TRAINER, t)
    state.put(TABLE, None)
    state.put(FILES, None)


def trained_table() -> EmbeddingTable | None:
    """The table this session trained last ("trained: <name>"), or ``None``."""
    return state.param(TABLE, None)


def publish(t: Trainer) -> EmbeddingTable:
    """Turn the run's current state into this session's trained table (kept once)."""
    table = t.to_table()
    state.put(TABLE, table)
    state.put(FILES, None)
    return table


def stop() -> None:
    """Stop button: stop this session's run after its current step and keep the table so far."""
    t = trainer()
    state.put("train.running", False)
    if t is not None:
        t.stop()
        publish(t)


def reset() -> None:
    """Reset button: forget this session's run."""
    set_trainer(None)
    state.put("train.running", False)
    state.put("train.demo", None)


def files(t: Trainer) -> dict[str, bytes]:
    """Download files of the published table, built once per published table."""
    kept = state.param(FILES, None)
    table = trained_table() or publish(t)
    if kept is None or kept[0] is not table:
        kept = (table, export_files(t, table))
        state.put(FILES, kept)
    return kept[1]
