"""The test CAS server's ASGI application (served by uvicorn)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.identity.cas_site.settings")

from django.core.asgi import get_asgi_application

application = get_asgi_application()
