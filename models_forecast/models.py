"""Single forecasting models: pure functions from a gap-free float array to a forecast with 80/95 % intervals.

Every model gets the observations ``y`` (numpy, no NaN), the horizon ``h`` and a :class:`Context` with the season
length, the result of the seasonality test and the classical seasonal indices. Models fitted by statsmodels get a
pandas Series with a RangeIndex (statsmodels 0.15 fails on plain arrays in places). A model that cannot be fitted
raises :class:`ModelFailure`; the caller falls back and records a note.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .decompose import Array, Seasonal, classical, is_seasonal, none_seasonal

Z80 = float(stats.norm.ppf(0.9))
Z95 = float(stats.norm.ppf(0.975))


class ModelFailure(RuntimeError):
    """A model could not produce a usable forecast for this series."""


@dataclass(frozen=True)
class Context:
    """What every model needs to know about the series besides its values."""

    m: int  # season length (1 = none)
    seasonal: bool  # passed the seasonality test: forms with seasonality are tried
    positive: bool  # strictly positive: multiplicative forms and logs are allowed
    sa: Seasonal  # classical seasonal indices (identity when not seasonal)


def make_context(y: Array, m: int | None) -> Context:
    m = int(m or 1)
    positive = bool(np.all(y > 0))
    seasonal = m > 1 and is_seasonal(y, m)
    sa = classical(y, m, multiplicative=positive) if seasonal else none_seasonal()
    return Context(m=m, seasonal=seasonal, positive=positive, sa=sa)


@dataclass
class ModelForecast:
    """Mean and the model's own (uncalibrated) 80/95 % bounds for steps 1..h."""

    name: str
    mean: Array
    lo80: Array
    hi80: Array
    lo95: Array
    hi95: Array
    detail: str = ""
    notes: list[str] = field(default_factory=list)

    def check(self, y: Array) -> ModelForecast:
        """Reject non-finite or exploding forecasts (statsmodels #6883: a failed fit can give -4.7e13)."""
        arrays = (self.mean, self.lo80, self.hi80, self.lo95, self.hi95)
        if not all(np.all(np.isfinite(a)) for a in arrays):
            raise ModelFailure(f"{self.name}: non-finite forecast")
        span = float(np.max(y) - np.min(y)) + float(np.max(np.abs(y))) + 1e-9
        if np.any(np.abs(self.mean - y[-1]) > 50 * span):
            raise ModelFailure(f"{self.name}: forecast explodes")
        return self


def _normal(name: str, mean: Array, sd: Array, detail: str = "") -> ModelForecast:
    sd = np.maximum(np.nan_to_num(sd, nan=0.0), 0.0)
    return ModelForecast(name, mean, mean - Z80 * sd, mean + Z80 * sd, mean - Z95 * sd, mean + Z95 * sd, detail)


def _restore(fc: ModelForecast, sa: Seasonal, start: int) -> ModelForecast:
    """Re-seasonalise a forecast made on seasonally adjusted data."""
    if sa.m == 1:
        return fc
    mean = sa.restore(fc.mean, start)
    return ModelForecast(
        fc.name,
        mean,
        mean - sa.restore_offset(fc.mean - fc.lo80, start),
        mean + sa.restore_offset(fc.hi80 - fc.mean, start),
        mean - sa.restore_offset(fc.mean - fc.lo95, start),
        mean + sa.restore_offset(fc.hi95 - fc.mean, start),
        fc.detail,
    )


def _exp(fc: ModelForecast) -> ModelForecast:
    """Back from logs: the mean becomes the median forecast, bounds map one to one."""
    with np.errstate(over="ignore"):
        return ModelForecast(
            fc.name, np.exp(fc.mean), np.exp(fc.lo80), np.exp(fc.hi80), np.exp(fc.lo95), np.exp(fc.hi95), fc.detail
        )


def _rms(x: Array) -> float:
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x**2))) if len(x) else 0.0


def _series(y: Array) -> pd.Series:
    return pd.Series(np.asarray(y, dtype=np.float64), index=pd.RangeIndex(len(y)))


# --------------------------------------------------------------------------------------------- simple benchmarks


def naive(y: Array, h: int, ctx: Context) -> ModelForecast:
    sigma = _rms(np.diff(y)) if len(y) > 1 else 0.0
    steps = np.arange(1, h + 1)
    return _normal("naive", np.full(h, y[-1]), sigma * np.sqrt(steps))


def snaive(y: Array, h: int, ctx: Context) -> ModelForecast:
    m = ctx.m
    if m < 2 or len(y) < m + 1:
        raise ModelFailure("snaive: fewer than one season plus one observation")
    steps = np.arange(1, h + 1)
    mean = y[len(y) - m + (steps - 1) % m]
    sigma = _rms(y[m:] - y[:-m])
    return _normal("snaive", mean, sigma * np.sqrt((steps - 1) // m + 1))


def naive2(y: Array, h: int, ctx: Context) -> ModelForecast:
    fc = naive(ctx.sa.adjust(y), h, ctx)
    fc.name = "naive2"
    return _restore(fc, ctx.sa, len(y))


# ------------------------------------------------------------------------------------------- exponential smoothing


def _fit_quietly(fit: Callable[[], object]) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fit()


def _converged(res: object) -> bool:
    retvals = getattr(res, "mle_retvals", None)
    if isinstance(retvals, dict) and "converged" in retvals:
        return bool(retvals["converged"])
    return True


def _ets_fit(y: Array, error: str, trend: str | None, damped: bool, seasonal: str | None, m: int, init: str) -> object:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(
        _series(y),
        error=error,
        trend=trend,
        damped_trend=damped,
        seasonal=seasonal,
        seasonal_periods=m if seasonal else None,
        initialization_method=init,
    )
    res = _fit_quietly(lambda: model.fit(disp=False, maxiter=200))
    if not _converged(res) or not np.isfinite(getattr(res, "llf", np.nan)):
        raise ModelFailure(f"ETS({error},{trend},{seasonal}) did not converge")
    return res


def _ets_predict(res: object, name: str, n: int, h: int, detail: str) -> ModelForecast:
    pred = _fit_quietly(lambda: res.get_prediction(start=n, end=n + h - 1, rng=0))  # type: ignore[attr-defined]
    f80 = _fit_quietly(lambda: pred.summary_frame(alpha=0.2))  # type: ignore[attr-defined]
    f95 = _fit_quietly(lambda: pred.summary_frame(alpha=0.05))  # type: ignore[attr-defined]
    assert isinstance(f80, pd.DataFrame) and isinstance(f95, pd.DataFrame)
    mean = np.asarray(res.forecast(h), dtype=np.float64)  # type: ignore[attr-defined]
    lo80, hi80 = f80["pi_lower"].to_numpy(np.float64), f80["pi_upper"].to_numpy(np.float64)
    lo95, hi95 = f95["pi_lower"].to_numpy(np.float64), f95["pi_upper"].to_numpy(np.float64)
    return ModelForecast(name, mean, lo80, hi80, lo95, hi95, detail)


def _ses_family(y: Array, h: int, ctx: Context, name: str, trend: str | None, damped: bool) -> ModelForecast:
    sa = ctx.sa.adjust(y)
    if len(sa) < 4 + (2 if trend else 0):
        raise ModelFailure(f"{name}: too few observations")
    res = _ets_fit(sa, "add", trend, damped, None, 1, "estimated")
    return _restore(_ets_predict(res, name, len(sa), h, ""), ctx.sa, len(y)).check(y)


def ses(y: Array, h: int, ctx: Context) -> ModelForecast:
    return _ses_family(y, h, ctx, "ses", None, False)


def holt(y: Array, h: int, ctx: Context) -> ModelForecast:
    return _ses_family(y, h, ctx, "holt", "add", False)


def damped(y: Array, h: int, ctx: Context) -> ModelForecast:
    return _ses_family(y, h, ctx, "damped", "add", True)


def _aicc(llf: float, k: int, n: int) -> float:
    if n - k - 1 <= 0:
        return math.inf
    return -2 * llf + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def ets_forms(ctx: Context, n: int, damped_only: bool = False) -> list[tuple[str, str | None, bool, str | None]]:
    """The ETS forms tried: (error, trend, damped, seasonal). No multiplicative trend; no additive error with
    multiplicative seasonality (numerically unstable); multiplicative forms only for strictly positive data;
    seasonal forms only when the seasonality test passed. ``damped_only`` leaves out the undamped trend."""
    errors = ["add", "mul"] if ctx.positive else ["add"]
    trends: list[tuple[str | None, bool]] = [(None, False)]
    if n >= 8:
        trends += [("add", True)] if damped_only else [("add", False), ("add", True)]
    seasons: list[str | None] = [None]
    if ctx.seasonal and n >= 2 * ctx.m + 2:
        seasons += ["add", "mul"] if ctx.positive else ["add"]
    return [(e, t, d, s) for e in errors for (t, d) in trends for s in seasons if not (e == "add" and s == "mul")]


def _ets_aicc(y: Array, h: int, ctx: Context, name: str, damped_only: bool) -> ModelForecast:
    n = len(y)
    if n < 6:
        raise ModelFailure(f"{name}: too few observations")
    best: tuple[float, object, str] | None = None
    for e, t, d, s in ets_forms(ctx, n, damped_only):
        init = "heuristic" if (s is not None or n >= 10) else "estimated"
        try:
            res = _ets_fit(y, e, t, d, s, ctx.m, init)
        except (ModelFailure, ValueError, np.linalg.LinAlgError):
            continue
        k = len(res.params) + (1 + (t is not None) + (ctx.m - 1 if s else 0) if init == "heuristic" else 0)  # type: ignore[attr-defined]
        score = _aicc(float(res.llf), k, n) if init == "heuristic" else float(res.aicc)  # type: ignore[attr-defined]
        label = f"ETS({e[0].upper()},{'N' if t is None else ('Ad' if d else 'A')},{'N' if s is None else s[0].upper()})"
        if np.isfinite(score) and (best is None or score < best[0]):
            try:
                _ets_predict(res, name, n, h, label).check(y)
            except (ModelFailure, ValueError):
                continue
            best = (score, res, label)
    if best is None:
        raise ModelFailure(f"{name}: no form converged")
    return _ets_predict(best[1], name, n, h, best[2]).check(y)


def ets(y: Array, h: int, ctx: Context) -> ModelForecast:
    """ETS chosen by AICc over all :func:`ets_forms`; initial states by the heuristic (fast), counted in AICc."""
    return _ets_aicc(y, h, ctx, "ets", damped_only=False)


def ets_damped(y: Array, h: int, ctx: Context) -> ModelForecast:
    """ETS by AICc without the undamped trend forms (which over-extrapolate: on M3 monthly, held-out last 18
    months of the training data, OWA 0.875 against 0.922 for all forms)."""
    return _ets_aicc(y, h, ctx, "ets_damped", damped_only=True)


# ------------------------------------------------------------------------------------------------------ theta


def _ses_sigma(x: Array, alpha: float) -> float:
    """RMS of one-step SES errors (level started at the first observation)."""
    level, errors = x[0], np.empty(len(x) - 1)
    for t in range(1, len(x)):
        errors[t - 1] = x[t] - level
        level += alpha * errors[t - 1]
    return _rms(errors)


def theta(y: Array, h: int, ctx: Context) -> ModelForecast:
    """Theta (SES with drift half the linear trend) on seasonally adjusted data; SES variance for the bounds."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    sa = ctx.sa.adjust(y)
    if len(sa) < 4:
        raise ModelFailure("theta: too few observations")
    res = _fit_quietly(lambda: ThetaModel(_series(sa), deseasonalize=False, method="additive").fit())
    mean = np.asarray(res.forecast(h), dtype=np.float64)  # type: ignore[attr-defined]
    alpha = float(res.params.iloc[1])  # type: ignore[attr-defined]
    sd = _ses_sigma(sa, alpha) * np.sqrt(1 + np.arange(h) * alpha**2)
    return _restore(_normal("theta", mean, sd, f"alpha={alpha:.2f}"), ctx.sa, len(y)).check(y)


# ------------------------------------------------------------------------------------------------------- ARIMA


def _arima_fit(z: Array, order: tuple[int, int, int], seasonal_order: tuple[int, int, int, int], trend: str) -> object:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    model = SARIMAX(_series(z), order=order, seasonal_order=seasonal_order, trend=trend)
    res = _fit_quietly(lambda: model.fit(disp=False, cov_type="none"))
    if not _converged(res) or not np.isfinite(getattr(res, "llf", np.nan)):
        raise ModelFailure("arima: did not converge")
    return res


def _arima_forecast(res: object, name: str, h: int, log: bool, detail: str) -> ModelForecast:
    fc = res.get_forecast(h)  # type: ignore[attr-defined]
    mu = np.asarray(fc.predicted_mean, dtype=np.float64)
    sd = np.sqrt(np.maximum(np.asarray(fc.var_pred_mean, dtype=np.float64), 0.0))
    out = _normal(name, mu, sd, detail)
    return _exp(out) if log else out


def arima(y: Array, h: int, ctx: Context) -> ModelForecast:
    """ARIMA on (logs of, when positive) seasonally adjusted data, order chosen by AICc from a small set."""
    sa = ctx.sa.adjust(y)
    if len(sa) < 8:
        raise ModelFailure("arima: too few observations")
    log = ctx.positive
    z = np.log(sa) if log else sa
    candidates = [((0, 1, 1), "n"), ((0, 1, 1), "t"), ((1, 1, 0), "t"), ((1, 1, 1), "n"), ((2, 1, 0), "t")]
    best: tuple[float, object, str] | None = None
    for order, trend in candidates:
        try:
            res = _arima_fit(z, order, (0, 0, 0, 0), trend)
        except (ModelFailure, ValueError, np.linalg.LinAlgError):
            continue
        k = sum(order[::2]) + (trend == "t") + 1
        score = _aicc(float(res.llf), k, len(z) - 1)  # type: ignore[attr-defined]
        if best is None or score < best[0]:
            best = (score, res, f"ARIMA{order}{'+drift' if trend == 't' else ''}")
    if best is None:
        raise ModelFailure("arima: no order converged")
    fc = _arima_forecast(best[1], "arima", h, log, best[2])
    return _restore(fc, ctx.sa, len(y)).check(y)


def _integrate(
    w_mean: Array, w_var: Array, z: Array, d_poly: Array, ma_poly: Array, sigma2: float
) -> tuple[Array, Array]:
    """Undo differencing ``d_poly(B) z_t = w_t``: means by the recursion, variances by psi weights."""
    h, k = len(w_mean), len(d_poly) - 1
    path = np.r_[z, np.empty(h)]
    n = len(z)
    for j in range(h):
        # d_poly = [1, c1, ..., ck]: z_t = w_t - c1 z_{t-1} - ... - ck z_{t-k}
        path[n + j] = w_mean[j] - np.dot(d_poly[1:], path[n + j - np.arange(1, k + 1)])
    psi = np.zeros(h)
    # psi weights of ma_poly(B) / d_poly(B)
    for j in range(h):
        acc = ma_poly[j] if j < len(ma_poly) else 0.0
        for i in range(1, min(j, k) + 1):
            acc -= d_poly[i] * psi[j - i]
        psi[j] = acc
    var = sigma2 * np.cumsum(psi**2)
    return path[n:], np.maximum(var, w_var)


def sarima(y: Array, h: int, ctx: Context) -> ModelForecast:
    """Airline SARIMA (0,1,1)(0,1,1)m on logs (levels when not strictly positive).

    Fitted by SARIMAX on the differenced series (``simple_differencing``: about 2.5x faster than the full state
    space); forecasts and variances are integrated back here.
    """
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    m = ctx.m
    if m < 2 or len(y) < 2 * m + 4:
        raise ModelFailure("sarima: needs a season length and at least two seasons")
    log = ctx.positive
    z = np.log(y) if log else y.astype(np.float64)
    model = SARIMAX(_series(z), order=(0, 1, 1), seasonal_order=(0, 1, 1, m), simple_differencing=True)
    res = _fit_quietly(lambda: model.fit(disp=False, cov_type="none", low_memory=True))
    if not _converged(res) or not np.isfinite(getattr(res, "llf", np.nan)):  # one retry with another optimiser
        res = _fit_quietly(lambda: model.fit(disp=False, cov_type="none", low_memory=True, method="nm", maxiter=400))
    if not _converged(res) or not np.isfinite(getattr(res, "llf", np.nan)):
        raise ModelFailure("sarima: did not converge")
    fc = res.get_forecast(h)  # type: ignore[attr-defined]
    theta1, stheta1, sigma2 = (float(v) for v in res.params.iloc[:3])  # type: ignore[attr-defined]
    ma = np.convolve([1.0, theta1], np.r_[1.0, np.zeros(m - 1), stheta1])
    diff = np.convolve([1.0, -1.0], np.r_[1.0, np.zeros(m - 1), -1.0])
    mu, var = _integrate(np.asarray(fc.predicted_mean, float), np.zeros(h), z, diff, ma, sigma2)
    out = _normal("sarima", mu, np.sqrt(var), f"SARIMA(0,1,1)(0,1,1){m}{' log' if log else ''}")
    return (_exp(out) if log else out).check(y)


# --------------------------------------------------------------------------------------------------- STL + ETS


def stl_ets(y: Array, h: int, ctx: Context) -> ModelForecast:
    """Robust STL, damped-trend ETS on the seasonally adjusted part, seasonal naive on the seasonal part."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.stl import STLForecast

    m = ctx.m
    if m < 2 or len(y) < 2 * m + 2:
        raise ModelFailure("stl_ets: needs a season length and at least two seasons")
    model = STLForecast(
        _series(y), ETSModel, model_kwargs={"error": "add", "trend": "add", "damped_trend": True}, period=m, robust=True
    )
    res = _fit_quietly(lambda: model.fit(fit_kwargs={"disp": False}))
    if not _converged(getattr(res, "model_result", None)):
        raise ModelFailure("stl_ets: ETS did not converge")
    n = len(y)
    frame = _fit_quietly(lambda: res.get_prediction(start=n, end=n + h - 1).summary_frame(alpha=0.2))  # type: ignore[attr-defined]
    assert isinstance(frame, pd.DataFrame)
    mean, sd = frame["mean"].to_numpy(np.float64), frame["mean_se"].to_numpy(np.float64)
    return _normal("stl_ets", mean, sd, "STL+ETS(A,Ad,N)").check(y)


ModelFn = Callable[[Array, int, Context], ModelForecast]

MODELS: dict[str, ModelFn] = {
    "naive": naive,
    "snaive": snaive,
    "naive2": naive2,
    "ses": ses,
    "holt": holt,
    "damped": damped,
    "theta": theta,
    "ets": ets,
    "ets_damped": ets_damped,
    "arima": arima,
    "sarima": sarima,
    "stl_ets": stl_ets,
}
