"""Fixtures: one small simulated district built once per session (the tests/dbt fixture: scale 0.01, one
year to 2025-04-30, simulated and refreshed through the real dbt project), and copies of its warehouse.

The dashboards require a login: tests seed the logged-in person (``at.user``, as ``st.login`` leaves it) and
the app reads that person's grants from a copy of the district's core holding the demo people
(``fiscal_app.demo_users``: 局领导 ``juzhang``, a department leader ``bz<dept>``, unit clerks ``jb<unit>`` …),
reached through ``FISCAL_CORE_URL``; the shared district itself is left as it is."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.warehouse import connect_governed
from tests.district import Built

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboards" / "app.py"


@dataclass(frozen=True)
class Warehouse:
    home: Path

    @property
    def path(self) -> Path:
        return self.home / "warehouse.duckdb"

    # reads are governed like the dashboards' own connections: in one process DuckDB refuses a second
    # connection to a file with a different configuration, and AppTest runs the app in this process
    def one(self, sql: str, params: list[Any] | None = None) -> Any:
        with connect_governed(self.path) as con:
            row = con.execute(sql, params or []).fetchone()
        assert row is not None, sql
        return row[0] if len(row) == 1 else row

    def all(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with connect_governed(self.path) as con:
            return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def district_home(built_district: Built) -> Warehouse:
    return Warehouse(built_district.home)


@dataclass(frozen=True)
class People:
    """The demo people in a copy of the district's core: who holds which scope."""

    core_url: str
    by_role: dict[str, list[Any]]

    def one(self, role: str) -> Any:
        return self.by_role[role][0]


@pytest.fixture(scope="session")
def people(district_home: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> People:
    from fiscal_app.demo_users import ADMIN, DemoUser, create_demo_users
    from fiscal_core.domain import commands as c
    from fiscal_core.service_layer.core import Core

    dst = tmp_path_factory.mktemp("dash_core") / "core.sqlite3"
    src, out = sqlite3.connect(district_home.home / "core.sqlite3"), sqlite3.connect(dst)
    with out:
        src.backup(out)
    src.close()
    out.close()
    url = f"sqlite:///{dst}"
    # the demo's department leader heads the first demo unit's department; another leads the department with
    # the most warnings (so the warnings page has figures to check), first in by_role["dept_leader"]
    busiest = district_home.one("select dept_code from marts.fct_warning where dept_code is not null "
                                "group by 1 order by count(*) desc, 1 limit 1")
    core = Core.open(url)
    try:
        made = create_demo_users(core, "dashboards-test-pw")
        warned = DemoUser(f"bzw{busiest}", f"{busiest} 负责人", "dept_leader", "dept", busiest)
        core.handle_batch([c.AddUser(warned.user_id, warned.name, "dashboards-test-pw", actor=ADMIN),
                           c.GrantRole(warned.user_id, warned.role, "dept", busiest, valid_from=date(2000, 1, 1),
                                       actor=ADMIN)])
    finally:
        core.close()
    by_role: dict[str, list[Any]] = {"dept_leader": [warned]}
    for p in made:
        by_role.setdefault(p.role, []).append(p)
    return People(url, by_role)


@pytest.fixture
def fiscal_home(district_home: Warehouse, people: People, monkeypatch: pytest.MonkeyPatch) -> Iterator[Warehouse]:
    """FISCAL_HOME pointing at the shared district (AppTest runs the app in this process), the grants read from
    the core copy with the demo people."""
    monkeypatch.setenv("FISCAL_HOME", str(district_home.home))
    monkeypatch.setenv("FISCAL_CORE_URL", people.core_url)
    yield district_home


BUREAU_LEADER = "juzhang"  # fiscal_app.demo_users: the 局领导, over the whole district


def logged_in(user: str | None) -> dict[str, Any]:
    """``st.user`` as st.login leaves it for ``user`` (the ID token's claims and an access token), or logged out."""
    if user is None:
        return {"is_logged_in": False}
    now = int(time.time())
    return {"is_logged_in": True, "sub": user, "name": user, "iat": now, "auth_time": now,
            "tokens": {"access": "seeded-access-token"}}


def copy_home(src: Warehouse, dest: Path) -> Warehouse:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src.path, dest / "warehouse.duckdb")
    return Warehouse(dest)


FORECAST_DDL = """
drop schema if exists forecast cascade;
create schema forecast;
create table forecast.revenue_monthly as
  with months as (select unnest(generate_series(date '2024-01-01', date '2025-12-01', interval 1 month))::date as d)
  select 'total' as series_id, '一般公共预算收入合计' as series_name, d as date,
         case when d <= date '2025-04-01' then 'actual' else 'forecast' end as kind,
         case when d <= date '2025-04-01' then 'actual' else 'ets' end as model,
         60000000.0 as mean, 55000000.0 as lo80, 65000000.0 as hi80, 50000000.0 as lo95, 70000000.0 as hi95
  from months;
create table forecast.revenue_year_end as
  select 2025 as fiscal_year, 'total' as series_id, '一般公共预算收入合计' as series_name,
         699914297.00::decimal(18,2) as budget_amt, 229548507.68::decimal(18,2) as actual_ytd,
         720000000.0 as forecast_mean, 690000000.0 as lo80, 750000000.0 as hi80, 670000000.0 as lo95,
         770000000.0 as hi95, 0.237 as p_shortfall, 'synthetic' as note;
create table forecast.expenditure_year_end as
  select 2025 as fiscal_year, '205' as exp_func_class, '教育支出' as exp_func_name, '11' as fund_type_code,
         54174019.32 as indicator_amt, 10925196.54 as paid_ytd, 50000000.0 as forecast_paid_mean,
         45000000.0 as lo80, 52000000.0 as hi80, 43000000.0 as lo95, 53000000.0 as hi95,
         0.92 as forecast_exec_rate, null as note;
create table forecast.cash_daily as
  select d::date as date, 'forecast' as kind, 150000000.0 as balance_mean, 120000000.0 as lo80,
         180000000.0 as hi80, 100000000.0 as lo95, 200000000.0 as hi95, 1000000.0 as known_inflow,
         2000000.0 as known_outflow, 0.08 as p_below_min, 110000000.0 as min_balance
  from generate_series(date '2025-05-01', date '2025-07-29', interval 1 day) g(d);
create table forecast.cash_summary as
  select date '2025-04-30' as as_of, 169958939.13 as balance, 110000000.0 as min_balance, 0.125 as p_below_min_90d,
         3.8 as guarantee_months_now, 3.1 as guarantee_months_90d, 'synthetic' as note;
create table forecast.early_warning as
  select date '2025-04-30' as as_of, * from (values
    ('REV_SHORTFALL', '收入短收风险', 'Revenue shortfall risk', 'total', 0.237, 0.1, 'red', '预计全年收入低于预算的概率 23.7%', 'P(shortfall) 23.7%'),
    ('EXEC_LAG', '支出进度滞后', 'Spending behind schedule', '101', 0.19, 0.33, 'yellow', '执行进度低于应达进度', 'Behind the expected share'),
    ('CASH_OK', '库款充足', 'Cash sufficient', 'treasury', 3.8, 3.0, 'green', '库款保障充足', 'Cash covers 3.8 months'))
    t(indicator_code, indicator_name, indicator_name_en, scope, value, expected, band, reason_zh, reason_en);
create table forecast.backtest as
  select 'total' as series_id, 'revenue_monthly' as table_name, 'ets' as model, 0.82 as mase, 0.071 as smape,
         0.79 as coverage80, 0.94 as coverage95, 12 as n_origins, timestamp '2025-04-30 12:00' as computed_at;
"""


@pytest.fixture(scope="session")
def no_forecast_home(district_home: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A copy of the district's warehouse without the forecast schema (forecasts not run yet)."""
    wh = copy_home(district_home, tmp_path_factory.mktemp("dash_no_forecast"))
    with duckdb.connect(str(wh.path)) as con:
        con.execute("drop schema if exists forecast cascade")
    return wh


@pytest.fixture(scope="session")
def forecast_home(district_home: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A copy of the district's warehouse with forecast tables shaped as the forecast contract says
    (synthetic values: these tests judge the dashboards, not the models)."""
    wh = copy_home(district_home, tmp_path_factory.mktemp("dash_forecast"))
    with duckdb.connect(str(wh.path)) as con:
        con.execute(FORECAST_DDL)
    return wh
