"""The embedded identity provider end to end: the real node process, real HTTP, the core checking passwords.

Discovery and keys; the scripted login (code + PKCE) giving a JWT that verifies against the published keys
with the right issuer, audience, expiry and subject; wrong passwords refused and, past the core's limit, the
account locked (the provider's page says so); client credentials for the bank; logout ending the provider's
session; Streamlit's ``prompt=select_account``; ``fiscal login`` as a subprocess."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import text

from fiscal_app.api.auth import TokenVerifier
from fiscal_app.idp import (
    CLI_CLIENT,
    WEB_CLIENT,
    WEB_REDIRECT,
    Oidc,
    client_secrets,
    oidc_settings,
    start_idp,
    stop_idp,
)
from fiscal_app.login import LoginFailed, _password_form, password_login
from fiscal_app.settings import Settings
from fiscal_core.domain.identity import MAX_FAILED_LOGINS

from ..support import PW
from .conftest import Idp, free_port

pytestmark = pytest.mark.slow          # a node process and a dozen logins: about 10 s

WRONG_ZH, WRONG_EN = "用户名或密码错误", "wrong user name or password"
LOCKED_MSG = "登录失败次数过多，请稍后再试（too many failed logins, try again later）"
VERIFIER = "dBjftJeZ4CVP-mJ92K9Rz0ITE9ioz2S5ld9hOFi4nLA"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


def discovery(idp: Idp) -> dict[str, Any]:
    r = httpx.get(f"{idp.issuer}/.well-known/openid-configuration")
    assert r.status_code == 200
    return dict(r.json())


def jwks(idp: Idp) -> KeySet:
    return KeySet.import_key_set(httpx.get(discovery(idp)["jwks_uri"]).json())


def verified(idp: Idp, token: str, sub: str) -> dict[str, Any]:
    """The token's claims once its signature verifies against the published keys and iss/aud/exp/sub hold."""
    decoded = jwt.decode(token, jwks(idp), algorithms=["RS256", "ES256"])
    JWTClaimsRegistry(iss={"essential": True, "value": idp.issuer}, aud={"essential": True, "value": "fiscal-api"},
                      sub={"essential": True, "value": sub}, exp={"essential": True}).validate(decoded.claims)
    assert decoded.header["alg"] == "RS256"
    return dict(decoded.claims)


def login_form(http: httpx.Client, idp: Idp, client_id: str = CLI_CLIENT, redirect_uri: str = "http://127.0.0.1/callback",
               **extra: str) -> httpx.Response:
    """GET the authorization endpoint and follow the provider's redirects to the page it shows."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "openid profile",
              "state": "s1", "code_challenge_method": "S256",
              "code_challenge": CHALLENGE, **extra}
    r = http.get(discovery(idp)["authorization_endpoint"], params=params)
    while r.is_redirect and not r.headers["location"].startswith(redirect_uri):
        r = http.get(httpx.URL(str(r.url)).join(r.headers["location"]))
    return r


def post_form(http: httpx.Client, page: httpx.Response, user: str, password: str) -> httpx.Response:
    form = _password_form(page.text)
    assert form is not None
    return http.post(httpx.URL(str(page.url)).join(form.action), data={"username": user, "password": password})


# -- discovery and keys ------------------------------------------------------------------------------------------
def test_discovery_and_keys_are_served(idp: Idp) -> None:
    meta = discovery(idp)
    assert meta["issuer"] == idp.issuer
    assert {"authorization_code", "refresh_token", "client_credentials"} <= set(meta["grant_types_supported"])
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["end_session_endpoint"].startswith(idp.issuer)
    assert {"name", "roles"} <= set(meta["claims_supported"])
    keys = httpx.get(meta["jwks_uri"]).json()["keys"]
    assert sorted(k["kty"] for k in keys) == ["EC", "RSA"]
    assert all("d" not in k and "p" not in k for k in keys)         # the public halves only
    secrets = idp.home / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    for name in ("idp_jwks.json", "idp_cookie_keys.json", "idp_clients.json", "idp_bridge_secret"):
        assert stat.S_IMODE((secrets / name).stat().st_mode) == 0o600, name
    config = (idp.home / "idp" / "config.json").read_text()
    assert client_secrets(idp.settings)["bank"] not in config      # the config names the secret files only


# -- the scripted login ------------------------------------------------------------------------------------------
def test_password_login_gives_a_jwt_for_the_api(idp: Idp) -> None:
    tokens = password_login(idp.issuer, CLI_CLIENT, "jb101001", PW)
    claims = verified(idp, tokens.access_token, "jb101001")
    assert claims["exp"] - claims["iat"] == 600 == tokens.expires_in
    assert claims["client_id"] == CLI_CLIENT
    # the API's own verifier accepts it; a token changed after signing is refused by the signature
    assert TokenVerifier(idp.issuer, "fiscal-api").verify(tokens.access_token).user_id == "jb101001"
    head, _, sig = tokens.access_token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "gkk"}).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        jwt.decode(f"{head}.{forged}.{sig}", jwks(idp), algorithms=["RS256"])
    # the ID token carries the claims st.user shows: the name and the roles from the core's grants
    assert tokens.id_token is not None
    id_claims = jwt.decode(tokens.id_token, jwks(idp), algorithms=["RS256"]).claims
    assert (id_claims["sub"], id_claims["name"], id_claims["roles"]) == ("jb101001", "实小经办", ["unit_clerk"])
    assert id_claims["aud"] == CLI_CLIENT
    # the refresh token gives a new access token for the same person
    assert tokens.refresh_token
    r = httpx.post(discovery(idp)["token_endpoint"], data={"grant_type": "refresh_token", "client_id": CLI_CLIENT,
                                                           "refresh_token": tokens.refresh_token})
    assert r.status_code == 200, r.text
    assert verified(idp, r.json()["access_token"], "jb101001")["aud"] == "fiscal-api"


def test_a_wrong_password_is_refused_and_journalled(idp: Idp) -> None:
    with pytest.raises(LoginFailed) as e:
        password_login(idp.issuer, CLI_CLIENT, "fz101001", "not-the-password")
    assert e.value.kind == "failed" and (e.value.zh, e.value.en) == (WRONG_ZH, WRONG_EN)
    with pytest.raises(LoginFailed) as e:
        password_login(idp.issuer, CLI_CLIENT, "nobody-here", PW)
    assert e.value.kind == "failed"
    # the page itself: the stable field names, the message in both languages, the user name kept
    with httpx.Client() as http:
        page = login_form(http, idp)
        assert page.status_code == 200
        assert 'name="username"' in page.text and 'name="password"' in page.text and 'type="submit"' in page.text
        assert "用户名 / Username" in page.text and "密码 / Password" in page.text and "登录 / Log in" in page.text
        refused = post_form(http, page, "fz101001", "still-not-it")
    assert refused.status_code == 401
    assert f"{WRONG_ZH}（{WRONG_EN}）" in refused.text and 'value="fz101001"' in refused.text
    with idp.core.db.read() as conn:
        actions = [r[0] for r in conn.execute(text(
            "SELECT action FROM journal WHERE object_type = 'sys_user' AND object_id = 'fz101001' ORDER BY seq"))]
    assert actions[-2:] == ["user.login_failed", "user.login_failed"]
    # a right password still works (the count is below the limit) and resets it
    assert password_login(idp.issuer, CLI_CLIENT, "fz101001", PW).access_token


def test_repeated_failures_lock_the_account(idp: Idp) -> None:
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginFailed) as e:
            password_login(idp.issuer, CLI_CLIENT, "jb101002", "guess-guess-1")
        assert e.value.kind == "failed"
    with httpx.Client() as http:
        page = post_form(http, login_form(http, idp), "jb101002", "guess-guess-1")
    assert page.status_code == 423 and LOCKED_MSG in page.text
    with pytest.raises(LoginFailed) as e:                      # locked even with the right password
        password_login(idp.issuer, CLI_CLIENT, "jb101002", PW)
    assert e.value.kind == "locked"
    assert password_login(idp.issuer, CLI_CLIENT, "fz101002", PW).access_token   # others are not


def test_the_bridge_wants_the_shared_secret(idp: Idp) -> None:
    url = f"{idp.bridge_url}/api/v1/_idp/verify"
    body = {"username": "jb101001", "password": PW}
    assert httpx.post(url, json=body).status_code == 401
    r = httpx.post(url, json=body, headers={"x-fiscal-idp-secret": "guessed"})
    assert r.status_code == 401 and r.json()["rule"] == "idp.secret"
    secret = (idp.home / "secrets" / "idp_bridge_secret").read_text().strip()
    r = httpx.post(url, json=body, headers={"x-fiscal-idp-secret": secret})
    assert r.status_code == 200
    assert r.json() == {"sub": "jb101001", "name": "实小经办", "roles": ["unit_clerk"],
                        "scopes": ["unit_clerk:unit:101001"]}


# -- machine clients ---------------------------------------------------------------------------------------------
def test_client_credentials_for_the_bank(idp: Idp) -> None:
    token_ep = discovery(idp)["token_endpoint"]
    secret = client_secrets(idp.settings)["bank"]
    r = httpx.post(token_ep, data={"grant_type": "client_credentials"}, auth=("bank", secret))
    assert r.status_code == 200, r.text
    claims = verified(idp, r.json()["access_token"], "bank")
    assert claims["client_id"] == "bank" and claims["exp"] - claims["iat"] == 600
    assert TokenVerifier(idp.issuer, "fiscal-api").verify(r.json()["access_token"]).user_id == "bank"
    bad = httpx.post(token_ep, data={"grant_type": "client_credentials"}, auth=("bank", secret[:-1] + "x"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    # the public command-line client cannot use the grant, the bank cannot log people in
    assert httpx.post(token_ep, data={"grant_type": "client_credentials", "client_id": CLI_CLIENT}).status_code == 400


# -- the session: single sign-on, logout, Streamlit's select_account ---------------------------------------------
def test_logout_ends_the_session(idp: Idp) -> None:
    posts: list[str] = []
    with httpx.Client(event_hooks={"request": [lambda req: posts.append(req.url.path)
                                               if req.method == "POST" else None]}) as http:
        first = password_login(idp.issuer, CLI_CLIENT, "zg101", PW, http=http)
        assert any(p.endswith("/login") for p in posts)
        posts.clear()
        again = password_login(idp.issuer, CLI_CLIENT, "zg101", "unused: the session answers", http=http)
        assert not any(p.endswith("/login") for p in posts)      # single sign-on: no form the second time
        assert verified(idp, again.access_token, "zg101")

        page = http.get(discovery(idp)["end_session_endpoint"], params={"id_token_hint": first.id_token})
        assert page.status_code == 200 and "退出 / Log out" in page.text
        form = _confirm_form(page.text)
        done = http.post(httpx.URL(str(page.url)).join(form.pop("__action__")), data={**form, "logout": "yes"})
        assert done.is_redirect
        assert "已退出登录" in http.get(httpx.URL(str(done.url)).join(done.headers["location"])).text

        again_page = login_form(http, idp)                      # the form again: the session is gone
        assert again_page.status_code == 200 and _password_form(again_page.text) is not None
    # and the grant with it: the refresh token of the ended session is refused
    r = httpx.post(discovery(idp)["token_endpoint"], data={"grant_type": "refresh_token", "client_id": CLI_CLIENT,
                                                           "refresh_token": first.refresh_token})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def _confirm_form(html: str) -> dict[str, str]:
    from fiscal_app.login import _Forms

    parser = _Forms()
    parser.feed(html)
    (form,) = parser.forms
    return {"__action__": form.action, **{n: v for n, _, v in form.inputs}}


def test_streamlit_select_account_prompt(idp: Idp) -> None:
    """st.login sends prompt=select_account: the form without a session, "continue as" with one."""
    secret = client_secrets(idp.settings)[WEB_CLIENT]
    with httpx.Client() as http:
        page = login_form(http, idp, WEB_CLIENT, WEB_REDIRECT, prompt="select_account")
        assert page.status_code == 200 and _password_form(page.text) is not None and "继续 / Continue" not in page.text
        done = post_form(http, page, "ywk", PW)
        while not done.headers["location"].startswith(WEB_REDIRECT):
            done = http.get(httpx.URL(str(done.url)).join(done.headers["location"]))
        assert "code=" in done.headers["location"]

        page = login_form(http, idp, WEB_CLIENT, WEB_REDIRECT, prompt="select_account")
        assert "继续 / Continue" in page.text and "教科文处" in page.text
        r = http.post(httpx.URL(str(page.url)).join(page.url.path + "/continue"))
        while not r.headers["location"].startswith(WEB_REDIRECT):
            r = http.get(httpx.URL(str(r.url)).join(r.headers["location"]))
        code = httpx.URL(r.headers["location"]).params["code"]
    r = httpx.post(discovery(idp)["token_endpoint"], auth=(WEB_CLIENT, secret), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT,
        "code_verifier": VERIFIER})
    assert r.status_code == 200, r.text
    assert verified(idp, r.json()["access_token"], "ywk")["client_id"] == WEB_CLIENT
    assert jwt.decode(r.json()["id_token"], jwks(idp)).claims["roles"] == ["fin_business"]


# -- fiscal login ------------------------------------------------------------------------------------------------
def fiscal(*args: str, stdin: str, home: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("fiscal")
    return subprocess.run([str(exe), *args], input=stdin, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "FISCAL_HOME": str(home)})


def test_fiscal_login_prints_a_token(idp: Idp) -> None:
    out = fiscal("login", "--user", "gkk", "--issuer", idp.issuer, stdin=f"{PW}\n", home=idp.home)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert "\n" not in token
    assert verified(idp, token, "gkk")["aud"] == "fiscal-api"
    bad = fiscal("login", "--user", "gkk", "--issuer", idp.issuer, stdin="wrong-password\n", home=idp.home)
    assert bad.returncode == 1 and bad.stdout == ""
    assert WRONG_ZH in bad.stderr and WRONG_EN in bad.stderr


# -- the launcher and the configuration --------------------------------------------------------------------------
def test_keys_are_kept_and_stopping_leaves_nothing(idp: Idp) -> None:
    kids = {k.kid for k in jwks(idp).keys}
    port = free_port()
    proc = start_idp(idp.settings, port=port, bridge_url=idp.bridge_url)
    try:
        keys = httpx.get(f"http://127.0.0.1:{port}/jwks").json()["keys"]
        assert {k["kid"] for k in keys} == kids                  # the same keys: generated once, kept
    finally:
        stop_idp(proc)
    assert proc.returncode is not None
    deadline = time.monotonic() + 5
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/jwks", timeout=1)
        except httpx.ConnectError:
            break
        assert time.monotonic() < deadline, "the provider still answers after stop_idp"
        time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)                                   # its process group is gone too


def test_oidc_settings_embedded_or_external(tmp_path: Path) -> None:
    settings = Settings.for_home(tmp_path)
    external = oidc_settings(settings, {"FISCAL_OIDC_ISSUER": "https://sso.example.gov.cn/realms/czj/",
                                        "FISCAL_OIDC_CLIENT_ID": "fiscal", "FISCAL_OIDC_CLIENT_SECRET": "s3"})
    assert external == Oidc("https://sso.example.gov.cn/realms/czj", "fiscal", "s3", "fiscal-api", embedded=False)
    assert external.discovery_url == "https://sso.example.gov.cn/realms/czj/.well-known/openid-configuration"
    assert not (tmp_path / "secrets").exists()                  # nothing embedded is prepared
    embedded = oidc_settings(settings, {})
    assert embedded.embedded and embedded.issuer == "http://127.0.0.1:8400" and embedded.client_id == WEB_CLIENT
    assert embedded.client_secret == client_secrets(settings)[WEB_CLIENT] == oidc_settings(settings, {}).client_secret
    assert oidc_settings(settings, {"FISCAL_IDP_PORT": "8411"}).issuer == "http://127.0.0.1:8411"
