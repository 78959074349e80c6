"""The warehouse side on a real dbt build of a small simulated district: the monitoring marts as documented,
real-time warnings reaching fct_warning once the core's mon_warning is extracted, scheduled hits brought into
the core's disposal workflow once, and the rules scored against the district's planted cases
(``benchmarks.scoring``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import create_engine, text

from benchmarks.scoring import render_markdown, score
from fiscal_app.cli import main
from fiscal_core.adapters.db import Database
from ingest import core_extract, person_key
from ingest.pipeline import run_dbt
from tests.dbt.test_subsystem_marts import assert_marts_match_their_docs
from tests.district import Built


@pytest.fixture
def home(built_district: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the district's FISCAL_HOME (core, planted cases, warehouse) to change at will."""
    dst = tmp_path / "home"
    dst.mkdir()
    for name in ("core.sqlite3", "warehouse.duckdb"):
        shutil.copy2(built_district.home / name, dst / name)
    shutil.copytree(built_district.home / "simulation", dst / "simulation")
    shutil.copytree(built_district.home / "secrets", dst / "secrets")
    monkeypatch.setenv("FISCAL_HOME", str(dst))
    monkeypatch.delenv("FISCAL_CORE_URL", raising=False)
    return dst


def _core_rows(home: Path, sql: str) -> list[Any]:
    engine = create_engine(f"sqlite:///{home / 'core.sqlite3'}")
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql)).all())
    engine.dispose()
    return rows


def load_raw_mon_warning(home: Path) -> None:
    """The refresh's extraction of the core's mon_warning (the warnings the sync just registered), alone: the
    sync's own journal rows carry the wall clock, and a whole extract would move the district's as-of date from
    its simulated spring to today."""
    spec = core_extract.RAW_BY_NAME["mon_warning"]
    with duckdb.connect(str(home / "warehouse.duckdb")) as con, \
            core_extract.core_snapshot(f"sqlite:///{home / 'core.sqlite3'}") as snap:
        core_extract._create_table(con, spec)
        core_extract._insert(con, spec, snap.batches(spec, core_extract._select_cols(spec)), person_key.load(home))


def _rebuild_monitoring(home: Path) -> None:
    _n, failures = run_dbt(["build", "--select", "path:models/intermediate/monitoring",
                            "path:models/marts/monitoring", "path:tests/monitoring"],
                           home / "warehouse.duckdb", quiet=True, artefacts=home / ".dbt")
    assert not failures, failures


def _wh(home: Path, sql: str) -> list[Any]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_monitoring_marts_exist_as_documented(built_district: Built) -> None:
    district = built_district
    docs = assert_marts_match_their_docs(district, "monitoring")
    assert sorted(docs) == ["dim_monitor_rule", "fct_warning"]
    assert district.query("select count(distinct rule_code) from marts.dim_monitor_rule")[0][0] == 20
    scheduled = district.query("select count(*) from marts.fct_warning where trigger_type = 'scheduled'")[0][0]
    assert scheduled > 0


def test_real_time_warnings_reach_fct_warning_with_their_disposal_status(home: Path) -> None:
    realtime = _core_rows(home, "select warning_key, rule_code, status from mon_warning "
                                "where trigger_type = 'realtime' order by warning_key")
    assert realtime, "the small district's planted payments raise real-time warnings"
    # the refresh's extract brings the core's warnings (raw.mon_warning): no extra step
    got = _wh(home, "select warning_key, rule_code, disposal_status, is_in_core, pay_app_id is not null "
                    "from marts.fct_warning where trigger_type = 'realtime' order by warning_key")
    assert [(k, r, s) for k, r, s, _in, _app in got] == [tuple(r) for r in realtime]
    assert all(in_core and has_app for *_x, in_core, has_app in got)


def test_scheduled_hits_enter_the_disposal_workflow_once(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scheduled = _wh(home, "select warning_key, rule_code, amount from marts.fct_warning "
                          "where trigger_type = 'scheduled' order by warning_key")
    assert main(["monitor", "sync"]) == 0
    assert f"新登记到核心处置流程 {len(scheduled)} 条" in capsys.readouterr().out
    in_core = _core_rows(home, "select warning_key, rule_code, amount, status, trigger_type from mon_warning "
                               "where trigger_type = 'scheduled' order by warning_key")
    assert [(k, r, int(a * 100)) for k, r, a in scheduled] == [(k, r, a) for k, r, a, _s, _t in in_core]
    assert {s for *_x, s, _t in in_core} == {"awaiting_feedback"}
    load_raw_mon_warning(home)          # the next refresh sees them in the core: nothing new to record
    _rebuild_monitoring(home)
    assert _wh(home, "select count(*) from marts.fct_warning where trigger_type = 'scheduled' and not is_in_core") \
        == [(0,)]
    assert main(["monitor", "sync"]) == 0
    assert "新登记到核心处置流程 0 条" in capsys.readouterr().out


def test_score_on_the_small_district(home: Path) -> None:
    db = Database(f"sqlite:///{home / 'core.sqlite3'}")
    try:
        res = score(home / "simulation" / "ground_truth.csv", db, home / "warehouse.duckdb")
    finally:
        db.dispose()
    assert "| §4.2 |" in render_markdown({"runs": [{"label": "t", "command": "score", "score": res}]})
    cases = {c["case_id"]: c for c in _truth(home)}
    due_payment_cases = [c for c in cases.values() if json.loads(c["objects"]).get("pay_app_ids")]
    assert due_payment_cases, "some planted payments happened by the as-of date"
    for c in due_payment_cases:             # every planted payment the district made was caught by its rule
        v = res["by_rule_no"][c["rule_no"]]
        assert v["found"] == v["due"] > 0 and v["recall"] == 1.0, c
        assert v["precision"] == 1.0, c     # and the real-time rules raised nothing else on this district
    assert res["as_of"] == "2025-04-30" or res["as_of"] < "2025-04-30"
    assert set(res["by_rule_code"]) >= {"R01", "R03", "R11", "R12", "R23"}


def _truth(home: Path) -> list[dict[str, str]]:
    import csv
    with open(home / "simulation" / "ground_truth.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
