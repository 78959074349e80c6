"""Settings of the forecasting and early-warning applications, with documented defaults.

Everything a finance bureau may want to tune lives here, in plain frozen dataclasses: the bands of the early
warnings, the cash minimum, the model pools and the number of backtest origins (speed). The defaults are the
ones documented in ``models_forecast/apps/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class WarningBands:
    """Thresholds of the early-warning bands (green / yellow / red).

    A value at a threshold is inside the worse band ("at or beyond"); a value just short of it is not.
    """

    #: Execution (支出进度) and revenue (收入进度) behind their *seasonal* expected year-to-date share: yellow
    #: when the shortfall exceeds this many historical standard deviations, red beyond ``red_sd``.
    progress_yellow_sd: float = 1.0
    progress_red_sd: float = 2.0
    #: Floor of that standard deviation (share points): two or three past years estimate a spread badly.
    progress_min_sd: float = 0.02
    #: Probability that the year-end revenue falls short of the budget.
    shortfall_yellow: float = 0.2
    shortfall_red: float = 0.5
    #: Probability that the treasury balance falls below the minimum within 90 days.
    cash_yellow: float = 0.05
    cash_red: float = 0.2
    #: 库款保障水平 (months of outflow the balance covers): MOF's reasonable range starts at 0.3 months.
    guarantee_yellow: float = 0.5
    guarantee_red: float = 0.3
    #: 三保 coverage: remaining indicators ÷ months left, as a ratio of the months still to pay.
    sanbao_yellow: float = 1.0
    sanbao_red: float = 0.9
    #: 三公 growth against the same period last year (只减不增: any growth is yellow).
    sangong_yellow: float = 0.0
    sangong_red: float = 0.10
    #: Share of the year's indicators with nothing paid, assessed from ``unused_from_month`` on.
    unused_yellow: float = 0.10
    unused_red: float = 0.20
    unused_from_month: int = 10


@dataclass(frozen=True)
class CashConfig:
    """Cash forecast settings."""

    horizon_days: int = 90
    history_days: int = 365
    #: Configured minimum balance (yuan). None: ``min_guarantee_months`` × the average monthly outflow of
    #: the last 12 months.
    min_balance: Decimal | None = None
    min_guarantee_months: float = 0.3
    #: A contract's unpaid remainder at or below this share of the contract is warranty retention (质保金),
    #: not expected within the horizon.
    retention_share: float = 0.05
    #: Model pool for the residual flows (daily, season 7).
    models: tuple[str, ...] = ("ses", "theta", "ets_damped")


@dataclass(frozen=True)
class AppsConfig:
    """All settings of one forecasting run."""

    bands: WarningBands = field(default_factory=WarningBands)
    cash: CashConfig = field(default_factory=CashConfig)
    #: Backtest origins per series (few keep a refresh fast; the library calibrates the intervals on them, pooled
    #: with its prior). One origin and six years of monthly history halve the step's time (SF0.1: 54 s → 29 s).
    origins: int = 1
    #: Model pool for the monthly revenue series (None: the library's default pool).
    revenue_models: tuple[str, ...] | None = ("ses", "theta", "ets_damped")
    #: At most this many revenue categories get their own series (the largest over the last 12 months); the
    #: rest are summed into one ``other`` series. The ``total`` series is always forecast.
    max_revenue_series: int = 24
    #: Monthly revenue history used (months before the last complete month).
    revenue_history_months: int = 72
    #: Correlation assumed between the forecast errors of different months when summing to a year-end total
    #: (0 = independent, 1 = perfectly correlated; level errors make them positively correlated).
    month_error_correlation: float = 0.5
    #: 三保 scopes: personnel (保工资), operations (保运转) by 部门经济分类 class; basic livelihood (保基本民生)
    #: by 功能分类 class, excluding the personnel and operations classes.
    sanbao_wage_eco: tuple[str, ...] = ("301", "303")
    sanbao_ops_eco: tuple[str, ...] = ("302",)
    sanbao_livelihood_func: tuple[str, ...] = ("208", "210")
    #: 三公 economic codes (部门经济分类), as used by the disclosure marts (dep_bgt_eco sangong_kind).
    sangong_eco: tuple[str, ...] = ("30212", "30217", "30231", "30913", "31013")
