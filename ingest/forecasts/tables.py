"""The ``forecast`` schema: each table's columns (the contract in ``models_forecast/apps/README.md``), declared
once, and the writer that (re)creates them all in one transaction — a reader of the published file sees every
table from one run or none. Forecasts (means, intervals, probabilities) are ``DOUBLE``; money known exactly
travels as integer fen and is written as ``DECIMAL(18,2)`` yuan."""

from __future__ import annotations

import duckdb
import pandas as pd

from .reads import yuan_sql

SCHEMA = "forecast"
MONEY = "decimal(18,2)"
Column = tuple[str, str, str]       # name, SQL type, select expression over the frame


def c(name: str, typ: str, expr: str | None = None) -> Column:
    return (name, typ, f"cast({expr or name} as {typ})")


def yuan(name: str, fen_column: str) -> Column:
    return (name, MONEY, yuan_sql(fen_column))


BOUNDS = [c(k, "double") for k in ("lo80", "hi80", "lo95", "hi95")]

COLUMNS: dict[str, list[Column]] = {
    "revenue_monthly": [
        c("series_id", "varchar"), c("series_name", "varchar"), c("date", "date"), c("kind", "varchar"),
        c("model", "varchar"), c("mean", "double"), *BOUNDS, c("note", "varchar")],
    "revenue_year_end": [
        c("fiscal_year", "integer"), c("series_id", "varchar"), c("series_name", "varchar"),
        yuan("budget_amt", "budget_fen"), yuan("actual_ytd", "actual_ytd_fen"),
        c("forecast_mean", "double"), *BOUNDS, c("p_shortfall", "double"), c("note", "varchar")],
    "expenditure_year_end": [
        c("fiscal_year", "integer"), c("exp_func_class", "varchar"), c("exp_func_name", "varchar"),
        c("fund_type_code", "varchar"), yuan("indicator_amt", "indicator_fen"), yuan("paid_ytd", "paid_ytd_fen"),
        c("forecast_paid_mean", "double"), *BOUNDS, c("forecast_exec_rate", "double"), c("note", "varchar")],
    "cash_daily": [
        c("date", "date"), c("kind", "varchar"), c("balance_mean", "double"), *BOUNDS,
        yuan("known_inflow", "known_inflow_fen"), yuan("known_outflow", "known_outflow_fen"),
        c("p_below_min", "double"), yuan("min_balance", "min_balance_fen"),
        yuan("known_inflight_out", "known_inflight_out_fen"), yuan("known_payroll_out", "known_payroll_out_fen"),
        yuan("known_contract_out", "known_contract_out_fen"), c("model", "varchar")],
    "cash_known_flows": [
        c("date", "date"), c("flow_class", "varchar"), c("direction", "varchar"), yuan("amount", "amount_fen"),
        c("n_items", "integer")],
    "cash_summary": [
        c("as_of", "date"), yuan("balance", "balance_fen"), yuan("min_balance", "min_balance_fen"),
        c("p_below_min_90d", "double"), c("guarantee_months_now", "double"), c("guarantee_months_90d", "double"),
        c("avg_monthly_outflow", "double"), c("note", "varchar")],
    "early_warning": [
        c("as_of", "date"), c("indicator_code", "varchar"), c("indicator_name", "varchar"),
        c("indicator_name_en", "varchar"), c("scope", "varchar"), c("value", "double"), c("expected", "double"),
        c("band", "varchar"), c("reason_zh", "varchar"), c("reason_en", "varchar")],
    "backtest": [
        c("series_id", "varchar"), c("table_name", "varchar"), c("model", "varchar"), c("mase", "double"),
        c("smape", "double"), c("coverage80", "double"), c("coverage95", "double"), c("n_origins", "integer"),
        c("computed_at", "timestamp"), c("chosen", "boolean")],
    "_run": [
        c("as_of", "date"), c("started_at", "timestamp"), c("seconds", "double"), c("library", "varchar"),
        c("models", "varchar"), c("notes", "varchar")],
}
TABLES = tuple(COLUMNS)


def create(con: duckdb.DuckDBPyConnection, table: str, data: pd.DataFrame) -> int:
    """(Re)create forecast.<table> from ``data`` as its contract says; returns the rows written."""
    columns = COLUMNS[table]
    con.execute(f"drop table if exists {SCHEMA}.{table}")
    con.execute(f"create table {SCHEMA}.{table} ({', '.join(f'{n} {t}' for n, t, _e in columns)})")
    if len(data):
        con.register("_fc_frame", data)
        try:
            con.execute(f"insert into {SCHEMA}.{table} select {', '.join(e for _n, _t, e in columns)} from _fc_frame")
        finally:
            con.unregister("_fc_frame")
    return len(data)


def write_all(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Every table of the schema from ``frames`` (all of them), in one transaction."""
    missing = set(TABLES) - set(frames)
    if missing:
        raise ValueError(f"forecast tables without data: {sorted(missing)}")
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        rows = {t: create(con, t, frames[t]) for t in TABLES}
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows
