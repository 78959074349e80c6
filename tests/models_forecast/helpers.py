"""Shared checks for the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models_forecast import ForecastResult

BOUNDS = ["lo95", "lo80", "mean", "hi80", "hi95"]


def assert_sane(result: ForecastResult, horizon: int) -> None:
    """Finite, ordered bounds, one row per step, the documented columns."""
    frame = result.frame
    assert list(frame.columns) == ["model", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert len(frame) == horizon
    values = frame[BOUNDS].to_numpy(float)
    assert np.all(np.isfinite(values)), frame
    assert np.all(np.diff(values, axis=1) >= 0), frame
    assert (frame["model"] == result.model).all()


def monthly(values: np.ndarray | list[float], start: str = "2015-01-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))
