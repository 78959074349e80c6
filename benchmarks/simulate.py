"""Benchmark: wall time and peak memory of ``fiscal simulate`` (issue 4).

Each scale runs in a fresh process and a fresh FISCAL_HOME; peak memory is the child's maximum
resident set size. Results go to ``benchmarks/results/simulate.json``.

Run: ``.venv/bin/python -m benchmarks.simulate --scales 0.1 1`` (add 10 if you have the time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).with_name("results") / "simulate.json"


def run(scale: float, years: int, as_of: str) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix=f"fiscal-sim-{scale}-"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run([str(Path(sys.executable).with_name("fiscal")), "simulate", "--scale", str(scale),
                          "--years", str(years), "--as-of", as_of],
                         env=os.environ | {"FISCAL_HOME": str(home)}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = out.stdout.strip().splitlines()
    row = {"scale": scale, "years": years, "as_of": as_of, "seconds": round(seconds, 1),
           "peak_rss_mb": round(max(peak_kb, before) / 1024, 1), "exit": out.returncode,
           "core_db_mb": round((home / "core.sqlite3").stat().st_size / 2**20, 1)
           if (home / "core.sqlite3").exists() else None,
           "profile": [ln for ln in lines if ln.startswith(("部门", "  20", "  植入", "  日志"))]}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--as-of", default="2026-11-27")
    opts = ap.parse_args()
    rows = [run(s, opts.years, opts.as_of) for s in opts.scales]
    RESULTS.write_text(json.dumps({"measured_at": date.today().isoformat(),
                                   "machine": f"{platform.machine()} {os.cpu_count()} cores",
                                   "rows": rows}, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
