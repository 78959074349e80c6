"""Bearer tokens: the API is an OAuth2 resource server of the platform's OpenID Connect provider.

Every request carries ``Authorization: Bearer <JWT access token>`` issued by the configured issuer (the
embedded identity provider, or a bureau's own 统一身份认证 by configuration). The token is checked with
joserfc against the issuer's published keys (JWKS, found through the discovery document and cached; an
unknown ``kid`` refetches once, at most every 30 s): signature (asymmetric algorithms only), ``iss``,
``aud``, ``exp`` (with a small leeway) and ``nbf``. The person is the token's ``sub`` (machine clients:
``client_id``); what they may do comes from their grants in the core, never from the token's other
claims or from anything the client sends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
LEEWAY = 30          # seconds of clock skew tolerated on exp / nbf
REFETCH_EVERY = 30   # seconds between two JWKS fetches caused by unknown keys


class Unauthorized(Exception):
    """No token, or a token that fails a check: 401 with the reason (never which secret was wrong)."""

    def __init__(self, rule: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.rule, self.zh, self.en = rule, zh, en


@dataclass(frozen=True)
class Principal:
    user_id: str
    client_id: str | None
    claims: dict[str, Any]


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, *, jwks_uri: str | None = None, timeout: float = 5.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._jwks_uri = jwks_uri
        self._timeout = timeout
        self._keys: KeySet | None = None
        self._fetched = 0.0
        self._lock = threading.Lock()

    def _discover(self) -> str:
        if self._jwks_uri is None:
            r = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=self._timeout)
            r.raise_for_status()
            self._jwks_uri = str(r.json()["jwks_uri"])
        return self._jwks_uri

    def keys(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            stale = refresh and time.monotonic() - self._fetched > REFETCH_EVERY
            if self._keys is None or stale:
                try:
                    r = httpx.get(self._discover(), timeout=self._timeout)
                    r.raise_for_status()
                    self._keys = KeySet.import_key_set(r.json())
                    self._fetched = time.monotonic()
                except (httpx.HTTPError, ValueError, KeyError) as e:
                    if self._keys is None:
                        raise Unauthorized("token.issuer_unreachable", "无法取得身份认证服务的公钥",
                                           "the identity provider's keys cannot be fetched") from e
            return self._keys

    def verify(self, token: str) -> Principal:
        if not token or token.count(".") != 2:
            raise Unauthorized("token.malformed", "访问令牌格式错误", "malformed access token")
        try:
            decoded = jwt.decode(token, self.keys(), algorithms=ALGORITHMS)
        except JoseError:
            try:   # a key rotated at the provider: fetch the set once more
                decoded = jwt.decode(token, self.keys(refresh=True), algorithms=ALGORITHMS)
            except (JoseError, ValueError) as e:
                raise Unauthorized("token.signature", "访问令牌签名无效", "invalid token signature") from e
        except ValueError as e:
            raise Unauthorized("token.malformed", "访问令牌格式错误", "malformed access token") from e
        claims = dict(decoded.claims)
        registry = jwt.JWTClaimsRegistry(leeway=LEEWAY, iss={"essential": True, "value": self.issuer},
                                         exp={"essential": True}, aud={"essential": True, "value": self.audience})
        try:
            registry.validate(claims)
        except JoseError as e:
            name = getattr(e, "claim", "") or type(e).__name__
            if "exp" in str(name).lower() or "Expired" in type(e).__name__:
                raise Unauthorized("token.expired", "访问令牌已过期，请重新登录", "the access token has expired") from e
            raise Unauthorized("token.claims", "访问令牌不属于本平台（签发方或受众不符）",
                               "the token was not issued for this API (issuer or audience)") from e
        sub = claims.get("sub") or claims.get("client_id")
        if not isinstance(sub, str) or not sub:
            raise Unauthorized("token.subject", "访问令牌缺少用户标识", "the token names no subject")
        client = claims.get("client_id")
        return Principal(sub, client if isinstance(client, str) else None, claims)


def bearer(header: str | None) -> str:
    if not header:
        raise Unauthorized("token.missing", "未登录：缺少访问令牌", "not logged in: no access token")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("token.missing", "未登录：缺少访问令牌", "not logged in: no bearer token")
    return value.strip()
