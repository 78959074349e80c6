"""``forecast``: one series in, forecasts with calibrated 80/95 % intervals out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import engine
from .blas import single_threaded_blas
from .errors import ForecastInputError
from .models import MODELS
from .series import fill_gaps, prepare

COLUMNS = ["model", "mean", "lo80", "hi80", "lo95", "hi95"]


@dataclass
class ForecastResult:
    """The forecast of one series.

    ``frame``: indexed by the future dates (or positions), columns ``model, mean, lo80, hi80, lo95, hi95`` with
    lo95 <= lo80 <= mean <= hi80 <= hi95, all finite. ``model``: the method used, e.g.
    ``"comb(ses,theta,ets_damped,sarima)"``. ``backtest``: one row per model and for the combination, with the
    rolling-origin backtest MASE and sMAPE, the coverage of the uncalibrated intervals, the number of origins and
    of errors, and ``chosen``. ``components``: each fitted model's mean forecast. ``factors``: the interval scale
    factors (80 %, 95 %) from the calibration. ``notes``: fallbacks and data problems, Chinese (English).
    """

    frame: pd.DataFrame
    model: str
    backtest: pd.DataFrame
    components: pd.DataFrame
    factors: tuple[float, float]
    season: int
    notes: list[str] = field(default_factory=list)


def forecast(
    series: pd.Series,
    horizon: int,
    *,
    season: int | None = None,
    models: Sequence[str] | None = None,
    combine: bool = True,
    freq: str | None = None,
    origins: int = 2,
) -> ForecastResult:
    """Forecast ``horizon`` steps of ``series``.

    ``series``: a pandas Series indexed by dates (DatetimeIndex or PeriodIndex; monthly, weekly or daily; the
    frequency is taken from ``freq`` ('M', 'W', 'D'), the index's freq or detected from the dates; missing dates
    become gaps) or by integer positions. Missing values (NaN) are filled by seasonal interpolation.
    ``season``: season length; default 12 monthly, 52 weekly, 7 daily, none for positions.
    ``models``: model names from :data:`models_forecast.models.MODELS`; default
    :data:`models_forecast.engine.DEFAULT_MODELS` (seasonal) or ``NONSEASONAL_MODELS``.
    ``combine``: combine the models (default) or pick the single model with the best backtest.
    ``origins``: number of rolling backtest origins (more is slower and steadier).

    Raises :class:`ForecastInputError` for input it cannot use (no numeric value, bad index, horizon < 1 ...).
    """
    if models is not None:
        unknown = [m for m in models if m not in MODELS]
        if unknown or not models:
            raise ForecastInputError(
                f"未知模型 {unknown}，可选 {sorted(MODELS)} (unknown models {unknown}; choose from {sorted(MODELS)})"
            )
    prepared = prepare(series, horizon, season=season, freq=freq)
    notes = list(prepared.notes)
    y, filled = fill_gaps(prepared.values, prepared.season)
    if filled:
        notes.append(f"{filled} 个缺失值已按季节插值填补 ({filled} missing values filled by seasonal interpolation)")
    with single_threaded_blas():
        result = engine.run(y, int(horizon), prepared.season, models=models, combine_models=combine, origins=origins)
    notes.extend(result.notes)
    fc = result.final
    frame = pd.DataFrame(
        {"model": result.chosen, "mean": fc.mean, "lo80": fc.lo80, "hi80": fc.hi80, "lo95": fc.lo95, "hi95": fc.hi95},
        index=prepared.future,
    )
    frame.index.name = "position" if prepared.freq == "P" else "date"
    rows = [{"model": k, **v, "chosen": k == result.chosen} for k, v in result.scores.items()]
    backtest = pd.DataFrame(
        rows, columns=["model", "mase", "smape", "raw_cover80", "raw_cover95", "origins", "errors", "chosen"]
    )
    components = pd.DataFrame({k: f.mean for k, f in result.fits.items()}, index=prepared.future)
    _assert_ordered(frame)
    return ForecastResult(
        frame, result.chosen, backtest.set_index("model"), components, result.factors, prepared.season, notes
    )


def _assert_ordered(frame: pd.DataFrame) -> None:
    values = frame[["lo95", "lo80", "mean", "hi80", "hi95"]].to_numpy(float)
    if not np.all(np.isfinite(values)) or np.any(np.diff(values, axis=1) < 0):  # pragma: no cover - guarded by engine
        raise RuntimeError("internal error: forecast bounds not finite or not ordered")
