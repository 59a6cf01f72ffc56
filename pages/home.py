"""Home: the pipeline text → tokens → IDs → embeddings → model, with links to each page."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import cache, pages, widgets

st.title("🧮 embedlab")
st.markdown(
    "#### How a language model turns text into vectors\n"
    "A model cannot read letters. It cuts the text into **tokens**, swaps each token for an "
    "**ID** from its vocabulary, looks up a **vector** (an embedding) for each ID, and feeds "
    "those vectors to the model. Type below and follow your text through each step."
)
widgets.show_url_notes()

text = widgets.text_area(scope="home", label="Your text", height=80)
enc_name = widgets.encoding_select(scope="home")
clean, _ = el.sanitize_text(text)
toks = cache.tokens(clean[:2000], enc_name, False)
shown = toks[:12]

steps = st.columns(5, gap="small")
with steps[0].container(border=True):
    st.markdown("**1 · Text**")
    st.code(clean[:120] + ("…" if len(clean) > 120 else "") or " ", language=None)
with steps[1].container(border=True):
    st.markdown("**2 · Tokens**")
    st.html(el.token_spans_html(shown, max_tokens=12))
    st.page_link("pages/tokens.py", label="Tokens page", icon="🔤")
with steps[2].container(border=True):
    st.markdown("**3 · Token IDs**")
    st.code(str([t.id for t in shown]) + (" …" if len(toks) > 12 else ""), language=None)
    st.caption("Just row numbers: 3797 (cat) and 3290 (dog) say nothing about cats or dogs.")
with steps[3].container(border=True):
    st.markdown("**4 · Embeddings**")
    st.caption("Each ID selects one row of the embedding matrix: a vector of learned numbers. "
               "Similar words end up with similar vectors.")
    for page in pages.available():
        if page.url_path in ("embeddings", "map"):
            st.page_link(page.path, label=page.title, icon=page.icon)
with steps[4].container(border=True):
    st.markdown("**5 · Into the model**")
    st.caption("The vectors (plus position information) are the input to the transformer layers.")

st.subheader("How token embeddings are created (from the article)")
st.markdown(
    "1. **Initialise the embedding matrix** with random values: shape `[vocab_size, embedding_dim]`, "
    "one row per token.\n"
    "2. **Convert token IDs to embeddings**: the layer *looks up* the row for each ID — the same result "
    "as multiplying a one-hot vector by the matrix, without the wasted multiplications.\n"
    "3. **Train**: backpropagation updates only the rows of the tokens in each batch; words used in "
    "similar contexts (cat, dog) drift together, unrelated ones (apple) apart.\n"
    "4. **Use them as model input**: the trained vectors feed the transformer layers."
)
st.caption("Source: “Token Embeddings (Data Preprocessing)”, the article this app teaches from. "
           "Its example IDs [101, 207, 450] are illustrative; GPT-2 really gives [464, 3797, 3290] "
           "for “The cat dog”.")
