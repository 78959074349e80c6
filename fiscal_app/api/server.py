"""The API as ``fiscal serve`` runs it: ``uvicorn --factory fiscal_app.api.server:app_from_env``.

The core is the one of ``$FISCAL_HOME`` (``FISCAL_CORE_URL`` for PostgreSQL); tokens are checked against the
issuer ``oidc_settings`` names (the embedded provider, or the bureau's own); the identity provider's password
bridge is mounted next to the API.
"""

from __future__ import annotations

from fastapi import FastAPI

from ..idp import bridge_secret, oidc_settings
from ..settings import Settings
from .app import create_app
from .auth import TokenVerifier
from .idp_bridge import router as idp_router


def build(settings: Settings) -> FastAPI:
    oidc = oidc_settings(settings)
    core = settings.open_core()
    app = create_app(core, TokenVerifier(oidc.issuer, oidc.audience), extra_routers=(idp_router,))
    app.state.idp_bridge_secret = bridge_secret(settings)
    return app


def app_from_env() -> FastAPI:
    return build(Settings.from_env())
