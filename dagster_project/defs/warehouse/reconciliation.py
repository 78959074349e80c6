"""Asset check ``reconciles_with_core``: the refresh pipeline's reconciliation step (``Refresh.reconcile``: the
mart ``marts.fct_reconciliation`` has no row where the warehouse and the core's control totals disagree). It
runs after dbt, on the build file before the swap, and is blocking: a warehouse that disagrees with the core is
not published. Run on its own, it checks the live warehouse."""

import dagster as dg

from ingest.pipeline import ReconciliationFailed

from ..dbt.assets import fiscal_dbt_assets
from .resource import FiscalWarehouse

FCT_RECONCILIATION = dg.AssetKey(["marts", "fct_reconciliation"])


@dg.definitions
def defs() -> dg.Definitions:
    if FCT_RECONCILIATION not in set(fiscal_dbt_assets().keys):
        return dg.Definitions()

    @dg.asset_check(asset=FCT_RECONCILIATION, name="reconciles_with_core", blocking=True,
                    description="与核心对账：支付申请、银行支付、退款、清算按日，指标金额、调减、在途、已支付按年，逐笔指标余额，"
                                "均与核心在抽取快照中的控制总数一致，精确到分 (the marts equal the core's control totals "
                                "to the fen: payments by day, indicators by year and one by one)")
    def reconciles_with_core(context: dg.AssetCheckExecutionContext, warehouse: FiscalWarehouse) -> dg.AssetCheckResult:
        r = warehouse.refresh
        path = r.current_file()
        try:
            result = r.reconcile(path=path)
        except ReconciliationFailed:
            result = r.report.reconciliation
        assert result is not None
        context.log.info(result.summary())
        return dg.AssetCheckResult(
            passed=result.ok,
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata={
                "warehouse": dg.MetadataValue.path(str(path)),
                "keys_by_measure": dg.MetadataValue.json(result.measures),
                "mismatches": len(result.mismatches),
                "first_mismatches": dg.MetadataValue.md(
                    "\n".join(f"- {m}" for m in result.mismatches[:20]) or "none"),
                "problems": dg.MetadataValue.json(result.problems),
            },
        )

    return dg.Definitions(asset_checks=[reconciles_with_core])
