"""The inbox sensor, and settling the inbox against a live warehouse."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.defs.refresh.sensor import exchange_inbox_sensor
from ingest import person_key
from ingest.exchange import ingest_exchange
from ingest.inbox import inbox_state, settle_inbox


def _tree(home: Path) -> dict[str, bytes]:
    ex = home / "exchange"
    return {str(p.relative_to(ex)): p.read_bytes() for p in sorted(ex.rglob("*")) if p.is_file()}


def _inbox_with_troubles(district: Path, home: Path) -> None:
    """A few real files, the same file twice under two names, a file of no known feed, an empty file."""
    inbox = home / "exchange" / "inbox"
    inbox.mkdir(parents=True)
    files = sorted((district / "exchange" / "inbox").iterdir())
    for f in files[:3] + files[-3:]:
        shutil.copy(f, inbox / f.name)
    shutil.copy(files[0], inbox / ("copy_of_" + files[0].name))
    (inbox / "minutes_of_meeting.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (inbox / files[1].name.replace(".csv", "_empty.csv")).write_bytes(b"")


def test_settle_puts_every_file_where_ingest_recorded_it(district: Path, tmp_path: Path) -> None:
    b = tmp_path / "b"
    _inbox_with_troubles(district, b)
    con_b = duckdb.connect()
    ingest_exchange(b / "exchange", con_b, person_key=person_key.load(b))
    settled = settle_inbox(b / "exchange", con_b)
    recorded = con_b.execute("select arrival_no, feed, status, file_name, file_sha256 from raw.xch_file").fetchall()
    assert set(_tree(b)) == {
        (f"rejected/{a:06d}_{sha[:12]}_{n}" if st == "rejected" else f"archive/{feed}/{a:06d}_{sha[:12]}_{n}")
        for a, feed, st, n, sha in recorded} | {
        f"rejected/{a:06d}_{sha[:12]}_{n}.reason.txt" for a, _f, st, n, sha in recorded if st == "rejected"}
    assert settled.duplicates == ["copy_of_" + sorted((district / "exchange" / "inbox").iterdir())[0].name]
    assert len(settled.rejected) == 2 and settled.left == []
    assert not any((b / "exchange" / "inbox").iterdir())
    # settling again, or a file the warehouse has not seen, changes nothing
    (b / "exchange" / "inbox" / "late.csv").write_text("x\n", encoding="utf-8")
    before = _tree(b)
    assert settle_inbox(b / "exchange", con_b).left == ["late.csv"]
    assert _tree(b) == before


def test_inbox_state_waits_for_files_to_settle(tmp_path: Path) -> None:
    inbox = tmp_path / "exchange" / "inbox"
    assert inbox_state(tmp_path / "exchange").ready == ()
    inbox.mkdir(parents=True)
    f = inbox / "tax_revenue_20250501.csv"
    f.write_text("x\n", encoding="utf-8")
    (inbox / ".partial").write_text("hidden files are ignored", encoding="utf-8")
    now = time.time()
    assert inbox_state(tmp_path / "exchange", now=now).settling == (f.name,)
    later = inbox_state(tmp_path / "exchange", now=now + 60)
    assert later.ready == (f.name,) and later.signature
    f.write_text("x\ny\n", encoding="utf-8")
    assert inbox_state(tmp_path / "exchange", now=now + 60).signature != later.signature


def _age(path: Path, seconds: float = 120) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_sensor_requests_one_run_per_set_of_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path))
    inbox = tmp_path / "exchange" / "inbox"
    with dg.instance_for_test() as instance:
        def evaluate(cursor: str | None) -> dg.SensorResult | dg.SkipReason:
            return exchange_inbox_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))

        assert isinstance(evaluate(None), dg.SkipReason)                 # no inbox yet
        inbox.mkdir(parents=True)
        f = inbox / "bank_receipt_20250502.csv"
        f.write_text("x\n", encoding="utf-8")
        skip = evaluate(None)
        assert isinstance(skip, dg.SkipReason) and "正在写入" in (skip.skip_message or "")
        _age(f)
        first = evaluate(None)
        assert isinstance(first, dg.SensorResult) and len(first.run_requests or []) == 1
        assert isinstance(evaluate(first.cursor), dg.SkipReason)        # the same files: no second run
        g = inbox / "bank_receipt_20250503.csv"
        g.write_text("y\n", encoding="utf-8")
        _age(g)
        second = evaluate(first.cursor)
        assert isinstance(second, dg.SensorResult)
        assert second.run_requests[0].run_key != first.run_requests[0].run_key  # type: ignore[index]
        # while a refresh is under way, the sensor waits for it
        instance.add_run(dg.DagsterRun(job_name="refresh_job", run_id=str(uuid.uuid4()),
                                       status=dg.DagsterRunStatus.STARTED))
        busy = evaluate(first.cursor)
        assert isinstance(busy, dg.SkipReason) and "刷新正在进行" in (busy.skip_message or "")
