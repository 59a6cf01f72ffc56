"""Category lists, point sets, map/honesty figures (asserted through fig.to_dict()), exports and imports.

Real data: GloVe 6B 50d (installed package), real GPT-2 token IDs and vocabulary labels.
"""

from __future__ import annotations

import base64
import collections
import io
import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embedlab.categories import CATEGORIES, COUNTRY_CAPITAL_PAIRS, category_of, words_in
from embedlab.embeddings import EmbeddingTable, glove_6b_50d, random_embeddings
from embedlab.errors import EmbedlabError, FileFormatError, MissingTokenError
from embedlab.mapfig import (
    MAX_LABELLED_POINTS,
    MapArrow,
    coordinates_csv,
    figure_html,
    honesty_figure,
    map_figure,
    map_plot_config,
    merge_point_sets,
    metadata_values,
    point_set,
    points_all,
    points_categories,
    points_from_selection,
    points_from_text,
    points_list,
    points_neighbours,
    points_top,
    projector_tsv,
    read_coordinates_csv,
    read_metadata,
    sample_point_set,
    search_labels,
    token_property,
)
from embedlab.projection import neighbour_preservation, point_preservation, project
from embedlab.tokenizer import vocabulary


@pytest.fixture(scope="module")
def glove() -> EmbeddingTable:
    return glove_6b_50d()


@pytest.fixture(scope="module")
def gpt2_random() -> EmbeddingTable:
    """A GPT-2-vocabulary table (rows = real token IDs), small dim to stay light."""
    return random_embeddings(encoding="gpt2", dim=4, seed=123)


def arr(value) -> np.ndarray:
    """A Plotly array field from fig.to_dict(): a list or the base64 typed-array form."""
    if isinstance(value, dict) and "bdata" in value:
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            a = a.reshape([int(s) for s in str(value["shape"]).split(",")])
        return a
    return np.asarray(value)


# ============================================================================ categories


def test_categories_are_a_plain_dict_of_lists_with_every_required_list():
    assert type(CATEGORIES) is dict
    assert set(CATEGORIES) == {"animals", "fruits", "vehicles", "countries", "capitals", "colours", "numbers",
                               "family", "emotions", "verbs"}
    for name, words in CATEGORIES.items():
        assert type(words) is list and len(words) >= 15, name


def test_category_words_are_lowercase_single_words_in_glove_and_in_one_list_only(glove):
    everything = [w for words in CATEGORIES.values() for w in words]
    dupes = [w for w, c in collections.Counter(everything).items() if c > 1]
    assert dupes == []
    for w in everything:
        assert re.fullmatch(r"[a-z]+", w), w
        row = glove.index_of(w)
        assert row is not None and glove.tokens[row] == w, w
        assert row < 50_000, f"{w} is rare in GloVe (row {row})"


def test_category_lists_are_coherent_in_glove(glove):
    """Each word's nearest category centroid (cosine) is its own category for >= 90% of words."""
    names = list(CATEGORIES)
    unit = lambda v: v / np.linalg.norm(v)  # noqa: E731
    cents = np.array([unit(np.mean([unit(glove.vector(w)) for w in CATEGORIES[c]], axis=0)) for c in names])
    right = total = 0
    for c in names:
        hits = sum(names[int(np.argmax(cents @ unit(glove.vector(w))))] == c for w in CATEGORIES[c])
        assert hits / len(CATEGORIES[c]) >= 0.8, c
        right += hits
        total += len(CATEGORIES[c])
    assert right / total >= 0.9


def test_countries_and_capitals_are_aligned(glove):
    assert [c for c, _ in COUNTRY_CAPITAL_PAIRS] == CATEGORIES["countries"]
    assert [c for _, c in COUNTRY_CAPITAL_PAIRS] == CATEGORIES["capitals"]
    # capital_i - country_i + country_j ~ capital_j for most pairs: the alignment is right.
    n = len(COUNTRY_CAPITAL_PAIRS)
    top1 = 0
    for i, (country, capital) in enumerate(COUNTRY_CAPITAL_PAIRS):
        other_country, other_capital = COUNTRY_CAPITAL_PAIRS[(i + 1) % n]
        top1 += glove.analogy([capital, other_country], [country], k=1)[0][0] == other_capital
    assert top1 / n >= 0.75


def test_category_of_and_words_in():
    assert category_of(" Cat ") == "animals" and category_of("paris") == "capitals" and category_of("xyzzy") is None
    pairs = words_in(["fruits", "colours"])
    assert pairs[0] == ("apple", "fruits") and pairs[-1] == (CATEGORIES["colours"][-1], "colours")
    with pytest.raises(EmbedlabError, match="unknown category 'plants'"):
        words_in(["plants"])


# ============================================================================ point sets


def test_points_from_text_on_glove_uses_words_and_reports_missing(glove):
    ps = points_from_text(glove, "The cat and the dog ate an apple, qzxqzxq!")
    assert ps.labels == ("the", "cat", "and", "dog", "ate", "an", "apple", ",", "!")
    assert ps.rows.tolist() == [glove.index_of(w) for w in ps.labels]
    assert set(ps.categories) == {"your text"}
    assert ps.missing == ("qzxqzxq",)
    assert any("qzxqzxq" in n for n in ps.notes) and any("repeated" in n for n in ps.notes)
    assert not ps.rows.flags.writeable


def test_points_from_text_on_a_gpt2_table_uses_real_token_ids(gpt2_random):
    ps = points_from_text(gpt2_random, "The cat dog")
    assert ps.rows.tolist() == [464, 3797, 3290]  # the article's example, real gpt2 IDs
    assert ps.labels == ("The", " cat", " dog")
    np.testing.assert_array_equal(ps.vectors(gpt2_random), gpt2_random.lookup([464, 3797, 3290]))


def test_points_top_states_the_row_order(glove, gpt2_random):
    ps = points_top(glove, 5)
    assert ps.labels == ("the", ",", ".", "of", "to")
    assert "how often the word occurs" in ps.notes[0]
    assert "BPE merges" in points_top(gpt2_random, 3).notes[0]
    small = random_embeddings(vocab_size=6, dim=3)
    clamped = points_top(small, 10)
    assert len(clamped) == 6 and any("has 6" in n for n in clamped.notes)
    with pytest.raises(EmbedlabError, match="whole number >= 1"):
        points_top(glove, 0)


def test_points_neighbours_puts_the_query_first(glove):
    ps = points_neighbours(glove, "cat", k=8)
    assert ps.labels[0] == "cat" and ps.categories[0] == "query"
    assert list(ps.labels[1:]) == [w for w, _ in glove.neighbors("cat", k=8)]
    assert "dog" in ps.labels and set(ps.categories[1:]) == {"neighbour"}
    with pytest.raises(MissingTokenError, match="qzxqzxq"):
        points_neighbours(glove, "qzxqzxq")


def test_points_categories_on_glove_and_gpt2(glove, gpt2_random):
    ps = points_categories(glove, ["animals", "fruits"])
    assert len(ps) == len(CATEGORIES["animals"]) + len(CATEGORIES["fruits"]) and ps.missing == ()
    assert ps.labels[:2] == ("cat", "dog") and ps.categories[0] == "animals" and ps.categories[-1] == "fruits"
    g = points_categories(gpt2_random, ["animals"])
    assert g.labels[0] == " cat" and g.rows[0] == 3797  # the mid-sentence token
    assert "giraffe" in g.missing  # several GPT-2 tokens: no single row
    with pytest.raises(EmbedlabError, match="unknown category 'plants'"):
        points_categories(glove, ["plants"])


@pytest.mark.parametrize("words", ["cat, dog;apple\nbanana", ["cat", " dog ", "apple", "banana", ""]])
def test_points_list_parses_separators(glove, words):
    ps = points_list(glove, words)
    assert ps.labels == ("cat", "dog", "apple", "banana")
    with pytest.raises(EmbedlabError, match="list is empty"):
        points_list(glove, " , ;\n")


def test_points_all_and_merge(glove):
    small = random_embeddings(vocab_size=6, dim=3)
    assert points_all(small).rows.tolist() == list(range(6))
    cats = points_categories(glove, ["animals"])
    text = points_from_text(glove, "my cat likes apple pie")
    merged = merge_point_sets(cats, text)
    assert merged.categories[merged.labels.index("cat")] == "animals"  # the first set wins
    assert merged.categories[merged.labels.index("apple")] == "your text"
    assert len(merged) == len(set(merged.rows.tolist()))
    assert merged.key != cats.key and merged.key == merge_point_sets(cats, text).key


def test_point_set_dispatch(glove):
    assert point_set(glove, "list", words="cat, dog").labels == ("cat", "dog")
    with pytest.raises(EmbedlabError, match="unknown point set 'everything'"):
        point_set(glove, "everything")
    with pytest.raises(EmbedlabError, match="point set 'top'"):
        point_set(glove, "top", count=5)


# ============================================================================ token properties / metadata


def test_token_properties_on_real_gpt2_labels():
    vocab = vocabulary("gpt2")
    ids = [464, 3797, 94, 1314, 40, 12]  # "The", " cat", byte 0xa1, "15", "I", "-"
    labels = [vocab[i] for i in ids]
    assert token_property(labels, ids, "leading_space").tolist()[:2] == ["no leading space", "leading space"]
    assert token_property(labels, ids, "byte_piece")[2] == "byte-level piece"
    assert token_property(labels, ids, "byte_piece")[0] == "whole characters"
    assert token_property(labels, ids, "digit")[3] == "has a digit"
    assert token_property(labels, ids, "capitalised").tolist()[:2] == ["capitalised", "not capitalised"]
    np.testing.assert_array_equal(token_property(labels, ids, "id_rank"), ids)
    assert token_property(labels, ids, "length").tolist()[:3] == [3.0, 4.0, 1.0]  # a byte counts as one
    with pytest.raises(EmbedlabError, match="unknown token property 'colour'"):
        token_property(labels, ids, "colour")


@pytest.mark.parametrize("sep, name", [(",", "meta.csv"), ("\t", "meta.tsv")])
def test_metadata_join_numeric_and_categorical(sep, name):
    text = sep.join(["word", "legs", "kind"]) + "\n" + "\n".join(
        sep.join(r) for r in [["cat", "4", "pet"], ["Dog", "4", "pet"], ["spider", "8", "bug"]]
    )
    meta = read_metadata(text.encode(), filename=name)
    legs, numeric, notes = metadata_values(meta, "legs", ["cat", "dog", "spider", "apple"])
    assert numeric and legs[:3].tolist() == [4, 4, 8] and np.isnan(legs[3])
    assert notes == ["1 of 4 points have no 'legs' value in the metadata."]
    kind, numeric, _ = metadata_values(meta, "kind", ["cat", "spider", "apple"])
    assert not numeric and kind.tolist() == ["pet", "bug", "(no value)"]
    with pytest.raises(EmbedlabError, match="no metadata column 'size'"):
        metadata_values(meta, "size", ["cat"])


@pytest.mark.parametrize(
    "data, match",
    [(b"only\ncat\n", "1 column"), (b"token,x\n", "no rows"), (b"\xff\xfe\x00bad", "not UTF-8")],
)
def test_metadata_refusals(data, match):
    with pytest.raises(FileFormatError, match=match):
        read_metadata(data)


# ============================================================================ search


def test_search_substring_and_regex():
    labels = ["cat", " Cat", "concatenate", "dog", "caterpillar", "c.t"]
    assert search_labels(labels, "cat").tolist() == [0, 1, 2, 4]
    assert search_labels(labels, "cat", case_sensitive=True).tolist() == [0, 2, 4]
    assert search_labels(labels, "c.t").tolist() == [5]  # substring: the dot is literal
    assert search_labels(labels, r"^\s?cat$", use_regex=True).tolist() == [0, 1]
    assert search_labels(labels, "").tolist() == []
    with pytest.raises(EmbedlabError, match=r"not a valid regular expression"):
        search_labels(labels, "(cat", use_regex=True)


def test_catastrophic_regex_is_stopped():
    labels = ["a" * 40 + "!"] * 3
    with pytest.raises(EmbedlabError, match="took longer than"):
        search_labels(labels, r"(a|aa)+$", use_regex=True, time_budget_s=0.3)


# ============================================================================ map figure


@pytest.fixture(scope="module")
def animal_fruit_map(glove):
    ps = points_categories(glove, ["animals", "fruits"])
    coords = project(ps.vectors(glove), method="pca")
    return ps, coords


def test_map_2d_traces_hover_and_customdata(animal_fruit_map):
    ps, coords = animal_fruit_map
    d = map_figure(coords, ps.labels, ids=ps.rows, categories=ps.categories).to_dict()
    assert [t["type"] for t in d["data"]] == ["scattergl", "scattergl"]
    assert [t["name"] for t in d["data"]] == ["animals", "fruits"]
    animals = d["data"][0]
    assert list(animals["text"][:2]) == ["cat", "dog"]
    cd = arr(animals["customdata"])
    assert cd.shape == (len(CATEGORIES["animals"]), 2)
    assert cd[0].tolist() == [0, ps.rows[0]]  # [point index, token ID]
    np.testing.assert_allclose(arr(animals["x"]), coords[: len(cd), 0])
    assert "ID %{customdata[1]}" in animals["hovertemplate"] and "%{fullData.name}" in animals["hovertemplate"]
    assert animals["mode"] == "markers"
    assert d["layout"]["yaxis"]["scaleanchor"] == "x"  # distances are not stretched


def test_map_3d_uses_scatter3d(animal_fruit_map, glove):
    ps, _ = animal_fruit_map
    coords = project(ps.vectors(glove), method="pca", n_components=3)
    d = map_figure(coords, ps.labels, categories=ps.categories, arrows=[MapArrow(0, 1, "cat→dog")]).to_dict()
    assert {t["type"] for t in d["data"]} == {"scatter3d"}
    np.testing.assert_allclose(arr(d["data"][0]["z"]), coords[: len(CATEGORIES["animals"]), 2])
    arrow = d["data"][-1]
    assert arrow["mode"] == "lines+markers" and arrow["name"] == "cat→dog"
    assert d["layout"]["scene"]["aspectmode"] == "data"


def test_label_toggle_and_the_label_limit(animal_fruit_map):
    ps, coords = animal_fruit_map
    on = map_figure(coords, ps.labels, categories=ps.categories, show_labels=True).to_dict()
    assert {t["mode"] for t in on["data"]} == {"markers+text"}
    n = MAX_LABELLED_POINTS + 1
    big = np.random.default_rng(0).standard_normal((n, 2))
    off = map_figure(big, [f"t{i}" for i in range(n)], show_labels=True, highlight=[3]).to_dict()
    assert off["data"][0]["mode"] == "markers"  # too many to label them all...
    assert off["data"][1]["mode"] == "markers+text" and list(off["data"][1]["text"]) == ["t3"]  # ...typed ones yes


def test_highlight_selection_neighbours_isolate_and_search(animal_fruit_map):
    ps, coords = animal_fruit_map
    cat, dog, apple = (ps.labels.index(w) for w in ("cat", "dog", "apple"))
    fig = map_figure(coords, ps.labels, ids=ps.rows, categories=ps.categories, highlight=[apple], selected=cat,
                     neighbours=[dog, cat], isolate=True, matches=[dog, apple])
    d = fig.to_dict()
    names = [t["name"] for t in d["data"]]
    assert names == ["animals", "fruits", "search matches (2)", "in your text", "neighbours of cat", "selected: cat"]
    assert {t["marker"]["color"] for t in d["data"][:2]} == {"#BBBBBB"}  # context greyed, not hidden
    assert all(t["opacity"] == 0.35 for t in d["data"][:2])
    assert arr(d["data"][4]["customdata"])[:, 0].tolist() == [dog]  # the selected point is not its own neighbour
    assert list(d["data"][5]["text"]) == ["cat"] and d["data"][5]["marker"]["symbol"] == "star"
    assert list(d["data"][3]["text"]) == ["apple"]
    plain = map_figure(coords, ps.labels, categories=ps.categories, selected=cat, neighbours=[dog]).to_dict()
    assert plain["data"][0]["marker"]["color"] != "#BBBBBB"  # without isolate the colours stay


def test_colour_by_numeric_and_categorical_values(animal_fruit_map):
    ps, coords = animal_fruit_map
    lengths = token_property(ps.labels, ps.rows, "length")
    d = map_figure(coords, ps.labels, categories=ps.categories, colour=lengths, colour_name="length").to_dict()
    assert len(d["data"]) == 1 and d["data"][0]["marker"]["showscale"] is True
    np.testing.assert_array_equal(arr(d["data"][0]["marker"]["color"]), lengths)
    assert "%{hovertext}" in d["data"][0]["hovertemplate"]  # the category still shows in the hover
    caps = token_property(ps.labels, ps.rows, "capitalised")
    d2 = map_figure(coords, ps.labels, colour=caps, colour_name="capitalised").to_dict()
    assert [t["name"] for t in d2["data"]] == ["not capitalised"]


def test_ten_categories_get_ten_distinct_colours(glove):
    ps = points_categories(glove, list(CATEGORIES))
    coords = project(ps.vectors(glove), method="pca")
    d = map_figure(coords, ps.labels, categories=ps.categories).to_dict()
    colours = [t["marker"]["color"] for t in d["data"]]
    assert len(colours) == 10 and len(set(colours)) == 10


def test_labels_cannot_inject_markup_or_template_fields():
    coords = np.array([[0, 0], [1, 1], [2, 0.5]], dtype=float)
    labels = ["<b>bold</b>", "%{customdata[1]}", " a\tb"]
    d = map_figure(coords, labels, categories=["<i>x</i>", "y", "y"], selected=1, neighbours=[0],
                   colour_name="%{x}").to_dict()
    texts = [s for t in d["data"] for s in t["text"]]
    assert "&lt;b&gt;bold&lt;/b&gt;" in texts and "·a→b" in texts
    assert d["data"][0]["name"] == "&lt;i&gt;x&lt;/i&gt;"
    for t in d["data"]:
        # The only %{...} fields are ours.
        assert set(re.findall(r"%\{([^}]*)\}", t["hovertemplate"])) <= {"text", "customdata[1]", "fullData.name",
                                                                         "hovertext", "marker.color:.4g"}
    assert "selected: %\u200b{customdata[1]}" in d["data"][-1]["hovertemplate"]  # shown, not evaluated


def test_arrows_in_2d_are_annotations(animal_fruit_map):
    ps, coords = animal_fruit_map
    d = map_figure(coords, ps.labels, arrows=[MapArrow(0, 1, "cat → dog")]).to_dict()
    (ann,) = d["layout"]["annotations"]
    assert (ann["ax"], ann["ay"], ann["x"], ann["y"]) == pytest.approx(
        (coords[0, 0], coords[0, 1], coords[1, 0], coords[1, 1]))
    assert ann["axref"] == "x" and ann["text"] == "cat → dog"
    with pytest.raises(EmbedlabError, match="arrow end 999"):
        map_figure(coords, ps.labels, arrows=[MapArrow(0, 999)])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"coords": np.zeros((3, 4))}, r"\(n, 2\) or \(n, 3\)"),
        ({"labels": ["a", "b"]}, "2 labels for 3 points"),
        ({"coords": np.array([[0, 0], [np.nan, 1], [1, 1]])}, "NaN"),
        ({"highlight": [3]}, "highlight: point index 3"),
        ({"selected": 5}, "selected point 5"),
        ({"colour": [1, 2]}, "2 colour values for 3 points"),
        ({"ids": [1, 2]}, "2 IDs for 3 points"),
    ],
)
def test_map_figure_refuses_inconsistent_input(kwargs, match):
    args = {"coords": np.zeros((3, 2)), "labels": ["a", "b", "c"]}
    args.update(kwargs)
    coords, labels = args.pop("coords"), args.pop("labels")
    with pytest.raises(EmbedlabError, match=match):
        map_figure(coords, labels, **args)


def test_points_from_selection_maps_clicks_back_to_points(animal_fruit_map):
    ps, coords = animal_fruit_map
    fig = map_figure(coords, ps.labels, ids=ps.rows, categories=ps.categories)
    apple = ps.labels.index("apple")
    # What st.plotly_chart(on_select=...) returns for a click on "apple" (trace 1 = fruits, point 0):
    with_cd = {"selection": {"points": [{"curve_number": 1, "point_index": 0, "customdata": [apple, int(ps.rows[apple])]}]}}
    assert points_from_selection(with_cd) == [apple]
    # Streamlit 1.67 turns a row of a typed customdata array into an object keyed "0", "1":
    as_streamlit = {"selection": {"points": [{"curve_number": 1, "point_index": 0, "text": "apple",
                                              "customdata": {"0": apple, "1": int(ps.rows[apple])}}]}}
    assert points_from_selection(as_streamlit) == [apple]
    without_cd = {"selection": {"points": [{"curve_number": 1, "point_index": 0}]}}
    assert points_from_selection(without_cd, fig) == [apple]
    assert points_from_selection({"selection": {"points": []}}) == []
    assert points_from_selection(None) == []


def test_a_50k_point_map_stays_under_2_mb_of_json():
    """The whole GPT-2 vocabulary (real labels) as a map: compact enough to send to a browser."""
    vocab = vocabulary("gpt2")[:50_000]
    coords = np.random.default_rng(0).standard_normal((len(vocab), 2)).astype(np.float32)
    fig = map_figure(coords, vocab, ids=np.arange(len(vocab)), categories=["all"] * len(vocab))
    size = len(fig.to_json())
    assert size < 2_000_000, size


# ============================================================================ honesty figure


def test_honesty_figure_bars_lines_and_selected(glove, animal_fruit_map):
    ps, coords = animal_fruit_map
    x = ps.vectors(glove)
    pres = neighbour_preservation(x, coords, k=5)
    sel = point_preservation(x, coords, 0, k=5)
    d = honesty_figure(pres, selected=sel, selected_label="cat", method="PCA").to_dict()
    bar = d["data"][0]
    assert list(arr(bar["x"])) == [0, 1, 2, 3, 4, 5]
    assert arr(bar["y"]).sum() == pytest.approx(100.0)
    assert arr(bar["customdata"]).sum() == len(x)
    assert bar["marker"]["color"][sel.kept] == "#000000"
    assert f"{pres.mean:.0%}" in d["layout"]["title"]["text"] and "trustworthiness" in d["layout"]["title"]["text"]
    assert d["layout"]["shapes"][0]["x0"] == pytest.approx(pres.mean * 5)
    assert any(f"cat: {sel.kept}/5" in a["text"] for a in d["layout"]["annotations"])


# ============================================================================ exports / imports


def test_coordinates_csv_round_trip_with_ids_and_categories(animal_fruit_map):
    ps, coords = animal_fruit_map
    text = coordinates_csv(coords, ps.labels, ids=ps.rows, categories=ps.categories)
    assert text.splitlines()[0] == "\"token\",\"id\",\"category\",\"x\",\"y\""
    back = read_coordinates_csv(text.encode())
    assert back.labels == ps.labels and back.categories == ps.categories
    np.testing.assert_array_equal(back.ids, ps.rows)
    np.testing.assert_array_equal(back.coords, coords)


@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(st.text(min_size=1, max_size=12).filter(lambda s: "\x00" not in s), min_size=1, max_size=20),
    dims=st.sampled_from([2, 3]),
    seed=st.integers(0, 1000),
)
def test_coordinates_csv_round_trip_for_any_labels(labels, dims, seed):
    coords = np.random.default_rng(seed).standard_normal((len(labels), dims)).astype(np.float32)
    back = read_coordinates_csv(coordinates_csv(coords, labels))
    assert back.labels == tuple(labels)
    np.testing.assert_array_equal(back.coords, coords)


@pytest.mark.parametrize(
    "text, match",
    [
        ("token,a,b\ncat,1,2\n", "needs columns named x and y"),
        ("token,x,y\ncat,1,2\ndog,one,3\n", r"data row 2 \(line 3\): x = 'one'"),
        ("token,x,y\ncat,1,\n", "data row 1"),
        ("token,x,y\ncat,1,inf\n", "not a finite number"),
        ("token,x,y\n", "no rows"),
        ("token,id,x,y\ncat,1.5,0,0\n", "id = '1.5' is not a whole number"),
    ],
)
def test_coordinate_import_refusals_name_the_row(text, match):
    with pytest.raises(FileFormatError, match=match):
        read_coordinates_csv(text)


def test_coordinate_import_without_labels_and_tsv():
    back = read_coordinates_csv("x\ty\tz\n1\t2\t3\n4\t5\t6\n")
    assert back.coords.shape == (2, 3) and back.labels == ("0", "1") and "row number" in back.notes[0]


def test_projector_tsv_pair(glove):
    ps = points_list(glove, "cat, dog, apple")
    vectors = ps.vectors(glove)
    vec_tsv, meta_tsv = projector_tsv(vectors, ps.labels)
    rows = [line.split("\t") for line in vec_tsv.splitlines()]
    assert len(rows) == 3 and all(len(r) == 50 for r in rows)
    np.testing.assert_allclose(np.array(rows, dtype=float), vectors, rtol=1e-6)
    assert meta_tsv == "cat\ndog\napple\n"  # one column: no header (the Projector's rule)
    _, meta2 = projector_tsv(vectors, ["a\tb", "c\nd", "e"], categories=["x", "y", "z"])
    assert meta2.splitlines() == ["token\tcategory", "a\\tb\tx", "c\\nd\ty", "e\tz"]
    loaded = pd.read_csv(io.StringIO(meta2), sep="\t")
    assert loaded.shape == (3, 2)


def test_standalone_html_is_offline_and_escapes_labels():
    evil = "</script><script>alert(1)</script>"
    fig = map_figure(np.array([[0, 0], [1, 1], [2, 2]], dtype=float), [evil, "b", "c"])
    page = figure_html(fig, title="<map>")
    assert "<title>&lt;map&gt;</title>" in page
    assert "alert(1)</script>" not in page  # the label is data, escaped inside the JSON block
    assert "cdn.plot.ly" not in page.split("<body>")[0] and len(page) > 1_000_000  # plotly.js inlined
    assert '"scale": 4' in page or '"scale":4' in page


def test_plot_config_for_high_resolution_png():
    cfg = map_plot_config(filename="my map/../x", scale=5)
    assert cfg["toImageButtonOptions"] == {"format": "png", "filename": "my-map-..-x", "scale": 5}
    json.dumps(cfg)
    with pytest.raises(EmbedlabError, match="scale"):
        map_plot_config(scale=0)


def test_figures_are_plotly_figures(animal_fruit_map):
    ps, coords = animal_fruit_map
    assert isinstance(map_figure(coords, ps.labels), go.Figure)


def test_positions_subset_and_sampling(glove):
    cats = points_categories(glove, ["animals", "fruits"])
    text = points_from_text(glove, "my cat likes apple pie")
    merged = merge_point_sets(cats, text)
    pos = merged.positions_of(text.rows)
    assert sorted(merged.labels[i] for i in pos) == sorted(text.labels)
    assert merged.positions_of([10**6]).tolist() == []
    sample = sample_point_set(merged, 20, seed=3, keep=pos)
    assert len(sample) == 20 and set(text.rows.tolist()) <= set(sample.rows.tolist())
    assert "random sample of 20 of the" in sample.notes[-1] and "always included" in sample.notes[-1]
    again = sample_point_set(merged, 20, seed=3, keep=pos)
    assert sample.rows.tolist() == again.rows.tolist()
    assert sample_point_set(merged, 10_000) is merged
    assert [sample.labels[i] for i in range(3)] == [glove.tokens[r] for r in sample.rows[:3]]


def test_find_point_map_neighbours_and_analogy_arrows(glove):
    from embedlab.mapfig import analogy_arrows, find_point, map_neighbours

    ps = points_categories(glove, ["animals", "family"])
    assert find_point("cat", ps.labels) == 0
    assert find_point("Cat", ps.labels) is None and find_point("Cat", ps.labels, table=glove, points=ps) == 0
    nb = map_neighbours(glove, "cat", k=10, labels=ps.labels, points=ps)
    assert list(nb.tokens) == [t for t, _ in glove.neighbors("cat", k=10)]
    dog = ps.labels.index("dog")
    assert nb.positions[nb.tokens.index("dog")] == dog and dog in nb.on_map
    assert nb.missing == sum(t not in ps.labels for t in nb.tokens) and nb.missing > 0  # "cats" is not a category word
    df = nb.table()
    assert list(df.columns) == ["token", "cosine similarity", "on this map"] and df["on this map"].iloc[0] == "yes"
    fam = points_list(glove, "king, man, woman, queen, apple")
    arrows = analogy_arrows(glove, fam, "king", "man", "woman", "queen")
    assert [(a.start, a.end) for a in arrows] == [(1, 0), (2, 3)] and arrows[0].label == "man → king"
    assert analogy_arrows(glove, fam, "king", "man", "woman", "princess") == []


def test_label_positions():
    from embedlab.mapfig import label_positions

    assert label_positions(["cat", "dog", "cat", "apple"], ["cat", "pear"]).tolist() == [0, 2]
    assert label_positions(["cat"], []).tolist() == []
