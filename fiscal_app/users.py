"""``fiscal users list|add|grant|revoke|delegate``: people, their roles and scope, in the core (journalled).

The command acts as the platform's administrator on this host (``cli:<os user>``, role admin); a password
is read from standard input, never from the command line.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import ROLE_NAMES, Actor, Role
from fiscal_core.domain.identity import SCOPE_NAMES, ScopeKind
from fiscal_core.domain.tz import TZ

from .settings import Settings

Say = Callable[[str, str], str]
COLUMNS = ("user_id", "name", "kind", "role", "role_name", "scope", "scope_kind", "scope_code", "scope_name",
           "valid_from", "valid_to", "grant_id")


def cli_admin() -> Actor:
    try:
        who = getpass.getuser()
    except Exception:   # no login name in some containers
        who = "unknown"
    return Actor(f"cli:{who}"[:64], Role.ADMIN)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="users_command", required=True)
    s = sub.add_parser("list", help="用户及其角色、范围 / users with their roles and scope")
    s.add_argument("--format", choices=["table", "csv"], default="table")
    s = sub.add_parser("add", help="新增用户（密码从标准输入读取）/ add a user (password on stdin)")
    s.add_argument("user_id")
    s.add_argument("--name", required=True, help="姓名或名称 / display name")
    s.add_argument("--machine", action="store_true", help="机器客户端（无密码）/ a machine client")
    s = sub.add_parser("grant", help="授予角色与范围 / grant a role over a scope")
    s.add_argument("user_id")
    s.add_argument("role", choices=[r.value for r in Role if r != Role.SYSTEM])
    s.add_argument("scope", help="范围 kind:code，如 unit:101001、dept:101、division:JKW、div:320509000")
    s.add_argument("--from", dest="valid_from", default=None, help="YYYY-MM-DD（默认今天）")
    s.add_argument("--to", dest="valid_to", default=None, help="YYYY-MM-DD（默认长期）")
    s = sub.add_parser("revoke", help="撤销授权 / revoke a grant")
    s.add_argument("grant_id")
    s = sub.add_parser("delegate", help="代理审批 / delegate one's steps for a period")
    s.add_argument("from_user")
    s.add_argument("to_user")
    s.add_argument("--from", dest="valid_from", required=True)
    s.add_argument("--to", dest="valid_to", required=True)
    s.add_argument("--reason", required=True)


def _day(v: str | None) -> date | None:
    return date.fromisoformat(v) if v else None


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码 / password: ")
        if getpass.getpass("再次输入 / again: ") != first:
            raise SystemExit("两次输入的密码不一致（the passwords differ）")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def rows(core: Any, day: date) -> list[dict[str, Any]]:
    from fiscal_core.service_layer.scoped import users_with_grants  # sqlalchemy: not on every fiscal command

    names = _scope_names(core)
    out = []
    with core.db.read() as conn:
        for r in users_with_grants(conn, day):
            role = r["role"]
            out.append({
                "user_id": r["user_id"], "name": r["user_name"], "kind": r["user_kind"], "role": role or "",
                "role_name": ROLE_NAMES.get(Role(role), role) if role else "",
                "scope": f"{r['scope_kind']}:{r['scope_code']}" if role else "",
                "scope_kind": r["scope_kind"] or "", "scope_code": r["scope_code"] or "",
                "scope_name": names.get((r["scope_kind"], r["scope_code"]), "") if role else "",
                "valid_from": str(r["valid_from"] or "")[:10], "valid_to": str(r["valid_to"] or "")[:10],
                "grant_id": r["grant_id"] or ""})
    return out


def _scope_names(core: Any) -> dict[tuple[str, str], str]:
    from sqlalchemy import text
    with core.db.read() as conn:
        names = {("unit", a): n for a, n in conn.execute(text("SELECT agency_code, agency_name FROM bas_agency_info"))}
        names.update({("dept", k[1]): v for k, v in names.items()})
        names.update({("div", a): n for a, n in conn.execute(text("SELECT mof_div_code, mof_div_name FROM bas_mof_div"))})
        names.update({("division", a): n for a, n in conn.execute(
            text("SELECT division_code, division_name FROM sys_division"))})
    return names


def run(args: argparse.Namespace, t: Say) -> int:
    core = Settings.from_env().open_core()
    admin = cli_admin()
    try:
        cmd = args.users_command
        if cmd == "list":
            data = rows(core, datetime.now(TZ).date())
            if args.format == "csv":
                w = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
                w.writeheader()
                w.writerows(data)
            else:
                for r in data:
                    scope = f"{SCOPE_NAMES.get(ScopeKind(r['scope_kind']), '')} {r['scope_code']} {r['scope_name']}" \
                        if r["scope_kind"] else t("（无授权）", "(no grant)")
                    print(f"{r['user_id']:<16} {r['name']:<12} {r['role_name'] or '-':<8} {scope}")
            return 0
        if cmd == "add":
            pw = None if args.machine else _password()
            core.handle(c.AddUser(args.user_id, args.name, pw, "machine" if args.machine else "person", actor=admin))
            print(t(f"已新增用户 {args.user_id}", f"user {args.user_id} added"))
            return 0
        if cmd == "grant":
            kind, _, code = args.scope.partition(":")
            gid = core.handle(c.GrantRole(args.user_id, args.role, kind, code, _day(args.valid_from),
                                          _day(args.valid_to), actor=admin))
            print(gid)
            return 0
        if cmd == "revoke":
            core.handle(c.RevokeRole(args.grant_id, actor=admin))
            print(t(f"已撤销授权 {args.grant_id}", f"grant {args.grant_id} revoked"))
            return 0
        if cmd == "delegate":
            did = core.handle(c.Delegate(args.from_user, args.to_user, date.fromisoformat(args.valid_from),
                                         date.fromisoformat(args.valid_to), args.reason, actor=admin))
            print(did)
            return 0
        raise AssertionError(cmd)
    finally:
        core.close()
