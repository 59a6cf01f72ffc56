"""The embedding-source selector every page shares, and the caches behind it.

Tables are big and read-only, so each is loaded once per process
(``cache_resource``) and shared by every session; an uploaded table belongs to
one session and is kept as a single reference in its state. The chosen source
is shared state (``source``), so it follows the student from page to page and
travels in the URL.
"""

from __future__ import annotations

import warnings

import streamlit as st

import embedlab as el
from embedlab import urlstate
from embedlab.embedding_files import FORMATS, read_embedding_file
from embedlab.hf_download import default_cache_dir, load_hf_embeddings

from . import state

SOURCES = {
    "glove-6b-50d": "GloVe 6B 50d — 400,000 trained words",
    "random": "Random nn.Embedding — untrained, over the tokenizer",
    "hf": "Hugging Face model — its input embeddings",
    "upload": "Upload a file",
}
DEFAULT_REPO = "openai-community/gpt2"
MAX_UPLOAD_MB = 200  # as .streamlit/config.toml's server.maxUploadSize


@st.cache_resource(show_spinner="Loading GloVe 6B 50d (checking the files)…")
def glove() -> el.EmbeddingTable:
    return el.glove_6b_50d()


@st.cache_resource(max_entries=3, show_spinner="Building a random embedding table…")
def random_table(encoding: str, dim: int, seed: int) -> el.EmbeddingTable:
    return el.random_embeddings(encoding=encoding, dim=dim, seed=seed)


@st.cache_resource(max_entries=2, show_spinner="Fetching the embedding matrix from Hugging Face (only its bytes)…")
def hf_table(repo_id: str) -> tuple[el.EmbeddingTable, tuple[str, ...]]:
    """The table and any warnings (e.g. "offline: using the cached copy") to show."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = load_hf_embeddings(repo_id)
    return table, tuple(str(w.message) for w in caught)


def hf_is_cached(repo_id: str) -> bool:
    """Whether a matrix of ``repo_id`` is already on disk (then loading needs no click)."""
    return any((default_cache_dir() / "hf" / repo_id.replace("/", "--")).glob("*/*/info.json"))


def source_select(*, scope: str, container=st) -> el.EmbeddingTable:
    """Choose an embedding table; always returns one (GloVe when the choice cannot be loaded).

    Problems are shown where the selector is, in words, and the previous
    settings stay, so a typo in a repo id never breaks the page around it.
    """
    choice = state.widget(
        container.selectbox, "Embedding table", "source", scope=scope, default="glove-6b-50d",
        parse=urlstate.choice(list(SOURCES)), options=list(SOURCES), format_func=SOURCES.__getitem__,
        help="Where the vectors come from. The choice follows you to the other pages.",
    )
    try:
        table = _load(choice, scope=scope, container=container)
    except el.EmbedlabError as e:
        container.error(f"{e} Showing GloVe instead.", icon="⚠️")
        table = None
    if table is None:
        table = glove()
    container.caption(table.source)
    return table


def _load(choice: str, *, scope: str, container) -> el.EmbeddingTable | None:
    if choice == "glove-6b-50d":
        return glove()
    if choice == "random":
        c1, c2 = container.columns(2)
        dim = state.widget(c1.number_input, "Dimensions", "source.dim", scope=scope, default=16,
                           parse=urlstate.integer(1, 300), min_value=1, max_value=300, step=1,
                           help="Length of each vector. GPT-2 uses 768; 300 is the most offered here.")
        seed = state.widget(c2.number_input, "Seed", "source.seed", scope=scope, default=123,
                            parse=urlstate.integer(0, 2**31 - 1), min_value=0, max_value=2**31 - 1, step=1,
                            help="torch.manual_seed: the same seed gives the same table, exactly.")
        # Declared as widgets.encoding_select declares it, for a session that has not shown that widget yet.
        encoding = state.param("encoding", "gpt2", urlstate.choice(el.ENCODINGS))
        container.caption(f"One row per token of **{encoding}** (change the tokenizer on the Tokens page).")
        return random_table(encoding, int(dim), int(seed))
    if choice == "hf":
        repo = state.widget(container.text_input, "Hugging Face model", "source.hf_repo", scope=scope,
                            default=DEFAULT_REPO, parse=urlstate.text(96),
                            help="A model repo with a model.safetensors, e.g. openai-community/gpt2. "
                            "Only the embedding matrix is downloaded (154 MB for GPT-2), once.").strip()
        if not hf_is_cached(repo) and not container.button(
            f"Download the embedding matrix of {repo}", key=f"w.{scope}.source.hf_go"
        ):
            container.info("Not downloaded yet: press the button (needs internet once).", icon="⬇️")
            return None
        table, notes = hf_table(repo)
        for note in notes:
            container.warning(note, icon="📴")
        return table
    if choice == "upload":
        return _upload(scope=scope, container=container)
    raise el.EmbedlabError(f"unknown embedding source {choice!r}.")


def _upload(*, scope: str, container) -> el.EmbeddingTable | None:
    up = container.file_uploader(
        "Embedding file", type=sorted(ext.lstrip(".") for ext in FORMATS), key=f"w.{scope}.source.upload",
        help="GloVe/word2vec text, CSV/TSV (token then numbers), .npy, .npz, .safetensors or .pt. "
        "Nothing is unpickled.",
    )
    # One reference per session, never in the URL (parse=None).
    kept: tuple[str, int, el.EmbeddingTable] | None = state.param("source.upload", None)
    if up is None:  # nothing chosen, or the uploader was reset by a page switch
        if kept:
            container.caption(f"Using {kept[0]}, uploaded earlier in this session.")
            return kept[2]
        container.info("Choose a file to see its vectors; GloVe is shown meanwhile.", icon="📄")
        return None
    if kept and kept[:2] == (up.name, up.size):
        return kept[2]  # same file as last run: do not parse it again
    if up.size > MAX_UPLOAD_MB * 1_000_000:  # the widget's limit is only checked in the browser
        raise el.FileFormatError(f"{up.name!r} is {el.format_bytes(up.size)}; the limit is {MAX_UPLOAD_MB} MB.")
    with st.spinner(f"Reading {up.name}…"):
        table = read_embedding_file(up.getvalue(), filename=up.name)
    state.put("source.upload", (up.name, up.size, table))
    return table
