"""The single sign-on's identity provider: the embedded one (node ``oidc-provider``, ``idp/server.mjs``) or a
bureau's own (统一身份认证) named by configuration alone.

``oidc_settings`` is the one place that decides which: with ``FISCAL_OIDC_ISSUER`` set (and
``FISCAL_OIDC_CLIENT_ID``, ``FISCAL_OIDC_CLIENT_SECRET``, ``FISCAL_OIDC_AUDIENCE`` — default ``fiscal-api``)
nothing is started and every relying party of the platform points at that issuer; otherwise the embedded
provider on ``http://127.0.0.1:8400`` (``FISCAL_IDP_PORT``) is used and ``start_idp`` starts it.

The embedded provider keeps its secrets in ``$FISCAL_HOME/secrets`` (directory 0700, files 0600), generated on
first start and kept::

    idp_jwks.json          the private signing keys (an RS256 and an ES256 JWK, joserfc-generated)
    idp_cookie_keys.json   the keys signing the provider's cookies
    idp_clients.json       the confidential clients' secrets (fiscal-web, bank, …)
    idp_bridge_secret      shared by the provider and the platform's password bridge (/api/v1/_idp/verify)

It holds sessions in memory: a restart of the provider ends every session. Passwords are checked by the core
(``Authenticate``), never by the provider.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .settings import Settings

ROOT = Path(__file__).resolve().parents[1]
IDP_DIR = ROOT / "idp"
DEFAULT_PORT = 8400
AUDIENCE = "fiscal-api"
RESOURCE = "urn:fiscal:api"            # the resource indicator whose tokens carry aud=fiscal-api
WEB_CLIENT = "fiscal-web"
CLI_CLIENT = "fiscal-cli"
CLI_REDIRECT = "http://127.0.0.1/callback"
WEB_REDIRECT = "http://127.0.0.1:8501/oauth2callback"
WORKBENCH_REDIRECT = "http://127.0.0.1:8502/oauth2callback"   # the workbench (工作台): fiscal serve --workbench-port
GATE_REDIRECT = "http://127.0.0.1:8000/api/v1/gate/callback"     # the login gate (fiscal_app/api/gate.py)
MACHINE_CLIENTS = ("bank",)
ACCESS_TOKEN_TTL = 600                 # seconds: access tokens are short-lived


class IdpError(RuntimeError):
    """The identity provider could not be started (the message is Chinese first, English after)."""


# -- which provider ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Oidc:
    """What a relying party of the platform needs: the issuer (its discovery document is
    ``{issuer}/.well-known/openid-configuration``), the web client, the access tokens' audience, whether the
    provider is the embedded one, and the public client the command line logs in with."""

    issuer: str
    client_id: str
    client_secret: str
    audience: str
    embedded: bool
    cli_client_id: str = CLI_CLIENT

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


def oidc_settings(settings: Settings, env: Mapping[str, str] | None = None) -> Oidc:
    env = os.environ if env is None else env
    audience = env.get("FISCAL_OIDC_AUDIENCE") or AUDIENCE
    cli = env.get("FISCAL_OIDC_CLI_CLIENT_ID") or CLI_CLIENT
    issuer = (env.get("FISCAL_OIDC_ISSUER") or "").strip()
    if issuer:
        client_id = env.get("FISCAL_OIDC_CLIENT_ID") or ""
        if not client_id:
            raise IdpError("已设置 FISCAL_OIDC_ISSUER，但缺少 FISCAL_OIDC_CLIENT_ID"
                           "（FISCAL_OIDC_ISSUER is set but FISCAL_OIDC_CLIENT_ID is missing）")
        return Oidc(issuer.rstrip("/"), client_id, env.get("FISCAL_OIDC_CLIENT_SECRET") or "", audience,
                    embedded=False, cli_client_id=cli)
    port = int(env.get("FISCAL_IDP_PORT") or DEFAULT_PORT)
    return Oidc(f"http://127.0.0.1:{port}", WEB_CLIENT, client_secrets(settings)[WEB_CLIENT], AUDIENCE,
                embedded=True, cli_client_id=CLI_CLIENT)


# -- secrets ----------------------------------------------------------------------------------------------------
def secrets_dir(settings: Settings) -> Path:
    d = settings.home / "secrets"
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o700)
    return d


def _keep_once(path: Path, make: Callable[[], str]) -> str:
    """The file's content, written once with mode 0600 (a concurrent first writer wins: the file is linked into
    place, never overwritten)."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(make())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="utf-8")


def _new_jwks() -> str:
    from joserfc.jwk import ECKey, KeySet, RSAKey

    rsa = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig"}, private=True, auto_kid=True)
    ec = ECKey.generate_key("P-256", parameters={"alg": "ES256", "use": "sig"}, private=True, auto_kid=True)
    return json.dumps(KeySet([rsa, ec]).as_dict(private=True), indent=1)


def jwks_file(settings: Settings) -> Path:
    path = secrets_dir(settings) / "idp_jwks.json"
    _keep_once(path, _new_jwks)
    return path


def cookie_keys_file(settings: Settings) -> Path:
    path = secrets_dir(settings) / "idp_cookie_keys.json"
    _keep_once(path, lambda: json.dumps([secrets.token_urlsafe(32), secrets.token_urlsafe(32)]))
    return path


def bridge_secret_file(settings: Settings) -> Path:
    path = secrets_dir(settings) / "idp_bridge_secret"
    _keep_once(path, lambda: secrets.token_urlsafe(32))
    return path


def bridge_secret(settings: Settings, env: Mapping[str, str] | None = None) -> str:
    """The secret the provider sends to the password bridge (``FISCAL_IDP_BRIDGE_SECRET`` when set)."""
    env = os.environ if env is None else env
    return (env.get("FISCAL_IDP_BRIDGE_SECRET") or bridge_secret_file(settings).read_text(encoding="utf-8")).strip()


def client_secrets(settings: Settings, names: Sequence[str] = (WEB_CLIENT, *MACHINE_CLIENTS)) -> dict[str, str]:
    """The confidential clients' secrets, generated once (a missing name is added, existing ones kept)."""
    path = secrets_dir(settings) / "idp_clients.json"
    known: dict[str, str] = json.loads(_keep_once(path, lambda: json.dumps({n: secrets.token_urlsafe(32)
                                                                             for n in names})))
    missing = [n for n in names if n not in known]
    if missing:
        known.update({n: secrets.token_urlsafe(32) for n in missing})
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(known, f)
        os.replace(tmp, path)
    return known


# -- clients and the provider's configuration ------------------------------------------------------------------
def default_clients(*, web_redirect_uris: Sequence[str] = (WEB_REDIRECT, WORKBENCH_REDIRECT, GATE_REDIRECT),
                    post_logout_redirect_uris: Sequence[str] = ("http://127.0.0.1:8501/", WEB_REDIRECT,
                                                                WORKBENCH_REDIRECT),
                    machine_clients: Sequence[str] = MACHINE_CLIENTS) -> list[dict[str, Any]]:
    """The platform's clients, as oidc-provider client metadata (secrets are added by the provider from
    ``idp_clients.json``): the web pages (Streamlit ``st.login``), the command line (public, PKCE) and the
    machine clients (client credentials only)."""
    clients: list[dict[str, Any]] = [
        {"client_id": WEB_CLIENT, "client_name": "财政一体化平台（fiscal platform）",
         "redirect_uris": list(web_redirect_uris), "post_logout_redirect_uris": list(post_logout_redirect_uris),
         # auth_time in every ID token: the pages' session expiry counts from the password, not from a renewal
         "require_auth_time": True,
         "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
         "token_endpoint_auth_method": "client_secret_basic"},
        {"client_id": CLI_CLIENT, "client_name": "fiscal 命令行（command line）", "application_type": "native",
         "redirect_uris": [CLI_REDIRECT], "grant_types": ["authorization_code", "refresh_token"],
         "response_types": ["code"], "token_endpoint_auth_method": "none"},
    ]
    clients += [{"client_id": m, "client_name": m, "redirect_uris": [], "response_types": [],
                 "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic"}
                for m in machine_clients]
    return clients


@dataclass(frozen=True)
class IdpConfig:
    """The JSON file ``idp/server.mjs --config`` reads. It names the secret files rather than holding secrets."""

    issuer: str
    port: int
    bridge_url: str
    clients: list[dict[str, Any]]
    jwks_file: Path
    cookie_keys_file: Path
    client_secrets_file: Path
    bridge_secret_file: Path
    host: str = "127.0.0.1"
    audience: str = AUDIENCE
    resource: str = RESOURCE
    cas_url: str = ""                  # a bureau's CAS 3.0 server offered on the login page (FISCAL_CAS_URL)
    ttl: dict[str, int] = field(default_factory=lambda: {"access": ACCESS_TOKEN_TTL, "id": 3600,
                                                          "session": 8 * 3600})

    @classmethod
    def for_settings(cls, settings: Settings, *, port: int, bridge_url: str,
                     clients: Sequence[Mapping[str, Any]]) -> IdpConfig:
        names = [str(c["client_id"]) for c in clients if c.get("token_endpoint_auth_method") != "none"]
        client_secrets(settings, names)
        return cls(issuer=f"http://127.0.0.1:{port}", port=port, bridge_url=bridge_url.rstrip("/"),
                   clients=[dict(c) for c in clients], jwks_file=jwks_file(settings),
                   cookie_keys_file=cookie_keys_file(settings),
                   client_secrets_file=secrets_dir(settings) / "idp_clients.json",
                   bridge_secret_file=bridge_secret_file(settings), cas_url=settings.cas_url)

    def as_json(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "host": self.host, "port": self.port, "bridge_url": self.bridge_url,
                "audience": self.audience, "resource": self.resource, "ttl": self.ttl, "clients": self.clients,
                "jwks_file": str(self.jwks_file), "cookie_keys_file": str(self.cookie_keys_file),
                "client_secrets_file": str(self.client_secrets_file),
                "bridge_secret_file": str(self.bridge_secret_file),
                **({"cas": {"url": self.cas_url.rstrip("/")}} if self.cas_url else {})}

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        return path


# -- the process ------------------------------------------------------------------------------------------------
def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _node() -> str:
    node = os.environ.get("FISCAL_NODE") or shutil.which("node")
    if not node:
        raise IdpError("未找到 Node.js（node），无法启动内置身份认证服务（Node.js not found: the embedded identity "
                       "provider needs node ≥ 20）")
    if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        raise IdpError("身份认证服务的依赖未安装，请先运行 make idp（the identity provider's packages are not "
                       "installed: run `make idp`）")
    return node


def _discovery_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200 and json.load(r).get("issuer"))
    except (OSError, ValueError):
        return False


def start_idp(settings: Settings, *, port: int = DEFAULT_PORT, bridge_url: str,
              clients: Sequence[Mapping[str, Any]] | None = None, timeout: float = 30.0,
              log: Path | None = None) -> subprocess.Popen[bytes]:
    """Write the provider's configuration under ``$FISCAL_HOME/idp``, generate missing keys and secrets, start
    ``node idp/server.mjs`` in its own process group and return it once its discovery document is served.
    ``stop_idp`` ends it (nothing is left behind: the provider keeps no files of its own)."""
    node = _node()
    if not _port_free(port):
        raise IdpError(f"端口 {port} 已被占用，无法启动身份认证服务（port {port} is in use）")
    cfg = IdpConfig.for_settings(settings, port=port, bridge_url=bridge_url,
                                 clients=default_clients() if clients is None else clients)
    cfg_file = cfg.write(settings.home / "idp" / "config.json")
    log = log or settings.logs / "idp.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "NODE_ENV": "production"}
    with open(log, "ab") as out:
        proc = subprocess.Popen([node, str(IDP_DIR / "server.mjs"), "--config", str(cfg_file)], cwd=IDP_DIR,
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    url = f"{cfg.issuer}/.well-known/openid-configuration"
    deadline = time.monotonic() + timeout
    while not _discovery_ok(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_idp(proc)
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise IdpError(f"身份认证服务未能启动（the identity provider did not start）: {url}\n{tail}")
        time.sleep(0.2)
    return proc


def stop_idp(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM to the provider's process group, SIGKILL after ``grace`` seconds."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
