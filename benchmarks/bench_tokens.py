"""Tokenizer speed: embedlab.tokenize (Token objects, offsets) vs raw tiktoken encode.

Prints medians and the ratio. Run: python benchmarks/bench_tokens.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import embedlab as el  # noqa: E402

TEXT = (Path(__file__).resolve().parent.parent / "README.md").read_text() * 20


def median_time(fn, repeat=7):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    t0 = time.perf_counter()
    for name in el.ENCODINGS:
        el.get_encoding(name)
    print(f"cold load of {len(el.ENCODINGS)} encodings from verified local files: {time.perf_counter() - t0:.2f} s")
    for name in el.ENCODINGS:
        enc = el.get_encoding(name)
        raw = median_time(lambda: enc.encode_ordinary(TEXT))
        ours = median_time(lambda: el.tokenize(TEXT, name))
        n = len(enc.encode_ordinary(TEXT))
        print(f"{name:12s} {len(TEXT):,} chars -> {n:,} tokens: tiktoken {raw * 1e3:.1f} ms, "
              f"embedlab.tokenize {ours * 1e3:.1f} ms (ratio {ours / raw:.1f}x; builds Token objects + offsets)")


if __name__ == "__main__":
    main()
