"""Users, logins, grants, delegation and the divisions' departments: the handlers, journalled.

Passwords are hashed by argon2-cffi's ``PasswordHasher`` (argon2id with the library's default parameters, RFC
9106's low-memory profile: about 0.1 s a hash); the core never stores or journals a password.
``FISCAL_PASSWORD_PROFILE`` names another of the library's own profiles (``argon2.profiles``):
``rfc9106-high-memory`` for a bureau that wants more, ``cheapest-for-tests`` for the test suite only (what the test
session sets). A hash states its parameters, so every hash verifies whichever profile made it, and a login under
the default rehashes a cheap one. A refused login still counts: ``LoginRefused`` is a refusal the
unit of work commits (the failure count, the lock and the journal line) before it reaches the caller.
"""

from __future__ import annotations

import contextlib
import functools
import os
from datetime import date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from ..adapters.identity_repo import IdentityRepo
from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import NotFound, PermissionDenied, StateError, ValidationError, require
from ..domain.identity import (
    LOCK_MINUTES,
    MAX_FAILED_LOGINS,
    PERSONNEL_ROLES,
    Account,
    Grant,
    ScopeKind,
    check_grant,
    validate_password,
    validate_user_id,
)
from .unit_of_work import UnitOfWork

ADMINS = frozenset({Role.ADMIN})
PASSWORD_PROFILES = {"rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
                     "rfc9106-high-memory": profiles.RFC_9106_HIGH_MEMORY,
                     "cheapest-for-tests": profiles.CHEAPEST}


@functools.cache
def hasher() -> PasswordHasher:
    name = os.environ.get("FISCAL_PASSWORD_PROFILE") or "rfc9106-low-memory"
    if name not in PASSWORD_PROFILES:
        raise ValidationError("password_profile", f"口令哈希参数须为 {'、'.join(PASSWORD_PROFILES)} 之一",
                              f"FISCAL_PASSWORD_PROFILE must be one of {', '.join(PASSWORD_PROFILES)}",
                              field="FISCAL_PASSWORD_PROFILE", value=name)
    return PasswordHasher.from_parameters(PASSWORD_PROFILES[name])


@functools.cache
def _dummy() -> str:
    """A hash to verify against when the user does not exist, so a wrong user costs what a wrong password does
    (made on first use: importing the core costs no hash)."""
    return hasher().hash("not-a-user-password")


class LoginRefused(PermissionDenied):
    """A refused login; the unit of work commits its trace before raising it (``commit_refusal``)."""

    http_status = 401
    commit_refusal = True


class AccountLocked(LoginRefused):
    http_status = 423


def repo(uow: UnitOfWork) -> IdentityRepo:
    return uow.identity


def _user(uow: UnitOfWork, user_id: str, *, lock: bool = False) -> Any:
    row = repo(uow).user(user_id, lock=lock)
    if row is None:
        raise NotFound("user_not_found", "用户不存在", "user not found", user_id=user_id)
    return row


def add_user(uow: UnitOfWork, cmd: c.AddUser) -> str:
    authorize(cmd.actor, ADMINS, action="user.add")
    uid = validate_user_id(cmd.user_id)
    require(cmd.user_name, "user_name")
    if cmd.user_kind not in ("person", "machine"):
        raise ValidationError("user_kind", "用户类型须为 person 或 machine", "user_kind: person or machine",
                              field="user_kind", value=cmd.user_kind)
    if repo(uow).user(uid) is not None:
        raise StateError("user_exists", "用户已存在", "user already exists", user_id=uid)
    hashed = None
    if cmd.user_kind == "person":
        hashed = hasher().hash(validate_password(cmd.password or "", uid))
    repo(uow).add_user(uid, cmd.user_name.strip(), cmd.user_kind, hashed, uow.now_naive())
    uow.record(cmd.actor, "user.add", "sys_user", uid, after={"user_name": cmd.user_name.strip(),
                                                               "user_kind": cmd.user_kind})
    return uid


def set_password(uow: UnitOfWork, cmd: c.SetPassword) -> None:
    if cmd.actor.user_id != cmd.user_id:
        authorize(cmd.actor, ADMINS, action="user.password")
    _user(uow, cmd.user_id, lock=True)
    repo(uow).set_password(cmd.user_id, hasher().hash(validate_password(cmd.password, cmd.user_id)), uow.now_naive())
    uow.record(cmd.actor, "user.password", "sys_user", cmd.user_id)


def authenticate(uow: UnitOfWork, cmd: c.Authenticate) -> Account:
    now = uow.now_naive()
    row = repo(uow).user(cmd.user_id, lock=True)
    if row is None or not row["is_enabled"] or not row["password_hash"]:
        with contextlib.suppress(VerificationError):
            hasher().verify(_dummy(), cmd.password or "x")
        raise LoginRefused("login.failed", "用户名或密码错误", "wrong user name or password")
    locked = row["locked_until"]
    if locked is not None and _dt(locked) > now:
        raise AccountLocked("login.locked", "登录失败次数过多，账户已暂时锁定，请稍后再试",
                            "too many failed logins: the account is locked for a while", user_id=cmd.user_id)
    try:
        hasher().verify(row["password_hash"], cmd.password or "")
    except (VerificationError, InvalidHashError):
        failed = int(row["failed_logins"]) + 1
        until = now + timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_LOGINS else None
        repo(uow).login_failed(cmd.user_id, 0 if until else failed, until, now)
        uow.record(cmd.actor, "user.login_locked" if until else "user.login_failed", "sys_user", cmd.user_id,
                   after={"failed_logins": failed})
        if until:
            raise AccountLocked("login.locked", "登录失败次数过多，账户已暂时锁定，请稍后再试",
                                "too many failed logins: the account is locked for a while",
                                user_id=cmd.user_id) from None
        raise LoginRefused("login.failed", "用户名或密码错误", "wrong user name or password") from None
    if hasher().check_needs_rehash(row["password_hash"]):
        repo(uow).set_password(cmd.user_id, hasher().hash(cmd.password), now)
    repo(uow).login_ok(cmd.user_id, now)
    uow.record(cmd.actor, "user.login", "sys_user", cmd.user_id)
    return account(uow, cmd.user_id)


def external_login(uow: UnitOfWork, cmd: c.ExternalLogin) -> Account:
    row = repo(uow).user(cmd.user_id, lock=True)
    if row is None or not row["is_enabled"] or row["user_kind"] != "person":
        raise LoginRefused("login.unknown_user", f"账号 {cmd.user_id} 未在本平台开通或已停用，请联系管理员",
                           f"{cmd.user_id} has no active user on this platform: ask an administrator",
                           user_id=cmd.user_id, source=cmd.source)
    repo(uow).login_ok(cmd.user_id, uow.now_naive())
    uow.record(cmd.actor, "user.login", "sys_user", cmd.user_id,
               after={"source": cmd.source, "external_user": cmd.external_user or cmd.user_id})
    return account(uow, cmd.user_id)


def _dt(v: Any) -> datetime:
    return v if isinstance(v, datetime) else datetime.fromisoformat(str(v))


def account(uow: UnitOfWork, user_id: str) -> Account:
    row = _user(uow, user_id)
    grants = repo(uow).grants(user_id, uow.now().date())
    return Account(user_id, row["user_name"], tuple(dict.fromkeys(g.role.value for g in grants)),
                   tuple(f"{g.role.value}:{g.scope_kind.value}:{g.scope_code}" for g in grants))


def grants_of(uow: UnitOfWork, user_id: str, day: date | None = None) -> list[Grant]:
    """The user's valid grants (own and delegated): what the API builds actors from."""
    return repo(uow).grants(user_id, day or uow.now().date())


def grant_role(uow: UnitOfWork, cmd: c.GrantRole) -> str:
    authorize(cmd.actor, ADMINS, action="user.grant")
    _user(uow, cmd.user_id)
    try:
        role, kind = Role(cmd.role), ScopeKind(cmd.scope_kind)
    except ValueError as e:
        raise ValidationError("grant_value", "角色或范围类型无效", "unknown role or scope kind",
                              field="role/scope_kind", value=f"{cmd.role}/{cmd.scope_kind}") from e
    start = cmd.valid_from or uow.now().date()
    check_grant(role, kind, start, cmd.valid_to)
    if not repo(uow).scope_node_exists(kind, cmd.scope_code):
        raise ValidationError("scope_unknown", "授权范围不存在", "no such scope", field="scope_code",
                              scope_kind=kind.value, scope_code=cmd.scope_code)
    g = Grant(uow.new_id(), cmd.user_id, role, kind, cmd.scope_code, start, cmd.valid_to)
    repo(uow).add_grant(g, uow.now_naive())
    uow.record(cmd.actor, "user.grant", "sys_grant", g.grant_id, after={
        "user_id": g.user_id, "role": role.value, "scope_kind": kind.value, "scope_code": g.scope_code,
        "valid_from": start.isoformat(), "valid_to": cmd.valid_to.isoformat() if cmd.valid_to else None})
    return g.grant_id


def revoke_role(uow: UnitOfWork, cmd: c.RevokeRole) -> None:
    authorize(cmd.actor, ADMINS, action="user.revoke")
    g = repo(uow).grant(cmd.grant_id)
    if g is None:
        raise NotFound("grant_not_found", "授权不存在", "grant not found", grant_id=cmd.grant_id)
    if g["revoked_at"] is not None:
        raise StateError("grant_revoked", "授权已撤销", "grant already revoked", grant_id=cmd.grant_id)
    now = uow.now_naive()
    repo(uow).revoke(cmd.grant_id, now)
    cancelled = repo(uow).cancel_user_tasks(g["user_id"], g["role"], cmd.actor.user_id, now)
    uow.record(cmd.actor, "user.revoke", "sys_grant", cmd.grant_id,
               before={"user_id": g["user_id"], "role": g["role"]}, after={"tasks_cancelled": cancelled})


def delegate(uow: UnitOfWork, cmd: c.Delegate) -> str:
    if cmd.actor.user_id != cmd.from_user:
        authorize(cmd.actor, ADMINS, action="user.delegate")
    _user(uow, cmd.from_user)
    _user(uow, cmd.to_user)
    if cmd.from_user == cmd.to_user:
        raise ValidationError("delegate_self", "不能委托给自己", "cannot delegate to oneself", field="to_user")
    if cmd.valid_to < cmd.valid_from:
        raise ValidationError("valid_period", "有效期止不能早于起", "valid_to is before valid_from", field="valid_to")
    require(cmd.reason, "reason")
    did = uow.new_id()
    now = uow.now_naive()
    repo(uow).add_delegation(did, cmd.from_user, cmd.to_user, cmd.valid_from, cmd.valid_to, cmd.reason, now)
    uow.record(cmd.actor, "user.delegate", "sys_delegation", did, after={
        "from_user": cmd.from_user, "to_user": cmd.to_user, "valid_from": cmd.valid_from.isoformat(),
        "valid_to": cmd.valid_to.isoformat()}, opinion=cmd.reason)
    if cmd.valid_from <= uow.now().date() <= cmd.valid_to:   # the delegator's open steps reach the delegate now
        rows = []
        for tk in repo(uow).open_tasks_of(cmd.from_user):
            if tk["on_behalf_of"]:
                continue
            row = {k: tk[k] for k in ("doc_type", "doc_id", "doc_status", "step_code", "policy", "role",
                                      "mof_div_code", "agency_code", "doc_no", "amount", "due_at")}
            rows.append({**row, "task_id": uow.new_id(), "user_id": cmd.to_user, "on_behalf_of": cmd.from_user,
                         "status": "open", "created_at": now})
        repo(uow).add_tasks(rows)
    return did


def set_division(uow: UnitOfWork, cmd: c.SetDivision) -> None:
    authorize(cmd.actor, ADMINS, action="division.set")
    require(cmd.division_code, "division_code")
    require(cmd.division_name, "division_name")
    if not uow.agencies.div_exists(cmd.mof_div_code):
        raise ValidationError("mof_div_unknown", "财政区划不存在", "unknown mof_div_code", field="mof_div_code",
                              value=cmd.mof_div_code)
    for d in cmd.dept_codes:
        if not repo(uow).dept_exists(d):
            raise ValidationError("dept_unknown", "部门不存在", "unknown department", field="dept_codes", value=d)
    touched = repo(uow).set_division(cmd.division_code, cmd.division_name, cmd.mof_div_code, cmd.dept_codes,
                                     uow.now_naive())
    for a in touched:
        repo(uow).index_agency(a)
    uow.record(cmd.actor, "division.set", "sys_division", cmd.division_code, after={
        "division_name": cmd.division_name, "dept_codes": list(cmd.dept_codes)})


def index_new_agencies(uow: UnitOfWork) -> None:
    """Agencies registered in this transaction enter the scope closure (called before commit)."""
    for ev in uow.events:
        if ev["action"] == "agency.register":
            repo(uow).index_agency(ev["object_id"])


def log_personal_read(uow: UnitOfWork, cmd: c.LogPersonalRead) -> None:
    authorize(cmd.actor, PERSONNEL_ROLES, action="personnel.read")
    uow.record(cmd.actor, "personnel.read", "bas_person_info", cmd.target, after={"what": cmd.what, "rows": cmd.rows})
