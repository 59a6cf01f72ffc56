"""Benchmark: embedding lookup vs one-hot matrix product (embedlab.onehot.time_lookup_vs_one_hot).

Prints measured medians and ratios next to the reference numbers quoted in
issue 5 (measured on a 2-core machine: 512 IDs over 50,257 × 768 took 0.5 ms
by lookup vs 299 ms as a one-hot product; 4,096 IDs 1.6 ms vs 2.43 s).

    python benchmarks/bench_onehot.py [--repeats 3] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere without installing

from embedlab.memory import format_bytes
from embedlab.onehot import backward_view, check_equivalence, time_lookup_vs_one_hot

REFERENCE = {512: (0.5e-3, 0.299), 4096: (1.6e-3, 2.43)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), repeats={args.repeats}")
    print(f"{'IDs':>6} {'lookup':>10} {'one-hot @ W':>12} {'ratio':>8} {'one-hot batch':>14}   reference (lookup / product / ratio)")
    for batch in (512, 1024, 4096):
        t = time_lookup_vs_one_hot(vocab_size=50_257, dim=768, batch=batch, repeats=args.repeats, seed=0)
        ref = REFERENCE.get(batch)
        ref_txt = f"{ref[0] * 1e3:.1f} ms / {ref[1] * 1e3:,.0f} ms / {ref[1] / ref[0]:,.0f}×" if ref else "—"
        print(f"{batch:>6} {t.lookup_seconds * 1e3:>8.2f}ms {t.product_seconds * 1e3:>10.1f}ms "
              f"{t.speed_ratio:>7,.0f}× {format_bytes(t.one_hot_bytes):>14}   {ref_txt}"
              f"   (max |diff| {t.max_abs_difference})")

    ids = torch.randint(50_257, (512,), generator=torch.Generator().manual_seed(0)).numpy()
    t0 = time.perf_counter()
    b = backward_view(ids, vocab_size=50_257, dim=768)
    print(f"backward, 512 IDs over 50,257 × 768: dense gradient {format_bytes(b.dense_grad_bytes)} "
          f"({b.dense_grad_bytes / 2**20:.0f} MiB), sparse {format_bytes(b.sparse_grad_bytes)} "
          f"({b.sparse_grad_bytes / 2**20:.1f} MiB); non-zero rows {len(b.nonzero_rows)} of 50,257 "
          f"[{time.perf_counter() - t0:.2f} s]   reference: 1.5 MiB vs 147 MiB")

    w = torch.randn(50_257, 768, generator=torch.Generator().manual_seed(1)).numpy()
    t0 = time.perf_counter()
    e = check_equivalence(list(range(0, 50_257, 97)), w)
    print(f"equivalence on {len(e.ids)} IDs: max |diff| {e.max_abs_difference}, bitwise {e.bitwise_identical} "
          f"[{time.perf_counter() - t0:.2f} s]")


if __name__ == "__main__":
    main()
