"""Train: an embedding table starts random and is learned; watch similar words move together."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import state, widgets
from appkit import train as tr
from embedlab import urlstate
from embedlab.corpus import MAX_TEXT_BYTES, TOKENIZATIONS, teaching_text
from embedlab.train import (
    OBJECTIVES,
    TrainConfig,
    Trainer,
    animation_figure,
    axis_bound,
    loss_figure,
    map_figure,
    neighbour_rows,
    probes_figure,
    updated_rows_figure,
    watch_groups,
)

# Seconds of training between two redraws of the live charts, and how often the live
# part reruns: about one redraw a second keeps a browser on a small machine responsive.
CHUNK_S = 0.6
REFRESH_S = 1.0
SOURCES = {"teaching": "Teaching corpus (built in)", "paste": "Paste text", "upload": "Upload a .txt file"}
LRS = ["auto", "0.001", "0.003", "0.01", "0.025", "0.05", "0.1", "0.3"]
SCOPE = "train"

st.title("🏋️ Train")
st.caption(
    "An embedding table starts as random numbers and is learned by backpropagation. Train a small one here "
    "and watch words that are used in similar sentences move together — cat next to dog, far from apple."
)
widgets.show_url_notes()

t: Trainer | None = tr.trainer()
running = bool(state.param("train.running", False)) and t is not None


def w(fn, label, key, **kw):
    return state.widget(fn, label, f"train.{key}", scope=SCOPE, disabled=running, **kw)


# ---------------------------------------------------------------- 1 · text, 2 · objective
c_text, c_obj = st.columns(2, gap="large")
with c_text:
    st.subheader("1 · Text")
    source = w(st.radio, "Train on", "source", default="teaching", parse=urlstate.choice(list(SOURCES)),
               options=list(SOURCES), format_func=SOURCES.__getitem__, horizontal=True)
    pasted, upload = "", None
    if source == "teaching":
        st.caption("6,000 sentences written from templates: pets, farm animals, fruits, vehicles, colours and "
                   "countries, each in its own kind of sentence (about 250 kB).")
        with st.expander("A few of its sentences"):
            st.text(teaching_text(n_sentences=8))
    elif source == "paste":
        pasted = w(st.text_area, "Your text (one sentence or paragraph per line works best)", "text", default="",
                   parse=None, in_url=False, height=160)
    else:
        upload = st.file_uploader(f"A UTF-8 .txt file, at most {el.format_bytes(MAX_TEXT_BYTES)}", type=["txt"],
                                  key="w.train.upload", disabled=running)
    tokenization = w(st.selectbox, "Tokens", "tokenization", default="words", parse=urlstate.choice(TOKENIZATIONS),
                     options=list(TOKENIZATIONS),
                     format_func=lambda n: "words (lower-cased)" if n == "words"
                     else f"{n} tokens (IDs as on the Tokens page)")
with c_obj:
    st.subheader("2 · Objective")
    objective = w(st.radio, "Objective", "objective", default="skipgram", parse=urlstate.choice(list(OBJECTIVES)),
                  options=list(OBJECTIVES), captions=list(OBJECTIVES.values()),
                  format_func={"skipgram": "Skip-gram (word2vec)", "next_token": "Next-token prediction (GPT)"}.get,
                  label_visibility="collapsed")
    with st.expander("Settings"):
        s1, s2, s3 = st.columns(3)
        dim = w(s1.number_input, "Dimensions", "dim", default=32, parse=urlstate.integer(2, 256),
                min_value=2, max_value=256, step=1, help="Columns of the table: the length of each vector.")
        epochs = w(s2.number_input, "Epochs", "epochs", default=4, parse=urlstate.integer(1, 50),
                   min_value=1, max_value=50, step=1, help="Passes over the text.")
        seed = w(s3.number_input, "Seed", "seed", default=0, parse=urlstate.integer(0, 2**31 - 1),
                 min_value=0, max_value=2**31 - 1, step=1, help="The same seed gives the same result on this machine.")
        batch = w(s1.number_input, "Batch size", "batch", default=2048, parse=urlstate.integer(16, 8192),
                  min_value=16, max_value=8192, step=256,
                  help="Skip-gram: (word, context) pairs per step. Next-token: predicted tokens per step.")
        lr = w(s2.selectbox, "Learning rate", "lr", default="auto", parse=urlstate.choice(LRS), options=LRS,
               help="auto: 0.025 for skip-gram (SGD, decaying to 0, as word2vec), 0.01 for next-token (Adam).")
        every = w(s3.number_input, "Map every N steps", "every", default=10, parse=urlstate.integer(1, 1000),
                  min_value=1, max_value=1000, step=1, help="How often the watched words are recorded.")
        if objective == "skipgram":
            window = w(s1.number_input, "Window", "window", default=4, parse=urlstate.integer(1, 10),
                       min_value=1, max_value=10, step=1, help="How many words on each side count as context.")
            negatives = w(s2.number_input, "Negatives", "negatives", default=5, parse=urlstate.integer(1, 20),
                          min_value=1, max_value=20, step=1, help="Random 'wrong' words per pair, pushed away.")
            extra = dict(window=int(window), negatives=int(negatives))
        else:
            context = w(s1.number_input, "Context", "context", default=16, parse=urlstate.integer(2, 64),
                        min_value=2, max_value=64, step=1, help="Tokens per training sequence.")
            attention = w(s2.toggle, "Self-attention block", "attention", default=False, parse=urlstate.flag,
                          help="One causal self-attention block with positional embeddings, as in GPT.")
            tied = w(s3.toggle, "Tied output layer", "tied", default=False, parse=urlstate.flag,
                     help="The output layer reuses the embedding matrix (GPT-2 does this).")
            extra = dict(context=int(context), attention=bool(attention), tied=bool(tied),
                         heads=2 if int(dim) % 2 == 0 else 1)

try:
    config = TrainConfig(objective=objective, dim=int(dim), epochs=int(epochs), seed=int(seed),
                         batch_size=int(batch), lr=None if lr == "auto" else float(lr),
                         snapshot_every=int(every), **extra)
except el.EmbedlabError as e:
    st.error(str(e), icon="⚠️")
    config = None


# ---------------------------------------------------------------- 3 · train
st.subheader("3 · Train")
wanted = (tr.corpus_key(source, tokenization, pasted, upload), config)
fresh = t is None or t.done or state.param("train.key", None) != wanted
b1, b2, b3, b4 = st.columns([1, 1, 1, 5])
start = b1.button("▶ Start" if fresh else "▶ Resume", type="primary", key="w.train.start",
                  disabled=running or config is None)
# Stop and Reset act in callbacks, which run before the page is drawn again: the
# rerun that the click starts already shows the stopped state (no second rerun
# to race with the live part's timer).
b2.button("⏹ Stop", key="w.train.stop", disabled=not running, on_click=tr.stop)
b3.button("↺ Reset", key="w.train.reset", disabled=t is None or running, on_click=tr.reset)
if t is not None and not running and fresh and not t.done:
    b4.caption("The text or settings changed: ▶ Start begins a new run.")

if start and config is not None:
    try:
        if fresh:
            with st.spinner("Preparing the text…"):
                corpus = tr.load_corpus(source, tokenization, pasted, upload)
                base = corpus.name if tokenization == "words" else f"{corpus.name}, {tokenization}"
                short = "skip-gram" if objective == "skipgram" else "next-token"
                t = Trainer(corpus, config, name=f"{base} ({short})")
            tr.set_trainer(t)
            state.put("train.key", wanted)
            state.put("train.demo", None)
        t.resume()
        state.put("train.running", True)
        st.rerun()  # draw the buttons again: Stop enabled, settings locked
    except el.EmbedlabError as e:
        st.error(str(e), icon="⚠️")

if t is not None:
    for note in t.warnings:
        st.warning(note, icon="⚠️")


@st.fragment(run_every=REFRESH_S if running else None)
def live() -> None:
    """Train for a moment, then redraw; only this part reruns while training runs."""
    t = tr.trainer()
    if t is None:
        st.info("Choose a text and an objective, then press ▶ Start. The default run takes a few seconds.",
                icon="🏋️")
        return
    if state.get("train.running"):
        if not (t.done or t.stopped):
            t.step(seconds=CHUNK_S)
        if t.done or t.stopped:
            state.put("train.running", False)
            tr.publish(t)
            st.rerun()  # the whole page: results, replay, downloads
    st.progress(t.step_count / t.total_steps,
                text=f"Step {t.step_count:,} of {t.total_steps:,} · {t.corpus.describe()}")
    m1, m2, m3, m4 = st.columns(4)
    recent = t.losses[-20:]
    m1.metric("Loss (last 20 steps)", f"{sum(recent) / len(recent):.3f}" if recent else "–")
    m2.metric("Tokens per second", f"{t.tokens_seen / t.elapsed_s:,.0f}" if t.elapsed_s else "–")
    m3.metric("Training time", f"{t.elapsed_s:.1f} s")
    probes = t.snapshots[-1].probes
    if probes:
        m4.metric("cos(cat, dog) − cos(cat, apple)",
                  f"{probes.get('cat·dog', 0) - probes.get('cat·apple', 0):+.2f}")
    groups = watch_groups(t.corpus, t.watch_labels)
    c_map, c_curves = st.columns([3, 2])
    with c_map:
        if t.watch_labels:
            widgets.chart(map_figure(t.snapshots[-1], t.watch_labels, groups, bound=axis_bound(t.snapshots),
                                     total_steps=t.total_steps), key="train.fig.map", width="stretch")
            st.caption("Each frame is the PCA of the watched words' (unit-length) vectors, turned to line up "
                       "with the previous frame (orthogonal Procrustes), so points move instead of jumping.")
    with c_curves:
        widgets.chart(loss_figure(t.losses, total_steps=t.total_steps), key="train.fig.loss", width="stretch")
        if probes:
            widgets.chart(probes_figure(t.snapshots, total_steps=t.total_steps), key="train.fig.probes",
                          width="stretch")


live()

# ---------------------------------------------------------------- 4 · after training
t = tr.trainer()
if t is not None and not running and t.step_count > 0:
    st.subheader("4 · Look closer")
    tab_rows, tab_step, tab_nb, tab_replay = st.tabs(
        ["Only the batch's rows change", "One step, one sentence", "Neighbours before and after", "Replay"])
    with tab_rows:
        if t.last_update is not None:
            st.caption("The last recorded step changed the coloured rows of the embedding matrix; every other "
                       "row stayed exactly as it was (its change is exactly zero).")
            if len(t.last_batch_rows) >= 0.9 * t.corpus.vocab_size:
                st.caption(f"With {t.config.batch_size:,} examples per step, nearly every token of this "
                           f"{t.corpus.vocab_size:,}-token vocabulary is in every batch. See *One step, one "
                           "sentence*, or lower the batch size, for the sparse picture.")
            if t.config.objective == "next_token" and t.config.tied:
                st.caption("Tied output layer: the output layer scores *every* token at every step, so every "
                           "row gets a gradient — untie it to see the sparse picture.")
            widgets.chart(updated_rows_figure(t.last_update, t.corpus.tokens, step=t.last_update_step),
                          key="train.fig.rows", width="stretch")
    with tab_step:
        st.caption("A batch of a single sentence makes the point plainly: one step changes exactly the rows of "
                   "that sentence's tokens. (This step is tried on a copy; your trained table is not changed.)")
        if st.button("Take one step on a random sentence", key="w.train.line_step"):
            state.put("train.demo", t.line_step())
        demo = state.param("train.demo", None)
        if demo is not None:
            st.text("Sentence: " + " | ".join(el.visible_text(tok) for tok in demo.tokens))
            widgets.chart(updated_rows_figure(
                demo.delta, t.corpus.tokens,
                title=f"One sentence: {len(demo.changed_rows)} of {t.corpus.vocab_size:,} rows changed"),
                key="train.fig.demo", width="stretch")
    with tab_nb:
        picks = [ws[0] for ws in t.corpus.categories.values()] or t.watch_labels[:6]
        widgets.table(neighbour_rows(t, picks, k=5), hide_index=True, width="stretch")
        st.caption("Before training the neighbours are random; after, they share the word's kind of sentences.")
    with tab_replay:
        if t.watch_labels:
            widgets.chart(animation_figure(t.snapshots, t.watch_labels, watch_groups(t.corpus, t.watch_labels)),
                          key="train.fig.replay", width="stretch")
            st.caption("Press ▶ Play or drag the slider: every recorded step, in the same aligned PCA frame.")

    st.subheader("5 · Use the result")
    table = tr.trained_table() or tr.publish(t)
    st.text(f"{table.name} — {len(table):,} rows × {table.dim} dimensions.\n{table.source}.")
    st.caption("It is an embedding source for the other pages in this session, and a file you can keep: the "
               ".safetensors file loads back through the Embeddings page's file upload; the two .tsv files "
               "go into projector.tensorflow.org (Load).")
    files = tr.files(t)
    labels = {".safetensors": ("Table (.safetensors)", "application/octet-stream"),
              "-vocabulary.txt": ("Vocabulary (.txt)", "text/plain"),
              "vectors.tsv": ("Projector: vectors.tsv", "text/tab-separated-values"),
              "metadata.tsv": ("Projector: metadata.tsv", "text/tab-separated-values")}
    for col, (fname, data) in zip(st.columns(len(files)), files.items()):
        label, mime = next(v for end, v in labels.items() if fname.endswith(end))
        col.download_button(label, data, file_name=fname, mime=mime, key=f"w.train.dl.{fname}",
                            on_click="ignore", icon="⬇️", help=fname)
