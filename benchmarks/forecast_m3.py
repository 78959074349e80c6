"""Benchmark: ``models_forecast`` on M3 monthly and on China's national fiscal revenue (issue 6).

M3 monthly: all 1,428 series, official 18-step hold-out, season 12. Reports sMAPE, MASE and OWA against Naive2 for
the final method (``models_forecast.forecast`` with its defaults) and for each single model, the hold-out coverage
of the 80 % and 95 % intervals, and the wall time. ``--dev`` holds out the last 18 months of the *training* data
instead (that is where the method's constants were set; the official hold-out was not used for tuning).

China national fiscal revenue (year-to-date cumulative, with gaps): for every year with a known December total
and every month-end origin February-November, the year-end total is estimated from the data up to the origin by
(a) the library forecasting the remaining monthly flows, (b) the average YTD share of the year-end total at that
month in the previous three known years, (c) last year's total times this year's YTD growth; the errors of the
year-end estimates are reported by origin month.

Run: ``.venv/bin/python -m benchmarks.forecast_m3 --jobs 2`` (``--limit 100`` for a quick look). Results go to
``benchmarks/results/forecast_m3.json`` and ``forecast_m3.md`` (``--limit`` runs write ``forecast_m3_limit.*``).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models_forecast import engine, forecast
from models_forecast.blas import single_threaded_blas
from models_forecast.models import MODELS, ModelFailure, make_context

DATA = Path(os.environ.get("FISCAL_SHARED_DATA", "/work/shared/data"))
RESULTS = Path(__file__).with_name("results")
H, M = 18, 12
#: Single models reported besides the final method's own pool (fitted once, at the forecast origin).
EXTRA_SINGLES = (
    "naive2",
    "snaive",
    "ses",
    "damped",
    "holt",
    "theta",
    "ets",
    "ets_damped",
    "arima",
    "sarima",
    "stl_ets",
)
CN_TRAIN_MONTHS = 120


# ------------------------------------------------------------------------------------------------------- M3


def load_m3(dev: bool, limit: int | None) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    train = pd.read_csv(DATA / "m3_monthly_train.csv")
    test = pd.read_csv(DATA / "m3_monthly_test.csv").set_index("series_id")
    out = []
    for row in train.itertuples(index=False):
        n = int(row.n)
        y = np.asarray([getattr(row, f"v{i}") for i in range(1, n + 1)], dtype=float)
        if dev:
            y, actual = y[:-H], y[-H:]
        else:
            actual = test.loc[row.series_id, [f"h{i}" for i in range(1, H + 1)]].to_numpy(dtype=float)
        out.append((str(row.series_id), str(row.category), y, actual))
    if limit:
        step = max(1, len(out) // limit)  # spread over the categories, which come in blocks
        out = out[::step][:limit]
    return out


def _smape(a: np.ndarray, f: np.ndarray) -> float:
    return float(np.mean(200 * np.abs(a - f) / (np.abs(a) + np.abs(f))))


def _point(y: np.ndarray, actual: np.ndarray, mean: np.ndarray) -> dict[str, float]:
    scale = float(np.mean(np.abs(y[M:] - y[:-M])))
    return {"smape": _smape(actual, mean), "mase": float(np.mean(np.abs(actual - mean))) / scale}


def _cover(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[int]:
    return [int(v) for v in ((actual >= lo) & (actual <= hi))]


def m3_series(
    args: tuple[str, str, np.ndarray, np.ndarray, int, tuple[str, ...], tuple[str, ...] | None],
) -> dict[str, Any]:
    sid, category, y, actual, origins, extras, pool = args
    t0 = time.process_time()
    result = forecast(pd.Series(y), H, season=M, origins=origins, models=pool)
    cpu_final = time.process_time() - t0
    f = result.frame
    row: dict[str, Any] = {
        "id": sid,
        "category": category,
        "n": len(y),
        "model": result.model,
        "cpu_final": cpu_final,
        "final": _point(y, actual, f["mean"].to_numpy()),
        "cover80": _cover(actual, f["lo80"].to_numpy(), f["hi80"].to_numpy()),
        "cover95": _cover(actual, f["lo95"].to_numpy(), f["hi95"].to_numpy()),
        "width95": float(np.mean(f["hi95"] - f["lo95"]) / np.mean(np.abs(y[M:] - y[:-M]))),
        "singles": {},
    }
    t1 = time.process_time()
    if extras:
        ctx = make_context(y, M)
        with single_threaded_blas():
            for name in extras:
                try:
                    fc = MODELS[name](y, H, ctx)
                except (ModelFailure, ValueError, ArithmeticError, np.linalg.LinAlgError):
                    fc = MODELS["naive2"](y, H, ctx)  # a failed model is scored as Naive2, and counted
                    row.setdefault("failed", []).append(name)
                row["singles"][name] = _point(y, actual, fc.mean) | {
                    "cover80": _cover(actual, fc.lo80, fc.hi80),
                    "cover95": _cover(actual, fc.lo95, fc.hi95),
                }
    row["cpu_singles"] = time.process_time() - t1
    return row


def _summary(rows: list[dict[str, Any]], pick: Any, base: tuple[float, float]) -> dict[str, float]:
    s = float(np.mean([pick(r)["smape"] for r in rows]))
    q = float(np.mean([pick(r)["mase"] for r in rows]))
    return {"smape": round(s, 3), "mase": round(q, 4), "owa": round(0.5 * (s / base[0] + q / base[1]), 4)}


def m3_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    base = (
        float(np.mean([r["singles"]["naive2"]["smape"] for r in rows])),
        float(np.mean([r["singles"]["naive2"]["mase"] for r in rows])),
    )
    final: dict[str, Any] = dict(_summary(rows, lambda r: r["final"], base))
    c80, c95 = np.array([r["cover80"] for r in rows]), np.array([r["cover95"] for r in rows])
    final |= {
        "cover80": round(float(c80.mean()), 4),
        "cover95": round(float(c95.mean()), 4),
        "cover80_by_step": [round(float(v), 3) for v in c80.mean(axis=0)],
        "cover95_by_step": [round(float(v), 3) for v in c95.mean(axis=0)],
        "mean_width95_in_mase_units": round(float(np.mean([r["width95"] for r in rows])), 3),
    }
    singles = {}
    for name in rows[0]["singles"]:
        s = _summary(rows, lambda r, k=name: r["singles"][k], base)
        s["raw_cover80"] = round(float(np.mean([r["singles"][name]["cover80"] for r in rows])), 4)
        s["raw_cover95"] = round(float(np.mean([r["singles"][name]["cover95"] for r in rows])), 4)
        s["failed_scored_as_naive2"] = sum(name in r.get("failed", []) for r in rows)
        singles[name] = s
    by_cat = {}
    for cat in sorted({r["category"] for r in rows}):
        sub = [r for r in rows if r["category"] == cat]
        cat_base = (
            float(np.mean([r["singles"]["naive2"]["smape"] for r in sub])),
            float(np.mean([r["singles"]["naive2"]["mase"] for r in sub])),
        )
        by_cat[cat] = _summary(sub, lambda r: r["final"], cat_base) | {"series": len(sub)}
    return {
        "series": len(rows),
        "horizon": H,
        "season": M,
        "final": final,
        "singles": singles,
        "by_category": by_cat,
        "chosen": dict(Counter(r["model"] for r in rows).most_common()),
        "cpu_seconds_final_per_series": round(float(np.mean([r["cpu_final"] for r in rows])), 3),
        "cpu_seconds_singles_per_series": round(float(np.mean([r["cpu_singles"] for r in rows])), 3),
    }


# ------------------------------------------------------------------------------------------ CN fiscal revenue


def load_cn() -> pd.DataFrame:
    cn = pd.read_csv(DATA / "cn_national_fiscal_revenue_monthly.csv")
    cn["date"] = pd.to_datetime(cn["month"], format="%Y-%m")
    cn["year"], cn["mon"] = cn["date"].dt.year, cn["date"].dt.month
    return cn.set_index("date")


def cn_origin(args: tuple[pd.DataFrame, int, int]) -> dict[str, Any]:
    """Year-end estimates for year ``year`` from the data up to the end of month ``mon``."""
    cn, year, mon = args
    origin = pd.Timestamp(year=year, month=mon, day=1)
    past = cn[cn.index <= origin]
    ytd = float(past.loc[origin, "revenue_ytd_100m_cny"])
    truth = float(cn.loc[pd.Timestamp(year=year, month=12, day=1), "revenue_ytd_100m_cny"])
    levels = past.dropna(subset=["revenue_ytd_100m_cny"])
    known = {int(y): float(v) for y, v in levels.loc[levels["mon"] == 12, ["year", "revenue_ytd_100m_cny"]].to_numpy()}
    ytd_at = {
        int(y): float(v) for y, v in levels.loc[levels["mon"] == mon, ["year", "revenue_ytd_100m_cny"]].to_numpy()
    }
    est: dict[str, float | None] = {}
    flows = past["revenue_month_100m_cny"].iloc[-CN_TRAIN_MONTHS:]
    flows.index = pd.DatetimeIndex(flows.index, freq="MS")
    res = forecast(flows, 12 - mon, season=12)
    est["model"] = ytd + float(res.frame["mean"].sum())
    prior = [y for y in sorted(known) if y in ytd_at][-3:]
    est["share"] = ytd / float(np.mean([ytd_at[y] / known[y] for y in prior])) if prior else None
    est["yoy"] = known[year - 1] * ytd / ytd_at[year - 1] if (year - 1) in known and (year - 1) in ytd_at else None
    return {"year": year, "month": mon, "truth": truth, "estimates": est, "model": res.model}


def cn_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    methods = ["model", "share", "yoy"]
    by_month: dict[str, Any] = {}
    for mon in sorted({r["month"] for r in rows}):
        entry: dict[str, Any] = {}
        for k in methods:
            errs = [
                100 * (r["estimates"][k] - r["truth"]) / r["truth"]
                for r in rows
                if r["month"] == mon and r["estimates"][k] is not None
            ]
            entry[k] = {
                "years": len(errs),
                "mape": round(float(np.mean(np.abs(errs))), 2) if errs else None,
                "bias": round(float(np.mean(errs)), 2) if errs else None,
                "max_abs": round(float(np.max(np.abs(errs))), 2) if errs else None,
            }
        by_month[str(mon)] = entry
    overall = {}
    for k in methods:
        errs = [100 * (r["estimates"][k] - r["truth"]) / r["truth"] for r in rows if r["estimates"][k] is not None]
        overall[k] = {"origins": len(errs), "mape": round(float(np.mean(np.abs(errs))), 2) if errs else None}
    return {
        "target_years": sorted({r["year"] for r in rows}),
        "train_months": CN_TRAIN_MONTHS,
        "error_pct_by_origin_month": by_month,
        "overall": overall,
        "rows": rows,
    }


def cn_tasks(cn: pd.DataFrame) -> list[tuple[pd.DataFrame, int, int]]:
    tasks = []
    decembers = cn[(cn["mon"] == 12) & cn["revenue_ytd_100m_cny"].notna()]
    for year in sorted(decembers["year"].unique()):
        for mon in range(2, 12):
            stamp = pd.Timestamp(year=int(year), month=mon, day=1)
            if stamp in cn.index and math.isfinite(float(cn.loc[stamp, "revenue_ytd_100m_cny"])):
                tasks.append((cn, int(year), mon))
    return tasks


# -------------------------------------------------------------------------------------------------- report


def _map(jobs: int, fn: Any, tasks: Iterable[Any]) -> list[Any]:
    tasks = list(tasks)
    if jobs <= 1:
        return [fn(t) for t in tasks]
    with mp.get_context("fork").Pool(jobs) as pool:
        return list(pool.imap(fn, tasks, chunksize=4))


def _idle_wall(m3: dict[str, Any], cfg: dict[str, Any]) -> str:
    total = m3.get("cpu_seconds_total")
    return f"{total / max(1, cfg['jobs']):.0f}" if isinstance(total, (int, float)) else "?"


def markdown(report: dict[str, Any]) -> str:
    m3, cfg = report["m3"], report["config"]
    fin = m3["final"]
    lines = [
        f"# Forecast benchmark ({report['measured_at']}, {report['machine']})",
        "",
        f"Command: `{report['command']}`. Wall time {report['wall_seconds']} s "
        f"(M3 {report['m3_wall_seconds']} s, CN revenue {report['cn_wall_seconds']} s), "
        f"{cfg['jobs']} processes. Hold-out: {cfg['holdout']}.",
        "",
        f"M3 CPU time {m3.get('cpu_seconds_total', '?')} s in all (≈ {_idle_wall(m3, cfg)} s wall on {cfg['jobs']} idle "
        f"cores); 1-minute load average before/after {report.get('load_average_1min_before_after', '?')} "
        "(the machine is shared: a load above the core count stretches the wall time).",
        "",
        f"## M3 monthly: {m3['series']} series, h = {m3['horizon']}",
        "",
        f"Final method: `forecast()` defaults (pool {', '.join(cfg['pool'])}, {cfg.get('combination', 'mean')} of "
        f"the means; {cfg['origins']} backtest origins). "
        f"CPU per series {m3['cpu_seconds_final_per_series']} s.",
        "",
        "| method | sMAPE | MASE | OWA | 80 % coverage | 95 % coverage |",
        "|---|---|---|---|---|---|",
        f"| **final** | **{fin['smape']:.2f}** | **{fin['mase']:.3f}** | **{fin['owa']:.3f}** | "
        f"**{fin['cover80']:.1%}** | **{fin['cover95']:.1%}** |",
    ]
    for name, s in sorted(m3["singles"].items(), key=lambda kv: kv[1]["owa"]):
        failed = f" ({s['failed_scored_as_naive2']} failed → Naive2)" if s["failed_scored_as_naive2"] else ""
        lines.append(
            f"| {name}{failed} | {s['smape']:.2f} | {s['mase']:.3f} | {s['owa']:.3f} | "
            f"{s['raw_cover80']:.1%} (raw) | {s['raw_cover95']:.1%} (raw) |"
        )
    t = report["targets"]
    lines += [
        "",
        "Single models' coverage is of their own, uncalibrated intervals. Targets: "
        + "; ".join(f"{k} {v['target']} → {v['measured']} ({'met' if v['met'] else 'missed'})" for k, v in t.items()),
        "",
        "| category | series | sMAPE | MASE | OWA |",
        "|---|---|---|---|---|",
    ]
    for cat, s in m3["by_category"].items():
        lines.append(f"| {cat} | {s['series']} | {s['smape']:.2f} | {s['mase']:.3f} | {s['owa']:.3f} |")
    cn = report.get("cn_revenue")
    if cn:
        lines += [
            "",
            f"## China national fiscal revenue: year-end total from the YTD at each month (years {cn['target_years'][0]}"
            f"–{cn['target_years'][-1]} with a known December)",
            "",
            "Absolute % error of the year-end estimate (mean over years; bias = mean signed error; n = years).",
            "",
            "| origin month | model: MAPE / bias (n) | YTD share: MAPE / bias (n) | YoY: MAPE / bias (n) |",
            "|---|---|---|---|",
        ]
        for mon, e in cn["error_pct_by_origin_month"].items():
            cells = [
                f"{e[k]['mape']} / {e[k]['bias']} ({e[k]['years']})" if e[k]["years"] else "–"
                for k in ("model", "share", "yoy")
            ]
            lines.append(f"| {mon} | " + " | ".join(cells) + " |")
        o = cn["overall"]
        lines.append(f"| all | {o['model']['mape']} | {o['share']['mape']} | {o['yoy']['mape']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="only this many M3 series (spread over the set)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--origins", type=int, default=2, help="backtest origins per series (the forecast() default)")
    ap.add_argument("--dev", action="store_true", help="hold out the last 18 training months instead of the test set")
    ap.add_argument("--no-cn", action="store_true", help="skip the Chinese revenue backtest")
    ap.add_argument(
        "--singles",
        help="comma-separated single models to score besides the final method (default: all; naive2 is always "
        "scored, it is the OWA base)",
    )
    ap.add_argument(
        "--pool", help="comma-separated pool for the final method (default: the engine's; for --dev trials)"
    )
    ap.add_argument("--combination", choices=["median", "mean"], help="override engine.COMBINATION (--dev trials)")
    opts = ap.parse_args()
    if opts.combination:
        engine.COMBINATION = opts.combination  # module state: the forked workers inherit it
    started = time.perf_counter()
    load_before = os.getloadavg()
    singles = tuple(dict.fromkeys(["naive2", *(opts.singles.split(",") if opts.singles else EXTRA_SINGLES)]))
    pool = tuple(opts.pool.split(",")) if opts.pool else None
    series = load_m3(opts.dev, opts.limit)
    rows = _map(opts.jobs, m3_series, [(*s, opts.origins, singles, pool) for s in series])
    m3_wall = time.perf_counter() - started
    report: dict[str, Any] = {
        "measured_at": date.today().isoformat(),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "command": "python -m benchmarks.forecast_m3 "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(opts).items() if v not in (None, False))
        .replace(" True", "")
        .strip(),
        "config": {
            "jobs": opts.jobs,
            "origins": opts.origins,
            "pool": list(pool or engine.DEFAULT_MODELS),
            "combination": engine.COMBINATION,
            "holdout": "last 18 training months (--dev)" if opts.dev else "official M3 test (18 months)",
            "prior_factor": engine.PRIOR_FACTOR,
            "prior_weight": engine.PRIOR_WEIGHT,
            "tail_factor": engine.TAIL_FACTOR,
            "single_margin": engine.SINGLE_MARGIN,
            "trim_ratio": engine.TRIM_RATIO,
        },
        "m3": m3_report(rows),
        "m3_wall_seconds": round(m3_wall, 1),
    }
    cn_start = time.perf_counter()
    if not opts.no_cn:
        report["cn_revenue"] = cn_report(_map(opts.jobs, cn_origin, cn_tasks(load_cn())))
    report["cn_wall_seconds"] = round(time.perf_counter() - cn_start, 1)
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    # The machine is shared: the load average says how much of the wall time was waiting for a core.
    report["load_average_1min_before_after"] = [round(load_before[0], 1), round(os.getloadavg()[0], 1)]
    report["m3"]["cpu_seconds_total"] = round(sum(r["cpu_final"] + r["cpu_singles"] for r in rows), 1)
    fin = report["m3"]["final"]
    report["targets"] = {
        "sMAPE": {"target": "<= 13.6", "measured": fin["smape"], "met": fin["smape"] <= 13.6},
        "OWA": {"target": "<= 0.82", "measured": fin["owa"], "met": fin["owa"] <= 0.82},
        "80% coverage": {"target": "75-85 %", "measured": fin["cover80"], "met": 0.75 <= fin["cover80"] <= 0.85},
        "95% coverage": {"target": "92-97 %", "measured": fin["cover95"], "met": 0.92 <= fin["cover95"] <= 0.97},
        "M3 wall time": {"target": "<= 600 s", "measured": report["m3_wall_seconds"], "met": m3_wall <= 600},
    }
    suffix = "_dev" if opts.dev else ""
    suffix += "_limit" if opts.limit else ""
    suffix += "_trial" if opts.pool or opts.singles or opts.combination else ""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"forecast_m3{suffix}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    (RESULTS / f"forecast_m3{suffix}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
