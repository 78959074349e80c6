"""The API over real HTTP: uvicorn serving the app on a free port, a token issuer publishing its keys over
HTTP (JWKS), httpx as the client. The embedded identity provider itself is tested in tests/identity."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from fiscal_app.api.app import create_app
from fiscal_app.api.auth import TokenVerifier
from fiscal_core.service_layer.core import Core

AUDIENCE = "fiscal-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Issuer:
    """Signs access tokens with its own RSA key and publishes the public key set at /jwks."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        public = KeySet([self.key]).as_dict(private=False)
        body = json.dumps(public).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/jwks" else 404)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body if self.path == "/jwks" else b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}"

    def token(self, sub: str, *, aud: str = AUDIENCE, iss: str | None = None, exp_in: int = 600,
              key: RSAKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": iss or self.url, "aud": aud, "sub": sub, "iat": now, "exp": now + exp_in, **claims}
        k = key or self.key
        return jwt.encode({"alg": "RS256", "kid": k.kid}, payload, k)


class Api:
    def __init__(self, core: Core, issuer: Issuer) -> None:
        self.issuer = issuer
        app = create_app(core, TokenVerifier(issuer.url, AUDIENCE, jwks_uri=f"{issuer.url}/jwks"))
        self.app = app
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def client(self, user: str | None = None, **kw: Any) -> httpx.Client:
        headers = {"authorization": f"Bearer {self.issuer.token(user)}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kw)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    i = Issuer()
    yield i
    i.server.shutdown()


@pytest.fixture
def api(world: Any, issuer: Issuer) -> Iterator[Api]:
    a = Api(world.core, issuer)
    yield a
    a.stop()
