"""One-hot vs dense: why embeddings are dense, and why a lookup is a one-hot product done cheaply."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import cache, state, widgets
from appkit import onehot as oh_cache
from appkit.maps import table_key
from appkit.embeddings import source_select
from embedlab.features import parse_words, split_known, words_to_vectors
from embedlab.onehot import (
    DEFAULT_BATCH,
    GPT2_DIM,
    GPT2_VOCAB,
    dense_heatmap,
    equivalence_table,
    gradient_heatmap,
    numbers_table,
    one_hot_heatmap,
    one_hot_numbers,
    pair_distances,
    similarity_side_by_side,
    time_lookup_vs_one_hot,
    timing_bars,
    timing_memory_needed,
)

DEFAULT_WORDS = "cat, dog, car, apple, banana, king, queen"
MAX_EQUIVALENCE_IDS = 256  # a one-hot row per ID: keep the demo matrix small

st.title("🧮 One-hot vs dense")
st.caption(
    "A one-hot vector is all zeros except one 1: it is huge, nearly empty, and makes every word equally "
    "unlike every other. A dense embedding is short, full of numbers, and puts related words close together. "
    "And an embedding lookup gives exactly what a one-hot vector times the matrix gives — only much faster."
)
widgets.show_url_notes()

# ---------------------------------------------------------------- working vocabulary and source
c_words, c_src = st.columns([3, 2])
with c_words:
    raw_words = state.widget(st.text_input, "Working vocabulary (commas or spaces)", "onehot.words", scope="onehot",
                             default=DEFAULT_WORDS, parse=el.urlstate.text(2000))
with c_src:
    table = source_select(scope="onehot")

known, missing = split_known(table, parse_words(raw_words))
if missing:
    st.warning(f"Not in {table.name}, left out: {', '.join(missing)}.", icon="⚠️")
# No st.stop() here: the sections below do not need the working vocabulary, and widgets that
# vanish for a run come back in the browser without their values.
if not known:
    st.error(f"None of the words is in {table.name}. Type words it knows, e.g. {DEFAULT_WORDS}.", icon="⚠️")
else:
    def _pick(word: str, position: int) -> str:
        """The pair default: the article's word if present, else a word at this position."""
        return word if word in known else known[min(position, len(known) - 1)]

    vectors = words_to_vectors(table, known)

    st.subheader("The same words, two ways")
    c1, c2 = st.columns(2)
    with c1:
        widgets.chart(cache.figure(one_hot_heatmap, known, title=f"One-hot: {len(known)} × {len(known)}"), width="stretch",
                      key="onehot.fig.onehot")
        st.caption("One row per word, one column per vocabulary position: a single 1, the rest 0.")
    with c2:
        widgets.chart(cache.figure(dense_heatmap, vectors, known, title=f"{table.name}: {len(known)} × {table.dim}"),
                      width="stretch", key="onehot.fig.dense")
        st.caption("One row per word, one column per learned dimension: every entry carries a little meaning.")

    widgets.chart(cache.figure(similarity_side_by_side, vectors, known, dense_name=table.name), width="stretch",
                  key="onehot.fig.sims")

    st.markdown("**Distances between pairs.** Under one-hot, every pair of different words has cosine 0 and "
                "distance √2 ≈ 1.414 — *cat* is as far from *dog* as from *car*. Dense vectors tell them apart.")
    p1, p2, p3 = st.columns(3)
    with p1:
        w_a = state.widget(st.selectbox, "Word", "onehot.pair_a", scope="onehot", default=_pick("cat", 0),
                           options=known, parse=el.urlstate.text(100))
    with p2:
        w_b = state.widget(st.selectbox, "compared with", "onehot.pair_b", scope="onehot", default=_pick("dog", 1),
                           options=known, parse=el.urlstate.text(100))
    with p3:
        w_c = state.widget(st.selectbox, "and with", "onehot.pair_c", scope="onehot", default=_pick("car", 2),
                           options=known, parse=el.urlstate.text(100))
    widgets.table(cache.table(pair_distances, vectors, known, [(w_a, w_b), (w_a, w_c)], dense_name=table.name),
                  hide_index=True)

# ---------------------------------------------------------------- full-vocabulary numbers
st.subheader(f"The full vocabulary of {table.name}")
n = one_hot_numbers(len(table), table.dim, batch_tokens=DEFAULT_BATCH)
m1, m2, m3 = st.columns(3)
m1.metric("One-hot vector length", f"{n.vector_length:,}")
m2.metric("Zeros in each one-hot vector", f"{n.zero_fraction:.4%}")
m3.metric("Embedding parameters", f"{n.parameter_count:,}")
m4, m5, m6, m7 = st.columns(4)
m4.metric("One token, one-hot", el.format_bytes(n.one_hot_token_bytes))
m5.metric("One token, dense", el.format_bytes(n.dense_token_bytes))
m6.metric(f"{DEFAULT_BATCH:,} tokens, one-hot", el.format_bytes(n.one_hot_batch_bytes))
m7.metric(f"{DEFAULT_BATCH:,} tokens, dense", el.format_bytes(n.dense_batch_bytes))
st.caption(f"float32 values. A one-hot batch is {n.batch_ratio:,.0f}× bigger than the same batch of dense vectors; "
           "the embedding matrix itself is vocabulary × width parameters.")
widgets.table(cache.table(numbers_table, [(table.name, len(table), table.dim), ("GPT-2 (article)", GPT2_VOCAB, GPT2_DIM),
                                         ("GPT-3 (article)", 50_257, 12_288)]), hide_index=True)

# ---------------------------------------------------------------- a lookup is a one-hot product
st.subheader("A lookup is a one-hot matrix product")
st.caption("`nn.Embedding(ids)` returns rows of the matrix W. Multiplying one-hot rows by W gives the same "
           "rows — every other term is a multiplication by zero. Computed with torch on your text:")
c_text, c_enc = st.columns([3, 1])
with c_enc:
    enc_name = widgets.encoding_select(scope="onehot")
with c_text:
    text = widgets.text_area(scope="onehot", height=80)
clean, _notes = el.sanitize_text(text)
toks = cache.tokens(clean, enc_name, False)
vocab_size = cache.encoding(enc_name).n_vocab
if table.encoding == enc_name and len(table) == vocab_size:
    weight, w_name = table.vectors, f"{table.name} ({len(table):,} × {table.dim})"
    w_key = table_key(table)
else:
    weight = oh_cache.random_matrix(vocab_size)
    w_key = f"random {vocab_size} x {oh_cache.EQUIVALENCE_DIM}"
    w_name = f"a random {vocab_size:,} × {oh_cache.EQUIVALENCE_DIM} matrix ({table.name} is not indexed by {enc_name} IDs)"

if not toks:
    st.info("Type some text above to see its IDs looked up.", icon="✍️")
else:
    used = toks[:MAX_EQUIVALENCE_IDS]
    if len(toks) > len(used):
        st.caption(f"Using the first {len(used):,} of {len(toks):,} tokens.")
    ids = [t.id for t in used]
    try:
        eq = oh_cache.equivalence(tuple(ids), w_key, weight)
    except el.EmbedlabError as e:
        st.error(str(e), icon="⚠️")
    else:
        e1, e2, e3 = st.columns(3)
        e1.metric("Token IDs", f"{len(eq.ids):,}")
        e2.metric("max |difference|", f"{eq.max_abs_difference:g}")
        e3.metric("Identical to the bit", "yes" if eq.bitwise_identical else "no")
        st.caption(f"W is {w_name}.")
        widgets.table(cache.table(equivalence_table, eq, [el.visible_text(t.text) for t in used]), hide_index=True)

st.markdown("**Time both.** The product multiplies a whole batch of one-hot rows by W; the lookup just copies rows.")
t1, t2, t3 = st.columns(3)
with t1:
    t_vocab = state.widget(st.number_input, "Vocabulary size", "onehot.vocab", scope="onehot", default=GPT2_VOCAB,
                           parse=el.urlstate.integer(1, 1_000_000), min_value=1, max_value=1_000_000, step=1000)
with t2:
    t_dim = state.widget(st.number_input, "Dimension", "onehot.dim", scope="onehot", default=GPT2_DIM,
                         parse=el.urlstate.integer(1, 16_384), min_value=1, max_value=16_384, step=64)
with t3:
    t_batch = state.widget(st.number_input, "Batch (token IDs)", "onehot.batch", scope="onehot", default=DEFAULT_BATCH,
                           parse=el.urlstate.integer(1, 65_536), min_value=1, max_value=65_536, step=256)
st.caption(f"Needs about {el.format_bytes(timing_memory_needed(t_vocab, t_dim, t_batch))} of memory "
           "(checked before anything is allocated). For reference, on a 2-core machine 512 IDs over "
           "50,257 × 768 took 0.5 ms by lookup and 299 ms as a one-hot product (636×).")
state.param("onehot.timing", None)  # the last measured Timing (kept across reruns, not in the URL)
if st.button("⏱️ Time lookup vs one-hot product", key="w.onehot.run_timing"):
    try:
        with st.spinner("Timing… (the one-hot product can take a few seconds)"):
            state.put("onehot.timing", time_lookup_vs_one_hot(vocab_size=t_vocab, dim=t_dim, batch=t_batch))
    except el.EmbedlabError as e:
        state.put("onehot.timing", None)
        st.error(str(e), icon="⚠️")
timing = state.get("onehot.timing")
if timing is not None:
    r1, r2, r3, r4 = st.columns(4)
    r1.metric("Lookup", f"{timing.lookup_seconds * 1e3:,.2f} ms")
    r2.metric("One-hot @ W", f"{timing.product_seconds * 1e3:,.1f} ms")
    r3.metric("Speed ratio", f"{timing.speed_ratio:,.0f}×")
    r4.metric("Extra memory for one-hot", el.format_bytes(timing.one_hot_bytes))
    widgets.chart(timing_bars(timing), width="stretch", key="onehot.fig.timing")
    st.caption(f"{timing.batch:,} IDs over {timing.vocab_size:,} × {timing.dim:,}; fastest of {timing.repeats} "
               f"product runs and {timing.lookup_repeats} lookup runs, {timing.threads} torch thread(s). "
               f"Both outputs agree: max |difference| = {timing.max_abs_difference:g}.")

# ---------------------------------------------------------------- backward pass
st.subheader("Training: only the looked-up rows change")
st.caption("Backpropagate `sum(nn.Embedding(ids))` for your text: the gradient of W is zero in every row "
           "except the rows that were looked up (each gets the number of times it was used).")
if toks:
    used = toks[:MAX_EQUIVALENCE_IDS]
    try:
        bw = oh_cache.backward(tuple(t.id for t in used), vocab_size, t_dim)
    except el.EmbedlabError as e:
        st.error(str(e), icon="⚠️")
    else:
        b1, b2, b3 = st.columns(3)
        b1.metric("Rows with a non-zero gradient", f"{len(bw.nonzero_rows):,} of {bw.vocab_size:,}")
        b2.metric("Dense gradient", el.format_bytes(bw.dense_grad_bytes))
        b3.metric("Sparse gradient (sparse=True)", el.format_bytes(bw.sparse_grad_bytes))
        widgets.chart(cache.figure(gradient_heatmap, bw, labels=[t.text for t in used]), width="stretch",
                      key="onehot.fig.grad")
