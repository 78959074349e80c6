"""Runtime settings, resolved when asked for (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Settings:
    """Where the platform keeps its data and how the core is reached.

    ``home``: ``$FISCAL_HOME`` (default ``./data``), holding ``core.sqlite3``, the warehouse and the
    exchange folders. ``core_url``: ``$FISCAL_CORE_URL`` (a SQLAlchemy URL) or the SQLite file in home.
    ``sqlite_synchronous``: ``$FISCAL_SQLITE_SYNCHRONOUS`` (NORMAL by default; in WAL mode a commit is
    then safe against a crash of the process, and FULL adds an fsync per commit against power loss).
    """

    home: Path
    core_url: str
    sqlite_synchronous: str = "NORMAL"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("FISCAL_HOME") or "data").resolve()
        url = env.get("FISCAL_CORE_URL") or f"sqlite:///{home / 'core.sqlite3'}"
        sync = (env.get("FISCAL_SQLITE_SYNCHRONOUS") or "NORMAL").upper()
        if sync not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"FISCAL_SQLITE_SYNCHRONOUS 取值无效 (value={sync}, allowed=NORMAL/FULL/EXTRA/OFF)")
        return cls(home=home, core_url=url, sqlite_synchronous=sync)
