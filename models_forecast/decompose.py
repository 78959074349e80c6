"""Seasonality test and classical decomposition (the M-competition Naive2/Theta recipe)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Seasonal:
    """Seasonal indices of a series: ``sa = y / index`` (multiplicative) or ``y - index`` (additive);
    observation ``t`` (0-based position in the series) has index ``indices[t % m]``."""

    m: int
    indices: Array  # length m, by position t % m
    multiplicative: bool

    def at(self, positions: npt.NDArray[np.int64]) -> Array:
        return np.asarray(self.indices[positions % self.m], dtype=float)

    def adjust(self, y: Array) -> Array:
        s = self.at(np.arange(len(y)))
        return y / s if self.multiplicative else y - s

    def restore(self, values: Array, start: int) -> Array:
        """Re-seasonalise ``values`` that sit at positions ``start, start+1, ...``."""
        s = self.at(np.arange(start, start + len(values)))
        return values * s if self.multiplicative else values + s

    def restore_offset(self, offsets: Array, start: int) -> Array:
        """Re-seasonalise deviations (interval half-widths) at positions ``start, ...``."""
        if not self.multiplicative:
            return offsets
        return offsets * self.at(np.arange(start, start + len(offsets)))


def acf(y: Array, nlags: int) -> Array:
    """Sample autocorrelations 0..nlags (biased estimator, as in R's ``acf``)."""
    x = y - y.mean()
    denom = float(np.dot(x, x))
    if denom <= 0:
        return np.zeros(nlags + 1)
    return np.array([1.0] + [float(np.dot(x[k:], x[: len(x) - k])) / denom for k in range(1, nlags + 1)])


def is_seasonal(y: Array, m: int) -> bool:
    """M4 benchmark test: the lag-m autocorrelation is significant at 90 % (needs at least 3 seasons)."""
    if m < 2 or len(y) < 3 * m:
        return False
    r = acf(y, m)
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[1:m] ** 2)) / len(y))
    return bool(abs(r[m]) > limit)


def _centred_moving_average(y: Array, m: int) -> Array:
    n = len(y)
    out = np.full(n, np.nan)
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    k = len(w) // 2
    if n < len(w):
        return out
    out[k : n - k] = np.convolve(y, w, mode="valid")
    return out


def classical(y: Array, m: int, multiplicative: bool) -> Seasonal:
    """Classical decomposition seasonal indices (needs at least two full seasons)."""
    trend = _centred_moving_average(y, m)
    detr = y / trend if multiplicative else y - trend
    idx = np.empty(m)
    pos = np.arange(len(y)) % m
    for j in range(m):
        vals = detr[(pos == j) & np.isfinite(detr)]
        idx[j] = vals.mean() if len(vals) else (1.0 if multiplicative else 0.0)
    if multiplicative:
        idx = idx / idx.mean()
        if not np.all(np.isfinite(idx)) or np.any(idx <= 0):
            return Seasonal(m, np.ones(m), True)
    else:
        idx = idx - idx.mean()
    return Seasonal(m, idx, multiplicative)


def none_seasonal() -> Seasonal:
    return Seasonal(1, np.ones(1), True)
