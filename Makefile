# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: demo test test-fast lint bench setup postgres chromium nginx idp

# uv (from PyPI) builds .venv from the lock file; `python3 -m uv` works wherever pip put it
.venv/bin/fiscal: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	python3 -m uv sync --frozen
	@touch $@

# the embedded identity provider's node packages (npm's oidc-provider, from idp/package-lock.json)
idp/node_modules/.package-lock.json: idp/package-lock.json
	npm ci --prefix idp --no-audit --no-fund
	@touch $@

idp: idp/node_modules/.package-lock.json

setup: .venv/bin/fiscal idp

demo: setup
	.venv/bin/fiscal demo

# PostgreSQL server binaries for the integration tests (Debian's package when they are missing)
postgres:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing PostgreSQL (Debian package postgresql)"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; fi; \
	fi

# Chromium for the dashboards' browser test (Debian's package, driven by Playwright; a CJK font for the screenshots)
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Chromium (Debian package chromium)"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; fi; \
	fi

# nginx with auth_request for the login gate's test (Debian's nginx-light; the test runs its own instance)
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
		echo "installing nginx (Debian package nginx-light)"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; fi; \
		(nginx -s stop 2>/dev/null || true); \
	fi

# everything, on real SQLite, PostgreSQL, DuckDB, dbt, Dagster and Chromium (what .ci/run calls)
test: setup postgres chromium nginx
	$(PY) -m pytest -n 2 --dist loadgroup

# the inner loop: unit and integration tests on SQLite, and everything else that builds no district
test-fast: setup
	$(PY) -m pytest -m "not slow and not postgres" -p no:cacheprovider

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy fiscal_core fiscal_app demo_district benchmarks

bench: setup postgres
	$(PY) -m benchmarks.core_payments
