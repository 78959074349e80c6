"""Benchmark: the monitoring rules scored against the simulator's planted cases, on two seeds (issue 7;
issue 14: seeds 11 and 13, which the simulator's ordinary behaviour was not tuned on — that was seed 9).

For each seed: ``fiscal simulate`` into a fresh FISCAL_HOME (the real-time rules run inside the core as the
district's payments are submitted), ``fiscal refresh`` (the scheduled rules run in dbt into
``marts.fct_warning``), then the score (``benchmarks.scoring``; ``python -m benchmarks.monitoring_score --home H``
scores one existing home). The thresholds are the catalogue's defaults (
docs/standard/monitoring.md), the same for every seed. Results: ``benchmarks/results/monitoring_score.json`` and ``.md``.

Run: ``.venv/bin/python -m benchmarks.monitoring_score`` (defaults below; ``--keep`` leaves the homes).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from fiscal_app.settings import Settings
from fiscal_core.adapters.db import Database

from .scoring import render_markdown, score, to_json

RESULTS = Path(__file__).with_name("results")
ROOT = Path(__file__).resolve().parents[1]
# the checkout this file is in (not whatever the venv's console script points at)
FISCAL = [sys.executable, "-m", "fiscal_app.cli"]


def _run(args: list[str], home: Path) -> float:
    env = dict(os.environ, FISCAL_HOME=str(home), PYTHONPATH=str(ROOT))
    env.pop("FISCAL_CORE_URL", None)
    env.pop("FISCAL_WAREHOUSE_PATH", None)
    started = time.perf_counter()
    proc = subprocess.run([*FISCAL, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"fiscal {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


def run_seed(seed: int, opts: argparse.Namespace, root: Path) -> dict[str, Any]:
    home = root / f"seed{seed}"
    sim = ["simulate", "--scale", str(opts.scale), "--years", str(opts.years), "--seed", str(seed),
           "--as-of", opts.as_of, "--irregularity", str(opts.irregularity)]
    t_sim = _run(sim, home)
    t_ref = _run(["refresh"], home)
    started = time.perf_counter()
    res = score_home(Settings.for_home(home))
    t_score = time.perf_counter() - started
    print(f"seed {seed}: simulate {t_sim:.0f} s, refresh {t_ref:.0f} s, score {t_score:.0f} s", flush=True)
    return {"label": f"seed {seed}", "command": "fiscal " + " ".join(sim) + " && fiscal refresh && score",
            "seconds": {"simulate": round(t_sim, 1), "refresh": round(t_ref, 1), "score": round(t_score, 1)},
            "score": res}


def score_home(settings: Settings) -> dict[str, Any]:
    """The score of one simulated and refreshed home (its core, planted cases and warehouse)."""
    if not settings.warehouse.exists() or not settings.ground_truth.exists():
        raise SystemExit("需要模拟区的核心、植入案例和数据仓库：先运行 fiscal simulate 和 fiscal refresh (needs a simulated "
                         "core, its planted cases and the warehouse: run fiscal simulate and fiscal refresh)")
    db = Database(settings.core_url)
    try:
        return score(settings.ground_truth, db, settings.warehouse)
    finally:
        db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    # the simulator's ordinary behaviour was tuned on seed 9; the reported seeds are ones it was not tuned on
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 13])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--as-of", dest="as_of", default="2026-01-10")
    ap.add_argument("--irregularity", type=float, default=5.0)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--home", default=None, help="score this simulated and refreshed FISCAL_HOME only")
    opts = ap.parse_args()
    if opts.home:
        home = Settings.for_home(Path(opts.home))
        doc: dict[str, Any] = {"runs": [{"label": str(home.home), "command": "score", "score": score_home(home)}]}
        out = Path(opts.out) if opts.out != str(RESULTS) else home.monitoring
        out.mkdir(parents=True, exist_ok=True)
        (out / "monitoring_score.json").write_text(to_json(doc), encoding="utf-8")
        (out / "monitoring_score.md").write_text(render_markdown(doc), encoding="utf-8")
        print(render_markdown(doc))
        return
    root = Path(tempfile.mkdtemp(prefix="fiscal-monitor-score-"))
    try:
        runs = [run_seed(seed, opts, root) for seed in opts.seeds]
    finally:
        if not opts.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"homes kept in {root}")
    doc = {"measured_at": date.today().isoformat(), "machine": f"{platform.machine()} {os.cpu_count()} cores",
           "settings": {"scale": opts.scale, "years": opts.years, "as_of": opts.as_of,
                        "irregularity": opts.irregularity, "thresholds": "catalogue defaults (docs/standard/monitoring.md)"},
           "runs": runs}
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "monitoring_score.json").write_text(to_json(doc), encoding="utf-8")
    (out / "monitoring_score.md").write_text(render_markdown(doc), encoding="utf-8")
    print(render_markdown(doc))


if __name__ == "__main__":
    main()
