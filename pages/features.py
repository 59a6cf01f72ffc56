"""Features: the article's hand-made feature vectors, and the same kind of features found in real embeddings."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import state, widgets
from appkit.embeddings import source_select
from embedlab.features import (
    READY_FEATURES,
    Feature,
    add_feature,
    article_table,
    clean_grid,
    directions_table,
    grid_digest,
    grid_from_json,
    grid_heatmap,
    grid_similarity_heatmap,
    grid_to_json,
    parse_words,
    pca_map,
    pca_map_figure,
    remove_features,
    score_tokens,
    scores_heatmap,
)

st.title("🎛️ Features")
st.caption(
    "Imagine each dimension of a vector is a property — 'has a tail', 'is an animal'. Words with similar "
    "properties get similar vectors. Edit the article's table below; then see how the same properties can be "
    "found as directions in a real embedding space."
)
widgets.show_url_notes()

# ---------------------------------------------------------------- hand-made vectors
st.subheader("Hand-made feature vectors (the article's table)")
# The grid is one stored DataFrame (saved in lesson files, not in links: too long). The editor's
# key is the grid's digest, so a new grid (added/removed feature, reset, an edit committed below,
# a lesson file opened) starts a fresh editor instead of replaying the old editor's changes on it.
grid = state.param("features.grid", None, grid_from_json, in_url=False, dump=grid_to_json)
if grid is None:
    grid = article_table()
    state.put("features.grid", grid)


edited = st.data_editor(grid, key=f"w.features.editor.{grid_digest(grid)}", num_rows="dynamic", hide_index=True,
                        width="stretch")
if not edited.equals(grid):
    state.put("features.grid", edited)  # keep the edit when the student leaves the page and comes back
    grid = edited

a1, a2, a3 = st.columns([2, 2, 1])
with a1:
    new_name = state.widget(st.text_input, "New feature", "features.new_name", scope="features", default="",
                            placeholder="e.g. can fly")
    if st.button("➕ Add feature", key="w.features.add"):
        try:
            state.put("features.grid", add_feature(grid, new_name))
            st.rerun()
        except el.EmbedlabError as e:
            st.error(str(e), icon="⚠️")
with a2:
    feature_cols = [c for c in grid.columns if c != "token"]
    if feature_cols:
        to_remove = state.widget(st.selectbox, "Remove a feature", "features.remove", scope="features",
                                 default=feature_cols[0], options=feature_cols)
        if st.button("➖ Remove", key="w.features.remove_btn"):
            state.put("features.grid", remove_features(grid, [to_remove]))
            st.rerun()
with a3:
    st.write("")
    if st.button("↺ Article's table", key="w.features.reset"):
        state.put("features.grid", article_table())
        st.rerun()

hand = None
try:
    hand = clean_grid(grid)
except el.EmbedlabError as e:
    st.error(str(e), icon="⚠️")
else:
    for w in hand.warnings:
        st.warning(w, icon="⚠️")
    h1, h2 = st.columns(2)
    with h1:
        widgets.chart(grid_heatmap(hand), width="stretch", key="features.fig.grid")
    with h2:
        widgets.chart(grid_similarity_heatmap(hand), width="stretch", key="features.fig.gridsim")
    pmap = pca_map(hand.values, hand.tokens)
    for w in pmap.warnings:
        st.info(w, icon="ℹ️")
    widgets.chart(pca_map_figure(pmap, title="PCA map of the hand-made vectors"), width="stretch",
                  key="features.fig.pca")

# ---------------------------------------------------------------- features in real embeddings
st.subheader("Features in real embeddings")
st.caption(
    "Real dimensions have no names, but a property can be found: average the vectors of words that have it, "
    "subtract the average of words that don't — that difference of means is a direction. A word's score is "
    "its position along it: +1 ≈ like a typical positive example, −1 ≈ like a typical negative one, 0 half-way. "
    "(We use the difference of means rather than a trained classifier: nothing to tune, and it works with "
    "two examples per side.)"
)
c_tok, c_src = st.columns([3, 2])
with c_tok:
    raw_tokens = state.widget(st.text_input, "Words to score", "features.tokens", scope="features",
                              default="cat, dog, apple", parse=el.urlstate.text(2000))
with c_src:
    table = source_select(scope="features")
names = list(READY_FEATURES)
st.markdown("Ready features (written for embedlab; edit their example words below):")
use_cols = st.columns(len(names))
chosen = []
for i, (col, name) in enumerate(zip(use_cols, names)):
    with col:
        if state.widget(st.checkbox, name, f"features.use{i}", scope="features", default=True,
                        parse=el.urlstate.flag):
            chosen.append(name)

features: list[Feature] = []
with st.expander("✏️ Edit the example words", expanded=False):
    # Every editor is drawn, chosen or not: a widget that vanishes for a run loses its value in the browser.
    for i, name in enumerate(names):
        f = READY_FEATURES[name]
        st.markdown(f"**{name}**" + ("" if name in chosen else " (not chosen above, so not used)"))
        e1, e2 = st.columns(2)
        with e1:
            pos = state.widget(st.text_area, "has it (positive)", f"features.pos{i}", scope="features",
                               default=", ".join(f.positive), parse=el.urlstate.text(1000), height=68)
        with e2:
            neg = state.widget(st.text_area, "does not (negative)", f"features.neg{i}", scope="features",
                               default=", ".join(f.negative), parse=el.urlstate.text(1000), height=68)
        if name in chosen:
            features.append(Feature(name, tuple(parse_words(pos)), tuple(parse_words(neg))))
    st.markdown("**Your own feature** (used when it has a name)")
    o1, o2, o3 = st.columns([1, 2, 2])
    with o1:
        own_name = state.widget(st.text_input, "name", "features.own_name", scope="features", default="",
                                parse=el.urlstate.text(100), placeholder="e.g. is royal")
    with o2:
        own_pos = state.widget(st.text_area, "has it", "features.own_pos", scope="features", default="",
                               parse=el.urlstate.text(1000), height=68, placeholder="king, queen, prince")
    with o3:
        own_neg = state.widget(st.text_area, "does not", "features.own_neg", scope="features", default="",
                               parse=el.urlstate.text(1000), height=68, placeholder="farmer, teacher, table")
    if own_name.strip():
        features.append(Feature(own_name.strip(), tuple(parse_words(own_pos)), tuple(parse_words(own_neg))))

try:
    scores = score_tokens(table, parse_words(raw_tokens), features)
except el.EmbedlabError as e:
    st.error(str(e), icon="⚠️")
else:
    for w in scores.warnings:
        st.warning(w, icon="⚠️")
    l1, l2 = st.columns(2)
    with l1:
        widgets.chart(scores_heatmap(scores, title=f"Scores from {table.name}"), width="stretch",
                      key="features.fig.scores")
    with l2:
        if hand is not None:
            widgets.chart(grid_heatmap(hand, title="Hand-made (from the table above)"), width="stretch",
                          key="features.fig.grid2")
    st.caption("How well each direction separates its own examples when each one is left out in turn:")
    widgets.table(directions_table(scores), hide_index=True, width="stretch")
