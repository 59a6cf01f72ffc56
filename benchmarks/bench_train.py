"""Train lab benchmark: speed and quality of the skip-gram trainer against gensim.

Run:  python benchmarks/bench_train.py [--seeds 5] [--threads 1]

For each seed, on the same tokenised teaching corpus (word level):

* embedlab's default skip-gram training (TrainConfig()), with torch limited to
  ``--threads`` threads, and
* gensim's Word2Vec (skip-gram, negative sampling, workers=2) with the same
  dimension, window, negatives, down-sampling and epochs,

and prints tokens/s (corpus tokens × epochs / training seconds), the ratio,
and quality: cosine(cat, dog) − cosine(cat, apple) (target ≥ 0.2), whether
every category word is nearer its own category's centroid than any other
(target: all), and neighbour agreement (share of each category word's 5
nearest category words that are in its own category).

Each seed runs ``--repeats`` times per library, interleaved, and the fastest
run counts: the machine is shared, and background load only ever slows a run.
Quality is the same in every repeat for embedlab (deterministic); gensim with
two workers is not exactly reproducible, so its quality is that of its fastest run.

It also times the default training end to end (corpus + Trainer + run) —
the Train page's promise is ≤ 30 s on a 2-core machine — and compares torch
thread counts. gensim is a benchmark-only dependency (``pip install gensim``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedlab.corpus import TEACHING_CATEGORIES, teaching_corpus  # noqa: E402
from embedlab.train import TrainConfig, Trainer  # noqa: E402


def quality(vec: dict[str, np.ndarray]) -> tuple[float, int, float]:
    """(cos(cat,dog) − cos(cat,apple), words nearer another centroid, neighbour agreement)."""
    unit = {w: v / np.linalg.norm(v) for w, v in vec.items()}
    gap = float(unit["cat"] @ unit["dog"] - unit["cat"] @ unit["apple"])
    cat_of = {w.lower(): c for c, ws in TEACHING_CATEGORIES.items() for w in ws}
    words = list(cat_of)
    cents = {c: np.mean([unit[w.lower()] for w in ws], axis=0) for c, ws in TEACHING_CATEGORIES.items()}
    wrong = sum(min(cents, key=lambda c: np.linalg.norm(unit[w] - cents[c])) != cat_of[w] for w in words)
    m = np.stack([unit[w] for w in words])
    sims = m @ m.T
    np.fill_diagonal(sims, -np.inf)
    agree = []
    for i, w in enumerate(words):
        top = np.argsort(-sims[i])[:5]
        agree.append(np.mean([cat_of[words[j]] == cat_of[w] for j in top]))
    return gap, int(wrong), float(np.mean(agree))


def run_ours(corpus, seed: int, threads: int) -> dict:
    t0 = time.perf_counter()
    trainer = Trainer(corpus, TrainConfig(seed=seed), threads=threads)
    t1 = time.perf_counter()
    for _ in trainer.run():
        pass
    t2 = time.perf_counter()
    emb = trainer.embeddings()
    vec = {w: emb[corpus.index_of(w)] for w in corpus.tokens}
    epochs = trainer.config.epochs
    return {"setup_s": t1 - t0, "train_s": t2 - t1, "tokens_per_s": len(corpus) * epochs / (t2 - t1),
            "steps": trainer.step_count, "q": quality(vec)}


def run_gensim(corpus, seed: int) -> dict:
    from gensim.models import Word2Vec

    cfg = TrainConfig()
    sentences = [[corpus.tokens[i] for i in corpus.ids[a:b]] for a, b in zip(corpus.segments[:-1], corpus.segments[1:])]
    t0 = time.perf_counter()
    model = Word2Vec(vector_size=cfg.dim, window=cfg.window, negative=cfg.negatives, sample=cfg.subsample,
                     min_count=1, sg=1, hs=0, workers=2, epochs=cfg.epochs, seed=seed, alpha=cfg.learning_rate)
    model.build_vocab(sentences)
    t1 = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=cfg.epochs)
    t2 = time.perf_counter()
    vec = {w: model.wv[w] for w in corpus.tokens}
    return {"setup_s": t1 - t0, "train_s": t2 - t1, "tokens_per_s": len(corpus) * cfg.epochs / (t2 - t1),
            "q": quality(vec)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch threads for embedlab's trainer")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs per seed and library; the fastest counts (the machine is shared, so timings are noisy)")
    args = ap.parse_args()
    import gensim

    print(f"python {platform.python_version()}, torch {torch.__version__}, gensim {gensim.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    t0 = time.perf_counter()
    corpus = teaching_corpus()
    corpus_s = time.perf_counter() - t0
    print(f"{corpus.describe()}; built in {corpus_s:.2f} s")
    print(f"default config: {TrainConfig().to_dict()}\n")

    head = f"{'seed':>4} | {'embedlab tok/s':>14} {'train s':>7} {'gap':>5} {'wrong':>5} {'agree':>5} | " \
           f"{'gensim tok/s':>12} {'train s':>7} {'gap':>5} {'wrong':>5} {'agree':>5} | {'ratio':>5} | {'end-to-end s':>12}"
    print(head)
    print("-" * len(head))
    ours_all, theirs_all, e2e_all = [], [], []
    for seed in range(args.seeds):
        e2e0 = time.perf_counter()
        ours = run_ours(teaching_corpus(), seed, args.threads)
        e2e = time.perf_counter() - e2e0
        e2e_all.append(e2e)
        theirs = run_gensim(corpus, seed)
        for _ in range(args.repeats - 1):  # interleaved, so both see the same background load
            ours = min(ours, run_ours(corpus, seed, args.threads), key=lambda r: r["train_s"])
            theirs = min(theirs, run_gensim(corpus, seed), key=lambda r: r["train_s"])
        ours_all.append(ours)
        theirs_all.append(theirs)
        g, w, a = ours["q"]
        g2, w2, a2 = theirs["q"]
        print(f"{seed:>4} | {ours['tokens_per_s']:>14,.0f} {ours['train_s']:>7.2f} {g:>5.2f} {w:>5d} {a:>5.2f} | "
              f"{theirs['tokens_per_s']:>12,.0f} {theirs['train_s']:>7.2f} {g2:>5.2f} {w2:>5d} {a2:>5.2f} | "
              f"{ours['tokens_per_s'] / theirs['tokens_per_s']:>5.2f} | {e2e:>12.2f}")
    ours_tps = np.median([o["tokens_per_s"] for o in ours_all])
    theirs_tps = np.median([o["tokens_per_s"] for o in theirs_all])
    print(f"\nmedian throughput: embedlab {ours_tps:,.0f} tokens/s, gensim {theirs_tps:,.0f} tokens/s, "
          f"ratio {ours_tps / theirs_tps:.2f} (target ≥ 0.33)")
    passed = [o["q"][0] >= 0.2 and o["q"][1] == 0 for o in ours_all]
    print(f"embedlab quality: {sum(passed)} of {len(passed)} seeds with gap ≥ 0.2 and every word nearest its "
          f"own centroid (target: all); gensim: "
          f"{sum(o['q'][0] >= 0.2 and o['q'][1] == 0 for o in theirs_all)} of {len(theirs_all)}")
    print(f"slowest default training end to end (teaching corpus + Trainer + all steps; the first run also "
          f"pays torch's one-off optimizer import): {max(e2e_all):.2f} s (target ≤ 30 s)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    print("\ntorch threads for the default training (seed 0):")
    for threads in (1, 2):
        r = run_ours(corpus, 0, threads)
        print(f"  {threads} thread(s): {r['train_s']:.2f} s, {r['tokens_per_s']:,.0f} tokens/s")


if __name__ == "__main__":
    main()
