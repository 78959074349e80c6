"""收入 loaders: revenue against the annual budget and last year's same period (fct_revenue_monthly). The
revenue forecasts are in ``forecast``. Revenue belongs to the district, not to an agency: only a district
scope reads it (``$district``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .connection import cached, frame, rows
from .filters import scoped
from .scope import Scope


@cached
def revenue_summary(scope: Scope, year: int) -> dict[str, Any]:
    """Revenue YTD at the latest month with bookings of ``year``: collected, annual budget, same period
    last year (Decimal yuan), and the month."""
    found = rows("""
        with m as (
            select max(fiscal_month) as month from marts.fct_revenue_monthly
            where fiscal_year = $year and booking_count > 0
        )
        select any_value(m.month) as month, sum(r.collected_ytd_amt) as ytd, sum(r.budget_amt) as budget,
               sum(r.prev_year_ytd_amt) as prev_ytd, count(*) as n
        from marts.fct_revenue_monthly r join m on r.fiscal_month = m.month
        where r.fiscal_year = $year and $district""", scoped(scope, year=year))
    return found[0]


@cached
def revenue_by_category(scope: Scope, year: int) -> pd.DataFrame:
    """Per revenue category at the latest month of ``year``: YTD, budget, last year's same period."""
    return frame("""
        with m as (
            select max(fiscal_month) as month from marts.fct_revenue_monthly
            where fiscal_year = $year and booking_count > 0
        )
        select r.inc_class_code, r.inc_code, r.inc_name, r.collected_ytd_amt as ytd_amt, r.budget_amt,
               r.prev_year_ytd_amt as prev_ytd_amt, r.budget_progress_rate, r.ytd_yoy_rate
        from marts.fct_revenue_monthly r join m on r.fiscal_month = m.month
        where r.fiscal_year = $year and $district
        order by r.collected_ytd_amt desc nulls last""", scoped(scope, year=year))


@cached
def revenue_monthly(scope: Scope, year: int) -> pd.DataFrame:
    """Month by month for ``year``: collected, YTD, the same month and YTD last year, annual budget."""
    return frame("""
        select fiscal_month, sum(collected_amt) as collected_amt, sum(collected_ytd_amt) as ytd_amt,
               sum(prev_year_collected_amt) as prev_collected_amt, sum(prev_year_ytd_amt) as prev_ytd_amt,
               sum(budget_amt) as budget_amt, sum(booking_count) as bookings
        from marts.fct_revenue_monthly where fiscal_year = $year and $district
        group by fiscal_month order by fiscal_month""", scoped(scope, year=year))
