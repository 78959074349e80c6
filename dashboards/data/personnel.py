"""人员经费 loaders: headcount and payroll against the budgeted staff cost, by month, department and 人员身份
(fct_staff_cost_monthly)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .connection import cached, frame, rows
from .filters import scoped
from .scope import Scope, in_scope


@cached
def staff_cost(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    return frame(f"""
        select s.pay_month, s.dept_code, d.dept_name, s.per_ide_code, s.per_ide_name,
               sum(s.headcount_in_post) as headcount, sum(s.retired_count) as retired,
               sum(s.paid_headcount) as paid_headcount, sum(s.gross_pay_amt) as gross_pay_amt,
               sum(s.net_pay_amt) as net_pay_amt, sum(s.withheld_amt) as withheld_amt,
               sum(s.budgeted_staff_cost_amt) as budgeted_staff_cost_amt
        from marts.fct_staff_cost_monthly s
        left join (select dept_code, max(dept_name) as dept_name from marts.dim_agency group by 1) d
               on d.dept_code = s.dept_code
        where s.fiscal_year = $year and ($dept is null or s.dept_code = $dept) and {in_scope("s.agency_code")}
        group by all order by s.pay_month, s.dept_code, s.per_ide_code""", scoped(scope, dept=dept, year=year))


@cached
def staff_summary(scope: Scope, year: int, dept: str | None) -> dict[str, Any]:
    """Headcount at the latest month and the year's payroll (Decimal yuan)."""
    return rows(f"""
        with s as (select * from marts.fct_staff_cost_monthly
                   where fiscal_year = $year and ($dept is null or dept_code = $dept)
                     and {in_scope("agency_code")})
        select (select max(pay_month) from s) as month,
               (select sum(headcount_in_post) from s where pay_month = (select max(pay_month) from s)) as headcount,
               (select sum(gross_pay_amt) from s) as gross_pay,
               (select sum(budgeted_staff_cost_amt) from s) as budgeted""", scoped(scope, dept=dept, year=year))[0]
