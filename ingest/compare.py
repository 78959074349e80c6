"""Comparing two warehouses: the check behind "an incremental refresh equals a full rebuild"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def table_fingerprints(warehouse: Path, schema: str = "marts") -> dict[str, list[Any]]:
    """Per table of ``schema``: the row count and the exact sum of every DECIMAL column."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out: dict[str, list[Any]] = {}
        for (table,) in con.execute("select table_name from information_schema.tables where table_schema = ? "
                                    "order by 1", [schema]).fetchall():
            money = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "and data_type like 'DECIMAL%' order by 1", [schema, table]).fetchall()]
            sums = ", ".join(f"cast(sum({c}) as varchar)" for c in money) or "null"
            row = con.execute(f"select count(*), {sums} from {schema}.{table}").fetchone()
            out[table] = list(row) if row else []
        return out
    finally:
        con.close()


def table_differences(a: Path, b: Path, tables: list[str], schema: str = "marts") -> dict[str, int]:
    """Rows of each table present in one warehouse and not the other (a symmetric EXCEPT ALL)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as wa (read_only)")
        con.execute(f"attach '{b}' as wb (read_only)")
        out = {}
        for tbl in tables:
            n = con.execute(f"select count(*) from ((select * from wa.{schema}.{tbl} except all "
                            f"select * from wb.{schema}.{tbl}) union all (select * from wb.{schema}.{tbl} "
                            f"except all select * from wa.{schema}.{tbl}))").fetchone()
            out[tbl] = int(n[0]) if n else 0
        return out
    finally:
        con.close()
