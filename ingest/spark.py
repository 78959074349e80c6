"""The marts on Apache Spark: the same dbt project built by dbt-spark instead of dbt-duckdb.

What a province that outgrows one machine needs: the raw layer the refresh pipeline loaded into its DuckDB build
file (the core's extract and the exchange loader) is exported as Parquet, one folder per table, registered as
tables of the Spark database ``raw``, and ``dbt build --target spark`` builds seeds, staging, intermediate and
marts (with their data tests) as Spark tables in the databases ``ref``, ``staging``, ``intermediate``, ``marts``.

Here and in the tests the Spark is a local session in this process (``method: session`` of
``dbt/profiles.yml``, pyspark's bundled Spark on the JVM the machine has), with its warehouse folder and its
Hive metastore (embedded Derby) under :func:`spark_dir`. In production the profile's ``spark_thrift`` target
talks to a Spark Thrift server instead, and the Parquet folder is on storage the cluster reads
(``FISCAL_SPARK_DIR`` on HDFS/S3-mounted storage); :func:`register_raw` then runs on that server.

The DuckDB warehouse stays the live one (dashboards, API, forecasts read it); the Spark build is the same
marts computed by a distributed engine, for a province whose facts no longer fit one machine, and the test
(tests/dbt/test_spark.py) keeps both builds equal to the fen.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Say = Callable[[str], None]

SCHEMAS = ("raw", "ref", "staging", "intermediate", "marts", "audit")


def spark_dir(home: Path | None = None) -> Path:
    """Where the local Spark keeps its warehouse, metastore and the exported raw Parquet:
    ``$FISCAL_SPARK_DIR``, else ``<home>/spark`` (``$FISCAL_HOME/spark``)."""
    if os.environ.get("FISCAL_SPARK_DIR"):
        return Path(os.environ["FISCAL_SPARK_DIR"]).resolve()
    base = home if home is not None else Path(os.environ.get("FISCAL_HOME", "data"))
    return (base / "spark").resolve()


def catalog() -> str:
    """The local session's catalog: ``hive`` (the default: a Derby metastore under the Spark folder, so the
    tables outlive the process, as a cluster's metastore does) or ``in-memory`` (``FISCAL_SPARK_CATALOG``: no
    metastore at all, the tables gone with the process; what the tests use, it saves the metastore's start
    and a round trip per DDL)."""
    value = os.environ.get("FISCAL_SPARK_CATALOG", "hive")
    if value not in ("hive", "in-memory"):
        raise ValueError(f"FISCAL_SPARK_CATALOG={value!r}: hive or in-memory")
    return value


def session_conf(root: Path) -> dict[str, str]:
    """The Spark configuration of the local session (the same keys the profile passes as server-side
    parameters): warehouse and Derby metastore under ``root``, UTC session time (the raw timestamps are
    naive local times and must read back unchanged), few shuffle partitions (a district is small)."""
    return {
        "spark.sql.catalogImplementation": catalog(),
        "spark.master": os.environ.get("FISCAL_SPARK_MASTER", "local[2]"),
        "spark.app.name": "fiscal-dbt",
        "spark.ui.enabled": "false",
        "spark.sql.warehouse.dir": str(root / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={root}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.sql.shuffle.partitions": os.environ.get("FISCAL_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.adaptive.enabled": "true",
        "spark.driver.memory": os.environ.get("FISCAL_SPARK_DRIVER_MEMORY", "2g"),
        "spark.sql.ansi.enabled": "false",          # dbt-spark sets it too (NULL on overflow, like Hive)
    }


def spark_session(root: Path) -> SparkSession:
    """The process's Spark session (dbt-spark's ``session`` method finds it through ``getOrCreate``)."""
    from pyspark.sql import SparkSession

    root.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport() if catalog() == "hive" else SparkSession.builder
    for key, value in session_conf(root).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def export_raw(warehouse: Path, out: Path) -> dict[str, int]:
    """Each table of ``raw`` in the DuckDB file ``warehouse`` as Parquet under ``out/<table>/`` (replacing
    what was there); returns the rows per table."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rows: dict[str, int] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_type = 'BASE TABLE' order by table_name").fetchall()]
        for table in tables:
            target = out / table
            target.mkdir()
            path = str(target / "part-0.parquet").replace("'", "''")
            con.execute(f"copy raw.\"{table}\" to '{path}' (format parquet)")
            count = con.execute(f"select count(*) from raw.\"{table}\"").fetchone()
            rows[table] = int(count[0]) if count else 0
    finally:
        con.close()
    return rows


def register_raw(spark: Any, parquet: Path, tables: list[str] | None = None) -> list[str]:
    """The Parquet folders under ``parquet`` as external tables of the Spark database ``raw`` (and the
    project's other databases created empty); returns the tables registered."""
    for schema in SCHEMAS:
        spark.sql(f"create database if not exists `{schema}`")
    names = tables if tables is not None else sorted(p.name for p in parquet.iterdir() if p.is_dir())
    for name in names:
        spark.sql(f"drop table if exists raw.`{name}`")
        location = str((parquet / name).resolve()).replace("'", "\\'")
        spark.sql(f"create table raw.`{name}` using parquet location '{location}'")
    return names


@dataclass
class SparkBuild:
    """What :func:`build_on_spark` did."""

    root: Path
    raw_rows: dict[str, int] = field(default_factory=dict)
    nodes: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        s = self.seconds
        return (f"Spark: {len(self.raw_rows)} 张原始表 (raw tables), {self.nodes} 个 dbt 节点 (dbt nodes), "
                f"{len(self.failures)} 个失败 (failures); 导出 export {s.get('export', 0):.1f} s, "
                f"会话 session {s.get('session', 0):.1f} s, dbt {s.get('dbt', 0):.1f} s")


def build_on_spark(warehouse: Path, root: Path, *, dbt_args: tuple[str, ...] = (),
                   progress: Say | None = None, quiet: bool = True) -> SparkBuild:
    """Export ``raw`` of the DuckDB file ``warehouse``, register it in the local Spark under ``root`` and run
    ``dbt build --target spark`` (a full build, unit tests excluded) in this process."""
    from .pipeline import DbtInvocation, run_dbt_invocation

    say = progress or (lambda _msg: None)
    report = SparkBuild(root)
    t0 = time.perf_counter()
    say("  导出原始层为 Parquet (exporting raw to Parquet)")
    report.raw_rows = export_raw(warehouse, root / "raw")
    report.seconds["export"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say("  启动 Spark 会话 (starting the Spark session)")
    spark = spark_session(root)
    register_raw(spark, root / "raw", sorted(report.raw_rows))
    report.seconds["session"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    say("  dbt build --target spark")
    args = ("build", "--target", "spark", "--full-refresh", "--exclude", "resource_type:unit_test", *dbt_args)
    env = {"FISCAL_SPARK_DIR": str(root),
           "FISCAL_REFRESH_SINCE_SEQ": "", "FISCAL_REFRESH_SINCE_LEDGER": ""}
    res = run_dbt_invocation(DbtInvocation(args, env, root / "dbt-target"), quiet=quiet)
    results = getattr(res.result, "results", None) or []
    report.nodes = len(results)
    report.failures = [f"{r.node.unique_id}: {r.status} {r.message or ''}".strip() for r in results
                       if str(r.status) in ("error", "fail", "runtime error", "skipped")]
    report.seconds["dbt"] = time.perf_counter() - t0
    return report
