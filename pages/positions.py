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
    "gpt2": "GPT-2's trained wpe (downloaded from Hugging Face)",
    "sinusoidal": "Sinusoidal (fixed, “Attention Is All You Need”, 2017)",
    "random": "Learned, random initialisation (GPT-2's wpe before training)",
}
kind = state.widget(st.radio, "Position vectors", "positions.kind", scope="positions", default="gpt2",
                    parse=el.urlstate.choice(list(KINDS)), options=list(KINDS), format_func=KINDS.get,
                    horizontal=True)
try:
    gpt2 = pos_cache.gpt2()
except el.EmbedlabError as e:
    st.error(str(e), icon="⚠️")
    gpt2 = None

shown = kind if kind != "gpt2" or gpt2 is not None else "sinusoidal"
if shown == "gpt2":
    st.success(
        f"Showing GPT-2's **trained** position vectors `wpe` ({len(gpt2.wpe):,} × {gpt2.wpe.dim:,}) and its "
        f"token vectors `wte` ({len(gpt2.wte):,} × {gpt2.wte.dim:,}), as the model adds them.", icon="✅")
    st.caption(gpt2.wpe.source)
    for note in gpt2.notes:
        st.caption(f"📴 {note}")
    P, table = gpt2.wpe.vectors, gpt2.wte
else:
    stand_in = KINDS[shown].split(" (")[0].lower()
    if gpt2 is None:
        st.info(
            f"GPT-2's trained `wpe` is not downloaded, so this page shows the **{stand_in}** position vectors and "
            "a random 50,257 × 768 token table (seed 123) in their place. Token IDs are GPT-2's.",
            icon="ℹ️",
        )
        pos_cache.download_controls(scope="positions")
    else:
        st.info(f"Showing the **{stand_in}** position vectors and a random 50,257 × 768 token table (seed 123) "
                "for comparison; choose GPT-2's trained wpe above to see the real ones.", icon="ℹ️")
    P, table = pos_cache.position_matrix(shown), pos_cache.random_token_table()

source = gpt2.wpe.source if shown == "gpt2" else shown
c1, c2 = st.columns(2)
with c1:
    widgets.chart(positions.position_heatmap(P, title="First 64 positions × first 64 dimensions"),
                  width="stretch")
with c2:
    widgets.chart(pos_cache.position_map_figure(
        shown, source, f"All {len(P):,} positions, PCA to 2-D (colour = position)"), width="stretch")
    st.caption({
        "gpt2": "Training put GPT-2's positions on a smooth curve: nearby positions got similar vectors, "
                "and nobody told it to — it learned that order matters.",
        "sinusoidal": "Sinusoidal positions lie on a smooth curve by construction: nearby positions get similar "
                      "vectors.",
        "random": "Random ones are a tangle: before training, position 5 is no nearer to 6 than to 900.",
    }[shown])

st.subheader("Your text, position by position")
text = widgets.text_area(scope="positions", label="Text (GPT-2 tokens)", height=80)
clean, _ = el.sanitize_text(text)
toks = cache.tokens(clean, "gpt2", False)
n_positions = len(P)
if not toks:
    st.info("Type some text to see its input vectors.", icon="✍️")
elif len(toks) > n_positions:
    st.warning(f"{len(toks):,} tokens: GPT-2 reads at most {n_positions:,} at a time; "
               f"showing the first {n_positions:,}.", icon="✂️")
if toks:
    toks = toks[:n_positions]
    ids = [t.id for t in toks]
    tv = table.lookup(ids)
    widgets.chart(positions.sum_figure([t.text for t in toks][:40], tv[:40], P[: min(len(ids), 40)]),
                  width="stretch")
    st.caption("token embedding = GPT-2's trained `wte` row" if shown == "gpt2" else
               "token embedding = a row of the random stand-in table (seed 123)")
    repeats = positions.repeated_tokens(ids)
    if repeats:
        tid, a, b = repeats[0]
        inputs = positions.input_embeddings(tv, P)
        cos = float(el.cosine_similarity_matrix(inputs[[a, b]])[0, 1])
        label = el.visible_text(toks[a].text)
        st.markdown(f"**The same token at two positions:** `{label}` (ID {tid}) at positions {a} and {b} "
                    f"has one token vector but two different input vectors (cosine {cos:.3f}).")
        widgets.chart(positions.same_token_figure(label, inputs[a], inputs[b], a, b), width="stretch")
    else:
        st.caption("Type a word twice, each time after a space (e.g. “my dog saw your dog”), to see one "
                   "token get two input vectors.")
