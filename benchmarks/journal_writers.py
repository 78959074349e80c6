"""Benchmark: the journal's chains per 区划 under concurrent writers (issue 13 item 3).

Every write appends to its 区划's hash chain under that chain's tip lock (and takes the 区划's numbering
counter), so writers in different 区划 do not wait for each other, while writers in one 区划 still do. On
PostgreSQL (defaults: fsync and synchronous commit on) this measures ``SubmitPayment`` through the service
layer, one application per transaction, in three configurations:

- 1 writer in 1 区划 (the baseline);
- 8 writers in 1 区划 (one chain, one counter: the old single-chain behaviour, for comparison);
- 8 writers in 8 区划 (a chain and a counter each).

Each writer has its own indicator, so indicator locks never collide and what is left is the journal and the
numbering. The configurations are interleaved ``--repeats`` times (this VM's speed drifts) and the median
reported. Afterwards the journal must verify (every chain and the cross-anchors) and the ledger must balance.

Target: 8 writers in 8 区划 at least 1.5 × one writer.

Run: ``.venv/bin/python -m benchmarks.journal_writers`` (``--quick`` for a short run). Results go to
``benchmarks/results/journal_writers.json`` and a table on stdout. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.core_payments import measure
from devtools.pgserver import TempPostgres
from fiscal_core.adapters.db import Database
from fiscal_core.service_layer.core import Core, init_schema

RESULTS = Path(__file__).with_name("results") / "journal_writers.json"
WRITERS = 8
FUNDS = 10**12          # fen per indicator: no writer ever runs out


def _args(cmd: Any) -> dict[str, Any]:
    return {f: getattr(cmd, f) for f in cmd.__dataclass_fields__}


def build(url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The test district plus 8 more 区划; returns SubmitPayment argument dicts for 8 indicators in the home
    区划 and for one indicator in each of the 8 others."""
    from tests.support import World

    db = Database(url)
    init_schema(db)
    world = World(Core(db))
    one = [_args(world.pay_cmd(world.funded(FUNDS, agency="101001" if i % 2 else "101002")[1], 1_00))
           for i in range(WRITERS)]
    eight = []
    for i in range(WRITERS):
        _div, unit = world.add_division(40 + i)
        eight.append(_args(world.pay_cmd(world.funded(FUNDS, agency=unit)[1], 1_00)))
    db.dispose()
    return one, eight


def check(url: str) -> dict[str, Any]:
    """The journal verifies (all chains, the anchors) and every indicator's ledger balances (no overspend)."""
    db = Database(url)
    core = Core(db)
    try:
        core.anchor_journal()
        report = core.verify_journal()
        assert report.ok, f"journal broken by the benchmark: {report.breaks}"
        assert core.check_ledger() == [], "an indicator's ledger does not balance after the benchmark"
        return {"journal_rows": report.rows, "chains": len(report.chains)}
    finally:
        db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=None)
    opts = ap.parse_args()
    n1, n8 = (1000, 150) if opts.quick else (3000, 500)
    load = os.getloadavg()[0]
    runs: dict[str, list[dict[str, Any]]] = {"1w1d": [], "8w1d": [], "8w8d": []}
    with TempPostgres() as pg:
        pg.admin("CREATE DATABASE bench")
        url = pg.url("bench")
        one, eight = build(url)
        for _ in range(opts.repeats):
            runs["1w1d"].append(measure(url, "service", one, 1, n1, 1))
            runs["8w1d"].append(measure(url, "service", one, WRITERS, n8, 1))
            runs["8w8d"].append(measure(url, "service", eight, WRITERS, n8, 1))
            print("  ".join(f"{k} {v[-1]['per_second']:,.0f}/s" for k, v in runs.items()), flush=True)
        after = check(url)
    rows = []
    for key, rs in runs.items():
        rs.sort(key=lambda r: r["per_second"])
        rows.append(rs[len(rs) // 2] | {"config": key, "divisions": 8 if key.endswith("8d") else 1,
                                        "runs_per_second": [r["per_second"] for r in rs]})
    base = rows[0]["per_second"]
    ratios = {r["config"]: round(r["per_second"] / base, 2) for r in rows}
    out = {"measured_at": date.today().isoformat(), "machine": f"{platform.machine()} {os.cpu_count()} cores",
           "python": platform.python_version(), "backend": "postgres", "quick": opts.quick,
           "repeats": opts.repeats, "load_average_at_start": round(load, 2), "rows": rows,
           "ratio_to_one_writer": ratios, "after": after}
    if opts.out or not opts.quick:
        Path(opts.out or RESULTS).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print("| writers | 区划 | applications/s (median) | × one writer |")
    for r in rows:
        print(f"| {r['writers']} | {r['divisions']} | {r['per_second']:,.0f} | {ratios[r['config']]:.2f} |")
    print(f"journal: {after['journal_rows']:,} rows in {after['chains']} chains, verified; ledger balances")


if __name__ == "__main__":
    main()
