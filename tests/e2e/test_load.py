"""Load in CI: 5 concurrent real browser sessions run the scripted tour with zero errors.

The numbers (latency percentiles, memory per session) are printed for the log; targets are
checked in benchmarks/load_tour.py with 30 sessions, since tests never assert on time.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from benchmarks.load_tour import run

from .conftest import CHROMIUM, start_server, stop_server


def test_five_concurrent_sessions_have_no_errors(browser):
    proc, url, _ = start_server()  # its own server: memory is measured from a fresh process
    try:
        # Its own thread and event loop: the session's sync Playwright owns this thread's loop.
        with ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, run(url, proc.pid, [1, 5], chromium=CHROMIUM)).result()
    finally:
        stop_server(proc)
    summary = result.summary()
    print(json.dumps(summary, indent=2))
    assert result.errors == []
    assert summary["interactions"] == 5 * 5  # every step of every session completed
    assert set(result.rss_mb) == {0, 1, 5} and result.rss_mb[5] > result.rss_mb[0]
