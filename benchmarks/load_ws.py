"""Load at the server: N concurrent sessions speaking Streamlit's own websocket protocol.

The same tour as ``load_tour.py`` (type text on Tokens, open Embeddings with GloVe, draw a
2,000-point PCA map, select a token, open One-hot vs dense), but each session is a raw
websocket client (``/_stcore/stream``, subprotocol ``streamlit``) sending the ``BackMsg``
protobufs a browser sends and reading ``ForwardMsg`` until the run has finished.

Why both: on a 2-core laptop, 30 headless Chromium tabs on the *same* machine take most of
the CPU (rendering Streamlit and WebGL in software), so ``load_tour.py`` at 30 measures the
browsers as much as the app. In a classroom each student's browser runs on the student's own
device; this driver measures what the teacher's laptop (the server) answers, with the
machine to itself. Latency here = input sent -> the rerun's last message received; a
browser adds its own drawing time on top (``load_tour.py`` at small N shows how much).

    python benchmarks/load_ws.py --levels 1 10 30                  # all arrive at once
    python benchmarks/load_ws.py --levels 30 --stagger 30 --think 3   # a class: arrivals over 30 s

Loopback only; bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load_tour import MAP_QUERY, Result, report, server_rss_mb, wait_until_server_idle  # noqa: E402

STEP_TIMEOUT_S = 300.0


class Session:
    """One Streamlit session over a raw websocket."""

    def __init__(self, url: str):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = None
        self.widget_ids: dict[str, str] = {}  # user key -> widget id
        self.texts: list[str] = []  # text of the last run's elements (markdown, html, headings)
        self.kinds: set[str] = set()
        self.exceptions: list[str] = []

    async def connect(self) -> None:
        from websockets.asyncio.client import connect  # streamlit's own dependency

        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=256 << 20, open_timeout=120)

    async def rerun(self, *, page: str, query: str = "", widgets: dict[str, tuple[str, object]] | None = None) -> None:
        """Ask for a run of ``page`` with ``widgets`` = {user key: (value field, value)} and wait for its end."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_name = page
        for key, (field, value) in (widgets or {}).items():
            ws = cs.widget_states.widgets.add()
            ws.id = self.widget_ids[key]
            setattr(ws, field, value)
        self.texts, self.kinds, self.exceptions = [], set(), []
        await self.ws.send(msg.SerializeToString())
        deadline = time.perf_counter() + STEP_TIMEOUT_S
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.perf_counter()))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                self._read_delta(fwd.delta)
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return
                if fwd.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("the script did not compile")
                # FINISHED_EARLY_FOR_RERUN: the page called st.rerun(); its next run follows.

    def _read_delta(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        self.kinds.add(kind)
        if kind == "exception":
            self.exceptions.append(f"{el.exception.type}: {el.exception.message[:200]}")
            return
        inner = getattr(el, kind)
        wid = getattr(inner, "id", "")
        if isinstance(wid, str) and wid.startswith("$$ID-"):
            # Keyed widgets' ids end with the user key ("...-w.tokens.text").
            for key in ("w.tokens.text", "w.map.map.selected"):
                if wid.endswith(key):
                    self.widget_ids[key] = wid
        for field in ("body", "text"):
            value = getattr(inner, field, None)
            if isinstance(value, str) and value:
                self.texts.append(value)

    def saw(self, needle: str) -> bool:
        return any(needle in t for t in self.texts)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def tour(url: str, result: Result, idx: int, keep: list, think: float) -> None:
    async def step(name: str, action, check: str) -> None:
        t = time.perf_counter()
        await action()
        result.add(name, time.perf_counter() - t)
        if not s.saw(check):
            result.errors.append(f"session {idx}: {name}: {check!r} not on the page")
        if s.exceptions:
            result.errors.append(f"session {idx}: {name}: {s.exceptions[0]}")
        if think:
            await asyncio.sleep(random.uniform(0.5, 1.5) * think)

    s = Session(url)
    keep.append(s)
    try:
        await s.connect()
        await s.rerun(page="tokens")  # open the app (its first run: not an interaction)
        text = f"Session {idx}: the cat sat with the dog and ate an apple."
        await step("type text (Tokens)",
                   lambda: s.rerun(page="tokens", widgets={"w.tokens.text": ("string_value", text)}), "apple")
        await step("open Embeddings (GloVe)", lambda: s.rerun(page="embeddings"), "Embeddings")

        async def open_map():  # a browser loads the link: a new session, as load_tour.py does
            nonlocal s
            await s.close()
            s = Session(url)
            keep.append(s)
            await s.connect()
            await s.rerun(page="map", query=MAP_QUERY)

        await step("draw 2,000-point PCA map", open_map, "points")
        if "plotly_chart" not in s.kinds:
            result.errors.append(f"session {idx}: no map drawn")
        await step("select a token (Map)",
                   lambda: s.rerun(page="map", widgets={"w.map.map.selected": ("string_value", "dog")}),
                   "Nearest in the original")
        await step("open One-hot vs dense", lambda: s.rerun(page="one-hot"), "One-hot")
    except Exception as e:  # noqa: BLE001 - every failure is an error of the run, reported
        result.errors.append(f"session {idx}: {type(e).__name__}: {str(e)[:200]}")


async def run(url: str, server_pid: int, levels: list[int], *, stagger: float, think: float,
              warm: bool = True) -> Result:
    result = Result()
    result.rss_mb[0] = round(server_rss_mb(server_pid), 1)
    keep: list[Session] = []
    started = 0
    random.seed(0)
    if warm:
        # The teacher opens the app first: one uncounted tour loads GloVe, torch and the caches.
        await tour(url, Result(), -1, [], 0.0)
        result.waited_for_idle_s = round(await asyncio.to_thread(wait_until_server_idle, server_pid), 1)
        result.rss_mb[0] = round(server_rss_mb(server_pid), 1)
    for level in levels:
        result.level = level

        async def arrive(i: int, delay: float):
            await asyncio.sleep(delay)
            await tour(url, result, i, keep, think)

        n_new = level - started
        await asyncio.gather(*(arrive(i, stagger * k / max(1, n_new)) for k, i in enumerate(range(started, level))))
        started = level
        await asyncio.sleep(1.0)
        result.rss_mb[level] = round(server_rss_mb(server_pid), 1)
    for s in keep:
        await s.close()
    return result


def main() -> None:
    from tests.e2e.conftest import start_server, stop_server

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 10, 30])
    ap.add_argument("--stagger", type=float, default=0.0, help="spread each level's arrivals over this many seconds")
    ap.add_argument("--think", type=float, default=0.0, help="mean pause between a session's steps (seconds)")
    ap.add_argument("--cold", action="store_true", help="no uncounted warm-up tour first")
    args = ap.parse_args()
    proc, url, _ = start_server()
    try:
        t = time.perf_counter()
        res = asyncio.run(run(url, proc.pid, args.levels, stagger=args.stagger, think=args.think,
                             warm=not args.cold))
        report(res, time.perf_counter() - t,
               p50_per_step_s={k: round(statistics.median(v), 3) for k, v in res.latencies.items()},
               settings={"levels": args.levels, "stagger_s": args.stagger, "think_s": args.think,
                         "warm_up_tour": not args.cold})
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
