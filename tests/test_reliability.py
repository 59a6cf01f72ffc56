"""Reliability (issue 8): hostile text on every page, link values out of range, shared objects
read-only, sessions isolated, resource guards refusing before allocating."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import embedlab as el
from appkit.pages import available
from tests.conftest import APP

PAGES = [p.path for p in available()]

HOSTILE = {
    "empty": "",
    "one-mb": ("The cat sat on the mat. " * 43_700)[:1_000_000],
    "control": "nul\x00bel\x07esc\x1b[31m del\x7f",
    "emoji-10k": "😀" * 10_000,
    "rtl": "\u202eevil\u202c مرحبا שלום",
    "special": "<|endoftext|><|fim_prefix|><|endofprompt|> <|fim_middle|><|fim_suffix|>",
    "html": '<img src=x onerror=alert(1)><script>alert(2)</script><iframe srcdoc="<script>alert(3)</script>">',
}


def _visit_all(at: AppTest) -> list[str]:
    problems = []
    for path in PAGES:
        at.switch_page(path).run()
        if at.exception:
            problems.append(f"{path}: {at.exception[0].message[:300]}")
    return problems


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_on_every_page(name):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["el.text"] = HOSTILE[name]
    at.run()
    assert _visit_all(at) == []
    # The user's text is kept as typed (only repaired where it cannot be encoded).
    assert at.session_state["el.text"] == HOSTILE[name]


@pytest.mark.parametrize("allow", [True, False])
def test_special_tokens_of_every_encoding(allow):
    for enc in el.ENCODINGS:
        specials = sorted(el.get_encoding(enc).special_tokens_set)
        text = " ".join(specials)
        toks = el.tokenize(text, enc, allow_special=allow)
        assert el.decode([t.id for t in toks], enc) == text
        assert sum(t.special for t in toks) == (len(specials) if allow else 0)


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ({"map.query_k": "-5", "map.points": "neighbours"}, "outside"),
        ({"map.perplexity": "1000000", "map.method": "tsne"}, "outside"),
        ({"map.top_n": "1000000000", "map.points": "top"}, "outside"),
        ({"map.method": "quantum"}, "is not one of"),
        ({"embeddings.k": "-1"}, "outside"),
        ({"encoding": "r50k"}, "is not one of"),
        ({"tokens.decode_ids": "1 " * 3000}, "cut to"),
    ],
)
def test_bad_link_values_are_clamped_or_refused_with_a_note(query, expect):
    # (Streamlit itself ignores a query string over 524,288 characters, so no longer text can arrive.)
    page = "pages/map.py" if any(k.startswith("map.") for k in query) else (
        "pages/embeddings.py" if any(k.startswith("embeddings.") for k in query) else "pages/tokens.py")
    if page not in PAGES:
        pytest.skip(f"{page} is not in this build")
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()  # the home page: reads the shared values (text, encoding) of the link
    notes = " ".join(w.value for w in at.warning)
    at.switch_page(page).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    notes += " ".join(w.value for w in at.warning) + " ".join(i.value for i in at.info)
    assert expect in notes, notes[:500]


def test_shared_tables_are_read_only():
    glove = el.load_embeddings("glove-6b-50d")
    rnd = el.load_embeddings("random", vocab_size=100, dim=4, seed=1)
    for table in (glove, rnd):
        with pytest.raises(ValueError, match="read-only"):
            table.vectors[0, 0] = 1.0
    assert isinstance(el.vocabulary("gpt2"), tuple)
    with pytest.raises(TypeError):
        el.vocabulary("gpt2")[0] = "x"  # type: ignore[index]
    tok = el.tokenize("cat")[0]
    with pytest.raises(AttributeError):
        tok.id = 5  # type: ignore[misc]


def test_cached_table_served_to_pages_is_read_only():
    from appkit import embeddings as emb

    table = emb.glove()
    assert not table.vectors.flags.writeable
    with pytest.raises(ValueError):
        np.asarray(table.vectors)[1, 1] = 0.0


def test_sessions_do_not_see_each_others_text_or_uploads():
    a = AppTest.from_file(APP, default_timeout=120)
    b = AppTest.from_file(APP, default_timeout=120)
    a.run()
    b.run()
    a.switch_page("pages/tokens.py").run()
    a.text_area(key="w.tokens.text").set_value("secret of session A").run()
    b.switch_page("pages/tokens.py").run()
    assert b.text_area(key="w.tokens.text").value == "The cat dog"
    if "pages/embeddings.py" in PAGES:
        a.switch_page("pages/embeddings.py").run()
        a.selectbox(key="w.embeddings.source").set_value("upload").run()
        up = a.file_uploader(key="w.embeddings.source.upload")
        up.set_value(("mine.txt", b"zebra 1 2 3\nyak 4 5 6\n", "text/plain")).run()
        assert not a.exception
        b.switch_page("pages/embeddings.py").run()
        b.selectbox(key="w.embeddings.source").set_value("upload").run()
        assert not any("mine.txt" in c.value for c in b.caption)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: el.load_embeddings("random", vocab_size=200_000, dim=12_288), "would need about"),
        (lambda: el.check_fits(el.estimate_bytes((50_257, 100_000), "float32"), what="a one-hot batch"),
         "a one-hot batch would need about 20.1 GB"),
    ],
)
def test_resource_guards_refuse_before_allocating(call, fragment):
    import psutil

    before = psutil.Process().memory_info().rss
    with pytest.raises(el.ResourceError, match=fragment):
        call()
    assert psutil.Process().memory_info().rss - before < 200_000_000
