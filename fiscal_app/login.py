"""``fiscal login --user U``: a scripted login through a standard OAuth2 flow (authorization code + PKCE).

``password_login`` plays the browser against the identity provider's real endpoints, with httpx: the
discovery document, the authorization endpoint, the provider's own login form (any form with a password
field: the embedded provider's, or a bureau's provider's), the redirects up to the client's redirect URI
``http://127.0.0.1/callback?code=…`` (never connected to: the code is read from the redirect), then the token
endpoint with the PKCE ``code_verifier``. No token is made here; the password goes only to the provider.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import json
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urljoin, urlsplit

from .idp import CLI_REDIRECT

if TYPE_CHECKING:         # httpx is imported when a login runs, not by every `fiscal` command
    import httpx

MAX_STEPS = 20


class LoginFailed(Exception):
    """A refused login. ``kind``: ``failed`` (wrong user name or password), ``locked`` (too many failures) or
    ``error`` (anything else: the provider unreachable, an unexpected page, an OAuth2 error)."""

    def __init__(self, kind: str, zh: str, en: str, detail: str = "") -> None:
        self.kind, self.zh, self.en, self.detail = kind, zh, en, detail
        super().__init__(f"{zh}（{en}）" + (f": {detail}" if detail else ""))


WRONG = ("failed", "用户名或密码错误", "wrong user name or password")
LOCKED = ("locked", "登录失败次数过多，请稍后再试", "too many failed logins, try again later")


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    token_type: str
    expires_in: int
    id_token: str | None = None
    refresh_token: str | None = None
    scope: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


# -- the login form ---------------------------------------------------------------------------------------------
@dataclass
class _Form:
    action: str
    method: str
    inputs: list[tuple[str, str, str]] = field(default_factory=list)   # (name, type, value)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._open: _Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open = _Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and a.get("name"):
            self._open.inputs.append((a["name"], a.get("type", "text").lower(), a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def _password_form(html: str) -> _Form | None:
    parser = _Forms()
    parser.feed(html)
    return next((f for f in parser.forms if any(t == "password" for _, t, _ in f.inputs)), None)


def _fill(form: _Form, user: str, password: str) -> dict[str, str]:
    data = {n: v for n, t, v in form.inputs if t in ("hidden", "text", "email") and n}
    user_field = next((n for n, _, _ in form.inputs if n == "username"), None) or next(
        (n for n, t, _ in form.inputs if t in ("text", "email")), "username")
    pass_field = next(n for n, t, _ in form.inputs if t == "password")
    data[user_field] = user
    data[pass_field] = password
    return data


# -- the flow ---------------------------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _error(detail: str) -> LoginFailed:
    return LoginFailed("error", "登录失败", "the login failed", detail)


def password_login(issuer: str, client_id: str, user: str, password: str, *, client_secret: str | None = None,
                   redirect_uri: str = CLI_REDIRECT, scope: str = "openid profile", timeout: float = 20.0,
                   verify: bool = True, prompt: str | None = None, http: httpx.Client | None = None
                   ) -> TokenResponse:
    """Log ``user`` in at ``issuer`` as the client ``client_id`` (public with PKCE; ``client_secret`` for a
    confidential one) and return the token endpoint's answer. Raises ``LoginFailed``.

    ``http``: a client of the caller's (its cookies are the browser's: a second login in the same client rides
    on the provider's session, and the form is not shown again); by default a fresh one, so the form always is.
    """
    import httpx

    verifier = secrets.token_urlsafe(64)
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    own = http is None
    http = http or httpx.Client(timeout=timeout, verify=verify)
    try:
        try:
            meta = http.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
            meta.raise_for_status()
            endpoints = meta.json()
            auth_ep, token_ep = str(endpoints["authorization_endpoint"]), str(endpoints["token_endpoint"])
        except (httpx.HTTPError, ValueError, KeyError) as e:
            raise _error(f"discovery at {issuer}: {e}") from e
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
                  "state": state, "nonce": nonce, "code_challenge_method": "S256",
                  "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest())}
        if prompt is not None:
            params["prompt"] = prompt
        try:
            code = _authorize(http, auth_ep, params, redirect_uri, state, user, password)
            data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                    "code_verifier": verifier}
            if not client_secret:
                data["client_id"] = client_id
            r = http.post(token_ep, data=data, auth=httpx.BasicAuth(client_id, client_secret) if client_secret
                          else httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as e:
            raise _error(f"{type(e).__name__}: {e}") from e
        if r.status_code != 200:
            raise _error(f"token endpoint {r.status_code}: {r.text[:300]}")
        body = r.json()
    finally:
        if own:
            http.close()
    if "access_token" not in body:
        raise _error("the token endpoint answered without an access_token")
    if body.get("id_token") and _claims(body["id_token"]).get("nonce") != nonce:
        raise _error("the ID token's nonce does not match the request")
    return TokenResponse(str(body["access_token"]), str(body.get("token_type", "Bearer")),
                         int(body.get("expires_in", 0)), body.get("id_token"), body.get("refresh_token"),
                         str(body.get("scope", "")), body)


def _authorize(http: httpx.Client, auth_ep: str, params: dict[str, str], redirect_uri: str, state: str,
               user: str, password: str) -> str:
    """Walk from the authorization request to the redirect carrying the code; return the code."""
    r = http.get(auth_ep, params=params, follow_redirects=False)
    posted = False
    for _ in range(MAX_STEPS):
        if r.is_redirect:
            target = urljoin(str(r.url), r.headers["location"])
            if target.split("?")[0] == redirect_uri:
                return _code(target, state)
            r = http.get(target, follow_redirects=False)
            continue
        if r.status_code == 423:
            raise LoginFailed(*LOCKED)
        form = _password_form(r.text) if "html" in r.headers.get("content-type", "") else None
        if form is not None:
            if posted:                     # the form again: the provider refused the credentials
                raise LoginFailed(*WRONG)
            target = urljoin(str(r.url), form.action or str(r.url))
            data = _fill(form, user, password)
            r = (http.post(target, data=data, follow_redirects=False) if form.method == "post"
                 else http.get(target, params=data, follow_redirects=False))
            posted = True
            continue
        if r.status_code == 401 and posted:
            raise LoginFailed(*WRONG)
        raise _error(f"unexpected answer {r.status_code} from {r.url}: {r.text[:300]}")
    raise _error(f"more than {MAX_STEPS} steps without reaching {redirect_uri}")


def _code(url: str, state: str) -> str:
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    if "error" in q:
        raise _error(f"{q['error']}: {q.get('error_description', '')}")
    if q.get("state") != state:
        raise _error("the redirect's state does not match the request")
    if not q.get("code"):
        raise _error("the redirect carries no code")
    return q["code"]


# -- the command ------------------------------------------------------------------------------------------------
def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--user", required=True, help="用户名 / user name")
    s.add_argument("--issuer", default=None,
                   help="身份认证服务地址（默认按 FISCAL_OIDC_ISSUER 或内置服务）/ issuer URL (default: the configured one)")
    s.add_argument("--client-id", dest="client_id", default=None,
                   help="客户端标识（默认 fiscal-cli）/ OAuth2 client id (default: fiscal-cli)")
    s.add_argument("--json", action="store_true", help="输出完整的令牌响应 / print the whole token response")


def read_password(prompt: str = "密码（password）: ") -> str:
    """The password from standard input: without echo on a terminal, one line when piped."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def run(args: argparse.Namespace, t: Callable[[str, str], str]) -> int:
    issuer, client_id = args.issuer, args.client_id
    if issuer is None or client_id is None:
        from .idp import oidc_settings
        from .settings import Settings

        oidc = oidc_settings(Settings.from_env())
        issuer = issuer or oidc.issuer
        client_id = client_id or oidc.cli_client_id
    password = read_password()
    try:
        tokens = password_login(issuer, client_id, args.user, password)
    except LoginFailed as e:
        msg = f"{e.zh}（{e.en}）" + (f": {e.detail}" if e.detail else "")
        print(msg, file=sys.stderr)
        return 1
    print(json.dumps(tokens.raw, ensure_ascii=False) if args.json else tokens.access_token)
    return 0
