"""Users, grants, the scope closure, delegation, routes and tasks: the collaboration tables' SQL.

``scope_predicate`` is the one rule of data scope, in SQL: it is what list filtering, single-record checks
and the choice of a task's candidates all use (docs: fiscal_core/domain/identity.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from ..domain.actors import Role
from ..domain.identity import Grant, ScopeKind
from ..domain.workflow import TASK_OPEN, DocKind

_ACTIVE_GRANT = ("g.revoked_at IS NULL AND g.valid_from <= :scope_day "
                 "AND (g.valid_to IS NULL OR g.valid_to >= :scope_day)")
_ACTIVE_DELEGATION = ("d.revoked_at IS NULL AND d.valid_from <= :scope_day AND d.valid_to >= :scope_day")


def scope_predicate(agency_column: str, roles: Iterable[str] | None = None) -> str:
    """SQL that is true when the agency in ``agency_column`` lies in the scope of a valid grant of user
    ``:scope_user`` on ``:scope_day`` (their own grants or those lent to them by a valid delegation),
    optionally only grants of ``roles``. Default deny: no grant, no row."""
    role_sql = ""
    if roles is not None:
        names = sorted({Role(r).value for r in roles})
        role_sql = " AND g.role IN (" + ", ".join(f"'{r}'" for r in names) + ")" if names else " AND 1 = 0"
    return (f"EXISTS (SELECT 1 FROM sys_scope s JOIN sys_grant g ON g.scope_kind = s.scope_kind "
            f"AND g.scope_code = s.scope_code WHERE s.agency_code = {agency_column} AND {_ACTIVE_GRANT}{role_sql} "
            f"AND (g.user_id = :scope_user OR g.user_id IN (SELECT d.from_user FROM sys_delegation d "
            f"WHERE d.to_user = :scope_user AND {_ACTIVE_DELEGATION})))")


def _grant(r: Any) -> Grant:
    return Grant(r["grant_id"], r["user_id"], Role(r["role"]), ScopeKind(r["scope_kind"]), r["scope_code"],
                 _day(r["valid_from"]), _day(r["valid_to"]) if r["valid_to"] is not None else None)


def _day(v: Any) -> date:
    return v if isinstance(v, date) and not isinstance(v, datetime) else date.fromisoformat(str(v)[:10])


class IdentityRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _all(self, sql: str, **params: Any) -> list[Any]:
        return list(self.conn.execute(text(sql), params).mappings().all())

    def _one(self, sql: str, **params: Any) -> Any:
        return self.conn.execute(text(sql), params).mappings().first()

    def _exec(self, sql: str, **params: Any) -> int:
        return self.conn.execute(text(sql), params).rowcount

    # -- users -----------------------------------------------------------------------------------------
    def user(self, user_id: str, *, lock: bool = False) -> Any:
        return self._one("SELECT * FROM sys_user WHERE user_id = :u" + (" FOR UPDATE" if lock and self._pg else ""),
                         u=user_id)

    @property
    def _pg(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    def add_user(self, user_id: str, name: str, kind: str, password_hash: str | None, now: datetime) -> None:
        self._exec("INSERT INTO sys_user (user_id, user_name, user_kind, password_hash, is_enabled, failed_logins, "
                   "create_time, update_time) VALUES (:u, :n, :k, :h, :e, 0, :now, :now)",
                   u=user_id, n=name, k=kind, h=password_hash, e=True, now=now)

    def set_password(self, user_id: str, password_hash: str, now: datetime) -> None:
        self._exec("UPDATE sys_user SET password_hash = :h, failed_logins = 0, locked_until = NULL, update_time = :now "
                   "WHERE user_id = :u", u=user_id, h=password_hash, now=now)

    def login_failed(self, user_id: str, failed: int, locked_until: datetime | None, now: datetime) -> None:
        self._exec("UPDATE sys_user SET failed_logins = :f, locked_until = :l, update_time = :now WHERE user_id = :u",
                   u=user_id, f=failed, l=locked_until, now=now)

    def login_ok(self, user_id: str, now: datetime) -> None:
        self._exec("UPDATE sys_user SET failed_logins = 0, locked_until = NULL, last_login = :now, update_time = :now "
                   "WHERE user_id = :u", u=user_id, now=now)

    def users(self) -> list[Any]:
        return self._all("SELECT user_id, user_name, user_kind, is_enabled, last_login FROM sys_user ORDER BY user_id")

    # -- grants ----------------------------------------------------------------------------------------
    def add_grant(self, g: Grant, now: datetime) -> None:
        self._exec("INSERT INTO sys_grant (grant_id, user_id, role, scope_kind, scope_code, valid_from, valid_to, "
                   "create_time) VALUES (:i, :u, :r, :k, :c, :f, :t, :now)", i=g.grant_id, u=g.user_id,
                   r=g.role.value, k=g.scope_kind.value, c=g.scope_code, f=g.valid_from, t=g.valid_to, now=now)

    def grant(self, grant_id: str) -> Any:
        return self._one("SELECT * FROM sys_grant WHERE grant_id = :i", i=grant_id)

    def revoke(self, grant_id: str, now: datetime) -> None:
        self._exec("UPDATE sys_grant SET revoked_at = :now WHERE grant_id = :i", i=grant_id, now=now)

    def grants(self, user_id: str, day: date) -> list[Grant]:
        """The user's valid grants on ``day``, their own first, then those lent by delegations."""
        own = [_grant(r) for r in self._all(
            "SELECT * FROM sys_grant g WHERE g.user_id = :u AND " + _ACTIVE_GRANT + " ORDER BY g.create_time, g.grant_id",
            u=user_id, scope_day=day)]
        lent = []
        for r in self._all("SELECT g.*, d.from_user FROM sys_delegation d JOIN sys_grant g ON g.user_id = d.from_user "
                           "WHERE d.to_user = :u AND " + _ACTIVE_DELEGATION + " AND " + _ACTIVE_GRANT
                           + " ORDER BY d.create_time, g.grant_id", u=user_id, scope_day=day):
            g = _grant(r)
            lent.append(Grant(g.grant_id, user_id, g.role, g.scope_kind, g.scope_code, g.valid_from, g.valid_to,
                              delegated_from=r["from_user"]))
        return own + lent

    def all_grants(self, day: date) -> list[Any]:
        return self._all("SELECT g.*, u.user_name FROM sys_grant g JOIN sys_user u ON u.user_id = g.user_id "
                         "WHERE " + _ACTIVE_GRANT + " ORDER BY g.user_id, g.role, g.scope_code", scope_day=day)

    def any_grant(self) -> bool:
        return self._one("SELECT 1 AS x FROM sys_grant LIMIT 1") is not None

    # -- the scope tree --------------------------------------------------------------------------------
    def scope_node_exists(self, kind: ScopeKind, code: str) -> bool:
        return self._one("SELECT 1 AS x FROM sys_scope WHERE scope_kind = :k AND scope_code = :c LIMIT 1",
                         k=kind.value, c=code) is not None or (
            kind == ScopeKind.DIVISION and self._one("SELECT 1 AS x FROM sys_division WHERE division_code = :c",
                                                     c=code) is not None)

    def index_agency(self, agency_code: str) -> None:
        """(Re)write the agency's rows of the closure: itself, its department, its 区划, the divisions
        that look after its department."""
        a = self._one("SELECT agency_code, dept_code, mof_div_code FROM bas_agency_info WHERE agency_code = :a",
                      a=agency_code)
        if a is None:
            return
        self._exec("DELETE FROM sys_scope WHERE agency_code = :a", a=agency_code)
        nodes = [("unit", a["agency_code"]), ("dept", a["dept_code"]), ("div", a["mof_div_code"])]
        nodes += [("division", r["division_code"]) for r in self._all(
            "SELECT division_code FROM sys_division_dept WHERE dept_code = :d", d=a["dept_code"])]
        for kind, code in dict.fromkeys(nodes):
            self._exec("INSERT INTO sys_scope (agency_code, scope_kind, scope_code) VALUES (:a, :k, :c)",
                       a=agency_code, k=kind, c=code)

    def set_division(self, code: str, name: str, mof_div_code: str, depts: Sequence[str], now: datetime) -> list[str]:
        """Replace a division's departments; returns the agencies whose closure rows change."""
        old = [r["dept_code"] for r in self._all("SELECT dept_code FROM sys_division_dept WHERE division_code = :c",
                                                 c=code)]
        if self._one("SELECT 1 AS x FROM sys_division WHERE division_code = :c", c=code):
            self._exec("UPDATE sys_division SET division_name = :n, mof_div_code = :m, update_time = :now "
                       "WHERE division_code = :c", c=code, n=name, m=mof_div_code, now=now)
        else:
            self._exec("INSERT INTO sys_division (division_code, division_name, mof_div_code, create_time, update_time) "
                       "VALUES (:c, :n, :m, :now, :now)", c=code, n=name, m=mof_div_code, now=now)
        self._exec("DELETE FROM sys_division_dept WHERE division_code = :c", c=code)
        for d in dict.fromkeys(depts):
            self._exec("INSERT INTO sys_division_dept (division_code, dept_code) VALUES (:c, :d)", c=code, d=d)
        touched = sorted(set(old) | set(depts))
        if not touched:
            return []
        return [r["agency_code"] for r in self._all(
            "SELECT agency_code FROM bas_agency_info WHERE dept_code IN :ds ORDER BY agency_code".replace(
                ":ds", "(" + ", ".join(f":d{i}" for i in range(len(touched))) + ")"),
            **{f"d{i}": d for i, d in enumerate(touched)})]

    def scope_nodes(self, agency_code: str) -> set[tuple[str, str]]:
        """Every (scope_kind, scope_code) above the agency, itself included (its rows of the closure)."""
        return {(r["scope_kind"], r["scope_code"]) for r in self._all(
            "SELECT scope_kind, scope_code FROM sys_scope WHERE agency_code = :a", a=agency_code)}

    def dept_exists(self, dept_code: str) -> bool:
        return self._one("SELECT 1 AS x FROM bas_agency_info WHERE agency_code = :d AND parent_code IS NULL",
                         d=dept_code) is not None

    def in_scope(self, user_id: str, day: date, agency_code: str, roles: Iterable[str] | None = None) -> bool:
        return self._one("SELECT 1 AS x FROM bas_agency_info a WHERE a.agency_code = :agency AND "
                         + scope_predicate("a.agency_code", roles),
                         agency=agency_code, scope_user=user_id, scope_day=day) is not None

    # -- delegation ------------------------------------------------------------------------------------
    def add_delegation(self, delegation_id: str, from_user: str, to_user: str, valid_from: date, valid_to: date,
                       reason: str, now: datetime) -> None:
        self._exec("INSERT INTO sys_delegation (delegation_id, from_user, to_user, valid_from, valid_to, reason, "
                   "create_time) VALUES (:i, :f, :t, :vf, :vt, :r, :now)", i=delegation_id, f=from_user, t=to_user,
                   vf=valid_from, vt=valid_to, r=reason, now=now)

    def delegates(self, users: Sequence[str], day: date) -> list[tuple[str, str]]:
        """(delegator, delegate) pairs valid on ``day`` for the given delegators."""
        if not users:
            return []
        names = {f"u{i}": u for i, u in enumerate(users)}
        return [(r["from_user"], r["to_user"]) for r in self._all(
            "SELECT d.from_user, d.to_user FROM sys_delegation d WHERE d.from_user IN ("
            + ", ".join(f":{k}" for k in names) + ") AND " + _ACTIVE_DELEGATION + " ORDER BY d.create_time",
            scope_day=day, **names)]

    # -- routes ----------------------------------------------------------------------------------------
    def routes(self, mof_div_code: str) -> list[Any]:
        """The newest version of each routed state of the 区划."""
        return self._all("SELECT r.* FROM sys_route r WHERE r.mof_div_code = :m AND r.version = (SELECT max(version) "
                         "FROM sys_route x WHERE x.mof_div_code = r.mof_div_code AND x.doc_type = r.doc_type "
                         "AND x.status = r.status)", m=mof_div_code)

    def add_route(self, values: dict[str, Any]) -> int:
        row = self._one("SELECT coalesce(max(version), 0) AS v FROM sys_route WHERE mof_div_code = :m AND "
                        "doc_type = :d AND status = :s", m=values["mof_div_code"], d=values["doc_type"],
                        s=values["status"])
        version = int(row["v"]) + 1
        self._exec("INSERT INTO sys_route (mof_div_code, doc_type, status, version, step_code, role, policy, due_hours, "
                   "min_amt, is_enabled, create_time) VALUES (:mof_div_code, :doc_type, :status, :version, :step_code, "
                   ":role, :policy, :due_hours, :min_amt, :is_enabled, :create_time)", **values, version=version)
        return version

    # -- documents and tasks ---------------------------------------------------------------------------
    def document(self, kind: DocKind, doc_id: str) -> Any:
        number = f"d.{kind.number}" if kind.number else "NULL"
        amount = f"d.{kind.amount}" if kind.amount else "NULL"
        return self._one(f"SELECT d.{kind.status} AS status, d.agency_code, a.mof_div_code, a.dept_code, "
                         f"{number} AS doc_no, {amount} AS amount FROM {kind.table} d JOIN bas_agency_info a "
                         f"ON a.agency_code = d.agency_code WHERE d.{kind.key} = :k", k=doc_id)

    def candidates(self, agency_code: str, role: str, day: date) -> list[str]:
        return [r["user_id"] for r in self._all(
            "SELECT DISTINCT g.user_id FROM sys_grant g JOIN sys_scope s ON s.scope_kind = g.scope_kind "
            "AND s.scope_code = g.scope_code JOIN sys_user u ON u.user_id = g.user_id AND u.is_enabled "
            "WHERE s.agency_code = :a AND g.role = :r AND " + _ACTIVE_GRANT + " ORDER BY g.user_id",
            a=agency_code, r=role, scope_day=day)]

    def open_tasks(self, doc_type: str, doc_id: str) -> list[Any]:
        return self._all("SELECT * FROM sys_task WHERE doc_type = :t AND doc_id = :d AND status = :s ORDER BY task_id",
                         t=doc_type, d=doc_id, s=TASK_OPEN)

    def task(self, task_id: str, *, lock: bool = False) -> Any:
        return self._one("SELECT * FROM sys_task WHERE task_id = :i" + (" FOR UPDATE" if lock and self._pg else ""),
                         i=task_id)

    def add_tasks(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(text(
                "INSERT INTO sys_task (task_id, doc_type, doc_id, doc_status, step_code, policy, role, user_id, "
                "on_behalf_of, mof_div_code, agency_code, doc_no, amount, status, created_at, due_at) VALUES (:task_id, "
                ":doc_type, :doc_id, :doc_status, :step_code, :policy, :role, :user_id, :on_behalf_of, :mof_div_code, "
                ":agency_code, :doc_no, :amount, :status, :created_at, :due_at)"), list(rows))

    def close_task(self, task_id: str, status: str, by: str, outcome: str | None, opinion: str | None,
                   now: datetime) -> None:
        self._exec("UPDATE sys_task SET status = :s, done_by = :b, done_at = :now, outcome = :o, opinion = :p "
                   "WHERE task_id = :i", i=task_id, s=status, b=by, o=outcome, p=opinion, now=now)

    def cancel_user_tasks(self, user_id: str, role: str, by: str, now: datetime) -> int:
        return self._exec("UPDATE sys_task SET status = 'cancelled', done_by = :b, done_at = :now, outcome = 'revoked' "
                          "WHERE user_id = :u AND role = :r AND status = 'open'", u=user_id, r=role, b=by, now=now)

    def open_tasks_of(self, user_id: str) -> list[Any]:
        return self._all("SELECT * FROM sys_task WHERE user_id = :u AND status = 'open' ORDER BY created_at, task_id",
                         u=user_id)

    def overdue(self, now: datetime) -> list[Any]:
        return self._all("SELECT * FROM sys_task WHERE status = 'open' AND due_at IS NOT NULL AND due_at < :now "
                         "AND escalated_at IS NULL ORDER BY due_at, task_id", now=now)

    def mark_escalated(self, task_id: str, now: datetime) -> None:
        self._exec("UPDATE sys_task SET escalated_at = :now WHERE task_id = :i", i=task_id, now=now)

    def warning_due(self, warning_id: str) -> date | None:
        r = self._one("SELECT due_date FROM mon_warning WHERE warning_id = :i", i=warning_id)
        return _day(r["due_date"]) if r is not None and r["due_date"] is not None else None

    def notify(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.conn.execute(text("INSERT INTO sys_notification (notice_id, user_id, task_id, channel, title, "
                                   "created_at) VALUES (:notice_id, :user_id, :task_id, :channel, :title, :created_at)"),
                              list(rows))
