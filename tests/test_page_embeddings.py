"""AppTest: the Embeddings page and the shared embedding-source selector."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

PAGE = "pages/embeddings.py"


@pytest.fixture(autouse=True)
def _navigation_mode_like_a_server(monkeypatch):
    """As in test_page_onehot: keep AppTest in st.navigation mode so button clicks survive a run."""
    import streamlit.testing.v1.app_test as app_test_module

    class _PagesManager(app_test_module.PagesManager):
        pass

    monkeypatch.setattr(app_test_module, "PagesManager", _PagesManager)


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDLAB_CACHE", str(tmp_path / "cache"))


def charts(at) -> dict[str, dict]:
    """Plotly specs by title (the page's charts have distinct titles)."""
    out = {}
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        out[((spec["layout"].get("title") or {}).get("text")) or ""] = spec
    return out


def z_of(trace: dict) -> np.ndarray:
    z = trace["z"]
    if isinstance(z, dict):  # plotly typed array
        import base64

        a = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        return a.reshape([int(n) for n in str(z.get("shape", a.size)).split(",")])
    return np.asarray(z, dtype=float)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def test_defaults_show_glove_lookup_neighbours_analogy_and_the_article_example(app_test):
    at = app_test(PAGE)
    assert not at.exception and not at.error, texts(at.error)
    assert metrics(at) == {
        "Rows (vocabulary)": "400,000", "Dimensions": "50", "Parameters": "20,000,000", "Memory (float32)": "80 MB",
    }
    lookup = at.dataframe[0].value
    assert lookup["word"].tolist() == ["The", "cat", "dog"]  # the shared default text
    assert lookup["row"].tolist() == [0, 5450, 2926]
    figs = charts(at)
    nn = figs["Nearest to cat (cosine similarity)"]["data"][0]
    assert list(nn["y"][:3]) == ["dog", "rabbit", "monkey"] and nn["x"][0] == pytest.approx(0.9218, abs=1e-4)
    assert "*man* : *king* :: *woman* : **queen**" in texts(at.markdown)
    sims = z_of(figs["Cosine similarity in GloVe 6B 50d"]["data"][0])  # cat, dog, apple, car
    assert sims[0, 1] == pytest.approx(0.9218, abs=1e-4) and sims[0, 2] == pytest.approx(0.4407, abs=1e-4)
    torch.manual_seed(123)
    weight = torch.nn.Embedding(6, 3).weight.detach().numpy()
    pt = figs["embedding_layer.weight (boxes: rows the IDs pick)"]
    np.testing.assert_allclose(z_of(pt["data"][0]), weight, rtol=1e-6)
    assert len(pt["layout"]["shapes"]) == 4  # rows 1, 2, 3, 5 boxed
    out = z_of(figs["embedding_layer(input_ids): one row per ID"]["data"][0])
    np.testing.assert_allclose(out, weight[[2, 3, 5, 1]], rtol=1e-6)
    assert "torch.manual_seed(123)" in at.code[0].value


def test_random_source_is_indexed_by_real_gpt2_ids(app_test):
    at = app_test(PAGE)
    at.selectbox(key="w.embeddings.source").set_value("random").run()
    assert not at.exception and not at.error, texts(at.error)
    assert metrics(at)["Rows (vocabulary)"] == "50,257" and metrics(at)["Dimensions"] == "16"
    lookup = at.dataframe[0].value
    assert lookup["token"].tolist() == ["The", " cat", " dog"]
    assert lookup["token ID"].tolist() == lookup["row"].tolist() == [464, 3797, 3290]
    assert "untrained: its neighbours are random" in texts(at.caption)
    at.number_input(key="w.embeddings.source.dim").set_value(4).run()
    assert metrics(at)["Dimensions"] == "4" and metrics(at)["Parameters"] == "201,028"


def test_bad_input_is_explained_and_nothing_breaks(app_test):
    at = app_test(PAGE)
    at.text_input(key="w.embeddings.embeddings.query").set_value("qwzxv").run()
    at.text_input(key="w.embeddings.embeddings.an_c").set_value("blorpf").run()
    at.text_input(key="w.embeddings.embeddings.pt_ids").set_value("2, 9").run()
    assert not at.exception
    errors = texts(at.error)
    assert "No vector for 'qwzxv'" in errors and "No vector for 'blorpf'" in errors
    assert "token ID 9 is out of range" in errors and "valid IDs are 0 to 5" in errors


def test_url_values_are_validated_and_clamped(app_test):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["embeddings.k"] = "500"
    at.query_params["source"] = "<script>"
    at.query_params["embeddings.query"] = "dog"
    at.run()  # the session keeps the link it opened with, so the Embeddings page still reads these
    at.switch_page(PAGE).run()
    assert not at.exception
    notes = texts(at.warning)
    assert "500 is outside 1–50; using 50" in notes and "'<script>' is not one of" in notes
    nn = charts(at)["Nearest to dog (cosine similarity)"]["data"][0]
    assert len(nn["y"]) == 50 and nn["y"][0] == "cat"


def test_uploaded_csv_becomes_the_table(app_test):
    at = app_test(PAGE)
    at.selectbox(key="w.embeddings.source").set_value("upload").run()
    assert "Choose a file to see its vectors; GloVe is shown meanwhile." in texts(at.info)
    csv = b"token,x,y\ncat,1,0\ndog,0.9,0.1\napple,0,1\n"
    at.file_uploader(key="w.embeddings.source.upload").set_value(("pets.csv", csv, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == [  # only the default analogy words are unknown to this tiny table
        "No vector for 'king': it is not one of the 3 tokens of 'pets.csv'. Its vocabulary is lower-case "
        "words and punctuation; try another spelling or a more common word."
    ]
    assert metrics(at)["Rows (vocabulary)"] == "3" and metrics(at)["Dimensions"] == "2"
    rows = at.dataframe[0].value["row"]
    assert rows.isna().tolist() == [True, False, False] and rows[1:].tolist() == [0, 1]  # "The": no vector
    nn = charts(at)["Nearest to cat (cosine similarity)"]["data"][0]
    assert list(nn["y"]) == ["dog", "apple"]  # k=10 clamped to the 2 other rows, and said so:
    assert "k=10 is more than the 2 other rows of 'pets.csv'; showing 2." in texts(at.warning)
    # A page switch resets the uploader widget; the session keeps the table.
    at.switch_page("pages/home.py").run()
    at.switch_page(PAGE).run()
    assert metrics(at)["Rows (vocabulary)"] == "3" and "Using pets.csv, uploaded earlier" in texts(at.caption)


def test_a_pickled_upload_is_refused_and_glove_is_shown(app_test, tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.mkdir, (str(tmp_path / "pwned"),))

    path = tmp_path / "evil.npy"
    np.save(path, np.array([[Boom(), Boom()]], dtype=object), allow_pickle=True)
    at = app_test(PAGE)
    at.selectbox(key="w.embeddings.source").set_value("upload").run()
    at.file_uploader(key="w.embeddings.source.upload").set_value(("evil.npy", path.read_bytes(), "x")).run()
    assert not at.exception
    assert "never unpickled" in texts(at.error) and "Showing GloVe instead" in texts(at.error)
    assert metrics(at)["Rows (vocabulary)"] == "400,000"
    assert not (tmp_path / "pwned").exists()


def test_hugging_face_waits_for_the_button_and_reports_offline(app_test):
    at = app_test(PAGE)  # tests/conftest.py sets HF_HUB_OFFLINE=1
    at.selectbox(key="w.embeddings.source").set_value("hf").run()
    assert not at.exception and "Not downloaded yet" in texts(at.info)
    assert metrics(at)["Rows (vocabulary)"] == "400,000"  # GloVe meanwhile
    at.button(key="w.embeddings.source.hf_go").click().run()
    assert not at.exception
    assert "could not download hf:openai-community/gpt2" in texts(at.error)
    assert "Showing GloVe instead" in texts(at.error)


def test_hugging_face_download_through_the_page(app_test, monkeypatch):
    import huggingface_hub.constants

    from tests.fake_hub import FakeHub, gpt2_repo

    repo, wte = gpt2_repo(filler_mb=1)
    hub = FakeHub({"openai-community/gpt2": repo}).start()
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    # What HF_ENDPOINT does when set before import: both the endpoint and the file-URL template.
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    try:
        at = app_test(PAGE)
        at.selectbox(key="w.embeddings.source").set_value("hf").run()
        at.button(key="w.embeddings.source.hf_go").click().run()
        assert not at.exception and not at.error, texts(at.error)
        assert metrics(at)["Rows (vocabulary)"] == "50,257" and metrics(at)["Dimensions"] == "16"
        assert at.dataframe[0].value["row"].tolist() == [464, 3797, 3290]
        assert "by byte range" in texts(at.caption)
        at.text_area(key="w.embeddings.text").set_value("cat").run()  # cached now: no button needed
        assert at.dataframe[0].value["row"].tolist() == [9246]
        np.testing.assert_allclose(
            z_of(charts(at)["1 row of openai-community/gpt2 (input embeddings) (16 dimensions)"]["data"][0]),
            wte[[9246]], rtol=1e-6,
        )
    finally:
        hub.stop()
