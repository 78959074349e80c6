"""What a refresh does when something is wrong: the reconciliation catches a core that disagrees, whichever
entry point runs the pipeline, and a failed or refused run leaves the live warehouse, the inbox and the build
file as they were."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from ingest.warehouse import refresh_lock

from .conftest import Refreshed

FISCAL = str(Path(sys.executable).with_name("fiscal"))


def _tampered_copy(refreshed: Refreshed, dst: Path) -> tuple[Path, str]:
    """The refreshed home (core, live warehouse, exchange folders) with one application's amount changed by one
    fen in the core behind the journal's back (as a bad restore or a manual UPDATE would), and the analysts' copy
    gone, so that the next refresh has something to do: it re-reads the core's control totals, and the
    reconciliation must refuse the swap. Returns (home, day)."""
    shutil.copytree(refreshed.home, dst, ignore=shutil.ignore_patterns(".dbt", ".dagster"))
    (dst / "analytics.duckdb").unlink()
    with sqlite3.connect(dst / "core.sqlite3") as core:
        app_id, day = core.execute("select pay_app_id, create_date from pay_voucher order by pay_app_id limit 1").fetchone()
        core.execute("update pay_voucher set pay_app_amt = pay_app_amt + 1 where pay_app_id = ?", (app_id,))
    return dst, day


@pytest.mark.parametrize("entry", ["fiscal refresh", "refresh_job"])
def test_a_fen_broken_in_the_core_swaps_nothing_in_from_either_entry_point(
        entry: str, refreshed: Refreshed, dagster_defs: dg.Definitions, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    home, day = _tampered_copy(refreshed, tmp_path / "home")
    before = _fingerprint(home)
    monkeypatch.setenv("FISCAL_HOME", str(home))
    monkeypatch.delenv("FISCAL_CORE_URL", raising=False)
    if entry == "fiscal refresh":
        out = subprocess.run([FISCAL, "refresh"], env=os.environ.copy(), capture_output=True, text=True, timeout=900)
        assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
        assert "对账不一致" in out.stderr and f"pay_app_by_day {day}" in out.stderr
        assert "Traceback" not in out.stderr
    else:
        result = dagster_defs.resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
        (recon,) = [e.asset_check_evaluation_data for e in result.all_events
                    if e.event_type_value == "ASSET_CHECK_EVALUATION"
                    and e.asset_check_evaluation_data.check_name == "reconciles_with_core"]
        assert not recon.passed and recon.metadata["mismatches"].value == 1
        assert f"pay_app_by_day {day}" in recon.description  # type: ignore[operator]
        done = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
        assert "warehouse__live" not in done and "forecast" not in done
    def outside_core(fp: dict[str, str]) -> dict[str, str]:       # the core (and its WAL) is read, not judged
        return {k: v for k, v in fp.items() if not k.startswith("core.sqlite3")}

    assert outside_core(_fingerprint(home)) == outside_core(before)   # live warehouse, inbox as they were; no build file


def _fingerprint(home: Path) -> dict[str, str]:
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file() and p.name != ".refresh.lock"
            and ".dbt" not in p.parts and ".dagster" not in p.parts}


@pytest.fixture
def settled_home(refreshed: Refreshed, district: Path, tmp_path: Path) -> Path:
    """A refreshed home (its live warehouse) with a new exchange file waiting in the inbox."""
    home = tmp_path / "home"
    shutil.copytree(refreshed.home, home)
    new = sorted((district / "exchange" / "inbox").glob("tax_revenue_*.csv"))[-1]
    # a file the live warehouse does not hold (the same bytes again would be settled at once as a duplicate)
    (home / "exchange" / "inbox" / new.name.replace("2025", "2026")).write_bytes(new.read_bytes() + b"\n")
    return home


def test_a_failing_refresh_changes_nothing(settled_home: Path, dagster_defs: dg.Definitions,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = _fingerprint(settled_home)
    monkeypatch.setenv("FISCAL_HOME", str(settled_home))
    monkeypatch.setenv("FISCAL_CORE_URL", f"sqlite:///{settled_home / 'no-such-core.sqlite3'}")
    result = dagster_defs.resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
    assert not result.success
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failed in (["core_extract"], ["warehouse__build"])   # the cheap "anything new?" check reads the core first
    assert _fingerprint(settled_home) == before      # live warehouse, inbox as they were; no build file left


def test_a_refresh_while_another_runs_is_refused(settled_home: Path, dagster_defs: dg.Definitions,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    before = _fingerprint(settled_home)
    monkeypatch.setenv("FISCAL_HOME", str(settled_home))
    with refresh_lock(settled_home / "warehouse.duckdb"):          # e.g. `fiscal refresh` from a terminal
        result = dagster_defs.resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
    assert not result.success
    (init,) = [e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    assert "另一个刷新正在进行" in init.event_specific_data.error.message  # type: ignore[union-attr]
    assert not [e for e in result.all_events if e.event_type_value == "STEP_START"]
    assert _fingerprint(settled_home) == before
