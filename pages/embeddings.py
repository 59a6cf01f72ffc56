"""Embeddings: token IDs pick rows of a matrix; the rows of a trained matrix carry meaning."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import cache, state, widgets
from appkit import embeddings as emb
from appkit.embeddings import source_select
from embedlab.embedding_view import (
    lookup_figure,
    lookup_rows_table,
    lookup_similarity,
    lookup_text,
    lookup_vectors_table,
    neighbors_figure,
    shape_line,
    table_summary,
    words_similarity,
)

SCOPE = "embeddings"

st.title("🧬 Embeddings")
st.caption(
    "An embedding layer is a lookup table: row *i* of a matrix is the vector for token ID *i*. "
    "In a trained table, words used alike get rows that point the same way — so nearness means something."
)
# Link values are read as each widget is declared, further down: show their notes here once all are read.
url_notes = st.container()

c_src, c_enc = st.columns([3, 2])
with c_src:
    table = source_select(scope=SCOPE)
with c_enc:
    encoding = widgets.encoding_select(scope=SCOPE, label="Tokenizer (for tables indexed by token ID)")
for col, (label, value) in zip(st.columns(4), table_summary(table).items()):
    col.metric(label, value)
st.caption(f"**{table.name}**: {shape_line(table)}.")
untrained = state.get("source") == "random"

# ------------------------------------------------------------------ 1. the lookup
st.subheader("1 · Your text picks rows")
text = widgets.text_area(scope=SCOPE)
clean, notes = el.sanitize_text(text)
for note in notes:
    st.info(note, icon="ℹ️")
lookup = lookup_text(table, clean, encoding=encoding)
if table.word_level:
    st.caption(f"{table.name} has one row per whole word, so the text is split into words and punctuation "
               "and each is looked up in lower case.")
elif table.encoding and table.encoding != encoding:
    st.info(f"{table.name} is indexed by **{table.encoding}** token IDs, so the text is tokenized with "
            f"{table.encoding} here (another tokenizer's IDs would pick unrelated rows).", icon="ℹ️")
if not lookup.labels:
    st.info("Type some text above to see the rows it picks.", icon="✍️")
else:
    if lookup.missing:
        shown = ", ".join(repr(m) for m in lookup.missing[:12]) + (" …" if len(lookup.missing) > 12 else "")
        st.warning(f"No vector in {table.name} for {len(lookup.missing)} of {len(lookup.labels)} "
                   f"{lookup.unit}s: {shown}", icon="⚠️")
    if lookup.truncated:
        st.caption(f"Showing the first {len(lookup.labels)} {lookup.unit}s ({lookup.truncated:,} more not shown).")
    if lookup.found:
        widgets.chart(cache.figure(lookup_figure, table, lookup), width="stretch", key="embeddings.fig.lookup")
    widgets.table(cache.table(lookup_rows_table, table, lookup), hide_index=True, width="stretch")
    if lookup.found:
        # Built only when opened: for GPT-2 that is a table of 768 columns per text.
        every = st.expander(f"All {table.dim:,} components of each vector", key="w.embeddings.all_components",
                            on_change="rerun")
        if every.open:
            with every:
                widgets.table(cache.table(lookup_vectors_table, table, lookup), hide_index=True, width="stretch")
    typed = cache.figure(lookup_similarity, table, lookup)
    if typed is not None:
        widgets.chart(typed, width="stretch", key="embeddings.fig.typed_sims")
        if untrained:
            st.caption("This table is untrained, so nothing lights up: its similarities are random, near 0 for "
                       "every pair. Under GloVe or GPT-2, words used alike (cat, dog) score high together.")
        else:
            st.caption("1 on the diagonal; words used alike (try “cat dog apple”) score high together.")

# ------------------------------------------------------------------ 2. neighbours and analogies
st.subheader("2 · Nearest neighbours")
n1, n2, n3 = st.columns([2, 2, 1])
with n1:
    query = state.widget(st.text_input, "Word or token", "embeddings.query", scope=SCOPE, default="cat",
                         parse=el.urlstate.text(100),
                         help="Labels are matched exactly for token tables (GPT-2's ' cat' has a leading space).")
with n2:
    k = state.widget(st.slider, "How many", "embeddings.k", scope=SCOPE, default=10,
                     parse=el.urlstate.integer(1, 50), min_value=1, max_value=50)
with n3:
    metric = state.widget(st.selectbox, "Measure", "embeddings.metric", scope=SCOPE, default="cosine",
                          parse=el.urlstate.choice(el.METRICS), options=list(el.METRICS))
try:
    near, clamped = emb.neighbors(table, table.uid, query, k, metric)  # k beyond the table: clamped, said so
except el.EmbedlabError as e:
    st.error(str(e), icon="⚠️")
else:
    for w in clamped:
        st.warning(w, icon="✂️")
    widgets.chart(cache.figure(neighbors_figure, near, query=query, metric=metric), width="stretch",
                  key="embeddings.fig.nn")
    if untrained:
        st.caption("This table is untrained: its neighbours are random. Switch to GloVe to see meaning.")

st.markdown("**Analogies** — *a* is to *b* as *c* is to … ? The answer is the word nearest to *b − a + c*.")
a1, a2, a3 = st.columns(3)
with a1:
    w_a = state.widget(st.text_input, "a", "embeddings.an_a", scope=SCOPE, default="man", parse=el.urlstate.text(100))
with a2:
    w_b = state.widget(st.text_input, "b", "embeddings.an_b", scope=SCOPE, default="king", parse=el.urlstate.text(100))
with a3:
    w_c = state.widget(st.text_input, "c", "embeddings.an_c", scope=SCOPE, default="woman", parse=el.urlstate.text(100))
try:
    answers, clamped = emb.analogy(table, table.uid, (w_b, w_c), (w_a,), 5)
except el.EmbedlabError as e:
    st.error(str(e), icon="⚠️")
else:
    for w in clamped:
        st.warning(w, icon="✂️")
    best = answers[0][0] if answers else "—"
    st.markdown(f"*{w_a}* : *{w_b}* :: *{w_c}* : **{best}**")
    widgets.table([{"answer": w, "cosine": round(s, 4)} for w, s in answers], hide_index=True)

st.markdown("**Similarity of a few words** — the article's point: *cat* and *dog* are close, *apple* is not.")
raw_words = state.widget(st.text_input, "Words (commas or spaces)", "embeddings.words", scope=SCOPE,
                         default="cat, dog, apple, car", parse=el.urlstate.text(500))
sims, missing = cache.figure(words_similarity, table, raw_words)
if missing:
    st.warning(f"No vector in {table.name} for: {', '.join(missing)}", icon="⚠️")
if sims is None:
    st.info("Type at least two words the table knows.", icon="✍️")
else:
    widgets.chart(sims, width="stretch", key="embeddings.fig.sims")

# ------------------------------------------------------------------ 3. the article's PyTorch example
with st.expander("🔥 The article's PyTorch example: nn.Embedding(6, 3) with seed 123", expanded=False):
    p1, p2, p3, p4 = st.columns(4)
    with p1:
        vocab = state.widget(st.number_input, "vocab_size", "embeddings.pt_vocab", scope=SCOPE, default=6,
                             parse=el.urlstate.integer(1, 50), min_value=1, max_value=50, step=1)
    with p2:
        dim = state.widget(st.number_input, "output_dim", "embeddings.pt_dim", scope=SCOPE, default=3,
                           parse=el.urlstate.integer(1, 16), min_value=1, max_value=16, step=1)
    with p3:
        seed = state.widget(st.number_input, "seed", "embeddings.pt_seed", scope=SCOPE, default=123,
                            parse=el.urlstate.integer(0, 2**31 - 1), min_value=0, max_value=2**31 - 1, step=1)
    with p4:
        raw_ids = state.widget(st.text_input, "input_ids", "embeddings.pt_ids", scope=SCOPE, default="2, 3, 5, 1",
                               parse=el.urlstate.text(200))
    try:
        ids = el.parse_ids(raw_ids)
        code, weight_fig, out_fig = emb.article_example(int(vocab), int(dim), int(seed), tuple(ids))
    except el.EmbedlabError as e:
        st.error(str(e), icon="⚠️")
    else:
        st.code(code, language="python")
        w1, w2 = st.columns(2)
        with w1:
            widgets.chart(weight_fig, width="stretch", key="embeddings.fig.pt_weight")
        with w2:
            if out_fig is not None:
                widgets.chart(out_fig, width="stretch", key="embeddings.fig.pt_out")
        st.caption("The same numbers PyTorch prints. Untrained: the values are random draws from N(0, 1); "
                   "training would move them so that related tokens end up close.")

with url_notes:
    widgets.show_url_notes()
