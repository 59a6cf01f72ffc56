"""Into the model: input embeddings = token embeddings + positional embeddings."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import cache, state, widgets
from appkit import positions as pos_cache
from embedlab import positions

st.title("📍 Into the model: positions")
st.caption(
    "A transformer sees its input vectors all at once, so on their own “dog bites man” and “man bites "
    "dog” would look alike. GPT-2 therefore adds a second vector per *position* (its learned `wpe` "
    "matrix, 1,024 × 768) to each token's vector. The sum is what the first layer receives."
)
widgets.show_url_notes()

KINDS = {
    "sinusoidal": "Sinusoidal (fixed, “Attention Is All You Need”, 2017)",
    "random": "Learned, random initialisation (GPT-2's wpe before training)",
}
kind = state.widget(st.radio, "Position vectors", "positions.kind", scope="positions", default="sinusoidal",
                    parse=el.urlstate.choice(list(KINDS)), options=list(KINDS), format_func=KINDS.get,
                    horizontal=True)
st.info(
    "GPT-2's trained `wpe` is not downloaded, so this page shows the "
    f"**{KINDS[kind].split(' (')[0].lower()}** position vectors and a random 50,257 × 768 token table "
    "(seed 123) in their place. Token IDs are GPT-2's.",
    icon="ℹ️",
)
P = pos_cache.position_matrix(kind)
table = pos_cache.random_token_table()

c1, c2 = st.columns(2)
with c1:
    st.plotly_chart(positions.position_heatmap(P, title="First 64 positions × first 64 dimensions"),
                    width="stretch")
with c2:
    st.plotly_chart(positions.position_map(P, title="All 1,024 positions, PCA to 2-D (colour = position)"),
                    width="stretch")
    st.caption("Sinusoidal and trained positions lie on a smooth curve: nearby positions get similar "
               "vectors. Random ones are a tangle until training organises them.")

st.subheader("Your text, position by position")
text = widgets.text_area(scope="positions", label="Text (GPT-2 tokens)", height=80)
clean, _ = el.sanitize_text(text)
toks = cache.tokens(clean, "gpt2", False)
if not toks:
    st.info("Type some text to see its input vectors.", icon="✍️")
elif len(toks) > pos_cache.N_POSITIONS:
    st.warning(f"{len(toks):,} tokens: GPT-2 reads at most {pos_cache.N_POSITIONS:,} at a time; "
               f"showing the first {pos_cache.N_POSITIONS:,}.", icon="✂️")
if toks:
    toks = toks[: pos_cache.N_POSITIONS]
    ids = [t.id for t in toks]
    tv = table.lookup(ids)
    st.plotly_chart(positions.sum_figure([t.text for t in toks][:40], tv[:40], P[: min(len(ids), 40)]),
                    width="stretch")
    repeats = positions.repeated_tokens(ids)
    if repeats:
        tid, a, b = repeats[0]
        inputs = positions.input_embeddings(tv, P)
        cos = float(el.cosine_similarity_matrix(inputs[[a, b]])[0, 1])
        label = el.visible_text(toks[a].text)
        st.markdown(f"**The same token at two positions:** `{label}` (ID {tid}) at positions {a} and {b} "
                    f"has one token vector but two different input vectors (cosine {cos:.3f}).")
        st.plotly_chart(positions.same_token_figure(label, inputs[a], inputs[b], a, b), width="stretch")
    else:
        st.caption("Type a word twice, each time after a space (e.g. “my dog saw your dog”), to see one "
                   "token get two input vectors.")
