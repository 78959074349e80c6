"""Asset check ``reconciles_with_core``: payments per day in the warehouse equal the core's
(``dagster_project.reconcile``). It runs after dbt, on the build file before the swap, and is blocking:
a warehouse that disagrees with the core is not published. Run on its own, it checks the live warehouse."""

import dagster as dg
import duckdb

from dagster_project.reconcile import reconcile

from ..dbt.assets import fiscal_dbt_assets
from .keys import core_key
from .resource import FiscalWarehouse

FCT_PAYMENT = dg.AssetKey(["marts", "fct_payment"])
STG_PAYMENTS = [dg.AssetKey(["staging", "stg_core__pay_voucher"]), dg.AssetKey(["staging", "stg_core__pay_voucher_bill"])]


@dg.definitions
def defs() -> dg.Definitions:
    dbt_keys = set(fiscal_dbt_assets().keys)
    # The check belongs on the mart consumers read (architecture §5). It must sit on an asset built by dbt:
    # blocking makes the swap wait for it, and on raw/* it would make dbt wait for a check that reads dbt.
    target = FCT_PAYMENT if FCT_PAYMENT in dbt_keys else STG_PAYMENTS[0]
    # The staging views it also reads are not deps: an incremental refresh does not rebuild unchanged views, and
    # a dep that is not materialised in the run would skip the check (and with it the swap's guard).
    reads = [k for k in (core_key("pay_voucher"), core_key("pay_voucher_bill"), FCT_PAYMENT)
             if k != target and (k in dbt_keys or k.path[0] == "raw")]

    @dg.asset_check(asset=target, name="reconciles_with_core", blocking=True, additional_deps=reads,
                    description="按日对账：支付申请笔数与申请、支付、退款金额，支付凭证笔数与金额，raw / staging / "
                                "marts 各层与核心一致 (per day: count and amounts of payment applications and "
                                "vouchers in raw, staging and marts equal the core)")
    def reconciles_with_core(context: dg.AssetCheckExecutionContext, warehouse: FiscalWarehouse) -> dg.AssetCheckResult:
        path = warehouse.current_file()
        con = duckdb.connect(str(path), read_only=True)
        try:
            result = reconcile(warehouse.settings.core_url, con)
        finally:
            con.close()
        context.log.info(result.summary())
        return dg.AssetCheckResult(
            passed=result.ok,
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata={
                "warehouse": dg.MetadataValue.path(str(path)),
                "days": result.days,
                "applications": result.totals.get("apps", 0),
                "application_amount_fen": result.totals.get("app_amt", 0),
                "paid_amount_fen": result.totals.get("paid_amt", 0),
                "vouchers": result.totals.get("bills", 0),
                "tables_compared": dg.MetadataValue.json(result.compared),
                "tables_not_built": dg.MetadataValue.json(result.skipped),
                "core_journal_seq": result.core_seq,
                "warehouse_journal_seq": result.warehouse_seq,
                "applications_changed_since_extract": result.excluded_apps,
                "mismatches": len(result.mismatches),
                "first_mismatches": dg.MetadataValue.md(
                    "\n".join(f"- {m}" for m in result.mismatches[:20]) or "none"),
                "problems": dg.MetadataValue.json(result.problems),
            },
        )

    return dg.Definitions(asset_checks=[reconciles_with_core])
