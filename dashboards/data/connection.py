"""The data layer's machinery: page-view requests, the warehouse's identity (stamp), short governed read-only
connections, the query helpers every loader uses, and the ``cached`` decorator with its ``LOADERS`` registry.

Contract (docs/architecture.md §A8): readers open a short read-only DuckDB connection per request and never hold
the file between requests, so a refresh can swap it at any time. A loader called outside a request opens
its own connection, runs its parameterised query and closes it. app.py wraps each page view in
``request()``: the loaders that miss the cache during that view share one connection, opened at the first
miss and closed when the view ends. Why not one per loader: opening the file builds DuckDB's catalog of the
warehouse's ~160 relations, 40-100 ms on the 2-core machine, while a query on the marts takes a few ms, so
ten connections per view would cost more than the 300 ms target by themselves.

Every connection is governed (``ingest.warehouse.connect_governed``): read-only, no host files, no ATTACH, no
extensions, configuration locked. DuckDB refuses, within one process, a second connection to the same file
with a different configuration, so nothing in the dashboards may open the warehouse any other way (the
disclosure workbook reads its marts through ``connection()`` too).

Loaders are cached with ``st.cache_data(ttl=TTL)``; the cache key includes the warehouse file's identity
(path, inode, modification time), fixed for the whole view, so a refresh shows new data on the next view
rather than after the TTL, and one view never mixes two warehouses: if the file was swapped between the
view's first cache lookup and its first query, ``WarehouseSwapped`` makes app.py rerun the view.

Every cached loader also has ``.uncached`` (same arguments, no cache), which the benchmark uses.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from fiscal_app.settings import Settings
from ingest.warehouse import connect_governed

TTL = 300  # seconds; the mtime in the key already picks up a refresh at once

P = ParamSpec("P")
R = TypeVar("R")


class WarehouseMissing(RuntimeError):
    """No warehouse file under FISCAL_HOME yet."""


class WarehouseSwapped(RuntimeError):
    """A refresh replaced the warehouse during a page view (the view is rerun on the new file)."""


Stamp = tuple[str, int, int]  # path, inode, mtime_ns


class _Request:
    def __init__(self) -> None:
        self.stamp: Stamp | None = None
        self.con: duckdb.DuckDBPyConnection | None = None


_REQUEST: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("dashboards_request", default=None)


@contextmanager
def request() -> Iterator[None]:
    """One page view: one warehouse identity for every cache key, at most one read-only connection."""
    req = _Request()
    token = _REQUEST.set(req)
    try:
        yield
    finally:
        _REQUEST.reset(token)
        if req.con is not None:
            req.con.close()


# ---------------------------------------------------------------------------------------------- the warehouse


def settings() -> Settings:
    return Settings.from_env()


def warehouse_path() -> Path:
    return settings().warehouse


def _identity(path: Path) -> Stamp:
    try:
        st_ = path.stat()
    except FileNotFoundError as e:
        raise WarehouseMissing(str(path)) from e
    return str(path), st_.st_ino, st_.st_mtime_ns


def stamp() -> Stamp:
    """The live warehouse's identity: part of every cache key, so a swapped-in warehouse is a cache miss.
    Within a request it is read once and kept for the whole view."""
    req = _REQUEST.get()
    if req is not None and req.stamp is not None:
        return req.stamp
    s = _identity(warehouse_path())
    if req is not None:
        req.stamp = s
    return s


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """A governed read-only connection; WarehouseMissing when there is no file (also if it vanishes now)."""
    try:
        return connect_governed(path)
    except FileNotFoundError as e:
        raise WarehouseMissing(str(path)) from e
    except duckdb.IOException as e:  # removed between the existence check and DuckDB opening it
        if not path.exists():
            raise WarehouseMissing(str(path)) from e
        raise


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """The request's connection (opened on first use), or a connection of its own outside a request."""
    path = warehouse_path()
    req = _REQUEST.get()
    if req is None:
        con = _open(path)
        try:
            yield con
        finally:
            con.close()
        return
    if req.con is None:
        expected = req.stamp or _identity(path)
        con = _open(path)
        if _identity(path) != expected:  # swapped since the view began (or while opening): start over
            con.close()
            raise WarehouseSwapped(str(path))
        req.stamp, req.con = expected, con
    yield req.con


# ---------------------------------------------------------------------------------------------- queries


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
SCOPE_KEYS = ("district", "agencies", "depts")  # filters.scoped's parameters (see scope)


def bind(sql: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The query's parameters. A loader given a scope passes all its parameters (``filters.scoped``); the
    statement must apply it (``$district``, in every scope predicate), else ValueError: a loader cannot take
    a scope and forget it. The scope's lists a predicate does not read are dropped (DuckDB refuses
    parameters a statement does not use)."""
    params = dict(params or {})
    if "district" not in params:
        return params
    used = set(_PARAM.findall(sql))
    if "district" not in used:
        raise ValueError("a scoped query that does not apply the scope (no $district in its SQL)")
    return {k: v for k, v in params.items() if k not in SCOPE_KEYS or k in used}


def frame(sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """The query's result as a DataFrame (for charts and tables; DECIMAL columns arrive as float64)."""
    with connection() as con:
        return con.execute(sql, bind(sql, params)).df()


def rows(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts with the database's own types (Decimal for amounts)."""
    with connection() as con:
        cur = con.execute(sql, bind(sql, params))
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def optional(schema: str, table: str, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame | None:
    """A query on a table that may not exist yet (forecast.*, raw.mon_warning_step): None when it does not."""
    with connection() as con:
        n = con.execute("select count(*) from information_schema.tables where table_schema = $s and table_name = $t",
                        {"s": schema, "t": table}).fetchall()
        if not n or not n[0][0]:
            return None
        return con.execute(sql, bind(sql, params)).df()


# ---------------------------------------------------------------------------------------------- cache

LOADERS: dict[str, Callable[..., Any]] = {}


def cached(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache ``fn`` with st.cache_data, keyed on its arguments and the warehouse stamp; register it in
    ``LOADERS`` under its name (names are unique across the data layer's modules: the package re-exports
    them side by side)."""

    def with_stamp(warehouse_stamp: Stamp, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    # st.cache_data keys a function by module + qualname: give each wrapper its loader's name
    with_stamp.__qualname__ = f"{fn.__qualname__}__cached"
    with_stamp.__name__ = f"{fn.__name__}__cached"
    with_stamp.__module__ = fn.__module__
    store = st.cache_data(ttl=TTL, show_spinner=False, max_entries=256)(with_stamp)

    def call(*args: Any, **kwargs: Any) -> Any:
        return store(stamp(), *args, **kwargs)

    call.__name__, call.__qualname__, call.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    call.__module__ = fn.__module__
    call.uncached = fn  # type: ignore[attr-defined]
    LOADERS[fn.__name__] = call
    return call  # type: ignore[return-value]


def clear_cache() -> None:
    st.cache_data.clear()
