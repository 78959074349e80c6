"""Early-warning indicators (预警指标) and their bands, as pure functions.

Every indicator returns rows with :data:`COLUMNS`; bands come from :class:`~.config.WarningBands`. The
progress indicators compare the year to date with its *seasonal* expectation — what past years had reached by
the same point of the year — never with the share of elapsed months (Chinese revenue and spending run
ahead of or behind the calendar by several points, differently by month).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .config import WarningBands
from .expenditure import month_fraction

COLUMNS = ["as_of", "indicator_code", "indicator_name", "indicator_name_en", "scope", "value", "expected", "band",
           "reason_zh", "reason_en"]
BANDS = ("green", "yellow", "red")


def band_high(value: float, yellow: float, red: float) -> str:
    """Worse when higher: red at or above ``red``, yellow at or above ``yellow``."""
    if value >= red:
        return "red"
    if value >= yellow:
        return "yellow"
    return "green"


def band_low(value: float, yellow: float, red: float) -> str:
    """Worse when lower: red at or below ``red``, yellow below ``yellow``."""
    if value <= red:
        return "red"
    if value < yellow:
        return "yellow"
    return "green"


def _row(as_of: date, code: str, zh: str, en: str, scope: str, value: float | None, expected: float | None,
         band: str, reason_zh: str, reason_en: str) -> dict[str, object]:
    assert band in BANDS
    return {"as_of": as_of, "indicator_code": code, "indicator_name": zh, "indicator_name_en": en, "scope": scope,
            "value": value, "expected": expected, "band": band, "reason_zh": reason_zh, "reason_en": reason_en}


def ytd_ratio_at(frame: pd.DataFrame, t: float, denominator: str | None = None) -> pd.Series:
    """Per past year, the year-to-date amount at fractional month t divided by the year's total (``denominator``
    None) or by the value of column ``denominator`` in the month containing t (e.g. the indicator then).
    ``frame``: fiscal_year, fiscal_month, amount[, denominator]. Years with a zero denominator are left out."""
    out = {}
    for y, g in frame.groupby("fiscal_year"):
        by_m = g.groupby("fiscal_month")["amount"].sum().reindex(range(1, 13), fill_value=0.0)
        cum = np.concatenate([[0.0], np.cumsum(by_m.to_numpy(float))])
        k = min(int(np.floor(t)), 12)
        at = cum[k] + (cum[min(k + 1, 12)] - cum[k]) * (t - k) if k < 12 else cum[12]
        if denominator is None:
            den = float(cum[12])
        else:
            month = min(max(int(np.ceil(t)), 1), 12)
            den = float(g.loc[g["fiscal_month"] == month, denominator].sum())
        if den > 0:
            out[int(y)] = at / den
    return pd.Series(out, dtype=float)


def seasonal_expected(past: pd.Series, bands: WarningBands) -> tuple[float, float] | None:
    """(mean, sd floored at progress_min_sd) of the past years' shares; None without a past year."""
    if past.empty:
        return None
    sd = float(past.std(ddof=1)) if len(past) > 1 else 0.0
    return float(past.mean()), max(sd if np.isfinite(sd) else 0.0, bands.progress_min_sd)


def progress_band(value: float, expected: float, sd: float, bands: WarningBands) -> str:
    """Behind the expectation by at least red_sd (yellow_sd) standard deviations: red (yellow)."""
    gap = expected - value
    if gap >= bands.progress_red_sd * sd - 1e-12:
        return "red"
    if gap >= bands.progress_yellow_sd * sd - 1e-12:
        return "yellow"
    return "green"


def progress_indicator(as_of: date, code: str, zh: str, en: str, scope: str, value: float | None,
                       past: pd.Series, bands: WarningBands) -> dict[str, object]:
    """One progress row: ``value`` (this year's YTD ratio) against the seasonal expectation from ``past``."""
    exp = seasonal_expected(past, bands)
    if value is None or not np.isfinite(value):
        return _row(as_of, code, zh, en, scope, None, exp[0] if exp else None, "green",
                    "本年计划为零或缺失，不评估", "no plan for the year: not assessed")
    if exp is None:
        return _row(as_of, code, zh, en, scope, value, None, "green",
                    "无可比历史年度，不评估（不以时间进度代替季节规律）",
                    "no past year to compare with: not assessed (elapsed time is no substitute for the seasonal path)")
    mean, sd = exp
    band = progress_band(value, mean, sd, bands)
    gap = mean - value
    return _row(as_of, code, zh, en, scope, value, mean, band,
                f"进度 {value:.1%}，历史同期 {mean:.1%}（{len(past)} 年，标准差 {sd:.1%}），落后 {gap / sd:.1f} 个标准差"
                if gap > 0 else f"进度 {value:.1%}，不低于历史同期 {mean:.1%}",
                f"progress {value:.1%} against {mean:.1%} at the same point of past years ({len(past)} years, sd "
                f"{sd:.1%}): {gap / sd:.1f} sd behind" if gap > 0 else
                f"progress {value:.1%}, not behind the {mean:.1%} of past years")


def shortfall_indicator(as_of: date, p: float | None, budget: float | None, mean: float | None,
                        bands: WarningBands) -> dict[str, object]:
    zh, en = "收入短收概率", "revenue shortfall probability"
    if p is None or budget is None or mean is None:
        return _row(as_of, "REV_SHORTFALL", zh, en, "total", None, None, "green",
                    "无本年收入预算，不评估", "no revenue budget for the year: not assessed")
    band = band_high(p, bands.shortfall_yellow, bands.shortfall_red)
    return _row(as_of, "REV_SHORTFALL", zh, en, "total", p, bands.shortfall_yellow, band,
                f"年末收入预测 {mean / 1e8:.2f} 亿元，预算 {budget / 1e8:.2f} 亿元，短收概率 {p:.0%}",
                f"year-end revenue forecast {mean / 1e8:.2f} × 100M yuan against a budget of {budget / 1e8:.2f}: "
                f"P(shortfall) {p:.0%}")


def cash_indicators(as_of: date, p90: float | None, guarantee: float | None, min_balance: float,
                    bands: WarningBands) -> list[dict[str, object]]:
    rows = []
    if p90 is not None:
        rows.append(_row(as_of, "CASH_BELOW_MIN", "库款低于最低余额概率（90天）", "cash below minimum within 90 days",
                         "total", p90, bands.cash_yellow, band_high(p90, bands.cash_yellow, bands.cash_red),
                         f"未来 90 天库款低于 {min_balance / 1e4:,.0f} 万元的最大日概率 {p90:.0%}",
                         f"largest daily probability of the balance below {min_balance:,.0f} yuan in 90 days: {p90:.0%}"))
    if guarantee is not None:
        rows.append(_row(as_of, "CASH_GUARANTEE", "库款保障水平（月）", "cash guarantee level (months)", "total",
                         guarantee, bands.guarantee_yellow,
                         band_low(guarantee, bands.guarantee_yellow, bands.guarantee_red),
                         f"库款可支付 {guarantee:.2f} 个月的平均支出", f"the balance covers {guarantee:.2f} months of outflow"))
    return rows


def sanbao_indicator(as_of: date, code: str, zh: str, en: str, remaining: float, monthly_spend: float,
                     bands: WarningBands) -> dict[str, object]:
    """Months of spending the remaining indicators cover, against the months left in the year."""
    months_left = 12 - month_fraction(as_of)
    if monthly_spend <= 0 or months_left <= 0:
        return _row(as_of, code, zh, en, "total", None, months_left, "green",
                    "无支出历史或年度已结束，不评估", "no spending history or the year is over: not assessed")
    cover = remaining / monthly_spend
    ratio = cover / months_left
    band = band_low(ratio, bands.sanbao_yellow, bands.sanbao_red)
    return _row(as_of, code, zh, en, "total", cover, months_left, band,
                f"剩余可用指标可保障 {cover:.1f} 个月，年内还需 {months_left:.1f} 个月",
                f"remaining indicators cover {cover:.1f} months of spending; {months_left:.1f} months remain")


def sangong_indicator(as_of: date, scope: str, current: float, previous: float,
                      bands: WarningBands) -> dict[str, object]:
    zh, en = "三公经费同比增长", "三公 spending growth on last year"
    if previous <= 0:
        band = "yellow" if current > 0 else "green"
        return _row(as_of, "SANGONG_GROWTH", zh, en, scope, None, 0.0, band,
                    f"上年同期为零，本年 {current:,.0f} 元", f"nothing last year; {current:,.0f} yuan this year")
    g = current / previous - 1
    band = "red" if g >= bands.sangong_red else "yellow" if g > bands.sangong_yellow else "green"
    return _row(as_of, "SANGONG_GROWTH", zh, en, scope, g, 0.0, band,
                f"本年累计 {current:,.0f} 元，上年同期 {previous:,.0f} 元，增长 {g:.1%}（只减不增）",
                f"{current:,.0f} yuan so far against {previous:,.0f} a year ago: {g:+.1%} (should not grow)")


def unused_indicator(as_of: date, share: float | None, n: int, bands: WarningBands) -> dict[str, object]:
    zh, en = "指标未使用占比", "share of indicators unused"
    if share is None:
        return _row(as_of, "UNUSED_INDICATORS", zh, en, "total", None, None, "green", "本年无指标", "no indicators")
    if as_of.month < bands.unused_from_month:
        return _row(as_of, "UNUSED_INDICATORS", zh, en, "total", share, bands.unused_yellow, "green",
                    f"{bands.unused_from_month} 月起评估；当前 {n} 条指标中 {share:.0%} 尚未支付",
                    f"assessed from month {bands.unused_from_month}; {share:.0%} of {n} indicators unpaid so far")
    band = band_high(share, bands.unused_yellow, bands.unused_red)
    return _row(as_of, "UNUSED_INDICATORS", zh, en, "total", share, bands.unused_yellow, band,
                f"{n} 条指标中 {share:.0%} 至今未支付", f"{share:.0%} of {n} indicators have nothing paid")
