"""``refresh_job``: every asset and check, in one process, one step after another.

The warehouse file has one writer, and the steps share the run's ``warehouse`` resource (its lock and its
build file), so the job runs in process: the refresh pipeline's steps (``ingest.pipeline``): settle and
build file → core → exchange → dbt build (with its tests) → reconciliation → forecasts → swap.
"""

from __future__ import annotations

import dagster as dg

REFRESH_JOB = "refresh_job"

refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="刷新数据仓库：核心与交换文件入库 → dbt build（含数据测试）→ 对账 → 替换 "
                "(refresh the warehouse: ingest → dbt build with tests → reconciliation → swap in). "
                "Run config resources.warehouse.config.full: true rebuilds from nothing.",
)
