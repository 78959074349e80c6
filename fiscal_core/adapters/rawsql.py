"""Hot-path SQL straight on the DBAPI cursor of the unit of work's connection, and the one way rows come
back into Python values and domain objects.

A prebuilt SQLAlchemy Core statement costs about 40 µs of Python per execution here, a DBAPI cursor
call about 4 µs; a payment application runs about ten statements, so the difference decides whether
the core reaches its throughput target. Transactions stay under SQLAlchemy's control (the cursor
belongs to the same connection). Statements are written once with ``:name`` parameters and translated
to psycopg's ``%(name)s`` for PostgreSQL. Raw SQL lives in the repositories only (``repository.py``,
``monitoring/repository.py``): handlers call repository methods.

Decoding: a ``RowDecoder`` knows the columns a statement selects (their ``tables.py`` types, in SELECT
order). It turns SQLite's text dates and integer booleans into ``date``/``datetime``/``bool``, which is
what psycopg and SQLAlchemy's types return already (typed values pass unchanged, so a row from the raw
cursor and one from a Core statement decode alike), and builds domain dataclasses from the columns that
share a field's name, an ``Enum``-typed field getting its enum member.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import sqlite3
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Boolean, Column, Connection, Date, DateTime, Table

T = TypeVar("T")

_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_PG_CACHE: dict[str, str] = {}


def _pg(sql: str) -> str:
    out = _PG_CACHE.get(sql)
    if out is None:
        out = _PG_CACHE[sql] = _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
    return out


def register_sqlite_adapters() -> None:
    """Dates and datetimes written by raw statements take the text forms SQLAlchemy's SQLite types write
    (``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS.ffffff``), so Core and raw rows read back alike. Idempotent."""
    sqlite3.register_adapter(date, date.isoformat)
    sqlite3.register_adapter(datetime, lambda v: v.isoformat(" ", "microseconds"))


class RawSql:
    def __init__(self, conn: Connection, is_postgres: bool) -> None:
        self.is_postgres = is_postgres
        self._conn = conn
        self._cur: Any = None

    @property
    def cur(self) -> Any:
        if self._cur is None:
            self._cur = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        return self._cur

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        cur = self.cur
        cur.execute(_pg(sql) if self.is_postgres else sql, params or {})
        return cur

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.cur.executemany(_pg(sql) if self.is_postgres else sql, rows)

    def one(self, sql: str, params: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        return self.execute(sql, params).fetchone()  # type: ignore[no-any-return]

    def all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()  # type: ignore[no-any-return]

    def for_update(self, sql: str, lock: bool, of: str = "") -> str:
        """``sql`` with ``FOR UPDATE`` (of ``of``) on PostgreSQL when ``lock``; SQLite's ``BEGIN IMMEDIATE``
        already holds the database."""
        return sql + (f" FOR UPDATE{' OF ' + of if of else ''}" if lock and self.is_postgres else "")


# -- decoding ----------------------------------------------------------------------------------------------
def _to_date(v: Any) -> Any:
    return date.fromisoformat(v) if isinstance(v, str) else v


def _to_datetime(v: Any) -> Any:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


def _converter(col: Column[Any]) -> Callable[[Any], Any] | None:
    typ = col.type
    if isinstance(typ, DateTime):
        return _to_datetime
    if isinstance(typ, Date):
        return _to_date
    if isinstance(typ, Boolean):
        return bool
    return None


def _enum_of(hint: Any) -> type[enum.Enum] | None:
    """The Enum class of a field typed ``E`` or ``E | None``."""
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        found = [a for a in typing.get_args(hint) if isinstance(a, type) and issubclass(a, enum.Enum)]
        return found[0] if len(found) == 1 else None
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    names: tuple[str, ...]                  # fields taken from the row, and their positions
    get: Callable[[Sequence[Any]], Any]
    enums: tuple[tuple[str, type[enum.Enum]], ...]


class RowDecoder:
    """Decodes rows whose columns are ``columns`` (in that order): a raw cursor's tuples or SQLAlchemy rows."""

    def __init__(self, columns: Iterable[Column[Any]]) -> None:
        cols = list(columns)
        self.cols: tuple[str, ...] = tuple(c.name for c in cols)
        self._fix = tuple((i, conv) for i, c in enumerate(cols) if (conv := _converter(c)) is not None)
        self._plans: dict[type, _Plan] = {}

    def values(self, row: Sequence[Any]) -> list[Any]:
        vals = list(row)
        for i, conv in self._fix:
            v = vals[i]
            if v is not None:
                vals[i] = conv(v)
        return vals

    @typing.overload
    def row(self, row: None) -> None: ...
    @typing.overload
    def row(self, row: Sequence[Any]) -> dict[str, Any]: ...
    @typing.overload
    def row(self, row: Sequence[Any] | None) -> dict[str, Any] | None: ...

    def row(self, row: Sequence[Any] | None) -> dict[str, Any] | None:
        """The row as ``{column: value}`` (None stays None: "no such row")."""
        if row is None:
            return None
        return dict(zip(self.cols, self.values(row), strict=True))

    def rows(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        cols = self.cols
        return [dict(zip(cols, self.values(r), strict=True)) for r in rows]

    def _plan(self, cls: type) -> _Plan:
        plan = self._plans.get(cls)
        if plan is None:
            hints = typing.get_type_hints(cls)
            first: dict[str, int] = {}
            for i, name in enumerate(self.cols):
                first.setdefault(name, i)
            fields = [f.name for f in dataclasses.fields(cls) if f.name in first]
            idx = [first[n] for n in fields]
            get: Callable[[Sequence[Any]], Any] = itemgetter(*idx) if len(idx) > 1 else (lambda r: (r[idx[0]],))
            enums = tuple((n, e) for n in fields if (e := _enum_of(hints[n])) is not None)
            plan = self._plans[cls] = _Plan(tuple(fields), get, enums)
        return plan

    def build(self, cls: type[T], row: Sequence[Any], **extra: Any) -> T:
        """A ``cls`` (a dataclass) from the row's columns named like its fields; ``extra`` adds or overrides fields."""
        plan = self._plan(cls)
        kwargs = dict(zip(plan.names, plan.get(self.values(row)), strict=True))
        for name, enum_cls in plan.enums:
            v = kwargs[name]
            if v is not None:
                kwargs[name] = enum_cls(v)
        if extra:
            kwargs.update(extra)
        return cls(**kwargs)

    def build_all(self, cls: type[T], rows: Iterable[Sequence[Any]]) -> list[T]:
        return [self.build(cls, r) for r in rows]


class RawTable(RowDecoder):
    """A table read and written on the raw cursor: its SELECT (all columns, in table order, which is also
    what ``select(table)`` returns, so Core rows decode with it too), INSERT and cached UPDATE texts."""

    def __init__(self, table: Table) -> None:
        super().__init__(table.c)
        self.name = table.name
        self.table = table
        self.select = f"SELECT {', '.join(self.cols)} FROM {self.name}"
        self.insert = insert_sql(self.name, self.cols)
        self._updates: dict[tuple[str, ...], str] = {}

    def part(self, names: Iterable[str]) -> RowDecoder:
        """A decoder for some of the table's columns (a statement that selects them, in this order, first)."""
        return RowDecoder(self.table.c[n] for n in names)

    def full(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """An insert row with every column (those not given are NULL)."""
        return dict.fromkeys(self.cols) | dict(row)

    def update_sql(self, keys: Iterable[str], where: str) -> str:
        key = (*sorted(keys), "|", where)
        sql = self._updates.get(key)
        if sql is None:
            sets = ", ".join(f"{k} = :{k}" for k in sorted(keys))
            sql = self._updates[key] = f"UPDATE {self.name} SET {sets} WHERE {where}"
        return sql


def insert_sql(table: str, columns: Iterable[str]) -> str:
    cols = list(columns)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
