"""The ``fiscal`` console script end to end: demo, journal verification, tamper detection."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.district import SMALL

FISCAL = str(Path(sys.executable).with_name("fiscal"))


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FISCAL, *args], env=os.environ | env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def env(backend: str, tmp_path, request) -> dict[str, str]:  # type: ignore[no-untyped-def]
    e = {"FISCAL_HOME": str(tmp_path)}
    if backend == "postgres":
        pg = request.getfixturevalue("pg_server")
        name = f"cli_{tmp_path.name[-8:].replace('-', '_')}".lower()
        pg.admin(f"CREATE DATABASE {name}")
        e["FISCAL_CORE_URL"] = pg.url(name)
    return e


def execute(env: dict[str, str], sql: str, param: object) -> None:
    """Change the core's database behind the platform's back (``%s`` marks the one parameter)."""
    if "FISCAL_CORE_URL" in env:
        with psycopg.connect(env["FISCAL_CORE_URL"].replace("postgresql+psycopg", "postgresql"),
                             autocommit=True) as conn:
            conn.execute(sql, (param,))  # type: ignore[arg-type]
    else:
        with sqlite3.connect(Path(env["FISCAL_HOME"]) / "core.sqlite3") as conn:
            conn.execute(sql.replace("%s", "?"), (param,))


TAMPERED = "（已篡改）"


def tamper(env: dict[str, str], seq: int, *, undo: bool = False) -> None:
    """Change one journal row's opinion behind the platform's back (``undo``: change it back)."""
    new = f"replace(opinion, '{TAMPERED}', '')" if undo else f"opinion || '{TAMPERED}'"
    execute(env, f"UPDATE journal SET opinion = {new} WHERE seq = %s", seq)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_demo_then_verify_then_tamper(env: dict[str, str]) -> None:
    """The whole demo once, on the production backend (the default SQLite core's part of it is each step's own
    test: simulate and verify below, `fiscal refresh` in tests/dagster_project, the demo people in tests/api)."""
    demo = run(env, "demo", "--no-serve", *SMALL)
    assert demo.returncode == 0, demo.stderr
    assert "日志哈希链：完整；台账恒等式：成立" in demo.stdout
    assert "演示平台已构建" in demo.stdout and "fiscal serve" in demo.stdout     # --no-serve: built, says how to serve
    import duckdb

    con = duckdb.connect(str(Path(env["FISCAL_HOME"]) / "warehouse.duckdb"), read_only=True)
    try:
        tables = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        assert {"marts.fct_payment", "marts.fct_warning", "marts.payment_trace"} <= tables
        assert any(t.startswith("forecast.") for t in tables)                  # forecasts are built too
        paid = con.execute("select count(*) from marts.fct_payment").fetchone()
        assert paid is not None and paid[0] > 100
    finally:
        con.close()
    ok = run(env, "audit", "verify")
    assert ok.returncode == 0 and "日志哈希链完整" in ok.stdout
    assert run(env, "--lang", "en", "check").stdout.strip() == "all ledger identities hold"
    tamper(env, 137)
    broken = run(env, "audit", "verify")
    assert broken.returncode == 1
    assert "第 137 条" in broken.stderr
    en = run(env, "--lang", "en", "audit", "verify")
    assert en.returncode == 1 and "seq 137" in en.stderr


def delete_tail(env: dict[str, str], keep: int) -> None:
    execute(env, "DELETE FROM journal WHERE seq > %s", keep)


def test_verify_names_a_changed_row_and_the_anchor_a_truncated_journal(env: dict[str, str]) -> None:
    # six weeks of business are journal enough to anchor and cut
    sim = run(env, "--lang", "en", "simulate", "--scale", "0.01", "--years", "1", "--as-of", "2025-02-15")
    assert sim.returncode == 0, sim.stderr
    assert "journal chain: intact; ledger identities: hold" in sim.stdout      # the demo's own line, in English
    anchored = run(env, "audit", "anchor")
    assert anchored.returncode == 0 and "已记录锚点" in anchored.stdout
    tip = int(anchored.stdout.split("序号 ")[1].split("，")[0])
    tamper(env, 137)                    # one row changed behind the journal's back is named …
    broken = run(env, "audit", "verify")
    assert broken.returncode == 1 and "第 137 条" in broken.stderr
    tamper(env, 137, undo=True)
    assert run(env, "audit", "verify").returncode == 0      # … and put back, the chain holds again
    delete_tail(env, tip - 10)          # the chain that remains is intact on its own …
    broken = run(env, "audit", "verify")
    assert broken.returncode == 1       # … but the anchor outside the database no longer matches
    assert f"第 {tip} 条" in broken.stderr and "截断" in broken.stderr


def test_bad_command_line_is_a_clear_error(env: dict[str, str]) -> None:
    out = run(env, "audit")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_demo_never_overwrites_a_core_that_is_not_the_demo(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"FISCAL_HOME": str(tmp_path)}
    assert run(env, "init").returncode == 0
    out = run(env, "demo", "--no-serve")
    assert out.returncode == 2 and "不会覆盖" in out.stderr
