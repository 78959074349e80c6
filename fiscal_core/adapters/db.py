"""Engines for the core: SQLite (WAL, ``BEGIN IMMEDIATE`` for writes) or PostgreSQL, same code."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from ..config import Settings


class Database:
    """One engine plus what the unit of work needs to know about its dialect.

    SQLite: every write transaction starts with ``BEGIN IMMEDIATE`` (the database write lock), so a
    balance read and the write that depends on it can never interleave with another writer; threads of
    one process also queue on an in-process lock so they hand over without busy-waiting. PostgreSQL:
    READ COMMITTED plus ``SELECT … FOR UPDATE`` on the rows a command changes.
    """

    def __init__(self, url: str, *, sqlite_synchronous: str = "NORMAL", echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        if self.is_postgres and self.url.drivername == "postgresql":
            self.url = self.url.set(drivername="postgresql+psycopg")
        self.write_lock = threading.RLock() if self.is_sqlite else None
        if self.is_sqlite:
            path = self.url.database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(self.url, echo=echo, connect_args={"check_same_thread": False,
                                                                          "timeout": 60},
                                        pool_size=16, max_overflow=16)
            _install_sqlite_hooks(self.engine, sqlite_synchronous)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_size=16, max_overflow=16,
                                        isolation_level="READ COMMITTED")

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(settings.core_url, sqlite_synchronous=settings.sqlite_synchronous)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection inside a write transaction (committed by the caller, rolled back on error)."""
        lock = self.write_lock
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as conn:
                conn.begin()
                try:
                    yield conn
                finally:
                    if conn.in_transaction():
                        conn.rollback()
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries (a deferred transaction on SQLite: it never takes the write lock)."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(fiscal_read_only=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _install_sqlite_hooks(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # let SQLAlchemy, not the sqlite3 module, decide where transactions begin
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("fiscal_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
