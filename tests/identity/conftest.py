"""The embedded identity provider as it runs: ``node idp/server.mjs`` started by ``fiscal_app.idp.start_idp``
on a free port, its password bridge (``fiscal_app.api.idp_bridge``) served by uvicorn in front of a real core
on SQLite in a temporary ``FISCAL_HOME``, with the test district's users (tests/support.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from fiscal_app.api.idp_bridge import router
from fiscal_app.idp import bridge_secret, start_idp, stop_idp
from fiscal_app.settings import Settings
from fiscal_core.service_layer.core import Core

from ..support import World, platform_users


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_in_thread(app: object, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    """An ASGI app served by uvicorn on 127.0.0.1:port in a daemon thread, returned once it listens."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, f"the server on port {port} did not start"
        time.sleep(0.02)
    return server, thread


@dataclass
class Idp:
    issuer: str
    port: int
    bridge_url: str
    settings: Settings
    core: Core
    home: Path


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Idp]:
    home = tmp_path_factory.mktemp("fiscal_home")
    settings = Settings.for_home(home)
    core = settings.open_core()
    platform_users(World(core))

    app = FastAPI()
    app.include_router(router)
    app.state.core = core
    app.state.idp_bridge_secret = bridge_secret(settings)
    bridge_port = free_port()
    server, thread = serve_in_thread(app, bridge_port)
    bridge_url = f"http://127.0.0.1:{bridge_port}"

    port = free_port()
    proc = start_idp(settings, port=port, bridge_url=bridge_url)
    try:
        yield Idp(f"http://127.0.0.1:{port}", port, bridge_url, settings, core, home)
    finally:
        stop_idp(proc)
        server.should_exit = True
        thread.join(10)
        core.db.dispose()
