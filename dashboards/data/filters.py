"""The sidebar's choices (years, departments, fund natures in use), the date the data reaches, and the
filter parameters every filtered loader passes to its SQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from .connection import cached, rows


def dept_fund(dept: str | None = None, fund: str | None = None, **more: Any) -> dict[str, Any]:
    """Query parameters of the sidebar's filters: ``$dept`` (None = all departments) and ``$fund`` (None = all
    fund natures), plus the loader's own."""
    return {"dept": dept, "fund": fund, **more}


@cached
def filter_options() -> dict[str, Any]:
    """Years with a budget (or revenue), departments, fund natures in use, and the data's as-of date."""
    years = [r["y"] for r in rows("""
        select distinct fiscal_year as y from marts.fct_budget_execution_monthly
        union select distinct fiscal_year from marts.fct_revenue_monthly where budget_amt is not null
        order by 1 desc""")]
    depts = rows("""
        select dept_code, max(dept_name) as dept_name from marts.dim_agency
        where dept_code is not null group by dept_code order by dept_code""")
    funds = rows("""
        with used as (select distinct fund_type_code from marts.fct_budget_execution_monthly)
        select u.fund_type_code as code, coalesce(f.name, u.fund_type_code) as name
        from used u left join ref.fund_type f on f.code = u.fund_type_code order by 1""")
    return {"years": years, "depts": depts, "funds": funds, "as_of": as_of_date.uncached()}  # type: ignore[attr-defined]


@cached
def as_of_date() -> date | None:
    """The business date the data reaches: the last treasury day or payment, whichever is later."""
    found = rows("""
        select greatest((select max(cash_date) from marts.fct_treasury_cash_daily),
                        (select max(paid_date) from marts.fct_payment),
                        (select max(create_date) from marts.fct_payment)) as d""")
    return found[0]["d"] if found else None
