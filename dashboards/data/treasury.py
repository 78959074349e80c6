"""库款 loaders: the treasury single account's daily cash and 库款保障水平 (fct_treasury_cash_daily). The
cash forecast is in ``forecast``. The treasury's cash belongs to the district: only a district scope reads it
(``$district``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .connection import cached, frame, rows
from .filters import scoped
from .scope import Scope


@cached
def cash_daily(scope: Scope) -> pd.DataFrame:
    return frame("""
        select cash_date, opening_amt, inflow_amt, outflow_amt, closing_amt, revenue_in_amt, debt_in_amt,
               transfer_in_amt, refund_in_amt, is_working_day
        from marts.fct_treasury_cash_daily where $district order by cash_date""", scoped(scope))


@cached
def cash_summary(scope: Scope) -> dict[str, Any] | None:
    """The latest closing balance and 库款保障水平 from history: balance ÷ average monthly outflow over the
    last 90 days (months of spending the cash covers). Decimal yuan."""
    found = rows("""
        with last as (select max(cash_date) as d from marts.fct_treasury_cash_daily where $district),
        window_ as (
            select sum(outflow_amt) as outflow_90, count(*) as days
            from marts.fct_treasury_cash_daily, last where cash_date > last.d - interval 90 day
        )
        select c.cash_date, c.closing_amt, w.outflow_90, w.days,
               case when w.outflow_90 > 0 then c.closing_amt / (w.outflow_90 / w.days * 30) end as guarantee_months
        from marts.fct_treasury_cash_daily c, last, window_ w where c.cash_date = last.d""", scoped(scope))
    return found[0] if found else None
