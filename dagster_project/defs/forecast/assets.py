"""``forecast``: revenue, expenditure and cash forecasts and the early warnings, written into the run's build
file (the refresh pipeline's forecast step, ``Refresh.forecasts``) after the dbt build and before
``warehouse/live`` swaps it in.

Its check ``intervals_finite_and_ordered`` is blocking: a forecast with a non-finite or crossed interval is
not published. Writes are serialised by the ``warehouse`` resource, which holds ``refresh_lock`` for the run.
"""

import dagster as dg
import duckdb

from ..dbt.assets import fiscal_dbt_assets
from ..warehouse.keys import BUILD, core_key
from ..warehouse.resource import FiscalWarehouse
from .keys import FORECAST, FORECAST_GROUP

# fct_reconciliation too: its blocking check (reconciles_with_core) must pass before forecasts are computed, the
# order of the refresh pipeline
MARTS = ("fct_reconciliation", "fct_revenue_monthly", "fct_budget_execution_monthly", "fct_treasury_cash_daily", "fct_indicator_balance",
         "fct_payment", "dim_agency")
RAW = ("pay_voucher", "pay_detail", "gp_contract", "gp_plan", "inc_treasury_income")
INTERVAL_TABLES = {"revenue_monthly": "mean", "revenue_year_end": "forecast_mean",
                   "expenditure_year_end": "forecast_paid_mean", "cash_daily": "balance_mean"}


def interval_problems(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per forecast table whose forecast bounds are not finite or not lo95 <= lo80 <= mean <= hi80 <= hi95."""
    out = {}
    for table, mean in INTERVAL_TABLES.items():
        bad = con.execute(f"""
            select count(*) from forecast.{table}
            where lo80 is not null and not (
                isfinite(lo95) and isfinite(lo80) and isfinite({mean}) and isfinite(hi80) and isfinite(hi95)
                and lo95 <= lo80 and lo80 <= {mean} and {mean} <= hi80 and hi80 <= hi95)""").fetchone()
        out[table] = int(bad[0]) if bad else 0
    return out


@dg.definitions
def defs() -> dg.Definitions:
    dbt_keys = set(fiscal_dbt_assets().keys)
    # BUILD too: in forecast_job (build → forecast → live) dbt and raw are not selected, and the build file
    # must be prepared first
    deps = [BUILD] + [k for k in (dg.AssetKey(["marts", m]) for m in MARTS) if k in dbt_keys] + [core_key(t) for t in RAW]

    @dg.asset(key=FORECAST, deps=deps, group_name=FORECAST_GROUP, kinds={"duckdb", "python"},
              description="预测与预警：收入分科目月度预测与年末预计、支出年末执行预测、考虑已知承诺的 90 天库款预测、"
                          "预警指标（schema forecast）(forecasts and early warnings: revenue by category, expenditure "
                          "year-end, commitment-aware 90-day cash, warning bands; written into the build file before "
                          "the swap)")
    def forecast(context: dg.AssetExecutionContext, warehouse: FiscalWarehouse) -> dg.MaterializeResult:
        r = warehouse.refresh
        report = r.forecasts()
        con = duckdb.connect(str(r.build), read_only=True)
        try:
            bands = con.execute("select band, count(*) from forecast.early_warning group by band").fetchall()
        finally:
            con.close()
        return dg.MaterializeResult(metadata={
            "as_of": str(report.as_of),
            "rows": dg.MetadataValue.json(report.rows),
            "seconds": dg.MetadataValue.json({k: round(v, 2) for k, v in report.seconds.items()}),
            "warning_bands": dg.MetadataValue.json({b: n for b, n in bands}),
            "notes": dg.MetadataValue.md("\n".join(f"- {n}" for n in report.notes) or "none"),
        })

    @dg.asset_check(asset=FORECAST, name="intervals_finite_and_ordered", blocking=True,
                    description="每个预测区间有限且有序 lo95 ≤ lo80 ≤ 均值 ≤ hi80 ≤ hi95 (every forecast interval "
                                "finite and ordered)")
    def intervals_finite_and_ordered(warehouse: FiscalWarehouse) -> dg.AssetCheckResult:
        con = duckdb.connect(str(warehouse.refresh.current_file()), read_only=True)
        try:
            problems = interval_problems(con)
        finally:
            con.close()
        return dg.AssetCheckResult(passed=not any(problems.values()), severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"bad_rows": dg.MetadataValue.json(problems)})

    return dg.Definitions(assets=[forecast], asset_checks=[intervals_finite_and_ordered])
