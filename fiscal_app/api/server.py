"""The API as ``fiscal serve`` runs it: ``uvicorn --factory fiscal_app.api.server:app_from_env``.

The core is the one of ``$FISCAL_HOME`` (``FISCAL_CORE_URL`` for PostgreSQL); tokens are checked against the
issuer ``oidc_settings`` names (the embedded provider, or the bureau's own); the identity provider's password
bridge and its CAS bridge are mounted next to the API.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from ..idp import bridge_secret, oidc_settings
from ..settings import Settings
from . import gate
from .app import create_app
from .auth import TokenVerifier
from .cas_bridge import CasConfig
from .cas_bridge import router as cas_router
from .idp_bridge import router as idp_router


def build(settings: Settings) -> FastAPI:
    oidc = oidc_settings(settings)
    core = settings.open_core()
    app = create_app(core, TokenVerifier(oidc.issuer, oidc.audience), extra_routers=(idp_router, cas_router))
    app.state.idp_bridge_secret = bridge_secret(settings)
    app.state.cas = CasConfig.from_settings(settings)      # the CAS bridge (None: CAS not configured)
    # the login gate for nginx auth_request (the Dagster UI): its callback as the browser sees it — the public
    # site nginx serves (FISCAL_PUBLIC_URL) or the API itself
    public = (os.environ.get("FISCAL_PUBLIC_URL") or os.environ.get("FISCAL_API_URL") or "http://127.0.0.1:8000")
    gate.install(app, oidc, app.state.verifier, session_secret=gate.session_secret(settings),
                 redirect_uri=f"{public.rstrip('/')}{gate.PREFIX}/callback", https_only=public.startswith("https:"))
    return app


def app_from_env() -> FastAPI:
    return build(Settings.from_env())
