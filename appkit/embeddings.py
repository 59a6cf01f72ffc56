"""The embedding-source selector every page shares, the caches behind it, and Hub downloads.

Tables are big and read-only, so each is loaded once per process
(``cache_resource``) and shared by every session; an uploaded table belongs to
one session and is kept as a single reference in its state. The chosen source
is shared state (``source``), so it follows the student from page to page and
travels in the URL.

A Hugging Face matrix is downloaded in a background thread, one per (repo,
matrix) per server process: a second session that asks for the same model
watches the same download instead of starting another. The page keeps working
(GloVe is shown meanwhile); a fragment polls the download's progress and
reruns the page when it is done, and the finished table goes into the same
``cache_resource`` as a cached one would.
"""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass, field

import streamlit as st

import embedlab as el
from embedlab import urlstate
from embedlab.embedding_files import FORMATS, read_embedding_files
from embedlab.hf_download import hf_cache_entry, load_hf_embeddings

from . import state

SOURCES = {
    "glove-6b-50d": "GloVe 6B 50d — 400,000 trained words",
    "random": "Random nn.Embedding — untrained, over the tokenizer",
    "hf": "Hugging Face model — its input embeddings",
    "upload": "Upload a file (or a pair)",
    "trained": "Trained on the Train page (this session)",
}
DEFAULT_REPO = "openai-community/gpt2"
MAX_UPLOAD_MB = 200  # as .streamlit/config.toml's server.maxUploadSize
POLL_S = 0.5  # how often a page showing a download's progress looks at it


@st.cache_resource(show_spinner="Loading GloVe 6B 50d (checking the files)…")
def glove() -> el.EmbeddingTable:
    return el.glove_6b_50d()


@st.cache_resource(max_entries=3, show_spinner="Building a random embedding table…")
def random_table(encoding: str, dim: int, seed: int) -> el.EmbeddingTable:
    return el.random_embeddings(encoding=encoding, dim=dim, seed=seed)


# -- small results, cached so that a rerun (a slider moved elsewhere) recomputes nothing ---------------


def _recorded(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:  # e.g. k clamped to the table: shown, not lost
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    return result, tuple(str(w.message) for w in caught)


@st.cache_data(max_entries=512, show_spinner=False)
def neighbors(_table: el.EmbeddingTable, uid: str, query: str, k: int, metric: str):
    """``(table.neighbors(query, k, metric), warnings)``, cached per table object (``uid``)."""
    return _recorded(_table.neighbors, query, k=k, metric=metric)


@st.cache_data(max_entries=512, show_spinner=False)
def analogy(_table: el.EmbeddingTable, uid: str, positive: tuple[str, ...], negative: tuple[str, ...], k: int):
    """``(table.analogy(positive, negative, k), warnings)``, cached per table object (``uid``)."""
    return _recorded(_table.analogy, list(positive), list(negative), k=k)


# cache_resource, not cache_data: figures are shared read-only (see cache.figure), and
# cache_data would unpickle -- re-validate -- both figures on every run (~25 ms each).
@st.cache_resource(max_entries=64, show_spinner=False)
def article_example(vocab_size: int, dim: int, seed: int, ids: tuple[int, ...]):
    """The article's ``nn.Embedding`` example: (code, weight figure, output figure or ``None``)."""
    small = el.random_embeddings(vocab_size=vocab_size, dim=dim, seed=seed)
    out = small.lookup(list(ids))  # raises for an ID outside the table, naming it
    code = el.pytorch_snippet(vocab_size=vocab_size, dim=dim, seed=seed, ids=list(ids))
    weight = el.heatmap(small.vectors, row_labels=[f"ID {i}" for i in range(len(small))],
                        title="embedding_layer.weight (boxes: rows the IDs pick)", highlight_rows=sorted(set(ids)),
                        show_values=True, row_name="row")
    looked_up = el.heatmap(out, row_labels=[f"input {j}: ID {i}" for j, i in enumerate(ids)],
                           title="embedding_layer(input_ids): one row per ID", show_values=True,
                           row_name="input") if ids else None
    return code, weight, looked_up


# -- Hugging Face: cached tables and background downloads ------------------------------------------


class Cancelled(el.EmbedlabError):
    """Raised inside a download whose Cancel button was pressed."""


@dataclass
class Download:
    """One background download of a Hub matrix, shared by every session of this server."""

    repo_id: str
    positions: bool
    done: int = 0
    total: int = 0  # 0 until the matrix's size is known (after the header and tokenizer)
    started: float = field(default_factory=time.monotonic)
    finished: bool = False
    error: str | None = None  # the message of what went wrong, shown as is
    cancelled: bool = False
    table: el.EmbeddingTable | None = None  # handed to the cache once, then dropped here
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return not self.finished

    @property
    def ok(self) -> bool:
        return self.finished and self.error is None

    def progress(self, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise Cancelled(f"the download of hf:{self.repo_id} was cancelled.")
        self.done, self.total = done, total


@st.cache_resource(show_spinner=False)
def _downloads() -> tuple[dict[tuple[str, bool], Download], threading.Lock]:
    """The process's downloads by (repo, positions), and the lock that makes starting one atomic."""
    return {}, threading.Lock()


def _run(job: Download) -> None:
    try:
        job.table = load_hf_embeddings(job.repo_id, positions=job.positions, progress=job.progress)
    except Cancelled:
        job.error, job.cancelled = "Download cancelled.", True
    except el.EmbedlabError as e:  # offline, unknown repo, no safetensors, disk full, ...: all say what to do
        job.error = str(e)
    except Exception as e:  # noqa: BLE001 - a thread must not die silently: show it on the page
        job.error = f"the download of hf:{job.repo_id} failed unexpectedly: {type(e).__name__}: {e}"
    finally:
        job.finished = True


def start_download(repo_id: str, *, positions: bool = False) -> Download:
    """The running (or finished) download of this matrix, started now if there is none or it failed."""
    jobs, lock = _downloads()
    with lock:
        job = jobs.get((repo_id, positions))
        if job is None or job.error is not None:
            job = Download(repo_id, positions)
            jobs[(repo_id, positions)] = job
            threading.Thread(target=_run, args=(job,), name=f"hf-download {repo_id}", daemon=True).start()
        return job


def download_of(repo_id: str, *, positions: bool = False) -> Download | None:
    """This matrix's download, if one was started in this server process."""
    return _downloads()[0].get((repo_id, positions))


def hf_is_cached(repo_id: str, *, positions: bool = False) -> bool:
    """Whether the matrix is on disk already (then loading needs no click and no network)."""
    return hf_cache_entry(repo_id, positions=positions) is not None


def _hf_load(repo_id: str, positions: bool) -> tuple[el.EmbeddingTable, tuple[str, ...]]:
    job = download_of(repo_id, positions=positions)
    if job is not None and job.table is not None:
        table, job.table = job.table, None  # the cache holds it from now on
        return table, ()
    with warnings.catch_warnings(record=True) as caught:  # e.g. "offline: using the cached copy"
        warnings.simplefilter("always")
        table = load_hf_embeddings(repo_id, positions=positions)
    return table, tuple(str(w.message) for w in caught)


@st.cache_resource(max_entries=2, show_spinner="Opening the downloaded embedding matrix…")
def hf_table(repo_id: str) -> tuple[el.EmbeddingTable, tuple[str, ...]]:
    """The token-embedding table and any notes (e.g. "offline: using the cached copy") to show."""
    return _hf_load(repo_id, False)


@st.cache_resource(max_entries=2, show_spinner="Opening the downloaded position matrix…")
def hf_positions(repo_id: str) -> tuple[el.EmbeddingTable, tuple[str, ...]]:
    """The learned position matrix (GPT-2's ``wpe``) and any notes."""
    return _hf_load(repo_id, True)


@st.fragment(run_every=POLL_S)
def _watch(jobs: tuple[tuple[str, bool], ...], label: str, key: str) -> None:
    """Progress of running downloads; reruns the whole page once they are all finished."""
    running = [j for j in (download_of(r, positions=p) for r, p in jobs) if j is not None]
    if not running or all(j.finished for j in running):
        st.rerun()  # scope "app": the page now finds the tables (or the errors)
    done, total = sum(j.done for j in running), sum(j.total for j in running)
    if total and all(j.total for j in running):
        text = f"Downloading {label}: {el.format_bytes(done)} of {el.format_bytes(total)}"
        st.progress(min(1.0, done / total), text=text)
    else:
        st.progress(0.0, text=f"Downloading {label}: reading the checkpoint's header and tokenizer…")
    st.caption("The page stays usable meanwhile; other sessions share this download.")
    if st.button("Cancel the download", key=key):
        for j in running:
            j.cancel.set()


def download_panel(jobs: tuple[tuple[str, bool], ...], *, label: str, key: str, container=None) -> None:
    """Show the progress of ``jobs`` (``(repo, positions)`` pairs) where the caller is drawing."""
    if container is None or container is st:
        _watch(jobs, label, key)
    else:
        with container:
            _watch(jobs, label, key)


def hf_matrix(
    repo_id: str, *, positions: bool = False, scope: str, container, what: str
) -> tuple[el.EmbeddingTable | None, tuple[str, ...]]:
    """The cached matrix, or a Download button / progress / error and ``None`` for now."""
    if hf_is_cached(repo_id, positions=positions):
        return (hf_positions if positions else hf_table)(repo_id)
    job = download_of(repo_id, positions=positions)
    if job is not None and job.ok:
        return (hf_positions if positions else hf_table)(repo_id)
    if job is not None and job.running:
        download_panel(((repo_id, positions),), label=f"{what} of {repo_id}", key=f"w.{scope}.source.hf_cancel",
                       container=container)
        return None, ()
    if job is not None and job.error:
        (container.info if job.cancelled else container.error)(job.error, icon="⏹️" if job.cancelled else "⚠️")
    if container.button(f"Download the {what} of {repo_id}", key=f"w.{scope}.source.hf_go"):
        start_download(repo_id, positions=positions)
        st.rerun()  # draw the progress panel from the start
    container.info("Not downloaded yet: press the button (needs internet once; then it works offline). "
                   "GloVe is shown meanwhile.", icon="⬇️")
    return None, ()


# -- the selector ---------------------------------------------------------------------------------


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
        table, notes = hf_matrix(repo, scope=scope, container=container, what="embedding matrix")
        for note in notes:
            container.warning(note, icon="📴")
        return table
    if choice == "upload":
        return _upload(scope=scope, container=container)
    if choice == "trained":
        try:
            from appkit.train import trained_table  # the Train page's module: absent in a checkout without it
        except ImportError:
            trained_table = None  # noqa: N806
        table = trained_table() if trained_table is not None else None
        if table is None:
            container.info("Nothing trained in this session yet: train a table on the Train page, then come back. "
                           "GloVe is shown meanwhile.", icon="🏋️")
        return table
    raise el.EmbedlabError(f"unknown embedding source {choice!r}.")


def _upload(*, scope: str, container) -> el.EmbeddingTable | None:
    ups = container.file_uploader(
        "Embedding file, or a pair", type=sorted(ext.lstrip(".") for ext in FORMATS), key=f"w.{scope}.source.upload",
        accept_multiple_files=True,
        help="One file: GloVe/word2vec text (.txt/.vec, with or without the 'rows dims' line), CSV/TSV (token then "
        "numbers), .npy, .npz, .safetensors or .pt. Or a pair: the TensorFlow Projector's vectors.tsv + "
        f"metadata.tsv, or a .npy matrix + a vocabulary .txt (one token per line). Up to {MAX_UPLOAD_MB} MB in all; "
        "nothing is unpickled.",
    )
    # One reference per session, never in the URL (parse=None).
    kept: tuple[tuple, el.EmbeddingTable] | None = state.param("source.upload", None)
    if not ups:  # nothing chosen, or the uploader was reset by a page switch
        if kept:
            container.caption(f"Using {kept[1].name}, uploaded earlier in this session.")
            return kept[1]
        container.info(f"Choose a file (or a pair) of up to {MAX_UPLOAD_MB} MB to see its vectors; "
                       "GloVe is shown meanwhile.", icon="📄")
        return None
    ident = tuple((u.name, u.size) for u in ups)
    if kept and kept[0] == ident:
        return kept[1]  # same files as last run: do not parse them again
    total = sum(u.size for u in ups)
    if total > MAX_UPLOAD_MB * 1_000_000:  # the widget's limit is only checked in the browser
        names = " + ".join(repr(u.name) for u in ups)
        raise el.FileFormatError(f"{names} is {el.format_bytes(total)}; the limit is {MAX_UPLOAD_MB} MB in all.")
    with st.spinner(f"Reading {' + '.join(u.name for u in ups)}…"):
        table = read_embedding_files([(u.name, u.getvalue()) for u in ups])
    state.put("source.upload", (ident, table))
    return table
