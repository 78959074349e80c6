"""Benchmark: ``fiscal refresh`` — full rebuild, and incremental with one new day (issue 5).

Needs two simulated homes of the same district and seed, one ending a day before the other
(``fiscal simulate --as-of D-1`` and ``--as-of D``): the simulator is deterministic day by day, and the
harness checks it — the journal hash at the earlier home's tip must be the same in the later one.

- full: a copy of the later home, ``fiscal refresh --full``;
- incremental: a copy of the earlier home is refreshed (not timed), then its core is replaced by the later
  core and the day's new exchange files are dropped into its inbox, and ``fiscal refresh`` is timed.

Each refresh runs in its own process (wall time and peak RSS of that process). Afterwards the two
warehouses' marts are compared (row counts and money totals per mart): the incremental one must equal
the full one. Results go to ``benchmarks/results/refresh.json``.

Run: ``.venv/bin/python -m benchmarks.refresh --label sf1 --prev HOME_D-1 --cur HOME_D``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from ingest.compare import table_fingerprints

RESULTS = Path(__file__).with_name("results") / "refresh.json"
CHILD = """
import json, resource, sys, time
from fiscal_app.settings import Settings
from ingest.pipeline import refresh
t = time.perf_counter()
rep = refresh(Settings.from_env(), full=sys.argv[1] == "full", progress=lambda m: print(m, file=sys.stderr, flush=True))
print(json.dumps({"seconds": round(time.perf_counter() - t, 1),
                  "steps": {k: round(v, 1) for k, v in rep.seconds.items()},
                  "core_rows": rep.extract.total() if rep.extract else 0,
                  "exchange": rep.exchange.summary() if rep.exchange else {},
                  "dbt_nodes": rep.dbt_nodes,
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def _copy_home(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True)
    for name in ("core.sqlite3", "core.sqlite3-wal", "core.sqlite3-shm"):
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
    shutil.copytree(src / "exchange", dst / "exchange")


def _refresh(home: Path, mode: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], env=os.environ | {"FISCAL_HOME": str(home)},
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"refresh failed in {home}:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _tip(core: Path, seq: int | None = None) -> tuple[int, str]:
    with sqlite3.connect(f"file:{core}?mode=ro", uri=True) as c:
        if seq is None:
            row = c.execute("select seq, hash from journal order by seq desc limit 1").fetchone()
        else:
            row = c.execute("select seq, hash from journal where seq = ?", (seq,)).fetchone()
    return int(row[0]), str(row[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--prev", type=Path, required=True, help="home simulated to D-1")
    ap.add_argument("--cur", type=Path, required=True, help="home simulated to D (same scale and seed)")
    opts = ap.parse_args()
    prev_tip = _tip(opts.prev / "core.sqlite3")
    if _tip(opts.cur / "core.sqlite3", prev_tip[0]) != prev_tip:
        raise SystemExit("the two homes do not share their history (journal hash differs at the earlier tip)")
    cur_tip = _tip(opts.cur / "core.sqlite3")
    work = Path(tempfile.mkdtemp(prefix=f"fiscal-refresh-{opts.label}-"))
    try:
        full_home, inc_home = work / "full", work / "inc"
        _copy_home(opts.cur, full_home)
        # the two homes must have received the same files: the earlier run's last-day files (its HR roster
        # export, named by its as-of date) reach the incremental home, so they reach the full one too
        cur_inbox = {p.name for p in (opts.cur / "exchange" / "inbox").iterdir()}
        for p in (opts.prev / "exchange" / "inbox").iterdir():
            if p.name not in cur_inbox:
                shutil.copy2(p, full_home / "exchange" / "inbox" / p.name)
        print(f"[{opts.label}] full rebuild …", flush=True)
        full = _refresh(full_home, "full")
        print(f"  {full}", flush=True)

        _copy_home(opts.prev, inc_home)
        prev_inbox = {p.name for p in (opts.prev / "exchange" / "inbox").iterdir()}
        print(f"[{opts.label}] preparing the incremental home (refresh to D-1, not timed) …", flush=True)
        base = _refresh(inc_home, "full")
        for name in ("core.sqlite3-wal", "core.sqlite3-shm"):
            (inc_home / name).unlink(missing_ok=True)
        shutil.copy2(opts.cur / "core.sqlite3", inc_home / "core.sqlite3")
        new_files = sorted(p for p in (opts.cur / "exchange" / "inbox").iterdir() if p.name not in prev_inbox)
        for p in new_files:
            shutil.copy2(p, inc_home / "exchange" / "inbox" / p.name)
        print(f"[{opts.label}] incremental: {cur_tip[0] - prev_tip[0]:,} new journal entries, "
              f"{len(new_files)} new exchange files …", flush=True)
        inc = _refresh(inc_home, "incremental")
        print(f"  {inc}", flush=True)
        same = table_fingerprints(full_home / "warehouse.duckdb") == table_fingerprints(inc_home / "warehouse.duckdb")
        row = {"label": opts.label, "journal_rows": cur_tip[0], "new_journal_rows": cur_tip[0] - prev_tip[0],
               "new_exchange_files": len(new_files),
               "core_db_mb": round((opts.cur / "core.sqlite3").stat().st_size / 2**20, 1),
               "warehouse_mb": round((full_home / "warehouse.duckdb").stat().st_size / 2**20, 1),
               "full": full, "incremental": inc, "base_refresh_seconds": base["seconds"],
               "incremental_equals_full": same, "load_avg_1m": round(os.getloadavg()[0], 2)}
        print(json.dumps(row, ensure_ascii=False), flush=True)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"rows": []}
        results["rows"] = [r for r in results["rows"] if r.get("label") != opts.label] + [row]
        results["measured_at"] = date.today().isoformat()
        results["machine"] = f"{platform.machine()} {os.cpu_count()} cores"
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        if not same:
            a, b = table_fingerprints(full_home / "warehouse.duckdb"), table_fingerprints(inc_home / "warehouse.duckdb")
            diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
            raise SystemExit(f"incremental warehouse differs from the full rebuild: {diff}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
