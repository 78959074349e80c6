"""The login gate in front of what has no login of its own: a real nginx (Debian's, with ``auth_request``) with the
site ``fiscal gate nginx`` writes, the real identity provider, the real API with the gate mounted, and a stand-in
for the Dagster webserver behind it (a plain HTTP server: what the gate protects is nginx's business, not
Dagster's). A browser without a login is sent to the provider's login page; after the login it reaches the page;
a person without the role gets 403; a script's bearer token works; a forged token and a logout end access."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fiscal_app.api import gate
from fiscal_app.api.app import create_app
from fiscal_app.api.auth import TokenVerifier
from fiscal_app.idp import AUDIENCE, WEB_CLIENT, client_secrets, default_clients, oidc_settings, start_idp, stop_idp
from fiscal_app.login import _fill, _password_form, password_login

from ..support import PW
from .conftest import Idp, free_port, serve_in_thread

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"dagster stand-in · user={self.headers.get('X-Fiscal-User')}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Site:
    url: str
    issuer: str


@pytest.fixture(scope="module")
def site(idp: Idp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not Path(NGINX).exists():
        pytest.fail("nginx not found: `make nginx` installs Debian's nginx-light (it has auth_request)")
    nginx_port, api_port, up_port, idp_port = free_port(), free_port(), free_port(), free_port()
    public = f"http://127.0.0.1:{nginx_port}"
    callback = f"{public}{gate.PREFIX}/callback"
    # a provider of its own that knows this site's callback (as a bureau registers its public URL)
    provider = start_idp(idp.settings, port=idp_port, bridge_url=idp.bridge_url,
                         clients=default_clients(web_redirect_uris=(callback,),
                                                 post_logout_redirect_uris=(f"{public}/",)))
    issuer = f"http://127.0.0.1:{idp_port}"
    oidc = oidc_settings(idp.settings, {"FISCAL_OIDC_ISSUER": issuer, "FISCAL_OIDC_CLIENT_ID": WEB_CLIENT,
                                        "FISCAL_OIDC_CLIENT_SECRET": client_secrets(idp.settings)[WEB_CLIENT]})
    verifier = TokenVerifier(issuer, AUDIENCE)
    app = create_app(idp.core, verifier)
    gate.install(app, oidc, verifier, session_secret=gate.session_secret(idp.settings), redirect_uri=callback)
    api, api_thread = serve_in_thread(app, api_port)

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", up_port), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()

    root = tmp_path_factory.mktemp("nginx")
    site_conf = gate.nginx_conf(listen=f"127.0.0.1:{nginx_port}", api=f"127.0.0.1:{api_port}",
                                dagster=f"127.0.0.1:{up_port}", audience="viewer")
    (root / "nginx.conf").write_text(
        f"daemon off; pid {root}/nginx.pid; error_log {root}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {root}/body; proxy_temp_path {root}/proxy;\n"
        f"  fastcgi_temp_path {root}/fcgi; uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;\n"
        f"{site_conf}\n}}\n", encoding="utf-8")
    proc = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{public}/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, (root / "error.log").read_text()
                time.sleep(0.05)
        yield Site(public, issuer)
    finally:
        proc.terminate()
        proc.wait(10)
        upstream.shutdown()
        api.should_exit = True
        api_thread.join(10)
        stop_idp(provider)


def _browser_login(http: httpx.Client, start: str, user: str) -> httpx.Response:
    """What a browser does: follow the redirects to the provider's form, post it, follow back."""
    r = http.get(start, follow_redirects=True)
    form = _password_form(r.text)
    assert form is not None, f"expected the provider's login form at {r.url}"
    return http.post(httpx.URL(str(r.url)).join(form.action or str(r.url)), data=_fill(form, user, PW),
                     follow_redirects=True)


def test_no_login_goes_to_the_login_and_back_to_the_page(site: Site) -> None:
    with httpx.Client(timeout=20) as browser:
        first = browser.get(f"{site.url}/dagster/runs", follow_redirects=False)
        assert first.status_code == 302
        assert first.headers["location"] == f"{site.url}{gate.PREFIX}/login?next=/dagster/runs"
        page = _browser_login(browser, f"{site.url}/dagster/runs", "gkk")       # 国库处: may watch the runs
        assert page.status_code == 200 and str(page.url) == f"{site.url}/dagster/runs"
        assert page.text == "dagster stand-in · user=gkk"                       # nginx passed the gate's user on
        assert browser.get(f"{site.url}/dagster/assets").status_code == 200   # the session holds

        out = browser.get(f"{site.url}{gate.PREFIX}/logout", follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"].startswith(site.issuer)
        assert browser.get(f"{site.url}/dagster/runs", follow_redirects=False).status_code == 302


def test_a_person_without_the_role_is_refused(site: Site) -> None:
    with httpx.Client(timeout=20) as browser:
        page = _browser_login(browser, f"{site.url}/dagster/", "jb101001")       # a unit clerk
        assert page.status_code == 403


def test_scripts_pass_with_a_bearer_token_and_forgeries_do_not(site: Site, idp: Idp) -> None:
    token = password_login(site.issuer, "fiscal-cli", "gkk", PW).access_token
    ok = httpx.get(f"{site.url}/dagster/", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.text.endswith("user=gkk")
    head, payload, sig = token.split(".")
    forged = f"{head}.{payload}.{sig[:-4]}AAAA"
    assert httpx.get(f"{site.url}/dagster/", headers={"Authorization": f"Bearer {forged}"},
                     follow_redirects=False).status_code == 302
    direct = httpx.get(f"{site.url}{gate.PREFIX}/check/viewer", headers={"Authorization": f"Bearer {forged}"})
    assert direct.status_code == 401 and direct.headers["content-type"] == "application/problem+json"


def test_next_stays_on_this_site() -> None:
    assert gate._safe_next("/dagster/runs?x=1") == "/dagster/runs?x=1"
    for evil in ("//evil.example/x", "https://evil.example", "\\\\evil", "", None, "dagster"):
        assert gate._safe_next(evil) == "/"
