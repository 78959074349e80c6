"""The analysts' copy of the warehouse: ``$FISCAL_HOME/analytics.duckdb``.

The live warehouse holds the pipeline's layers too (``raw``, ``staging``, ``intermediate``: the core's rows as
extracted, the exchange files' rows, quarantined rows with their reasons). Analysts, BI tools and Excel see
only what is documented for them — the schemas ``marts``, ``forecast`` and ``reporting`` — so the refresh
publishes those into a file of their own, with every view materialised (a view would read layers that are not
there), in a storage format that the clients analysts actually have can read: DuckDB's storage version of
1.0 (``STORAGE_VERSION``), which the DuckDB 1.x command-line client, older Python environments and the DuckDB
JDBC driver of DBeaver open, while the pipeline itself runs DuckDB 2.0. Like the warehouse, it is written as a
build file and renamed into place, so a reader never sees half of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

ANALYST_SCHEMAS = ("marts", "forecast", "reporting")
STORAGE_VERSION = "v1.0.0"      # DuckDB's first stable storage format: the oldest that keeps what the marts need


def build_path(analytics: Path) -> Path:
    return analytics.with_name(f".{analytics.stem}.build.duckdb")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def build_analytics(source: Path, analytics: Path) -> dict[str, int]:
    """Write the analysts' schemas of ``source`` into the build file of ``analytics``; returns rows per table
    (``schema.table``). The caller renames it into place with :func:`publish_analytics`."""
    out = build_path(analytics)
    for stale in (out, out.with_name(out.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect()
    rows: dict[str, int] = {}
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"attach '{source}' as src (read_only)")
        con.execute(f"attach '{out}' as pub (storage_version '{STORAGE_VERSION}')")
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = 'src' "
            f"and table_schema in ({', '.join(repr(s) for s in ANALYST_SCHEMAS)}) order by 1, 2").fetchall()
        for schema in sorted({s for s, _t in relations}):
            con.execute(f"create schema pub.{_quote(schema)}")
        for schema, table in relations:
            name = f"{_quote(schema)}.{_quote(table)}"
            con.execute(f"create table pub.{name} as select * from src.{name}")
            rows[f"{schema}.{table}"] = int(con.execute(f"select count(*) from pub.{name}").fetchone()[0])  # type: ignore[index]
        con.execute("detach pub")
    finally:
        con.close()
    return rows


def publish_analytics(analytics: Path) -> Path:
    """Atomically replace the analysts' file with its finished build."""
    out = build_path(analytics)
    with open(out, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(out, analytics)
    return analytics


def discard_analytics(analytics: Path) -> None:
    out = build_path(analytics)
    for f in (out, out.with_name(out.name + ".wal")):
        f.unlink(missing_ok=True)
