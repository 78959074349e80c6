"""CAS 3.0 (统一身份认证) as the embedded identity provider's upstream, against a real CAS server.

Three real processes and real HTTP: django-cas-server 3.1.0 (its own Django site, tests/identity/cas_site, on
SQLite, served by uvicorn), the node identity provider configured with ``cas_url``, and the platform's API app
as ``fiscal serve`` builds it (``fiscal_app.api.server.build``: the CAS bridge behind the API's token check)
on a real core. httpx plays the browser: authorization request (code + PKCE) → the provider's login page →
"统一身份认证登录 (CAS)" → CAS's login form (CSRF token and ``lt``) → the ticket back at the provider → the
bridge validating it with CAS → the code → the token, which verifies against the provider's keys with the
core user as subject. Refused: a CAS person the core does not know, a forged ticket, a ticket used twice, a
caller of the bridge without the secret. A full logout at the provider ends the CAS session too."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import text

from fiscal_app.api.cas_bridge import CasConfig, CasRefused, parse_service_response
from fiscal_app.api.server import build
from fiscal_app.idp import CLI_CLIENT, CLI_REDIRECT, IdpConfig, bridge_secret, default_clients, start_idp, stop_idp
from fiscal_app.login import _fill, _Forms, _password_form
from fiscal_app.settings import Settings
from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import PermissionDenied

from ..support import ADMIN, World, platform_users
from .conftest import free_port, serve_in_thread

pytestmark = pytest.mark.slow          # a Django CAS server, a node provider and the API: about 40 s

ROOT = Path(__file__).resolve().parents[2]
CAS_PW = "cas-Secret-2026"             # the people's password at CAS (the core's password is another one)
VERIFIER = secrets.token_urlsafe(48)
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


@dataclass
class Sso:
    issuer: str
    cas_url: str
    bridge_url: str
    app: FastAPI
    settings: Settings
    secret: str


def _wait(url: str, proc: subprocess.Popen[bytes] | None, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise AssertionError(f"{url} did not come up:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sso]:
    tmp = tmp_path_factory.mktemp("cas")
    cas_port, idp_port, api_port = free_port(), free_port(), free_port()
    issuer, cas_url = f"http://127.0.0.1:{idp_port}", f"http://127.0.0.1:{cas_port}/cas"

    # the CAS server: its people (jb101001 is a platform user, stranger is not, e10086 is 工号 whose released
    # attribute fiscal_uid names the platform user jb101002), and the pattern allowing the provider's callback
    spec = {"users": [{"username": "jb101001", "password": CAS_PW, "email": "jb101001@czj.example"},
                      {"username": "stranger", "password": CAS_PW},
                      {"username": "e10086", "password": CAS_PW, "first_name": "jb101002"}],
            "service_pattern": rf"^{re.escape(issuer)}/interaction/[\w-]+/cas$",
            "attributes": {"email": "email", "first_name": "fiscal_uid"}}
    (tmp / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.identity.cas_site.settings",
           "CAS_SITE_DB": str(tmp / "cas.sqlite3"), "CAS_SITE_SECRET_KEY": secrets.token_urlsafe(40)}
    cas_log = tmp / "cas.log"
    with open(cas_log, "wb") as out:         # migrate and create the people while the core is made below
        prepare = subprocess.Popen([sys.executable, "-m", "tests.identity.cas_site.prepare", str(tmp / "spec.json")],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    cas: subprocess.Popen[bytes] | None = None
    try:
        # the platform: a real core with the test district's users, the API app as `fiscal serve` builds it
        home = tmp / "fiscal_home"
        settings = dataclasses.replace(Settings.for_home(home), cas_url=cas_url)
        core = settings.open_core()
        platform_users(World(core))
        app = build(settings)

        assert prepare.wait(180) == 0, cas_log.read_text(errors="replace")[-3000:]
        with open(cas_log, "ab") as out:
            cas = subprocess.Popen([sys.executable, "-m", "uvicorn", "tests.identity.cas_site.asgi:application",
                                    "--host", "127.0.0.1", "--port", str(cas_port), "--log-level", "warning"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(f"{cas_url}/login", cas, cas_log)
        server, thread = serve_in_thread(app, api_port)
        bridge_url = f"http://127.0.0.1:{api_port}"
        idp = start_idp(settings, port=idp_port, bridge_url=bridge_url)
        try:
            yield Sso(issuer, cas_url, bridge_url, app, settings, bridge_secret(settings))
        finally:
            stop_idp(idp)
            server.should_exit = True
            thread.join(10)
            app.state.core.db.dispose()
            core.db.dispose()
    finally:
        _stop(prepare)
        if cas is not None:
            _stop(cas)


# -- the browser ---------------------------------------------------------------------------------------------------
def meta(sso: Sso) -> dict[str, Any]:
    return dict(httpx.get(f"{sso.issuer}/.well-known/openid-configuration").json())


def follow(http: httpx.Client, r: httpx.Response, *, stop: str = CLI_REDIRECT) -> httpx.Response:
    """Follow redirects as a browser does, up to a page or to the client's redirect URI (never fetched)."""
    for _ in range(20):
        if not r.is_redirect or r.headers["location"].startswith(stop):
            return r
        r = http.get(httpx.URL(str(r.url)).join(r.headers["location"]))
    raise AssertionError("too many redirects")


def authorize(http: httpx.Client, sso: Sso, **extra: str) -> httpx.Response:
    """The authorization request (code + PKCE) up to the provider's login page."""
    r = http.get(meta(sso)["authorization_endpoint"], params={
        "response_type": "code", "client_id": CLI_CLIENT, "redirect_uri": CLI_REDIRECT, "scope": "openid profile",
        "state": "st-1", "code_challenge_method": "S256", "code_challenge": CHALLENGE, **extra})
    return follow(http, r)


def cas_link(page: httpx.Response) -> httpx.URL:
    m = re.search(r'<a class="button" id="cas-login" href="([^"]+)"', page.text)
    assert m, page.text
    return httpx.URL(str(page.url)).join(m.group(1))


def log_in_at_cas(http: httpx.Client, sso: Sso, user: str, password: str = CAS_PW) -> httpx.Response:
    """Provider's login page → CAS's form, filled (CSRF token, lt) and posted → back at the provider."""
    page = authorize(http, sso)
    assert page.status_code == 200 and "统一身份认证登录 (CAS)" in page.text
    at_cas = follow(http, http.get(cas_link(page)))
    assert str(at_cas.url).startswith(f"{sso.cas_url}/login?service=")
    form = _password_form(at_cas.text)
    assert form is not None, at_cas.text[:2000]
    data = _fill(form, user, password)
    assert {"csrfmiddlewaretoken", "lt"} <= set(data)
    r = http.post(httpx.URL(str(at_cas.url)).join(form.action or str(at_cas.url)), data=data)
    assert r.is_redirect and "ticket=ST-" in r.headers["location"], r.text[:2000]
    assert r.headers["location"].startswith(f"{sso.issuer}/interaction/")
    return follow(http, r)


def token_for(sso: Sso, redirect: httpx.Response) -> dict[str, Any]:
    assert redirect.is_redirect, redirect.text[:2000]
    q = httpx.URL(redirect.headers["location"]).params
    assert q["state"] == "st-1" and q.get("code"), redirect.headers["location"]
    r = httpx.post(meta(sso)["token_endpoint"], data={
        "grant_type": "authorization_code", "code": q["code"], "redirect_uri": CLI_REDIRECT,
        "client_id": CLI_CLIENT, "code_verifier": VERIFIER})
    assert r.status_code == 200, r.text
    return dict(r.json())


def verified(sso: Sso, token: str, sub: str) -> dict[str, Any]:
    keys = KeySet.import_key_set(httpx.get(meta(sso)["jwks_uri"]).json())
    decoded = jwt.decode(token, keys, algorithms=["RS256", "ES256"])
    JWTClaimsRegistry(iss={"essential": True, "value": sso.issuer}, aud={"essential": True, "value": "fiscal-api"},
                      sub={"essential": True, "value": sub}, exp={"essential": True}).validate(decoded.claims)
    return dict(decoded.claims)


# -- the tests ---------------------------------------------------------------------------------------------------
def test_cas_login_gives_a_token_for_the_core_user(sso: Sso) -> None:
    with httpx.Client() as http:
        tokens = token_for(sso, log_in_at_cas(http, sso, "jb101001"))
    claims = verified(sso, tokens["access_token"], "jb101001")
    assert claims["client_id"] == CLI_CLIENT and claims["exp"] - claims["iat"] == 600
    id_token = jwt.decode(tokens["id_token"], KeySet.import_key_set(httpx.get(meta(sso)["jwks_uri"]).json()))
    assert "login (cas): jb101001" in (sso.settings.logs / "idp.log").read_text()   # through CAS, no password
    assert id_token.claims["name"] == "实小经办" and id_token.claims["roles"] == ["unit_clerk"]   # the core's


def test_a_cas_person_unknown_to_the_core_is_refused(sso: Sso) -> None:
    with httpx.Client() as http:
        page = log_in_at_cas(http, sso, "stranger")
    assert page.status_code == 403
    assert "统一身份认证账号 stranger 未在本平台开通或已停用，请联系管理员" in page.text
    assert "the CAS account stranger has no active user on this platform" in page.text
    assert not page.is_redirect and "code=" not in page.text


def test_forged_and_replayed_tickets_are_refused(sso: Sso) -> None:
    with httpx.Client() as http:
        page = authorize(http, sso)
        forged = http.get(cas_link(page), params={"ticket": "ST-" + secrets.token_urlsafe(40)})
        assert forged.status_code == 401
        assert "统一身份认证票据无效或已过期" in forged.text and "INVALID_TICKET" in forged.text
        assert "code=" not in forged.headers.get("location", "")

    # a real ticket, caught on its way back and used once by its owner: a second use is refused by CAS
    with httpx.Client() as http:
        page = authorize(http, sso)
        at_cas = follow(http, http.get(cas_link(page)))
        form = _password_form(at_cas.text)
        assert form is not None
        back = http.post(httpx.URL(str(at_cas.url)).join(form.action or str(at_cas.url)),
                         data=_fill(form, "jb101001", CAS_PW))
        ticket_url = httpx.URL(back.headers["location"])
        token_for(sso, follow(http, http.get(ticket_url)))
    service = str(ticket_url.copy_remove_param("ticket"))
    replay = httpx.post(f"{sso.bridge_url}/api/v1/_idp/cas", headers={"x-fiscal-idp-secret": sso.secret},
                        json={"ticket": ticket_url.params["ticket"], "service": service})
    assert replay.status_code == 401 and replay.json()["rule"] == "cas.ticket", replay.text
    assert "INVALID_TICKET" in replay.json()["detail_en"]
    # and at another interaction of the provider (another service URL): refused as well
    with httpx.Client() as other:
        page = authorize(other, sso)
        replay_page = other.get(cas_link(page), params={"ticket": ticket_url.params["ticket"]})
        assert replay_page.status_code == 401 and "统一身份认证票据无效或已过期" in replay_page.text


def test_the_bridge_wants_the_secret_and_is_outside_the_token_check(sso: Sso) -> None:
    body = {"ticket": "ST-x", "service": f"{sso.issuer}/interaction/x/cas"}
    r = httpx.post(f"{sso.bridge_url}/api/v1/_idp/cas", json=body)
    assert r.status_code == 401 and r.json()["rule"] == "idp.secret"          # not the API's "no token"
    r = httpx.post(f"{sso.bridge_url}/api/v1/_idp/cas", json=body, headers={"x-fiscal-idp-secret": sso.secret})
    assert r.status_code == 401 and r.json()["rule"] == "cas.ticket"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "/api/v1/_idp/cas" not in httpx.get(f"{sso.bridge_url}/api/v1/openapi.json").json()["paths"]
    before = sso.app.state.cas                  # CAS down: 502, which the provider shows as "unavailable"
    sso.app.state.cas = CasConfig(f"http://127.0.0.1:{free_port()}/cas", timeout=3)
    try:
        r = httpx.post(f"{sso.bridge_url}/api/v1/_idp/cas", json=body, headers={"x-fiscal-idp-secret": sso.secret})
    finally:
        sso.app.state.cas = before
    assert r.status_code == 502 and r.json()["rule"] == "cas.unavailable"


def test_a_configured_attribute_names_the_platform_user(sso: Sso) -> None:
    before = sso.app.state.cas
    sso.app.state.cas = CasConfig(sso.cas_url, user_attribute="fiscal_uid")
    try:
        with httpx.Client() as http:
            tokens = token_for(sso, log_in_at_cas(http, sso, "e10086"))
    finally:
        sso.app.state.cas = before
    verified(sso, tokens["access_token"], "jb101002")


def test_logout_at_the_provider_ends_the_cas_session(sso: Sso) -> None:
    with httpx.Client() as http:
        tokens = token_for(sso, log_in_at_cas(http, sso, "jb101001"))
        # single sign-on at CAS: while its session lives, CAS hands a ticket without asking again (prompt=login
        # makes the provider show its page although its own session would answer)
        page = authorize(http, sso, prompt="login")
        assert "code=" in follow(http, http.get(cas_link(page))).headers["location"]

        page = http.get(meta(sso)["end_session_endpoint"], params={"id_token_hint": tokens["id_token"]})
        parser = _Forms()
        parser.feed(page.text)
        (form,) = parser.forms
        done = http.post(httpx.URL(str(page.url)).join(form.action),
                         data={**{n: v for n, _, v in form.inputs}, "logout": "yes"})
        assert done.is_redirect and done.headers["location"].startswith(f"{sso.cas_url}/logout?service=")
        final = follow(http, done)
        assert str(final.url).startswith(f"{sso.issuer}/session/end/success") and "已退出登录" in final.text

        page = authorize(http, sso)                       # both sessions gone: the provider's form, then CAS's
        assert _password_form(page.text) is not None
        at_cas = follow(http, http.get(cas_link(page)))
        assert at_cas.status_code == 200 and _password_form(at_cas.text) is not None


def test_the_cas_answer_is_read_strictly() -> None:
    ok = parse_service_response(b"""<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
      <cas:authenticationSuccess><cas:user>u1</cas:user><cas:attributes><cas:memberOf>a</cas:memberOf>
      <cas:memberOf>b</cas:memberOf></cas:attributes></cas:authenticationSuccess></cas:serviceResponse>""")
    assert ok.user == "u1" and ok.attributes == {"memberOf": ["a", "b"]}
    with pytest.raises(CasRefused) as e:
        parse_service_response(b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
                               b'<cas:authenticationFailure code="INVALID_SERVICE">no</cas:authenticationFailure>'
                               b"</cas:serviceResponse>")
    assert e.value.code == "INVALID_SERVICE"


def test_the_core_decides_who_may_log_in_through_cas(sso: Sso) -> None:
    core = sso.app.state.core
    core.handle(c.AddUser("agent-bank", "代理银行", None, user_kind="machine", actor=ADMIN))
    for refused in ("agent-bank", "nobody"):                          # a machine client is no person
        with pytest.raises(PermissionDenied) as e:
            core.handle(c.ExternalLogin(refused, "cas", refused))
        assert e.value.rule == "login.unknown_user"
    account = core.handle(c.ExternalLogin("fz101001", "cas", "FZ101001"))
    assert account.roles == ("unit_leader",) and account.scopes == ("unit_leader:unit:101001",)
    with core.db.read() as conn:                                        # journalled with its source
        last = conn.execute(text("SELECT action, object_id, after_json FROM journal ORDER BY seq DESC LIMIT 1")).one()
    assert last[0] == "user.login" and last[1] == "fz101001" and json.loads(last[2])["source"] == "cas"


def test_cas_is_configured_by_the_environment(tmp_path: Path) -> None:
    s = Settings.from_env({"FISCAL_HOME": str(tmp_path), "FISCAL_CAS_URL": " https://sso.example.gov.cn/cas/ ",
                           "FISCAL_CAS_USER_ATTRIBUTE": "employeeNumber"})
    assert (s.cas_url, s.cas_user_attribute) == ("https://sso.example.gov.cn/cas", "employeeNumber")
    assert CasConfig.from_settings(s) == CasConfig("https://sso.example.gov.cn/cas", "employeeNumber")
    assert CasConfig.from_settings(Settings.from_env({"FISCAL_HOME": str(tmp_path)})) is None
    with pytest.raises(ValueError, match="FISCAL_CAS_URL"):
        Settings.from_env({"FISCAL_HOME": str(tmp_path), "FISCAL_CAS_URL": "sso.example.gov.cn/cas"})
    on = IdpConfig.for_settings(s, port=8400, bridge_url="http://127.0.0.1:8000", clients=default_clients())
    off = IdpConfig.for_settings(Settings.for_home(tmp_path), port=8400, bridge_url="http://127.0.0.1:8000",
                                 clients=default_clients())
    assert on.as_json()["cas"] == {"url": "https://sso.example.gov.cn/cas"} and "cas" not in off.as_json()
