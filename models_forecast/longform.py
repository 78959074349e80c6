"""Long frames ``series_id,date,value`` in, long forecast frames out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .api import ForecastResult, forecast
from .errors import ForecastInputError
from .series import FREQ_NAMES, detect_freq, regular_grid

REQUIRED = ("series_id", "date", "value")
OUTPUT_COLUMNS = ["series_id", "date", "model", "mean", "lo80", "hi80", "lo95", "hi95"]
#: A detected grid must hold at least this share of observed dates, or the dates count as irregular.
MIN_GRID_SHARE = 0.5


def _where(row: int, line_offset: int | None) -> str:
    """Name a row: a file line when the frame came from a CSV (header = line 1), else the 0-based row."""
    if line_offset is None:
        return f"第 {row} 行 (row {row})"
    return f"第 {row + line_offset} 行 (line {row + line_offset})"


def _parse_dates(raw: pd.Series) -> pd.Series:
    """ISO 8601 (``2024-01``, ``2024-01-31``) or, if that parses fewer rows, the format pandas infers."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return pd.to_datetime(raw)
    text = raw.astype(str).str.strip().where(raw.notna())
    iso = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if iso.notna().all():
        return iso
    inferred = pd.to_datetime(text, errors="coerce")
    return inferred if inferred.notna().sum() > iso.notna().sum() else iso


def validate_long(df: pd.DataFrame, freq: str | None = None, *, line_offset: int | None = None) -> pd.DataFrame:
    """Check and normalise a long frame; returns ``series_id`` (str), ``date`` (datetime64), ``value`` (float).

    Rules, each raising :class:`ForecastInputError` naming the column/row: the three columns exist; no empty
    ``series_id``; every ``date`` parses; every non-empty ``value`` is a number; no duplicate (series_id, date);
    ``freq`` is M, W or D if given.
    """
    if not isinstance(df, pd.DataFrame):
        raise ForecastInputError("输入必须是 DataFrame (input must be a pandas DataFrame)")
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        cols = ", ".join(missing)
        raise ForecastInputError(f"输入缺少列 {cols} (input lacks column {cols}; needs series_id, date, value)")
    if freq is not None and freq not in FREQ_NAMES:
        raise ForecastInputError(f"频率必须是 M、W 或 D，收到 {freq!r} (freq must be M, W or D, got {freq!r})")
    out = df.loc[:, list(REQUIRED)].reset_index(drop=True)
    ids = out["series_id"]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        row = int(np.flatnonzero(blank.to_numpy())[0])
        raise ForecastInputError(f"{_where(row, line_offset)}：series_id 为空 (series_id is empty)")
    out["series_id"] = ids.astype(str).str.strip()

    raw_dates = out["date"]
    dates = _parse_dates(raw_dates)
    bad = dates.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ForecastInputError(
            f"{_where(row, line_offset)}：date 无法解析为日期：{raw_dates.iloc[row]!r} "
            f"(column date: cannot parse {raw_dates.iloc[row]!r} as a date)"
        )
    out["date"] = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates

    raw_values = out["value"]
    text = raw_values.astype(str).str.strip()
    empty = raw_values.isna().to_numpy() | (text == "").to_numpy()
    values = pd.to_numeric(raw_values.where(~empty), errors="coerce")
    bad = (values.isna().to_numpy() & ~empty) | np.isinf(values.fillna(0).to_numpy(dtype=float))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ForecastInputError(
            f"{_where(row, line_offset)}：value 不是有限数值：{raw_values.iloc[row]!r} "
            f"(column value: {raw_values.iloc[row]!r} is not a finite number)"
        )
    out["value"] = values.astype(float)

    dup = out.duplicated(["series_id", "date"], keep="first").to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise ForecastInputError(
            f"{_where(row, line_offset)}：序列 {out.at[row, 'series_id']} 的日期 {out.at[row, 'date'].date()} 重复 "
            f"(duplicate (series_id, date): {out.at[row, 'series_id']}, {out.at[row, 'date'].date()})"
        )
    return out


def read_long_csv(path: str | Path, freq: str | None = None) -> pd.DataFrame:
    """Read and validate a CSV with columns ``series_id,date,value`` (other columns are ignored).

    Raises :class:`ForecastInputError` (message names the file line) on malformed input.
    """
    path = Path(path)
    if not path.is_file():
        raise ForecastInputError(f"找不到输入文件 {path} (input file {path} not found)")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ForecastInputError(f"无法读取 CSV 文件 {path}：{exc} (cannot read CSV file {path}: {exc})") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return validate_long(df, freq, line_offset=2)


def series_frequency(dates: pd.DatetimeIndex, series_id: str, freq: str | None) -> str:
    """The frequency of one series' sorted dates (given or detected); raises if the dates fit none."""
    where = f"序列 {series_id} (series {series_id})"
    code = freq or detect_freq(dates, where)
    grid = regular_grid(dates, code, where)
    if freq is None and len(dates) / len(grid) < MIN_GRID_SHARE:
        raise ForecastInputError(
            f"{where}：日期不规则，{len(dates)} 个日期只占{FREQ_NAMES[code]}网格 {len(grid)} 个位置的 "
            f"{len(dates) / len(grid):.0%}，不符合月/周/日频率，请检查或用 --freq 指定 "
            f"(irregular dates: {len(dates)} dates fill only {len(dates) / len(grid):.0%} of the {code} grid; "
            f"they fit no monthly, weekly or daily frequency)"
        )
    return code


def forecast_long(
    df: pd.DataFrame,
    horizon: int,
    freq: str | None = None,
    *,
    models: Sequence[str] | None = None,
    combine: bool = True,
    progress: Callable[[int, int, str, ForecastResult], None] | None = None,
) -> pd.DataFrame:
    """Forecast every series of a long frame; returns ``series_id,date,model,mean,lo80,hi80,lo95,hi95``.

    ``freq``: 'M', 'W' or 'D' for all series, or None to detect it per series from its dates. ``progress`` is
    called after each series with (number, total, series_id, result). The notes of each series are in
    ``result.attrs["notes"]`` (a dict series_id -> list of notes) and the chosen models in ``attrs["models"]``.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ForecastInputError(
            f"预测步数必须是 ≥ 1 的整数，收到 {horizon!r} (horizon must be an integer >= 1, got {horizon!r})"
        )
    data = validate_long(df, freq)
    ids = list(dict.fromkeys(data["series_id"]))
    frames, notes, chosen = [], {}, {}
    for number, sid in enumerate(ids, start=1):
        part = data[data["series_id"] == sid].sort_values("date")
        index = pd.DatetimeIndex(part["date"])
        code = series_frequency(index, sid, freq)
        try:
            result = forecast(
                pd.Series(part["value"].to_numpy(), index=index),
                int(horizon),
                freq=code,
                models=models,
                combine=combine,
            )
        except ForecastInputError as exc:
            raise ForecastInputError(f"序列 {sid} (series {sid})：{exc}") from exc
        out = result.frame.reset_index().rename(columns={"index": "date"})
        out.insert(0, "series_id", sid)
        frames.append(out[OUTPUT_COLUMNS])
        notes[sid], chosen[sid] = result.notes, result.model
        if progress is not None:
            progress(number, len(ids), sid, result)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
    table.attrs["notes"], table.attrs["models"] = notes, chosen
    return table
