"""A refresh costs what changed: with nothing new it builds nothing (no build file, no dbt run, no forecasts, the
live warehouse file untouched, dbt and dagster never imported), and a new exchange file or a new journal row
does make it build. On copies of the shared built district (``tests/district.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fiscal_core.domain import commands as c
from ingest.pipeline import NOTHING_NEW, what_is_new
from ingest.warehouse import build_path
from tests.district import Built, copy_home, refresh_home, settings
from tests.support import ADMIN

ROOT = Path(__file__).resolve().parents[2]


def _stat(p: Path) -> tuple[int, int, int]:
    st = p.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def test_nothing_new_does_no_dbt_work(built_district: Built, tmp_path: Path) -> None:
    home = copy_home(built_district.home, tmp_path / "home")
    s = settings(home)
    run_results = s.dbt_artefacts / "target" / "run_results.json"
    before = {p: _stat(p) for p in (s.warehouse, s.analytics, run_results)}
    changes = what_is_new(s.core_url, s.refresh_paths())
    assert changes.nothing_new, changes.reasons
    report = refresh_home(home)
    assert report.nothing_new and report.changes is not None and report.changes.summary() == NOTHING_NEW
    assert report.dbt_nodes == 0 and report.extract is None and report.exchange is None
    assert report.forecast is None and report.reconciliation is None and report.warehouse is None
    # nothing written: the same files (inode, mtime, size), no build file left, no new dbt results
    assert {p: _stat(p) for p in before} == before
    assert not build_path(s.warehouse).exists()


def test_nothing_new_imports_neither_dbt_nor_dagster(built_district: Built, tmp_path: Path) -> None:
    """``fiscal refresh`` in a fresh process: it says nothing new, and neither dbt, dagster nor the forecasting
    stack (pandas, scipy) were imported on the way."""
    home = copy_home(built_district.home, tmp_path / "home")
    code = ("import json, sys\n"
            "from fiscal_app.cli import main\n"
            "rc = main(['refresh'])\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'dbt', 'dagster', 'dagster_dbt', 'pandas', "
            "'scipy', 'statsmodels'})\n"
            "print(json.dumps({'rc': rc, 'heavy': heavy}))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=os.environ | {"FISCAL_HOME": str(home), "FISCAL_LANG": "zh"})
    assert out.returncode == 0, out.stderr
    assert "无新数据" in out.stdout
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"rc": 0, "heavy": []}


def test_a_new_exchange_file_triggers_the_build(built_district: Built, tmp_path: Path) -> None:
    home = copy_home(built_district.home, tmp_path / "home")
    s = settings(home)
    archived = sorted((home / "exchange" / "archive" / "bank_receipt").iterdir())[-1]
    # bytes the warehouse has not seen (the same bytes again would only be settled as a duplicate)
    (s.inbox / "bank_receipt_20250501.csv").write_bytes(archived.read_bytes() + b"\n")
    changes = what_is_new(s.core_url, s.refresh_paths())
    assert not changes.nothing_new and changes.new_files == ("bank_receipt_20250501.csv",)
    live_before = _stat(s.warehouse)
    report = refresh_home(home)
    assert not report.nothing_new and report.dbt_nodes > 0 and not report.dbt_failures
    assert report.exchange is not None and [f.name for f in report.exchange.files] == ["bank_receipt_20250501.csv"]
    assert report.reconciliation is not None and report.reconciliation.ok
    assert _stat(s.warehouse)[0] != live_before[0]            # a new file was swapped in
    assert list(s.inbox.iterdir()) == []
    # and now there is nothing new again
    assert what_is_new(s.core_url, s.refresh_paths()).nothing_new


def test_a_new_journal_row_is_something_new(built_district: Built, tmp_path: Path) -> None:
    home = copy_home(built_district.home, tmp_path / "home")
    s = settings(home)
    core = s.open_core(migrate_schema=False)
    try:
        core.handle(c.AddUser("refresh-cost", "刷新测试", user_kind="machine", actor=ADMIN))
    finally:
        core.close()
    changes = what_is_new(s.core_url, s.refresh_paths())
    assert not changes.nothing_new and changes.new_journal_rows >= 1, changes.reasons
    report = refresh_home(home, dbt=False)          # the raw layer is enough to see the row arrive
    assert report.extract is not None and report.extract.rows.get("journal", 0) == changes.new_journal_rows


def test_marts_behind_the_raw_layer_are_something_new(built_district: Built, tmp_path: Path) -> None:
    """A refresh run without dbt (the raw layer moved, the marts did not) leaves a warehouse the next refresh
    must build, even though no journal row or file is new."""
    home = copy_home(built_district.home, tmp_path / "home")
    s = settings(home)
    core = s.open_core(migrate_schema=False)
    try:
        core.handle(c.AddUser("refresh-cost", "刷新测试", user_kind="machine", actor=ADMIN))
    finally:
        core.close()
    refresh_home(home, dbt=False)
    changes = what_is_new(s.core_url, s.refresh_paths())
    assert changes.new_journal_rows == 0 and not changes.new_files
    assert not changes.nothing_new and any("集市落后" in r for r in changes.reasons)


def test_dagster_refresh_job_with_nothing_new_skips_every_step(built_district: Built, tmp_path: Path,
                                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same decision in Dagster: ``warehouse/build`` records an observation saying nothing new and
    materialises nothing, so extract, exchange, dbt, reconciliation, forecasts and the swap are all skipped."""
    from dagster_project.definitions import defs

    home = copy_home(built_district.home, tmp_path / "home")
    s = settings(home)
    before = _stat(s.warehouse)
    monkeypatch.setenv("FISCAL_HOME", str(home))
    result = defs().resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
    assert result.success
    assert result.get_asset_materialization_events() == []
    observations = [e.event_specific_data.asset_observation for e in result.all_events  # type: ignore[union-attr]
                    if e.event_type_value == "ASSET_OBSERVATION"]
    [obs] = observations
    assert obs.asset_key.to_user_string() == "warehouse/build" and obs.metadata["nothing_new"].value is True
    assert "无新数据" in obs.metadata["summary"].value
    skipped = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert {"core_extract", "fiscal_dbt", "forecast", "warehouse__live"} <= skipped
    assert _stat(s.warehouse) == before
