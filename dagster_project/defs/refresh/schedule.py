"""Nightly refresh at 01:30 Beijing time, after the core's day has closed."""

from __future__ import annotations

import dagster as dg

from .job import REFRESH_JOB

refresh_nightly = dg.ScheduleDefinition(
    name="refresh_nightly",
    job_name=REFRESH_JOB,
    cron_schedule="30 1 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每日 01:30（北京时间）增量刷新数据仓库 (incremental refresh every night at 01:30 Asia/Shanghai)",
)
