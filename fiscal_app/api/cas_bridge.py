"""The identity provider's CAS bridge: ``POST /api/v1/_idp/cas`` (a bureau's 统一身份认证 speaking CAS 3.0).

The platform stays an OpenID Connect relying party; CAS is the embedded provider's upstream. With
``FISCAL_CAS_URL`` set (e.g. ``https://sso.example.gov.cn/cas``) the provider's login page offers
"统一身份认证登录 (CAS)": the browser goes to ``$CAS/login?service=<the provider's /interaction/<uid>/cas>``,
CAS sends it back there with a service ticket, and the provider (``idp/server.mjs``) hands the ticket and the
service URL to this bridge with the shared secret in ``X-Fiscal-IdP-Secret`` — as its login form hands a
password to ``/api/v1/_idp/verify``. The bridge validates the ticket with CAS (``$CAS/p3/serviceValidate``,
the CAS 3.0 XML answer read with the standard library), maps the CAS user to a core user and answers with
the claims; the provider then finishes the login of that interaction (the browser holds its cookie).

Mapping: the core user whose ``user_id`` is the CAS user (lower-cased), or the value of the CAS attribute
``FISCAL_CAS_USER_ATTRIBUTE`` when set. The core decides: the user must exist, be a person (not a machine
client) and be enabled; anyone else is refused with a message saying so.

- 200 ``{"sub", "name", "roles", "scopes", "cas_user"}``;
- 401 ``cas.ticket``: CAS refused the ticket (forged, used, expired, for another service); ``idp.secret``;
- 403 ``cas.unknown_user``: CAS knows the person, the platform does not (or the account is disabled);
- 502 ``cas.unavailable``: CAS could not be reached or answered something that is not CAS 3.0;
- 503 ``cas.not_configured`` / ``core.unavailable``.

Why not ``python-cas``: it is not in the environment and the lock is managed elsewhere; validating a ticket is
one HTTPS GET and a small XML document (no cryptography of our own), so the standard library does it here.
Configuration: ``request.app.state.cas`` (a ``CasConfig``; ``fiscal_app.api.server`` sets it from the
settings), otherwise ``Settings.from_env()``. The bridge secret is the password bridge's.
"""

from __future__ import annotations

import hmac
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import PermissionDenied

from ..settings import Settings
from .idp_bridge import _expected_secret, _problem

PATH = "/api/v1/_idp/cas"
CAS_NS = "{http://www.yale.edu/tp/cas}"
MAX_TICKET = 256
MAX_SERVICE = 2048
MAX_RESPONSE = 256 * 1024
router = APIRouter(prefix="/api/v1", include_in_schema=False)


@dataclass(frozen=True)
class CasConfig:
    """Where the bureau's CAS is (``url``, without the trailing ``/login``) and which CAS attribute names the
    platform's user id (``user_attribute``; empty: the CAS user itself)."""

    url: str
    user_attribute: str = ""
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> CasConfig | None:
        if not settings.cas_url:
            return None
        return cls(settings.cas_url.rstrip("/"), settings.cas_user_attribute)

    @property
    def validate_url(self) -> str:
        return f"{self.url}/p3/serviceValidate"


class CasIn(BaseModel):
    ticket: str
    service: str


@dataclass(frozen=True)
class CasIdentity:
    """A validated ticket: the CAS user and the attributes CAS released to this service."""

    user: str
    attributes: dict[str, list[str]]


class CasRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(f"{code}: {message}")


class CasUnavailable(Exception):
    pass


# -- CAS 3.0 ----------------------------------------------------------------------------------------------------
def parse_service_response(xml: bytes | str) -> CasIdentity:
    """The CAS 3.0 ``serviceResponse``: the user and attributes, or ``CasRefused`` with CAS's code.
    (``xml.etree`` with a DOCTYPE refused: the answer of a CAS server never has one, and entity tricks need it.)"""
    raw = xml.encode() if isinstance(xml, str) else xml
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise CasUnavailable("the CAS answer carries a DOCTYPE")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        raise CasUnavailable(f"the CAS answer is not XML: {e}") from e
    if root.tag != f"{CAS_NS}serviceResponse":
        raise CasUnavailable(f"the CAS answer is not a serviceResponse: {root.tag}")
    failure = root.find(f"{CAS_NS}authenticationFailure")
    if failure is not None:
        raise CasRefused(failure.get("code", "UNKNOWN"), (failure.text or "").strip())
    success = root.find(f"{CAS_NS}authenticationSuccess")
    user = success.findtext(f"{CAS_NS}user") if success is not None else None
    if success is None or not user or not user.strip():
        raise CasUnavailable("the CAS answer has neither authenticationSuccess with a user nor a failure")
    attributes: dict[str, list[str]] = {}
    node = success.find(f"{CAS_NS}attributes")
    for child in list(node) if node is not None else []:
        name = child.tag.removeprefix(CAS_NS)
        attributes.setdefault(name, []).append((child.text or "").strip())
    return CasIdentity(user.strip(), attributes)


def validate_ticket(cas: CasConfig, ticket: str, service: str, http: httpx.Client | None = None) -> CasIdentity:
    """Ask CAS whether ``ticket`` was issued for ``service`` (``/p3/serviceValidate``); tickets are single-use."""
    try:
        if http is None:
            with httpx.Client(timeout=cas.timeout) as own:
                r = own.get(cas.validate_url, params={"service": service, "ticket": ticket})
        else:
            r = http.get(cas.validate_url, params={"service": service, "ticket": ticket})
    except httpx.HTTPError as e:
        raise CasUnavailable(f"{type(e).__name__}: {e}") from e
    if r.status_code != 200 or len(r.content) > MAX_RESPONSE:
        raise CasUnavailable(f"CAS answered {r.status_code} ({len(r.content)} bytes)")
    return parse_service_response(r.content)


# -- the core decides ---------------------------------------------------------------------------------------------
def user_id_for(cas: CasConfig, who: CasIdentity) -> str:
    if cas.user_attribute:
        values = [v for v in who.attributes.get(cas.user_attribute, []) if v]
        return values[0].strip().lower() if values else ""
    return who.user.lower()


def _config(request: Request) -> CasConfig | None:
    cas = getattr(request.app.state, "cas", None)
    if isinstance(cas, CasConfig):
        return cas
    return CasConfig.from_settings(Settings.from_env())


@router.post("/_idp/cas")
def cas_login(body: CasIn, request: Request, x_fiscal_idp_secret: Annotated[str | None, Header()] = None) -> Any:
    given = (x_fiscal_idp_secret or "").encode()
    if not given or not hmac.compare_digest(given, _expected_secret(request).encode()):
        return _problem(401, "idp.secret", "身份认证服务凭据无效", "the identity provider's credential is invalid")
    cas = _config(request)
    if cas is None:
        return _problem(503, "cas.not_configured", "未配置统一身份认证（CAS）", "CAS is not configured")
    ticket, service = body.ticket.strip(), body.service.strip()
    if (not ticket or len(ticket) > MAX_TICKET or not ticket.isprintable() or len(service) > MAX_SERVICE
            or not service.startswith(("https://", "http://"))):
        return _problem(401, "cas.ticket", "统一身份认证票据无效或已过期", "the CAS ticket is invalid or expired")
    try:
        who = validate_ticket(cas, ticket, service)
    except CasRefused as e:
        return _problem(401, "cas.ticket", "统一身份认证票据无效或已过期",
                        f"the CAS ticket is invalid or expired ({e.code})")
    except CasUnavailable as e:
        return _problem(502, "cas.unavailable", "统一身份认证服务暂不可用", f"the CAS server is unavailable: {e}")
    core = getattr(request.app.state, "core", None)
    if core is None:
        return _problem(503, "core.unavailable", "核心库不可用", "the core is not available")
    user_id = user_id_for(cas, who)
    try:        # the core decides (a person, enabled) and journals the login with its source
        account = core.handle(c.ExternalLogin(user_id, "cas", who.user)) if user_id else None
    except PermissionDenied:
        account = None
    if account is None:
        shown = user_id or who.user
        return _problem(403, "cas.unknown_user",
                        f"统一身份认证账号 {shown} 未在本平台开通或已停用，请联系管理员",
                        f"the CAS account {shown} has no active user on this platform: ask an administrator")
    return {"sub": account.user_id, "name": account.name, "roles": list(account.roles),
            "scopes": list(account.scopes), "cas_user": who.user}
