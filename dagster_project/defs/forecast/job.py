"""``forecast_job``: forecasts again on the live warehouse, without re-ingesting: a copy of the live warehouse
(``warehouse/build``) → ``forecast`` → swap in (``warehouse/live``). The nightly ``refresh_job`` computes the
forecasts too (between dbt and the swap); this job is for the monthly schedule and for re-running forecasts
alone, e.g. after a change of the bands."""

import dagster as dg

from ..warehouse.keys import BUILD, LIVE
from .keys import FORECAST

FORECAST_JOB = "forecast_job"

forecast_job = dg.define_asset_job(
    FORECAST_JOB,
    selection=dg.AssetSelection.assets(BUILD, FORECAST, LIVE),
    executor_def=dg.in_process_executor,
    description="重算预测与预警：复制现有数据仓库 → 预测 → 替换 (recompute forecasts and warnings on a copy of the "
                "live warehouse, then swap it in)",
)
