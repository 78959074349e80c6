"""Nightly refresh at 02:00 Beijing time, after the core's day has closed."""

from __future__ import annotations

import dagster as dg

from .job import REFRESH_JOB

refresh_nightly = dg.ScheduleDefinition(
    name="refresh_nightly",
    job_name=REFRESH_JOB,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每日 02:00（北京时间）增量刷新数据仓库 (incremental refresh every night at 02:00 Asia/Shanghai)",
)
