"""The identity provider's password bridge: ``POST /api/v1/_idp/verify``.

The embedded identity provider (``idp/server.mjs``) checks no password itself: its login form posts the user
name and password here, with the shared secret in ``X-Fiscal-IdP-Secret``, and the core decides
(``Authenticate``: argon2 hashes, failed logins counted, the account locked past the limit, all journalled).

- 200 ``{"sub", "name", "roles", "scopes"}``: the claims the provider puts into its tokens;
- 401 a wrong user name or password (rule ``login.failed``), or a missing or wrong bridge secret (``idp.secret``);
- 423 the account is locked after too many failures (``login.locked``).

Only the provider calls it (it is not in the OpenAPI document). The core is ``request.app.state.core``; the
secret is ``request.app.state.idp_bridge_secret`` when the app sets one, otherwise the platform's
(``FISCAL_IDP_BRIDGE_SECRET`` or ``$FISCAL_HOME/secrets/idp_bridge_secret``). Include with
``app.include_router(router)``: the router carries the ``/api/v1`` prefix.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError, PermissionDenied

from ..idp import bridge_secret
from ..settings import Settings

PATH = "/api/v1/_idp/verify"
MAX_FIELD = 256
router = APIRouter(prefix="/api/v1", include_in_schema=False)


class VerifyIn(BaseModel):
    username: str
    password: str


def _problem(status: int, rule: str, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"type": f"urn:fiscal:rule:{rule}", "title": zh, "status": status, "detail": zh,
                         "detail_en": en, "rule": rule}, status_code=status, media_type="application/problem+json")


@lru_cache(maxsize=1)
def _platform_secret() -> str:
    return bridge_secret(Settings.from_env())


def _expected_secret(request: Request) -> str:
    return str(getattr(request.app.state, "idp_bridge_secret", None) or _platform_secret())


@router.post("/_idp/verify")
def verify(body: VerifyIn, request: Request,
           x_fiscal_idp_secret: Annotated[str | None, Header()] = None) -> Any:
    given = (x_fiscal_idp_secret or "").encode()
    if not given or not hmac.compare_digest(given, _expected_secret(request).encode()):
        return _problem(401, "idp.secret", "身份认证服务凭据无效", "the identity provider's credential is invalid")
    username = body.username.strip().lower()      # user ids are lower-case (fiscal_core.domain.identity)
    if not username or not body.password or len(username) > MAX_FIELD or len(body.password) > MAX_FIELD:
        return _problem(401, "login.failed", "用户名或密码错误", "wrong user name or password")
    core = getattr(request.app.state, "core", None)
    if core is None:
        return _problem(503, "core.unavailable", "核心库不可用", "the core is not available")
    try:
        account = core.handle(c.Authenticate(user_id=username, password=body.password))
    except PermissionDenied as e:
        status = 423 if e.rule == "login.locked" else 401
        return _problem(status, e.rule, e.message, e.en)
    except DomainError as e:
        return _problem(e.http_status, e.rule, e.message, e.en)
    return {"sub": account.user_id, "name": account.name, "roles": list(account.roles),
            "scopes": list(account.scopes)}
