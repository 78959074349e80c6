"""Benchmark: ``fiscal refresh`` with nothing new, with one new day, and full (issue 13 item 1; issue 5 before).

Needs, per scale, two simulated homes of the same district and seed, one ending a day before the other
(``fiscal simulate --as-of D-1`` and ``--as-of D``): the simulator is deterministic day by day, and the harness
checks it — the journal hash at the earlier home's tip must be the same in the later one.

Set up once per scale (not timed): the earlier home refreshed in full (``base``); a copy of the later home (with
the earlier home's last-day files, so both received the same files) for the full rebuilds.

Then, in rounds that interleave the three cases (so a busy moment on the machine falls on all of them):

- **nothing new**: ``fiscal refresh`` on ``base`` (it must say nothing new and leave the warehouse file alone);
- **one new day**: a fresh copy of ``base`` whose core is replaced by the later core and whose inbox gets the
  day's new exchange files, then ``fiscal refresh``;
- **full**: ``fiscal refresh --full`` on the later home.

Each is the real command in its own process: wall time, user+system CPU and peak RSS of that process (wait4),
with the 1-minute load average just before. Medians over the rounds. The first one-new-day warehouse is then
compared with the full rebuild's, mart by mart (row count and money sums, then a symmetric EXCEPT ALL on every
mart): they must be equal row for row. Results: ``benchmarks/results/refresh.json`` (one row per label).

Run: ``.venv/bin/python -m benchmarks.refresh --label sf1 --simulate 1 --work DIR [--as-of 2025-07-01] [--rounds 3]``
(simulates once to the first of a month and snapshots the core and inbox as that day starts: the day before),
or with two homes: ``--prev HOME_D-1 --cur HOME_D``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from ingest.compare import table_differences, table_fingerprints

RESULTS = Path(__file__).with_name("results") / "refresh.json"
FISCAL = Path(sys.executable).with_name("fiscal")


def _copy_core_and_exchange(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True)
    for name in ("core.sqlite3", "core.sqlite3-wal"):
        if (src / name).exists():
            shutil.copy2(src / name, dst / name)
    shutil.copytree(src / "exchange", dst / "exchange")


def _copy_home(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".refresh.lock", ".warehouse.build.duckdb*",
                                                            "core.sqlite3-shm"))


def _refresh(home: Path, *, full: bool = False) -> dict[str, Any]:
    """``fiscal refresh [--full]`` in its own process: wall, CPU, peak RSS, and what it did."""
    load = os.getloadavg()[0]
    run_results = home / ".dbt" / "target" / "run_results.json"
    before = run_results.stat().st_mtime_ns if run_results.exists() else None
    log = home / "refresh.bench.log"
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(FISCAL), "refresh", *(["--full"] if full else [])],
                                env=os.environ | {"FISCAL_HOME": str(home), "FISCAL_LANG": "en"},
                                stdout=fh, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)       # the child's own CPU time and peak RSS
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"fiscal refresh failed in {home}:\n{out[-4000:]}")
    nodes = 0
    if run_results.exists() and run_results.stat().st_mtime_ns != before:
        nodes = len(json.loads(run_results.read_text(encoding="utf-8")).get("results", []))
    row: dict[str, Any] = {"seconds": round(wall, 2), "nothing_new": "nothing new" in out, "dbt_nodes": nodes,
                           "load_avg_1m": round(load, 2)}
    row |= {"cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
    row["last_line"] = next((ln for ln in reversed(out.splitlines()) if ln.startswith(("done", "nothing new"))), "")
    steps = next((ln for ln in out.splitlines() if ln.strip().startswith("step seconds:")), "")
    row["steps"] = {k: float(v) for k, v in (p.rsplit(" ", 1) for p in steps.split(":", 1)[1].split(", "))} \
        if steps else {}
    return row


def _tip(core: Path, seq: int | None = None) -> tuple[int, str]:
    with sqlite3.connect(f"file:{core}?mode=ro", uri=True) as c:
        if seq is None:
            row = c.execute("select seq, hash from journal order by seq desc limit 1").fetchone()
        else:
            row = c.execute("select seq, hash from journal where seq = ?", (seq,)).fetchone()
    return int(row[0]), str(row[1])


def _grow(home: Path, cur: Path, prev_inbox: set[str]) -> int:
    """Bring a copy of the earlier home to the later day: its core, and the day's new exchange files."""
    for f in home.glob("core.sqlite3*"):
        f.unlink()
    for name in ("core.sqlite3", "core.sqlite3-wal"):
        if (cur / name).exists():
            shutil.copy2(cur / name, home / name)
    new = sorted(p for p in (cur / "exchange" / "inbox").iterdir() if p.name not in prev_inbox)
    for p in new:
        shutil.copy2(p, home / "exchange" / "inbox" / p.name)
    return len(new)


def simulate_pair(scale: float, seed: int, as_of: date, dst: Path) -> tuple[Path, Path]:
    """One simulation to ``as_of`` (the first of a month), with the core and inbox copied as that day starts
    (the simulator reports each month between committed days): the earlier home is the same district one day
    before, by construction (two simulations to consecutive as-of dates need not share their history)."""
    from demo_district import SimConfig, simulate
    from fiscal_app.settings import Settings

    if as_of.day != 1:
        raise SystemExit("--as-of must be the first of a month (the snapshot is taken as the month starts)")
    prev, cur = dst / "prev", dst / "cur"
    if (prev / "done").exists() and (cur / "done").exists():
        return prev, cur
    shutil.rmtree(dst, ignore_errors=True)
    cur.mkdir(parents=True)
    marker = f"{as_of:%Y-%m}："

    def log(msg: str) -> None:
        if marker in msg and not prev.exists():
            (prev / "exchange").mkdir(parents=True)
            shutil.copytree(cur / "exchange" / "inbox", prev / "exchange" / "inbox")
            src, out = sqlite3.connect(cur / "core.sqlite3"), sqlite3.connect(prev / "core.sqlite3")
            with out:
                src.backup(out)
            src.close()
            out.close()

    s = Settings.for_home(cur)
    t0 = time.perf_counter()
    simulate(s.core_url, s.home, SimConfig(scale=scale, years=1, seed=seed, as_of=as_of), log=log)
    print(f"simulated scale {scale} to {as_of} in {time.perf_counter() - t0:.0f} s", flush=True)
    if not prev.exists():
        raise SystemExit(f"the simulator did not report “{marker}…”: no snapshot of the day before")
    (prev / "done").touch()
    (cur / "done").touch()
    return prev, cur


def _median(rows: list[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(vals), 2) if vals else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--prev", type=Path, help="home simulated to D-1")
    ap.add_argument("--cur", type=Path, help="home simulated to D (same scale and seed)")
    ap.add_argument("--simulate", type=float, metavar="SCALE",
                    help="instead of --prev/--cur: simulate SCALE (1 year, --seed) to --as-of, snapshot the day before")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 7, 1))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a new temporary one)")
    opts = ap.parse_args()
    if opts.simulate is not None:
        if opts.work is None:
            raise SystemExit("--simulate needs --work (the simulated homes are kept there for the next run)")
        opts.prev, opts.cur = simulate_pair(opts.simulate, opts.seed, opts.as_of, opts.work / "sim")
    elif opts.prev is None or opts.cur is None:
        raise SystemExit("give --prev and --cur, or --simulate SCALE")
    prev_tip = _tip(opts.prev / "core.sqlite3")
    if _tip(opts.cur / "core.sqlite3", prev_tip[0]) != prev_tip:
        raise SystemExit("the two homes do not share their history (journal hash differs at the earlier tip)")
    cur_tip = _tip(opts.cur / "core.sqlite3")
    work = opts.work or Path(tempfile.mkdtemp(prefix=f"fiscal-refresh-{opts.label}-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        base, full_home = work / "base", work / "full"
        for h in (base, full_home):
            shutil.rmtree(h, ignore_errors=True)
        _copy_core_and_exchange(opts.prev, base)
        _copy_core_and_exchange(opts.cur, full_home)
        prev_inbox = {p.name for p in (opts.prev / "exchange" / "inbox").iterdir()}
        # the two homes must have received the same files: the earlier run's last-day files (its HR roster
        # export, named by its as-of date) reach the one-new-day home, so they reach the full one too
        cur_inbox = {p.name for p in (opts.cur / "exchange" / "inbox").iterdir()}
        for p in (opts.prev / "exchange" / "inbox").iterdir():
            if p.name not in cur_inbox:
                shutil.copy2(p, full_home / "exchange" / "inbox" / p.name)
        print(f"[{opts.label}] base: full refresh of the earlier home (not timed) …", flush=True)
        setup = _refresh(base, full=True)
        # one deployment, one person key (the first refresh made it): the full rebuild pseudonymises with it too
        shutil.copytree(base / "secrets", full_home / "secrets", dirs_exist_ok=True)
        print(f"  {setup}", flush=True)
        cases: dict[str, list[dict[str, Any]]] = {"nothing_new": [], "one_new_day": [], "full": []}
        # the one-new-day refresh runs in the base home itself, restored before each round: a copy elsewhere would
        # change dbt's profile (the build file's path) and cost it its partial parse, which a real home keeps
        pristine = work / "pristine"
        shutil.rmtree(pristine, ignore_errors=True)
        _copy_home(base, pristine)
        first_inc = work / "one_new_day.duckdb"
        new_files = 0
        for i in range(opts.rounds):
            shutil.rmtree(base)
            _copy_home(pristine, base)
            live = base / "warehouse.duckdb"
            st = live.stat()
            r = _refresh(base)
            r["warehouse_untouched"] = (live.stat().st_ino, live.stat().st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
            cases["nothing_new"].append(r)
            print(f"[{opts.label}] round {i + 1} nothing new: {r}", flush=True)

            new_files = _grow(base, opts.cur, prev_inbox)
            r = _refresh(base)
            cases["one_new_day"].append(r)
            print(f"[{opts.label}] round {i + 1} one new day ({cur_tip[0] - prev_tip[0]:,} journal rows, "
                  f"{new_files} files): {r}", flush=True)
            if i == 0:
                shutil.copy2(live, first_inc)

            r = _refresh(full_home, full=True)
            cases["full"].append(r)
            print(f"[{opts.label}] round {i + 1} full: {r}", flush=True)
        a, b = first_inc, full_home / "warehouse.duckdb"
        fa, fb = table_fingerprints(a), table_fingerprints(b)
        marts = sorted(fb)
        diffs = table_differences(a, b, marts) if fa == fb else {}
        same = fa == fb and not any(diffs.values())
        row = {"label": opts.label, "journal_rows": cur_tip[0], "new_journal_rows": cur_tip[0] - prev_tip[0],
               "new_exchange_files": new_files, "rounds": opts.rounds,
               "core_db_mb": round((opts.cur / "core.sqlite3").stat().st_size / 2**20, 1),
               "warehouse_mb": round(b.stat().st_size / 2**20, 1),
               "median_seconds": {k: _median(v, "seconds") for k, v in cases.items()},
               "median_cpu_seconds": {k: _median(v, "cpu_seconds") for k, v in cases.items()},
               "median_peak_rss_mb": {k: _median(v, "peak_rss_mb") for k, v in cases.items()},
               "runs": cases, "incremental_equals_full": same,
               "marts_compared": len(marts), "load_avg_1m_end": round(os.getloadavg()[0], 2)}
        print(json.dumps({k: v for k, v in row.items() if k != "runs"}, ensure_ascii=False), flush=True)
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"rows": []}
        results["rows"] = [r for r in results["rows"] if r.get("label") != opts.label] + [row]
        results["measured_at"] = date.today().isoformat()
        results["machine"] = f"{platform.machine()} {os.cpu_count()} cores"
        results["command"] = "python -m benchmarks.refresh --label L --prev HOME_D-1 --cur HOME_D --rounds N"
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        if not same:
            diff = {k: (fa.get(k), fb.get(k)) for k in set(fa) | set(fb) if fa.get(k) != fb.get(k)}
            raise SystemExit(f"the one-new-day warehouse differs from the full rebuild: {diff or diffs}")
    finally:
        if opts.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
