"""Whose figures a person may see: their data scope, read from the core's grants, and the one SQL predicate every
loader applies to the warehouse with it.

The actor is never taken from the page (URL, sidebar): ``viewer(user_id)`` reads the person's valid grants
(own and delegated) from the core the way the API builds its caller (``IdentityRepo.grants`` on a read
connection), keeps those of roles that may read the dashboards (``fiscal_core.domain.actors.DASHBOARD_ROLES``;
the personnel pages: ``PERSONNEL_DASHBOARD_ROLES``), and lists the agencies their scope covers through the
core's one scope predicate (``adapters.identity_repo.scope_predicate``, the closure over 区划 → 部门 → 单位 that
also filters the API's lists). Default deny: no such grant, no agency, no figure.

A ``Scope`` is what the loaders receive: ``district`` (a 区划 grant: every agency, and the district's own
figures — revenue, treasury cash, forecasts, data quality — which belong to no agency), else the agencies
(sorted codes) and the departments wholly covered (for the department-level 公开 tables). In SQL it is the
``$district`` / ``$agencies`` parameters of ``params`` and the predicates of ``in_scope`` / ``district_only``:
the only place the dashboards say what a scope lets through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import text

from fiscal_core.adapters.db import Database
from fiscal_core.adapters.identity_repo import IdentityRepo, scope_predicate
from fiscal_core.domain.actors import DASHBOARD_ROLES, PERSONNEL_DASHBOARD_ROLES, ROLE_NAMES, Role
from fiscal_core.domain.identity import SCOPE_NAMES, Grant, ScopeKind
from fiscal_core.domain.tz import TZ

from .connection import settings


class CoreMissing(RuntimeError):
    """No core database to read the person's grants from (the platform is not set up here)."""


@dataclass(frozen=True)
class Scope:
    """The agencies whose figures a person may see (part of every scoped loader's cache key)."""

    district: bool = False
    agencies: tuple[str, ...] = ()
    depts: tuple[str, ...] = ()           # departments whose every agency is in scope

    @property
    def empty(self) -> bool:
        return not self.district and not self.agencies


NOTHING = Scope()


@dataclass(frozen=True)
class Viewer:
    """The person logged in, as the dashboards see them: their grants, their scope, and their scope for the
    personnel pages (empty when none of their roles may read them)."""

    user_id: str
    grants: tuple[Grant, ...]
    scope: Scope
    personnel: Scope

    @property
    def roles(self) -> str:
        """The person's grants as one line: 局领导·区划 610000 / …"""
        return " / ".join(f"{ROLE_NAMES.get(g.role, g.role.value)}·{SCOPE_NAMES[g.scope_kind]} {g.scope_code}"
                          for g in self.grants)


# ---------------------------------------------------------------------------------------------- SQL


def params(scope: Scope, **more: Any) -> dict[str, Any]:
    """The scope as query parameters: ``$district`` and ``$agencies`` (a list; empty for a district scope,
    whose predicate does not read it)."""
    return {"district": scope.district, "agencies": list(scope.agencies), **more}


def in_scope(agency_column: str) -> str:
    """SQL that is true when the agency in ``agency_column`` is in the scope (a null agency — a figure of the
    district itself — only for a district scope)."""
    return f"($district or list_contains($agencies::varchar[], {agency_column}))"


def dept_in_scope(dept_column: str) -> str:
    """SQL that is true when the department in ``dept_column`` is wholly in the scope (department-level
    figures: the 公开 tables)."""
    return f"($district or list_contains($depts::varchar[], {dept_column}))"


def district_only() -> str:
    """SQL that is true only for a district scope (figures of the district itself: revenue, treasury cash)."""
    return "$district"


# ---------------------------------------------------------------------------------------------- the core


@lru_cache(maxsize=4)
def _database(url: str, synchronous: str) -> Database:
    return Database(url, sqlite_synchronous=synchronous)


def core_db() -> Database:
    s = settings()
    if s.core_file is not None and not s.core_file.exists():  # never create an empty core by reading it
        raise CoreMissing(str(s.core_file))
    return _database(s.core_url, s.sqlite_synchronous)


def today() -> date:
    return datetime.now(TZ).date()


def _scope(conn: Any, user_id: str, day: date, grants: list[Grant], roles: frozenset[Role]) -> Scope:
    mine = [g for g in grants if g.role in roles]
    if not mine:
        return NOTHING
    if any(g.scope_kind == ScopeKind.DIV for g in mine):
        return Scope(district=True)
    found = conn.execute(text(
        "SELECT a.agency_code, a.dept_code, "
        f"CASE WHEN {scope_predicate('a.agency_code', roles)} THEN 1 ELSE 0 END AS covered "
        "FROM bas_agency_info a ORDER BY a.agency_code"), {"scope_user": user_id, "scope_day": day}).all()
    agencies = tuple(r[0] for r in found if r[2])
    by_dept: dict[str, list[int]] = {}
    for r in found:
        by_dept.setdefault(r[1] or r[0], []).append(r[2])
    depts = tuple(sorted(d for d, cov in by_dept.items() if all(cov)))
    return Scope(False, agencies, depts)


def viewer(user_id: str, day: date | None = None) -> Viewer:
    """The person's grants and scopes on ``day`` (today), read from the core on a read connection."""
    day = day or today()
    with core_db().read() as conn:
        grants = IdentityRepo(conn).grants(user_id, day)
        scope = _scope(conn, user_id, day, grants, DASHBOARD_ROLES)
        personnel = _scope(conn, user_id, day, grants, PERSONNEL_DASHBOARD_ROLES)
    return Viewer(user_id, tuple(grants), scope, personnel)
