"""The fiscal-data method (issue 14): the fixed-form ETS member, the conformal-style interval calibration, and
coherent revenue categories (total = sum of its categories, to the fen, intervals included)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from models_forecast import engine, forecast
from models_forecast.apps.config import AppsConfig
from models_forecast.apps.revenue import OTHER, TOTAL, forecast_revenue
from models_forecast.models import ModelForecast, ets_fixed, make_context

from .helpers import assert_sane, monthly

Z80, Z95 = 1.2815515655446004, 1.959963984540054


def _seasonal(n: int, rng: np.random.Generator, sd: float, level: float = 100.0) -> np.ndarray:
    t = np.arange(n)
    return level * (1 + 0.004 * t) * (1 + 0.35 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, sd, n)


def test_ets_fixed_keeps_a_multiplicative_season_and_a_damped_trend() -> None:
    y = _seasonal(72, np.random.default_rng(1), 2.0)
    fc = ets_fixed(y, 12, make_context(y, 12))
    assert fc.detail == "ETS(A,Ad,M)"
    neg = y - 150.0  # sign changes: additive season
    assert ets_fixed(neg, 12, make_context(neg, 12)).detail == "ETS(A,Ad,A)"
    # the season is carried into the forecast: the peak month stays the peak month
    assert int(np.argmax(fc.mean)) == int(np.argmax(y[-12:]))


def _fake(sd: np.ndarray) -> ModelForecast:
    mean = np.zeros(len(sd))
    return ModelForecast("x", mean, -Z80 * sd, Z80 * sd, -Z95 * sd, Z95 * sd)


def test_calibration_reaches_nominal_coverage_when_the_model_sd_is_wrong() -> None:
    """Errors N(0, 1) growing like sqrt(h); the model claims twice (then half) the true sd. The calibrated
    factors bring the intervals back to nominal coverage on fresh errors."""
    rng = np.random.default_rng(7)
    h = 12
    true_sd = np.sqrt(np.arange(1, h + 1))
    for claimed in (2.0, 0.5):
        pairs = [(_fake(claimed * true_sd), rng.normal(0, true_sd)) for _ in range(60)]
        k80, k95 = engine.calibration_factors(pairs)
        assert abs(k80 - 1 / claimed) < 0.15 / claimed and abs(k95 - 1 / claimed) < 0.2 / claimed
        fresh = rng.normal(0, true_sd, size=(400, h))
        half80, half95 = k80 * Z80 * claimed * true_sd, k95 * Z95 * claimed * true_sd
        assert 0.76 <= float(np.mean(np.abs(fresh) <= half80)) <= 0.84
        assert 0.93 <= float(np.mean(np.abs(fresh) <= half95)) <= 0.97


def test_calibration_is_not_dragged_by_one_wild_origin() -> None:
    """One crisis origin (errors 10 sd) among six good ones: quantiles move little, the former RMS rule a lot."""
    rng = np.random.default_rng(3)
    sd = np.ones(12)
    pairs = [(_fake(sd), rng.normal(0, 1, 12)) for _ in range(6)] + [(_fake(sd), np.full(12, 10.0))]
    k80, _ = engine.calibration_factors(pairs)
    old = engine.CALIBRATION
    try:
        engine.CALIBRATION = "rms"
        k80_rms, _ = engine.calibration_factors(pairs)
    finally:
        engine.CALIBRATION = old
    assert k80 < 1.6 < k80_rms


def test_forecast_covers_nominally_on_series_with_known_noise() -> None:
    """End to end: white noise around a known seasonal path, 12 months ahead on 12 series."""
    rng = np.random.default_rng(11)
    inside80 = inside95 = total = 0
    for _ in range(12):
        y = _seasonal(84, rng, 4.0)
        train, test = y[:72], y[72:]
        res = forecast(monthly(train), 12)
        assert_sane(res, 12)
        f = res.frame
        inside80 += int(np.sum((test >= f["lo80"].to_numpy()) & (test <= f["hi80"].to_numpy())))
        inside95 += int(np.sum((test >= f["lo95"].to_numpy()) & (test <= f["hi95"].to_numpy())))
        total += len(test)
    assert 0.68 <= inside80 / total <= 0.92
    assert inside95 / total >= 0.88


def test_revenue_total_is_the_sum_of_its_categories_to_the_fen() -> None:
    rng = np.random.default_rng(5)
    dates = pd.date_range("2019-01-01", "2024-12-01", freq="MS")
    frames = []
    for code, level in (("10101", 5e6), ("10104", 2e6), ("10106", 7e5), ("10118", 3e5)):
        v = np.round(_seasonal(len(dates), rng, level * 0.03, level), 2)
        frames.append(pd.DataFrame({"series_id": code, "series_name": code, "date": dates, "value": v}))
    data = pd.concat(frames, ignore_index=True)
    out = forecast_revenue(data, date(2024, 12, 31), AppsConfig(max_revenue_series=2)).monthly
    assert {TOTAL, OTHER} <= set(out["series_id"])
    fen = out.assign(mean=(out["mean"].astype(float) * 100).round().astype("int64"))
    for kind in ("actual", "forecast"):
        sub = fen[fen["kind"] == kind]
        parts = sub[sub["series_id"] != TOTAL].groupby("date")["mean"].sum()
        tot = sub[sub["series_id"] == TOTAL].set_index("date")["mean"]
        assert len(tot) > 0 and (tot == parts.reindex(tot.index)).all(), kind
    fc = out[out["kind"] == "forecast"]
    parts, tot = fc[fc["series_id"] != TOTAL], fc[fc["series_id"] == TOTAL].set_index("date")
    assert len(tot) == 12
    for lo, hi in (("lo80", "hi80"), ("lo95", "hi95")):
        for side, sign in ((lo, -1), (hi, 1)):
            w = (parts[side] - parts["mean"]).abs().groupby(parts["date"]).agg(
                [("sum", "sum"), ("rss", lambda x: float(np.sqrt(np.sum(x**2))))])
            wt = (tot[side] - tot["mean"]).abs()
            assert (wt <= w["sum"].reindex(wt.index) + 0.011).all(), side
            assert (wt >= w["rss"].reindex(wt.index) - 0.011).all(), side
    assert (tot["lo95"] <= tot["lo80"]).all() and (tot["lo80"] <= tot["mean"]).all()
    assert (tot["mean"] <= tot["hi80"]).all() and (tot["hi80"] <= tot["hi95"]).all()
    assert tot["model"].str.startswith("bottom_up(").all()
