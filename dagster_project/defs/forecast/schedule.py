"""Monthly forecasts: the 1st of each month at 03:00 Beijing time, after the nightly refresh has closed the
previous month."""

import dagster as dg

from .job import FORECAST_JOB

forecast_monthly = dg.ScheduleDefinition(
    name="forecast_monthly",
    job_name=FORECAST_JOB,
    cron_schedule="0 3 1 * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每月 1 日 03:00（北京时间）重算预测与预警 (forecasts and warnings on the 1st of each month, 03:00 "
                "Asia/Shanghai)",
)
