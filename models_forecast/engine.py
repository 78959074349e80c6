"""Rolling-origin backtest, model selection/combination and interval calibration on plain arrays.

Everything here works on a gap-free float array; dates are the business of :mod:`models_forecast.api`.

The method, per series:

1. fit every model of the pool on the whole series (failures are skipped with a note);
2. refit the pool at up to ``origins`` earlier forecast origins, each time on the data before the origin only
   (seasonality test and seasonal indices included: no look-ahead), and keep the errors;
3. the forecast is the combination (mean of the means and of the interval offsets) of every model that worked,
   less any model whose backtest MASE is over three times the median of the pool; a single model replaces the
   combination only if its backtest MASE is under half the combination's. (On M3 monthly, held-out last 18 months
   of the training data, any looser selection on two origins made the forecasts worse: selection on few origins
   is noisy.) With ``combine=False`` the single model with the lowest backtest MASE is used;
4. the chosen forecast's interval offsets are rescaled: the factor is the root mean square of the backtest errors
   in units of the model's own standard deviation (80 % half-width / 1.2816), pooled with a prior factor that
   counts as PRIOR_WEIGHT origins; the 95 % offsets get the factor times TAIL_FACTOR (errors have fatter tails
   than normal).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .decompose import Array
from .models import MODELS, Context, ModelFailure, ModelForecast, make_context

#: Default pool with a season length (the combination of these is the final method).
DEFAULT_MODELS: tuple[str, ...] = ("ses", "theta", "ets_damped", "sarima")
#: Default pool without a season length.
NONSEASONAL_MODELS: tuple[str, ...] = ("ses", "theta", "ets_damped", "arima")
Z80 = 1.2815515655446004

#: How the members' means are combined: "mean" or "median" (with four members, the mean of the middle two). On M3
#: monthly (--dev, 200 series) the median was worse inside this engine (OWA 0.843 against 0.831): the trimming
#: already drops the wild members, and the median then throws information away.
COMBINATION = "mean"
#: A single model replaces the combination only if its backtest MASE is below this fraction of the combination's.
SINGLE_MARGIN = 0.5
#: A member whose backtest MASE exceeds this multiple of the pool median is left out of the combination.
TRIM_RATIO = 3.0
#: Prior interval scale factor and its weight in origins; extra factor for the 95 % offsets. Set on the M3
#: monthly training data (last 18 months held out), never on the official hold-out.
PRIOR_FACTOR = 1.1
PRIOR_WEIGHT = 2.0
TAIL_FACTOR = 1.05
#: Errors beyond this many model standard deviations count as this many (one wild origin must not dominate).
Z_CAP = 10.0


@dataclass
class Origin:
    """One backtest origin: training length, actual values after it and the forecasts of each model."""

    train: int
    actual: Array
    scale: float  # in-sample MAE of the seasonal (or plain) naive at this origin: the MASE denominator
    forecasts: dict[str, ModelForecast | None]


@dataclass
class Run:
    """Everything the engine computed for one series."""

    final: ModelForecast
    chosen: str
    fits: dict[str, ModelForecast]
    origins: list[Origin]
    scores: dict[str, dict[str, float]]
    factors: tuple[float, float]
    notes: list[str] = field(default_factory=list)


def mase_scale(y: Array, m: int) -> float:
    lag = m if m > 1 and len(y) > m else 1
    if len(y) <= lag:
        return float("nan")
    return float(np.mean(np.abs(y[lag:] - y[:-lag])))


def smape(actual: Array, fc: Array) -> float:
    denom = np.abs(actual) + np.abs(fc)
    terms = np.where(denom > 0, 200 * np.abs(actual - fc) / np.where(denom > 0, denom, 1), 0.0)
    return float(np.mean(terms))


def combine(members: Sequence[ModelForecast], name: str, how: str | None = None) -> ModelForecast:
    """Median (or mean, ``how="mean"``; default :data:`COMBINATION`) of the members' means, step by step; bounds =
    combined mean minus/plus the mean of the members' offsets (the calibration rescales them afterwards)."""
    how = how or COMBINATION
    if how not in ("median", "mean"):
        raise ValueError(f"unknown combination {how!r}")
    mean = (np.median if how == "median" else np.mean)([f.mean for f in members], axis=0)

    def off(attr: str) -> Array:
        return np.mean([np.abs(getattr(f, attr) - f.mean) for f in members], axis=0)

    return ModelForecast(
        name,
        mean,
        mean - off("lo80"),
        mean + off("hi80"),
        mean - off("lo95"),
        mean + off("hi95"),
        "+".join(f.name for f in members),
    )


def comb_name(members: Sequence[str]) -> str:
    return f"comb({','.join(members)})"


def origins_for(n: int, horizon: int, m: int, count: int) -> list[tuple[int, int]]:
    """Backtest origins as (training length, steps). Full-horizon origins spaced by half a horizon going back;
    if the series is too short for one, a single origin with a shorter horizon."""
    if count < 1:
        return []
    min_train = max(8, 3 * m if m > 1 else 0)
    step = max(1, horizon // 2)
    out = [(n - horizon - i * step, horizon) for i in range(count) if n - horizon - i * step >= min_train]
    if not out:
        train = max(min_train, n - horizon)
        if train >= n:
            train = max(min(8, n - 1), n // 2)
        if 3 <= train < n:
            out = [(train, n - train)]
    return out


def _fit_pool(y: Array, h: int, ctx: Context, pool: Sequence[str]) -> tuple[dict[str, ModelForecast], dict[str, str]]:
    fits: dict[str, ModelForecast] = {}
    failed: dict[str, str] = {}
    for name in pool:
        try:
            fits[name] = MODELS[name](y, h, ctx)
        except Exception as exc:  # any model failure means: skip it, say so, carry on
            failed[name] = str(exc) if isinstance(exc, ModelFailure) else f"{type(exc).__name__}: {exc}"
    return fits, failed


def _candidate(
    name: str, forecasts: dict[str, ModelForecast | None], members: dict[str, tuple[str, ...]]
) -> ModelForecast | None:
    parts = [p for p in (forecasts.get(k) for k in members[name]) if p is not None]
    if not parts:
        return None
    if len(members[name]) == 1:
        return parts[0]
    return combine(parts, name)


def _score(cands: dict[str, tuple[str, ...]], origins: list[Origin]) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for name in cands:
        mases, smapes, cov80, cov95, n_err = [], [], [], [], 0
        for o in origins:
            fc = _candidate(name, o.forecasts, cands)
            if fc is None:
                continue
            steps = len(o.actual)
            err = np.abs(o.actual - fc.mean[:steps])
            if np.isfinite(o.scale) and o.scale > 0:
                mases.append(float(np.mean(err)) / o.scale)
            smapes.append(smape(o.actual, fc.mean[:steps]))
            cov80.append(float(np.mean((o.actual >= fc.lo80[:steps]) & (o.actual <= fc.hi80[:steps]))))
            cov95.append(float(np.mean((o.actual >= fc.lo95[:steps]) & (o.actual <= fc.hi95[:steps]))))
            n_err += steps
        scores[name] = {
            "mase": float(np.mean(mases)) if mases else math.nan,
            "smape": float(np.mean(smapes)) if smapes else math.nan,
            "raw_cover80": float(np.mean(cov80)) if cov80 else math.nan,
            "raw_cover95": float(np.mean(cov95)) if cov95 else math.nan,
            "origins": float(len(smapes)),
            "errors": float(n_err),
        }
    return scores


def _choose(cands: dict[str, tuple[str, ...]], scores: dict[str, dict[str, float]], combine_ok: bool) -> str:
    """The combination candidate (the last one) unless a single model is much better; see the module docstring."""
    singles = [k for k, v in cands.items() if len(v) == 1]
    combos = [k for k, v in cands.items() if len(v) > 1]

    def key(k: str) -> float:
        v = scores.get(k, {}).get("mase", math.nan)
        if not math.isfinite(v):
            v = scores.get(k, {}).get("smape", math.nan)
        return v if math.isfinite(v) else math.inf

    best_single = min(singles, key=key)
    if combine_ok and combos:
        combo = combos[-1]
        if key(best_single) < SINGLE_MARGIN * key(combo):
            return best_single
        return combo
    return best_single


def _trimmed(fits: Sequence[str], scores: dict[str, dict[str, float]]) -> tuple[list[str], list[str]]:
    """Members kept in the combination and members left out for a backtest MASE over TRIM_RATIO x the median."""
    vals = {k: scores[k]["mase"] for k in fits if math.isfinite(scores.get(k, {}).get("mase", math.nan))}
    if len(vals) < 3:
        return list(fits), []
    limit = TRIM_RATIO * float(np.median(list(vals.values())))
    dropped = [k for k, v in vals.items() if v > limit]
    return [k for k in fits if k not in dropped], dropped


def _ratios(fc: ModelForecast, actual: Array) -> tuple[Array, Array]:
    """|error| over the model's own half-width on the side of the error, for each level."""
    steps = len(actual)
    err = actual - fc.mean[:steps]
    out = []
    for lo, hi in ((fc.lo80, fc.hi80), (fc.lo95, fc.hi95)):
        width = np.where(err >= 0, hi[:steps] - fc.mean[:steps], fc.mean[:steps] - lo[:steps])
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(width > 0, np.abs(err) / np.where(width > 0, width, 1.0), np.where(err == 0, 0.0, np.inf))
        out.append(r)
    return out[0], out[1]


def calibration_factors(pairs: Sequence[tuple[ModelForecast, Array]]) -> tuple[float, float]:
    """Factors (80 %, 95 %) by which the interval offsets grow (or shrink) to match the backtest errors.

    Errors within one origin are strongly correlated, so the origin (not the error) is the unit of evidence: each
    origin contributes the mean square of its errors in model standard deviations; the prior counts as
    PRIOR_WEIGHT origins with PRIOR_FACTOR squared.
    """
    num, den = PRIOR_WEIGHT * PRIOR_FACTOR**2, PRIOR_WEIGHT
    for fc, actual in pairs:
        z = _ratios(fc, actual)[0] * Z80
        z = np.minimum(np.nan_to_num(z, nan=0.0, posinf=Z_CAP), Z_CAP)
        if len(z):
            num += float(np.mean(z**2))
            den += 1.0
    k = math.sqrt(num / den)
    return k, k * TAIL_FACTOR


def apply_factors(fc: ModelForecast, factors: tuple[float, float], name: str | None = None) -> ModelForecast:
    k80, k95 = factors
    m = fc.mean
    return ModelForecast(
        name or fc.name,
        m,
        m - k80 * (m - fc.lo80),
        m + k80 * (fc.hi80 - m),
        m - k95 * (m - fc.lo95),
        m + k95 * (fc.hi95 - m),
        fc.detail,
        list(fc.notes),
    )


def order_bounds(fc: ModelForecast, nonnegative: bool) -> ModelForecast:
    """Enforce lo95 <= lo80 <= mean <= hi80 <= hi95 (and >= 0 when the history never went below 0)."""
    mean = fc.mean.copy()
    if nonnegative:
        mean = np.maximum(mean, 0.0)
    lo80 = np.minimum(fc.lo80, mean)
    hi80 = np.maximum(fc.hi80, mean)
    lo95 = np.minimum(fc.lo95, lo80)
    hi95 = np.maximum(fc.hi95, hi80)
    if nonnegative:
        lo80, lo95 = np.maximum(lo80, 0.0), np.maximum(lo95, 0.0)
    return ModelForecast(fc.name, mean, lo80, hi80, lo95, hi95, fc.detail, list(fc.notes))


def _fallback_naive(y: Array, h: int, ctx: Context, notes: list[str]) -> ModelForecast:
    fc = MODELS["naive"](y, h, ctx)
    if len(y) < 3 or not np.any(np.diff(y)):
        if np.ptp(y) == 0 and len(y) >= 3:
            notes.append(
                "序列为常数，预测为同一常数、区间宽度为 0 (constant series: flat forecast, zero-width intervals)"
            )
        else:
            sigma = 0.1 * max(abs(float(y[-1])), 1e-9) if y[-1] != 0 else 1.0
            steps = np.sqrt(np.arange(1, h + 1))
            fc = ModelForecast(
                "naive",
                fc.mean,
                fc.mean - 1.2816 * sigma * steps,
                fc.mean + 1.2816 * sigma * steps,
                fc.mean - 1.96 * sigma * steps,
                fc.mean + 1.96 * sigma * steps,
            )
            notes.append(
                f"只有 {len(y)} 个观测值，用朴素预测，区间按末值 ±10% 每步粗略假设，不可靠 "
                f"(only {len(y)} observations: naive forecast with a rough ±10 % per step interval, not reliable)"
            )
    return fc


def run(
    y: Array,
    horizon: int,
    season: int,
    models: Sequence[str] | None = None,
    combine_models: bool = True,
    origins: int = 2,
) -> Run:
    """Forecast ``horizon`` steps of the gap-free array ``y`` with season length ``season``."""
    notes: list[str] = []
    unknown = [k for k in (models or ()) if k not in MODELS]
    if unknown:
        raise ValueError(f"unknown models: {unknown}")
    n = len(y)
    ctx = make_context(y, season)
    if season > 1 and not ctx.seasonal:
        if n < 3 * season:
            notes.append(
                f"观测数 {n} 少于 3 个季节周期 ({3 * season})，不做季节性建模 "
                f"({n} observations, fewer than three seasons of {season}: no seasonal models)"
            )
        else:
            notes.append(f"未检出周期 {season} 的季节性 (no significant seasonality at lag {season})")
    nonnegative = bool(np.all(y >= 0))
    if not ctx.positive and np.ptp(y) > 0:
        notes.append("序列含零或负值：不用乘法形式和对数变换 (zeros or negatives: no multiplicative forms, no logs)")
    if n < 4 or np.ptp(y) == 0:
        fc = order_bounds(_fallback_naive(y, horizon, ctx, notes), nonnegative)
        return Run(fc, "naive", {"naive": fc}, [], {}, (1.0, 1.0), notes)

    pool = list(models) if models else list(DEFAULT_MODELS if season > 1 else NONSEASONAL_MODELS)
    fits, failed = _fit_pool(y, horizon, ctx, pool)
    for name, why in failed.items():
        notes.append(f"模型 {name} 不适用或拟合失败，已跳过 (model {name} skipped: {why})")
    if not fits:
        notes.append("所有候选模型均失败，退回朴素预测 (every candidate model failed: naive fallback)")
        fallback_pool = ["naive2" if ctx.seasonal else "naive"]
        fits, _ = _fit_pool(y, horizon, ctx, fallback_pool)
        if not fits:
            fits = {"naive": _fallback_naive(y, horizon, ctx, notes)}

    bt: list[Origin] = []
    for train, steps in origins_for(n, horizon, season if ctx.seasonal else 1, origins):
        past = y[:train]
        octx = make_context(past, season)
        ofits, _ = _fit_pool(past, steps, octx, list(fits))
        forecasts: dict[str, ModelForecast | None] = {k: ofits.get(k) for k in fits}
        bt.append(Origin(train, y[train : train + steps], mase_scale(past, season if ctx.seasonal else 1), forecasts))
    if not bt:
        notes.append(
            "序列太短，无法回测：直接组合、区间未经校准 (too short to backtest: plain combination, uncalibrated intervals)"
        )

    cands: dict[str, tuple[str, ...]] = {k: (k,) for k in fits}
    scores = _score(cands, bt)
    members, dropped = _trimmed(list(fits), scores)
    for k in dropped:
        notes.append(
            f"模型 {k} 回测误差过大，不参与组合 (model {k} left out of the combination: backtest MASE over {TRIM_RATIO:g}x the median)"
        )
    if combine_models and len(members) > 1:
        cands[comb_name(members)] = tuple(members)
        scores.update(_score({comb_name(members): tuple(members)}, bt))
    chosen = _choose(cands, scores, combine_models)
    picked = _candidate(chosen, dict(fits), cands)
    assert picked is not None
    pairs: list[tuple[ModelForecast, Array]] = []
    for o in bt:
        past_fc = _candidate(chosen, o.forecasts, cands)
        if past_fc is not None:
            pairs.append((past_fc, o.actual))
    factors = calibration_factors(pairs)
    final = order_bounds(apply_factors(picked, factors, chosen), nonnegative)
    if not all(np.all(np.isfinite(a)) for a in (final.mean, final.lo95, final.hi95)):
        notes.append("组合结果含非有限值，退回朴素预测 (non-finite result: naive fallback)")
        final = order_bounds(_fallback_naive(y, horizon, ctx, notes), nonnegative)
        chosen = "naive"
    return Run(final, chosen, fits, bt, scores, factors, notes)
