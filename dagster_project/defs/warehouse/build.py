"""``warehouse/build``: the start of a refresh. Inbox files the live warehouse already holds are settled, then
the build file is prepared next to the live warehouse (a copy of it, or empty for a full rebuild)."""

import dagster as dg

from .keys import BUILD, WAREHOUSE_GROUP
from .resource import FiscalWarehouse


@dg.asset(key=BUILD, group_name=WAREHOUSE_GROUP, kinds={"duckdb"},
          description="构建文件：增量时复制现有数据仓库，全量时为空；刷新只写这个文件 "
                      "(the build file: a copy of the live warehouse, or empty for a full rebuild; a refresh "
                      "writes only this file and swaps it in at the end)")
def warehouse_build(warehouse: FiscalWarehouse) -> dg.MaterializeResult:
    r = warehouse.refresh
    settled = r.settle()
    path = r.prepare()
    return dg.MaterializeResult(metadata={
        "mode": r.mode,
        "path": dg.MetadataValue.path(str(path)),
        "copied_bytes": path.stat().st_size if path.exists() else 0,
        "inbox_settled_before": len(settled.archived) + len(settled.rejected) if settled else 0,
    })
