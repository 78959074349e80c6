"""Input preparation: frequency detection, the future index, season length and gap filling."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .decompose import Array
from .errors import ForecastInputError

#: Default season length by frequency code.
SEASON = {"M": 12, "W": 52, "D": 7, "Q": 4, "Y": 1, "P": 1}
FREQ_NAMES = {"M": "月度 (monthly)", "W": "周度 (weekly)", "D": "日度 (daily)"}


def detect_freq(dates: pd.DatetimeIndex, where: str = "") -> str:
    """Detect monthly ('M'), weekly ('W') or daily ('D') from sorted unique dates; gaps are allowed.

    Monthly: every date on the same day of the month (or every date a month end). Weekly: every gap a multiple
    of 7 days. Daily: anything else on whole days. Dates with a time of day other than midnight fit none.
    """
    label = f"{where}：" if where else ""
    if len(dates) < 2:
        raise ForecastInputError(
            f"{label}只有 {len(dates)} 个日期，无法判断频率，请用 --freq 指定 "
            f"(only {len(dates)} date(s): cannot detect the frequency, give it with --freq)"
        )
    if (dates != dates.normalize()).any():
        raise ForecastInputError(
            f"{label}日期含有时刻，不符合月/周/日频率 (dates carry a time of day: they fit no monthly/weekly/daily frequency)"
        )
    if dates.day.nunique() == 1 or bool(dates.is_month_end.all()):
        return "M"
    gaps = np.asarray((dates[1:] - dates[:-1]).days, dtype=np.int64)
    if np.all(gaps % 7 == 0):
        return "W"
    return "D"


def _offset(freq: str, dates: pd.DatetimeIndex) -> pd.DateOffset:
    if freq == "M":
        if bool(dates.is_month_end.all()) and dates.day.nunique() > 1:
            return pd.offsets.MonthEnd()
        if bool((dates.day == 1).all()):
            return pd.offsets.MonthBegin()
        if bool(dates.is_month_end.all()):
            return pd.offsets.MonthEnd()
        return pd.DateOffset(months=1)
    if freq == "W":
        return pd.offsets.Week(weekday=int(dates[0].weekday()))
    if freq == "D":
        return pd.offsets.Day()
    raise ForecastInputError(f"未知频率 {freq!r}，可选 M、W、D (unknown frequency {freq!r}; use M, W or D)")


def regular_grid(dates: pd.DatetimeIndex, freq: str, where: str = "") -> pd.DatetimeIndex:
    """The full regular grid from the first to the last date; raises if a date is off the grid."""
    offset = _offset(freq, dates)
    grid = pd.date_range(dates[0], dates[-1], freq=offset)
    off = dates.difference(grid)
    if len(off):
        label = f"{where}：" if where else ""
        raise ForecastInputError(
            f"{label}日期 {off[0].date()} 不在{FREQ_NAMES.get(freq, freq)}日期网格上 "
            f"(date {off[0].date()} does not fit the {freq} frequency grid starting {dates[0].date()})"
        )
    return grid


@dataclass
class Prepared:
    """A series ready for the models: float values on a regular grid (NaN = missing) and the future index."""

    values: Array
    future: pd.Index
    season: int
    freq: str  # 'M', 'W', 'D', or 'P' for positions
    notes: list[str] = field(default_factory=list)


def _future_positions(index: pd.Index, horizon: int) -> tuple[pd.Index, Array | None]:
    values = np.asarray(index, dtype=np.int64)
    step = int(np.min(np.diff(values))) if len(values) > 1 else 1
    if step <= 0:
        raise ForecastInputError("位置索引必须严格递增 (integer positions must be strictly increasing)")
    if np.any((values - values[0]) % step):
        raise ForecastInputError(f"位置索引不等距 (integer positions are not evenly spaced by {step})")
    last = int(values[-1])
    future = pd.RangeIndex(last + step, last + step * (horizon + 1), step)
    grid = np.arange(values[0], last + 1, step)
    return future, grid


def prepare(series: pd.Series, horizon: int, season: int | None = None, freq: str | None = None) -> Prepared:
    """Validate a series and put it on a regular grid. Raises :class:`ForecastInputError` on bad input."""
    if not isinstance(series, pd.Series):
        raise ForecastInputError("输入必须是 pandas Series (input must be a pandas Series)")
    if not isinstance(horizon, (int, np.integer)) or isinstance(horizon, bool) or horizon < 1:
        raise ForecastInputError(
            f"预测步数必须是 ≥ 1 的整数，收到 {horizon!r} (horizon must be an integer >= 1, got {horizon!r})"
        )
    if season is not None and (not isinstance(season, (int, np.integer)) or season < 1):
        raise ForecastInputError(f"季节周期必须是 ≥ 1 的整数，收到 {season!r} (season must be an integer >= 1)")
    try:
        values = pd.to_numeric(series, errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise ForecastInputError(f"序列含非数值 (series holds non-numeric values): {exc}") from exc
    values = values.where(np.isfinite(values))
    notes: list[str] = []
    index = series.index
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp(how="start")
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is not None:
            index = index.tz_localize(None)
        if index.hasnans:
            raise ForecastInputError("日期索引含空值 (the date index has missing values)")
        if index.has_duplicates:
            dup = index[index.duplicated()][0]
            raise ForecastInputError(f"日期重复：{dup.date()} (duplicate date {dup.date()})")
        code = freq or _code_from_index_freq(index)
        if not index.is_monotonic_increasing:
            order = np.argsort(index.asi8, kind="stable")
            index, values = index[order], values.iloc[order]
        code = code or detect_freq(index)
        grid = regular_grid(index, code)
        values = pd.Series(values.to_numpy(), index=index).reindex(grid)
        if len(grid) > len(index):
            notes.append(
                f"日期有 {len(grid) - len(index)} 处缺口，已按缺失值处理 ({len(grid) - len(index)} missing dates treated as gaps)"
            )
        future: pd.Index = pd.date_range(grid[-1], periods=horizon + 1, freq=_offset(code, grid))[1:]
        m = season if season is not None else SEASON[code]
    elif pd.api.types.is_integer_dtype(index.dtype):
        order = np.argsort(np.asarray(index), kind="stable")
        index, values = index[order], values.iloc[order]
        if index.has_duplicates:
            raise ForecastInputError("位置索引重复 (duplicate integer positions)")
        future, grid_pos = _future_positions(index, horizon)
        values = pd.Series(values.to_numpy(), index=np.asarray(index)).reindex(grid_pos)
        code = "P"
        m = season if season is not None else 1
    else:
        raise ForecastInputError(
            "索引必须是日期 (DatetimeIndex/PeriodIndex) 或整数位置 (the index must be dates or integer positions)"
        )
    arr = values.to_numpy(dtype=float)
    observed = np.flatnonzero(np.isfinite(arr))
    if len(observed) == 0:
        raise ForecastInputError("序列没有任何有效数值 (the series has no finite value)")
    if observed[0] > 0:
        notes.append(f"去掉开头 {observed[0]} 个缺失值 (dropped {observed[0]} leading missing values)")
        arr = arr[observed[0] :]
    return Prepared(values=arr, future=future, season=int(m), freq=code, notes=notes)


def _code_from_index_freq(index: pd.DatetimeIndex) -> str | None:
    if index.freq is None:
        return None
    name = str(index.freq.rule_code).upper()
    if name.startswith(("M", "BM", "SM")):
        return "M"
    if name.startswith("W"):
        return "W"
    return "D" if name == "D" else None


def fill_gaps(values: Array, season: int) -> tuple[Array, int]:
    """Fill interior and trailing NaN: linear interpolation of the series minus a seasonal profile.

    The profile is the mean deviation of each season position from a centred moving mean (only when there are at
    least two seasons of data). Returns the filled values and the number of filled points.
    """
    y = values.astype(float).copy()
    missing = ~np.isfinite(y)
    count = int(missing.sum())
    if count == 0:
        return y, 0
    pos = np.arange(len(y))
    profile = np.zeros(len(y))
    observed = np.flatnonzero(~missing)
    if season > 1 and len(observed) >= 2 * season:
        base = np.interp(pos, observed, y[observed])
        window = season + 1 - season % 2
        smooth = pd.Series(base).rolling(window, center=True, min_periods=max(2, window // 2)).mean().to_numpy()
        dev = np.where(missing, np.nan, y - smooth)
        seas = np.array(
            [
                np.nanmean(dev[pos % season == j]) if np.isfinite(dev[pos % season == j]).any() else 0.0
                for j in range(season)
            ]
        )
        seas = np.nan_to_num(seas - np.mean(seas))
        profile = seas[pos % season]
    adjusted = y - profile
    filled = np.interp(pos, observed, adjusted[observed]) + profile
    y[missing] = filled[missing]
    return y, count
