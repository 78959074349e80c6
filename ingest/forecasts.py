"""Forecasts and early warnings into schema ``forecast`` of the warehouse build file.

The I/O boundary of ``models_forecast.apps`` (architecture: the library is pure functions, no DuckDB): this
module reads the marts (and, for the commitments the marts do not keep, the raw core tables), calls the
applications and (re)creates every ``forecast.*`` table in one transaction — a reader of the published file
sees all of them from one run or none.

Money read for exact use (known flows, budgets, YTD) travels as integer fen and is written as
``DECIMAL(18,2)`` yuan; forecasts (means, intervals, probabilities) are ``DOUBLE``. ``as_of`` defaults to the
data's last business date (the latest treasury day or payment application in the marts), not today.
The table contracts are in ``models_forecast/apps/README.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import metadata

import duckdb
import numpy as np
import pandas as pd

from models_forecast.apps import cash as cash_app
from models_forecast.apps import warning as ew
from models_forecast.apps.config import AppsConfig
from models_forecast.apps.expenditure import expenditure_year_end, month_fraction
from models_forecast.apps.revenue import TOTAL, forecast_revenue, revenue_year_end

SCHEMA = "forecast"
TABLES = ("revenue_monthly", "revenue_year_end", "expenditure_year_end", "cash_daily", "cash_known_flows",
          "cash_summary", "early_warning", "backtest", "_run")
IN_FLIGHT_KNOWN = ("approved", "voucher_issued", "paid")       # approved, not yet cleared
PENDING = ("submitted", "fin_review", "approved", "voucher_issued")
EXECUTED = ("paid", "cleared")


class ForecastFailed(RuntimeError):
    pass


@dataclass
class ForecastReport:
    as_of: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _fen(expr: str) -> str:
    """A DECIMAL(18,2) yuan expression as integer fen (exact)."""
    return f"cast(round(coalesce({expr}, 0) * 100) as bigint)"


def _yuan(col: str) -> str:
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


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and "
                            "table_name = ?", [schema, table]).fetchone()[0])  # type: ignore[index]


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


# -- reads ------------------------------------------------------------------------------------------------------

def read_revenue(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    monthly = _df(con, """
        select inc_code as series_id, any_value(inc_name) as series_name, month_start_date as date,
               cast(sum(collected_amt) as double) as value
        from marts.fct_revenue_monthly where month_start_date <= ? group by inc_code, month_start_date""", [as_of])
    ytd = _df(con, f"""
        with budget as (
            select inc_code, {_fen('max(budget_amt)')} as budget_fen, count(budget_amt) as n
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
    name = "f.name" if _has(con, "ref", "exp_func") else "null"
    join = "left join ref.exp_func as f on f.code = substr(e.exp_func_code, 1, 3)" if name != "null" else ""
    return _df(con, f"""
        select e.fiscal_year, e.fiscal_month, substr(e.exp_func_code, 1, 3) as exp_func_class,
               any_value({name}) as exp_func_name, e.fund_type_code,
               {_fen('sum(e.indicator_amt)')} as indicator_fen, {_fen('sum(e.paid_in_month_amt)')} as paid_fen
        from marts.fct_budget_execution_monthly as e {join}
        where make_date(e.fiscal_year, e.fiscal_month, 1) <= ?
        group by e.fiscal_year, e.fiscal_month, substr(e.exp_func_code, 1, 3), e.fund_type_code""", [as_of])


PAYROLL_APPS = "(select pay_app_id, max(pay_month) as pay_month from raw.pay_detail where detail_type = 'net_pay' " \
               "group by pay_app_id)"


def read_cash(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig) -> dict[str, pd.DataFrame]:
    since = as_of - timedelta(days=config.cash.history_days)
    history = _df(con, f"""
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
        select d.cash_date as date, {_fen('d.closing')} as closing_fen, {_fen('d.inflow')} as inflow_fen,
               {_fen('d.outflow')} as outflow_fen, {_fen('c.payroll')} as payroll_out_fen,
               {_fen('c.contract')} as contract_out_fen
        from days as d left join classes as c on c.cleared_date = d.cash_date order by d.cash_date""",
                  [as_of, since, as_of, since])
    cleared = _df(con, f"""
        select cast(p.approved_at as date) as approved_date, cast(p.voucher_at as date) as voucher_date,
               p.paid_date, p.cleared_date, {_fen('p.cleared_amt')} as amount_fen,
               pa.pay_app_id is not null as is_payroll, p.contract_no is not null as is_contract
        from marts.fct_payment as p left join {PAYROLL_APPS} as pa using (pay_app_id)
        where p.cleared_date <= ? and p.cleared_date > ?""", [as_of, as_of - timedelta(days=180)])
    in_flight = _df(con, f"""
        select v.pay_app_id, v.status, v.pay_app_amt as amount_fen,
               case v.status when 'approved' then cast(p.approved_at as date)
                             when 'voucher_issued' then cast(p.voucher_at as date)
                             else p.paid_date end as status_date
        from raw.pay_voucher as v left join marts.fct_payment as p using (pay_app_id)
        where v.status in {IN_FLIGHT_KNOWN} and v.create_date <= ?""", [as_of])
    payroll = _df(con, f"""
        select v.agency_code, pa.pay_month, v.pay_app_amt as amount_fen,
               coalesce(p.cleared_date, p.paid_date, v.create_date) as pay_day
        from raw.pay_voucher as v join {PAYROLL_APPS} as pa using (pay_app_id)
        left join marts.fct_payment as p using (pay_app_id)
        where v.status not in ('returned', 'voided') and v.create_date <= ?""", [as_of])
    contracts = _df(con, f"""
        select c.contract_no, g.fiscal_year, c.contract_amt as contract_fen,
               coalesce(sum(v.pay_app_amt - v.refund_amt) filter (where v.status in {EXECUTED}), 0) as paid_fen,
               coalesce(sum(v.pay_app_amt) filter (where v.status in {PENDING}), 0) as in_flight_fen
        from raw.gp_contract as c join raw.gp_plan as g using (plan_id)
        left join raw.pay_voucher as v on v.contract_no = c.contract_no
        where c.status not in ('terminated', 'cancelled', 'closed')
        group by c.contract_no, g.fiscal_year, c.contract_amt""")
    return {"history": history, "cleared": cleared, "in_flight": in_flight, "payroll": payroll,
            "contracts": contracts}


# -- early warnings ----------------------------------------------------------------------------------------------

def _complete_past_years(frame: pd.DataFrame, year: int) -> list[int]:
    ok = []
    for y, g in frame[frame["fiscal_year"] < year].groupby("fiscal_year"):
        if {1, 12} <= set(g["fiscal_month"]):
            ok.append(int(y))
    return ok


def early_warnings(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig, revenue: pd.DataFrame,
                   rev_year_end: pd.DataFrame, cash_summary: dict[str, object]) -> pd.DataFrame:
    b = config.bands
    t = month_fraction(as_of)
    rows: list[dict[str, object]] = []
    # 1. execution progress (支出进度), total and per department, against the seasonal execution rate
    ex = _df(con, """
        select e.fiscal_year, e.fiscal_month, coalesce(a.dept_code, e.agency_code) as dept_code,
               any_value(coalesce(d.agency_name, a.dept_name)) as dept_name,
               cast(sum(e.paid_in_month_amt) as double) as amount, cast(sum(e.indicator_amt) as double) as indicator
        from marts.fct_budget_execution_monthly as e
        left join marts.dim_agency as a on a.agency_code = e.agency_code
        left join marts.dim_agency as d on d.agency_code = a.dept_code
        where make_date(e.fiscal_year, e.fiscal_month, 1) <= ? group by all""", [as_of])
    years = _complete_past_years(ex, as_of.year)
    scopes = [("total", "全区 (total)", ex)] + [
        (str(code), f"{code} {name or ''}".strip(), g) for (code, name), g in ex.groupby(["dept_code", "dept_name"],
                                                                                          dropna=False)]
    for scope, label, g in scopes:
        tot = g.groupby(["fiscal_year", "fiscal_month"], as_index=False)[["amount", "indicator"]].sum()
        cur = tot[tot["fiscal_year"] == as_of.year]
        ind_now = float(cur.loc[cur["fiscal_month"] == as_of.month, "indicator"].sum())
        value = float(cur["amount"].sum()) / ind_now if ind_now > 0 else None
        past = ew.ytd_ratio_at(tot[tot["fiscal_year"].isin(years)], t, denominator="indicator")
        rows.append(ew.progress_indicator(as_of, "EXEC_PROGRESS", "支出执行进度", "expenditure execution progress",
                                          scope if scope == "total" else label, value, past, b))
    # 2. revenue progress against the seasonal share of the year's total
    tot = revenue[revenue["series_id"] == TOTAL] if not revenue.empty else revenue
    if not rev_year_end.empty and (rev_year_end["series_id"] == TOTAL).any():
        ye = rev_year_end[rev_year_end["series_id"] == TOTAL].iloc[0]
        budget = None if pd.isna(ye["budget_fen"]) else float(ye["budget_fen"]) / 100
        actual = float(ye["actual_ytd_fen"]) / 100
        act = tot[tot["kind"] == "actual"].copy()
        act["fiscal_year"] = pd.to_datetime(act["date"]).dt.year
        act["fiscal_month"] = pd.to_datetime(act["date"]).dt.month
        act["amount"] = act["mean"]
        ryears = _complete_past_years(act, as_of.year)
        past = ew.ytd_ratio_at(act[act["fiscal_year"].isin(ryears)], t)
        rows.append(ew.progress_indicator(as_of, "REV_PROGRESS", "收入进度", "revenue progress against budget",
                                          "total", actual / budget if budget else None, past, b))
        p = None if pd.isna(ye["p_shortfall"]) else float(ye["p_shortfall"])
        rows.append(ew.shortfall_indicator(as_of, p, budget, float(ye["forecast_mean"]), b))
    # 3. cash
    if cash_summary:
        rows += ew.cash_indicators(as_of, _opt(cash_summary.get("p_below_min_90d")),
                                   _opt(cash_summary.get("guarantee_months_now")),
                                   float(cash_summary["min_balance_fen"]) / 100, b)  # type: ignore[arg-type]
    # 4. 三保: remaining indicators against the spending of the last 12 months
    wage = ", ".join(f"'{c}'" for c in config.sanbao_wage_eco)
    ops = ", ".join(f"'{c}'" for c in config.sanbao_ops_eco)
    life = ", ".join(f"'{c}'" for c in config.sanbao_livelihood_func)
    cats = {
        "SANBAO_WAGE": ("三保·保工资（人员经费）", "三保: wages (personnel)", f"substr(dep_bgt_eco_code, 1, 3) in ({wage})"),
        "SANBAO_OPS": ("三保·保运转（公用经费）", "三保: operations", f"substr(dep_bgt_eco_code, 1, 3) in ({ops})"),
        "SANBAO_LIVELIHOOD": ("三保·保基本民生", "三保: basic livelihood",
                              f"substr(exp_func_code, 1, 3) in ({life}) and "
                              f"substr(dep_bgt_eco_code, 1, 3) not in ({wage}, {ops})"),
    }
    first_pay = con.execute("select min(paid_date) from marts.fct_payment where paid_date > ?",
                            [as_of - timedelta(days=365)]).fetchone()[0]  # type: ignore[index]
    span = max(((as_of - first_pay).days + 1) / 30.4375, 1.0) if first_pay else 12.0
    span = min(span, 12.0)
    for code, (zh, en, cond) in cats.items():
        remaining = con.execute(f"""select coalesce(sum(adjusted_amt - paid_amt - inflight_amt), 0)
            from marts.fct_indicator_balance where fiscal_year = ? and {cond}""", [as_of.year]).fetchone()[0]  # type: ignore[index]
        spent = con.execute(f"""select coalesce(sum(net_paid_amt), 0) from marts.fct_payment
            where paid_date > ? and paid_date <= ? and {cond}""", [as_of - timedelta(days=365), as_of]).fetchone()[0]  # type: ignore[index]
        rows.append(ew.sanbao_indicator(as_of, code, zh, en, float(remaining), float(spent) / span, b))
    # 5. 三公 growth, total and per department
    codes = ", ".join(f"'{c}'" for c in config.sangong_eco)
    prev_as_of = as_of.replace(year=as_of.year - 1) if not (as_of.month == 2 and as_of.day == 29) \
        else date(as_of.year - 1, 2, 28)
    sg = _df(con, f"""
        select coalesce(p.dept_code, 'total') as scope, any_value(a.agency_name) as name,
               cast(coalesce(sum(net_paid_amt) filter (where paid_date between ? and ?), 0) as double) as cur,
               cast(coalesce(sum(net_paid_amt) filter (where paid_date between ? and ?), 0) as double) as prev
        from marts.fct_payment as p left join marts.dim_agency as a on a.agency_code = p.dept_code
        where dep_bgt_eco_code in ({codes}) group by grouping sets ((), (p.dept_code))""",
             [date(as_of.year, 1, 1), as_of, date(as_of.year - 1, 1, 1), prev_as_of])
    if sg.empty or not (sg["scope"] == "total").any():
        sg = pd.concat([sg, pd.DataFrame([{"scope": "total", "name": None, "cur": 0.0, "prev": 0.0}])])
    for r in sg.sort_values("scope").itertuples(index=False):
        if r.scope != "total" and r.cur == 0 and r.prev == 0:
            continue
        label = "total" if r.scope == "total" else f"{r.scope} {r.name or ''}".strip()
        rows.append(ew.sangong_indicator(as_of, label, float(r.cur), float(r.prev), b))
    # 6. indicators unused late in the year
    n, unused = con.execute("""select count(*), count(*) filter (where paid_amt = 0)
        from marts.fct_indicator_balance where fiscal_year = ? and adjusted_amt > 0""", [as_of.year]).fetchone()  # type: ignore[misc]
    rows.append(ew.unused_indicator(as_of, unused / n if n else None, int(n), b))
    return pd.DataFrame(rows, columns=ew.COLUMNS)


def _opt(v: object) -> float | None:
    return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else float(v)  # type: ignore[arg-type]


# -- writes -----------------------------------------------------------------------------------------------------

def _create(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: list[tuple[str, str, str]]
            ) -> int:
    """(Re)create forecast.<table> with ``columns`` = (name, SQL type, select expression over the frame)."""
    con.execute(f"drop table if exists {SCHEMA}.{table}")
    con.execute(f"create table {SCHEMA}.{table} ({', '.join(f'{n} {t}' for n, t, _e in columns)})")
    if len(frame):
        con.register("_fc_frame", frame)
        try:
            con.execute(f"insert into {SCHEMA}.{table} select {', '.join(e for _n, _t, e in columns)} from _fc_frame")
        finally:
            con.unregister("_fc_frame")
    return len(frame)


def _c(name: str, typ: str, expr: str | None = None) -> tuple[str, str, str]:
    return (name, typ, f"cast({expr or name} as {typ})")


BOUNDS_SQL = [_c(k, "double") for k in ("lo80", "hi80", "lo95", "hi95")]


def build_forecasts(con: duckdb.DuckDBPyConnection, *, as_of: date | None = None,
                    progress: Callable[[str], None] | None = None,
                    config: AppsConfig | None = None) -> ForecastReport:
    """Compute every forecast and warning from the marts of the open warehouse and (re)create schema
    ``forecast`` in one transaction. Raises ForecastFailed with a clear message when the marts are missing."""
    say = progress or (lambda _m: None)
    config = config or AppsConfig()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    missing = [t for t in ("fct_revenue_monthly", "fct_budget_execution_monthly", "fct_treasury_cash_daily",
                           "fct_indicator_balance", "fct_payment", "dim_agency") if not _has(con, "marts", t)]
    if missing:
        raise ForecastFailed(f"数据仓库缺少集市表 {missing}，请先完成 dbt build (the warehouse lacks marts {missing}: "
                             "run the dbt build first)")
    as_of = as_of or default_as_of(con)
    report = ForecastReport(as_of)

    def lap(key: str, t: float) -> float:
        now = time.perf_counter()
        report.seconds[key] = now - t
        return now

    tick = time.perf_counter()
    say(f"  收入预测 revenue (as of {as_of})")
    monthly, ytd = read_revenue(con, as_of)
    rev = forecast_revenue(monthly, as_of, config)
    rev_ye = revenue_year_end(rev, monthly, ytd, as_of, config)
    report.notes += rev.notes
    tick = lap("revenue", tick)
    say("  支出年末执行预测 expenditure year-end")
    exp = expenditure_year_end(read_execution(con, as_of), as_of, min_sd=config.bands.progress_min_sd)
    tick = lap("expenditure", tick)
    say("  库款预测 cash (commitment-aware)")
    cin = read_cash(con, as_of, config)
    end = as_of + timedelta(days=config.cash.horizon_days)
    lags = cash_app.clearing_lags(cin["cleared"])
    known = pd.concat([
        cash_app.in_flight_flows(cin["in_flight"], lags, as_of, end),
        cash_app.payroll_calendar(cin["payroll"], as_of, end),
        cash_app.contract_flows(cin["contracts"], as_of, end, config.cash.retention_share),
    ], ignore_index=True)
    general = cin["cleared"][~cin["cleared"]["is_payroll"] & ~cin["cleared"]["is_contract"]]
    cash_summary: dict[str, object] = {}
    cash_daily = pd.DataFrame()
    cash_bt = pd.DataFrame()
    if cin["history"].empty:
        report.notes.append("库款日报为空，未做库款预测 (no treasury cash history: no cash forecast)")
    else:
        cf = cash_app.forecast_cash(cin["history"], known, general, as_of, config)
        cash_daily, cash_summary, cash_bt = cf.daily, cf.summary, cf.backtest
    tick = lap("cash", tick)
    say("  预警指标 early warnings")
    warnings = early_warnings(con, as_of, config, rev.monthly, rev_ye, cash_summary)
    tick = lap("early_warning", tick)

    backtest = pd.concat([b for b in (rev.backtest, cash_bt) if not b.empty], ignore_index=True) \
        if not (rev.backtest.empty and cash_bt.empty) else pd.DataFrame(
            columns=["series_id", "table_name", "model", "mase", "smape", "coverage80", "coverage95", "n_origins",
                     "chosen"])
    backtest["computed_at"] = started_at
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        report.rows["revenue_monthly"] = _create(con, "revenue_monthly", rev.monthly, [
            _c("series_id", "varchar"), _c("series_name", "varchar"), _c("date", "date"), _c("kind", "varchar"),
            _c("model", "varchar"), _c("mean", "double"), *BOUNDS_SQL, _c("note", "varchar")])
        report.rows["revenue_year_end"] = _create(con, "revenue_year_end", rev_ye, [
            _c("fiscal_year", "integer"), _c("series_id", "varchar"), _c("series_name", "varchar"),
            ("budget_amt", "decimal(18,2)", _yuan("budget_fen")),
            ("actual_ytd", "decimal(18,2)", _yuan("actual_ytd_fen")),
            _c("forecast_mean", "double"), *BOUNDS_SQL, _c("p_shortfall", "double"), _c("note", "varchar")])
        report.rows["expenditure_year_end"] = _create(con, "expenditure_year_end", exp, [
            _c("fiscal_year", "integer"), _c("exp_func_class", "varchar"), _c("exp_func_name", "varchar"),
            _c("fund_type_code", "varchar"), ("indicator_amt", "decimal(18,2)", _yuan("indicator_fen")),
            ("paid_ytd", "decimal(18,2)", _yuan("paid_ytd_fen")), _c("forecast_paid_mean", "double"), *BOUNDS_SQL,
            _c("forecast_exec_rate", "double"), _c("note", "varchar")])
        money = "decimal(18,2)"
        report.rows["cash_daily"] = _create(con, "cash_daily", cash_daily, [
            _c("date", "date"), _c("kind", "varchar"), _c("balance_mean", "double"), *BOUNDS_SQL,
            ("known_inflow", money, _yuan("known_inflow_fen")), ("known_outflow", money, _yuan("known_outflow_fen")),
            _c("p_below_min", "double"), ("min_balance", money, _yuan("min_balance_fen")),
            ("known_inflight_out", money, _yuan("known_inflight_out_fen")),
            ("known_payroll_out", money, _yuan("known_payroll_out_fen")),
            ("known_contract_out", money, _yuan("known_contract_out_fen")), _c("model", "varchar")])
        report.rows["cash_known_flows"] = _create(con, "cash_known_flows", known, [
            _c("date", "date"), _c("flow_class", "varchar"), _c("direction", "varchar"),
            ("amount", money, _yuan("amount_fen")), _c("n_items", "integer")])
        summary = pd.DataFrame([cash_summary]) if cash_summary else pd.DataFrame()
        report.rows["cash_summary"] = _create(con, "cash_summary", summary, [
            _c("as_of", "date"), ("balance", money, _yuan("balance_fen")), ("min_balance", money, _yuan("min_balance_fen")),
            _c("p_below_min_90d", "double"), _c("guarantee_months_now", "double"),
            _c("guarantee_months_90d", "double"), _c("avg_monthly_outflow", "double"), _c("note", "varchar")])
        report.rows["early_warning"] = _create(con, "early_warning", warnings, [
            _c("as_of", "date"), _c("indicator_code", "varchar"), _c("indicator_name", "varchar"),
            _c("indicator_name_en", "varchar"), _c("scope", "varchar"), _c("value", "double"),
            _c("expected", "double"), _c("band", "varchar"), _c("reason_zh", "varchar"), _c("reason_en", "varchar")])
        report.rows["backtest"] = _create(con, "backtest", backtest, [
            _c("series_id", "varchar"), _c("table_name", "varchar"), _c("model", "varchar"), _c("mase", "double"),
            _c("smape", "double"), _c("coverage80", "double"), _c("coverage95", "double"),
            _c("n_origins", "integer"), _c("computed_at", "timestamp"), _c("chosen", "boolean")])
        report.seconds["total"] = time.perf_counter() - t0
        try:
            version = metadata.version("fiscal-platform")
        except metadata.PackageNotFoundError:
            version = "unknown"
        run = pd.DataFrame([{
            "as_of": as_of, "started_at": started_at, "seconds": report.seconds["total"],
            "library": f"models_forecast {version}",
            "models": f"revenue: {','.join(config.revenue_models or ('default',))}; cash: "
                      f"{','.join(config.cash.models)}; origins {config.origins}",
            "notes": "; ".join(dict.fromkeys(report.notes)) or None}])
        report.rows["_run"] = _create(con, "_run", run, [
            _c("as_of", "date"), _c("started_at", "timestamp"), _c("seconds", "double"), _c("library", "varchar"),
            _c("models", "varchar"), _c("notes", "varchar")])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    say(f"  预测完成 forecasts written: {sum(report.rows.values())} rows in {report.seconds['total']:.1f} s")
    return report


__all__ = ["SCHEMA", "TABLES", "ForecastFailed", "ForecastReport", "build_forecasts", "default_as_of"]
