"""Tokens: text becomes tiktoken tokens, IDs and bytes."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import cache, state, widgets

TABLE_ROWS = 5000

st.title("🔤 Tokens")
st.caption(
    "A model never sees letters. A tokenizer cuts the text into pieces (tokens) and "
    "gives each piece an ID from its vocabulary. Hover a token to see its ID and bytes."
)
widgets.show_url_notes()

col_text, col_opts = st.columns([3, 1])
with col_opts:
    enc_name = widgets.encoding_select(scope="tokens")
    allow_special = widgets.special_toggle(scope="tokens")
    show_ids = state.widget(st.toggle, "Show IDs under tokens", "tokens.show_ids", scope="tokens", default=False,
                            parse=el.urlstate.flag)
with col_text:
    text = widgets.text_area(scope="tokens")

clean, notes = el.sanitize_text(text)
for note in notes:
    st.info(note, icon="ℹ️")
toks = cache.tokens(clean, enc_name, allow_special)
stats = el.text_stats(clean, toks)

m1, m2, m3, m4 = st.columns(4)
m1.metric("Characters", f"{stats.characters:,}")
m2.metric("UTF-8 bytes", f"{stats.utf8_bytes:,}")
m3.metric("Tokens", f"{stats.tokens:,}")
m4.metric("Characters per token", f"{stats.chars_per_token:.2f}")

if not toks:
    st.info("Type some text above to see its tokens.", icon="✍️")
else:
    widgets.spans(toks, show_ids=show_ids)
    st.caption("· is a space, ↵ a newline, → a tab; dotted borders mark pieces of a character split "
               "over several tokens; dashed borders mark special tokens.")
    st.subheader("Token table")
    if len(toks) > TABLE_ROWS:
        st.caption(f"First {TABLE_ROWS:,} of {len(toks):,} tokens.")
    widgets.table(cache.table(el.token_table, toks, max_rows=TABLE_ROWS), hide_index=True, width="stretch")

tab_cmp, tab_dec = st.tabs(["Compare encodings", "Decode IDs"])
with tab_cmp:
    st.caption("The same text under every encoding: newer encodings have bigger vocabularies, "
               "so they usually need fewer tokens.")
    by_enc = {name: cache.tokens(clean, name, allow_special) for name in el.ENCODINGS}
    widgets.table(cache.table(el.compare_table, clean, by_enc), hide_index=True)
    for name, etoks in by_enc.items():
        st.markdown(f"**{name}** — {len(etoks):,} tokens")
        widgets.spans(etoks, max_tokens=400)
with tab_dec:
    st.caption("Paste token IDs (commas, spaces or brackets are fine) to turn them back into text.")
    raw_ids = state.widget(st.text_input, "Token IDs", "tokens.decode_ids", scope="tokens", default="464, 3797, 3290",
                           parse=el.urlstate.text(5000))
    try:
        ids = el.parse_ids(raw_ids)
        decoded = el.decode(ids, enc_name)
        pieces = el.token_pieces(ids, enc_name)
    except el.EmbedlabError as e:
        st.error(str(e), icon="⚠️")
    else:
        if not ids:
            st.info("Type one or more IDs.")
        else:
            st.markdown(f"Decoded with **{enc_name}**:")
            st.code(decoded or " ", language=None)
            widgets.table(cache.table(el.decoded_pieces_table, ids, pieces), hide_index=True)
