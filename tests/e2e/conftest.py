"""Real-browser tests: one `streamlit run app.py` server and one headless Chromium per session.

Chromium is Debian's /usr/bin/chromium (playwright's own browser download is not
reachable here). Without it the browser tests skip with a reason on a laptop,
but FAIL under CI=true, so they can never silently skip in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("EMBEDLAB_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]

IDLE = ("[data-testid='stApp'][data-test-connection-state='CONNECTED']"
        "[data-test-script-state='notRunning']")


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str, Path]:
    port = _free_port()
    log = ARTIFACTS / f"server-{port}.log"
    ARTIFACTS.mkdir(exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "passive", **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url, log
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not become healthy in 90 s; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:  # pragma: no cover - requirements.txt brings it
        _unavailable(f"playwright is not installed ({e})")
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(browser):
    """One app server for the whole browser suite (started after Chromium is known to exist)."""
    proc, url, _log = start_server()
    yield url
    stop_server(proc)


@pytest.fixture
def page(browser, server):
    """A fresh browser context (own cookies = own Streamlit session) with a tall viewport."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs  # XSS payloads would open alert() dialogs; tests assert this stays empty
    yield pg
    context.close()


def wait_idle(page, timeout: float = 120_000) -> None:
    """Wait until the app is connected and no script is running."""
    page.wait_for_selector(IDLE, timeout=timeout)


def open_page(page, server: str, path: str = "", query: str = "") -> None:
    page.goto(f"{server}/{path}{('?' + query) if query else ''}")
    # The app is "idle" before its first run starts, so wait for the shared sidebar
    # menu (drawn by app.py on every run) first, then for the run to finish.
    page.wait_for_selector("[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']", timeout=120_000)
    wait_idle(page)


def set_text_area(page, text: str, index: int = 0) -> None:
    """Type into a Streamlit text_area and commit it (Ctrl+Enter), then wait for the rerun."""
    ta = page.locator("[data-testid='stTextArea'] textarea").nth(index)
    ta.fill(text)
    ta.press("Control+Enter")
    page.wait_for_timeout(300)
    wait_idle(page)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def assert_no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()
