"""Forecasts and early warnings into schema ``forecast`` of the warehouse build file: the refresh pipeline's
forecast step.

The I/O boundary of ``models_forecast.apps`` (the library is pure functions, no DuckDB): ``reads`` takes what the
forecasts need from the marts (and, for the commitments the marts do not keep, the raw core tables), the
applications compute (``build``), ``warnings`` derives the early-warning indicators, and ``tables`` (re)creates
every ``forecast.*`` table in one transaction. The table contracts are in ``models_forecast/apps/README.md``.

``report`` (the report, the inputs and their fingerprint) imports without pandas; the rest is imported when used,
so a refresh that finds nothing new, or forecast inputs unchanged, does not load the forecasting stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .report import INPUTS, MARTS, RAW, ForecastReport, inputs_fingerprint

if TYPE_CHECKING:
    from .build import build_forecasts
    from .reads import ForecastFailed, default_as_of
    from .tables import SCHEMA, TABLES

_LAZY = {"build_forecasts": "build", "ForecastFailed": "reads", "default_as_of": "reads", "SCHEMA": "tables",
         "TABLES": "tables"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["INPUTS", "MARTS", "RAW", "SCHEMA", "TABLES", "ForecastFailed", "ForecastReport", "build_forecasts",
           "default_as_of", "inputs_fingerprint"]
