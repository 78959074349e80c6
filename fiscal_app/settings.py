"""The platform's settings and the layout of ``$FISCAL_HOME``, resolved when asked for (never at import time).

Every process of the platform (the ``fiscal`` command, Dagster, the dashboards, the benchmarks) finds its
files here; the packages below (``ingest``, ``fiscal_core``) are handed paths and URLs, not a home.

``$FISCAL_HOME`` (default ``./data``)::

    core.sqlite3            the transactional core (unless FISCAL_CORE_URL points elsewhere)
    warehouse.duckdb        the live warehouse (readers open it read-only; a refresh swaps a new one in)
    analytics.duckdb        the analysts' copy: marts, forecast, reporting only, in DuckDB 1.0 storage
    .warehouse.build.duckdb the build file of a refresh in progress
    exchange/               inbox/ (files arrive), archive/<feed>/ (loaded), rejected/ (refused whole)
    .dbt/                   the artefacts of the last dbt build (target/run_results.json, logs/)
    simulation/             the demo district's planted cases (ground_truth.csv)
    audit/anchors.jsonl     journal anchors recorded outside the database
    secrets/person_key      the deployment's person key (HMAC, 0600; FISCAL_PERSON_KEY_FILE puts it elsewhere)
    monitoring/             monitoring reports
    .dagster/               Dagster's instance (runs, schedules, sensors)
    logs/                   the servers' logs (fiscal serve)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fiscal_core.service_layer.core import Core
    from ingest.pipeline import RefreshPaths

SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


@dataclass(frozen=True)
class Settings:
    """Where the platform keeps its data and how the core is reached.

    ``home``: ``$FISCAL_HOME`` (default ``./data``). ``core_url``: ``$FISCAL_CORE_URL`` (a SQLAlchemy URL) or
    the SQLite file in home. ``sqlite_synchronous``: ``$FISCAL_SQLITE_SYNCHRONOUS`` (NORMAL by default; in WAL
    mode a commit is then safe against a crash of the process, and FULL adds an fsync per commit against
    power loss). ``cas_url``: ``$FISCAL_CAS_URL``, a bureau's CAS 3.0 server (统一身份认证) offered on the
    embedded identity provider's login page; ``cas_user_attribute``: ``$FISCAL_CAS_USER_ATTRIBUTE``, the CAS
    attribute naming the platform's user id (default: the CAS user itself).
    """

    home: Path
    core_url: str
    sqlite_synchronous: str = "NORMAL"
    cas_url: str = ""
    cas_user_attribute: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("FISCAL_HOME") or "data").resolve()
        url = env.get("FISCAL_CORE_URL") or f"sqlite:///{home / 'core.sqlite3'}"
        sync = (env.get("FISCAL_SQLITE_SYNCHRONOUS") or "NORMAL").upper()
        if sync not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"FISCAL_SQLITE_SYNCHRONOUS 取值无效 (value={sync}, allowed=NORMAL/FULL/EXTRA/OFF)")
        cas_url = (env.get("FISCAL_CAS_URL") or "").strip().rstrip("/")
        if cas_url and not cas_url.startswith(("https://", "http://")):
            raise ValueError(f"FISCAL_CAS_URL 须为 http(s) 地址（FISCAL_CAS_URL must be an http(s) URL）: {cas_url}")
        return cls(home=home, core_url=url, sqlite_synchronous=sync, cas_url=cas_url,
                   cas_user_attribute=(env.get("FISCAL_CAS_USER_ATTRIBUTE") or "").strip())

    @classmethod
    def for_home(cls, home: Path) -> Settings:
        """The embedded defaults for a home (SQLite core inside it)."""
        home = Path(home).resolve()
        return cls(home=home, core_url=f"sqlite:///{home / 'core.sqlite3'}")

    # -- the layout of FISCAL_HOME ----------------------------------------------------------------------
    @property
    def core_file(self) -> Path | None:
        """The SQLite core file, when the core is SQLite."""
        prefix = "sqlite:///"
        return Path(self.core_url[len(prefix):]) if self.core_url.startswith(prefix) else None

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def analytics(self) -> Path:
        return self.home / "analytics.duckdb"

    @property
    def exchange(self) -> Path:
        return self.home / "exchange"

    @property
    def inbox(self) -> Path:
        return self.exchange / "inbox"

    @property
    def dbt_artefacts(self) -> Path:
        return self.home / ".dbt"

    @property
    def simulation(self) -> Path:
        return self.home / "simulation"

    @property
    def ground_truth(self) -> Path:
        return self.simulation / "ground_truth.csv"

    @property
    def anchors(self) -> Path:
        return self.home / "audit" / "anchors.jsonl"

    @property
    def monitoring(self) -> Path:
        return self.home / "monitoring"

    @property
    def dagster_home(self) -> Path:
        return self.home / ".dagster"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    # -- what the packages below are handed -------------------------------------------------------------
    def refresh_paths(self) -> RefreshPaths:
        from ingest.pipeline import RefreshPaths

        return RefreshPaths(warehouse=self.warehouse, exchange=self.exchange, artefacts=self.dbt_artefacts,
                            analytics=self.analytics)

    def open_core(self, **kw: Any) -> Core:
        """The core at ``core_url`` (migrated unless ``migrate_schema=False``)."""
        from fiscal_core.service_layer.core import Core

        return Core.open(self.core_url, sqlite_synchronous=self.sqlite_synchronous, **kw)
