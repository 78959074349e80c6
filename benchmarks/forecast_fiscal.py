"""Benchmark: ``models_forecast`` on real fiscal series, rolling origin, 12 months ahead (issue 14 item 1).

Series (``$FISCAL_SHARED_DATA``, default ``/work/shared/data``, see its README):

- ``cn_revenue``: China's national fiscal revenue, monthly flow (亿元, derived from the year-to-date figures; every
  January is missing and February holds January + February; December is missing in 2016), from 2010-01;
- ``us_balance``: the US federal surplus (+) / deficit (−), Monthly Treasury Statement (million USD, changes
  sign), from 1980-10; training windows are capped at the last ``MAX_TRAIN`` months.

Protocol (the same as the held-out evaluation of issue 14): for each origin, every method sees only the data up to
the origin (gaps filled by the library's seasonal interpolation, the same filled history for every method), and
forecasts the next 12 months. Per case (series × origin): MASE = mean |error| over the observed hold-out months ÷
the in-sample mean |y_t − y_(t−12)| of the training window; the headline is the **MASE ratio** = mean MASE of the
method ÷ mean MASE of the seasonal naive over the same cases; coverage = share of observed hold-out values inside
the 80 % / 95 % intervals.

Origins every ``STEP`` months. They are split in time: origins before ``SPLIT`` (per series) are the **tuning**
part (where the method's choices were looked at), the later ones the **report** part (looked at once per change);
the JSON gives both and all.

Methods: ``snaive`` (seasonal naive, intervals from its in-sample errors), ``plain`` (plain mean of statsmodels ETS
(A,Ad,A; multiplicative season when the history is strictly positive), Theta (``ThetaModel``, period 12) and the
airline SARIMA (0,1,1)(0,1,1)12 (on logs when strictly positive); bounds = mean of the members' bounds), and
``library`` (``models_forecast.forecast`` with its defaults).

Run: ``.venv/bin/python -m benchmarks.forecast_fiscal --jobs 2`` → ``benchmarks/results/forecast_fiscal.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models_forecast import forecast
from models_forecast.blas import single_threaded_blas
from models_forecast.series import fill_gaps

DATA = Path(os.environ.get("FISCAL_SHARED_DATA", "/work/shared/data"))
RESULTS = Path(__file__).with_name("results")
H, M = 12, 12
STEP = 6
MAX_TRAIN = 240
MIN_TRAIN = 60
#: First origin of the report part, per series (earlier origins are the tuning part).
SPLIT = {"cn_revenue": "2018-01", "us_balance": "2012-01"}
FIRST_ORIGIN = {"cn_revenue": "2015-02", "us_balance": "2000-03"}
Z80, Z95 = 1.2815515655446004, 1.959963984540054


def load_series() -> dict[str, pd.Series]:
    cn = pd.read_csv(DATA / "cn_national_fiscal_revenue_monthly.csv")
    cn.index = pd.PeriodIndex(cn["month"], freq="M").to_timestamp()
    cn_rev = cn["revenue_month_100m_cny"].astype(float)
    cn_rev = cn_rev[cn_rev.index >= "2010-01-01"]
    us = pd.read_csv(DATA / "us_federal_budget_balance_monthly.csv")
    us.index = pd.PeriodIndex(us["month"], freq="M").to_timestamp()
    return {"cn_revenue": cn_rev, "us_balance": us["mtsds133fms_musd"].astype(float)}


def cases(series: dict[str, pd.Series]) -> list[tuple[str, pd.Timestamp]]:
    out = []
    for sid, s in series.items():
        last = s.index[-1]
        o = pd.Timestamp(FIRST_ORIGIN[sid])
        while o + pd.DateOffset(months=H) <= last:
            out.append((sid, o))
            o = o + pd.DateOffset(months=STEP)
    return out


# ------------------------------------------------------------------------------------------------- baselines


def snaive(y: np.ndarray, h: int) -> dict[str, np.ndarray]:
    steps = np.arange(h)
    mean = y[len(y) - M + steps % M]
    d = y[M:] - y[:-M]
    sd = float(np.sqrt(np.mean(d**2))) * np.sqrt(steps // M + 1)
    return {"mean": mean, "lo80": mean - Z80 * sd, "hi80": mean + Z80 * sd, "lo95": mean - Z95 * sd,
            "hi95": mean + Z95 * sd}


def _quiet(fn: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn()


def plain_members(y: np.ndarray, h: int) -> dict[str, dict[str, np.ndarray]]:
    """statsmodels ETS, Theta and SARIMA with their own intervals, as a user of statsmodels would fit them."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.theta import ThetaModel
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    s = pd.Series(y, index=pd.RangeIndex(len(y)))
    positive = bool(np.all(y > 0))
    n = len(y)
    out: dict[str, dict[str, np.ndarray]] = {}

    def ets() -> dict[str, np.ndarray]:
        res = _quiet(lambda: ETSModel(s, error="add", trend="add", damped_trend=True,
                                      seasonal="mul" if positive else "add", seasonal_periods=M).fit(disp=False))
        p = _quiet(lambda: res.get_prediction(start=n, end=n + h - 1))
        f80, f95 = p.summary_frame(alpha=0.2), p.summary_frame(alpha=0.05)
        return {"mean": f80["mean"].to_numpy(float), "lo80": f80["pi_lower"].to_numpy(float),
                "hi80": f80["pi_upper"].to_numpy(float), "lo95": f95["pi_lower"].to_numpy(float),
                "hi95": f95["pi_upper"].to_numpy(float)}

    def theta() -> dict[str, np.ndarray]:
        res = _quiet(lambda: ThetaModel(s, period=M, method="auto" if positive else "additive").fit())
        mean = np.asarray(res.forecast(h), float)
        i80, i95 = res.prediction_intervals(h, alpha=0.2), res.prediction_intervals(h, alpha=0.05)
        return {"mean": mean, "lo80": i80["lower"].to_numpy(float), "hi80": i80["upper"].to_numpy(float),
                "lo95": i95["lower"].to_numpy(float), "hi95": i95["upper"].to_numpy(float)}

    def sarima() -> dict[str, np.ndarray]:
        z = np.log(s) if positive else s
        res = _quiet(lambda: SARIMAX(z, order=(0, 1, 1), seasonal_order=(0, 1, 1, M)).fit(disp=False))
        fc = res.get_forecast(h)
        c80, c95 = fc.conf_int(alpha=0.2).to_numpy(float), fc.conf_int(alpha=0.05).to_numpy(float)
        f = {"mean": np.asarray(fc.predicted_mean, float), "lo80": c80[:, 0], "hi80": c80[:, 1],
             "lo95": c95[:, 0], "hi95": c95[:, 1]}
        return {k: np.exp(v) for k, v in f.items()} if positive else f

    for name, fn in (("ets", ets), ("theta", theta), ("sarima", sarima)):
        try:
            f = fn()
            if all(np.all(np.isfinite(v)) for v in f.values()):
                out[name] = f
        except Exception:  # a member that fails is left out of the plain mean, as a user would
            pass
    return out


def plain(y: np.ndarray, h: int) -> dict[str, np.ndarray]:
    members = plain_members(y, h)
    if not members:
        return snaive(y, h)
    return {k: np.mean([f[k] for f in members.values()], axis=0) for k in ("mean", "lo80", "hi80", "lo95", "hi95")}


# ---------------------------------------------------------------------------------------------------- a case


def run_case(args: tuple[str, pd.Series, pd.Timestamp]) -> dict[str, Any]:
    sid, s, origin = args
    hist = s[s.index <= origin]
    hist = hist[hist.index >= hist.index[-1] - pd.DateOffset(months=MAX_TRAIN - 1)]
    hist = hist.loc[hist.first_valid_index():]
    future = s[(s.index > origin)].iloc[:H]
    actual = future.to_numpy(float)
    y, _ = fill_gaps(hist.to_numpy(float), M)
    raw = hist.to_numpy(float)
    d = raw[M:] - raw[:-M]
    scale = float(np.nanmean(np.abs(d)))
    ok = np.isfinite(actual)
    row: dict[str, Any] = {"series": sid, "origin": f"{origin:%Y-%m}", "n": len(y), "scored": int(ok.sum()),
                           "part": "report" if origin >= pd.Timestamp(SPLIT[sid]) else "tune", "methods": {}}
    methods: dict[str, Any] = {}
    t0 = time.process_time()
    with single_threaded_blas():
        methods["snaive"] = snaive(y, H)
        methods["plain"] = plain(y, H)
        t1 = time.process_time()
        res = forecast(pd.Series(y, index=hist.index), H, freq="M")
        t2 = time.process_time()
    methods["library"] = {k: res.frame[k].to_numpy(float) for k in ("mean", "lo80", "hi80", "lo95", "hi95")}
    row["library_model"] = res.model
    row["cpu_library"] = round(t2 - t1, 3)
    row["cpu_baselines"] = round(t1 - t0, 3)
    a = actual[ok]
    for name, f in methods.items():
        mean = f["mean"][ok]
        row["methods"][name] = {
            "mase": float(np.mean(np.abs(a - mean))) / scale,
            "in80": int(np.sum((a >= f["lo80"][ok]) & (a <= f["hi80"][ok]))),
            "in95": int(np.sum((a >= f["lo95"][ok]) & (a <= f["hi95"][ok]))),
        }
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {}
    n = sum(r["scored"] for r in rows)
    base = float(np.mean([r["methods"]["snaive"]["mase"] for r in rows]))
    out: dict[str, Any] = {"cases": len(rows), "values": n}
    for name in rows[0]["methods"]:
        mase = float(np.mean([r["methods"][name]["mase"] for r in rows]))
        out[name] = {
            "mase": round(mase, 4),
            "mase_ratio_to_snaive": round(mase / base, 4),
            "cover80": round(sum(r["methods"][name]["in80"] for r in rows) / n, 4),
            "cover95": round(sum(r["methods"][name]["in95"] for r in rows) / n, 4),
        }
    return out


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("tune", "report", "all"):
        sub = [r for r in rows if part == "all" or r["part"] == part]
        out[part] = {"pooled": summarise(sub)}
        for sid in sorted({r["series"] for r in sub}):
            out[part][sid] = summarise([r for r in sub if r["series"] == sid])
    return out


def markdown(res: dict[str, Any]) -> str:
    lines = [f"# Fiscal rolling-origin benchmark ({res['when']})", "", f"`{res['command']}`", "",
             "MASE ratio = mean MASE ÷ mean MASE of the seasonal naive on the same cases; coverage of observed "
             "hold-out values.", ""]
    for part in ("report", "tune", "all"):
        lines += [f"## {part}", "", "| series | cases | method | MASE | ratio to snaive | 80 % cover | 95 % cover |",
                  "|---|---|---|---|---|---|---|"]
        for sid, s in res["results"][part].items():
            for name in ("snaive", "plain", "library"):
                if name in s:
                    v = s[name]
                    lines.append(f"| {sid} | {s['cases']} | {name} | {v['mase']:.3f} | {v['mase_ratio_to_snaive']:.3f}"
                                 f" | {v['cover80']:.1%} | {v['cover95']:.1%} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--part", choices=("tune", "report", "all"), default="all", help="run only these origins")
    ap.add_argument("--tag", default="", help="suffix of the result files (trial runs)")
    args = ap.parse_args(argv)
    series = load_series()
    todo = [(sid, series[sid], o) for sid, o in cases(series)]
    if args.part != "all":
        todo = [t for t in todo if (t[2] >= pd.Timestamp(SPLIT[t[0]])) == (args.part == "report")]
    t0 = time.time()
    if args.jobs > 1:
        with mp.get_context("fork").Pool(args.jobs) as pool:
            rows = pool.map(run_case, todo, chunksize=1)
    else:
        rows = [run_case(t) for t in todo]
    res = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": ".venv/bin/python -m benchmarks.forecast_fiscal " + " ".join(sys.argv[1:] if argv is None else argv),
        "horizon": H, "season": M, "origin_step_months": STEP, "max_train_months": MAX_TRAIN, "split": SPLIT,
        "wall_seconds": round(time.time() - t0, 1), "python": platform.python_version(),
        "results": report(rows),
        "library_models": {k: sum(r["library_model"] == k for r in rows) for k in sorted({r["library_model"] for r in rows})},
        "cases": rows,
    }
    suffix = f"_{args.tag}" if args.tag else ""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"forecast_fiscal{suffix}.json").write_text(json.dumps(res, indent=1, ensure_ascii=False))
    (RESULTS / f"forecast_fiscal{suffix}.md").write_text(markdown(res))
    print(markdown(res))


if __name__ == "__main__":
    main()
