"""``refresh_job``: every asset and check, in one process, one step after another.

The warehouse file has one writer, and the steps share the run's ``warehouse`` resource (its lock and its
build file), so the job runs in process: build file → core → exchange → dbt build (with its tests) →
reconciliation → swap.
"""

from __future__ import annotations

import dagster as dg

from .freshness import warehouse_freshness_checks

REFRESH_JOB = "refresh_job"

refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    # the freshness check is the sensor's, judged on a schedule, not part of the refresh it watches
    selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*warehouse_freshness_checks),
    executor_def=dg.in_process_executor,
    description="刷新数据仓库：核心与交换文件入库 → dbt build（含数据测试）→ 对账 → 替换 "
                "(refresh the warehouse: ingest → dbt build with tests → reconciliation → swap in). "
                "Run config resources.warehouse.config.full: true rebuilds from nothing.",
)
