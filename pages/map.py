"""Map: token embeddings as points (PCA / t-SNE / UMAP / word axes), with neighbours, search,
analogies, an honesty check and exports."""

import streamlit as st

from appkit import shell

shell.require_app()

import embedlab as el
from embedlab import mapfig as mf
from embedlab import projection as pj
from embedlab.categories import CATEGORIES, CATEGORY_TITLES

from appkit import cache, maps, state, widgets
from appkit.embeddings import source_select

SCOPE = "map"
BIG_HONESTY = 50_000  # points; above this the honesty check runs on request
MAX_DRAWN = 100_000  # points; beyond this the browser gets > 3 MB and the user is asked first
KINDS = {
    "categories": "Ready-made categories",
    "text": "Only the tokens of my text",
    "top": "The first N rows of the table",
    "neighbours": "A word and its nearest neighbours",
    "list": "My own list of words",
    "all": "The whole table",
}
METHODS = {"pca": "PCA — linear, exact", "tsne": "t-SNE — keeps neighbourhoods", "umap": "UMAP — neighbourhoods, fast",
           "axes": "Axes — word A→B vs word C→D"}
COLOURS = {"category": "Category", **mf.TOKEN_PROPERTIES}


def w(fn, label, key, **kw):
    """A widget bound to the page's stored value ``map.<key>``."""
    return state.widget(fn, label, f"map.{key}", scope=SCOPE, **kw)


def show_notes(notes, icon="ℹ️"):
    for note in dict.fromkeys(notes):
        st.info(note, icon=icon)


st.title("🗺️ Map")
st.caption(
    "Every point is one token's embedding vector, squeezed from many dimensions onto a flat map: "
    "similar vectors land close together (cat near dog, far from apple). No map is exact — the "
    "Honesty tab measures how much this one distorts."
)
widgets.show_url_notes()
maps.start_umap_warmup()  # numba compiles UMAP in the background while the user looks around

controls, main = st.columns([1, 3], gap="medium")

# ============================================================== controls
with controls:
    table = source_select(scope=SCOPE)
    st.subheader("Points")
    kind = w(st.selectbox, "Which points", "points", default="categories", parse=el.urlstate.choice(list(KINDS)),
             options=list(KINDS), format_func=KINDS.__getitem__)
    options: dict = {}
    if kind == "categories":
        names = w(lambda label, **kw: st.multiselect(label, list(CATEGORIES), **kw), "Categories", "categories",
                  default=["animals", "fruits"], parse=maps.category_list, format_func=CATEGORY_TITLES.__getitem__)
        options = {"names": list(names)}
    elif kind == "top":
        n_top = w(st.number_input, "How many rows", "top_n", default=1000, parse=el.urlstate.integer(3, 10_000_000),
                  min_value=3, max_value=max(3, len(table)), step=100)
        options = {"n": int(n_top)}
    elif kind == "neighbours":
        query = w(st.text_input, "Word", "query", default="cat", parse=el.urlstate.text(200))
        q_k = w(st.slider, "How many neighbours", "query_k", default=30, parse=el.urlstate.integer(5, 500),
                min_value=5, max_value=500)
        options = {"query": query.strip(), "k": int(q_k)}
    elif kind == "list":
        words = w(st.text_area, "Words (commas or new lines)", "words",
                  default="king, queen, man, woman, prince, princess, boy, girl, uncle, aunt",
                  parse=el.urlstate.text(20_000), height=100)
        options = {"words": words}
    with_text = kind == "text" or w(st.toggle, "Also show my text's tokens", "with_text", default=True,
                                    parse=el.urlstate.flag)
    encoding = state.param("encoding", "gpt2", el.urlstate.choice(el.ENCODINGS))
    if with_text:
        with st.expander("✍️ My text", expanded=kind == "text"):
            text = widgets.text_area(scope=SCOPE, height=90)
    else:
        text = ""

    st.subheader("Projection")
    method = w(st.selectbox, "Method", "method", default="pca", parse=el.urlstate.choice(list(METHODS)),
               options=list(METHODS), format_func=METHODS.__getitem__)
    c1, c2 = st.columns(2)
    dims = 2 if method == "axes" else w(c1.selectbox, "Map", "dims", default=2, parse=el.urlstate.integer(2, 3),
                                        options=[2, 3], format_func=lambda d: f"{d}-D")
    metric = w(c2.selectbox, "Distance", "metric", default="cosine", parse=el.urlstate.choice(pj.PROJECTION_METRICS),
               options=list(pj.PROJECTION_METRICS),
               help="Which vectors count as neighbours. Cosine compares directions (usual for embeddings). "
               "For PCA, cosine means every vector is first scaled to length 1.")
    params: dict = {}
    axes = None
    if method in ("tsne", "umap"):
        seed = w(st.number_input, "Seed", "seed", default=0, parse=el.urlstate.integer(0, 2**31 - 1), min_value=0,
                 max_value=2**31 - 1, step=1, help="The same seed gives exactly the same map.")
    else:
        seed = 0
    if method == "tsne":
        params["perplexity"] = float(w(st.slider, "Perplexity", "perplexity", default=30,
                                       parse=el.urlstate.integer(2, 100), min_value=2, max_value=100,
                                       help="Roughly how many neighbours each point tries to keep close."))
    elif method == "umap":
        params["n_neighbors"] = int(w(st.slider, "Neighbours", "n_neighbors", default=15,
                                      parse=el.urlstate.integer(2, 200), min_value=2, max_value=200))
        params["min_dist"] = float(w(st.slider, "Minimum distance", "min_dist", default=0.1,
                                     parse=el.urlstate.number(0.0, 0.99), min_value=0.0, max_value=0.99, step=0.05))
    elif method == "axes":
        a1, a2 = st.columns(2)
        axes = (
            w(a1.text_input, "x from", "axis_a", default="man", parse=el.urlstate.text(100)).strip(),
            w(a2.text_input, "x to", "axis_b", default="woman", parse=el.urlstate.text(100)).strip(),
            w(a1.text_input, "y from", "axis_c", default="small", parse=el.urlstate.text(100)).strip(),
            w(a2.text_input, "y to", "axis_d", default="big", parse=el.urlstate.text(100)).strip(),
        )

    with st.expander("➗ Analogy: a − b + c", expanded=False):
        analogy_on = w(st.toggle, "Draw an analogy on the map", "analogy", default=False, parse=el.urlstate.flag)
        b1, b2, b3 = st.columns(3)
        an_a = w(b1.text_input, "a", "an_a", default="king", parse=el.urlstate.text(100)).strip()
        an_b = w(b2.text_input, "− b", "an_b", default="man", parse=el.urlstate.text(100)).strip()
        an_c = w(b3.text_input, "+ c", "an_c", default="woman", parse=el.urlstate.text(100)).strip()

    st.subheader("Look")
    colour_by = w(st.selectbox, "Colour by", "colour", default="category", parse=el.urlstate.choice(list(COLOURS)),
                  options=list(COLOURS), format_func=COLOURS.__getitem__)
    show_labels = w(st.toggle, "Labels on every point", "labels", default=True, parse=el.urlstate.flag,
                    help=f"Up to {mf.MAX_LABELLED_POINTS} points; your text's tokens are always labelled.")
    search = w(st.text_input, "Search labels", "search", default="", parse=el.urlstate.text(500))
    use_regex = w(st.toggle, "Regular expression", "regex", default=False, parse=el.urlstate.flag)

    with st.expander("📥 Import", expanded=False):
        meta_file = st.file_uploader("Metadata to colour by (CSV/TSV with a token column)", type=["csv", "tsv", "txt"],
                                     key="w.map.meta_upload")
        coords_file = st.file_uploader("Precomputed coordinates (CSV: token, x, y[, z])", type=["csv", "tsv", "txt"],
                                       key="w.map.coords_upload")

# ============================================================== points and projection
with main:
    metadata = None
    if meta_file is not None:
        try:
            metadata = mf.read_metadata(meta_file.getvalue(), filename=meta_file.name)
        except el.EmbedlabError as e:
            st.error(str(e), icon="⚠️")

    imported = None
    if coords_file is not None:
        try:
            imported = mf.read_coordinates_csv(coords_file.getvalue(), filename=coords_file.name)
        except el.EmbedlabError as e:
            st.error(str(e), icon="⚠️")

    analogy = []
    try:
        sets = []
        if kind != "text":
            sets.append(maps.cached_point_set(table, kind, **options))
        text_set = maps.cached_point_set(table, "text", text=text, encoding=encoding) if with_text and text else None
        if text_set is not None:
            sets.append(text_set)
        if analogy_on:
            try:
                analogy = table.analogy([an_a, an_c], [an_b], k=5)
            except el.EmbedlabError as e:  # a typo in the analogy must not take the map away
                st.error(f"Analogy: {e}", icon="⚠️")
            else:
                sets.append(maps.cached_point_set(table, "list", words=[an_a, an_b, an_c, analogy[0][0]],
                                                  category="analogy", description="the analogy's words"))
        if method == "axes":
            axis_vectors = [table.vector(word) for word in axes]
            sets.append(maps.cached_point_set(table, "list", words=list(axes), category="axis words",
                                              description="the axis words"))
        if not sets:
            st.info("Type some text (under **My text**) or choose another point set.", icon="✍️")
            st.stop()
        points = mf.merge_point_sets(*sets) if len(sets) > 1 else sets[0]
    except el.EmbedlabError as e:
        st.error(str(e), icon="⚠️")
        st.stop()

    typed = points.positions_of(text_set.rows) if text_set is not None else []
    # Points a sample must keep: the typed tokens and the analogy / axis words.
    must_keep = points.positions_of(mf.merge_point_sets(*sets[1:]).rows) if len(sets) > 1 else typed
    if len(points) < pj.MIN_POINTS and imported is None:
        st.warning(f"Only {len(points)} point(s) to draw; a map needs at least {pj.MIN_POINTS}. "
                   "Add words or choose a bigger point set.", icon="⚠️")
        st.stop()

    # ---- long runs are never started (or sampled) without asking
    n_pts = len(points)
    est = pj.estimate_seconds(n_pts, table.dim, method="pca" if method == "axes" else method, n_components=dims)
    base_key = maps.projection_key(maps.table_key(table), points.key, method, dims, metric, seed,
                                   tuple(sorted(params.items())), axes)
    approved, sample = maps.approval(base_key)
    needs_ask = (est > pj.INTERACTIVE_SECONDS or n_pts > MAX_DRAWN) and imported is None
    if needs_ask and not approved:
        what = f"{METHODS[method].split(' — ')[0]} of {n_pts:,} points"
        slow = est > pj.INTERACTIVE_SECONDS
        cost = (f"{what} is expected to take about **{est:,.0f} s** on this machine" if slow
                else f"{what} takes about {max(est, 0.1):,.1f} s to compute")
        if n_pts > MAX_DRAWN:
            cost += (f"{', and' if slow else ', but'} drawing them sends about "
                     f"**{mf.estimated_payload_mb(n_pts, dims):,.0f} MB** to your browser, which can make it sluggish")
        st.warning(cost + ". Run it anyway (with a progress bar and a Stop button), or run it on a random sample?",
                   icon="⏱️")
        g1, g2, g3 = st.columns([1, 1, 1])
        sample_n = g2.number_input("Sample size", min_value=100, max_value=max(100, n_pts - 1),
                                   value=min(5000, max(100, n_pts - 1)), step=500, key="w.map.sample_n")
        g1.button(f"Run on all {n_pts:,} points", on_click=maps.approve, args=(base_key, None), type="primary")
        g3.button(f"Run on a sample of {int(sample_n):,}", on_click=maps.approve, args=(base_key, int(sample_n)))
        st.stop()
    if sample:
        points = mf.sample_point_set(points, sample, seed=seed, keep=must_keep)
        typed = points.positions_of(text_set.rows) if text_set is not None else []
    key = maps.projection_key(base_key, sample)

    vectors = points.vectors(table) if imported is None else None
    if imported is not None:
        result = None
    elif method == "axes":
        result = maps.stored(key)
        if result is None:
            try:
                result = pj.axis_projection(vectors, x_axis=tuple(axis_vectors[:2]), y_axis=tuple(axis_vectors[2:]),
                                            axis_names=axes)
            except el.EmbedlabError as e:
                st.error(str(e), icon="⚠️")
                st.stop()
            maps.store(key, result)
    else:
        result = maps.stored(key)
        if result is None:
            if maps.stopped(key):
                st.warning("Stopped. Nothing was drawn.", icon="⏹")
                st.button("Run again", on_click=maps.clear_stop, type="primary")
                st.stop()
            if method == "umap" and not pj.umap_is_warm():
                st.caption("UMAP's code is still being compiled in the background (once per server); "
                           "this first run waits for it.")
            try:
                result = maps.run_with_progress(key, vectors, method=method, n_components=dims, seed=seed,
                                                metric=metric, labels=points.labels, **params)
            except el.EmbedlabError as e:
                st.error(str(e), icon="⚠️")
                st.stop()
            if result is None:
                st.warning("Stopped. Nothing was drawn.", icon="⏹")
                st.stop()

    if imported is not None:
        coords, labels, categories = imported.coords, list(imported.labels), imported.categories
        ids = imported.ids
        notes = list(imported.notes) + ["Drawing the imported coordinates (no projection was run)."]
        dims_drawn = coords.shape[1]
        typed = mf.label_positions(labels, text_set.labels) if text_set is not None else []
    else:
        coords, labels, categories, ids = result.coords, list(points.labels), points.categories, points.rows
        notes = list(points.notes) + list(result.notes)
        dims_drawn = result.n_components

    # ---- selection: a click on the chart (read before the text box is drawn) or the text box
    chart_key = f"w.map.chart.{key[:10]}"
    event = st.session_state.get(chart_key)
    picks = mf.points_from_selection(event) if event else []
    if picks and picks[0] < len(labels) and state.get_raw("map._last_pick") != (chart_key, picks[0]):
        state.put("map._last_pick", (chart_key, picks[0]))
        state.apply_values({"map.selected": labels[picks[0]]})

    # ---- what to draw on top
    search_hits = []
    try:
        search_hits = mf.search_labels(labels, search, use_regex=use_regex)
    except el.EmbedlabError as e:
        st.error(str(e), icon="⚠️")

    colour, colour_name = None, "category"
    if colour_by != "category":
        colour = mf.token_property(labels, ids if ids is not None else range(len(labels)), colour_by)
        colour_name = COLOURS[colour_by]
    if metadata is not None:
        meta_col = st.selectbox("Colour by metadata column", ["(none)"] + [str(c) for c in metadata.columns],
                                key="w.map.meta_col")
        if meta_col != "(none)":
            colour, _numeric, meta_notes = mf.metadata_values(metadata, meta_col, labels)
            colour_name = meta_col
            notes += meta_notes

    tab_names = ["🔎 Neighbours", "⚖️ Honesty", "➗ Analogy", "💾 Export"]
    fig_slot = st.container()
    # Lazy tabs: only the open tab's content runs (the Neighbours tab always does, since the
    # selection it holds is drawn on the map). The honesty check and its chart are the
    # heaviest part of a map page's run, and most runs are someone exploring the map.
    tabs = st.tabs(tab_names, key="w.map.tab", on_change="rerun")

    with tabs[0]:
        n1, n2, n3, n4 = st.columns([2, 1, 1, 1])
        default_sel = labels[int(typed[0])] if len(typed) else labels[0]
        selected_label = w(n1.text_input, "Selected token (or click a point)", "selected", default=default_sel,
                           parse=el.urlstate.text(200))
        k_nb = w(n2.slider, "k", "k", default=10, parse=el.urlstate.integer(1, 100), min_value=1, max_value=100)
        nb_metric = w(n3.selectbox, "Neighbours by", "nb_metric", default="cosine",
                      parse=el.urlstate.choice(["cosine", "euclidean"]), options=["cosine", "euclidean"])
        isolate = w(n4.toggle, "Isolate", "isolate", default=False, parse=el.urlstate.flag,
                    help="Grey out every other point (kept for context).")
        selected = mf.find_point(selected_label, labels, table=table, points=None if imported else points) \
            if selected_label else None
        neighbour_pos = []
        if selected_label:
            try:
                nb = mf.map_neighbours(table, selected_label, k=k_nb, metric=nb_metric, labels=labels,
                                       points=None if imported else points)
            except el.EmbedlabError as e:
                st.warning(str(e), icon="⚠️")
            else:
                neighbour_pos = nb.on_map
                score = "cosine similarity" if nb_metric == "cosine" else "distance"
                widgets.table(cache.table(mf.MapNeighbours.table, nb, score_name=score), hide_index=True,
                              height=min(400, 38 + 35 * len(nb.tokens)))
                st.caption(
                    f"Nearest in the original {table.dim}-dimensional space of the whole table"
                    + (f"; {nb.missing} of them are not among this map's points (choose “A word and its nearest "
                       "neighbours” to map them)." if nb.missing else ".")
                )
            if selected is None:
                st.caption(f"{selected_label!r} is not on this map.")

    arrows = []
    if analogy_on and analogy and imported is None:
        arrows = mf.analogy_arrows(table, points, an_a, an_b, an_c, analogy[0][0])

    if result is not None and result.method == "pca":
        evr = result.explained_variance_ratio
        axis_titles = [f"PC{i + 1} ({v:.1%} of variance)" for i, v in enumerate(evr)]
    elif result is not None and result.method == "axes":
        axis_titles = [f"{axes[0]} → {axes[1]}", f"{axes[2]} → {axes[3]}"]
    else:
        name = "imported" if imported is not None else {"tsne": "t-SNE", "umap": "UMAP"}.get(method, method)
        axis_titles = [f"{name} {i + 1}" for i in range(dims_drawn)]
    fig = cache.figure(
        mf.map_figure, coords, labels, ids=ids, categories=categories, colour=colour, colour_name=colour_name,
        show_labels=show_labels, highlight=typed, selected=selected, neighbours=neighbour_pos, isolate=isolate,
        matches=search_hits, arrows=arrows, axis_titles=axis_titles,
        # t-SNE/UMAP axes have no units: only relative positions mean something.
        show_ticks=imported is not None or method in ("pca", "axes"),
    )
    with fig_slot:
        described = "imported coordinates" if imported is not None else points.description
        st.markdown(f"**{len(labels):,} points** — {described}; {table.name}.")
        widgets.chart(fig, key=chart_key, on_select="rerun" if dims_drawn == 2 else "ignore",
                      selection_mode="points", config=mf.map_plot_config(filename=f"embedlab-{method}-map"),
                      width="stretch")
        cap = []
        if len(search_hits) or search:
            cap.append(f"search “{search}”: {len(search_hits):,} match(es)")
        if result is not None:
            cap.append(f"{result.info.get('implementation', method)}, {result.seconds:.1f} s")
        if dims_drawn == 2:
            cap.append("click a point to select it")
        cap.append("the camera icon saves a PNG at 4× resolution")
        st.caption(" · ".join(cap))
        show_notes(notes)

    with tabs[1]:
        if tabs[1].open:
            if imported is not None:
                st.info("Imported coordinates come without their original vectors, so there is nothing to compare.")
            elif len(points) < 7:
                st.info("The honesty check needs at least 7 points.")
            else:
                hk = w(st.slider, "Neighbours to compare (k)", "honesty_k", default=10, parse=el.urlstate.integer(1, 50),
                       min_value=1, max_value=max(1, min(50, (len(points) - 1) // 2 - 1)))
                hkey = maps.projection_key(key, "honesty", hk, metric)
                pres = maps.stored(hkey)
                # Every query point is compared with all points: on very big maps measure fewer of them
                # (the result says it is a sample), and only when asked.
                queries = 2_000 if len(points) <= BIG_HONESTY else 500
                if pres is None and (len(points) <= BIG_HONESTY or st.button(
                        f"Measure it (a sample of {queries} of the {len(points):,} points; can take a minute)",
                        key="w.map.honesty_go")):
                    with st.spinner("Comparing neighbourhoods…"):
                        pres = pj.neighbour_preservation(vectors, coords, k=hk, metric=metric, max_points=queries)
                    maps.store(hkey, pres)
                one = pj.point_preservation(vectors, coords, selected, k=hk, metric=metric) if selected is not None \
                    else None
            if imported is None and len(points) >= 7 and pres is not None:
                widgets.chart(cache.figure(mf.honesty_figure, pres, selected=one, selected_label=labels[selected] if one else "",
                                                method=METHODS[method].split(" — ")[0]),
                              key=f"w.map.honesty.{hkey[:8]}", width="stretch")
                st.caption(
                    f"For each point we take its {hk} nearest neighbours in the original {table.dim}-D space "
                    f"({metric}) and count how many are still among its {hk} nearest on the map. "
                    "Trustworthiness (scikit-learn) is 1 when no point's map neighbours are strangers in the original space."
                )
                show_notes(pres.notes)
                if one is not None:
                    o1, o2 = st.columns(2)
                    o1.markdown(f"**{el.visible_text(labels[selected])}** — nearest in the original space:")
                    o1.write(", ".join(el.visible_text(labels[i]) for i in one.original))
                    o2.markdown("— nearest on the map:")
                    o2.write(", ".join(el.visible_text(labels[i]) for i in one.on_map))

    with tabs[2]:
        if tabs[2].open:
            if not analogy_on:
                st.info("Turn on **Draw an analogy** (left, under Analogy) to compute a − b + c and draw it.")
            elif analogy:
                st.markdown(f"**{an_a} − {an_b} + {an_c}** ≈")
                widgets.table({"answer": [el.visible_text(t) for t, _ in analogy],
                               "cosine similarity": [round(s, 4) for _, s in analogy]}, hide_index=True)
                st.caption("Arrows: b → a and c → the best answer. In the full space the two arrows are nearly "
                           "parallel; on a 2-D map they may not be.")

    with tabs[3]:
        if tabs[3].open:
            st.caption("The coordinates as CSV (re-importable under Import), the two files "
                       "projector.tensorflow.org loads, and the map as a standalone interactive web page.")
            e1, e2, e3, e4 = st.columns(4)
            e1.download_button("Coordinates (CSV)", key="w.map.dl_csv",
                               data=lambda: mf.coordinates_csv(coords, labels, ids=ids, categories=categories),
                               file_name="embedlab-map.csv", mime="text/csv", on_click="ignore")
            if imported is None:
                e2.download_button("Projector vectors.tsv", key="w.map.dl_vec",
                                   data=lambda: mf.projector_tsv(vectors, labels, categories=categories)[0],
                                   file_name="vectors.tsv", mime="text/tab-separated-values", on_click="ignore")
                e3.download_button("Projector metadata.tsv", key="w.map.dl_meta",
                                   data=lambda: mf.projector_tsv(vectors, labels, categories=categories)[1],
                                   file_name="metadata.tsv", mime="text/tab-separated-values", on_click="ignore")
            e4.download_button("Interactive HTML", key="w.map.dl_html", data=lambda: mf.figure_html(fig),
                               file_name="embedlab-map.html", mime="text/html", on_click="ignore")
