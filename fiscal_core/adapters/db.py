"""Engines for the core: SQLite (WAL, ``BEGIN IMMEDIATE`` for writes) or PostgreSQL, same code."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from .rawsql import register_sqlite_adapters


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
        self._local = threading.local()
        if self.is_sqlite:
            register_sqlite_adapters()
            path = self.url.database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # pool_reset_on_return=None: write() and read() always end their transaction themselves
            self.engine = create_engine(self.url, echo=echo, connect_args={"check_same_thread": False,
                                                                          "timeout": 60},
                                        pool_size=16, max_overflow=16, pool_reset_on_return=None)
            _install_sqlite_hooks(self.engine, sqlite_synchronous)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_size=16, max_overflow=16,
                                        isolation_level="READ COMMITTED", pool_reset_on_return=None)

    def _thread_conn(self) -> Connection:
        """Each thread keeps one connection for its write transactions: checking a connection out of
        the pool for every short transaction costs as much as a statement."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._local.conn = self.engine.connect()
        return conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection inside a write transaction (committed by the caller, rolled back on error)."""
        lock = self.write_lock
        if lock is not None:
            lock.acquire()
        try:
            conn = self._thread_conn()
            conn.begin()
            try:
                yield conn
            finally:
                if conn.in_transaction():
                    conn.rollback()
        except BaseException:
            # a broken connection is not reused (it may be mid-protocol after an interrupt)
            stale: Connection | None = getattr(self._local, "conn", None)
            if stale is not None and (stale.invalidated or stale.in_transaction()):
                stale.close()
                self._local.conn = None
            raise
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
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
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
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        dbapi.execute("BEGIN" if conn.get_execution_options().get("fiscal_read_only") else "BEGIN IMMEDIATE")
