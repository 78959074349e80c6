"""``warehouse/live``: the end of a refresh. The build file is renamed over the live warehouse (readers
switch atomically), then the inbox files it recorded move to the archive or the rejected folder.

Freshness: the live warehouse must have been swapped in within the 24 hours before 07:00 Beijing time every
morning (the nightly refresh runs at 02:00), so a stopped schedule, a failing run or a stuck queue shows up in
the Dagster UI before the leaders open their dashboards (``fiscal serve`` enables freshness evaluation in the
instance)."""

from datetime import timedelta

import dagster as dg
import duckdb

from ..dbt.assets import fiscal_dbt_assets
from ..forecast.keys import FORECAST
from .keys import LIVE, WAREHOUSE_GROUP
from .resource import FiscalWarehouse

WAREHOUSE_FRESHNESS = dg.FreshnessPolicy.cron(deadline_cron="0 7 * * *", lower_bound_delta=timedelta(hours=24),
                                             timezone="Asia/Shanghai")


def _leaves(assets: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The dbt assets nothing else in dbt reads: depending on them orders the swap after every model and
    test without drawing an edge from each of a hundred nodes."""
    upstream = {dep.asset_key for spec in assets.specs for dep in spec.deps}
    # Not the code-set seeds or staging views: an incremental refresh leaves them as they are (unchanged), and
    # a dep not materialised in the run would skip the swap. dbt builds in one step, so any of its outputs
    # orders the swap after all of it, tests included.
    return sorted((k for k in assets.keys if k not in upstream and k.path[0] not in ("ref", "staging")),
                  key=lambda k: k.to_user_string())


@dg.definitions
def defs() -> dg.Definitions:
    @dg.asset(key=LIVE, deps=[*_leaves(fiscal_dbt_assets()), FORECAST],  # forecasts go in before the swap
              group_name=WAREHOUSE_GROUP, kinds={"duckdb"}, freshness_policy=WAREHOUSE_FRESHNESS,
              description="数据仓库 $FISCAL_HOME/warehouse.duckdb：构建文件通过全部测试与对账后原子替换；随后"
                          "收件箱中已入库的交换文件归档 (the live warehouse: the build file swapped in once every "
                          "test and the reconciliation passed; then the inbox files it holds are archived)")
    def warehouse_live(context: dg.AssetExecutionContext, warehouse: FiscalWarehouse) -> dg.MaterializeResult:
        r = warehouse.refresh
        settled = r.swap()
        live = r.paths.warehouse
        con = duckdb.connect(str(live), read_only=True)
        try:
            tables = con.execute("select table_schema, count(*) from information_schema.tables "
                                 "group by table_schema order by table_schema").fetchall()
        finally:
            con.close()
        context.log.info(f"数据仓库已更新 (warehouse published): {live}; 归档 {len(settled.archived)} 个文件，"
                         f"拒收 {len(settled.rejected)}，重复 {len(settled.duplicates)}，留待下次 {len(settled.left)}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(live)),
            "size_bytes": live.stat().st_size,
            "mode": r.mode,
            "tables_by_schema": dg.MetadataValue.json({s: n for s, n in tables}),
            "inbox_archived": len(settled.archived),
            "inbox_rejected": len(settled.rejected),
            "inbox_duplicates": len(settled.duplicates),
            "inbox_left_for_next_refresh": len(settled.left),
        })

    return dg.Definitions(assets=[warehouse_live])
