"""The one login of every Streamlit app of the platform (the workbench, the dashboards): ``st.login`` against the
platform's OpenID Connect provider (the embedded one or the bureau's own, as ``idp.oidc_settings`` says).

Two halves:

- **Serving** (``fiscal serve``, the tests): ``write_auth_secrets(settings, app_url)`` writes the ``[auth]``
  section ``st.login`` reads into ``$FISCAL_HOME/secrets/streamlit_auth_<port>.toml`` (mode 0600) and
  ``streamlit_args`` gives the ``--secrets.files`` option that makes ``streamlit run`` read it. The redirect URI
  is the app URL + ``/oauth2callback`` (registered with the embedded provider's ``fiscal-web`` client, see
  ``idp.web_redirect_uris``); the access token is exposed to the page (``expose_tokens``) so that it calls the
  API as the person; ``prompt`` is empty (no ``select_account`` screen). One cookie secret serves every app,
  generated once into ``$FISCAL_HOME/secrets/streamlit_cookie_secret``.
- **Pages**: ``require_login()`` at the top of a page: shows the login button when nobody is logged in (and
  stops the page), enforces the platform's own session expiry (``SESSION_HOURS`` from the ID token's
  ``auth_time``, else ``iat``: Streamlit's identity cookie lives 30 days), renews the short-lived access token
  through the provider's single sign-on session when it has run out, and returns a ``WebUser`` (user id = the
  ID token's ``sub``, name, access token). ``logout()`` ends the session here and at the provider.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .idp import _keep_once, oidc_settings, secrets_dir
from .settings import Settings

SESSION_HOURS = 8              # the platform's session: a new password login after this, whatever the cookie says
RENEW_MARGIN = 30              # seconds: an access token this close to its expiry is renewed before use
RENEW_GUARD = 60               # seconds: at most one silent renewal per minute (no redirect loop)
COOKIE_SECRET = "streamlit_cookie_secret"

Translate = Callable[[str, str], str]


# -- serving: the [auth] section and streamlit's option ----------------------------------------------------------
def redirect_uri(app_url: str) -> str:
    return app_url.rstrip("/") + "/oauth2callback"


def cookie_secret(settings: Settings) -> str:
    """The secret signing Streamlit's identity cookie, one for every app (generated once, 0600)."""
    return _keep_once(secrets_dir(settings) / COOKIE_SECRET, lambda: secrets.token_urlsafe(32)).strip()


def auth_config(settings: Settings, app_url: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``[auth]`` section ``st.login`` needs for the app at ``app_url``."""
    oidc = oidc_settings(settings, env)
    return {"redirect_uri": redirect_uri(app_url), "cookie_secret": cookie_secret(settings),
            "client_id": oidc.client_id, "client_secret": oidc.client_secret,
            "server_metadata_url": oidc.discovery_url, "expose_tokens": ["id", "access"],
            # oidc-provider refuses prompt=select_account without a session; the provider decides when to ask
            "client_kwargs": {"prompt": "", "scope": "openid profile email"}}


def _toml_value(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v)                     # a JSON string is a TOML basic string (same escapes)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def _toml(auth: Mapping[str, Any]) -> str:
    lines = ["# written by the platform (fiscal_app/web_auth.py): st.login's configuration; do not edit", "[auth]"]
    tables = {k: v for k, v in auth.items() if isinstance(v, Mapping)}
    lines += [f"{k} = {_toml_value(v)}" for k, v in auth.items() if k not in tables]
    for name, table in tables.items():
        lines += ["", f"[auth.{name}]", *(f"{k} = {_toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def secrets_file(settings: Settings, app_url: str) -> Path:
    port = urlsplit(app_url).port or 80
    return secrets_dir(settings) / f"streamlit_auth_{port}.toml"


def write_auth_secrets(settings: Settings, app_url: str, env: Mapping[str, str] | None = None) -> Path:
    """Write (or rewrite: the ports and the issuer may change between runs) the app's secrets file, mode 0600."""
    path = secrets_file(settings, app_url)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_toml(auth_config(settings, app_url, env)))
    os.replace(tmp, path)
    return path


def streamlit_args(settings: Settings, app_url: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The ``streamlit run`` options that give the app its login (the secrets file, written now)."""
    return ["--secrets.files", str(write_auth_secrets(settings, app_url, env))]


# -- pages ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebUser:
    """The person logged in: ``user_id`` is the ID token's subject (the platform's user id)."""

    user_id: str
    name: str
    access_token: str
    session_expires_at: float
    claims: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access_token}"}


def jwt_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, *unverified*: only to read when the token expires (the API verifies it)."""
    try:
        body = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def session_start(claims: Mapping[str, Any]) -> float | None:
    """When the person typed their password: ``auth_time`` (kept across silent renewals), else ``iat``."""
    for k in ("auth_time", "iat"):
        v = claims.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return None


def _default_t(zh: str, en: str) -> str:
    return f"{zh}（{en}）"


def _login_screen(t: Translate, message: str = "") -> None:
    import streamlit as st

    st.title(t("财政一体化管理平台", "Fiscal integration platform"))
    if message:
        st.warning(message)
    st.write(t("请使用统一身份认证账号登录。", "Log in with your single sign-on account."))
    if st.button("登录 / Log in", type="primary", key="fiscal_login"):
        st.login()
    st.stop()


def require_login(t: Translate | None = None, *, session_hours: float = SESSION_HOURS,
                  now: Callable[[], float] = time.time) -> WebUser:
    """The logged-in person, or the login screen (the page stops there). ``t(zh, en)`` is the page's language
    switch (Chinese and English together by default)."""
    import streamlit as st

    t = t or _default_t
    if not st.user.get("is_logged_in"):
        _login_screen(t)
    claims = {k: v for k, v in st.user.to_dict().items() if k != "tokens"}
    tokens = dict(st.user.tokens)
    sub = str(claims.get("sub") or "")
    started = session_start(claims)
    if not sub or started is None:
        _login_screen(t, t("登录信息不完整，请重新登录", "the login is incomplete: log in again"))
    assert started is not None
    expires = started + session_hours * 3600
    if now() >= expires:
        _login_screen(t, t(f"会话已超过 {session_hours:g} 小时，请重新登录",
                           f"the session is older than {session_hours:g} hours: log in again"))
    access = str(tokens.get("access") or "")
    if not access:
        _login_screen(t, t("未取得访问令牌，请重新登录", "no access token: log in again"))
    exp = jwt_claims(access).get("exp")
    if isinstance(exp, (int, float)) and now() >= exp - RENEW_MARGIN:
        # the access token is short-lived; the provider's session renews it without a password
        last = float(st.session_state.get("_fiscal_renewed_at", 0.0))
        if now() - last > RENEW_GUARD:
            st.session_state["_fiscal_renewed_at"] = now()
            st.info(t("访问令牌已到期，正在续期…", "the access token has expired: renewing…"))
            st.login()
            st.stop()
        _login_screen(t, t("访问令牌已到期，请重新登录", "the access token has expired: log in again"))
    name = str(claims.get("name") or claims.get("preferred_username") or sub)
    return WebUser(sub, name, access, expires, claims)


def logout() -> None:
    """End the session: Streamlit's cookie and (through the provider's end-session endpoint) the provider's."""
    import streamlit as st

    st.session_state.pop("_fiscal_renewed_at", None)
    st.logout()
