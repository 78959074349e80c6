"""Revenue by category: monthly forecasts to the end of next year, and the year-end total against the budget.

Input frames (built by ``ingest/forecasts.py`` from ``marts.fct_revenue_monthly``):

- ``monthly``: ``series_id`` (收入科目 code), ``series_name``, ``date`` (month start), ``value`` (collected in
  the month, yuan, float: it is only forecast from);
- ``ytd``: ``series_id``, ``actual_ytd_fen`` (collected 1 January .. as_of, integer fen, exact) and
  ``budget_fen`` (the year's revenue budget, integer fen, or missing).

Only complete months are forecast from; a partial month at ``as_of`` is forecast like the months after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .common import BACKTEST_COLUMNS, add_months, last_complete_month, months_between, robust_forecast
from .config import AppsConfig
from .intervals import prob_below, sum_forecast

TOTAL = "total"
OTHER = "other"


@dataclass
class RevenueForecast:
    monthly: pd.DataFrame      # series_id, series_name, date, kind, model, mean, lo80, hi80, lo95, hi95, note
    backtest: pd.DataFrame     # BACKTEST_COLUMNS
    notes: list[str] = field(default_factory=list)


def select_series(monthly: pd.DataFrame, last: date, config: AppsConfig) -> pd.DataFrame:
    """The categories forecast on their own (largest over the last 12 months, at most ``max_revenue_series``),
    the rest summed into ``other``, plus ``total``. Returns the frame relabelled."""
    df = monthly.copy()
    df["date"] = pd.to_datetime(df["date"])
    first = pd.Timestamp(add_months(last, -config.revenue_history_months + 1))
    df = df[(df["date"] >= first) & (df["date"] <= pd.Timestamp(last))]
    recent = df[df["date"] > pd.Timestamp(add_months(last, -12))].groupby("series_id")["value"].sum()
    keep = set(recent.sort_values(ascending=False).index[: config.max_revenue_series])
    rest = df[~df["series_id"].isin(keep)]
    parts = [df[df["series_id"].isin(keep)]]
    if not rest.empty:
        other = rest.groupby("date", as_index=False)["value"].sum()
        other["series_id"], other["series_name"] = OTHER, "其他收入科目 (other categories)"
        parts.append(other)
    total = df.groupby("date", as_index=False)["value"].sum()
    total["series_id"], total["series_name"] = TOTAL, "收入合计 (total revenue)"
    parts.append(total)
    return pd.concat(parts, ignore_index=True)[["series_id", "series_name", "date", "value"]]


def series_members(monthly: pd.DataFrame, selected: pd.DataFrame) -> dict[str, set[str]]:
    """Which input categories each output series covers (for budgets and YTD)."""
    own = set(selected["series_id"]) - {OTHER, TOTAL}
    allc = set(monthly["series_id"])
    out = {s: {s} for s in own}
    out[TOTAL] = allc
    if OTHER in set(selected["series_id"]):
        out[OTHER] = allc - own
    return out


def forecast_revenue(monthly: pd.DataFrame, as_of: date, config: AppsConfig | None = None) -> RevenueForecast:
    """Monthly forecasts of every selected category and the total, from the month after the last complete
    month to December of the following year. Actual rows carry mean = actual, intervals NULL."""
    config = config or AppsConfig()
    last = last_complete_month(as_of)
    end = date(as_of.year + 1, 12, 1)
    horizon = months_between(last, end)
    notes: list[str] = []
    if monthly.empty:
        notes.append("没有收入数据，未做收入预测 (no revenue data: no revenue forecast)")
        return RevenueForecast(pd.DataFrame(columns=MONTHLY_COLUMNS), pd.DataFrame(columns=BACKTEST_COLUMNS), notes)
    sel = select_series(monthly, last, config)
    rows, bts = [], []
    for (sid, name), g in sel.groupby(["series_id", "series_name"], sort=True):
        g = g.groupby("date")["value"].sum().sort_index()
        start = g.index[g.ne(0)].min() if g.ne(0).any() else g.index.min()
        grid = pd.date_range(start, pd.Timestamp(last), freq="MS")
        s = g.reindex(grid, fill_value=0.0).astype(float)
        actual = pd.DataFrame({"series_id": sid, "series_name": name, "date": s.index, "kind": "actual",
                               "model": None, "mean": s.to_numpy(), "note": None})
        fc = robust_forecast(s, horizon, freq="M", models=config.revenue_models, origins=config.origins,
                             series_id=str(sid), table_name="revenue_monthly")
        f = fc.frame.reset_index(names="date")
        f["series_id"], f["series_name"], f["kind"] = sid, name, "forecast"
        f["note"] = "; ".join(fc.notes) or None
        rows += [actual, f]
        bts.append(fc.backtest)
    out = pd.concat(rows, ignore_index=True)[MONTHLY_COLUMNS]
    out["date"] = pd.to_datetime(out["date"]).dt.date
    if last != month_start_of(as_of):
        notes.append(f"{as_of:%Y-%m} 月未结束，按预测列示 (the month of as_of is incomplete: shown as forecast)")
    bt = pd.concat([b for b in bts if not b.empty], ignore_index=True) if any(not b.empty for b in bts) else \
        pd.DataFrame(columns=BACKTEST_COLUMNS)
    return RevenueForecast(out, bt, notes)


MONTHLY_COLUMNS = ["series_id", "series_name", "date", "kind", "model", "mean", "lo80", "hi80", "lo95", "hi95",
                   "note"]


def month_start_of(d: date) -> date:
    return date(d.year, d.month, 1)


def revenue_year_end(fc: RevenueForecast, monthly: pd.DataFrame, ytd: pd.DataFrame, as_of: date,
                     config: AppsConfig | None = None) -> pd.DataFrame:
    """Year-end total per series: actual complete months of the year plus the forecast months to December.

    Columns: fiscal_year, series_id, series_name, budget_fen, actual_ytd_fen, forecast_mean, lo80, hi80, lo95,
    hi95, p_shortfall, note. p_shortfall = P(year-end total < budget) under the split normal of the year-end
    interval; NULL without a budget."""
    config = config or AppsConfig()
    year = as_of.year
    m = fc.monthly
    cols = ["fiscal_year", "series_id", "series_name", "budget_fen", "actual_ytd_fen", "forecast_mean", "lo80",
            "hi80", "lo95", "hi95", "p_shortfall", "note"]
    if m.empty:
        return pd.DataFrame(columns=cols)
    sel_ids = m[["series_id", "series_name"]].drop_duplicates()
    members = series_members(monthly, m.rename(columns={}))
    ytd_by = ytd.set_index("series_id") if not ytd.empty else pd.DataFrame(columns=["actual_ytd_fen", "budget_fen"])
    out = []
    for sid, name in sel_ids.itertuples(index=False):
        g = m[m["series_id"] == sid]
        in_year = g[pd.to_datetime(g["date"]).dt.year == year]
        actual = float(in_year.loc[in_year["kind"] == "actual", "mean"].sum())
        future = in_year[in_year["kind"] == "forecast"]
        yr = sum_forecast(future, config.month_error_correlation, offset=actual)
        codes = members.get(sid, {sid})
        known = ytd_by[ytd_by.index.isin(codes)]
        ytd_fen = int(known["actual_ytd_fen"].fillna(0).sum()) if not known.empty else 0
        budgets = known["budget_fen"].dropna() if not known.empty else pd.Series(dtype=float)
        budget_fen = int(budgets.sum()) if len(budgets) else None
        notes = []
        if budget_fen is None:
            notes.append("数据仓库中无该科目本年收入预算 (no revenue budget for this year in the marts)")
            p = None
        else:
            p = prob_below(budget_fen / 100, yr["mean"], yr["lo80"], yr["hi80"])
            if len(budgets) < len(codes) and sid in (TOTAL, OTHER):
                notes.append(f"预算只覆盖 {len(budgets)}/{len(codes)} 个科目 (budget covers {len(budgets)} of "
                             f"{len(codes)} categories)")
        fnote = future["note"].dropna()
        if len(fnote):
            notes.append(str(fnote.iloc[0]))
        out.append({"fiscal_year": year, "series_id": sid, "series_name": name, "budget_fen": budget_fen,
                    "actual_ytd_fen": ytd_fen, "forecast_mean": yr["mean"], "lo80": yr["lo80"], "hi80": yr["hi80"],
                    "lo95": yr["lo95"], "hi95": yr["hi95"], "p_shortfall": p, "note": "; ".join(notes) or None})
    res = pd.DataFrame(out, columns=cols)
    res["p_shortfall"] = res["p_shortfall"].astype(float)
    assert np.all(np.isfinite(res[["forecast_mean", "lo80", "hi80", "lo95", "hi95"]].to_numpy(float)))
    return res
