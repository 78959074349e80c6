"""Django settings of the test CAS server (django-cas-server 3.1.0, Django 5.2).

Run as its own process: ``DJANGO_SETTINGS_MODULE=tests.identity.cas_site.settings`` with ``CAS_SITE_DB`` the
SQLite file (``prepare`` migrates it and creates the users and the service pattern), served by uvicorn through
Django's ASGI handler. Everything here is for the test only (a throw-away secret key, DEBUG off)."""

from __future__ import annotations

import os
import secrets

SECRET_KEY = os.environ.get("CAS_SITE_SECRET_KEY") or secrets.token_urlsafe(40)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.identity.cas_site.urls"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["CAS_SITE_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
STATIC_URL = "/static/"

# CAS: Django's own users (CAS_AUTH_CLASS left at its default, cas_server.auth.DjangoAuthUser); no calls out
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SHOW_POWERED = False
CAS_LOGO_URL = False
CAS_FAVICON_URL = False
