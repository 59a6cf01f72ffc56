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
    assert "Choose a file (or a pair) of up to 200 MB to see its vectors; GloVe is shown meanwhile." in texts(at.info)
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


def test_typed_tokens_similarity_and_the_shape_line(app_test):
    at = app_test(PAGE)
    assert "**GloVe 6B 50d**: 400,000 × 50 = 20,000,000 parameters, 80 MB as float32." in texts(at.caption)
    typed = charts(at)["Cosine similarity of your words in GloVe 6B 50d"]["data"][0]
    assert list(typed["y"]) == ["The", "cat", "dog"]
    sims = z_of(typed)
    assert sims[1, 2] == pytest.approx(0.9218, abs=1e-4) and sims[1, 1] == pytest.approx(1.0)
    at.text_area(key="w.embeddings.text").set_value("cat dog apple cat").run()
    sims = z_of(charts(at)["Cosine similarity of your words in GloVe 6B 50d"]["data"][0])
    assert sims.shape == (3, 3)  # the second "cat" picks the same row: shown once
    assert sims[0, 1] > 0.9 and sims[0, 2] < 0.5  # cat~dog light up together, apple does not
    # The expander's table (every component) is built only when the expander is opened.
    assert not any(d.value.shape[1] == 51 for d in at.dataframe)
    at.session_state["w.embeddings.all_components"] = True
    at.run()
    full = next(d.value for d in at.dataframe if d.value.shape[1] == 51)
    assert full.shape == (4, 51) and full["word"].tolist() == ["cat", "dog", "apple", "cat"]
    at.selectbox(key="w.embeddings.source").set_value("random").run()
    assert "nothing lights up" in texts(at.caption)
    assert "50,257 × 16 = 804,112 parameters, 3.2 MB as float32" in texts(at.caption)


def test_projector_pair_upload_and_a_mismatched_pair(app_test):
    from embedlab.mapfig import projector_tsv

    at = app_test(PAGE)
    at.selectbox(key="w.embeddings.source").set_value("upload").run()
    vectors, meta = projector_tsv(np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32), ["cat", "dog", "apple"])
    up = at.file_uploader(key="w.embeddings.source.upload")
    up.set_value([("vectors.tsv", vectors.encode(), "text/tab-separated-values"),
                  ("metadata.tsv", meta.encode(), "text/tab-separated-values")]).run()
    assert not at.exception
    assert metrics(at)["Rows (vocabulary)"] == "3"
    assert "File vectors.tsv + metadata.tsv (TensorFlow Projector vectors)" in texts(at.caption)
    assert list(charts(at)["Nearest to cat (cosine similarity)"]["data"][0]["y"]) == ["dog", "apple"]
    up = at.file_uploader(key="w.embeddings.source.upload")
    up.set_value([("vectors.tsv", vectors.encode(), "x"), ("metadata.tsv", b"cat\ndog\n", "x")]).run()
    assert not at.exception
    assert "'metadata.tsv' has 2 labels but 'vectors.tsv' has 3 rows" in texts(at.error)
    assert "Showing GloVe instead" in texts(at.error) and metrics(at)["Rows (vocabulary)"] == "400,000"


def test_trained_source_without_a_trained_table_says_where_to_train(app_test):
    at = app_test(PAGE)
    at.selectbox(key="w.embeddings.source").set_value("trained").run()
    assert not at.exception and "Nothing trained in this session yet" in texts(at.info)
    assert metrics(at)["Rows (vocabulary)"] == "400,000"


# -- Hugging Face: the download runs in the background; the page stays usable ----------------------


def _wait_until(condition, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert condition(), "timed out waiting"


def _wait_for(job, timeout: float = 60.0) -> None:
    _wait_until(lambda: job.finished, timeout)


def test_hugging_face_waits_for_the_button_and_reports_offline(app_test):
    from appkit.embeddings import DEFAULT_REPO, download_of

    at = app_test(PAGE)  # tests/conftest.py sets HF_HUB_OFFLINE=1
    at.selectbox(key="w.embeddings.source").set_value("hf").run()
    assert not at.exception and "Not downloaded yet" in texts(at.info)
    assert metrics(at)["Rows (vocabulary)"] == "400,000"  # GloVe meanwhile
    at.button(key="w.embeddings.source.hf_go").click().run()
    _wait_for(download_of(DEFAULT_REPO))
    at.run()
    assert not at.exception
    errors = texts(at.error)
    assert "could not download hf:openai-community/gpt2" in errors
    assert "HF_HUB_OFFLINE=1 is set" in errors and "Unset HF_HUB_OFFLINE" in errors  # names what to do
    assert metrics(at)["Rows (vocabulary)"] == "400,000"
    assert [b for b in at.button if b.key == "w.embeddings.source.hf_go"]  # and it can be tried again


@pytest.fixture
def fake_hub(monkeypatch):
    """A fake Hub on 127.0.0.1 serving a GPT-2-shaped repo as openai-community/gpt2 (HF_ENDPOINT's effect)."""
    import threading

    import huggingface_hub.constants

    from tests.fake_hub import FakeHub, gpt2_repo

    repo, wte = gpt2_repo(filler_mb=1)
    hub = FakeHub({"openai-community/gpt2": repo}, hold=threading.Event()).start()
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    # What HF_ENDPOINT does when set before import: both the endpoint and the file-URL template.
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.endpoint)
    monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        hub.endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    hub.wte, hub.wpe = wte, repo.tensors["wpe.weight"]
    yield hub
    hub.hold.set()
    hub.stop()


def _matrix_requests(hub) -> list:
    return [e for e in hub.log if e.path.endswith("model.safetensors") and e.status == 206 and e.sent > 1_000_000]


def test_hugging_face_download_in_the_background_shared_by_two_sessions(app_test, fake_hub):
    from appkit.embeddings import DEFAULT_REPO, download_of

    at = app_test(PAGE)
    at.selectbox(key="w.embeddings.source").set_value("hf").run()
    at.button(key="w.embeddings.source.hf_go").click().run()
    job = download_of(DEFAULT_REPO)
    assert job is not None and job.running  # held by the fake Hub after its first 64 KB
    assert not at.exception and not at.error, texts(at.error)
    bar = at.get("progress")[0].proto
    assert bar.text.startswith("Downloading embedding matrix of openai-community/gpt2")
    assert "The page stays usable meanwhile" in texts(at.caption)
    # Usable while downloading: GloVe is shown, and a new text is looked up at once.
    assert metrics(at)["Rows (vocabulary)"] == "400,000"
    at.text_area(key="w.embeddings.text").set_value("cat dog").run()
    assert at.dataframe[0].value["word"].tolist() == ["cat", "dog"]
    # A second session asking for the same model watches the same download: no second button, no second transfer.
    _wait_until(lambda: job.total > 0)  # the matrix's size is known once its ranged response has started
    other = app_test(PAGE)
    other.selectbox(key="w.embeddings.source").set_value("hf").run()
    assert not [b for b in other.button if b.key == "w.embeddings.source.hf_go"]
    assert download_of(DEFAULT_REPO) is job
    assert other.get("progress")[0].proto.text.endswith(" of 3.2 MB")  # bytes so far of the 50,257 x 16 F32 matrix
    assert job.done < job.total == fake_hub.wte.nbytes  # the total is known; the bytes are held back
    fake_hub.hold.set()
    _wait_for(job)
    assert job.ok, job.error
    for session in (at, other):
        session.run()
        assert not session.exception and not session.error, texts(session.error)
        assert metrics(session)["Rows (vocabulary)"] == "50,257" and metrics(session)["Dimensions"] == "16"
    assert len(_matrix_requests(fake_hub)) == 1  # one transfer for both sessions
    assert at.dataframe[0].value["row"].tolist() == [9246, 3290]  # "cat", " dog": GPT-2 token IDs
    np.testing.assert_allclose(
        z_of(charts(at)["2 rows of openai-community/gpt2 (input embeddings) (16 dimensions)"]["data"][0]),
        fake_hub.wte[[9246, 3290]], rtol=1e-6,
    )
    assert "by byte range" in texts(at.caption)


def test_a_cancelled_download_leaves_nothing_and_can_be_restarted(app_test, fake_hub, tmp_path):
    from appkit.embeddings import DEFAULT_REPO, download_of

    at = app_test(PAGE)
    at.selectbox(key="w.embeddings.source").set_value("hf").run()
    at.button(key="w.embeddings.source.hf_go").click().run()
    job = download_of(DEFAULT_REPO)
    at.button(key="w.embeddings.source.hf_cancel").click().run()
    fake_hub.hold.set()  # the next chunk arrives, and the progress callback cancels
    _wait_for(job)
    at.run()
    assert not at.exception and "Download cancelled." in texts(at.info)
    cache = tmp_path / "cache"
    assert not list(cache.rglob("*.part")) and not list(cache.rglob("vectors.npy")) and not list(cache.rglob("info.json"))
    at.button(key="w.embeddings.source.hf_go").click().run()
    _wait_for(download_of(DEFAULT_REPO))
    at.run()
    assert metrics(at)["Rows (vocabulary)"] == "50,257"
