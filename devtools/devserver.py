"""Run the dashboards in a real `streamlit run` subprocess and drive them in headless Chromium: used by the
browser test (tests/dashboards/test_browser.py) and the benchmark (benchmarks/dashboards.py).

Chromium is Debian's package (`make chromium`), driven by Playwright through ``executable_path``; Playwright's
own browser download is never used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
# as root in a container Chromium needs --no-sandbox; the rest keep it off the (closed) network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(home: Path, *, port: int | None = None, timeout: float = 90,
                     log_path: Path | None = None) -> Iterator[str]:
    """`streamlit run dashboards/app.py` on 127.0.0.1 with FISCAL_HOME=home; yields the base URL and stops the
    process (SIGTERM, then SIGKILL after 10 s) on exit."""
    port = port or free_port()
    env = {**os.environ, "FISCAL_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode} before serving (see {log_path})")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {base} within {timeout} s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log_path:
            log.close()  # type: ignore[union-attr]


_CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(e => e.offsetParent !== null).every(e => e.querySelector('.main-svg'))"""


def wait_idle(page: Any, timeout_ms: float = 120_000) -> None:
    """Wait until the script run the page triggered has finished (Streamlit marks its root element) and
    every visible plotly chart has drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_function(_CHARTS_DRAWN, timeout=timeout_ms)


def metric_value(page: Any, label: str) -> str:
    """The value shown by the st.metric whose label is ``label``."""
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)).first
    return str(box.locator('[data-testid="stMetricValue"]').inner_text()).strip()


def choose(page: Any, label: str, option_text: str) -> None:
    """Pick an option of the st.selectbox labelled ``label`` by (part of) its text."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True)).first
    box.click()
    box.locator("input").fill(option_text)
    page.get_by_role("option").filter(has_text=option_text).first.click()
    wait_idle(page)
