"""The core's front door: one handler per command, each inside its own unit of work.

``Core.handle(cmd)`` runs the command's handler in a transaction, appends its journal events and
commits; on a domain error nothing is written. Concurrency conflicts that the database reports
(an idempotency key inserted by a concurrent request, a PostgreSQL deadlock or serialisation failure)
are retried a few times; the retry sees the committed state and answers from it.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..adapters import migrate
from ..adapters.db import Database
from ..adapters.journal_store import Anchor
from ..domain import commands as c
from ..domain.actors import SYSTEM
from ..domain.codes import CodeSets
from ..domain.errors import DomainError
from ..domain.tz import TZ
from ..monitoring import service as monitoring
from . import (
    budget,
    budget_prep,
    identity,
    payments,
    payroll,
    performance,
    personnel,
    procurement,
    projects,
    queries,
    reference,
    treasury,
    workflow,
    yearend,
)
from .unit_of_work import UnitOfWork

HANDLERS: dict[type[c.Command], Callable[[UnitOfWork, Any], Any]] = {
    c.DeclareCoreOrigin: reference.declare_core_origin,
    c.RegisterMofDiv: reference.register_mof_div,
    c.RegisterAgency: reference.register_agency,
    c.SetDivConfig: reference.set_div_config,
    c.DeclareProject: projects.declare_project,
    c.SetPerformanceTargets: projects.set_performance_targets,
    c.ProjectAction: projects.project_action,
    c.RollProject: projects.roll_project,
    c.AddBudgetLine: budget.add_budget_line,
    c.ApproveBudget: budget.approve_budget,
    c.IssueIndicator: budget.issue_indicator,
    c.AllocateIndicator: budget.allocate_indicator,
    c.AdjustIndicators: budget.adjust_indicators,
    c.ReduceIndicator: budget.reduce_indicator,
    c.FreezeIndicator: budget.freeze_indicator,
    c.SubmitPlan: payments.submit_plan,
    c.ApprovePlan: payments.approve_plan,
    c.ReducePlan: payments.reduce_plan,
    c.SubmitPayment: payments.submit_payment,
    c.ReviewPayment: payments.review_payment,
    c.ReviewPayments: payments.review_payments,
    c.ResubmitPayment: payments.resubmit_payment,
    c.VoidPayment: payments.void_payment,
    c.IssueVouchers: payments.issue_vouchers,
    c.ConfirmBankReceipts: payments.confirm_bank_receipts,
    c.ClearDay: payments.clear_day,
    c.RefundPayment: payments.refund_payment,
    c.BankReturn: payments.bank_return,
    c.CorrectPayment: payments.correct_payment,
    c.SetStaffing: personnel.set_staffing,
    c.HirePerson: personnel.hire_person,
    c.TransferPerson: personnel.transfer_person,
    c.RetirePerson: personnel.retire_person,
    c.ChangeGrade: personnel.change_grade,
    c.OpenBudgetRound: budget_prep.open_budget_round,
    c.IssueControlNumbers: budget_prep.issue_control_numbers,
    c.ReviseBudgetLine: budget_prep.revise_budget_line,
    c.SubmitSecondRound: budget_prep.submit_second_round,
    c.GenerateBasicBudget: budget_prep.generate_basic_budget,
    c.RunPayroll: payroll.run_payroll,
    c.CreateProcurementPlan: procurement.create_plan,
    c.RegisterContract: procurement.register_contract,
    c.CloseProcurementPlan: procurement.close_plan,
    c.RecordPerfMonitoring: performance.record_monitoring,
    c.SelfEvaluate: performance.self_evaluate,
    c.CloseYear: yearend.close_year,
    c.RecordTreasuryIncome: treasury.record_income,
    c.SetIncomeBudget: treasury.set_income_budget,
    c.SetTreasuryOpening: treasury.set_opening,
    # 动态监控: warnings and their disposal
    c.FeedbackWarning: monitoring.feedback_warning,
    c.ReviewWarning: monitoring.review_warning,
    c.ConfirmWarning: monitoring.confirm_warning,
    c.CloseWarning: monitoring.close_warning,
    c.EscalateWarnings: monitoring.escalate_warnings,
    c.RecordScheduledWarnings: monitoring.record_scheduled_warnings,
    c.SetMonitorParam: monitoring.set_monitor_param,
    # the collaboration platform: users, grants, delegation, routing, the inbox
    c.AddUser: identity.add_user,
    c.SetPassword: identity.set_password,
    c.Authenticate: identity.authenticate,
    c.ExternalLogin: identity.external_login,
    c.GrantRole: identity.grant_role,
    c.RevokeRole: identity.revoke_role,
    c.Delegate: identity.delegate,
    c.SetDivision: identity.set_division,
    c.SetRoute: workflow.set_route,
    c.ActOnTask: workflow.act_on_task,
    c.ForwardTask: workflow.forward_task,
    c.EscalateTasks: workflow.escalate_tasks,
    c.LogPersonalRead: identity.log_personal_read,
}

RETRIES = 5


class BatchRefused(DomainError):
    """A batch written all-or-nothing was refused: ``items`` names each refused command by position."""

    http_status = 422

    def __init__(self, items: list[tuple[int, DomainError]]) -> None:
        super().__init__("batch_refused", f"批量导入未执行：{len(items)} 条有误，全部未写入",
                         f"nothing imported: {len(items)} item(s) refused", refused=len(items))
        self.items = items


def wall_clock() -> datetime:
    return datetime.now(TZ)


def _uuid() -> str:
    return str(uuid.uuid4())


def _retryable(err: Exception) -> bool:
    """Conflicts a retry resolves: a concurrent request committed the same idempotency key first
    (unique violation), or PostgreSQL chose this transaction as a deadlock / serialisation victim.
    Errors come wrapped by SQLAlchemy or straight from the DBAPI cursor of the hot path."""
    orig = err.orig if isinstance(err, DBAPIError) else err
    if isinstance(err, IntegrityError) or isinstance(orig, sqlite3.IntegrityError):
        return True
    return getattr(orig, "sqlstate", None) in ("23505", "40001", "40P01")


_DB_ERRORS: tuple[type[Exception], ...] = (DBAPIError, sqlite3.DatabaseError, psycopg.DatabaseError)


class Core:
    """Commands in, results out. ``clock`` and ``new_id`` are injectable (the simulator replays history)."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = wall_clock,
                 new_id: Callable[[], str] = _uuid) -> None:
        self.db = db
        self.clock = clock
        self.new_id = new_id
        self._codes: CodeSets | None = None

    @classmethod
    def open(cls, url: str, *, sqlite_synchronous: str = "NORMAL", migrate_schema: bool = True, **kw: Any) -> Core:
        """Open the core at ``url`` (a SQLAlchemy URL), migrating it if asked."""
        db = Database(url, sqlite_synchronous=sqlite_synchronous)
        if migrate_schema:
            init_schema(db, kw.get("clock", wall_clock))
        return cls(db, **kw)

    @property
    def codes(self) -> CodeSets:
        if self._codes is None:
            with self.db.read() as conn:
                self._codes = migrate.load_codesets(conn)
        return self._codes

    def _transact(self, work: Callable[[UnitOfWork], Any]) -> Any:
        """Run ``work`` in a unit of work and commit; retry on the conflicts a retry resolves."""
        codes = self.codes
        for attempt in range(RETRIES):
            try:
                with UnitOfWork(self.db, codes, self.clock, self.new_id) as uow:
                    try:
                        result = work(uow)
                    except DomainError as refusal:
                        if getattr(refusal, "commit_refusal", False):   # a refused login still counts
                            uow.commit()
                        raise
                    before_commit(uow)
                    uow.commit()
                    return result
            except _DB_ERRORS as err:
                if attempt == RETRIES - 1 or not _retryable(err):
                    raise
        raise AssertionError("unreachable")

    def handle(self, cmd: c.Command) -> Any:
        handler = HANDLERS[type(cmd)]
        return self._transact(lambda uow: handler(uow, cmd))

    def handle_batch(self, cmds: Sequence[c.Command]) -> list[Any]:
        """Several commands in one transaction, each all-or-nothing. Returns, per command, its result or
        the ``DomainError`` that refused it. The batch is first tried without savepoints (most batches
        refuse nothing); if anything is refused it is rolled back and redone with a savepoint per command.
        Indicators named by the commands are locked first, in ``bgt_id`` order, so concurrent batches
        cannot deadlock."""
        bgt_ids = sorted({b for cmd in cmds if isinstance(b := getattr(cmd, "bgt_id", None), str)})

        def work(uow: UnitOfWork, savepoints: bool) -> list[Any]:
            if self.db.is_postgres and bgt_ids:
                uow.indicators.lock_ids(bgt_ids)
            out: list[Any] = []
            for cmd in cmds:
                if not savepoints:
                    out.append(HANDLERS[type(cmd)](uow, cmd))
                    continue
                try:
                    with uow.savepoint():
                        out.append(HANDLERS[type(cmd)](uow, cmd))
                except DomainError as e:
                    out.append(e)
            return out

        try:
            return self._transact(lambda uow: work(uow, False))  # type: ignore[no-any-return]
        except DomainError:
            return self._transact(lambda uow: work(uow, True))  # type: ignore[no-any-return]

    def handle_all(self, cmds: Sequence[c.Command]) -> list[Any]:
        """Several commands as one: all are written or none (a batch import). Every command is tried, each in
        a savepoint, so that a refusal names every bad item, not only the first; then, if any was refused,
        the whole transaction is rolled back and ``BatchRefused`` lists them by position."""
        bgt_ids = sorted({b for cmd in cmds if isinstance(b := getattr(cmd, "bgt_id", None), str)})

        def work(uow: UnitOfWork) -> list[Any]:
            if self.db.is_postgres and bgt_ids:
                uow.indicators.lock_ids(bgt_ids)
            out: list[Any] = []
            errors: list[tuple[int, DomainError]] = []
            for i, cmd in enumerate(cmds):
                try:
                    with uow.savepoint():
                        out.append(HANDLERS[type(cmd)](uow, cmd))
                except DomainError as e:
                    errors.append((i, e))
            if errors:
                raise BatchRefused(errors)
            return out

        return self._transact(work)  # type: ignore[no-any-return]

    # -- read side -------------------------------------------------------------------------------------
    def verify_journal(self, anchors: Sequence[tuple[int, str]] = (),
                       cross_anchors: Sequence[tuple[int, str]] = ()) -> queries.AuditReport:
        with self.db.read() as conn:
            return queries.verify_journal(conn, anchors, cross_anchors)

    def anchor_journal(self) -> Anchor:
        """Write a cross-anchor of every journal chain's tip (``fiscal audit anchor``)."""
        return self._transact(lambda uow: uow.write_anchor("manual"))  # type: ignore[no-any-return]

    def check_ledger(self) -> list[queries.IdentityViolation]:
        with self.db.read() as conn:
            return queries.check_ledger(conn)

    def indicator(self, bgt_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            return queries.indicator_balance(conn, bgt_id)

    def trace_payment(self, pay_app_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            return queries.trace_payment(conn, pay_app_id)

    def query(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a read-side function that takes a unit of work (e.g. ``budget_prep.basic_budget_gap``)."""
        with UnitOfWork(self.db, self.codes, self.clock, self.new_id) as uow:
            return fn(uow, *args)

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            return queries.counts(conn)

    def close(self) -> None:
        self.db.dispose()


def before_commit(uow: UnitOfWork) -> None:
    """What every transaction does last: new agencies enter the scope tree, and the inbox follows the
    documents the transaction moved (same transaction, so it is never out of step)."""
    identity.index_new_agencies(uow)
    workflow.sync_tasks(uow)


def init_schema(db: Database, clock: Callable[[], datetime] = wall_clock) -> None:
    """Migrate to the newest schema and load the code sets when their CSVs changed (journalled)."""
    migrate.upgrade(db)
    with UnitOfWork(db, CodeSets({}), clock, _uuid) as uow:
        checksum = migrate.sync_codesets(uow.conn)
        if checksum is not None:
            uow.record(SYSTEM, "codeset.load", "ele_code", "all", after={"checksum": checksum})
        uow.commit()
