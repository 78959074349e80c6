"""``fiscal serve``: the identity provider, the API, the dashboards and Dagster answer on 127.0.0.1, the URLs are
printed, the API refuses a request without a token, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from fiscal_app.serve import port_free

ROOT = Path(__file__).resolve().parents[2]
FISCAL = Path(sys.executable).parent / "fiscal"


def _free_port(start: int) -> int:
    return next(p for p in range(start, start + 200) if port_free(p))


def _descendants(pid: int) -> set[int]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.add(k)
            todo.append(k)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_serve_prints_every_url_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    port, dport, aport = _free_port(18600), _free_port(13600), _free_port(18000)
    wport, iport = _free_port(18700), _free_port(18400)
    env = {**os.environ, "FISCAL_HOME": str(tmp_path / "home"), "FISCAL_LANG": "en", "FISCAL_IDP_PORT": str(iport)}
    env.pop("FISCAL_OIDC_ISSUER", None)
    # started as a shell starts a background job, with SIGINT ignored: Ctrl-C must still stop it
    proc = subprocess.Popen([str(FISCAL), "serve", "--port", str(port), "--dagster-port", str(dport), "--api-port",
                             str(aport), "--workbench-port", str(wport)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines: list[str] = []
    started: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        assert proc.stdout is not None
        while time.monotonic() < deadline and not any("Ctrl-C" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
        out = "\n".join(lines)
        assert f"http://127.0.0.1:{port}" in out and f"http://127.0.0.1:{dport}" in out, out
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as r:
            assert r.read().decode().strip() == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{dport}/server_info", timeout=10) as r:
            assert "dagster_webserver_version" in json.loads(r.read())
        assert f"http://127.0.0.1:{aport}" in out and f"http://127.0.0.1:{iport}" in out, out
        with urllib.request.urlopen(f"http://127.0.0.1:{iport}/.well-known/openid-configuration", timeout=10) as r:
            assert json.loads(r.read())["issuer"] == f"http://127.0.0.1:{iport}"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{aport}/api/v1/me", timeout=10)
            raise AssertionError("the API answered without a token")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        started = _descendants(proc.pid)
        assert len(started) >= 3          # streamlit, dagster dev and what dagster dev starts
        started = _descendants(proc.pid)
    finally:
        started |= _descendants(proc.pid)
        proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        for pid in [proc.pid, *started]:         # whatever happened, leave nothing running
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert rc == 0
    time.sleep(1)
    left = [p for p in started if _alive(p)]
    assert left == [], f"processes left behind: {left}"
    assert all(port_free(p) for p in (port, dport, aport, wport, iport))
