"""Forecasting library: pure functions from a series to forecasts with calibrated 80/95 % intervals.

Public API: :func:`forecast` (one pandas Series), :func:`read_long_csv` / :func:`forecast_long` (long frames
``series_id,date,value``), :func:`models_forecast.cli.run_cli` (the ``fiscal forecast`` command) and
:class:`ForecastInputError`. No dagster, duckdb or streamlit here.
"""

from .api import ForecastResult, forecast
from .errors import ForecastInputError
from .longform import forecast_long, read_long_csv, validate_long

__all__ = ["ForecastInputError", "ForecastResult", "forecast", "forecast_long", "read_long_csv", "validate_long"]
