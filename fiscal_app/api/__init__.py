"""The platform's HTTP API (FastAPI, ``/api/v1``) and its token checks."""
