"""The dashboards' one data-access layer: every SQL statement the pages run lives in this package, one module
per page area, all reading the warehouse through the machinery of ``connection``.

=================  ==========================================================================================
``connection``     page-view requests, the warehouse's stamp, short governed read-only connections, the query
                   helpers (``frame``, ``rows``, ``optional``), ``cached`` and its ``LOADERS`` registry
``scope``          whose figures a person may see: their grants read from the core, the ``Scope`` every
                   loader of facts takes, and its one SQL predicate (``$district`` / ``$agencies``)
``sql``            SQL fragments from fixed vocabularies (the core's enums as literals, ranks)
``filters``        the sidebar's choices, the data's as-of date, the filter parameters (``scoped``,
                   ``dept_fund``)
``revenue``        收入: fct_revenue_monthly
``expenditure``    支出: budget execution, expected progress, the drill to a payment's trail
``treasury``       库款: fct_treasury_cash_daily
``forecast``       预测: the forecast schema (None while it does not exist)
``monitoring``     预警: fct_warning and the core's disposal steps
``projects``       项目库: the lifecycle funnel, waiting and rolling projects
``performance``    绩效: fct_performance
``personnel``      人员经费: fct_staff_cost_monthly
``procurement``    政府采购: contracts and the split-purchase suspects
``disclosure``     公开: the nine 公开表 and their XLSX workbook
``quality``        数据质量: freshness, quarantine, rejected files, completeness, reconciliation, dbt test results
=================  ==========================================================================================

The pages use the package itself (``from dashboards import data``; ``data.revenue_summary(scope, year)``):
every loader of facts takes the person's ``Scope`` first and filters by it in SQL (see ``scope``). What they
need is re-exported here. Loaders return pandas DataFrames for charts and tables (DECIMAL columns arrive as
float64 there; figures shown as text come from the ``*_summary`` loaders, which keep ``Decimal``). Marts are
read from schema ``marts``; labels of code sets (资金性质, 功能分类) from the dbt seeds in ``ref``. User input
(filters, selected codes) only ever travels as query parameters; identifiers that vary (a grouping, a
disclosure table) come from fixed whitelists. Every cached loader also has ``.uncached`` (the benchmark's).
"""

from __future__ import annotations

from .connection import (
    LOADERS,
    TTL,
    Stamp,
    WarehouseMissing,
    WarehouseSwapped,
    cached,
    clear_cache,
    request,
    settings,
    stamp,
    warehouse_path,
)
from .disclosure import DISCLOSURE_TABLES, DisclosureNotFound, disclosure_departments, disclosure_table, disclosure_xlsx
from .expenditure import (
    dept_projects,
    execution_by,
    execution_monthly,
    expected_share,
    latest_exec_month,
    payment,
    payment_trace,
    project_payments,
    spending_summary,
)
from .filters import as_of_date, filter_options
from .forecast import (
    EARLY_WARNING_BANDS,
    RISK_BANDS,
    backtest,
    cash_forecast,
    cash_forecast_summary,
    early_warning,
    expenditure_year_end,
    revenue_forecast,
    revenue_year_end,
)
from .monitoring import LEVELS, NOT_REGISTERED, warning_steps, warnings
from .performance import performance
from .personnel import staff_cost, staff_summary
from .procurement import SPLIT_PURCHASE_RULE, contracts, contracts_total, split_purchase_suspects
from .projects import FUNNEL, STUCK_AT, project_funnel, rolling_projects, stuck_projects
from .quality import (
    completeness_detail,
    completeness_summary,
    dbt_results,
    freshness,
    quarantine_by_rule,
    reconciliation,
    rejected_files,
)
from .revenue import revenue_by_category, revenue_monthly, revenue_summary
from .scope import NOTHING, CoreMissing, Scope, Viewer, viewer
from .treasury import cash_daily, cash_summary

__all__ = [
    "DISCLOSURE_TABLES",
    "EARLY_WARNING_BANDS",
    "FUNNEL",
    "LEVELS",
    "LOADERS",
    "NOTHING",
    "NOT_REGISTERED",
    "RISK_BANDS",
    "SPLIT_PURCHASE_RULE",
    "STUCK_AT",
    "TTL",
    "CoreMissing",
    "DisclosureNotFound",
    "Scope",
    "Stamp",
    "Viewer",
    "WarehouseMissing",
    "WarehouseSwapped",
    "as_of_date",
    "backtest",
    "cached",
    "cash_daily",
    "cash_forecast",
    "cash_forecast_summary",
    "cash_summary",
    "clear_cache",
    "completeness_detail",
    "completeness_summary",
    "contracts",
    "contracts_total",
    "dbt_results",
    "dept_projects",
    "disclosure_departments",
    "disclosure_table",
    "disclosure_xlsx",
    "early_warning",
    "execution_by",
    "execution_monthly",
    "expected_share",
    "expenditure_year_end",
    "filter_options",
    "freshness",
    "latest_exec_month",
    "payment",
    "payment_trace",
    "performance",
    "project_funnel",
    "project_payments",
    "quarantine_by_rule",
    "reconciliation",
    "rejected_files",
    "request",
    "revenue_by_category",
    "revenue_forecast",
    "revenue_monthly",
    "revenue_summary",
    "revenue_year_end",
    "rolling_projects",
    "settings",
    "spending_summary",
    "split_purchase_suspects",
    "staff_cost",
    "staff_summary",
    "stamp",
    "stuck_projects",
    "viewer",
    "warehouse_path",
    "warning_steps",
    "warnings",
]
