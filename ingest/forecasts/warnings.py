"""The early-warning indicators (预警指标) from the marts and the fresh forecasts, one function per group:
execution progress, revenue progress and shortfall, cash, 三保, 三公 growth, indicators unused late in the year.
Each returns rows of ``models_forecast.apps.warning.COLUMNS``; the bands and thresholds are the config's."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from models_forecast.apps import warning as ew
from models_forecast.apps.config import AppsConfig
from models_forecast.apps.expenditure import month_fraction
from models_forecast.apps.revenue import TOTAL

from .reads import frame

Rows = list[dict[str, object]]


def complete_past_years(data: pd.DataFrame, year: int) -> list[int]:
    """The years before ``year`` with both January and December in ``data`` (fiscal_year, fiscal_month)."""
    ok = []
    for y, g in data[data["fiscal_year"] < year].groupby("fiscal_year"):
        if {1, 12} <= set(g["fiscal_month"]):
            ok.append(int(y))
    return ok


def _opt(v: object) -> float | None:
    return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else float(v)  # type: ignore[arg-type]


def execution_progress(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig) -> Rows:
    """支出进度, total and per department, against the seasonal execution rate of the complete past years."""
    b, t = config.bands, month_fraction(as_of)
    ex = frame(con, """
        select e.fiscal_year, e.fiscal_month, coalesce(a.dept_code, e.agency_code) as dept_code,
               any_value(coalesce(d.agency_name, a.dept_name)) as dept_name,
               cast(sum(e.paid_in_month_amt) as double) as amount, cast(sum(e.indicator_amt) as double) as indicator
        from marts.fct_budget_execution_monthly as e
        left join marts.dim_agency as a on a.agency_code = e.agency_code
        left join marts.dim_agency as d on d.agency_code = a.dept_code
        where make_date(e.fiscal_year, e.fiscal_month, 1) <= ?
        group by e.fiscal_year, e.fiscal_month, coalesce(a.dept_code, e.agency_code)""", [as_of])
    years = complete_past_years(ex, as_of.year)
    scopes = [("total", "全区 (total)", ex)] + [
        (str(code), f"{code} {name or ''}".strip(), g) for (code, name), g in ex.groupby(["dept_code", "dept_name"],
                                                                                          dropna=False)]
    rows: Rows = []
    for scope, label, g in scopes:
        tot = g.groupby(["fiscal_year", "fiscal_month"], as_index=False)[["amount", "indicator"]].sum()
        cur = tot[tot["fiscal_year"] == as_of.year]
        ind_now = float(cur.loc[cur["fiscal_month"] == as_of.month, "indicator"].sum())
        value = float(cur["amount"].sum()) / ind_now if ind_now > 0 else None
        past = ew.ytd_ratio_at(tot[tot["fiscal_year"].isin(years)], t, denominator="indicator")
        rows.append(ew.progress_indicator(as_of, "EXEC_PROGRESS", "支出执行进度", "expenditure execution progress",
                                          scope if scope == "total" else label, value, past, b))
    return rows


def revenue_progress(as_of: date, config: AppsConfig, revenue: pd.DataFrame, rev_year_end: pd.DataFrame) -> Rows:
    """收入进度 against the seasonal share of the year's total, and the probability of a shortfall."""
    if rev_year_end.empty or not (rev_year_end["series_id"] == TOTAL).any():
        return []
    b, t = config.bands, month_fraction(as_of)
    tot = revenue[revenue["series_id"] == TOTAL] if not revenue.empty else revenue
    ye = rev_year_end[rev_year_end["series_id"] == TOTAL].iloc[0]
    budget = None if pd.isna(ye["budget_fen"]) else float(ye["budget_fen"]) / 100
    actual = float(ye["actual_ytd_fen"]) / 100
    act = tot[tot["kind"] == "actual"].copy()
    act["fiscal_year"] = pd.to_datetime(act["date"]).dt.year
    act["fiscal_month"] = pd.to_datetime(act["date"]).dt.month
    act["amount"] = act["mean"]
    past = ew.ytd_ratio_at(act[act["fiscal_year"].isin(complete_past_years(act, as_of.year))], t)
    p = None if pd.isna(ye["p_shortfall"]) else float(ye["p_shortfall"])
    return [ew.progress_indicator(as_of, "REV_PROGRESS", "收入进度", "revenue progress against budget", "total",
                                  actual / budget if budget else None, past, b),
            ew.shortfall_indicator(as_of, p, budget, float(ye["forecast_mean"]), b)]


def cash(as_of: date, config: AppsConfig, cash_summary: dict[str, object]) -> Rows:
    """库款: the chance of falling below the minimum within the horizon and the months of spending covered."""
    if not cash_summary:
        return []
    return ew.cash_indicators(as_of, _opt(cash_summary.get("p_below_min_90d")),
                              _opt(cash_summary.get("guarantee_months_now")),
                              float(cash_summary["min_balance_fen"]) / 100, config.bands)  # type: ignore[arg-type]


def sanbao(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig) -> Rows:
    """三保: the indicators left for wages, operations and basic livelihood against the spending of the last 12
    months (or of the months there are)."""
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
    rows: Rows = []
    for code, (zh, en, cond) in cats.items():
        remaining = con.execute(f"""select coalesce(sum(adjusted_amt - paid_amt - inflight_amt), 0)
            from marts.fct_indicator_balance where fiscal_year = ? and {cond}""", [as_of.year]).fetchone()[0]  # type: ignore[index]
        spent = con.execute(f"""select coalesce(sum(net_paid_amt), 0) from marts.fct_payment
            where paid_date > ? and paid_date <= ? and {cond}""", [as_of - timedelta(days=365), as_of]).fetchone()[0]  # type: ignore[index]
        rows.append(ew.sanbao_indicator(as_of, code, zh, en, float(remaining), float(spent) / span, config.bands))
    return rows


def sangong_growth(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig) -> Rows:
    """三公 spending so far this year against the same days of last year, total and per department."""
    codes = ", ".join(f"'{c}'" for c in config.sangong_eco)
    prev_as_of = as_of.replace(year=as_of.year - 1) if not (as_of.month == 2 and as_of.day == 29) \
        else date(as_of.year - 1, 2, 28)
    sg = frame(con, f"""
        select coalesce(p.dept_code, 'total') as scope, any_value(a.agency_name) as name,
               cast(coalesce(sum(net_paid_amt) filter (where paid_date between ? and ?), 0) as double) as cur,
               cast(coalesce(sum(net_paid_amt) filter (where paid_date between ? and ?), 0) as double) as prev
        from marts.fct_payment as p left join marts.dim_agency as a on a.agency_code = p.dept_code
        where dep_bgt_eco_code in ({codes}) group by grouping sets ((), (p.dept_code))""",
               [date(as_of.year, 1, 1), as_of, date(as_of.year - 1, 1, 1), prev_as_of])
    if sg.empty or not (sg["scope"] == "total").any():
        sg = pd.concat([sg, pd.DataFrame([{"scope": "total", "name": None, "cur": 0.0, "prev": 0.0}])])
    rows: Rows = []
    for r in sg.sort_values("scope").itertuples(index=False):
        if r.scope != "total" and r.cur == 0 and r.prev == 0:
            continue
        label = "total" if r.scope == "total" else f"{r.scope} {r.name or ''}".strip()
        rows.append(ew.sangong_indicator(as_of, label, float(r.cur), float(r.prev), config.bands))
    return rows


def unused_indicators(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig) -> Rows:
    """The share of this year's indicators with nothing paid yet."""
    n, unused = con.execute("""select count(*), count(*) filter (where paid_amt = 0)
        from marts.fct_indicator_balance where fiscal_year = ? and adjusted_amt > 0""", [as_of.year]).fetchone()  # type: ignore[misc]
    return [ew.unused_indicator(as_of, unused / n if n else None, int(n), config.bands)]


def early_warnings(con: duckdb.DuckDBPyConnection, as_of: date, config: AppsConfig, revenue: pd.DataFrame,
                   rev_year_end: pd.DataFrame, cash_summary: dict[str, object]) -> pd.DataFrame:
    rows = [*execution_progress(con, as_of, config), *revenue_progress(as_of, config, revenue, rev_year_end),
            *cash(as_of, config, cash_summary), *sanbao(con, as_of, config), *sangong_growth(con, as_of, config),
            *unused_indicators(con, as_of, config)]
    return pd.DataFrame(rows, columns=ew.COLUMNS)
