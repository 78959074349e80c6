"""Models on synthetic series with known structure: seasonal recovery, interval coverage, selection, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_forecast import engine, forecast
from models_forecast.decompose import classical, is_seasonal
from models_forecast.models import MODELS, make_context

from .helpers import assert_sane, monthly

PATTERN = np.array([0.80, 0.85, 1.00, 1.05, 1.10, 1.20, 1.15, 1.05, 0.95, 0.90, 0.95, 1.00])
PATTERN = PATTERN / PATTERN.mean()


def seasonal_series(years: int = 8, noise: float = 0.02, seed: int = 0) -> tuple[pd.Series, np.ndarray]:
    """Multiplicative seasonality on a gently rising level; returns the series and the noise-free next year."""
    rng = np.random.default_rng(seed)
    n = 12 * years
    level = 100 * 1.003 ** np.arange(n + 12)
    clean = level * PATTERN[np.arange(n + 12) % 12]
    y = clean[:n] * np.exp(rng.normal(0, noise, n))
    return monthly(y), clean[n:]


def test_classical_decomposition_recovers_the_pattern() -> None:
    y, _ = seasonal_series()
    seasonal = classical(y.to_numpy(), 12, multiplicative=True)
    assert is_seasonal(y.to_numpy(), 12)
    assert np.max(np.abs(seasonal.indices - PATTERN)) < 0.03


def test_forecast_recovers_a_known_seasonal_pattern() -> None:
    y, future = seasonal_series()
    result = forecast(y, 12)
    assert_sane(result, 12)
    assert result.model.startswith("comb(")
    mean = result.frame["mean"].to_numpy()
    # the shape of the forecast year is the seasonal pattern, the level is right within a few per cent
    assert np.corrcoef(mean, PATTERN)[0, 1] > 0.97
    assert np.mean(np.abs(mean / future - 1)) < 0.04
    # dates continue the monthly index
    assert result.frame.index[0] == pd.Timestamp("2023-01-01")
    assert result.frame.index.freqstr == "MS"
    # the clean future lies inside the 95 % band almost everywhere
    inside = (future >= result.frame["lo95"]) & (future <= result.frame["hi95"])
    assert inside.mean() >= 0.9


def test_intervals_cover_near_nominal_on_simulated_local_level_paths() -> None:
    """Local level model (SES is the true model): pooled coverage over 60 paths x 6 steps."""
    rng = np.random.default_rng(42)
    n, h, paths = 60, 6, 60
    hits80 = hits95 = total = 0
    for _ in range(paths):
        level = 50 + np.cumsum(rng.normal(0, 1.0, n + h))
        y = level + rng.normal(0, 1.0, n + h)
        result = forecast(pd.Series(y[:n]), h, models=["ses", "theta"])
        actual = y[n:]
        f = result.frame
        hits80 += int(((actual >= f["lo80"]) & (actual <= f["hi80"])).sum())
        hits95 += int(((actual >= f["lo95"]) & (actual <= f["hi95"])).sum())
        total += h
    assert 0.68 <= hits80 / total <= 0.92, hits80 / total
    assert 0.86 <= hits95 / total <= 0.995, hits95 / total


def test_backtest_selection_picks_the_right_single_model() -> None:
    """Without combination the backtest picks seasonal naive over naive on a strongly seasonal series."""
    y, _ = seasonal_series(noise=0.01)
    result = forecast(y, 12, models=["naive", "snaive"], combine=False)
    assert result.model == "snaive"
    assert result.backtest.loc["snaive", "mase"] < result.backtest.loc["naive", "mase"]
    assert bool(result.backtest.loc["snaive", "chosen"])


def test_backtest_has_no_look_ahead() -> None:
    """Changing the data after every backtest origin changes no backtest forecast, only the errors."""
    y, _ = seasonal_series(years=6)
    base = y.to_numpy()
    changed = base.copy()
    changed[-1] *= 3
    a = engine.run(base, 12, 12, models=["ses", "theta"], origins=2)
    b = engine.run(changed, 12, 12, models=["ses", "theta"], origins=2)
    assert len(a.origins) == 2
    for oa, ob in zip(a.origins, b.origins, strict=True):
        assert oa.train + len(oa.actual) <= len(base)
        for name in ("ses", "theta"):
            fa, fb = oa.forecasts[name], ob.forecasts[name]
            assert fa is not None and fb is not None
            np.testing.assert_allclose(fa.mean, fb.mean)
    assert a.scores["ses"]["mase"] != b.scores["ses"]["mase"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_gives_finite_ordered_bounds(name: str) -> None:
    y, _ = seasonal_series(years=5)
    values = y.to_numpy()
    fc = MODELS[name](values, 12, make_context(values, 12))
    for arr in (fc.mean, fc.lo80, fc.hi80, fc.lo95, fc.hi95):
        assert arr.shape == (12,) and np.all(np.isfinite(arr))
    assert np.all(fc.lo95 <= fc.lo80 + 1e-9) and np.all(fc.lo80 <= fc.mean + 1e-9)
    assert np.all(fc.mean <= fc.hi80 + 1e-9) and np.all(fc.hi80 <= fc.hi95 + 1e-9)


def test_ets_finds_the_trend_of_a_trending_series() -> None:
    rng = np.random.default_rng(3)
    y = 10 + 2.0 * np.arange(60) + rng.normal(0, 1, 60)
    fc = MODELS["ets"](y, 6, make_context(y, 1))
    assert fc.detail.split(",")[1] in ("A", "Ad")
    assert abs(fc.mean[0] - (10 + 2.0 * 60)) < 4


def test_median_combination_is_not_dragged_by_one_wild_member() -> None:
    """The median combination (a --dev trial option, engine.COMBINATION) is not dragged by one wild member."""
    steps = np.ones(3)

    def member(name: str, level: float) -> engine.ModelForecast:
        return engine.ModelForecast(
            name, level * steps, level * steps - 1, level * steps + 1, level * steps - 2, level * steps + 2
        )

    members = [member("a", 100.0), member("b", 102.0), member("c", 104.0), member("wild", 400.0)]
    median = engine.combine(members, "comb", how="median")
    np.testing.assert_allclose(median.mean, 103.0)  # mean of the middle two
    np.testing.assert_allclose(median.hi80 - median.mean, 1.0)  # offsets are still averaged
    np.testing.assert_allclose(engine.combine(members, "comb", how="mean").mean, 176.5)
    with pytest.raises(ValueError, match="unknown combination"):
        engine.combine(members, "comb", how="mode")
