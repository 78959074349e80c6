"""The marts on Apache Spark (issue 13): the shared small district's raw layer, exported from its DuckDB
warehouse, built by dbt-spark on a local Spark session in this process (``ingest/spark.py``), and every mart
(every model of the ``marts`` schema) compared with the DuckDB build: the same columns, the same number of rows,
the same money sums to the fen, and the same rows one for one.

Only what the marts need is built on Spark (seeds, staging, intermediate, marts; no data tests: the DuckDB build
runs them, and its contracts too), so the cost is one Spark session and about a hundred dbt nodes. The session
keeps its tables in memory (no Derby metastore) with one shuffle partition: about half the time of the default
Hive catalog with four partitions on this small district.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.district import Built

pytest.importorskip("pyspark")
JAVA_HOME = Path("/usr/lib/jvm/java-17-openjdk-amd64")

# a DOUBLE is compared to this many significant digits: the two engines sum and divide in different orders
FLOAT_DIGITS = 12


def _key(row: Iterable[Any]) -> tuple[Any, ...]:
    """A row that sorts (None first) and compares across the engines: floats rounded, decimals exact."""
    out: list[Any] = []
    for v in row:
        if isinstance(v, float):
            v = float(f"{v:.{FLOAT_DIGITS}g}")
        elif isinstance(v, list):
            v = tuple(v)
        out.append((0, "") if v is None else (1, v))
    return tuple(out)


def duckdb_marts(warehouse: Path) -> dict[str, list[tuple[str, str]]]:
    """mart → [(column, DuckDB type)] in column order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select table_name, column_name, data_type from information_schema.columns "
                           "where table_schema = 'marts' order by table_name, ordinal_position").fetchall()
    marts: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        marts.setdefault(table, []).append((column, data_type))
    return marts


def duckdb_rows(warehouse: Path, mart: str, columns: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    exprs = [f"strftime({c}, '%Y-%m-%d %H:%M:%S.%f')" if t.startswith("TIMESTAMP") else c for c, t in columns]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select {', '.join(exprs)} from marts.{mart}").fetchall()


def spark_rows(spark: Any, mart: str, columns: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    exprs = [f"date_format({c}, 'yyyy-MM-dd HH:mm:ss.SSSSSS')" if t.startswith("TIMESTAMP") else c
             for c, t in columns]
    return [tuple(r) for r in spark.sql(f"select {', '.join(exprs)} from marts.{mart}").collect()]


def compare_mart(mart: str, columns: list[tuple[str, str]], duck: list[tuple[Any, ...]],
                 sparks: list[tuple[Any, ...]]) -> list[str]:
    """What differs between the two builds of one mart (empty: equal)."""
    problems: list[str] = []
    if len(duck) != len(sparks):
        problems.append(f"{mart}: {len(duck)} rows on DuckDB, {len(sparks)} on Spark")
    for i, (column, data_type) in enumerate(columns):
        if data_type.startswith("DECIMAL"):
            d = sum((r[i] for r in duck if r[i] is not None), Decimal(0))
            s = sum((r[i] for r in sparks if r[i] is not None), Decimal(0))
            if d != s:
                problems.append(f"{mart}.{column}: sum {d} on DuckDB, {s} on Spark")
    a, b = sorted(map(_key, duck)), sorted(map(_key, sparks))
    if a != b:
        only_duck = [r for r in a if r not in set(b)][:3]
        only_spark = [r for r in b if r not in set(a)][:3]
        problems.append(f"{mart}: rows differ; only on DuckDB {only_duck}; only on Spark {only_spark}")
    return problems


@pytest.fixture(scope="module")
def spark_build(built_district: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    env = {"FISCAL_SPARK_CATALOG": "in-memory", "FISCAL_SPARK_SHUFFLE_PARTITIONS": "1"}
    if not os.environ.get("JAVA_HOME") and JAVA_HOME.exists():
        env["JAVA_HOME"] = str(JAVA_HOME)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from ingest.spark import build_on_spark, spark_session

    root = tmp_path_factory.mktemp("spark")
    spark = None
    try:
        t0 = time.perf_counter()
        report = build_on_spark(built_district.warehouse, root,
                                dbt_args=("--select", "+marts", "--exclude-resource-type", "test"))
        print(f"\n{report.summary()}; total {time.perf_counter() - t0:.1f} s")
        assert report.ok, report.failures
        spark = spark_session(root)
        yield spark
    finally:
        if spark is not None:
            spark.stop()          # the JVM's memory back to the worker's other tests
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_every_mart_on_spark_equals_the_duckdb_build_to_the_fen(built_district: Built, spark_build: Any) -> None:
    marts = duckdb_marts(built_district.warehouse)
    assert len(marts) >= 20, sorted(marts)
    on_spark = {r[1] for r in spark_build.sql("show tables in marts").collect()}
    assert set(marts) <= on_spark, sorted(set(marts) - on_spark)
    problems: list[str] = []
    for mart, columns in sorted(marts.items()):
        spark_columns = [f.name for f in spark_build.table(f"marts.{mart}").schema.fields]
        if spark_columns != [c for c, _ in columns]:
            problems.append(f"{mart}: columns {spark_columns} on Spark")
            continue
        problems += compare_mart(mart, columns, duckdb_rows(built_district.warehouse, mart, columns),
                                 spark_rows(spark_build, mart, columns))
    assert not problems, "\n".join(problems)
