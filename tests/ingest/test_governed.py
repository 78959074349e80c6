"""The analysts' door (issue 15): ``fiscal sql`` runs on a governed read-only connection to the analysts' copy,
and the attacks that worked before — reading the host's password file, writing a file on the host, an extension
downloaded when a query names it — are refused with the rule named; the analyst's own workflow still works
(query, export through the platform, the PyPI DuckDB 1.x client opening the published file read-only)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from ingest.publish import ANALYST_SCHEMAS, STORAGE_VERSION
from tests.district import Built

FISCAL = str(Path(sys.executable).with_name("fiscal"))
DUCKDB_CLI = str(Path(sys.executable).with_name("duckdb"))      # duckdb-cli 1.5.6 from PyPI (dev dependency)


def sql(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"FISCAL_HOME": str(home)}
    env.pop("FISCAL_CORE_URL", None)
    return subprocess.run([FISCAL, "sql", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("query", "rule"), [
    ("select * from read_csv('/etc/passwd')", "governed.no_host_files"),
    ("copy (select 1) to '{tmp}/x.csv'", "governed.no_host_files"),
    ("attach '{tmp}/other.duckdb' as other", "governed.no_attach"),
    ("install httpfs", "governed.no_extensions"),
    ("load httpfs", "governed.no_extensions"),
    ("select * from read_parquet('https://example.com/x.parquet')", "governed.no_host_files"),
    ("set enable_external_access = true", "governed.config_locked"),
    ("reset lock_configuration", "governed.config_locked"),
    ("create table marts.mine as select 1", "governed.read_only"),
])
def test_the_attacks_are_refused_with_the_rule_named(built_district: Built, tmp_path: Path, query: str,
                                                     rule: str) -> None:
    out = sql(built_district.home, query.format(tmp=tmp_path))
    assert out.returncode == 3, out.stdout + out.stderr
    assert f"规则 {rule}" in out.stderr and "Traceback" not in out.stderr
    assert "root:" not in out.stdout
    assert list(tmp_path.iterdir()) == []                        # nothing written, nothing attached


def test_analysts_see_marts_forecast_and_reporting_only(built_district: Built) -> None:
    out = sql(built_district.home, "select distinct table_schema from information_schema.tables order by 1",
              "--format", "csv")
    assert out.returncode == 0, out.stderr
    schemas = {r["table_schema"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert schemas and schemas <= set(ANALYST_SCHEMAS) and {"marts", "forecast"} <= schemas
    raw = sql(built_district.home, "select count(*) from raw.pay_voucher")
    assert raw.returncode == 1 and "raw" in raw.stderr


def test_the_analysts_copy_equals_the_marts(built_district: Built) -> None:
    analytics = built_district.home / "analytics.duckdb"
    with duckdb.connect(str(analytics), read_only=True) as a, \
            duckdb.connect(str(built_district.warehouse), read_only=True) as w:
        for (table,) in w.execute("select table_name from information_schema.tables where table_schema = 'marts' "
                                  "order by 1").fetchall():
            q = f"select count(*), cast(sum(hash(columns(*))) as varchar) from marts.{table}"
            assert a.execute(q).fetchone() == w.execute(q).fetchone(), table


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_through_the_platform(built_district: Built, tmp_path: Path, fmt: str) -> None:
    query = "select fiscal_year, count(*) as n, sum(net_paid_amt) as paid from marts.fct_payment group by 1 order by 1"
    target = tmp_path / f"paid.{fmt}"
    out = sql(built_district.home, query, "--format", fmt, "--output", str(target))
    assert out.returncode == 0, out.stderr
    expected = built_district.query(query)
    if fmt == "parquet":
        got = [tuple(r.values()) for r in pq.read_table(target).to_pylist()]
    elif fmt == "csv":
        text = target.read_text(encoding="utf-8-sig")
        got = [(int(r["fiscal_year"]), int(r["n"]), r["paid"]) for r in csv.DictReader(io.StringIO(text))]
        expected = [(y, n, str(p)) for y, n, p in expected]
    else:
        rows = list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))
        assert rows[0] == ("fiscal_year", "n", "paid")
        got = [(int(y), int(n), p) for y, n, p in rows[1:]]
        expected = [(y, n, float(p)) for y, n, p in expected]
    assert got == expected


def test_the_duckdb_1x_client_from_pypi_opens_the_published_file(built_district: Built) -> None:
    version = subprocess.run([DUCKDB_CLI, "--version"], capture_output=True, text=True, timeout=30)
    assert version.stdout.startswith("v1."), version.stdout        # older than the pipeline's DuckDB 2.0
    analytics = built_district.home / "analytics.duckdb"
    out = subprocess.run([DUCKDB_CLI, "-readonly", "-csv", str(analytics), "-c",
                          "select count(*) as n, sum(pay_app_amt) as amt from marts.fct_payment"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    n, amt = out.stdout.strip().splitlines()[1].split(",")
    assert (int(n), amt) == tuple(str(v) if i else v for i, v in enumerate(built_district.query(
        "select count(*), sum(pay_app_amt) from marts.fct_payment")[0]))
    # the same client refuses the pipeline's own 2.0 file: that is why the analysts' copy exists
    live = subprocess.run([DUCKDB_CLI, "-readonly", str(built_district.warehouse), "-c", "select 1"],
                          capture_output=True, text=True, timeout=60)
    assert live.returncode != 0
    assert STORAGE_VERSION == "v1.0.0"
