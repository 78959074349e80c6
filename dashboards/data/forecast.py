"""预测 loaders: the forecast schema the refresh writes (revenue, year-end spending, treasury cash, the
early-warning indicators, the models' backtest). The tables may not exist yet (forecasts not run): every
loader here returns None then, and the page shows an empty-state message instead. Forecasts are of the
district's totals: only a district scope reads them (``$district``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .connection import cached, optional
from .filters import scoped
from .scope import Scope
from .sql import rank

# the early-warning bands, worst first: models_forecast.apps.warning.BANDS (green, yellow, red) reversed.
# Re-stated here because the dashboards do not import models_forecast (tests/architecture/test_imports.py).
EARLY_WARNING_BANDS = ("red", "yellow", "green")
RISK_BANDS = EARLY_WARNING_BANDS[:2]  # what the cockpit lists as top risks


@cached
def revenue_forecast(scope: Scope) -> pd.DataFrame | None:
    return optional("forecast", "revenue_monthly", """
        select series_id, series_name, date, kind, model, mean, lo80, hi80, lo95, hi95
        from forecast.revenue_monthly where $district order by series_id, date""", scoped(scope))


@cached
def revenue_year_end(scope: Scope, year: int) -> pd.DataFrame | None:
    return optional("forecast", "revenue_year_end", """
        select * from forecast.revenue_year_end where fiscal_year = $year and $district
        order by series_id""", scoped(scope, year=year))


@cached
def backtest(scope: Scope) -> pd.DataFrame | None:
    return optional("forecast", "backtest", """
        select series_id, table_name, model, mase, smape, coverage80, coverage95, n_origins, computed_at
        from forecast.backtest where $district order by table_name, series_id, mase""", scoped(scope))


@cached
def expenditure_year_end(scope: Scope, year: int) -> pd.DataFrame | None:
    return optional("forecast", "expenditure_year_end", """
        select * from forecast.expenditure_year_end where fiscal_year = $year and $district
        order by indicator_amt desc""", scoped(scope, year=year))


@cached
def cash_forecast(scope: Scope) -> pd.DataFrame | None:
    return optional("forecast", "cash_daily", """
        select date, kind, balance_mean, lo80, hi80, lo95, hi95, known_inflow, known_outflow, p_below_min,
               min_balance
        from forecast.cash_daily where $district order by date""", scoped(scope))


@cached
def cash_forecast_summary(scope: Scope) -> dict[str, Any] | None:
    df = optional("forecast", "cash_summary", "select * from forecast.cash_summary where $district "
                  "order by as_of desc limit 1", scoped(scope))
    if df is None or df.empty:
        return None
    return df.iloc[0].to_dict()


@cached
def early_warning(scope: Scope) -> pd.DataFrame | None:
    """The latest early-warning indicators, worst band first."""
    return optional("forecast", "early_warning", f"""
        select * from forecast.early_warning
        where as_of = (select max(as_of) from forecast.early_warning) and $district
        order by {rank("band", EARLY_WARNING_BANDS)}, indicator_code""", scoped(scope))
