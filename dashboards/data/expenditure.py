"""支出 loaders: budget execution (fct_budget_execution_monthly) by department, function class and fund nature
against the expected progress, and the drill department → project → payment → the payment's trail
(fct_indicator_balance, fct_payment, payment_trace). The year-end spending forecast is in ``forecast``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from .connection import cached, frame, rows
from .filters import dept_fund, scoped
from .scope import Scope, in_scope

_EXEC_FILTER = f"""
    e.fiscal_year = $year
    and ($fund is null or e.fund_type_code = $fund)
    and ($dept is null or a.dept_code = $dept)
    and {in_scope("e.agency_code")}
"""

# grouping → (key expression, label expression, joins): a fixed whitelist, never user text
_GROUPINGS = {
    "dept": ("a.dept_code", "max(a.dept_name)", ""),
    "func": ("left(e.exp_func_code, 3)", "max(coalesce(x.name, left(e.exp_func_code, 3)))",
             "left join ref.exp_func x on x.code = left(e.exp_func_code, 3)"),
    "fund": ("e.fund_type_code", "max(coalesce(f.name, e.fund_type_code))",
             "left join ref.fund_type f on f.code = e.fund_type_code"),
}


# ---------------------------------------------------------------------------------------------- execution


@cached
def latest_exec_month(year: int) -> int | None:
    found = rows("select max(fiscal_month) as m from marts.fct_budget_execution_monthly where fiscal_year = $year",
                 {"year": year})
    return found[0]["m"]


@cached
def spending_summary(scope: Scope, year: int, dept: str | None, fund: str | None) -> dict[str, Any]:
    """At the latest month of ``year``: budget, indicator after adjustments, paid YTD (Decimal yuan), the
    execution rate, and the expected share for this point of the year (see ``expected_share``)."""
    row = rows(f"""
        with m as (select max(fiscal_month) as month from marts.fct_budget_execution_monthly
                   where fiscal_year = $year)
        select any_value(m.month) as month, sum(e.budget_amt) as budget, sum(e.indicator_amt) as indicator,
               sum(e.paid_ytd_amt) as paid_ytd
        from marts.fct_budget_execution_monthly e
        join m on e.fiscal_month = m.month
        left join marts.dim_agency a on a.agency_code = e.agency_code
        where {_EXEC_FILTER}""", dept_fund(scope, dept, fund, year=year))[0]
    share, basis = expected_share.uncached(scope, year, row["month"], dept, fund)  # type: ignore[attr-defined]
    row["expected_share"], row["expected_basis"] = share, basis
    row["rate"] = (row["paid_ytd"] / row["indicator"]) if row["indicator"] else None
    return row


@cached
def expected_share(scope: Scope, year: int, month: int | None, dept: str | None = None,
                   fund: str | None = None) -> tuple[Decimal | None, str]:
    """The share of the year's indicator normally paid by the end of ``month``: the mean over earlier
    complete years in the warehouse of (paid YTD at that month ÷ indicator at December) — the seasonal
    pattern — or, when there is no earlier complete year, the time elapsed (序时进度, month ÷ 12).
    Returns (share, "seasonal" | "time")."""
    if month is None:
        return None, "time"
    found = rows(f"""
        with yearly as (
            select e.fiscal_year,
                   sum(e.paid_ytd_amt) filter (where e.fiscal_month = $month) as paid_at_month,
                   sum(e.indicator_amt) filter (where e.fiscal_month = 12) as indicator_dec
            from marts.fct_budget_execution_monthly e
            left join marts.dim_agency a on a.agency_code = e.agency_code
            where e.fiscal_year < $year
              and ($fund is null or e.fund_type_code = $fund)
              and ($dept is null or a.dept_code = $dept)
              and {in_scope("e.agency_code")}
            group by e.fiscal_year
            having count(distinct e.fiscal_month) = 12 and sum(e.indicator_amt) filter (where e.fiscal_month = 12) > 0
        )
        select avg(paid_at_month / indicator_dec) as share, count(*) as n from yearly""",
                 dept_fund(scope, dept, fund, year=year, month=month))
    if found and found[0]["n"]:
        return Decimal(str(found[0]["share"])), "seasonal"
    return Decimal(month) / Decimal(12), "time"


@cached
def execution_by(scope: Scope, year: int, dept: str | None, fund: str | None, grouping: str) -> pd.DataFrame:
    """Execution at the latest month of ``year`` grouped by department, function class (类) or fund nature."""
    key, label, join = _GROUPINGS[grouping]  # KeyError for anything outside the whitelist
    return frame(f"""
        with m as (select max(fiscal_month) as month from marts.fct_budget_execution_monthly
                   where fiscal_year = $year)
        select {key} as code, {label} as name, sum(e.budget_amt) as budget_amt,
               sum(e.indicator_amt) as indicator_amt, sum(e.paid_ytd_amt) as paid_ytd_amt,
               case when sum(e.indicator_amt) = 0 then null
                    else sum(e.paid_ytd_amt) / sum(e.indicator_amt) end as execution_rate
        from marts.fct_budget_execution_monthly e
        join m on e.fiscal_month = m.month
        left join marts.dim_agency a on a.agency_code = e.agency_code
        {join}
        where {_EXEC_FILTER}
        group by 1 order by indicator_amt desc""", dept_fund(scope, dept, fund, year=year))


@cached
def execution_monthly(scope: Scope, year: int, dept: str | None, fund: str | None) -> pd.DataFrame:
    return frame(f"""
        select e.fiscal_month, sum(e.indicator_amt) as indicator_amt, sum(e.paid_in_month_amt) as paid_amt,
               sum(e.paid_ytd_amt) as paid_ytd_amt
        from marts.fct_budget_execution_monthly e
        left join marts.dim_agency a on a.agency_code = e.agency_code
        where {_EXEC_FILTER}
        group by 1 order by 1""", dept_fund(scope, dept, fund, year=year))


# ---------------------------------------------------------------------------------------------- drill


@cached
def dept_projects(scope: Scope, year: int, dept: str, fund: str | None) -> pd.DataFrame:
    """The department's projects in ``year``: indicator after adjustments, paid, available, payments."""
    return frame(f"""
        with ind as (
            select pro_code, sum(adjusted_amt) as indicator_amt, sum(paid_amt) as paid_amt,
                   sum(canuse_amt) as canuse_amt
            from marts.fct_indicator_balance
            where fiscal_year = $year and dept_code = $dept and ($fund is null or fund_type_code = $fund)
              and {in_scope("agency_code")}
            group by pro_code
        ), pays as (
            select pro_code, count(*) as payments, sum(net_paid_amt) as net_paid_amt
            from marts.fct_payment
            where fiscal_year = $year and dept_code = $dept and ($fund is null or fund_type_code = $fund)
              and {in_scope("agency_code")}
            group by pro_code
        )
        select ind.pro_code, p.pro_name, p.pro_cat_name, p.pro_status, ind.indicator_amt, ind.paid_amt,
               ind.canuse_amt,
               case when ind.indicator_amt = 0 then null else ind.paid_amt / ind.indicator_amt end as execution_rate,
               coalesce(pays.payments, 0) as payments
        from ind
        left join marts.dim_project p on p.pro_code = ind.pro_code
        left join pays on pays.pro_code = ind.pro_code
        order by ind.indicator_amt desc, ind.pro_code""", dept_fund(scope, dept, fund, year=year))


@cached
def project_payments(scope: Scope, year: int, pro_code: str) -> pd.DataFrame:
    return frame(f"""
        select pay_app_id, pay_app_no, create_date, status, pay_app_amt, net_paid_amt, paid_date, cleared_date,
               payee_acct_name, use_des, bgt_id, contract_no
        from marts.fct_payment where fiscal_year = $year and pro_code = $pro and {in_scope("agency_code")}
        order by create_date desc, pay_app_id desc""", scoped(scope, year=year, pro=pro_code))


@cached
def payment(scope: Scope, pay_app_id: str) -> dict[str, Any] | None:
    """A payment, when it is in the scope (else None: another unit's payment is not there)."""
    found = rows(f"""
        select p.*, a.agency_name, a.dept_name, d.pro_name
        from marts.fct_payment p
        left join marts.dim_agency a on a.agency_code = p.agency_code
        left join marts.dim_project d on d.pro_code = p.pro_code
        where p.pay_app_id = $id and {in_scope("p.agency_code")}""", scoped(scope, id=pay_app_id))
    return found[0] if found else None


@cached
def payment_trace(scope: Scope, pay_app_id: str) -> pd.DataFrame:
    """The payment's whole origin chain (来龙去脉), one row per journalled step in time order (none when the
    payment is outside the scope)."""
    return frame(f"""
        select step_no, stage_no, stage, lineage_depth, object_type, object_id, action, occurred_at, actor,
               actor_role, opinion, journal_seq, detail_json
        from marts.payment_trace t where pay_app_id = $id
          and exists (select 1 from marts.fct_payment p where p.pay_app_id = t.pay_app_id
                      and {in_scope("p.agency_code")})
        order by step_no""", scoped(scope, id=pay_app_id))
