"""The login gate for what has no login of its own: the Dagster UI (and anything else an operator exposes beyond
the host) behind nginx's ``auth_request``, checked against the platform's single sign-on.

Dagster's open-source webserver has no authentication, so ``fiscal serve`` keeps it on 127.0.0.1. To reach it
from another host, nginx proxies it and asks this gate about every request (``auth_request``):

- ``GET /api/v1/gate/check/{audience}``: 204 when the request carries a valid login of a person whose grants
  allow the audience (``operator``: the Dagster UI that can launch runs; ``viewer``: the ``--read-only``
  webserver), 401 when it carries none (nginx then sends the browser to the login), 403 when the person may not.
  The login is the gate's session cookie or an ``Authorization: Bearer`` access token (scripts); either way the
  access token is checked like every API call (signature, issuer, audience, expiry) and the grants are read from
  the core — never taken from the request;
- ``GET /api/v1/gate/login?next=/dagster/``: the authorization code flow with PKCE at the platform's identity
  provider (Authlib's OIDC client: state, nonce, PKCE and the ID token's checks are the library's), then
  ``/api/v1/gate/callback`` keeps the access token in the gate's session (Starlette's signed, HttpOnly cookie,
  ``SameSite=Lax``) and returns to ``next`` (a path on this site only: no open redirect);
- ``GET /api/v1/gate/logout``: ends the gate's session and the provider's (RP-initiated logout).

``nginx_conf`` writes the nginx site for it (``fiscal gate nginx``); docs in the README ("Dagster 与登录网关").
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from fiscal_core.domain.actors import Role

from ..idp import Oidc, _keep_once, secrets_dir
from ..settings import Settings
from .app import Caller
from .auth import TokenVerifier, Unauthorized

PREFIX = "/api/v1/gate"
SESSION_COOKIE = "fiscal_gate"
SESSION_HOURS = 8                     # the platform's working session, as on the pages

# who may pass: the Dagster UI that launches runs is for the system's administrators; the read-only one for those
# who watch the data centre's runs (the analysts, the budget and treasury divisions, the bureau's leaders)
AUDIENCES: Mapping[str, frozenset[Role]] = {
    "operator": frozenset({Role.ADMIN}),
    "viewer": frozenset({Role.ADMIN, Role.ANALYST, Role.FIN_BUDGET, Role.TREASURY, Role.BUREAU_LEADER}),
}

PUBLIC_PATHS = frozenset({f"{PREFIX}/login", f"{PREFIX}/callback", f"{PREFIX}/logout",
                          *(f"{PREFIX}/check/{a}" for a in AUDIENCES)})


def _problem(status: int, rule: str, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"type": f"urn:fiscal:rule:{rule}", "title": en, "status": status, "rule": rule,
                         "detail": zh, "detail_en": en}, status_code=status,
                        media_type="application/problem+json")


def _safe_next(value: str | None) -> str:
    """Only a path on this site: ``/dagster/runs`` is kept, ``//evil.example`` or ``https://…`` become ``/``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def install(app: FastAPI, oidc: Oidc, verifier: TokenVerifier, *, session_secret: str, redirect_uri: str,
            https_only: bool = False) -> None:
    """Mount the gate on ``app``: its session middleware and its routes (public: they check the login
    themselves). ``redirect_uri`` is the callback's URL as the browser sees it (behind nginx, the public one)."""
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register("platform", client_id=oidc.client_id, client_secret=oidc.client_secret or None,
                   server_metadata_url=f"{oidc.issuer}/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"})
    client: Any = oauth.create_client("platform")
    app.add_middleware(SessionMiddleware, secret_key=session_secret, session_cookie=SESSION_COOKIE,
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https_only)
    r = APIRouter(prefix=PREFIX, include_in_schema=False)

    @r.get("/check/{audience}")
    def check(audience: str, request: Request) -> Response:
        allowed = AUDIENCES.get(audience)
        if allowed is None:
            return _problem(404, "gate.audience", f"没有这个网关对象：{audience}", f"no such gate audience: {audience}")
        header = request.headers.get("authorization") or ""
        token = header.partition(" ")[2] if header.lower().startswith("bearer ") else request.session.get("at")
        if not token:
            return _problem(401, "token.missing", "未登录", "not logged in")
        try:
            principal = verifier.verify(token)
        except Unauthorized as e:
            request.session.clear()
            return _problem(401, e.rule, e.zh, e.en)
        grants = Caller(request.app.state.core, principal).grants      # the API's one way of reading them
        if not any(g.role in allowed for g in grants):
            return _problem(403, "gate.role", "当前用户无权访问此页面", "you may not open this page")
        return Response(status_code=204, headers={"X-Fiscal-User": principal.user_id})

    @r.get("/login")
    async def login(request: Request, next: str | None = None) -> Response:
        request.session["next"] = _safe_next(next)
        result: Response = await client.authorize_redirect(request, redirect_uri)
        return result

    @r.get("/callback")
    async def callback(request: Request) -> Response:
        from authlib.integrations.base_client import OAuthError

        try:
            token = await client.authorize_access_token(request)
            principal = verifier.verify(str(token.get("access_token") or ""))
        except OAuthError as e:
            return _problem(401, "gate.login", "登录失败", f"login failed: {e.error}")
        except Unauthorized as e:
            return _problem(401, e.rule, e.zh, e.en)
        nxt = _safe_next(request.session.pop("next", None))
        request.session.clear()
        request.session.update({"at": token["access_token"], "sub": principal.user_id,
                                "id_token": token.get("id_token") or ""})
        return RedirectResponse(nxt, status_code=303)

    @r.get("/logout")
    async def logout(request: Request) -> Response:
        id_token = request.session.get("id_token")
        request.session.clear()
        meta = await client.load_server_metadata()
        end = meta.get("end_session_endpoint")
        if not end:
            return RedirectResponse("/", status_code=303)
        query = {"client_id": oidc.client_id, **({"id_token_hint": id_token} if id_token else {})}
        return RedirectResponse(f"{end}?{urlencode(query)}", status_code=303)

    app.include_router(r)


def session_secret(settings: Settings) -> str:
    """The key that signs the gate's session cookie: generated once into ``$FISCAL_HOME/secrets`` (0600)."""
    return _keep_once(secrets_dir(settings) / "gate_session_secret", lambda: secrets.token_urlsafe(32)).strip()


def nginx_conf(*, listen: str = "0.0.0.0:8080", api: str = "127.0.0.1:8000", dagster: str = "127.0.0.1:3001",
               audience: str = "viewer", server_name: str = "_", prefix: str = "/dagster") -> str:
    """The nginx site that puts the Dagster UI (started with ``--path-prefix {prefix}``) behind the gate: every
    request is checked by ``auth_request`` against the API; no login → the gate's login page; the API (and the
    gate's own routes) are proxied as they are."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {sorted(AUDIENCES)}")
    return f"""# Generated by `fiscal gate nginx`: the Dagster UI behind the platform's login (nginx auth_request).
server {{
    listen {listen};
    server_name {server_name};

    location = /_fiscal_gate {{
        internal;
        proxy_pass http://{api}{PREFIX}/check/{audience};
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URI $request_uri;
    }}

    location {prefix}/ {{
        auth_request /_fiscal_gate;
        auth_request_set $fiscal_user $upstream_http_x_fiscal_user;
        error_page 401 = @fiscal_login;
        proxy_set_header X-Fiscal-User $fiscal_user;
        proxy_set_header Host $host;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;      # Dagster's UI subscribes over websockets
        proxy_set_header Connection "upgrade";
        proxy_pass http://{dagster};
    }}

    location @fiscal_login {{
        return 302 {PREFIX}/login?next=$request_uri;
    }}

    location /api/ {{
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_pass http://{api};
    }}
}}
"""
