"""Helpers shared by the applications: month arithmetic, fen ↔ yuan, and one robust call of the library."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from ..api import forecast
from .intervals import Z80, Z95

FORECAST_COLUMNS = ["mean", "lo80", "hi80", "lo95", "hi95"]
BACKTEST_COLUMNS = ["series_id", "table_name", "model", "mase", "smape", "coverage80", "coverage95", "n_origins",
                    "chosen"]


def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def months_between(a: date, b: date) -> int:
    """Whole months from the month of ``a`` to the month of ``b``."""
    return (b.year - a.year) * 12 + b.month - a.month


def is_month_end(d: date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def last_complete_month(as_of: date) -> date:
    """Start of the last month whose every day is on or before ``as_of``."""
    return month_start(as_of) if is_month_end(as_of) else add_months(month_start(as_of), -1)


def next_working_day(d: date) -> date:
    """Saturday and Sunday move to Monday (statutory holidays are not modelled)."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def fen_to_yuan(fen: int | float | None) -> Decimal | None:
    if fen is None or (isinstance(fen, float) and not np.isfinite(fen)):
        return None
    return Decimal(int(fen)) / 100


@dataclass
class SeriesForecast:
    """One series forecast: ``frame`` indexed by date with model + FORECAST_COLUMNS; backtest rows; notes."""

    frame: pd.DataFrame
    model: str
    backtest: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def robust_forecast(series: pd.Series, horizon: int, *, freq: str, models: tuple[str, ...] | None,
                    origins: int, series_id: str, table_name: str) -> SeriesForecast:
    """The library's forecast, or — for input it refuses or any failure — a flat forecast at the recent mean
    with a rough interval from the recent spread, saying so in the notes. Never raises for bad data."""
    idx_future = _future_index(series, horizon, freq)
    try:
        res = forecast(series, horizon, freq=freq, models=list(models) if models else None, origins=origins)
        bt = res.backtest.reset_index()
        backtest = pd.DataFrame({
            "series_id": series_id, "table_name": table_name, "model": bt["model"], "mase": bt["mase"],
            "smape": bt["smape"], "coverage80": bt["raw_cover80"], "coverage95": bt["raw_cover95"],
            "n_origins": bt["origins"].fillna(0).astype(int), "chosen": bt["chosen"].astype(bool)})
        frame = res.frame.copy()
        frame.index = idx_future
        return SeriesForecast(frame, res.model, backtest, list(res.notes))
    except Exception as exc:  # bad or short data must not stop the refresh: fall back, say so
        values = pd.to_numeric(series, errors="coerce").dropna().to_numpy(float)
        recent = values[-12:] if len(values) else np.zeros(1)
        mean = float(np.mean(recent)) if len(recent) else 0.0
        sd = float(np.std(recent, ddof=1)) if len(recent) > 1 else abs(mean) * 0.2
        steps = np.sqrt(np.arange(1, horizon + 1))
        frame = pd.DataFrame({"model": "fallback_mean", "mean": mean,
                              "lo80": mean - Z80 * sd * steps, "hi80": mean + Z80 * sd * steps,
                              "lo95": mean - Z95 * sd * steps, "hi95": mean + Z95 * sd * steps}, index=idx_future)
        note = (f"预测库无法预测该序列，按近期均值外推、区间粗略 (the library could not forecast this series: flat "
                f"recent mean, rough interval; {type(exc).__name__}: {exc})")
        empty = pd.DataFrame(columns=BACKTEST_COLUMNS)
        return SeriesForecast(frame, "fallback_mean", empty, [note])


def _future_index(series: pd.Series, horizon: int, freq: str) -> pd.DatetimeIndex:
    last = pd.Timestamp(series.index[-1]) if len(series) else pd.Timestamp.today().normalize()
    if freq == "M":
        return pd.DatetimeIndex([pd.Timestamp(add_months(last.date(), i)) for i in range(1, horizon + 1)])
    return pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
