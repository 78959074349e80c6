"""What the forecasts read from the warehouse: revenue, budget execution and the treasury's cash with the
commitments the marts do not keep (in-flight applications, payroll, contract remainders, from ``raw``).

Money read for exact use travels as integer fen; ``as_of`` defaults to the data's last business date (the latest
treasury day or payment application in the marts), not today.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from fiscal_core.domain.payments import PayStatus
from models_forecast.apps.config import AppsConfig

# approved, not yet cleared: flows the cash forecast knows are coming
IN_FLIGHT_KNOWN = tuple(s.value for s in (PayStatus.APPROVED, PayStatus.VOUCHER_ISSUED, PayStatus.PAID))
PENDING = tuple(s.value for s in (PayStatus.SUBMITTED, PayStatus.FIN_REVIEW, PayStatus.APPROVED,
                                  PayStatus.VOUCHER_ISSUED))
EXECUTED = tuple(s.value for s in (PayStatus.PAID, PayStatus.CLEARED))
WITHDRAWN = tuple(s.value for s in (PayStatus.RETURNED, PayStatus.VOIDED))


class ForecastFailed(RuntimeError):
    pass


def fen_sql(expr: str) -> str:
    """A DECIMAL(18,2) yuan expression as integer fen (exact)."""
    return f"cast(round(coalesce({expr}, 0) * 100) as bigint)"


def yuan_sql(col: str) -> str:
    """An integer fen column as DECIMAL(18,2) yuan (exact)."""
    return f"cast(cast({col} as decimal(20,0)) * 0.01 as decimal(18,2))"


def default_as_of(con: duckdb.DuckDBPyConnection) -> date:
    row = con.execute("""
        select greatest((select max(cash_date) from marts.fct_treasury_cash_daily),
                        (select max(create_date) from marts.fct_payment))""").fetchone()
    if row is None or row[0] is None:
        raise ForecastFailed("数据仓库中没有业务日期（库款日报与支付均为空），无法预测 "
                             "(no business date in the marts: treasury days and payments are empty)")
    value = row[0]
    return value.date() if isinstance(value, datetime) else value


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and "
                            "table_name = ?", [schema, table]).fetchone()[0])  # type: ignore[index]


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


# -- reads ------------------------------------------------------------------------------------------------------

def read_revenue(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    monthly = frame(con, """
        select inc_code as series_id, any_value(inc_name) as series_name, month_start_date as date,
               cast(sum(collected_amt) as double) as value
        from marts.fct_revenue_monthly where month_start_date <= ? group by inc_code, month_start_date""", [as_of])
    ytd = frame(con, f"""
        with budget as (
            select inc_code, {fen_sql('max(budget_amt)')} as budget_fen, count(budget_amt) as n
            from marts.fct_revenue_monthly where fiscal_year = ? group by inc_code
        ),
        collected as (
            select inc_code, sum(amount) as fen from raw.inc_treasury_income
            where tre_date between ? and ? group by inc_code
        )
        select coalesce(b.inc_code, c.inc_code) as series_id, coalesce(c.fen, 0) as actual_ytd_fen,
               case when b.n > 0 then b.budget_fen end as budget_fen
        from budget as b full join collected as c on b.inc_code = c.inc_code""",
               [as_of.year, date(as_of.year, 1, 1), as_of])
    return monthly, ytd


def read_execution(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    name = "f.name" if has_table(con, "ref", "exp_func") else "null"
    join = "left join ref.exp_func as f on f.code = substr(e.exp_func_code, 1, 3)" if name != "null" else ""
    return frame(con, f"""
        select e.fiscal_year, e.fiscal_month, substr(e.exp_func_code, 1, 3) as exp_func_class,
               any_value({name}) as exp_func_name, e.fund_type_code,
               {fen_sql('sum(e.indicator_amt)')} as indicator_fen, {fen_sql('sum(e.paid_in_month_amt)')} as paid_fen
        from marts.fct_budget_execution_monthly as e {join}
        where make_date(e.fiscal_year, e.fiscal_month, 1) <= ?
        group by e.fiscal_year, e.fiscal_month, substr(e.exp_func_code, 1, 3), e.fund_type_code""", [as_of])


PAYROLL_APPS = "(select pay_app_id, max(pay_month) as pay_month from raw.pay_detail where detail_type = 'net_pay' " \
               "group by pay_app_id)"


def read_cash(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig) -> dict[str, pd.DataFrame]:
    since = as_of - timedelta(days=config.cash.history_days)
    history = frame(con, f"""
        with days as (
            select cash_date, sum(closing_amt) as closing, sum(inflow_amt) as inflow, sum(outflow_amt) as outflow
            from marts.fct_treasury_cash_daily where cash_date <= ? and cash_date > ? group by cash_date
        ),
        classes as (
            select p.cleared_date,
                   sum(p.cleared_amt) filter (where pa.pay_app_id is not null) as payroll,
                   sum(p.cleared_amt) filter (where pa.pay_app_id is null and p.contract_no is not null) as contract
            from marts.fct_payment as p left join {PAYROLL_APPS} as pa using (pay_app_id)
            where p.cleared_date <= ? and p.cleared_date > ? group by p.cleared_date
        )
        select d.cash_date as date, {fen_sql('d.closing')} as closing_fen, {fen_sql('d.inflow')} as inflow_fen,
               {fen_sql('d.outflow')} as outflow_fen, {fen_sql('c.payroll')} as payroll_out_fen,
               {fen_sql('c.contract')} as contract_out_fen
        from days as d left join classes as c on c.cleared_date = d.cash_date order by d.cash_date""",
                  [as_of, since, as_of, since])
    cleared = frame(con, f"""
        select cast(p.approved_at as date) as approved_date, cast(p.voucher_at as date) as voucher_date,
               p.paid_date, p.cleared_date, {fen_sql('p.cleared_amt')} as amount_fen,
               pa.pay_app_id is not null as is_payroll, p.contract_no is not null as is_contract
        from marts.fct_payment as p left join {PAYROLL_APPS} as pa using (pay_app_id)
        where p.cleared_date <= ? and p.cleared_date > ?""", [as_of, as_of - timedelta(days=180)])
    in_flight = frame(con, f"""
        select v.pay_app_id, v.status, v.pay_app_amt as amount_fen,
               case v.status when 'approved' then cast(p.approved_at as date)
                             when 'voucher_issued' then cast(p.voucher_at as date)
                             else p.paid_date end as status_date
        from raw.pay_voucher as v left join marts.fct_payment as p using (pay_app_id)
        where v.status in {IN_FLIGHT_KNOWN} and v.create_date <= ?""", [as_of])
    payroll = frame(con, f"""
        select v.agency_code, pa.pay_month, v.pay_app_amt as amount_fen,
               coalesce(p.cleared_date, p.paid_date, v.create_date) as pay_day
        from raw.pay_voucher as v join {PAYROLL_APPS} as pa using (pay_app_id)
        left join marts.fct_payment as p using (pay_app_id)
        where v.status not in {WITHDRAWN} and v.create_date <= ?""", [as_of])
    contracts = frame(con, f"""
        select c.contract_no, g.fiscal_year, c.contract_amt as contract_fen,
               coalesce(sum(v.pay_app_amt - v.refund_amt) filter (where v.status in {EXECUTED}), 0) as paid_fen,
               coalesce(sum(v.pay_app_amt) filter (where v.status in {PENDING}), 0) as in_flight_fen
        from raw.gp_contract as c join raw.gp_plan as g using (plan_id)
        left join raw.pay_voucher as v on v.contract_no = c.contract_no
        where c.status not in ('terminated', 'cancelled', 'closed')
        group by c.contract_no, g.fiscal_year, c.contract_amt""")
    return {"history": history, "cleared": cleared, "in_flight": in_flight, "payroll": payroll,
            "contracts": contracts}


