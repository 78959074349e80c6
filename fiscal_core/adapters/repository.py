"""Repositories: load and save domain objects with SQLAlchemy Core on the unit of work's connection.

Lock order (PostgreSQL): projects → indicators (sorted by ``bgt_id``) → documents (budget lines, plans,
applications, vouchers) → counters → the journal head. Every command takes its locks in this order
(reading other rows without a lock where it is safe), so concurrent commands cannot deadlock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Connection, bindparam, func, insert, select, update

from ..domain.agencies import Account, Agency
from ..domain.errors import NotFound
from ..domain.indicators import Indicator, LedgerEntry
from ..domain.payments import PaymentApplication, PaymentPlan, PayStatus, PlanStatus
from ..domain.projects import PerfIndicator, Project, ProjectStatus
from . import tables as t
from .rawsql import RawSql, insert_sql

T = TypeVar("T")


def _build(cls: type[T], row: Any, **extra: Any) -> T:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: v for k, v in row.items() if k in names}
    kwargs.update(extra)
    return cls(**kwargs)


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
    def get(self, mof_div_code: str, key: str) -> str | None:
        c = t.sys_div_config.c
        return self.conn.execute(select(c.config_value).where(c.mof_div_code == mof_div_code,
                                                              c.config_key == key)).scalar_one_or_none()

    def set(self, mof_div_code: str, key: str, value: str) -> str | None:
        old = self.get(mof_div_code, key)
        c = t.sys_div_config.c
        if old is None:
            self.conn.execute(insert(t.sys_div_config).values(mof_div_code=mof_div_code, config_key=key,
                                                              config_value=value))
        else:
            self.conn.execute(update(t.sys_div_config).where(c.mof_div_code == mof_div_code, c.config_key == key)
                              .values(config_value=value))
        return old

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

    def add_div(self, mof_div_code: str, name: str, now: datetime) -> None:
        self.conn.execute(insert(t.bas_mof_div).values(mof_div_code=mof_div_code, mof_div_name=name,
                                                       create_time=now, update_time=now))

    def get(self, agency_code: str) -> Agency:
        row = self.conn.execute(select(t.bas_agency_info).where(t.bas_agency_info.c.agency_code == agency_code)
                                ).mappings().first()
        if row is None:
            raise NotFound("agency_not_found", "单位不存在", "agency not found", agency_code=agency_code)
        accts = [Account(r["acct_no"], r["acct_name"], r["bank_name"], r["acct_type_code"], r["is_own_fund"])
                 for r in self.conn.execute(select(t.bas_agency_account).where(
                     t.bas_agency_account.c.agency_code == agency_code)).mappings()]
        return _build(Agency, row, accounts=accts)

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
        row = self.conn.execute(stmt, {"pro_code": pro_code}).mappings().first()
        if row is None:
            raise NotFound("project_not_found", "项目库中无此项目", "project not in the library", pro_code=pro_code)
        p = _build(Project, row, pro_status=ProjectStatus(row["pro_status"]))
        if details:
            yp = t.pm_project_year_plan.c
            p.year_plans = {r.plan_year: r.plan_amt for r in self.conn.execute(
                select(yp.plan_year, yp.plan_amt).where(yp.pro_code == pro_code))}
            g = self.conn.execute(select(t.pm_perf_goal_info.c.kpi_target).where(
                t.pm_perf_goal_info.c.pro_code == pro_code)).scalar_one_or_none()
            p.kpi_target = g or ""
            pi = t.pm_perf_indicator
            p.perf_indicators = [_build(PerfIndicator, r) for r in self.conn.execute(
                select(pi).where(pi.c.pro_code == pro_code).order_by(pi.c.kpi_id)).mappings()]
        return p

    def add(self, p: Project, now: datetime, new_id: Any) -> None:
        self.conn.execute(insert(t.pm_project).values(_values(p, t.pm_project, pro_term=p.pro_term,
                                                              pro_status=p.pro_status.value,
                                                              create_time=now, update_time=now)))
        if p.year_plans:
            self.conn.execute(insert(t.pm_project_year_plan), [
                {"pro_code": p.pro_code, "plan_year": y, "plan_amt": a} for y, a in sorted(p.year_plans.items())])
        self.save_perf(p, new_id)

    def save_perf(self, p: Project, new_id: Any) -> None:
        self.conn.execute(t.pm_perf_goal_info.delete().where(t.pm_perf_goal_info.c.pro_code == p.pro_code))
        self.conn.execute(t.pm_perf_indicator.delete().where(t.pm_perf_indicator.c.pro_code == p.pro_code))
        if p.kpi_target:
            self.conn.execute(insert(t.pm_perf_goal_info).values(pro_code=p.pro_code, kpi_target=p.kpi_target,
                                                                 version=1))
        if p.perf_indicators:
            self.conn.execute(insert(t.pm_perf_indicator), [
                {"kpi_id": new_id(), "pro_code": p.pro_code, **dataclasses.asdict(i)} for i in p.perf_indicators])

    def save_state(self, p: Project, now: datetime) -> None:
        self.conn.execute(update(t.pm_project).where(t.pm_project.c.pro_code == p.pro_code).values(
            pro_status=p.pro_status.value, roll_year=p.roll_year, exist_statue_code=p.exist_statue_code,
            update_time=now))


# ------------------------------------------------------------------------------------------------------
class BudgetRepo(Repo):
    def add_line(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.bgt_pm_annual).values(row))

    def get_line(self, bgt_pman_id: str, *, lock: bool = False) -> dict[str, Any]:
        stmt = select(t.bgt_pm_annual).where(t.bgt_pm_annual.c.bgt_pman_id == bgt_pman_id)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).mappings().first()
        if row is None:
            raise NotFound("budget_line_not_found", "预算项目不存在", "budget line not found", bgt_pman_id=bgt_pman_id)
        return dict(row)

    def sum_for_project_year(self, pro_code: str, fiscal_year: int) -> int:
        c = t.bgt_pm_annual.c
        return int(self.conn.execute(select(func.coalesce(func.sum(c.apply_up), 0)).where(
            c.pro_code == pro_code, c.fiscal_year == fiscal_year)).scalar_one())

    def approve_line(self, bgt_pman_id: str, reply_amt: int, doc_no: str, now: datetime) -> None:
        self.conn.execute(update(t.bgt_pm_annual).where(t.bgt_pm_annual.c.bgt_pman_id == bgt_pman_id).values(
            reply_amt=reply_amt, status="approved", approval_file_no=doc_no, update_time=now))


# ------------------------------------------------------------------------------------------------------
_LEDGER_INSERT = insert_sql("ba_bgt_ledger", [c.name for c in t.ba_bgt_ledger.c if c.name != "ledger_id"])
_IND_COLS = [f.name for f in dataclasses.fields(Indicator) if f.name in t.ba_bgt_info.c]
_IND_BOOLS = {"bgt_exe_flag", "is_gov_pur", "is_dir", "is_track"}
_FOR_PAYMENT = (
    "SELECT " + ", ".join(f"i.{c}" for c in _IND_COLS) + ", p.pro_status, pc.fund_type_code, a.acct_name, "
    "a.acct_no, a.bank_name, v.pay_app_id, v.pay_app_no, v.status, v.idem_hash, "
    "(SELECT MAX(n.pay_app_no) FROM pay_voucher n WHERE n.fiscal_year = :year AND n.mof_div_code = i.mof_div_code "
    "AND n.pay_app_no BETWEEN :lo AND :hi) AS last_app_no "
    "FROM ba_bgt_info i JOIN pm_project p ON p.pro_code = i.pro_code "
    "LEFT JOIN sys_plan_control pc ON pc.mof_div_code = i.mof_div_code AND pc.fund_type_code = i.fund_type_code "
    "LEFT JOIN bas_agency_account a ON a.agency_code = :agency AND a.acct_type_code = '12' "
    "LEFT JOIN pay_voucher v ON v.idem_key = :idem "
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


_DELTA_COLS = {"d_amount": "amount", "d_dis": "dis_amt", "d_frozen": "frozen_amt", "d_plan": "plan_amt",
               "d_inflight": "inflight_amt", "d_paid": "paid_amt"}


class IndicatorRepo(Repo):
    _get = select(t.ba_bgt_info).where(t.ba_bgt_info.c.bgt_id == bindparam("bgt_id"))
    _get_locked = _get.with_for_update()
    _update_cache: ClassVar[dict[tuple[str, ...], str]] = {}

    def get(self, bgt_id: str, *, lock: bool = False) -> Indicator:
        row = self.conn.execute(self._get_locked if lock else self._get, {"bgt_id": bgt_id}).mappings().first()
        if row is None:
            raise NotFound("indicator_not_found", "指标不存在", "indicator not found", bgt_id=bgt_id)
        return _build(Indicator, row)

    def for_payment(self, bgt_id: str, agency_code: str, fiscal_year: int, idem_key: str | None = None
                    ) -> PaymentContext:
        """The indicator (locked), its project's state, whether plans control it, the applicant's
        零余额账户, any application already filed under the idempotency key and the year's last
        application number — one round trip on the hot path."""
        sql = _FOR_PAYMENT + (" FOR UPDATE OF i" if self.is_postgres else "")
        prefix = f"ZF{fiscal_year}"
        row = self.raw.one(sql, {"bgt_id": bgt_id, "agency": agency_code, "idem": idem_key, "year": fiscal_year,
                                 "lo": prefix + "00000000", "hi": prefix + "99999999"})
        if row is None:
            raise NotFound("indicator_not_found", "指标不存在", "indicator not found", bgt_id=bgt_id)
        n = len(_IND_COLS)
        vals = dict(zip(_IND_COLS, row[:n], strict=True))
        for k in _IND_BOOLS:
            vals[k] = bool(vals[k])
        vals["doc_date"] = self.raw.as_date(vals["doc_date"])
        pro_status, plan_ft, acct_name, acct_no, bank, app_id, app_no, status, idem_hash, last_no = row[n:]
        return PaymentContext(Indicator(**vals), ProjectStatus(pro_status), plan_ft is not None,
                              (acct_name or "", acct_no or "", bank or ""),
                              None if app_id is None else (app_id, app_no, status, idem_hash), last_no)

    def lock_many(self, bgt_ids: Iterable[str]) -> dict[str, Indicator]:
        """Lock several indicators in ``bgt_id`` order (the deadlock-free order)."""
        out: dict[str, Indicator] = {}
        for bgt_id in sorted(set(bgt_ids)):
            out[bgt_id] = self.get(bgt_id, lock=True)
        return out

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
                 "d_frozen": e.d_frozen, "d_plan": e.d_plan, "d_inflight": e.d_inflight, "d_paid": e.d_paid,
                 "ref_type": e.ref_type, "ref_id": e.ref_id, "created_at": now} for e in entries]
        if len(rows) == 1:
            self.raw.execute(_LEDGER_INSERT, rows[0])
        else:
            self.raw.executemany(_LEDGER_INSERT, rows)
        for e in entries:
            deltas = {col: getattr(e, d) for d, col in _DELTA_COLS.items() if getattr(e, d)}
            if not deltas:
                continue
            key = tuple(sorted(deltas))
            sql = self._update_cache.get(key)
            if sql is None:
                sets = ", ".join(f"{col} = {col} + :{col}" for col in key)
                sql = self._update_cache[key] = f"UPDATE ba_bgt_info SET {sets}, update_time = :now WHERE bgt_id = :b"
            self.raw.execute(sql, {"b": e.bgt_id, "now": now} | deltas)

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
        row = self.conn.execute(stmt).mappings().first()
        return None if row is None else _build(PaymentPlan, row, status=PlanStatus(row["status"]))

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
    _by_id = select(t.pay_voucher).where(t.pay_voucher.c.pay_app_id == bindparam("k"))

    def _one(self, stmt: Any, key: str) -> PaymentApplication | None:
        row = self.conn.execute(stmt, {"k": key}).mappings().first()
        return None if row is None else _build(PaymentApplication, row, status=PayStatus(row["status"]))

    def by_idem_key(self, idem_key: str) -> tuple[str, str, str, str | None] | None:
        """(pay_app_id, pay_app_no, status, idem_hash) of the application filed under this key."""
        row = self.raw.one(_PV_BY_KEY, {"k": idem_key})
        return None if row is None else (row[0], row[1], row[2], row[3])

    def get(self, pay_app_id: str, *, lock: bool = False) -> PaymentApplication:
        app = self._one(self._by_id.with_for_update() if lock else self._by_id, pay_app_id)
        if app is None:
            raise NotFound("payment_not_found", "支付申请不存在", "payment application not found",
                           pay_app_id=pay_app_id)
        return app

    def add(self, app: PaymentApplication, now: datetime) -> None:
        vals = dict(zip(_PV_ATTR_COLS, _PV_GET(app), strict=True))
        vals["status"], vals["create_time"], vals["update_time"] = app.status.value, now, now
        self.raw.execute(_PV_INSERT, vals)

    def save(self, app: PaymentApplication, now: datetime, **extra: Any) -> None:
        self.conn.execute(update(t.pay_voucher).where(t.pay_voucher.c.pay_app_id == app.pay_app_id).values(
            status=app.status.value, xpay_amt=app.xpay_amt, refund_amt=app.refund_amt,
            pay_cert_id=app.pay_cert_id, bgt_id=app.bgt_id, update_time=now, **extra))

    # vouchers (凭证)
    def bill_by_cert_no(self, mof_div_code: str | None, pay_cert_no: str, *, lock: bool = False
                        ) -> dict[str, Any] | None:
        c = t.pay_voucher_bill.c
        stmt = select(t.pay_voucher_bill).where(c.pay_cert_no == pay_cert_no, c.bill_type == "pay")
        if mof_div_code:
            stmt = stmt.where(c.mof_div_code == mof_div_code)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).mappings().first()
        return None if row is None else dict(row)

    def add_bill(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.pay_voucher_bill).values(row))

    def update_bill(self, pay_cert_id: str, **values: Any) -> None:
        self.conn.execute(update(t.pay_voucher_bill).where(t.pay_voucher_bill.c.pay_cert_id == pay_cert_id)
                          .values(**values))

    def add_clearing(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.pay_clearing).values(row))

    def clearing_exists(self, pay_cert_sum_no: str) -> bool:
        c = t.pay_clearing.c
        return self.conn.execute(select(c.pay_cert_sum_no).where(c.pay_cert_sum_no == pay_cert_sum_no)
                                 ).first() is not None

    def add_correction(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(t.pay_correction).values(row))
