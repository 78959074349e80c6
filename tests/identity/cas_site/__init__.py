"""A real CAS 3.0 server for the tests: django-cas-server in a minimal Django site (SQLite, Django's users)."""
