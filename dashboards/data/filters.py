"""The sidebar's choices (years, departments in the person's scope, fund natures in use), the date the data
reaches, and the filter parameters every filtered loader passes to its SQL: the scope (``$district``,
``$agencies``, ``$depts``, see ``scope``) first, then the sidebar's ``$dept`` and ``$fund``."""

from __future__ import annotations

from datetime import date
from typing import Any

from .connection import cached, rows
from .scope import Scope, dept_in_scope, in_scope
from .scope import params as scope_params


def scoped(scope: Scope, **more: Any) -> dict[str, Any]:
    """Query parameters of a loader reading facts: the scope's (``$district``, ``$agencies``, ``$depts``)
    plus the loader's own. Every loader that reads facts builds its parameters here."""
    return scope_params(scope, depts=list(scope.depts), **more)


def dept_fund(scope: Scope, dept: str | None = None, fund: str | None = None, **more: Any) -> dict[str, Any]:
    """``scoped`` plus the sidebar's filters: ``$dept`` (None = every department in scope) and ``$fund``
    (None = all fund natures)."""
    return scoped(scope, dept=dept, fund=fund, **more)


@cached
def filter_options(scope: Scope) -> dict[str, Any]:
    """Years with a budget (or revenue), the departments in scope (each with the agencies of it in scope,
    when that is not the whole department), fund natures in use, and the data's as-of date."""
    years = [r["y"] for r in rows("""
        select distinct fiscal_year as y from marts.fct_budget_execution_monthly
        union select distinct fiscal_year from marts.fct_revenue_monthly where budget_amt is not null
        order by 1 desc""")]
    depts = rows(f"""
        select dept_code, max(dept_name) as dept_name,
               case when {dept_in_scope("dept_code")} then null
                    else string_agg(agency_name, '、' order by agency_code) end as units
        from marts.dim_agency
        where dept_code is not null and {in_scope("agency_code")}
        group by dept_code order by dept_code""", scoped(scope))
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
