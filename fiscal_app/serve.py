"""``fiscal serve``: the dashboards (Streamlit) and the Dagster UI on 127.0.0.1, until Ctrl-C.

Each server runs in its own process group, so stopping tears down everything it started (``dagster dev`` starts
a webserver, a daemon and code servers): SIGTERM to each group, then SIGKILL to what is left after a grace period.
The URLs are printed once each server answers. Dagster keeps its instance in ``$FISCAL_HOME/.dagster`` with a
run queue of one run at a time, so the nightly refresh, the inbox sensor and the monthly forecast never write
the warehouse together (the refresh lock would refuse the second one anyway).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

DAGSTER_YAML = """\
# written by `fiscal serve`: one run at a time, so the warehouse has one writer
run_queue:
  max_concurrent_runs: 1
freshness:
  enabled: true
telemetry:
  enabled: false
"""


@dataclass
class Server:
    name: str
    url: str
    health: str
    proc: subprocess.Popen[bytes]


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def dagster_home(settings: Settings) -> Path:
    d = settings.dagster_home
    d.mkdir(parents=True, exist_ok=True)
    cfg = d / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    return d


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:          # the child has its own copy of the descriptor; ours is closed
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(200 <= r.status < 500)
    except OSError:
        return False


def stop(servers: list[Server], grace: float = 10.0) -> None:
    """SIGTERM each server's process group, wait, then SIGKILL whatever is left."""
    for s in servers:
        if s.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(s.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for s in servers:
        with contextlib.suppress(subprocess.TimeoutExpired):
            s.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    for s in servers:              # the group may outlive its leader (dagster's daemon, code servers)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(s.proc.pid, signal.SIGKILL)
        if s.proc.poll() is None:
            s.proc.wait(timeout=5)


def serve(settings: Settings, *, port: int = 8501, dagster_port: int = 3000, dagster: bool = True,
          api_port: int = 8000, workbench_port: int = 8502, say: Callable[[str], None] = print, t: Callable[[str, str], str] = lambda zh, en: f"{zh} ({en})",
          ready_timeout: float = 180.0, until: Callable[[], bool] | None = None) -> int:
    """Start the servers, print their URLs, block until Ctrl-C (or ``until()`` is true), stop them all."""
    for p in (api_port, port, workbench_port, *((dagster_port,) if dagster else ())):
        if not port_free(p):
            say(t(f"端口 {p} 已被占用，请用 --api-port / --port / --workbench-port / --dagster-port 换一个",
                  f"port {p} is in use: choose another with --api-port / --port / --workbench-port / --dagster-port"))
            return 2
    if not settings.warehouse.exists():
        say(t("提示：数据仓库尚未构建，驾驶舱将提示先运行 fiscal refresh",
              "note: the warehouse is not built yet; the dashboards will say to run fiscal refresh"))
    logs = settings.logs
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FISCAL_HOME": str(settings.home), "PYTHONUNBUFFERED": "1"}
    servers: list[Server] = []

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C (SIGINT), SIGTERM and a closed terminal (SIGHUP) all stop the servers. Installed explicitly: a
    # process started in the background by a shell inherits SIGINT ignored, and Python then leaves it ignored.
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        return _run(servers, settings, logs, env, Ports(api_port, port, workbench_port, dagster_port), dagster, say,
                    t, ready_timeout, until)
    except KeyboardInterrupt:
        say(t("正在停止…", "stopping…"))
        return 0
    finally:
        stop(servers)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class Ports:
    api: int
    dashboards: int
    workbench: int
    dagster: int


def _streamlit(script: Path, port: int, settings: Settings | None = None,
               env: Mapping[str, str] | None = None) -> list[str]:
    """``streamlit run`` for a page of the platform; with ``settings``, behind the single sign-on (the app's
    ``[auth]`` secrets file written under ``$FISCAL_HOME/secrets`` and passed with ``--secrets.files``)."""
    # no developer controls in the toolbar ("Deploy", rerun settings): the pages are for the bureau's users
    cmd = [str(BIN / "streamlit"), "run", str(script), "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    if settings is not None:
        from .web_auth import streamlit_args

        cmd += streamlit_args(settings, f"http://127.0.0.1:{port}", env)
    return cmd


def _run(servers: list[Server], settings: Settings, logs: Path, env: dict[str, str], ports: Ports,
         dagster: bool, say: Callable[[str], None], t: Callable[[str, str], str], ready_timeout: float,
         until: Callable[[], bool] | None) -> int:
    from .idp import DEFAULT_PORT, default_clients, oidc_settings, start_idp
    from .web_auth import redirect_uri

    oidc = oidc_settings(settings, env)
    api = f"http://127.0.0.1:{ports.api}"
    env = {**env, "FISCAL_API_URL": api}
    if oidc.embedded:
        # the web client accepts the pages on the ports actually used (st.login's redirect and its logout return)
        apps = [f"http://127.0.0.1:{p}" for p in (ports.dashboards, ports.workbench)]
        # … and the login gate's callback (nginx auth_request in front of Dagster: fiscal_app/api/gate.py)
        gate_cb = f"{(env.get('FISCAL_PUBLIC_URL') or api).rstrip('/')}/api/v1/gate/callback"
        clients = default_clients(web_redirect_uris=[*(redirect_uri(a) for a in apps), gate_cb],
                                  post_logout_redirect_uris=[*(a + "/" for a in apps), *(redirect_uri(a) for a in apps)])
        proc = start_idp(settings, port=int(env.get("FISCAL_IDP_PORT") or DEFAULT_PORT), bridge_url=api,
                         clients=clients, log=logs / "idp.log")
        servers.append(Server("身份认证 identity provider", oidc.issuer, oidc.discovery_url, proc))
    servers.append(Server("接口 API", f"{api}/api/v1/docs", f"{api}/api/v1/health", _start(
        [str(BIN / "uvicorn"), "--factory", "fiscal_app.api.server:app_from_env", "--host", "127.0.0.1", "--port",
         str(ports.api), "--no-access-log"], env, logs / "api.log")))
    url = f"http://127.0.0.1:{ports.dashboards}"
    servers.append(Server("驾驶舱 dashboards", url, f"{url}/_stcore/health", _start(
        _streamlit(ROOT / "dashboards" / "app.py", ports.dashboards, settings, env), env, logs / "dashboards.log")))
    workbench = ROOT / "workbench" / "app.py"
    if workbench.exists():
        url = f"http://127.0.0.1:{ports.workbench}"
        servers.append(Server("工作台 workbench", url, f"{url}/_stcore/health", _start(
            _streamlit(workbench, ports.workbench, settings, env), env, logs / "workbench.log")))
    if dagster:
        url = f"http://127.0.0.1:{ports.dagster}"
        denv = {**env, "DAGSTER_HOME": str(dagster_home(settings))}
        servers.append(Server("Dagster", url, f"{url}/server_info", _start(
            [str(BIN / "dagster"), "dev", "-m", "dagster_project.definitions", "-h", "127.0.0.1", "-p",
             str(ports.dagster)], denv, logs / "dagster.log")))
    waiting = list(servers)
    deadline = time.monotonic() + ready_timeout
    while waiting:
        for s in list(waiting):
            if s.proc.poll() is not None:
                say(t(f"{s.name} 启动失败，见日志 {logs}", f"{s.name} failed to start, see the logs in {logs}"))
                return 1
            if _answers(s.health):
                say(f"{s.name}: {s.url}")
                waiting.remove(s)
        if waiting and time.monotonic() > deadline:
            say(t(f"{', '.join(s.name for s in waiting)} 未在 {ready_timeout:.0f} 秒内就绪，见日志 {logs}",
                  f"{', '.join(s.name for s in waiting)} not ready within {ready_timeout:.0f} s, see {logs}"))
            return 1
        time.sleep(0.5)
    say(t("按 Ctrl-C 停止 · 日志在 " + str(logs), "press Ctrl-C to stop · logs in " + str(logs)))
    while until is None or not until():
        for s in servers:
            if s.proc.poll() is not None:
                say(t(f"{s.name} 已退出（代码 {s.proc.returncode}），见日志 {logs}",
                      f"{s.name} exited (code {s.proc.returncode}), see {logs}"))
                return 1
        time.sleep(0.5)
    return 0
