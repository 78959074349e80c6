"""Repositories: load and save domain objects on the unit of work's connection — SQLAlchemy Core where
speed does not matter, the raw DBAPI cursor (``rawsql``) on the hot path. Either way a row comes back
through the table's ``RawTable`` decoder (``rawsql.RowDecoder``): the one way rows become domain objects.

Lock order (PostgreSQL): projects → indicators (sorted by ``bgt_id``) → documents (budget lines, plans,
applications, vouchers) → counters → the journal head. Every command takes its locks in this order
(reading other rows without a lock where it is safe), so concurrent commands cannot deadlock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from operator import attrgetter
from typing import Any, ClassVar

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from ..domain.agencies import Account, Agency
from ..domain.errors import NotFound
from ..domain.indicators import Indicator, LedgerEntry
from ..domain.payments import PaymentApplication, PaymentPlan
from ..domain.personnel import Salary, Situation, Staffing
from ..domain.projects import PerfIndicator, Project, ProjectStatus
from . import tables as t
from .rawsql import RawSql, RawTable, insert_sql

# the decoders (and raw statement texts) of the tables the repositories read
PV = RawTable(t.pay_voucher)
BILL = RawTable(t.pay_voucher_bill)
IND = RawTable(t.ba_bgt_info)
AGENCY = RawTable(t.bas_agency_info)
ACCOUNT = RawTable(t.bas_agency_account)
PERSON = RawTable(t.bas_person_info)
HIST = RawTable(t.bas_person_hist)
LINE = RawTable(t.bgt_pm_annual)
PROJECT = RawTable(t.pm_project)
PERF_IND = RawTable(t.pm_perf_indicator)
PLAN = RawTable(t.pay_plan_voucher)
CONTROL = RawTable(t.bgt_control_num)
GP_PLAN = RawTable(t.gp_plan)
GP_CONTRACT = RawTable(t.gp_contract)
PERF_EVAL = RawTable(t.pm_perf_eval)
CORRECTION = RawTable(t.pay_correction)
INCOME = RawTable(t.inc_treasury_income)


_SHARED_FIELDS: dict[tuple[type, str], tuple[str, ...]] = {}


def _values(obj: Any, table: Any, **extra: Any) -> dict[str, Any]:
    key = (type(obj), table.name)
    names = _SHARED_FIELDS.get(key)
    if names is None:
        cols = set(table.c.keys())
        names = _SHARED_FIELDS[key] = tuple(f.name for f in dataclasses.fields(obj) if f.name in cols)
    vals = {n: getattr(obj, n) for n in names}
    vals.update(extra)
    return vals


class Repo:
    def __init__(self, conn: Connection, is_postgres: bool, raw: RawSql | None = None) -> None:
        self.conn = conn
        self.is_postgres = is_postgres
        self.raw = raw or RawSql(conn, is_postgres)


# ------------------------------------------------------------------------------------------------------
class CounterRepo(Repo):
    """Named counters for document numbers (gapless: a rolled-back item gives its number back).

    The first use in a transaction increments the row (taking its lock to commit); later uses in the
    same transaction count in memory and the final value is written once at commit. Updating one row
    hundreds of times in a transaction is what PostgreSQL does worst (each update a new row version)."""

    _NEXT = ("INSERT INTO sys_counter (counter_key, counter_value) VALUES (:k, 1) ON CONFLICT (counter_key) "
             "DO UPDATE SET counter_value = sys_counter.counter_value + 1 RETURNING counter_value")
    _SET = "UPDATE sys_counter SET counter_value = :v WHERE counter_key = :k"

    def __init__(self, conn: Connection, is_postgres: bool, raw: RawSql | None = None,
                 state: dict[str, list[int]] | None = None) -> None:
        super().__init__(conn, is_postgres, raw)
        self.state = {} if state is None else state   # key → [value, written-value]

    def next(self, key: str) -> int:
        held = self.state.get(key)
        if held is not None:
            held[0] += 1
            return held[0]
        row = self.raw.one(self._NEXT, {"k": key})
        assert row is not None
        self.state[key] = [int(row[0]), int(row[0])]
        return int(row[0])

    def flush(self) -> None:
        for key, (value, written) in self.state.items():
            if value != written:
                self.raw.execute(self._SET, {"k": key, "v": value})
        self.state.clear()

    def next_pay_app_no(self, mof_div_code: str, fiscal_year: int, last_app_no: str | None) -> str:
        """支付申请编号 ``ZF<year><8 digits>``, gapless per 区划 and year.

        SQLite: writers are serialised by ``BEGIN IMMEDIATE``, so the year's last number, read from the
        table's own unique index in the same statement that locks the indicator, is safe and saves a
        counter row write per application. PostgreSQL: concurrent transactions need the counter's lock."""
        prefix = f"ZF{fiscal_year}"
        if self.is_postgres:
            return f"{prefix}{self.next(f'pay_app_no:{mof_div_code}:{fiscal_year}'):08d}"
        last = int(last_app_no[len(prefix):]) if last_app_no else 0
        return f"{prefix}{last + 1:08d}"


class ConfigRepo(Repo):
    """Per-区划 settings, read once per transaction (payroll asks for the same rates per person)."""

    _get = "SELECT config_value FROM sys_div_config WHERE mof_div_code = :d AND config_key = :k"

    def __init__(self, conn: Connection, is_postgres: bool, raw: RawSql | None = None) -> None:
        super().__init__(conn, is_postgres, raw)
        self._cache: dict[tuple[str, str], str | None] = {}

    def get(self, mof_div_code: str, key: str) -> str | None:
        if (mof_div_code, key) not in self._cache:
            row = self.raw.one(self._get, {"d": mof_div_code, "k": key})
            self._cache[(mof_div_code, key)] = None if row is None else row[0]
        return self._cache[(mof_div_code, key)]

    def set(self, mof_div_code: str, key: str, value: str) -> str | None:
        old = self.get(mof_div_code, key)
        self._cache[(mof_div_code, key)] = value
        c = t.sys_div_config.c
        if old is None:
            self.conn.execute(insert(t.sys_div_config).values(mof_div_code=mof_div_code, config_key=key,
                                                              config_value=value))
        else:
            self.conn.execute(update(t.sys_div_config).where(c.mof_div_code == mof_div_code, c.config_key == key)
                              .values(config_value=value))
        return old

    def meta(self, key: str) -> str | None:
        """A core-wide fact kept in ``sys_meta`` (the code-set checksum, where the data came from)."""
        return self.conn.execute(select(t.sys_meta.c.meta_value).where(t.sys_meta.c.meta_key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        if self.meta(key) is None:
            self.conn.execute(insert(t.sys_meta).values(meta_key=key, meta_value=value))
        else:
            self.conn.execute(update(t.sys_meta).where(t.sys_meta.c.meta_key == key).values(meta_value=value))

    def plan_controlled(self, mof_div_code: str, fund_type_code: str) -> bool:
        c = t.sys_plan_control.c
        return self.conn.execute(select(c.fund_type_code).where(
            c.mof_div_code == mof_div_code, c.fund_type_code == fund_type_code)).first() is not None

    def set_plan_control(self, mof_div_code: str, fund_types: Iterable[str]) -> None:
        c = t.sys_plan_control.c
        self.conn.execute(t.sys_plan_control.delete().where(c.mof_div_code == mof_div_code))
        rows = [{"mof_div_code": mof_div_code, "fund_type_code": f} for f in sorted(set(fund_types))]
        if rows:
            self.conn.execute(insert(t.sys_plan_control), rows)


# ------------------------------------------------------------------------------------------------------
class AgencyRepo(Repo):
    def div_exists(self, mof_div_code: str) -> bool:
        c = t.bas_mof_div.c
        return self.conn.execute(select(c.mof_div_code).where(c.mof_div_code == mof_div_code)).first() is not None

    def div_exists_any(self) -> bool:
        return self.conn.execute(select(t.bas_mof_div.c.mof_div_code).limit(1)).first() is not None

    def add_div(self, mof_div_code: str, name: str, now: datetime) -> None:
        self.conn.execute(insert(t.bas_mof_div).values(mof_div_code=mof_div_code, mof_div_name=name,
                                                       create_time=now, update_time=now))

    def get(self, agency_code: str) -> Agency:
        row = self.raw.one(AGENCY.select + " WHERE agency_code = :k", {"k": agency_code})
        if row is None:
            raise NotFound("agency_not_found", "单位不存在", "agency not found", agency_code=agency_code)
        accts = ACCOUNT.build_all(Account, self.raw.all(ACCOUNT.select + " WHERE agency_code = :k ORDER BY acct_no",
                                                        {"k": agency_code}))
        return AGENCY.build(Agency, row, accounts=accts)

    def exists(self, agency_code: str) -> bool:
        c = t.bas_agency_info.c
        return self.conn.execute(select(c.agency_code).where(c.agency_code == agency_code)).first() is not None

    def add(self, a: Agency, now: datetime) -> None:
        self.conn.execute(insert(t.bas_agency_info).values(_values(a, t.bas_agency_info, create_time=now,
                                                                   update_time=now)))
        for acct in a.accounts:
            self.add_account(a.agency_code, acct)

    def add_account(self, agency_code: str, acct: Account) -> None:
        self.conn.execute(insert(t.bas_agency_account).values(agency_code=agency_code,
                                                              **dataclasses.asdict(acct)))


# ------------------------------------------------------------------------------------------------------
class ProjectRepo(Repo):
    _get = select(t.pm_project).where(t.pm_project.c.pro_code == bindparam("pro_code"))

    def get(self, pro_code: str, *, lock: bool = False, details: bool = True) -> Project:
        stmt = self._get.with_for_update() if lock else self._get
        row = self.conn.execute(stmt, {"pro_code": pro_code}).first()
        if row is None:
            raise NotFound("project_not_found", "项目库中无此项目", "project not in the library", pro_code=pro_code)
        p = PROJECT.build(Project, row)
        if details:
            yp = t.pm_project_year_plan.c
            p.year_plans = {r.plan_year: r.plan_amt for r in self.conn.execute(
                select(yp.plan_year, yp.plan_amt).where(yp.pro_code == pro_code))}
            g = self.conn.execute(select(t.pm_perf_goal_info.c.kpi_target).where(
                t.pm_perf_goal_info.c.pro_code == pro_code)).scalar_one_or_none()
            p.kpi_target = g or ""
            pi = t.pm_perf_indicator
            p.perf_indicators = PERF_IND.build_all(PerfIndicator, self.conn.execute(
                select(pi).where(pi.c.pro_code == pro_code).order_by(pi.c.kpi_id)))
        return p

    def add(self, p: Project, now: datetime, new_id: Any) -> None:
        self.conn.execute(insert(t.pm_project).values(_values(p, t.pm_project, pro_term=p.pro_term,
                                                              pro_status=p.pro_status.value,
                                                              create_time=now, update_time=now)))
        if p.year_plans:
            self.conn.execute(insert(t.pm_project_year_plan), [
                {"pro_code": p.pro_code, "plan_year": y, "plan_amt": a} for y, a in sorted(p.year_plans.items())])
        self.save_perf(p, new_id)

    def perf_indicator_ids(self, pro_code: str) -> dict[str, int]:
        pi = t.pm_perf_indicator.c
        return {r.kpi_id: r.weight for r in self.conn.execute(select(pi.kpi_id, pi.weight).where(
            pi.pro_code == pro_code).order_by(pi.kpi_id))}

    def save_perf(self, p: Project, new_id: Any) -> None:
        self.conn.execute(t.pm_perf_goal_info.delete().where(t.pm_perf_goal_info.c.pro_code == p.pro_code))
        self.conn.execute(t.pm_perf_indicator.delete().where(t.pm_perf_indicator.c.pro_code == p.pro_code))
        if p.kpi_target:
            self.conn.execute(insert(t.pm_perf_goal_info).values(pro_code=p.pro_code, kpi_target=p.kpi_target,
                                                                 version=1))
        if p.perf_indicators:
            self.conn.execute(insert(t.pm_perf_indicator), [
                {"kpi_id": new_id(), "pro_code": p.pro_code, **dataclasses.asdict(i)} for i in p.perf_indicators])

    def generated_for(self, agency_code: str, pro_cat_code: str, fiscal_year: int) -> Project | None:
        c = t.pm_project.c
        code = self.conn.execute(select(c.pro_code).where(
            c.agency_code == agency_code, c.pro_cat_code == pro_cat_code, c.setup_year == fiscal_year,
            c.is_generated.is_(True))).scalar_one_or_none()
        return None if code is None else self.get(code)

    def set_amount(self, pro_code: str, year: int, total: int, now: datetime) -> None:
        """A generated project follows its generated budget (Σ 分年计划 = 项目总额 keeps holding)."""
        self.conn.execute(update(t.pm_project).where(t.pm_project.c.pro_code == pro_code).values(
            pro_total_amt=total, update_time=now))
        yp = t.pm_project_year_plan.c
        self.conn.execute(update(t.pm_project_year_plan).where(yp.pro_code == pro_code, yp.plan_year == year)
                          .values(plan_amt=total))

    def save_state(self, p: Project, now: datetime) -> None:
        self.conn.execute(update(t.pm_project).where(t.pm_project.c.pro_code == p.pro_code).values(
            pro_status=p.pro_status.value, roll_year=p.roll_year, exist_statue_code=p.exist_statue_code,
            update_time=now))


# ------------------------------------------------------------------------------------------------------
class BudgetRepo(Repo):
    def add_line(self, row: dict[str, Any]) -> None:
        self.raw.execute(LINE.insert, LINE.full(row))

    def get_line(self, bgt_pman_id: str, *, lock: bool = False) -> dict[str, Any]:
        stmt = select(t.bgt_pm_annual).where(t.bgt_pm_annual.c.bgt_pman_id == bgt_pman_id)
        row = LINE.row(self.conn.execute(stmt.with_for_update() if lock else stmt).first())
        if row is None:
            raise NotFound("budget_line_not_found", "预算项目不存在", "budget line not found", bgt_pman_id=bgt_pman_id)
        return row

    def sum_for_project_year(self, pro_code: str, fiscal_year: int) -> int:
        c = t.bgt_pm_annual.c
        return int(self.conn.execute(select(func.coalesce(func.sum(c.apply_up), 0)).where(
            c.pro_code == pro_code, c.fiscal_year == fiscal_year)).scalar_one())

    def lines_for_project(self, pro_code: str, fiscal_year: int) -> list[dict[str, Any]]:
        c = t.bgt_pm_annual.c
        return LINE.rows(self.conn.execute(select(t.bgt_pm_annual).where(
            c.pro_code == pro_code, c.fiscal_year == fiscal_year).order_by(c.bgt_pman_id)))

    def delete_lines(self, ids: list[str]) -> None:
        if ids:
            self.conn.execute(t.bgt_pm_annual.delete().where(t.bgt_pm_annual.c.bgt_pman_id.in_(ids)))

    def update_line(self, bgt_pman_id: str, **values: Any) -> None:
        self.conn.execute(update(t.bgt_pm_annual).where(t.bgt_pm_annual.c.bgt_pman_id == bgt_pman_id)
                          .values(**values))

    def approve_line(self, bgt_pman_id: str, reply_amt: int, doc_no: str, now: datetime) -> None:
        self.conn.execute(update(t.bgt_pm_annual).where(t.bgt_pm_annual.c.bgt_pman_id == bgt_pman_id).values(
            reply_amt=reply_amt, status="approved", approval_file_no=doc_no, update_time=now))


# ------------------------------------------------------------------------------------------------------
_LEDGER_INSERT = insert_sql("ba_bgt_ledger", [c.name for c in t.ba_bgt_ledger.c if c.name != "ledger_id"])
_IND_COLS = [f.name for f in dataclasses.fields(Indicator) if f.name in t.ba_bgt_info.c]
_FOR_PAYMENT_IND = IND.part(_IND_COLS)      # the statement's first columns: the indicator
_FOR_PAYMENT = (
    "SELECT " + ", ".join(f"i.{c}" for c in _IND_COLS) + ", p.pro_status, pc.fund_type_code, a.acct_name, "
    "a.acct_no, a.bank_name, v.pay_app_id, v.pay_app_no, v.status, v.idem_hash, "
    "(SELECT MAX(n.pay_app_no) FROM pay_voucher n WHERE n.fiscal_year = :year AND n.mof_div_code = i.mof_div_code "
    "AND n.pay_app_no BETWEEN :lo AND :hi) AS last_app_no, yc.close_date "
    "FROM ba_bgt_info i JOIN pm_project p ON p.pro_code = i.pro_code "
    "LEFT JOIN sys_plan_control pc ON pc.mof_div_code = i.mof_div_code AND pc.fund_type_code = i.fund_type_code "
    "LEFT JOIN bas_agency_account a ON a.agency_code = :agency AND a.acct_type_code = '12' "
    "LEFT JOIN pay_voucher v ON v.idem_key = :idem "
    "LEFT JOIN bgt_year_close yc ON yc.mof_div_code = i.mof_div_code AND yc.fiscal_year = i.fiscal_year "
    "WHERE i.bgt_id = :bgt_id ORDER BY a.acct_no LIMIT 1")


@dataclasses.dataclass(frozen=True, slots=True)
class PaymentContext:
    """What a payment application needs to know, read in one statement under the indicator's lock."""

    indicator: Indicator
    pro_status: ProjectStatus
    plan_controlled: bool
    payer: tuple[str, str, str]
    prior: tuple[str, str, str, str | None] | None   # the application already filed under the idempotency key
    last_app_no: str | None                          # the year's last 支付申请编号 (SQLite numbering)
    year_closed: bool                                # the indicator's year is closed (年终结转 done)


_DELTA_COLS = {"d_amount": "amount", "d_dis": "dis_amt", "d_frozen": "frozen_amt", "d_plan": "plan_amt",
               "d_gp": "gp_amt", "d_inflight": "inflight_amt", "d_paid": "paid_amt"}


class IndicatorRepo(Repo):
    _update_cache: ClassVar[dict[tuple[str, ...], str]] = {}

    _by_id = IND.select + " WHERE bgt_id = :k"

    def get(self, bgt_id: str, *, lock: bool = False) -> Indicator:
        row = self.raw.one(self.raw.for_update(self._by_id, lock), {"k": bgt_id})
        if row is None:
            raise NotFound("indicator_not_found", "指标不存在", "indicator not found", bgt_id=bgt_id)
        return IND.build(Indicator, row)

    def for_payment(self, bgt_id: str, agency_code: str, fiscal_year: int, idem_key: str | None = None
                    ) -> PaymentContext:
        """The indicator (locked), its project's state, whether plans control it, the applicant's
        零余额账户, any application already filed under the idempotency key and the year's last
        application number — one round trip on the hot path."""
        sql = self.raw.for_update(_FOR_PAYMENT, True, of="i")
        prefix = f"ZF{fiscal_year}"
        row = self.raw.one(sql, {"bgt_id": bgt_id, "agency": agency_code, "idem": idem_key, "year": fiscal_year,
                                 "lo": prefix + "00000000", "hi": prefix + "99999999"})
        if row is None:
            raise NotFound("indicator_not_found", "指标不存在", "indicator not found", bgt_id=bgt_id)
        n = len(_IND_COLS)
        pro_status, plan_ft, acct_name, acct_no, bank, app_id, app_no, status, idem_hash, last_no, closed = row[n:]
        return PaymentContext(_FOR_PAYMENT_IND.build(Indicator, row[:n]), ProjectStatus(pro_status),
                              plan_ft is not None,
                              (acct_name or "", acct_no or "", bank or ""),
                              None if app_id is None else (app_id, app_no, status, idem_hash), last_no,
                              closed is not None)

    def lock_many(self, bgt_ids: Iterable[str]) -> dict[str, Indicator]:
        """Lock several indicators in ``bgt_id`` order (the deadlock-free order)."""
        out: dict[str, Indicator] = {}
        for bgt_id in sorted(set(bgt_ids)):
            out[bgt_id] = self.get(bgt_id, lock=True)
        return out

    def wage_indicator(self, pro_code: str, fiscal_year: int) -> Indicator | None:
        """The 人员类 project's wage indicator payroll draws on (工资福利 at 类 level): of the year's
        年初 and 追加 wage indicators, the one with the most available balance."""
        c = t.ba_bgt_info.c
        ids = [r[0] for r in self.conn.execute(select(c.bgt_id).where(
            c.pro_code == pro_code, c.fiscal_year == fiscal_year, c.dep_bgt_eco_code == "301",
            c.bgt_exe_flag.is_(True)).order_by(c.bgt_id))]
        inds = [self.get(b) for b in ids]
        return max(inds, key=lambda i: i.canuse_amt, default=None)

    def lock_ids(self, bgt_ids: Sequence[str]) -> None:
        """Take the row locks of many indicators in one statement, in ``bgt_id`` order."""
        c = t.ba_bgt_info.c
        self.conn.execute(select(c.bgt_id).where(c.bgt_id.in_(sorted(bgt_ids))).order_by(c.bgt_id)
                          .with_for_update()).all()

    def add(self, ind: Indicator, now: datetime) -> None:
        vals = _values(ind, t.ba_bgt_info, create_time=now, update_time=now)
        # balances start at zero: they only ever change through ledger entries
        for col in _DELTA_COLS.values():
            vals[col] = 0
        self.conn.execute(insert(t.ba_bgt_info).values(vals))

    def post(self, entries: Sequence[LedgerEntry], now: datetime) -> None:
        """Append ledger entries and move the cached balances by the same deltas (one statement each)."""
        if not entries:
            return
        rows = [{"bgt_id": e.bgt_id, "entry_type": e.entry_type, "d_amount": e.d_amount, "d_dis": e.d_dis,
                 "d_frozen": e.d_frozen, "d_plan": e.d_plan, "d_gp": e.d_gp, "d_inflight": e.d_inflight,
                 "d_paid": e.d_paid, "ref_type": e.ref_type, "ref_id": e.ref_id, "created_at": now}
                for e in entries]
        if len(rows) == 1:
            self.raw.execute(_LEDGER_INSERT, rows[0])
        else:
            self.raw.executemany(_LEDGER_INSERT, rows)
        per_ind: dict[str, dict[str, int]] = {}
        for e in entries:            # one UPDATE per indicator, whatever the number of entries
            acc = per_ind.setdefault(e.bgt_id, {})
            for d, col in _DELTA_COLS.items():
                v = getattr(e, d)
                if v:
                    acc[col] = acc.get(col, 0) + v
        for bgt_id, deltas in per_ind.items():
            deltas = {k: v for k, v in deltas.items() if v}
            if not deltas:
                continue
            key = tuple(sorted(deltas))
            sql = self._update_cache.get(key)
            if sql is None:
                sets = ", ".join(f"{col} = {col} + :{col}" for col in key)
                sql = self._update_cache[key] = f"UPDATE ba_bgt_info SET {sets}, update_time = :now WHERE bgt_id = :b"
            self.raw.execute(sql, {"b": bgt_id, "now": now} | deltas)

    def add_adjsub(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(insert(t.ba_bgt_adjsub), rows)

    def ids_for_project(self, pro_code: str, *, lock: bool = False) -> list[str]:
        c = t.ba_bgt_info.c
        return [r[0] for r in self.conn.execute(select(c.bgt_id).where(c.pro_code == pro_code).order_by(c.bgt_id))]


# ------------------------------------------------------------------------------------------------------
class PlanRepo(Repo):
    def add(self, p: PaymentPlan, now: datetime) -> None:
        self.conn.execute(insert(t.pay_plan_voucher).values(_values(p, t.pay_plan_voucher, status=p.status.value,
                                                                    create_time=now, update_time=now)))

    def _one(self, stmt: Any) -> PaymentPlan | None:
        row = self.conn.execute(stmt).first()
        return None if row is None else PLAN.build(PaymentPlan, row)

    def get(self, plan_id: str, *, lock: bool = False) -> PaymentPlan:
        stmt = select(t.pay_plan_voucher).where(t.pay_plan_voucher.c.plan_id == plan_id)
        plan = self._one(stmt.with_for_update() if lock else stmt)
        if plan is None:
            raise NotFound("plan_not_found", "用款计划不存在", "payment plan not found", plan_id=plan_id)
        return plan

    def for_month(self, bgt_id: str, plan_month: int, *, lock: bool = True) -> PaymentPlan | None:
        c = t.pay_plan_voucher.c
        stmt = select(t.pay_plan_voucher).where(c.bgt_id == bgt_id, c.plan_month == plan_month)
        return self._one(stmt.with_for_update() if lock else stmt)

    def close_for_indicator(self, bgt_id: str, now: datetime) -> None:
        """The indicator's balance was returned: its approved plans keep only what was used."""
        c = t.pay_plan_voucher.c
        self.conn.execute(update(t.pay_plan_voucher).where(c.bgt_id == bgt_id, c.status == "approved")
                          .values(plan_amt=c.used_amt, update_time=now))

    def save(self, p: PaymentPlan, now: datetime) -> None:
        self.conn.execute(update(t.pay_plan_voucher).where(t.pay_plan_voucher.c.plan_id == p.plan_id).values(
            plan_amt=p.plan_amt, used_amt=p.used_amt, status=p.status.value, update_time=now))


# ------------------------------------------------------------------------------------------------------
_PV_COLS = [c.name for c in t.pay_voucher.c]
_PV_INSERT = insert_sql("pay_voucher", _PV_COLS)
_PV_BY_KEY = "SELECT pay_app_id, pay_app_no, status, idem_hash FROM pay_voucher WHERE idem_key = :k"
_PV_GET = attrgetter(*[c for c in _PV_COLS if c not in ("status", "create_time", "update_time")])
_PV_ATTR_COLS = [c for c in _PV_COLS if c not in ("status", "create_time", "update_time")]


class PaymentRepo(Repo):
    _by_id = PV.select + " WHERE pay_app_id = :k"

    def by_idem_key(self, idem_key: str) -> tuple[str, str, str, str | None] | None:
        """(pay_app_id, pay_app_no, status, idem_hash) of the application filed under this key."""
        row = self.raw.one(_PV_BY_KEY, {"k": idem_key})
        return None if row is None else (row[0], row[1], row[2], row[3])

    def get(self, pay_app_id: str, *, lock: bool = False) -> PaymentApplication:
        row = self.raw.one(self.raw.for_update(self._by_id, lock), {"k": pay_app_id})
        if row is None:
            raise NotFound("payment_not_found", "支付申请不存在", "payment application not found",
                           pay_app_id=pay_app_id)
        return PV.build(PaymentApplication, row)

    def get_many(self, pay_app_ids: Iterable[str], *, lock: bool = False) -> dict[str, PaymentApplication]:
        """Many applications in few round trips (locked in ``pay_app_id`` order on PostgreSQL)."""
        ids = sorted(set(pay_app_ids))
        out: dict[str, PaymentApplication] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ", ".join(f":k{j}" for j in range(len(chunk)))
            sql = self.raw.for_update(f"{PV.select} WHERE pay_app_id IN ({marks}) ORDER BY pay_app_id", lock)
            for values in self.raw.all(sql, {f"k{j}": k for j, k in enumerate(chunk)}):
                app = PV.build(PaymentApplication, values)
                out[app.pay_app_id] = app
        return out

    def save_many(self, apps: Sequence[PaymentApplication], now: datetime, *fields: str) -> None:
        """Write ``status`` and the named fields of many applications in one statement."""
        if not apps:
            return
        cols = ("status", *fields, "update_time")
        rows = [{"status": a.status.value, "update_time": now, "k_id": a.pay_app_id}
                | {f: getattr(a, f) for f in fields} for a in apps]
        self.raw.executemany(PV.update_sql(cols, "pay_app_id = :k_id"), rows)

    def bills_by_cert_nos(self, nos: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(nos))
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ", ".join(f":k{j}" for j in range(len(chunk)))
            sql = f"{BILL.select} WHERE bill_type = 'pay' AND pay_cert_no IN ({marks})"
            for row in BILL.rows(self.raw.all(sql, {f"k{j}": k for j, k in enumerate(chunk)})):
                out[row["pay_cert_no"]] = row
        return out

    def add_bills(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.raw.executemany(BILL.insert, [BILL.full(r) for r in rows])

    def update_bills(self, updates: Sequence[dict[str, Any]]) -> None:
        """``updates``: dicts with ``pay_cert_id`` and the same set of columns to set."""
        if updates:
            keys = [k for k in updates[0] if k != "pay_cert_id"]
            self.raw.executemany(BILL.update_sql(keys, "pay_cert_id = :pay_cert_id"), list(updates))

    def add(self, app: PaymentApplication, now: datetime) -> None:
        vals = dict(zip(_PV_ATTR_COLS, _PV_GET(app), strict=True))
        vals["status"], vals["create_time"], vals["update_time"] = app.status.value, now, now
        self.raw.execute(_PV_INSERT, vals)

    def save(self, app: PaymentApplication, now: datetime, **extra: Any) -> None:
        values = {"status": app.status.value, "xpay_amt": app.xpay_amt, "refund_amt": app.refund_amt,
                  "pay_cert_id": app.pay_cert_id, "bgt_id": app.bgt_id, "update_time": now, **extra}
        self.raw.execute(PV.update_sql(values, "pay_app_id = :k_id"), values | {"k_id": app.pay_app_id})

    # vouchers (凭证)
    _bill = BILL.select + " WHERE pay_cert_no = :n AND bill_type = 'pay'"

    def bill_by_cert_no(self, mof_div_code: str | None, pay_cert_no: str, *, lock: bool = False
                        ) -> dict[str, Any] | None:
        sql = self._bill + (" AND mof_div_code = :d" if mof_div_code else "")
        return BILL.row(self.raw.one(self.raw.for_update(sql, lock), {"n": pay_cert_no, "d": mof_div_code}))

    def add_bill(self, row: dict[str, Any]) -> None:
        self.raw.execute(BILL.insert, BILL.full(row))

    def update_bill(self, pay_cert_id: str, **values: Any) -> None:
        self.raw.execute(BILL.update_sql(values, "pay_cert_id = :k_id"), values | {"k_id": pay_cert_id})

    def add_clearing(self, row: dict[str, Any]) -> None:
        self.raw.execute(insert_sql("pay_clearing", row), row)

    def clearing_exists(self, pay_cert_sum_no: str) -> bool:
        return self.raw.one("SELECT 1 FROM pay_clearing WHERE pay_cert_sum_no = :n", {"n": pay_cert_sum_no}) \
            is not None

    def add_details(self, pay_app_id: str, rows: list[dict[str, Any]], new_id: Any) -> None:
        cols = [c.name for c in t.pay_detail.c]
        full = [dict.fromkeys(cols) | r | {"pay_detail_id": new_id(), "pay_app_id": pay_app_id} for r in rows]
        self.raw.executemany(insert_sql("pay_detail", cols), full)

    def add_correction(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.pay_correction).values(row))


# ------------------------------------------------------------------------------------------------------
_SALARY_COLS = tuple(f.name for f in dataclasses.fields(Salary))


def _situation(row: Any) -> Situation:
    """A ``bas_person_hist`` row: the situation, with its salary structure from the same row."""
    return HIST.build(Situation, row, salary=HIST.build(Salary, row))


class PersonRepo(Repo):
    """财政供养人员: identity in ``bas_person_info``, situations over time in ``bas_person_hist``."""

    def iden_exists(self, iden_no: str) -> bool:
        c = t.bas_person_info.c
        return self.conn.execute(select(c.per_id).where(c.iden_no == iden_no)).first() is not None

    def add_person(self, row: dict[str, Any]) -> None:
        self.raw.execute(insert_sql("bas_person_info", row), row)

    def identity(self, per_id: str) -> dict[str, Any]:
        row = PERSON.row(self.conn.execute(select(t.bas_person_info).where(t.bas_person_info.c.per_id == per_id)
                                           ).first())
        if row is None:
            raise NotFound("person_not_found", "人员不存在", "person not found", per_id=per_id)
        return row

    def add_situation(self, s: Situation, hist_id: str, now: datetime) -> None:
        row = {k: getattr(s.salary, k) for k in _SALARY_COLS} | _values(s, t.bas_person_hist)
        self.raw.execute(HIST.insert, row | {"hist_id": hist_id, "create_time": now})

    def latest(self, per_id: str) -> Situation:
        h = t.bas_person_hist
        row = self.conn.execute(select(h).where(h.c.per_id == per_id).order_by(h.c.eff_date.desc()).limit(1)
                                ).first()
        if row is None:
            raise NotFound("person_not_found", "人员不存在", "person not found", per_id=per_id)
        return _situation(row)

    _as_of = (HIST.select.replace("FROM bas_person_hist", "FROM bas_person_hist h") + " WHERE h.agency_code = :a "
              "AND h.eff_date = (SELECT MAX(h2.eff_date) FROM bas_person_hist h2 WHERE h2.per_id = h.per_id "
              "AND h2.eff_date <= :d) ORDER BY h.per_id")

    def as_of(self, agency_code: str, on: date) -> list[Situation]:
        """Everyone whose latest situation on ``on`` places them in this agency (working or not)."""
        return [_situation(r) for r in self.raw.all(self._as_of, {"a": agency_code, "d": on})]

    def staffing(self, agency_code: str) -> Staffing | None:
        s = t.bas_agency_staffing.c
        row = self.conn.execute(select(s.admin_staf_num, s.inst_staf_num, s.worker_staf_num).where(
            s.agency_code == agency_code)).first()
        return None if row is None else Staffing(int(row[0]), int(row[1]), int(row[2]))

    def set_staffing(self, agency_code: str, st: Staffing, now: datetime) -> Staffing | None:
        old = self.staffing(agency_code)
        vals = {"admin_staf_num": st.admin_staf_num, "inst_staf_num": st.inst_staf_num,
                "worker_staf_num": st.worker_staf_num, "update_time": now}
        if old is None:
            self.conn.execute(insert(t.bas_agency_staffing).values(agency_code=agency_code, create_time=now, **vals))
        else:
            self.conn.execute(update(t.bas_agency_staffing).where(
                t.bas_agency_staffing.c.agency_code == agency_code).values(**vals))
        return old


# ------------------------------------------------------------------------------------------------------
class RoundRepo(Repo):
    """两上两下: the year's budget round and the departments' control numbers."""

    def stage(self, mof_div_code: str, fiscal_year: int, *, lock: bool = False) -> str | None:
        c = t.bgt_round.c
        stmt = select(c.stage).where(c.mof_div_code == mof_div_code, c.fiscal_year == fiscal_year)
        return self.conn.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()

    def set_stage(self, mof_div_code: str, fiscal_year: int, stage: str, now: datetime) -> None:
        c = t.bgt_round.c
        if self.stage(mof_div_code, fiscal_year) is None:
            self.conn.execute(insert(t.bgt_round).values(mof_div_code=mof_div_code, fiscal_year=fiscal_year,
                                                         stage=stage, create_time=now, update_time=now))
        else:
            self.conn.execute(update(t.bgt_round).where(c.mof_div_code == mof_div_code,
                                                        c.fiscal_year == fiscal_year).values(stage=stage,
                                                                                             update_time=now))

    def control(self, mof_div_code: str, fiscal_year: int, dept_code: str, *, lock: bool = False
                ) -> dict[str, Any] | None:
        c = t.bgt_control_num.c
        stmt = select(t.bgt_control_num).where(c.mof_div_code == mof_div_code, c.fiscal_year == fiscal_year,
                                               c.dept_code == dept_code)
        return CONTROL.row(self.conn.execute(stmt.with_for_update() if lock else stmt).first())

    def set_control(self, mof_div_code: str, fiscal_year: int, dept_code: str, amt: int, now: datetime) -> None:
        c = t.bgt_control_num.c
        if self.control(mof_div_code, fiscal_year, dept_code) is None:
            self.conn.execute(insert(t.bgt_control_num).values(
                mof_div_code=mof_div_code, fiscal_year=fiscal_year, dept_code=dept_code, control_amt=amt,
                submitted=False, create_time=now, update_time=now))
        else:
            self.conn.execute(update(t.bgt_control_num).where(
                c.mof_div_code == mof_div_code, c.fiscal_year == fiscal_year, c.dept_code == dept_code
            ).values(control_amt=amt, update_time=now))

    def mark_submitted(self, mof_div_code: str, fiscal_year: int, dept_code: str, now: datetime) -> None:
        c = t.bgt_control_num.c
        self.conn.execute(update(t.bgt_control_num).where(
            c.mof_div_code == mof_div_code, c.fiscal_year == fiscal_year, c.dept_code == dept_code
        ).values(submitted=True, update_time=now))

    def dept_total(self, mof_div_code: str, fiscal_year: int, dept_code: str, column: str = "apply_up") -> int:
        c = t.bgt_pm_annual.c
        return int(self.conn.execute(select(func.coalesce(func.sum(c[column]), 0)).where(
            c.mof_div_code == mof_div_code, c.fiscal_year == fiscal_year, c.dept_code == dept_code,
            c.status != "rejected")).scalar_one())


# ------------------------------------------------------------------------------------------------------
class ProcurementRepo(Repo):
    def add_plan(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.gp_plan).values(row))

    def plan(self, plan_id: str, *, lock: bool = False) -> dict[str, Any]:
        stmt = select(t.gp_plan).where(t.gp_plan.c.plan_id == plan_id)
        row = GP_PLAN.row(self.conn.execute(stmt.with_for_update() if lock else stmt).first())
        if row is None:
            raise NotFound("gp_plan_not_found", "政府采购计划不存在", "procurement plan not found", plan_id=plan_id)
        return row

    def update_plan(self, plan_id: str, **values: Any) -> None:
        self.conn.execute(update(t.gp_plan).where(t.gp_plan.c.plan_id == plan_id).values(**values))

    def contracted(self, plan_id: str) -> int:
        c = t.gp_contract.c
        return int(self.conn.execute(select(func.coalesce(func.sum(c.contract_amt), 0)).where(
            c.plan_id == plan_id)).scalar_one())

    def add_contract(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.gp_contract).values(row))

    def contract(self, contract_no: str, *, lock: bool = False) -> dict[str, Any] | None:
        stmt = select(t.gp_contract).where(t.gp_contract.c.contract_no == contract_no)
        return GP_CONTRACT.row(self.conn.execute(stmt.with_for_update() if lock else stmt).first())

    def contract_used(self, contract_no: str) -> int:
        """What the contract's applications hold: in flight or paid, net of refunds."""
        pv = t.pay_voucher.c
        live = ("submitted", "fin_review", "approved", "voucher_issued", "paid", "cleared")
        return int(self.conn.execute(select(func.coalesce(func.sum(
            case((pv.status.in_(("paid", "cleared")), pv.xpay_amt - pv.refund_amt), else_=pv.pay_app_amt)), 0))
            .where(pv.contract_no == contract_no, pv.status.in_(live))).scalar_one())

    def close_for_indicator(self, bgt_id: str, now: datetime) -> None:
        c = t.gp_plan.c
        self.conn.execute(update(t.gp_plan).where(c.bgt_id == bgt_id, c.status == "open").values(
            reserved_amt=0, status="closed", update_time=now))

    def open_plans_for(self, bgt_id: str) -> list[dict[str, Any]]:
        c = t.gp_plan.c
        return GP_PLAN.rows(self.conn.execute(select(t.gp_plan).where(
            c.bgt_id == bgt_id, c.status == "open").order_by(c.plan_id)))


# ------------------------------------------------------------------------------------------------------
class PerfRepo(Repo):
    def add_monitor(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.pm_perf_monitor).values(row))

    def evaluation(self, pro_code: str, fiscal_year: int) -> dict[str, Any] | None:
        c = t.pm_perf_eval.c
        return PERF_EVAL.row(self.conn.execute(select(t.pm_perf_eval).where(
            c.pro_code == pro_code, c.fiscal_year == fiscal_year)).first())

    def add_evaluation(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.pm_perf_eval).values(row))

    def project_execution(self, pro_code: str, fiscal_year: int) -> tuple[int, int]:
        """(budget, paid) of the project's indicators of the year, from the ledger's running sums."""
        i = t.ba_bgt_info.c
        row = self.conn.execute(select(func.coalesce(func.sum(i.amount - i.dis_amt), 0),
                                       func.coalesce(func.sum(i.paid_amt), 0)).where(
            i.pro_code == pro_code, i.fiscal_year == fiscal_year, i.bgt_exe_flag.is_(True))).one()
        return int(row[0]), int(row[1])


# ------------------------------------------------------------------------------------------------------
class YearEndRepo(Repo):
    def closed(self, mof_div_code: str, fiscal_year: int) -> bool:
        c = t.bgt_year_close.c
        return self.conn.execute(select(c.fiscal_year).where(c.mof_div_code == mof_div_code,
                                                             c.fiscal_year == fiscal_year)).first() is not None

    def indicators_of_year(self, mof_div_code: str, fiscal_year: int) -> list[str]:
        i = t.ba_bgt_info.c
        return [r[0] for r in self.conn.execute(select(i.bgt_id).where(
            i.mof_div_code == mof_div_code, i.fiscal_year == fiscal_year).order_by(i.bgt_id))]

    def inflight_apps(self, bgt_id: str) -> list[str]:
        pv = t.pay_voucher.c
        return [r[0] for r in self.conn.execute(select(pv.pay_app_id).where(
            pv.bgt_id == bgt_id, pv.status.in_(("submitted", "fin_review", "approved", "voucher_issued")))
            .order_by(pv.pay_app_id))]

    def add(self, table: Any, row: dict[str, Any]) -> None:
        self.conn.execute(insert(table).values(row))

    def move_inflight(self, old_bgt_id: str, new_bgt_id: str, now: datetime) -> list[str]:
        """Applications in flight follow their indicator into the new year (their monthly plan lapses)."""
        ids = self.inflight_apps(old_bgt_id)
        if ids:
            pv = t.pay_voucher.c
            self.conn.execute(update(t.pay_voucher).where(pv.pay_app_id.in_(ids)).values(
                bgt_id=new_bgt_id, plan_id=None, update_time=now))
        return ids

    def move_gp_plans(self, old_bgt_id: str, new_bgt_id: str, now: datetime) -> None:
        c = t.gp_plan.c
        self.conn.execute(update(t.gp_plan).where(c.bgt_id == old_bgt_id, c.status == "open").values(
            bgt_id=new_bgt_id, update_time=now))


# ------------------------------------------------------------------------------------------------------
class TreasuryRepo(Repo):
    """国库收入 (入库流水), 收入预算 and the treasury account's opening balance."""

    def income_seen(self, mof_div_code: str, src_nos: Iterable[str]) -> set[str]:
        """Which of these 入库流水 numbers the 区划 has already booked."""
        c = t.inc_treasury_income.c
        return {r[0] for r in self.conn.execute(select(c.src_no).where(
            c.mof_div_code == mof_div_code, c.src_no.in_(sorted(set(src_nos)))))}

    def add_income(self, row: dict[str, Any]) -> None:
        self.raw.execute(INCOME.insert, INCOME.full(row))

    def set_income_budget(self, mof_div_code: str, fiscal_year: int, budgets: dict[str, int], now: datetime) -> None:
        """The year's 收入预算 by income code, replacing what was set before."""
        b = t.bgt_income.c
        self.conn.execute(t.bgt_income.delete().where(b.mof_div_code == mof_div_code, b.fiscal_year == fiscal_year))
        if budgets:
            self.conn.execute(insert(t.bgt_income), [
                {"mof_div_code": mof_div_code, "fiscal_year": fiscal_year, "inc_code": k, "budget_amt": v,
                 "create_time": now, "update_time": now} for k, v in sorted(budgets.items())])

    def opening_exists(self, mof_div_code: str) -> bool:
        o = t.trs_opening.c
        return self.conn.execute(select(o.mof_div_code).where(o.mof_div_code == mof_div_code)).first() is not None

    def add_opening(self, mof_div_code: str, open_date: date, amount: int, now: datetime) -> None:
        self.conn.execute(insert(t.trs_opening).values(mof_div_code=mof_div_code, open_date=open_date,
                                                       amount=amount, create_time=now))
