"""Model sizes: vocabulary × width → parameters and memory, with published presets."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import state, widgets
from embedlab import model_sizes as ms

st.title("📏 Model sizes")
st.caption("An embedding matrix has one row per token and one column per dimension: "
           "vocabulary × width numbers. Pick a model or type your own sizes.")
widgets.show_url_notes()

CUSTOM = "Custom"
options = [CUSTOM] + [p.name for p in ms.PRESETS if p.width] + [f"{k} encoding" for k in ms.ENCODING_VOCAB]
preset = state.widget(st.selectbox, "Start from", "sizes.preset", scope="sizes", default="GPT-3 175B",
                      parse=el.urlstate.choice(options), options=options)
chosen = next((p for p in ms.PRESETS if p.name == preset), None)
if preset.endswith(" encoding"):
    state.put("sizes.vocab", ms.ENCODING_VOCAB[preset.removesuffix(" encoding")])
elif chosen is not None:
    state.put("sizes.vocab", chosen.vocab_size)
    state.put("sizes.width", chosen.width)

c1, c2 = st.columns(2)
with c1:
    vocab = st.number_input("Vocabulary size (rows)", min_value=1, max_value=10_000_000, step=1,
                            value=int(state.param("sizes.vocab", 50_257, el.urlstate.integer(1, 10_000_000))),
                            key=f"w.sizes.vocab.{preset}")
with c2:
    width = st.number_input("Embedding width (columns)", min_value=1, max_value=100_000, step=1,
                            value=int(state.param("sizes.width", 12_288, el.urlstate.integer(1, 100_000))),
                            key=f"w.sizes.width.{preset}")
state.put("sizes.vocab", int(vocab))
state.put("sizes.width", int(width))

size = ms.embedding_size(int(vocab), int(width))
m = st.columns(4)
m[0].metric("Parameters", f"{size['parameters']:,}")
m[1].metric("float32", el.format_bytes(size["bytes_float32"]))
m[2].metric("float16", el.format_bytes(size["bytes_float16"]))
m[3].metric("int8", el.format_bytes(size["bytes_int8"]))
st.caption(f"{int(vocab):,} × {int(width):,} = {size['parameters']:,} parameters. "
           "The article's GPT-3 example: 50,257 × 12,288 = 617,558,016.")

st.subheader("Published models")
widgets.table(ms.presets_table(), hide_index=True, width="stretch")
st.caption("GPT-4's tokenizer (cl100k_base, 100,277 tokens) is public; its embedding width is not, "
           "so it is shown as unknown rather than guessed.")
widgets.chart(ms.share_figure(), width="stretch")
