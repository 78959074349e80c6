"""The forecast step's computation (``ingest.forecasts.build_forecasts`` imports this module when it runs: pandas,
scipy and the models cost seconds to import, which a refresh with nothing new must not pay).

The I/O boundary of ``models_forecast.apps`` (the library is pure functions, no DuckDB): ``reads`` takes what the
forecasts need from the marts (and, for the commitments the marts do not keep, the raw core tables), the
applications compute, ``warnings`` derives the early-warning indicators, and ``tables`` (re)creates every
``forecast.*`` table in one transaction. The table contracts are in ``models_forecast/apps/README.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import metadata

import duckdb
import pandas as pd

from models_forecast.apps import cash as cash_app
from models_forecast.apps.config import AppsConfig
from models_forecast.apps.expenditure import expenditure_year_end
from models_forecast.apps.revenue import forecast_revenue, revenue_year_end

from .reads import ForecastFailed, default_as_of, has_table, read_cash, read_execution, read_revenue
from .report import MARTS, ForecastReport
from .tables import COLUMNS, write_all
from .warnings import early_warnings


@dataclass
class _Cash:
    known: pd.DataFrame
    daily: pd.DataFrame
    summary: dict[str, object]
    backtest: pd.DataFrame


def _forecast_cash(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig, report: ForecastReport) -> _Cash:
    """The commitment-aware cash forecast: known flows (in-flight applications, the payroll calendar, contract
    remainders) plus a model of the rest."""
    cin = read_cash(con, as_of, config)
    end = as_of + timedelta(days=config.cash.horizon_days)
    lags = cash_app.clearing_lags(cin["cleared"])
    known = pd.concat([
        cash_app.in_flight_flows(cin["in_flight"], lags, as_of, end),
        cash_app.payroll_calendar(cin["payroll"], as_of, end),
        cash_app.contract_flows(cin["contracts"], as_of, end, config.cash.retention_share),
    ], ignore_index=True)
    if cin["history"].empty:
        report.notes.append("库款日报为空，未做库款预测 (no treasury cash history: no cash forecast)")
        return _Cash(known, pd.DataFrame(), {}, pd.DataFrame())
    general = cin["cleared"][~cin["cleared"]["is_payroll"] & ~cin["cleared"]["is_contract"]]
    cf = cash_app.forecast_cash(cin["history"], known, general, as_of, config)
    return _Cash(known, cf.daily, cf.summary, cf.backtest)


def _run_row(as_of: date, started_at: datetime, config: AppsConfig, report: ForecastReport) -> pd.DataFrame:
    try:
        version = metadata.version("fiscal-platform")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return pd.DataFrame([{
        "as_of": as_of, "started_at": started_at, "seconds": report.seconds["total"],
        "library": f"models_forecast {version}",
        "models": f"revenue: {','.join(config.revenue_models or ('default',))}; cash: "
                  f"{','.join(config.cash.models)}; origins {config.origins}",
        "notes": "; ".join(dict.fromkeys(report.notes)) or None}])


def build_forecasts(con: duckdb.DuckDBPyConnection, *, as_of: date | None = None,
                    progress: Callable[[str], None] | None = None,
                    config: AppsConfig | None = None) -> ForecastReport:
    """Compute every forecast and warning from the marts of the open warehouse and (re)create schema
    ``forecast`` in one transaction. Raises ForecastFailed with a clear message when the marts are missing."""
    say = progress or (lambda _m: None)
    config = config or AppsConfig()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    missing = [t for t in MARTS if not has_table(con, "marts", t)]
    if missing:
        raise ForecastFailed(f"数据仓库缺少集市表 {missing}，请先完成 dbt build (the warehouse lacks marts {missing}: "
                             "run the dbt build first)")
    as_of = as_of or default_as_of(con)
    report = ForecastReport(as_of)
    tick = time.perf_counter()

    def lap(key: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        report.seconds[key], tick = now - tick, now

    say(f"  收入预测 revenue (as of {as_of})")
    monthly, ytd = read_revenue(con, as_of)
    rev = forecast_revenue(monthly, as_of, config)
    rev_ye = revenue_year_end(rev, monthly, ytd, as_of, config)
    report.notes += rev.notes
    lap("revenue")
    say("  支出年末执行预测 expenditure year-end")
    exp = expenditure_year_end(read_execution(con, as_of), as_of, min_sd=config.bands.progress_min_sd)
    lap("expenditure")
    say("  库款预测 cash (commitment-aware)")
    cash = _forecast_cash(con, as_of, config, report)
    lap("cash")
    say("  预警指标 early warnings")
    warnings = early_warnings(con, as_of, config, rev.monthly, rev_ye, cash.summary)
    lap("early_warning")

    tested = [b for b in (rev.backtest, cash.backtest) if not b.empty]
    backtest = pd.concat(tested, ignore_index=True) if tested else pd.DataFrame(
        columns=[n for n, _t, _e in COLUMNS["backtest"]])
    backtest["computed_at"] = started_at
    frames = {"revenue_monthly": rev.monthly, "revenue_year_end": rev_ye, "expenditure_year_end": exp,
              "cash_daily": cash.daily, "cash_known_flows": cash.known,
              "cash_summary": pd.DataFrame([cash.summary]) if cash.summary else pd.DataFrame(),
              "early_warning": warnings, "backtest": backtest}
    report.seconds["total"] = time.perf_counter() - t0
    frames["_run"] = _run_row(as_of, started_at, config, report)
    report.rows = write_all(con, frames)
    say(f"  预测完成 forecasts written: {sum(report.rows.values())} rows in {report.seconds['total']:.1f} s")
    return report


