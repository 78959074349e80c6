"""Benchmark: controlled payment applications per second (issue 2).

Measures, on SQLite and PostgreSQL, single writer and 8 concurrent writer processes, one transaction
per application and batched 100 per transaction:

- ``service``: ``SubmitPayment`` through the service layer (all hard checks, idempotency key, ledger entry,
  journal event with its hash);
- ``raw``: the same reads and writes per application in hand-written SQLAlchemy Core with no domain layer
  (indicator balance read under lock, application insert, balance update, journal head read, journal
  insert with its sha256 hash, head update);
- ``plain``: one plain INSERT per transaction, for scale;
- ``service_norules``: ``service`` with the real-time monitoring rules switched off for the district
  (``mon.ALL.enabled = 0``), so that ``service / service_norules`` is what the rules cost (issue 7: they must
  not halve the throughput).

Run: ``.venv/bin/python -m benchmarks.core_payments`` (``--quick`` for a short run). Results go to
``benchmarks/results/core_payments.json`` and a table on stdout. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import shutil
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from devtools.pgserver import TempPostgres
from fiscal_app.settings import Settings
from fiscal_core.adapters import tables as t
from fiscal_core.adapters.db import Database
from fiscal_core.adapters.journal_store import JournalStore
from fiscal_core.adapters.rawsql import RawSql, insert_sql
from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError
from fiscal_core.service_layer.core import Core, init_schema

RESULTS = Path(__file__).with_name("results") / "core_payments.json"
INDICATORS = 64
AMOUNT = 1_00


# -- setup ------------------------------------------------------------------------------------------------
def build_district(url: str) -> list[dict[str, Any]]:
    """A district with many funded indicators; returns SubmitPayment argument dicts, one per indicator."""
    from tests.support import World

    db = Database(url)
    init_schema(db)
    world = World(Core(db))
    args = []
    for i in range(INDICATORS):
        agency = "101001" if i % 2 else "101002"
        _, bgt = world.funded(10**12, agency=agency)
        cmd = world.pay_cmd(bgt, AMOUNT)
        args.append({f: getattr(cmd, f) for f in cmd.__dataclass_fields__})
    with db.write() as conn:
        conn.execute(text("CREATE TABLE bench_plain (id VARCHAR(38) PRIMARY KEY, amt BIGINT NOT NULL, "
                          "created_at VARCHAR(40) NOT NULL)"))
        conn.commit()
    db.dispose()
    return args


# -- the three workloads ----------------------------------------------------------------------------------
def run_service(db: Database, args: list[dict[str, Any]], n: int, batch: int, tag: str) -> int:
    core = Core(db)
    cmds = [replace(c.SubmitPayment(**args[i % len(args)]), idem_key=f"{tag}-{i}") for i in range(n)]
    ok = 0
    if batch == 1:
        for cmd in cmds:
            core.handle(cmd)
            ok += 1
    else:
        for k in range(0, n, batch):
            res = core.handle_batch(cmds[k:k + batch])
            ok += sum(1 for r in res if not isinstance(r, DomainError))
    return ok


_SEL = ("SELECT amount, dis_amt, frozen_amt, plan_amt, inflight_amt, paid_amt FROM ba_bgt_info "
        "WHERE bgt_id = :b")
_UPD = "UPDATE ba_bgt_info SET inflight_amt = inflight_amt + :a WHERE bgt_id = :b"
_PV_COLS = [col.name for col in t.pay_voucher.c]
_PV_INSERT = insert_sql("pay_voucher", _PV_COLS)


def _raw_one(raw: RawSql, pg: bool, a: dict[str, Any], i: int, tag: str, now: datetime) -> None:
    """The four things a controlled application must do, with nothing else: balance read under lock,
    application insert, balance update, journal insert chained to the previous row (its hash read)."""
    lock = " FOR UPDATE" if pg else ""
    bal = raw.one(_SEL + lock, {"b": a["bgt_id"]})
    assert bal is not None
    if bal[0] - sum(bal[1:]) < AMOUNT:
        raise RuntimeError("balance")
    app_id = str(uuid.uuid4())
    row = dict.fromkeys(_PV_COLS) | {
        "pay_app_id": app_id, "pay_app_no": f"{tag}{i:09d}", "fiscal_year": 2026, "mof_div_code": "320509000",
        "create_date": a["create_date"], "agency_code": a["agency_code"], "dept_code": "101", "bgt_id": a["bgt_id"],
        "pro_code": a["pro_code"], "pro_cat_code": "31", "fund_type_code": a["fund_type_code"],
        "exp_func_code": a["exp_func_code"], "gov_bgt_eco_code": a["gov_bgt_eco_code"],
        "dep_bgt_eco_code": a["dep_bgt_eco_code"], "pay_type_code": "4", "set_mode_code": "1",
        "fund_traobj_type_code": "2", "pay_app_amt": AMOUNT, "xpay_amt": 0, "refund_amt": 0, "pay_acct_name": "",
        "pay_acct_no": "", "pay_acct_bank_name": "", "payee_acct_name": a["payee_acct_name"],
        "payee_acct_no": a["payee_acct_no"], "payee_acct_bank_name": a["payee_acct_bank_name"],
        "use_des": a["use_des"], "status": "submitted", "idem_key": f"{tag}-{i}", "create_time": now,
        "update_time": now}
    raw.execute(_PV_INSERT, row)
    raw.execute(_UPD, {"b": a["bgt_id"], "a": AMOUNT})
    # the journal row through the core's own store (the 区划's hash chain, its tip locked), not re-typed here
    JournalStore(raw, {}, set()).append([{
        "chain": "320509000", "occurred_at": now.isoformat(), "actor": "bench", "actor_role": "unit_clerk",
        "action": "payment.submit", "object_type": "pay_voucher", "object_id": app_id, "before_json": "{}",
        "after_json": json.dumps({"bgt_id": a["bgt_id"], "pay_app_amt": AMOUNT}, sort_keys=True),
        "opinion": ""}])


def run_raw(db: Database, args: list[dict[str, Any]], n: int, batch: int, tag: str) -> int:
    now = datetime.now()
    for k in range(0, n, batch):
        with db.write() as conn:
            raw = RawSql(conn, db.is_postgres)
            for i in range(k, min(n, k + batch)):
                _raw_one(raw, db.is_postgres, args[i % len(args)], i, tag, now)
            conn.commit()
    return n


def run_plain(db: Database, args: list[dict[str, Any]], n: int, batch: int, tag: str) -> int:
    stmt = text("INSERT INTO bench_plain (id, amt, created_at) VALUES (:i, :a, :c)")
    for k in range(0, n, batch):
        with db.write() as conn:
            for i in range(k, min(n, k + batch)):
                conn.execute(stmt, {"i": f"{tag}-{i}", "a": AMOUNT, "c": "2026-03-10"})
            conn.commit()
    return n


WORKLOADS = {"service": run_service, "service_norules": run_service, "raw": run_raw, "plain": run_plain}


def set_screening(url: str, on: bool) -> None:
    """Real-time monitoring rules on or off for the district (``mon.ALL.enabled``), to measure their cost."""
    db = Database(url)
    Core(db).handle(c.SetMonitorParam("320509000", "ALL", "enabled", "1" if on else "0"))
    db.dispose()


def _worker(url: str, workload: str, args: list[dict[str, Any]], n: int, batch: int, tag: str,
            barrier: Any) -> tuple[float, float, int]:
    db = Database(url)
    fn = WORKLOADS[workload]
    fn(db, args, min(20, n), 1, f"{tag}-warm")     # warm connections, caches, code-set load
    if barrier is not None:
        barrier.wait()
    start = time.perf_counter()
    done = fn(db, args, n, batch, tag)
    end = time.perf_counter()
    db.dispose()
    return start, end, done


def measure(url: str, workload: str, args: list[dict[str, Any]], writers: int, n_per_writer: int,
            batch: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    if workload.startswith("service"):
        set_screening(url, workload == "service")
    if writers == 1:
        start, end, done = _worker(url, workload, args, n_per_writer, batch, tag, None)
        wall = end - start
    else:
        ctx = mp.get_context("spawn")
        with ctx.Manager() as mgr:
            barrier = mgr.Barrier(writers)
            with ctx.Pool(writers) as pool:
                res = pool.starmap(_worker, [(url, workload, args[w::writers] or args, n_per_writer, batch,
                                              f"{tag}w{w}", barrier) for w in range(writers)])
        wall = max(e for _, e, _ in res) - min(s for s, _, _ in res)
        done = sum(d for _, _, d in res)
    return {"workload": workload, "writers": writers, "batch": batch, "n": done, "seconds": round(wall, 3),
            "per_second": round(done / wall, 1)}


def run_backend(name: str, url: str, quick: bool, repeats: int) -> list[dict[str, Any]]:
    """Each configuration ``repeats`` times, the workloads interleaved so that they meet the same
    machine conditions (this VM's speed drifts by tens of percent); the median run is reported."""
    args = build_district(url)
    n1 = 1000 if quick else 3000
    n8 = 250 if quick else 500
    rows = []
    for writers, n in ((1, n1), (8, n8)):
        for batch in (1, 100):
            runs: dict[str, list[dict[str, Any]]] = {w: [] for w in WORKLOADS}
            for _ in range(repeats):
                for workload in WORKLOADS:
                    runs[workload].append(measure(url, workload, args, writers, n, batch))
            for workload, rs in runs.items():
                rs.sort(key=lambda r: r["per_second"])
                r = rs[len(rs) // 2] | {"backend": name, "runs_per_second": [x["per_second"] for x in rs]}
                print(f"{name:8} {workload:8} writers={writers} batch={batch:3}  {r['per_second']:>9,.0f}/s "
                      f"(median of {repeats}: {r['runs_per_second']})", flush=True)
                rows.append(r)
    db = Database(url)
    core = Core(db)
    assert core.verify_journal().ok, "journal chain broken by the benchmark"
    db.dispose()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=None, help="results file (default results/core_payments.json; quick runs too "
                                                "when given)")
    opts = ap.parse_args()
    rows: list[dict[str, Any]] = []
    if opts.backend in ("sqlite", "both"):
        tmp = Path(tempfile.mkdtemp(prefix="fiscal-bench-"))
        try:
            rows += run_backend("sqlite", Settings(home=tmp, core_url=f"sqlite:///{tmp / 'core.sqlite3'}").core_url,
                                opts.quick, opts.repeats)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if opts.backend in ("postgres", "both"):
        with TempPostgres() as pg:   # PostgreSQL defaults: fsync and synchronous_commit on
            pg.admin("CREATE DATABASE bench")
            rows += run_backend("postgres", pg.url("bench"), opts.quick, opts.repeats)
    summary = {}
    for r in rows:
        if r["workload"] == "service":
            raw = next(x for x in rows if x["workload"] == "raw" and all(
                x[k] == r[k] for k in ("backend", "writers", "batch")))
            summary[f"{r['backend']}/w{r['writers']}/b{r['batch']}"] = round(r["per_second"] / raw["per_second"], 2)
    rules_cost = {}
    for r in rows:
        if r["workload"] == "service":
            off = next(x for x in rows if x["workload"] == "service_norules" and all(
                x[k] == r[k] for k in ("backend", "writers", "batch")))
            rules_cost[f"{r['backend']}/w{r['writers']}/b{r['batch']}"] = round(r["per_second"] / off["per_second"], 2)
    out = {"measured_at": date.today().isoformat(), "machine": f"{platform.machine()} {os.cpu_count()} cores",
           "python": platform.python_version(), "quick": opts.quick, "repeats": opts.repeats, "rows": rows,
           "service_over_raw": summary, "rules_on_over_off": rules_cost}
    if opts.out or not opts.quick:
        Path(opts.out or RESULTS).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print("service / raw:", summary)
    print("service with real-time rules / without:", rules_cost)


if __name__ == "__main__":
    main()
