"""``warehouse/build``: the start of a refresh. Inbox files the live warehouse already holds are settled; then the
pipeline decides whether anything is new (``ingest.pipeline.what_is_new``, the same decision as ``fiscal
refresh``). When nothing is, the asset records an observation saying so ("无新数据 / nothing new") and yields no
materialisation: every later step of the run (extract, exchange, dbt, reconciliation, forecasts, swap) is skipped
and the live warehouse is left as it is. ``forecast_job`` recomputes forecasts alone on a copy of the live warehouse:
there the question does not arise, and the build file is always prepared. Otherwise the build file is prepared next to the live warehouse (a copy
of it, or empty for a full rebuild)."""

from collections.abc import Iterator

import dagster as dg

from ..forecast.job import FORECAST_JOB
from .keys import BUILD, WAREHOUSE_GROUP
from .resource import FiscalWarehouse


@dg.asset(key=BUILD, group_name=WAREHOUSE_GROUP, kinds={"duckdb"}, output_required=False,
          description="构建文件：增量时复制现有数据仓库，全量时为空；刷新只写这个文件；无新数据时不构建，其后各步跳过 "
                      "(the build file: a copy of the live warehouse, or empty for a full rebuild; a refresh "
                      "writes only this file and swaps it in at the end; with nothing new there is no build and "
                      "every later step is skipped)")
def warehouse_build(context: dg.AssetExecutionContext, warehouse: FiscalWarehouse) -> Iterator[dg.Output[None]
                                                                                                | dg.AssetObservation]:
    r = warehouse.refresh
    settled = r.settle()
    changes = r.changes()
    settled_n = len(settled.archived) + len(settled.rejected) if settled else 0
    if changes.nothing_new and context.job_name != FORECAST_JOB:
        context.log.info(changes.summary())
        yield dg.AssetObservation(asset_key=BUILD, metadata={
            "nothing_new": True,
            "summary": changes.summary(),
            "decided_in_seconds": round(changes.seconds, 3),
            "inbox_settled_before": settled_n,
        })
        return
    path = r.prepare()
    yield dg.Output(None, metadata={
        "mode": r.mode,
        "path": dg.MetadataValue.path(str(path)),
        "copied_bytes": path.stat().st_size if path.exists() else 0,
        "inbox_settled_before": settled_n,
        "nothing_new": False,
        "why": dg.MetadataValue.json(list(changes.reasons)),
        "new_journal_rows": changes.new_journal_rows,
        "new_exchange_files": len(changes.new_files),
    })
