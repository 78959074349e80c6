"""The workbench under AppTest as a logged-in person (``at.user`` seeded with the ID token's claims and an access
token), against the real API over real HTTP (uvicorn, the test token issuer of tests/api) on a real SQLite core."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from fiscal_core.service_layer.core import Core

from ..api.conftest import Api, Issuer
from ..conftest import sqlite_core
from ..support import World, platform_users

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "workbench" / "app.py"
TIMEOUT = 60


@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    i = Issuer()
    yield i
    i.server.shutdown()


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    c = sqlite_core(tmp_path)
    yield c
    c.close()


@pytest.fixture
def world(core: Core) -> World:
    w = World(core)
    platform_users(w)
    return w


@pytest.fixture
def api(world: World, issuer: Issuer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    a = Api(world.core, issuer)
    monkeypatch.setenv("FISCAL_API_URL", a.url)
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path / "home"))
    yield a
    a.stop()


class Workbench:
    """One person's browser tab: the app under AppTest, logged in as ``user``."""

    def __init__(self, api: Api, user: str, name: str = "", *, page: str | None = None,
                 session_started: float | None = None, token: str | None = None) -> None:
        now = time.time()
        started = now if session_started is None else session_started
        self.at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        self.at.user = {"is_logged_in": True, "sub": user, "name": name or user, "iat": int(now),
                        "auth_time": int(started), "tokens": {"access": token or api.issuer.token(user)}}
        self.at.run()
        if page and page != "pages/inbox.py":     # the default page is shown first (switching to it shows nothing)
            self.at.switch_page(page).run()
        self.ok()

    def ok(self) -> AppTest:
        assert not self.at.exception, [e.value for e in self.at.exception]
        return self.at

    def run(self) -> AppTest:
        self.at.run()
        return self.ok()

    def texts(self) -> str:
        at = self.at
        parts: list[Any] = [*at.markdown, *at.caption, *at.info, *at.success, *at.error, *at.warning, *at.title,
                            *at.subheader]
        return "\n".join(str(p.value) for p in parts)

    def button(self, key: str) -> Any:
        return self.at.button(key=key)
