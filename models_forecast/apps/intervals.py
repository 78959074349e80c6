"""Interval arithmetic on forecasts given as (mean, lo80, hi80, lo95, hi95).

The library's intervals are central: lo80/hi80 are the 10 % / 90 % quantiles and lo95/hi95 the 2.5 % / 97.5 %
ones, possibly asymmetric. Here each side is read as half of a normal distribution (a *split normal* around the
mean) with its own standard deviation, which is what the sums and probabilities below assume.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

Z80 = 1.2815515655446004
Z95 = 1.959963984540054
BOUNDS = ("lo95", "lo80", "mean", "hi80", "hi95")


def norm_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def side_sds(mean: float, lo80: float, hi80: float, lo95: float, hi95: float) -> tuple[float, float, float, float]:
    """(lower sd from the 80 % bound, upper sd from the 80 % bound, lower from 95 %, upper from 95 %)."""
    return ((mean - lo80) / Z80, (hi80 - mean) / Z80, (mean - lo95) / Z95, (hi95 - mean) / Z95)


def prob_below(threshold: float, mean: float, lo80: float, hi80: float) -> float:
    """P(X < threshold) for the split normal whose 10 % / 90 % quantiles are lo80 / hi80."""
    sd_lo, sd_hi = (mean - lo80) / Z80, (hi80 - mean) / Z80
    sd = sd_lo if threshold < mean else sd_hi
    if not math.isfinite(sd) or sd <= 0:
        return 1.0 if threshold > mean else 0.0
    return norm_cdf((threshold - mean) / sd)


def combine_sds(sds: Sequence[float] | np.ndarray, rho: float) -> float:
    """Standard deviation of a sum of terms with these sds and a common pairwise correlation ``rho``."""
    s = np.asarray(sds, dtype=float)
    s = np.where(np.isfinite(s) & (s > 0), s, 0.0)
    var = (1.0 - rho) * float(np.sum(s**2)) + rho * float(np.sum(s)) ** 2
    return math.sqrt(max(var, 0.0))


def sum_forecast(frame: pd.DataFrame, rho: float, offset: float = 0.0) -> dict[str, float]:
    """The total of several forecast periods plus a known ``offset``: mean = sum of means; each bound from
    the combined side sds (``combine_sds``) of the periods, so the bounds stay ordered."""
    if frame.empty:
        return {k: float(offset) for k in BOUNDS}
    m = frame["mean"].to_numpy(float)
    total = float(m.sum()) + offset
    lo80 = combine_sds((m - frame["lo80"].to_numpy(float)) / Z80, rho)
    hi80 = combine_sds((frame["hi80"].to_numpy(float) - m) / Z80, rho)
    lo95 = combine_sds((m - frame["lo95"].to_numpy(float)) / Z95, rho)
    hi95 = combine_sds((frame["hi95"].to_numpy(float) - m) / Z95, rho)
    out = {"mean": total, "lo80": total - Z80 * lo80, "hi80": total + Z80 * hi80,
           "lo95": total - Z95 * max(lo95, lo80), "hi95": total + Z95 * max(hi95, hi80)}
    return ordered(out)


def ordered(row: dict[str, float]) -> dict[str, float]:
    """Force lo95 <= lo80 <= mean <= hi80 <= hi95 (rounding can cross them by a hair)."""
    m = row["mean"]
    lo80, hi80 = min(row["lo80"], m), max(row["hi80"], m)
    return {**row, "lo80": lo80, "hi80": hi80, "lo95": min(row["lo95"], lo80), "hi95": max(row["hi95"], hi80)}
