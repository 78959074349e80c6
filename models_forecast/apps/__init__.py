"""Forecasting and early-warning applications: pure functions on pandas frames (no DuckDB, no Dagster).

``ingest/forecasts.py`` reads the warehouse, calls these and writes schema ``forecast``; see README.md here.
"""

from .cash import CashForecast, contract_flows, forecast_cash, in_flight_flows, payroll_calendar
from .config import AppsConfig, CashConfig, WarningBands
from .expenditure import expenditure_year_end
from .revenue import RevenueForecast, forecast_revenue, revenue_year_end

__all__ = ["AppsConfig", "CashConfig", "CashForecast", "RevenueForecast", "WarningBands", "contract_flows",
           "expenditure_year_end", "forecast_cash", "forecast_revenue", "in_flight_flows", "payroll_calendar",
           "revenue_year_end"]
