"""Reads for a person: every list and every single record filtered by the reader's scope, in SQL.

Each read takes the reader's user id and the day (grants have validity dates) and applies the one scope
predicate (``adapters.identity_repo.scope_predicate``) to the document's agency: a document outside the
reader's scope is simply not there (the API answers 404, not "forbidden", so its existence does not leak).
Lists page by a cursor — the last key seen — in key order, so pages are stable while documents are added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from ..adapters.identity_repo import scope_predicate
from ..domain.actors import Role
from ..domain.identity import PERSONNEL_ROLES

MAX_PAGE = 500


@dataclass(frozen=True)
class Listing:
    """One kind of document a person may list: its table, key, the columns shown, allowed filters."""

    table: str
    key: str
    columns: tuple[str, ...]
    filters: tuple[str, ...]
    agency: str = "agency_code"
    roles: frozenset[Role] | None = None    # None: any grant's scope; else only grants of these roles


LISTINGS: dict[str, Listing] = {
    "agencies": Listing("bas_agency_info", "agency_code",
                        ("agency_code", "agency_name", "mof_div_code", "dept_code", "parent_code", "agency_type_code",
                         "is_enabled"), ("dept_code", "mof_div_code")),
    "projects": Listing("pm_project", "pro_code",
                        ("pro_code", "pro_name", "agency_code", "dept_code", "pro_cat_code", "setup_year",
                         "pro_start_year", "end_year", "pro_total_amt", "pro_status"),
                        ("agency_code", "pro_status", "setup_year")),
    "indicators": Listing("ba_bgt_info", "bgt_id",
                          ("bgt_id", "fiscal_year", "agency_code", "dept_code", "pro_code", "exp_func_code",
                           "gov_bgt_eco_code", "dep_bgt_eco_code", "fund_type_code", "amount", "dis_amt", "frozen_amt", "gp_amt", "inflight_amt",
                           "paid_amt"),
                          ("agency_code", "fiscal_year", "pro_code")),
    "payment_applications": Listing("pay_voucher", "pay_app_id",
                                    ("pay_app_id", "pay_app_no", "fiscal_year", "create_date", "agency_code",
                                     "dept_code", "bgt_id", "pro_code", "fund_type_code", "exp_func_code",
                                     "dep_bgt_eco_code", "pay_app_amt", "xpay_amt", "payee_acct_name", "use_des",
                                     "status"),
                                    ("agency_code", "status", "fiscal_year", "bgt_id", "pro_code")),
    "plans": Listing("pay_plan_voucher", "plan_id",
                     ("plan_id", "plan_voucher_no", "fiscal_year", "plan_month", "bgt_id", "agency_code",
                      "plan_app_amt", "plan_amt", "used_amt", "status"), ("agency_code", "status", "fiscal_year")),
    "warnings": Listing("mon_warning", "warning_id",
                        ("warning_id", "rule_code", "warning_level", "trigger_type", "fiscal_year", "agency_code",
                         "dept_code", "pro_code", "bgt_id", "pay_app_id", "amount", "message", "status", "due_date",
                         "detected_at"), ("agency_code", "status", "warning_level", "rule_code", "fiscal_year")),
    # people's data: only roles allowed to see it, and every read is journalled by the API
    "persons": Listing("bas_person_hist", "hist_id",
                       ("hist_id", "per_id", "agency_code", "eff_date", "change_type", "per_sta_code", "per_ide_code",
                        "staf_type_code", "gr_code", "step_code"),
                       ("agency_code",), roles=PERSONNEL_ROLES),
}


def _where(listing: Listing, filters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    parts, params = [], {}
    for k, v in filters.items():
        if v is None:
            continue
        if k not in listing.filters:
            raise KeyError(k)
        parts.append(f"d.{k} = :f_{k}")
        params[f"f_{k}"] = v
    return "".join(f" AND {p}" for p in parts), params


def list_docs(conn: Connection, kind: str, user_id: str, day: date, *, filters: dict[str, Any] | None = None,
              after: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """A page of documents of ``kind`` in the reader's scope, after the cursor ``after``, in key order."""
    listing = LISTINGS[kind]
    where, params = _where(listing, filters or {})
    cols = ", ".join(f"d.{c}" for c in listing.columns)
    sql = (f"SELECT {cols} FROM {listing.table} d WHERE {scope_predicate('d.' + listing.agency, listing.roles)}"
           f"{where}{f' AND d.{listing.key} > :after' if after else ''} ORDER BY d.{listing.key} LIMIT :limit")
    rows = conn.execute(text(sql), {**params, "scope_user": user_id, "scope_day": day, "after": after,
                                    "limit": max(1, min(limit, MAX_PAGE))}).mappings().all()
    return [dict(r) for r in rows]


def get_doc(conn: Connection, kind: str, user_id: str, day: date, key: str) -> dict[str, Any] | None:
    """One document if the reader's scope covers it, else None (not found)."""
    listing = LISTINGS[kind]
    cols = ", ".join(f"d.{c}" for c in listing.columns)
    row = conn.execute(text(f"SELECT {cols} FROM {listing.table} d WHERE d.{listing.key} = :k AND "
                            f"{scope_predicate('d.' + listing.agency, listing.roles)}"),
                       {"k": key, "scope_user": user_id, "scope_day": day}).mappings().first()
    return dict(row) if row is not None else None


def inbox(conn: Connection, user_id: str, *, done: bool = False, after: str | None = None, limit: int = 100,
          step_code: str | None = None) -> list[dict[str, Any]]:
    """The reader's 待办 (open tasks, oldest first) or 已办 (what they did, newest first)."""
    if done:
        sql = ("SELECT * FROM sys_task WHERE done_by = :u AND status IN ('done', 'forwarded')"
               + (" AND task_id < :after" if after else "") + " ORDER BY done_at DESC, task_id DESC LIMIT :limit")
    else:
        sql = ("SELECT * FROM sys_task WHERE user_id = :u AND status = 'open'"
               + (" AND step_code = :step" if step_code else "")
               + (" AND task_id > :after" if after else "") + " ORDER BY task_id LIMIT :limit")
    rows = conn.execute(text(sql), {"u": user_id, "after": after, "limit": max(1, min(limit, MAX_PAGE)),
                                    "step": step_code}).mappings().all()
    return [dict(r) for r in rows]


def pending_count(conn: Connection, user_id: str) -> dict[str, int]:
    row = conn.execute(text("SELECT count(*) AS n, sum(CASE WHEN due_at < :now THEN 1 ELSE 0 END) AS late "
                            "FROM sys_task WHERE user_id = :u AND status = 'open'"),
                       {"u": user_id, "now": _now_naive()}).mappings().first()
    unread = conn.execute(text("SELECT count(*) FROM sys_notification WHERE user_id = :u AND read_at IS NULL"),
                          {"u": user_id}).scalar()
    n, late = (row["n"], row["late"]) if row is not None else (0, 0)
    return {"pending": int(n or 0), "overdue": int(late or 0), "unread": int(unread or 0)}


def doc_route(conn: Connection, doc_type: str, doc_id: str) -> list[dict[str, Any]]:
    """Who has it now and who had it: the document's tasks, in order (\"why is this in my inbox\")."""
    rows = conn.execute(text("SELECT step_code, role, user_id, on_behalf_of, status, created_at, due_at, done_at, "
                             "done_by, outcome, opinion FROM sys_task WHERE doc_type = :t AND doc_id = :d "
                             "ORDER BY created_at, task_id"), {"t": doc_type, "d": doc_id}).mappings().all()
    return [dict(r) for r in rows]


def users_with_grants(conn: Connection, day: date, users: Iterable[str] | None = None) -> list[dict[str, Any]]:
    rows = conn.execute(text(
        "SELECT u.user_id, u.user_name, u.user_kind, g.grant_id, g.role, g.scope_kind, g.scope_code, g.valid_from, "
        "g.valid_to FROM sys_user u LEFT JOIN sys_grant g ON g.user_id = u.user_id AND g.revoked_at IS NULL "
        "AND g.valid_from <= :d AND (g.valid_to IS NULL OR g.valid_to >= :d) ORDER BY u.user_id, g.role, g.scope_code"),
        {"d": day}).mappings().all()
    wanted = set(users) if users is not None else None
    return [dict(r) for r in rows if wanted is None or r["user_id"] in wanted]


def _now_naive() -> Any:
    from datetime import datetime

    from ..domain.tz import TZ
    return datetime.now(TZ).replace(tzinfo=None)
