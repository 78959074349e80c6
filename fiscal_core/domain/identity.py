"""People, their roles and the data each role may reach (用户、角色与数据范围). No I/O.

A user holds grants: one role over one scope, valid for a period. A scope is a node of the tree
区划 → 部门 → 单位, or a finance division's set of departments (归口管理):

- ``div``       a whole 区划 (预算处, 国库处, 局领导, the bank),
- ``division``  a 业务处室: the departments it looks after (configurable, ``sys_division_dept``),
- ``dept``      a 主管部门 and all its units,
- ``unit``      one 预算单位.

The core evaluates scope in SQL through one table, ``sys_scope`` (agency → every scope node above it, a
closure table): an agency is in a grant's scope when ``(grant.scope_kind, grant.scope_code)`` is one of its
rows. The same predicate filters lists, checks single records and picks the candidates of a task.
Default deny: a user without a valid grant reaches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .actors import Actor, Role
from .errors import ValidationError, require


class ScopeKind(StrEnum):
    DIV = "div"              # 区划
    DIVISION = "division"    # 业务处室 (归口管理的部门)
    DEPT = "dept"            # 主管部门
    UNIT = "unit"            # 预算单位


SCOPE_NAMES = {ScopeKind.DIV: "区划", ScopeKind.DIVISION: "业务处室", ScopeKind.DEPT: "部门", ScopeKind.UNIT: "单位"}

# which scope kinds make sense for a role (a unit clerk over a whole 区划 is a mistake, not a grant)
ROLE_SCOPES: dict[Role, frozenset[ScopeKind]] = {
    Role.UNIT_CLERK: frozenset({ScopeKind.UNIT}),
    Role.UNIT_LEADER: frozenset({ScopeKind.UNIT}),
    Role.DEPT: frozenset({ScopeKind.DEPT}),
    Role.DEPT_LEADER: frozenset({ScopeKind.DEPT}),
    Role.FIN_BUSINESS: frozenset({ScopeKind.DIVISION, ScopeKind.DIV}),
    Role.FIN_BUDGET: frozenset({ScopeKind.DIV}),
    Role.TREASURY: frozenset({ScopeKind.DIV}),
    Role.BANK: frozenset({ScopeKind.DIV}),
    Role.BUREAU_LEADER: frozenset({ScopeKind.DIV}),
    Role.HR: frozenset({ScopeKind.DIV, ScopeKind.DEPT, ScopeKind.UNIT}),
    Role.ANALYST: frozenset({ScopeKind.DIV}),
    Role.ADMIN: frozenset({ScopeKind.DIV}),
}

# roles that may read people's data (the personnel database, staff cost per person)
PERSONNEL_ROLES = frozenset({Role.HR, Role.ADMIN})

_USER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8
MAX_FAILED_LOGINS = 5          # then the account is locked for LOCK_MINUTES (failed logins limited)
LOCK_MINUTES = 15


def validate_user_id(user_id: str) -> str:
    require(user_id, "user_id")
    if not _USER_ID.match(user_id):
        raise ValidationError("user_id_format", "用户名须为2-64位小写字母、数字或 . _ -",
                              "user_id: 2-64 lower-case letters, digits, '.', '_' or '-'",
                              field="user_id", value=user_id)
    return user_id


def validate_password(password: str, user_id: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError("password_length", f"密码至少{MIN_PASSWORD}位", f"password: at least {MIN_PASSWORD} characters",
                              field="password")
    if password.lower() == user_id.lower():
        raise ValidationError("password_is_user_id", "密码不能与用户名相同", "password must differ from the user id",
                              field="password")
    return password


@dataclass(frozen=True, slots=True)
class Grant:
    grant_id: str
    user_id: str
    role: Role
    scope_kind: ScopeKind
    scope_code: str
    valid_from: date
    valid_to: date | None = None
    delegated_from: str | None = None      # set when the grant is lent by a delegation (代理)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def actor(self) -> Actor:
        """The core's actor for this grant: unit roles act for their unit, department roles for their
        department; finance roles carry no agency (their scope is checked by the scope predicate)."""
        agency = self.scope_code if self.scope_kind == ScopeKind.UNIT else None
        dept = self.scope_code if self.scope_kind == ScopeKind.DEPT else None
        return Actor(self.user_id, self.role, agency_code=agency, dept_code=dept, on_behalf_of=self.delegated_from)


def check_grant(role: Role, scope_kind: ScopeKind, valid_from: date, valid_to: date | None) -> None:
    allowed = ROLE_SCOPES.get(role)
    if not allowed:
        raise ValidationError("role_not_grantable", "该角色不能授予用户", "this role cannot be granted",
                              field="role", value=role.value)
    if scope_kind not in allowed:
        raise ValidationError("scope_kind", "该角色不能使用此范围", "scope kind not allowed for this role",
                              field="scope_kind", role=role.value, scope_kind=scope_kind.value,
                              allowed="/".join(sorted(k.value for k in allowed)))
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError("valid_period", "有效期止不能早于起", "valid_to is before valid_from", field="valid_to")


@dataclass(frozen=True, slots=True)
class Account:
    """What a successful login tells the identity provider (claims of the ID token)."""

    user_id: str
    name: str
    roles: tuple[str, ...]
    scopes: tuple[str, ...]          # "role:kind:code", one per valid grant
