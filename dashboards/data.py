"""All the dashboards' data access: every SQL statement the pages run lives in this module.

Contract (docs/architecture.md §A8): readers open a short read-only DuckDB connection per request and never hold
the file between requests, so a refresh can swap it at any time. A loader called outside a request opens
its own connection, runs its parameterised query and closes it. app.py wraps each page view in
``request()``: the loaders that miss the cache during that view share one connection, opened at the first
miss and closed when the view ends. Why not one per loader: opening the file builds DuckDB's catalog of the
warehouse's ~160 relations, 40-100 ms on the 2-core machine, while a query on the marts takes a few ms, so
ten connections per view would cost more than the 300 ms target by themselves.

Loaders are cached with ``st.cache_data(ttl=TTL)``; the cache key includes the warehouse file's identity
(path, inode, modification time), fixed for the whole view, so a refresh shows new data on the next view
rather than after the TTL, and one view never mixes two warehouses: if the file was swapped between the
view's first cache lookup and its first query, ``WarehouseSwapped`` makes app.py rerun the view. User input (filters, selected
codes) only ever travels as query parameters; identifiers that vary (a grouping, a disclosure table) come
from fixed whitelists in this module.

Loaders return pandas DataFrames for charts and tables (DECIMAL columns arrive as float64 there; figures
shown as text come from the ``*_summary`` loaders, which keep ``Decimal``). Forecast tables (schema
``forecast``) may not exist yet: their loaders return None and the page shows an empty-state message.
Marts are read from schema ``marts``; labels of code sets (资金性质, 功能分类) from the dbt seeds in ``ref``.

Every cached loader also has ``.uncached`` (same arguments, no cache), which the benchmark uses.
"""

from __future__ import annotations

import contextvars
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from fiscal_app.settings import Settings
from ingest.pipeline import read_run_results

TTL = 300  # seconds; the mtime in the key already picks up a refresh at once

P = ParamSpec("P")
R = TypeVar("R")


class WarehouseMissing(RuntimeError):
    """No warehouse file under FISCAL_HOME yet."""


class WarehouseSwapped(RuntimeError):
    """A refresh replaced the warehouse during a page view (the view is rerun on the new file)."""


Stamp = tuple[str, int, int]  # path, inode, mtime_ns


class _Request:
    def __init__(self) -> None:
        self.stamp: Stamp | None = None
        self.con: duckdb.DuckDBPyConnection | None = None


_REQUEST: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("dashboards_request", default=None)


@contextmanager
def request() -> Iterator[None]:
    """One page view: one warehouse identity for every cache key, at most one read-only connection."""
    req = _Request()
    token = _REQUEST.set(req)
    try:
        yield
    finally:
        _REQUEST.reset(token)
        if req.con is not None:
            req.con.close()


# ---------------------------------------------------------------------------------------------- plumbing


def settings() -> Settings:
    return Settings.from_env()


def warehouse_path() -> Path:
    return settings().warehouse


def _identity(path: Path) -> Stamp:
    try:
        st_ = path.stat()
    except FileNotFoundError as e:
        raise WarehouseMissing(str(path)) from e
    return str(path), st_.st_ino, st_.st_mtime_ns


def stamp() -> Stamp:
    """The live warehouse's identity: part of every cache key, so a swapped-in warehouse is a cache miss.
    Within a request it is read once and kept for the whole view."""
    req = _REQUEST.get()
    if req is not None and req.stamp is not None:
        return req.stamp
    s = _identity(warehouse_path())
    if req is not None:
        req.stamp = s
    return s


@contextmanager
def _connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """The request's connection (opened on first use), or a connection of its own outside a request."""
    path = warehouse_path()
    req = _REQUEST.get()
    if req is None:
        if not path.exists():
            raise WarehouseMissing(str(path))
        con = duckdb.connect(str(path), read_only=True)
        try:
            yield con
        finally:
            con.close()
        return
    if req.con is None:
        expected = req.stamp or _identity(path)
        con = duckdb.connect(str(path), read_only=True)
        if _identity(path) != expected:  # swapped since the view began (or while opening): start over
            con.close()
            raise WarehouseSwapped(str(path))
        req.stamp, req.con = expected, con
    yield req.con


def _frame(sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    with _connection() as con:
        return con.execute(sql, params or {}).df()


def _rows(sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts with the database's own types (Decimal for amounts)."""
    with _connection() as con:
        cur = con.execute(sql, params or {})
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _exists(schema: str, table: str) -> bool:
    return bool(_rows("select count(*) as n from information_schema.tables "
                      "where table_schema = $s and table_name = $t", {"s": schema, "t": table})[0]["n"])


def _optional(schema: str, table: str, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame | None:
    """A query on a table that may not exist yet (forecast.*, raw.mon_warning_step): None when it does not."""
    with _connection() as con:
        n = con.execute("select count(*) from information_schema.tables where table_schema = $s and table_name = $t",
                        {"s": schema, "t": table}).fetchall()
        if not n or not n[0][0]:
            return None
        return con.execute(sql, params or {}).df()


LOADERS: dict[str, Callable[..., Any]] = {}


def cached(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache ``fn`` with st.cache_data, keyed on its arguments and the warehouse stamp."""

    def with_stamp(warehouse_stamp: Stamp, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    # st.cache_data keys a function by module + qualname: give each wrapper its loader's name
    with_stamp.__qualname__ = f"{fn.__qualname__}__cached"
    with_stamp.__name__ = f"{fn.__name__}__cached"
    with_stamp.__module__ = fn.__module__
    store = st.cache_data(ttl=TTL, show_spinner=False, max_entries=256)(with_stamp)

    def call(*args: Any, **kwargs: Any) -> Any:
        return store(stamp(), *args, **kwargs)

    call.__name__, call.__qualname__, call.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    call.uncached = fn  # type: ignore[attr-defined]
    LOADERS[fn.__name__] = call
    return call  # type: ignore[return-value]


def clear_cache() -> None:
    st.cache_data.clear()


# Filters: dept None = all departments, fund None = all fund natures. The SQL takes them as $dept / $fund.
def _f(dept: str | None = None, fund: str | None = None, **more: Any) -> dict[str, Any]:
    return {"dept": dept, "fund": fund, **more}


# ---------------------------------------------------------------------------------------------- filters


@cached
def filter_options() -> dict[str, Any]:
    """Years with a budget (or revenue), departments, fund natures in use, and the data's as-of date."""
    years = [r["y"] for r in _rows("""
        select distinct fiscal_year as y from marts.fct_budget_execution_monthly
        union select distinct fiscal_year from marts.fct_revenue_monthly where budget_amt is not null
        order by 1 desc""")]
    depts = _rows("""
        select dept_code, max(dept_name) as dept_name from marts.dim_agency
        where dept_code is not null group by dept_code order by dept_code""")
    funds = _rows("""
        with used as (select distinct fund_type_code from marts.fct_budget_execution_monthly)
        select u.fund_type_code as code, coalesce(f.name, u.fund_type_code) as name
        from used u left join ref.fund_type f on f.code = u.fund_type_code order by 1""")
    return {"years": years, "depts": depts, "funds": funds, "as_of": as_of_date.uncached()}  # type: ignore[attr-defined]


@cached
def as_of_date() -> date | None:
    """The business date the data reaches: the last treasury day or payment, whichever is later."""
    row = _rows("""
        select greatest((select max(cash_date) from marts.fct_treasury_cash_daily),
                        (select max(paid_date) from marts.fct_payment),
                        (select max(create_date) from marts.fct_payment)) as d""")
    return row[0]["d"] if row else None


# ---------------------------------------------------------------------------------------------- revenue


@cached
def revenue_summary(year: int) -> dict[str, Any]:
    """Revenue YTD at the latest month with bookings of ``year``: collected, annual budget, same period
    last year (Decimal yuan), and the month."""
    rows = _rows("""
        with m as (
            select max(fiscal_month) as month from marts.fct_revenue_monthly
            where fiscal_year = $year and booking_count > 0
        )
        select any_value(m.month) as month, sum(r.collected_ytd_amt) as ytd, sum(r.budget_amt) as budget,
               sum(r.prev_year_ytd_amt) as prev_ytd, count(*) as n
        from marts.fct_revenue_monthly r join m on r.fiscal_month = m.month
        where r.fiscal_year = $year""", {"year": year})
    return rows[0]


@cached
def revenue_by_category(year: int) -> pd.DataFrame:
    """Per revenue category at the latest month of ``year``: YTD, budget, last year's same period."""
    return _frame("""
        with m as (
            select max(fiscal_month) as month from marts.fct_revenue_monthly
            where fiscal_year = $year and booking_count > 0
        )
        select r.inc_class_code, r.inc_code, r.inc_name, r.collected_ytd_amt as ytd_amt, r.budget_amt,
               r.prev_year_ytd_amt as prev_ytd_amt, r.budget_progress_rate, r.ytd_yoy_rate
        from marts.fct_revenue_monthly r join m on r.fiscal_month = m.month
        where r.fiscal_year = $year
        order by r.collected_ytd_amt desc nulls last""", {"year": year})


@cached
def revenue_monthly(year: int) -> pd.DataFrame:
    """Month by month for ``year``: collected, YTD, the same month and YTD last year, annual budget."""
    return _frame("""
        select fiscal_month, sum(collected_amt) as collected_amt, sum(collected_ytd_amt) as ytd_amt,
               sum(prev_year_collected_amt) as prev_collected_amt, sum(prev_year_ytd_amt) as prev_ytd_amt,
               sum(budget_amt) as budget_amt, sum(booking_count) as bookings
        from marts.fct_revenue_monthly where fiscal_year = $year
        group by fiscal_month order by fiscal_month""", {"year": year})


@cached
def revenue_forecast() -> pd.DataFrame | None:
    return _optional("forecast", "revenue_monthly", """
        select series_id, series_name, date, kind, model, mean, lo80, hi80, lo95, hi95
        from forecast.revenue_monthly order by series_id, date""")


@cached
def revenue_year_end(year: int) -> pd.DataFrame | None:
    return _optional("forecast", "revenue_year_end", """
        select * from forecast.revenue_year_end where fiscal_year = $year order by series_id""", {"year": year})


@cached
def backtest() -> pd.DataFrame | None:
    return _optional("forecast", "backtest", """
        select series_id, table_name, model, mase, smape, coverage80, coverage95, n_origins, computed_at
        from forecast.backtest order by table_name, series_id, mase""")


# ---------------------------------------------------------------------------------------------- expenditure

_EXEC_FILTER = """
    e.fiscal_year = $year
    and ($fund is null or e.fund_type_code = $fund)
    and ($dept is null or a.dept_code = $dept)
"""

# grouping → (key expression, label expression, joins): a fixed whitelist, never user text
_GROUPINGS = {
    "dept": ("a.dept_code", "max(a.dept_name)", ""),
    "func": ("left(e.exp_func_code, 3)", "max(coalesce(x.name, left(e.exp_func_code, 3)))",
             "left join ref.exp_func x on x.code = left(e.exp_func_code, 3)"),
    "fund": ("e.fund_type_code", "max(coalesce(f.name, e.fund_type_code))",
             "left join ref.fund_type f on f.code = e.fund_type_code"),
}


@cached
def latest_exec_month(year: int) -> int | None:
    rows = _rows("select max(fiscal_month) as m from marts.fct_budget_execution_monthly where fiscal_year = $year",
                 {"year": year})
    return rows[0]["m"]


@cached
def spending_summary(year: int, dept: str | None, fund: str | None) -> dict[str, Any]:
    """At the latest month of ``year``: budget, indicator after adjustments, paid YTD (Decimal yuan), the
    execution rate, and the expected share for this point of the year (see ``expected_share``)."""
    row = _rows(f"""
        with m as (select max(fiscal_month) as month from marts.fct_budget_execution_monthly
                   where fiscal_year = $year)
        select any_value(m.month) as month, sum(e.budget_amt) as budget, sum(e.indicator_amt) as indicator,
               sum(e.paid_ytd_amt) as paid_ytd
        from marts.fct_budget_execution_monthly e
        join m on e.fiscal_month = m.month
        left join marts.dim_agency a on a.agency_code = e.agency_code
        where {_EXEC_FILTER}""", _f(dept, fund, year=year))[0]
    share, basis = expected_share.uncached(year, row["month"], dept, fund)  # type: ignore[attr-defined]
    row["expected_share"], row["expected_basis"] = share, basis
    row["rate"] = (row["paid_ytd"] / row["indicator"]) if row["indicator"] else None
    return row


@cached
def expected_share(year: int, month: int | None, dept: str | None = None,
                   fund: str | None = None) -> tuple[Decimal | None, str]:
    """The share of the year's indicator normally paid by the end of ``month``: the mean over earlier
    complete years in the warehouse of (paid YTD at that month ÷ indicator at December) — the seasonal
    pattern — or, when there is no earlier complete year, the time elapsed (序时进度, month ÷ 12).
    Returns (share, "seasonal" | "time")."""
    if month is None:
        return None, "time"
    rows = _rows("""
        with yearly as (
            select e.fiscal_year,
                   sum(e.paid_ytd_amt) filter (where e.fiscal_month = $month) as paid_at_month,
                   sum(e.indicator_amt) filter (where e.fiscal_month = 12) as indicator_dec
            from marts.fct_budget_execution_monthly e
            left join marts.dim_agency a on a.agency_code = e.agency_code
            where e.fiscal_year < $year
              and ($fund is null or e.fund_type_code = $fund)
              and ($dept is null or a.dept_code = $dept)
            group by e.fiscal_year
            having count(distinct e.fiscal_month) = 12 and sum(e.indicator_amt) filter (where e.fiscal_month = 12) > 0
        )
        select avg(paid_at_month / indicator_dec) as share, count(*) as n from yearly""",
                 _f(dept, fund, year=year, month=month))
    if rows and rows[0]["n"]:
        return Decimal(str(rows[0]["share"])), "seasonal"
    return Decimal(month) / Decimal(12), "time"


@cached
def execution_by(year: int, dept: str | None, fund: str | None, grouping: str) -> pd.DataFrame:
    """Execution at the latest month of ``year`` grouped by department, function class (类) or fund nature."""
    key, label, join = _GROUPINGS[grouping]
    return _frame(f"""
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
        group by 1 order by indicator_amt desc""", _f(dept, fund, year=year))


@cached
def execution_monthly(year: int, dept: str | None, fund: str | None) -> pd.DataFrame:
    return _frame(f"""
        select e.fiscal_month, sum(e.indicator_amt) as indicator_amt, sum(e.paid_in_month_amt) as paid_amt,
               sum(e.paid_ytd_amt) as paid_ytd_amt
        from marts.fct_budget_execution_monthly e
        left join marts.dim_agency a on a.agency_code = e.agency_code
        where {_EXEC_FILTER}
        group by 1 order by 1""", _f(dept, fund, year=year))


@cached
def expenditure_year_end(year: int) -> pd.DataFrame | None:
    return _optional("forecast", "expenditure_year_end", """
        select * from forecast.expenditure_year_end where fiscal_year = $year
        order by indicator_amt desc""", {"year": year})


@cached
def dept_projects(year: int, dept: str, fund: str | None) -> pd.DataFrame:
    """The department's projects in ``year``: indicator after adjustments, paid, available, payments."""
    return _frame("""
        with ind as (
            select pro_code, sum(adjusted_amt) as indicator_amt, sum(paid_amt) as paid_amt,
                   sum(canuse_amt) as canuse_amt
            from marts.fct_indicator_balance
            where fiscal_year = $year and dept_code = $dept and ($fund is null or fund_type_code = $fund)
            group by pro_code
        ), pays as (
            select pro_code, count(*) as payments, sum(net_paid_amt) as net_paid_amt
            from marts.fct_payment
            where fiscal_year = $year and dept_code = $dept and ($fund is null or fund_type_code = $fund)
            group by pro_code
        )
        select ind.pro_code, p.pro_name, p.pro_cat_name, p.pro_status, ind.indicator_amt, ind.paid_amt,
               ind.canuse_amt,
               case when ind.indicator_amt = 0 then null else ind.paid_amt / ind.indicator_amt end as execution_rate,
               coalesce(pays.payments, 0) as payments
        from ind
        left join marts.dim_project p on p.pro_code = ind.pro_code
        left join pays on pays.pro_code = ind.pro_code
        order by ind.indicator_amt desc, ind.pro_code""", _f(dept, fund, year=year))


@cached
def project_payments(year: int, pro_code: str) -> pd.DataFrame:
    return _frame("""
        select pay_app_id, pay_app_no, create_date, status, pay_app_amt, net_paid_amt, paid_date, cleared_date,
               payee_acct_name, use_des, bgt_id, contract_no
        from marts.fct_payment where fiscal_year = $year and pro_code = $pro
        order by create_date desc, pay_app_id desc""", {"year": year, "pro": pro_code})


@cached
def payment(pay_app_id: str) -> dict[str, Any] | None:
    rows = _rows("""
        select p.*, a.agency_name, a.dept_name, d.pro_name
        from marts.fct_payment p
        left join marts.dim_agency a on a.agency_code = p.agency_code
        left join marts.dim_project d on d.pro_code = p.pro_code
        where p.pay_app_id = $id""", {"id": pay_app_id})
    return rows[0] if rows else None


@cached
def payment_trace(pay_app_id: str) -> pd.DataFrame:
    """The payment's whole origin chain (来龙去脉), one row per journalled step in time order."""
    return _frame("""
        select step_no, stage_no, stage, lineage_depth, object_type, object_id, action, occurred_at, actor,
               actor_role, opinion, journal_seq, detail_json
        from marts.payment_trace where pay_app_id = $id order by step_no""", {"id": pay_app_id})


# ---------------------------------------------------------------------------------------------- treasury cash


@cached
def cash_daily() -> pd.DataFrame:
    return _frame("""
        select cash_date, opening_amt, inflow_amt, outflow_amt, closing_amt, revenue_in_amt, debt_in_amt,
               transfer_in_amt, refund_in_amt, is_working_day
        from marts.fct_treasury_cash_daily order by cash_date""")


@cached
def cash_summary() -> dict[str, Any] | None:
    """The latest closing balance and 库款保障水平 from history: balance ÷ average monthly outflow over the
    last 90 days (months of spending the cash covers). Decimal yuan."""
    rows = _rows("""
        with last as (select max(cash_date) as d from marts.fct_treasury_cash_daily),
        window_ as (
            select sum(outflow_amt) as outflow_90, count(*) as days
            from marts.fct_treasury_cash_daily, last where cash_date > last.d - interval 90 day
        )
        select c.cash_date, c.closing_amt, w.outflow_90, w.days,
               case when w.outflow_90 > 0 then c.closing_amt / (w.outflow_90 / w.days * 30) end as guarantee_months
        from marts.fct_treasury_cash_daily c, last, window_ w where c.cash_date = last.d""")
    return rows[0] if rows else None


@cached
def cash_forecast() -> pd.DataFrame | None:
    return _optional("forecast", "cash_daily", """
        select date, kind, balance_mean, lo80, hi80, lo95, hi95, known_inflow, known_outflow, p_below_min,
               min_balance
        from forecast.cash_daily order by date""")


@cached
def cash_forecast_summary() -> dict[str, Any] | None:
    df = _optional("forecast", "cash_summary", "select * from forecast.cash_summary order by as_of desc limit 1")
    if df is None or df.empty:
        return None
    return df.iloc[0].to_dict()


# ---------------------------------------------------------------------------------------------- warnings


@cached
def warnings(year: int, dept: str | None) -> pd.DataFrame:
    return _frame("""
        select w.warning_key, w.rule_code, w.rule_name, w.warning_level, w.level_name, w.handling, w.dimension,
               w.trigger_type, w.period, w.agency_code, a.agency_name, w.dept_code, d.dept_name, w.pro_code,
               w.bgt_id, w.pay_app_id, w.payee_acct_name, w.amount, w.message, w.evidence, w.detected_at,
               w.is_in_core, coalesce(w.disposal_status, 'not_registered') as disposal_status,
               w.escalation_level
        from marts.fct_warning w
        left join marts.dim_agency a on a.agency_code = w.agency_code
        left join (select dept_code, max(dept_name) as dept_name from marts.dim_agency group by 1) d
               on d.dept_code = w.dept_code
        where w.fiscal_year = $year and ($dept is null or w.dept_code = $dept)
        order by case w.warning_level when 'red' then 1 when 'orange' then 2 when 'yellow' then 3 else 4 end,
                 w.detected_at desc""", {"dept": dept, "year": year})


@cached
def warning_steps(warning_key: str) -> pd.DataFrame | None:
    """The core's disposal steps of a warning (raw.mon_warning_step, by the warning's id in raw.mon_warning);
    None when the warehouse predates their extraction. A scheduled hit not yet synced into the core has none."""
    return _optional("raw", "mon_warning_step", """
        select s.step_no, s.created_at, s.action, s.from_status, s.to_status, s.actor, s.actor_role, s.opinion
        from raw.mon_warning_step as s
        inner join raw.mon_warning as w on w.warning_id = s.warning_id
        where w.warning_key = $k
        order by s.step_no""", {"k": warning_key})


@cached
def early_warning() -> pd.DataFrame | None:
    return _optional("forecast", "early_warning", """
        select * from forecast.early_warning
        where as_of = (select max(as_of) from forecast.early_warning)
        order by case band when 'red' then 1 when 'yellow' then 2 else 3 end, indicator_code""")


# ---------------------------------------------------------------------------------------------- projects

# the lifecycle's stages in order, each with the fct_project_lifecycle column that dates it
FUNNEL = (
    ("declared", "declared_at"), ("submitted", "submitted_at"), ("unit_approved", "unit_approved_at"),
    ("dept_approved", "dept_approved_at"), ("library", "library_at"), ("budgeted", "budgeted_at"),
    ("indicator", "first_indicator_at"), ("applied", "first_applied_date"), ("paid", "first_paid_date"),
    ("cleared", "last_cleared_date"),
)


@cached
def project_funnel(year: int, dept: str | None) -> pd.DataFrame:
    """Projects running in ``year`` (start ≤ year ≤ end) that reached each lifecycle stage."""
    counts = ", ".join(f"count(l.{col}) as {stage}" for stage, col in FUNNEL)
    df = _frame(f"""
        select {counts}
        from marts.fct_project_lifecycle l join marts.dim_project p on p.pro_code = l.pro_code
        where coalesce(p.pro_start_year, p.setup_year) <= $year and coalesce(p.end_year, $year) >= $year
          and ($dept is null or l.dept_code = $dept)""", {"dept": dept, "year": year})
    return pd.DataFrame({"stage": [s for s, _ in FUNNEL], "projects": [int(df.iloc[0][s]) for s, _ in FUNNEL]})


@cached
def stuck_projects(dept: str | None, as_of: date, min_days: int) -> pd.DataFrame:
    """Projects waiting at a stage longer than ``min_days`` as of ``as_of``: in review or in the library
    without a budget, budgeted without an indicator, or with an indicator but no payment."""
    return _frame("""
        with s as (
            select l.pro_code, l.pro_name, l.dept_code, l.agency_code, l.pro_status, l.pro_total_amt,
                   case
                     when l.pro_status in ('draft', 'unit_review', 'dept_review', 'fin_review', 'returned')
                       then 'review'
                     when l.pro_status = 'reserved' then 'library'
                     when l.first_indicator_at is null and l.budgeted_at is not null then 'budgeted'
                     when l.first_indicator_at is not null and l.first_paid_date is null then 'indicator'
                   end as stuck_at,
                   case
                     when l.pro_status in ('draft', 'unit_review', 'dept_review', 'fin_review', 'returned')
                       then coalesce(p.last_event_at, l.submitted_at, l.declared_at)
                     when l.pro_status = 'reserved' then l.library_at
                     when l.first_indicator_at is null and l.budgeted_at is not null then l.budgeted_at
                     when l.first_indicator_at is not null and l.first_paid_date is null then l.first_indicator_at
                   end as since
            from marts.fct_project_lifecycle l join marts.dim_project p on p.pro_code = l.pro_code
            where l.pro_status not in ('completed', 'terminated', 'voided')
              and ($dept is null or l.dept_code = $dept)
        )
        select *, date_diff('day', cast(since as date), cast($as_of as date)) as days_waiting
        from s
        where stuck_at is not null and date_diff('day', cast(since as date), cast($as_of as date)) >= $min_days
        order by days_waiting desc""", {"dept": dept, "as_of": as_of, "min_days": min_days})


@cached
def rolling_projects(year: int, dept: str | None) -> pd.DataFrame:
    """Multi-year projects (term > 1 year or continuing) running in ``year``."""
    return _frame("""
        select p.pro_code, p.pro_name, p.dept_code, p.pro_cat_name, p.pro_start_year, p.end_year, p.pro_term,
               p.exist_statue_code, p.roll_year, p.pro_total_amt, p.pro_status,
               l.indicator_amt, l.paid_amt
        from marts.dim_project p left join marts.fct_project_lifecycle l on l.pro_code = p.pro_code
        where (p.pro_term > 1 or p.exist_statue_code = '2')
          and coalesce(p.pro_start_year, p.setup_year) <= $year and coalesce(p.end_year, $year) >= $year
          and ($dept is null or p.dept_code = $dept)
        order by p.pro_total_amt desc nulls last""", {"dept": dept, "year": year})


@cached
def performance(year: int, dept: str | None) -> pd.DataFrame:
    return _frame("""
        select pro_code, pro_name, dept_code, pro_cat_name, perf_indicator_count, monitor_count,
               monitor_warning_count, target_progress_per_mille, exec_progress_per_mille, progress_gap_per_mille,
               is_last_monitor_warning, is_evaluated, eval_score, eval_grade, indicator_amt, paid_amt, exec_ratio
        from marts.fct_performance
        where fiscal_year = $year and ($dept is null or dept_code = $dept)
        order by abs(progress_gap_per_mille) desc nulls last""", {"dept": dept, "year": year})


# ---------------------------------------------------------------------------------------------- staff, procurement


@cached
def staff_cost(year: int, dept: str | None) -> pd.DataFrame:
    return _frame("""
        select s.pay_month, s.dept_code, d.dept_name, s.per_ide_code, s.per_ide_name,
               sum(s.headcount_in_post) as headcount, sum(s.retired_count) as retired,
               sum(s.paid_headcount) as paid_headcount, sum(s.gross_pay_amt) as gross_pay_amt,
               sum(s.net_pay_amt) as net_pay_amt, sum(s.withheld_amt) as withheld_amt,
               sum(s.budgeted_staff_cost_amt) as budgeted_staff_cost_amt
        from marts.fct_staff_cost_monthly s
        left join (select dept_code, max(dept_name) as dept_name from marts.dim_agency group by 1) d
               on d.dept_code = s.dept_code
        where s.fiscal_year = $year and ($dept is null or s.dept_code = $dept)
        group by all order by s.pay_month, s.dept_code, s.per_ide_code""", {"dept": dept, "year": year})


@cached
def staff_summary(year: int, dept: str | None) -> dict[str, Any]:
    """Headcount at the latest month and the year's payroll (Decimal yuan)."""
    return _rows("""
        with s as (select * from marts.fct_staff_cost_monthly
                   where fiscal_year = $year and ($dept is null or dept_code = $dept))
        select (select max(pay_month) from s) as month,
               (select sum(headcount_in_post) from s where pay_month = (select max(pay_month) from s)) as headcount,
               (select sum(gross_pay_amt) from s) as gross_pay,
               (select sum(budgeted_staff_cost_amt) from s) as budgeted""", {"dept": dept, "year": year})[0]


@cached
def contracts(year: int, dept: str | None) -> pd.DataFrame:
    return _frame("""
        select contract_no, gp_plan_no, agency_code, dept_code, pro_code, gpdir_name, gp_kind, pur_method_name,
               pur_org_form_name, supplier_name, contract_amt, sign_date, contract_status, instalment_count,
               paid_to_date_amt, remaining_amt, paid_ratio, is_fully_paid, is_overpaid, is_smes_reserved
        from marts.fct_procurement_contract
        where fiscal_year = $year and ($dept is null or dept_code = $dept)
        order by contract_amt desc""", {"dept": dept, "year": year})


@cached
def contracts_total(year: int, dept: str | None) -> Decimal:
    rows = _rows("""select coalesce(sum(contract_amt), 0) as total from marts.fct_procurement_contract
                    where fiscal_year = $year and ($dept is null or dept_code = $dept)""", {"dept": dept, "year": year})
    return rows[0]["total"]


@cached
def split_purchase_suspects(year: int, dept: str | None) -> pd.DataFrame:
    """Rule R12 (化整为零, splitting a purchase to stay under the procurement threshold)."""
    return _frame("""
        select warning_key, agency_code, dept_code, pro_code, payee_acct_name, amount, period, message, evidence,
               detected_at, coalesce(disposal_status, 'not_registered') as disposal_status
        from marts.fct_warning
        where rule_code = 'R12' and fiscal_year = $year and ($dept is null or dept_code = $dept)
        order by amount desc""", {"dept": dept, "year": year})


# ---------------------------------------------------------------------------------------------- disclosure

DISCLOSURE_TABLES = (
    ("disclosure_1_budget_summary", "side, line_no"),
    ("disclosure_1_1_income_summary", "line_no"),
    ("disclosure_1_2_expenditure_summary", "line_no"),
    ("disclosure_2_fiscal_appropriation_summary", "side, line_no"),
    ("disclosure_3_general_public_expenditure", "line_no"),
    ("disclosure_3_1_general_public_basic_expenditure", "line_no"),
    ("disclosure_3_3_three_public_expenditure", "line_no"),
    ("disclosure_4_government_fund_expenditure", "line_no"),
    ("disclosure_5_state_capital_expenditure", "line_no"),
)
_DISCLOSURE_ORDER = dict(DISCLOSURE_TABLES)


@cached
def disclosure_departments(year: int) -> pd.DataFrame:
    return _frame("""
        select distinct dept_code, dept_name from marts.disclosure_1_budget_summary
        where fiscal_year = $year order by dept_code""", {"year": year})


@cached
def disclosure_table(table: str, dept: str, year: int) -> pd.DataFrame:
    order = _DISCLOSURE_ORDER[table]  # KeyError for anything outside the whitelist
    return _frame(f"""
        select * exclude (dept_code, dept_name, fiscal_year) from marts.{table}
        where dept_code = $dept and fiscal_year = $year order by {order}""", {"dept": dept, "year": year})


@cached
def disclosure_xlsx(dept: str, year: int, unit: str = "万元") -> bytes:
    """The nine tables as one XLSX workbook (ingest.disclosure_export), in memory. Raises DisclosureNotFound
    (a LookupError) when the department has no approved budget that year."""
    from ingest.disclosure_export import export_disclosure

    if not warehouse_path().exists():
        raise WarehouseMissing(str(warehouse_path()))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "disclosure.xlsx"
        export_disclosure(warehouse_path(), dept, year, out, unit=unit)  # type: ignore[arg-type]
        return out.read_bytes()


# ---------------------------------------------------------------------------------------------- data quality


@cached
def freshness() -> dict[str, Any]:
    """When the warehouse was built, how far the core's extract reached, and each exchange feed's latest
    file (by business date in the file and arrival order)."""
    core = _rows("select source, last_seq, extracted_at from raw._extract_state order by source")
    feeds = _frame("""
        with f as (
            select feed, count(*) as files, max(arrival_no) as last_arrival,
                   count(*) filter (where status <> 'loaded') as files_rejected,
                   sum(rows_total) as rows_total, sum(rows_loaded) as rows_loaded,
                   sum(rows_quarantined) as rows_quarantined
            from raw.xch_file group by feed
        ), d as (
            select 'tax_revenue' as feed, max(file_date) as latest_file_date from raw.xch_tax_revenue
            union all select 'bank_receipt', max(file_date) from raw.xch_bank_receipt
        )
        select f.*, d.latest_file_date from f left join d using (feed) order by feed""")
    built = os.path.getmtime(warehouse_path())
    return {"core": core, "feeds": feeds, "built_at": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(built)),
            "as_of": as_of_date.uncached()}  # type: ignore[attr-defined]


@cached
def quarantine_by_rule() -> pd.DataFrame:
    return _frame("""
        select feed, rule, field, count(*) as rows_, count(distinct file_sha256) as files, any_value(message) as example
        from raw.xch_quarantine group by feed, rule, field order by rows_ desc""")


@cached
def rejected_files() -> pd.DataFrame:
    return _frame("""
        select arrival_no, feed, file_name, status, rule, message from raw.xch_file
        where status <> 'loaded' order by arrival_no desc""")


@cached
def reconciliation() -> pd.DataFrame:
    """Per measure of the reconciliation mart: keys compared, keys that differ, and the core's and the
    warehouse's totals (yuan)."""
    return _frame("""
        select measure, count(*) as keys, count(*) filter (where not is_matched) as keys_differing,
               sum(core_amt) as core_total, sum(warehouse_amt) as mart_total
        from marts.fct_reconciliation group by measure order by measure""")


def dbt_results() -> dict[str, Any] | None:
    """The last dbt build's test results (the refresh pipeline's ``run_results.json``, whichever entry point
    ran it), when present."""
    doc = read_run_results(settings().refresh_paths().run_results)
    if doc is None:
        return None
    tests = [r for r in doc["nodes"] if r["unique_id"].startswith("test.")]
    return {"generated_at": doc["generated_at"], "tests": pd.DataFrame(tests), "nodes": len(doc["nodes"])}
