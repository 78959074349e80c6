"""Freshness: the live warehouse must have been swapped in within the last 26 hours, checked every morning.

The nightly refresh runs at 02:00; by 07:00 Beijing time (before the bureau opens) the check fails if no refresh
has published since 05:00 the previous day, so a stopped schedule, a failing run or a stuck queue shows up in the
Dagster UI before the leaders open their dashboards.
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from ..warehouse.keys import LIVE

FRESHNESS_WINDOW = timedelta(hours=26)

warehouse_freshness_checks = dg.build_last_update_freshness_checks(
    assets=[LIVE], lower_bound_delta=FRESHNESS_WINDOW, deadline_cron="0 7 * * *", timezone="Asia/Shanghai",
    severity=dg.AssetCheckSeverity.WARN)

warehouse_freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=warehouse_freshness_checks, name="warehouse_freshness_sensor", minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING)
