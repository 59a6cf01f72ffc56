"""Home: a guided tour of the pipeline, text → tokens → IDs → lookup → map → training → model input."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from appkit import cache, state, widgets
from appkit import tour as tour_cache
from embedlab import mapfig, positions, tour

st.title("🧮 embedlab")
st.markdown(
    "#### How a language model turns text into vectors — a guided tour\n"
    "Six steps, from the text you type to what the model actually receives. At each step, "
    "**predict first, then reveal**: the answers are computed live, not written down."
)
widgets.show_url_notes()

text = widgets.text_area(scope="home", label="Your text (the tour follows it)", height=70)
clean, _ = el.sanitize_text(text)
toks = cache.tokens(clean[:5000], "gpt2", False)
shown = toks[:40]

n_steps = len(tour.STEPS)
step_i = int(state.param("tour.step", 0, el.urlstate.integer(0, n_steps - 1)))
step = tour.STEPS[step_i]

# ------------------------------------------------------------------ step navigation
st.progress((step_i + 1) / n_steps, text=f"Step {step_i + 1} of {n_steps}")
nav_back, nav_title, nav_next = st.columns([1, 6, 1])


def _go(delta: int) -> None:
    state.put("tour.step", min(max(step_i + delta, 0), n_steps - 1))


nav_back.button("◀ Back", on_click=_go, args=(-1,), disabled=step_i == 0, key="w.home.back", width="stretch")
nav_next.button("Next ▶", on_click=_go, args=(1,), disabled=step_i == n_steps - 1, key="w.home.next",
                width="stretch")
nav_title.subheader(step.title)
st.markdown(step.lesson)

# ------------------------------------------------------------------ the token highlighted in every view
focus = None
if shown:
    labels = [f"{i}: {el.visible_text(t.text)}" for i, t in enumerate(shown)]
    picked = st.pills("Highlight a token (in the spans, the matrix and the map)", labels,
                      key=f"w.home.focus.{clean[:200]}", selection_mode="single")
    focus = labels.index(picked) if picked in labels else None
else:
    st.info("Type some text above to follow it through the steps.", icon="✍️")

# ------------------------------------------------------------------ each step's live view
if step.key == "tokens":
    widgets.spans(shown, focus=focus, large=True)
    st.caption(f"{len(toks):,} tokens from {len(clean):,} characters (GPT-2's tokenizer).")
elif step.key == "ids":
    widgets.spans(shown, focus=focus, show_ids=True, large=True)
    widgets.table(el.token_table(shown)[["token", "id"]], hide_index=True)
elif step.key == "lookup":
    c1, c2 = st.columns(2)
    with c1:
        art = tour_cache.article_table()
        widgets.chart(tour.lookup_figure(art.vectors, tour.ARTICLE_IDS,
                                         title="nn.Embedding(6, 3), seed 123; input_ids [2, 3, 5, 1]"),
                      width="stretch", key="home.fig.article")
        st.caption("The outlined rows are the ones the IDs select; the output is those rows, in input order.")
    with c2:
        if shown:
            rt = tour_cache.random_table()
            rows = rt.lookup([t.id for t in shown])[:, :16]
            widgets.chart(tour.lookup_figure(
                rows, range(len(shown)), focus=focus,
                row_labels=[f"ID {t.id} {el.visible_text(t.text)}" for t in shown],
                title=f"Your tokens' rows of a random {len(rt):,} × {rt.dim} table (first 16 columns)"),
                width="stretch", key="home.fig.rows")
elif step.key == "map":
    try:
        coords, labels_m, cats, rows_m, mine = tour_cache.text_map(clean)
    except el.EmbedlabError as e:
        st.warning(f"{e}. Try words such as “cat dog apple king queen”.", icon="🗺️")
    else:
        selected = None
        if focus is not None:
            word = el.normalise_word(shown[focus].text)
            selected = next((i for i in mine if labels_m[i] == word), None)
        widgets.chart(mapfig.map_figure(coords, labels_m, ids=rows_m, categories=cats, highlight=mine,
                                        selected=selected, title="Your words (labelled) among GloVe neighbours, PCA"),
                      width="stretch", key="home.fig.map")
elif step.key == "training":
    g, rt = tour_cache.glove(), tour_cache.random_table()
    words = ["cat", "dog", "apple", "car"]
    c1, c2 = st.columns(2)
    with c1:
        ids = [el.tokenize(" " + w)[0].id for w in words]
        widgets.chart(el.similarity_heatmap(rt.lookup(ids), words, title="Before training (random)"),
                      width="stretch", key="home.fig.before")
    with c2:
        widgets.chart(el.similarity_heatmap(g.lookup([g.index_of(w) for w in words]), words,
                                            title="After training (GloVe)"), width="stretch", key="home.fig.after")
elif step.key == "input" and shown:
    rt = tour_cache.random_table()
    P = positions.sinusoidal(max(len(shown), 2), rt.dim)
    widgets.chart(positions.sum_figure([el.visible_text(t.text) for t in shown], rt.lookup([t.id for t in shown]), P),
                  width="stretch", key="home.fig.input")

# ------------------------------------------------------------------ predict, then reveal
with st.container(border=True):
    st.markdown(f"**🤔 Predict:** {step.question}")
    answer = st.radio("Your answer", step.choices, index=None, key=f"w.home.answer.{step.key}",
                      label_visibility="collapsed", horizontal=True)
    revealed_key = f"tour.revealed.{step.key}"
    if st.button("Reveal", key=f"w.home.reveal.{step.key}", disabled=answer is None):
        state.put(revealed_key, True)
    if state.get_raw(revealed_key):
        result = tour_cache.reveal(step.key)
        if answer == result.correct:
            st.success(f"Right! {result.explanation}", icon="✅")
        else:
            st.error(f"Not quite: the answer is **{result.correct}**. {result.explanation}", icon="💡")

if step.page:
    widgets.page_link(step.page, label=f"Open the {step.page_label} for more", icon="➡️")
