"""Expenditure: the year-end execution of each 功能分类 类 × 资金性质, from the seasonal path of past years.

Input ``execution`` (built from ``marts.fct_budget_execution_monthly``): ``fiscal_year``, ``fiscal_month``,
``exp_func_class``, ``exp_func_name``, ``fund_type_code``, ``indicator_fen`` (indicator at month end, integer
fen), ``paid_fen`` (paid in the month, net, integer fen). The current year's last month may be partial (up to
``as_of``).

Method. For each past complete year y and group, the year-to-date share S_y(t) = paid to t ÷ paid in the year
(t in months, a partial month interpolated linearly by day). With S̄ and s the mean and standard deviation
(floored at ``min_sd``) across years, the year-end total is paid_ytd ÷ S with S ~ Normal(S̄, s); since the
map is monotone, its quantiles are paid_ytd ÷ (S̄ ∓ z·s). A group with no usable past year borrows the pooled
path of all groups; with no past year at all the path is straight-line (said in ``note``). Nothing is paid
without an indicator, so the upper bounds stop at the indicator (or at paid_ytd when that is larger). A group
with nothing paid yet, or a share below 5 %, is forecast as indicator × the pooled historical year-end
execution rate.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .intervals import Z80, Z95

COLUMNS = ["fiscal_year", "exp_func_class", "exp_func_name", "fund_type_code", "indicator_fen", "paid_ytd_fen",
           "forecast_paid_mean", "lo80", "hi80", "lo95", "hi95", "forecast_exec_rate", "note"]
MIN_SHARE = 0.05


@dataclass(frozen=True)
class SharePath:
    """Mean and sd of the YTD share at fractional month t, and how many years it came from."""

    mean: float
    sd: float
    years: int


def month_fraction(as_of: date) -> float:
    """Months elapsed in the year at the end of ``as_of`` (e.g. 30 April → 4.0, 15 April → 3.5)."""
    days = calendar.monthrange(as_of.year, as_of.month)[1]
    return as_of.month - 1 + as_of.day / days


def complete_years(execution: pd.DataFrame, year: int) -> list[int]:
    """Past years with data in both January and December."""
    out = []
    for y, g in execution[execution["fiscal_year"] < year].groupby("fiscal_year"):
        months = set(g["fiscal_month"])
        if 1 in months and 12 in months:
            out.append(int(y))
    return sorted(out)


def ytd_shares(monthly_paid: pd.DataFrame, t: float) -> pd.Series:
    """Per year: the share of the year's total paid by fractional month t. ``monthly_paid`` has columns
    fiscal_year, fiscal_month, paid (float). Years with a total <= 0 are left out."""
    out = {}
    for y, g in monthly_paid.groupby("fiscal_year"):
        by_m = g.groupby("fiscal_month")["paid"].sum().reindex(range(1, 13), fill_value=0.0)
        total = float(by_m.sum())
        if total <= 0:
            continue
        cum = np.concatenate([[0.0], np.cumsum(by_m.to_numpy(float))])   # cum[k] = paid through month k
        k = int(np.floor(t))
        frac = t - k
        at = cum[k] + (cum[min(k + 1, 12)] - cum[k]) * frac if k < 12 else cum[12]
        out[int(y)] = at / total
    return pd.Series(out, dtype=float)


def share_path(monthly_paid: pd.DataFrame, t: float, min_sd: float) -> SharePath | None:
    s = ytd_shares(monthly_paid, t)
    if s.empty:
        return None
    sd = float(s.std(ddof=1)) if len(s) > 1 else 0.0
    return SharePath(float(s.mean()), max(sd if np.isfinite(sd) else 0.0, min_sd), len(s))


def expenditure_year_end(execution: pd.DataFrame, as_of: date, *, min_sd: float = 0.02) -> pd.DataFrame:
    """One row per 功能分类 类 × 资金性质 of the year of ``as_of``; see the module docstring."""
    year = as_of.year
    if execution.empty:
        return pd.DataFrame(columns=COLUMNS)
    df = execution.copy()
    df["paid"] = df["paid_fen"].astype(float) / 100
    years = complete_years(df, year)
    hist = df[df["fiscal_year"].isin(years)]
    cur = df[df["fiscal_year"] == year]
    t = month_fraction(as_of)
    pooled = share_path(hist[["fiscal_year", "fiscal_month", "paid"]], t, min_sd) if years else None
    pooled_rate = _year_end_rate(hist)
    rows = []
    keys = ["exp_func_class", "fund_type_code"]
    for (cls, fund), g in cur.groupby(keys, sort=True):
        name = g["exp_func_name"].dropna().iloc[0] if g["exp_func_name"].notna().any() else None
        last_m = int(g["fiscal_month"].max())
        indicator_fen = int(g.loc[g["fiscal_month"] == last_m, "indicator_fen"].sum())
        paid_ytd_fen = int(g["paid_fen"].sum())
        paid_ytd = paid_ytd_fen / 100
        indicator = indicator_fen / 100
        notes: list[str] = []
        h = hist[(hist["exp_func_class"] == cls) & (hist["fund_type_code"] == fund)]
        path = share_path(h[["fiscal_year", "fiscal_month", "paid"]], t, min_sd) if not h.empty else None
        if path is None and pooled is not None:
            path = pooled
            notes.append("该组无历史年度，借用全部支出的季节路径 (no past year for this group: the pooled path of "
                         "all expenditure)")
        if path is None:
            path = SharePath(t / 12, min_sd, 0)
            notes.append("无历史年度，按时间进度直线外推，仅供参考 (no past year at all: straight-line by elapsed "
                         "time, indicative only)")
        if paid_ytd <= 0 or path.mean < MIN_SHARE:
            rate = pooled_rate if pooled_rate is not None else 0.9
            mean = indicator * rate
            spread = indicator * 0.1
            b = {"mean": mean, "lo80": mean - Z80 * spread, "hi80": mean + Z80 * spread,
                 "lo95": mean - Z95 * spread, "hi95": mean + Z95 * spread}
            notes.append(f"年初至今支付过少，按指标 × 历史年末执行率 {rate:.0%} 估计 (too little paid so far: "
                         f"indicator × the historical year-end execution rate)")
        else:
            b = {"mean": paid_ytd / path.mean,
                 **{k: paid_ytd / max(path.mean + z * path.sd, MIN_SHARE / 2)
                    for k, z in (("lo80", Z80), ("hi80", -Z80), ("lo95", Z95), ("hi95", -Z95))}}
        cap = max(indicator, paid_ytd)
        floor = paid_ytd
        if b["hi95"] > cap and cap > 0:
            notes.append("上限按指标截断 (upper bounds capped at the indicator: nothing is paid without one)")
        b = {k: float(min(max(v, floor), cap)) if cap > 0 else float(max(v, floor)) for k, v in b.items()}
        b["lo80"], b["hi80"] = min(b["lo80"], b["mean"]), max(b["hi80"], b["mean"])
        b["lo95"], b["hi95"] = min(b["lo95"], b["lo80"]), max(b["hi95"], b["hi80"])
        rows.append({"fiscal_year": year, "exp_func_class": cls, "exp_func_name": name, "fund_type_code": fund,
                     "indicator_fen": indicator_fen, "paid_ytd_fen": paid_ytd_fen, "forecast_paid_mean": b["mean"],
                     "lo80": b["lo80"], "hi80": b["hi80"], "lo95": b["lo95"], "hi95": b["hi95"],
                     "forecast_exec_rate": b["mean"] / indicator if indicator > 0 else None,
                     "note": "; ".join(notes) or None})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["forecast_exec_rate"] = out["forecast_exec_rate"].astype(float)
    return out


def _year_end_rate(hist: pd.DataFrame) -> float | None:
    """Pooled year-end execution rate of the past complete years: paid in the year ÷ December indicator."""
    if hist.empty:
        return None
    dec = hist[hist["fiscal_month"] == 12]
    ind = float(dec["indicator_fen"].sum())
    paid = float(hist["paid_fen"].sum())
    return min(paid / ind, 1.0) if ind > 0 else None
