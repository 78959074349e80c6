"""Users, grants with scope, logins, and the inbox that follows the documents — on both backends."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from fiscal_core.adapters.identity_repo import scope_predicate
from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.errors import NotFound, PermissionDenied, StateError, ValidationError
from fiscal_core.service_layer import identity
from fiscal_core.service_layer.core import Core

from ..support import ADMIN, DIV, PW, TREASURY, YEAR, World, clerk, leader
from ..support import platform_users as users


def inbox(core: Core, user: str) -> list[dict[str, Any]]:
    with core.db.read() as conn:
        rows = conn.execute(text("SELECT * FROM sys_task WHERE user_id = :u AND status = 'open' ORDER BY task_id"),
                            {"u": user}).mappings().all()
    return [dict(r) for r in rows]


def task_of(core: Core, user: str, doc_id: str) -> dict[str, Any]:
    mine = [t for t in inbox(core, user) if t["doc_id"] == doc_id]
    assert len(mine) == 1, (user, doc_id, mine)
    return mine[0]


def test_a_payment_reaches_exactly_its_units_leader_and_leaves_every_inbox_when_taken(world: World) -> None:
    users(world)
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 10_000_00)
    assert [t["user_id"] for t in _open(world.core, app.pay_app_id)] == ["deputy", "fz101001"]
    assert inbox(world.core, "fz101002") == [] and inbox(world.core, "jb101001") == []
    tk = task_of(world.core, "fz101001", app.pay_app_id)
    assert (tk["step_code"], tk["role"], tk["doc_no"], tk["amount"]) == ("pay.unit_review", "unit_leader",
                                                                        app.pay_app_no, 10_000_00)
    out = world.h(c.ActOnTask(tk["task_id"], "approve", "同意", actor=Actor("fz101001", Role.UNIT_LEADER)))
    assert out["status"] == "approved"
    assert _open(world.core, app.pay_app_id) == []            # gone from both inboxes
    with world.core.db.read() as conn:
        done = conn.execute(text("SELECT user_id, status, done_by FROM sys_task WHERE doc_id = :d ORDER BY user_id"),
                            {"d": app.pay_app_id}).all()
    assert [tuple(r) for r in done] == [("deputy", "cancelled", "fz101001"), ("fz101001", "done", "fz101001")]
    world.assert_consistent()


def test_above_the_threshold_the_treasury_is_next_and_another_units_leader_cannot_take_it(world: World) -> None:
    users(world)
    _, bgt = world.funded(2_000_000_00)
    app = world.pay(bgt, 1_500_000_00)                       # above the default 100万 threshold
    tk = task_of(world.core, "fz101001", app.pay_app_id)
    with pytest.raises(NotFound):                           # another's task does not exist for you
        world.h(c.ActOnTask(tk["task_id"], "approve", "同意", actor=Actor("fz101002", Role.UNIT_LEADER)))
    world.h(c.ActOnTask(tk["task_id"], "approve", "同意", actor=Actor("fz101001", Role.UNIT_LEADER)))
    assert sorted(t["user_id"] for t in _open(world.core, app.pay_app_id)) == ["gkk", "gkk2"]
    first = task_of(world.core, "gkk2", app.pay_app_id)
    world.h(c.ActOnTask(first["task_id"], "approve", "同意", actor=Actor("gkk2", Role.TREASURY)))  # 或签
    assert _open(world.core, app.pay_app_id) == []
    assert world.status(app.pay_app_id)["status"] == "approved"


def test_a_return_needs_an_opinion_and_goes_back_to_the_clerk(world: World) -> None:
    users(world)
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 10_000_00)
    tk = task_of(world.core, "fz101001", app.pay_app_id)
    with pytest.raises(ValidationError) as e:
        world.h(c.ActOnTask(tk["task_id"], "return", "  ", actor=Actor("fz101001", Role.UNIT_LEADER)))
    assert e.value.rule == "opinion_required"
    world.h(c.ActOnTask(tk["task_id"], "return", "附件不全", actor=Actor("fz101001", Role.UNIT_LEADER)))
    back = task_of(world.core, "jb101001", app.pay_app_id)
    assert back["step_code"] == "pay.revise"
    world.h(c.ActOnTask(back["task_id"], "resubmit", actor=Actor("jb101001", Role.UNIT_CLERK)))
    assert {t["user_id"] for t in _open(world.core, app.pay_app_id)} == {"fz101001", "deputy"}


def test_no_self_approval_for_a_person_holding_both_unit_roles(world: World) -> None:
    users(world)
    world.h(c.GrantRole("jb101001", "unit_leader", "unit", "101001", valid_from=date(YEAR - 1, 1, 1), actor=ADMIN))
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 10_000_00)                        # submitted by jb101001
    assert "jb101001" not in {t["user_id"] for t in _open(world.core, app.pay_app_id)}


def test_delegation_puts_the_step_in_the_delegates_inbox_and_the_journal_says_for_whom(world: World) -> None:
    users(world)
    world.h(c.AddUser("wang", "王代理", PW, actor=ADMIN))
    today = world.core.clock().date()
    world.h(c.Delegate("fz101002", "wang", today - timedelta(days=1), today + timedelta(days=7), "出差",
                       actor=Actor("fz101002", Role.UNIT_LEADER)))
    _, bgt = world.funded(100_000_00, agency="101002")
    app = world.pay(bgt, 10_000_00, actor=clerk("101002"))
    tk = task_of(world.core, "wang", app.pay_app_id)
    assert tk["on_behalf_of"] == "fz101002"
    world.h(c.ActOnTask(tk["task_id"], "approve", "同意", actor=Actor("wang", Role.UNIT_LEADER)))
    events = world.core.trace_payment(app.pay_app_id)["payment"]["events"]
    approve = next(e for e in events if e["action"] == "payment.approve")
    assert approve["actor"] == "wang"
    assert json.loads(approve["after_json"])["on_behalf_of"] == "fz101002" if "after_json" in approve else \
        approve["after"]["on_behalf_of"] == "fz101002"


def test_countersign_needs_every_treasury_reviewer(world: World) -> None:
    users(world)
    world.h(c.SetRoute(DIV, "pay_voucher", "fin_review", "treasury", policy="all", due_hours=8, actor=ADMIN))
    _, bgt = world.funded(2_000_000_00)
    app = world.pay(bgt, 1_500_000_00)
    world.h(c.ActOnTask(task_of(world.core, "fz101001", app.pay_app_id)["task_id"], "approve", "同意",
                        actor=Actor("fz101001", Role.UNIT_LEADER)))
    out = world.h(c.ActOnTask(task_of(world.core, "gkk", app.pay_app_id)["task_id"], "approve", "同意",
                              actor=Actor("gkk", Role.TREASURY)))
    assert out["signed"] and out["waiting"] == 1
    assert world.status(app.pay_app_id)["status"] == "fin_review"
    world.h(c.ActOnTask(task_of(world.core, "gkk2", app.pay_app_id)["task_id"], "approve", "同意",
                        actor=Actor("gkk2", Role.TREASURY)))
    assert world.status(app.pay_app_id)["status"] == "approved"


def test_forward_only_to_someone_who_may_take_the_step(world: World) -> None:
    users(world)
    _, bgt = world.funded(2_000_000_00)
    app = world.pay(bgt, 1_500_000_00)
    world.h(c.ActOnTask(task_of(world.core, "fz101001", app.pay_app_id)["task_id"], "approve", "同意",
                        actor=Actor("fz101001", Role.UNIT_LEADER)))
    tk = task_of(world.core, "gkk", app.pay_app_id)
    with pytest.raises(PermissionDenied):
        world.h(c.ForwardTask(tk["task_id"], "ywk", actor=Actor("gkk", Role.TREASURY)))
    world.h(c.ForwardTask(tk["task_id"], "gkk2", "请你办理", actor=Actor("gkk", Role.TREASURY)))
    assert [t["doc_id"] for t in inbox(world.core, "gkk")] == []
    assert len([t for t in inbox(world.core, "gkk2") if t["doc_id"] == app.pay_app_id]) == 2


def test_project_reviews_follow_unit_department_and_division(world: World) -> None:
    users(world)
    pro = world.declare()
    world.h(c.ProjectAction(pro, "submit", actor=clerk()))
    for user, role in (("fz101001", Role.UNIT_LEADER), ("zg101", Role.DEPT), ("ywk", Role.FIN_BUSINESS)):
        tk = task_of(world.core, user, pro)
        world.h(c.ActOnTask(tk["task_id"], "approve", "同意", actor=Actor(user, role)))
    assert _open(world.core, pro) == []
    with world.core.db.read() as conn:
        assert conn.execute(text("SELECT pro_status FROM pm_project WHERE pro_code = :p"), {"p": pro}).scalar() == "reserved"


def test_scope_is_one_sql_predicate_with_default_deny(world: World) -> None:
    users(world)
    world.h(c.AddUser("nobody", "无授权", PW, actor=ADMIN))
    sql = text("SELECT agency_code FROM bas_agency_info a WHERE " + scope_predicate("a.agency_code")
               + " ORDER BY agency_code")
    day = date(YEAR, 3, 1)
    with world.core.db.read() as conn:
        seen = {u: [r[0] for r in conn.execute(sql, {"scope_user": u, "scope_day": day})]
                for u in ("jb101001", "zg101", "ywk", "gkk", "nobody")}
    assert seen == {"jb101001": ["101001"], "zg101": ["101", "101001", "101002"],
                    "ywk": ["101", "101001", "101002"], "gkk": ["101", "101001", "101002"], "nobody": []}
    world.h(c.SetDivision("JKW", "教科文处", DIV, (), actor=ADMIN))   # 归口 is configurable
    with world.core.db.read() as conn:
        assert list(conn.execute(sql, {"scope_user": "ywk", "scope_day": day})) == []


def test_grants_are_checked_and_revoking_cancels_open_steps(world: World) -> None:
    users(world)
    with pytest.raises(ValidationError) as e:
        world.h(c.GrantRole("jb101001", "unit_clerk", "div", DIV, actor=ADMIN))
    assert e.value.rule == "scope_kind"
    with pytest.raises(ValidationError):
        world.h(c.GrantRole("jb101001", "unit_clerk", "unit", "999999", actor=ADMIN))
    with pytest.raises(PermissionDenied):
        world.h(c.GrantRole("jb101001", "admin", "div", DIV, actor=clerk()))
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 10_000_00)
    gid = next(g.grant_id for g in world.core.query(identity.grants_of, "deputy") if g.role == Role.UNIT_LEADER)
    world.h(c.RevokeRole(gid, actor=ADMIN))
    assert [t["user_id"] for t in _open(world.core, app.pay_app_id)] == ["fz101001"]


def test_login_checks_the_password_counts_failures_and_locks(world: World) -> None:
    users(world)
    acct = world.h(c.Authenticate("fz101001", PW))
    assert (acct.user_id, acct.roles, acct.scopes) == ("fz101001", ("unit_leader",), ("unit_leader:unit:101001",))
    with world.core.db.read() as conn:
        stored = conn.execute(text("SELECT password_hash FROM sys_user WHERE user_id = 'fz101001'")).scalar()
    assert stored.startswith("$argon2id$") and PW not in stored
    for _ in range(4):
        with pytest.raises(identity.LoginRefused) as e:
            world.h(c.Authenticate("fz101001", "wrong-password"))
        assert e.value.rule == "login.failed" and e.value.http_status == 401
    with pytest.raises(identity.AccountLocked):
        world.h(c.Authenticate("fz101001", "wrong-password"))
    with pytest.raises(identity.AccountLocked):        # locked even with the right password
        world.h(c.Authenticate("fz101001", PW))
    with pytest.raises(identity.LoginRefused):
        world.h(c.Authenticate("ghost", PW))
    with world.core.db.read() as conn:
        actions = [r[0] for r in conn.execute(text(
            "SELECT action FROM journal WHERE object_type = 'sys_user' AND object_id = 'fz101001' ORDER BY seq"))]
    assert actions == ["user.add", "user.login"] + ["user.login_failed"] * 4 + ["user.login_locked"]
    assert PW not in json.dumps(actions)
    world.assert_consistent()


@pytest.fixture
def password_profile(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Choose the hashing profile for one test (the session runs on the cheap one, tests/conftest.py)."""
    def choose(name: str | None) -> Any:
        if name is None:
            monkeypatch.delenv("FISCAL_PASSWORD_PROFILE", raising=False)
        else:
            monkeypatch.setenv("FISCAL_PASSWORD_PROFILE", name)
        identity.hasher.cache_clear()
        identity._dummy.cache_clear()       # the unknown-user hash costs what the profile costs
        return identity.hasher
    yield choose
    monkeypatch.undo()
    identity.hasher.cache_clear()
    identity._dummy.cache_clear()


def test_the_default_password_profile_is_rfc_9106_and_a_cheap_hash_is_rehashed_at_login(
        world: World, password_profile: Any) -> None:
    from argon2 import profiles

    users(world)                                      # hashed with the suite's cheap profile
    with world.core.db.read() as conn:
        cheap = conn.execute(text("SELECT password_hash FROM sys_user WHERE user_id = 'fz101001'")).scalar()
    assert "m=8," in cheap
    hasher = password_profile(None)()                 # a deployment that sets nothing
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        profiles.RFC_9106_LOW_MEMORY.time_cost, profiles.RFC_9106_LOW_MEMORY.memory_cost, 4)
    world.h(c.Authenticate("fz101001", PW))           # the login verifies the old hash and stores a default one
    with world.core.db.read() as conn:
        strong = conn.execute(text("SELECT password_hash FROM sys_user WHERE user_id = 'fz101001'")).scalar()
    assert strong.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and PW not in strong
    world.h(c.Authenticate("fz101001", PW))           # and it still logs in
    with pytest.raises(ValidationError) as e:
        password_profile("md5")()
    assert e.value.fields["field"] == "FISCAL_PASSWORD_PROFILE" and "cheapest-for-tests" in e.value.en


def test_passwords_follow_the_rules(world: World) -> None:
    with pytest.raises(ValidationError) as e:
        world.h(c.AddUser("short", "短", "abc", actor=ADMIN))
    assert e.value.fields["field"] == "password"
    with pytest.raises(ValidationError):
        world.h(c.AddUser("Bad User", "坏", PW, actor=ADMIN))
    world.h(c.AddUser("ok.user", "好", PW, actor=ADMIN))
    with pytest.raises(StateError):
        world.h(c.AddUser("ok.user", "好", PW, actor=ADMIN))


def test_escalation_reminds_overdue_tasks(world: World) -> None:
    users(world)
    _, bgt = world.funded(100_000_00)
    world.pay(bgt, 10_000_00)
    later = world.core.clock() + timedelta(days=3)
    late = Core(world.core.db, clock=lambda: later)
    assert late.handle(c.EscalateTasks()) == 2
    assert late.handle(c.EscalateTasks()) == 0                # once
    with world.core.db.read() as conn:
        notes = conn.execute(text("SELECT count(*) FROM sys_notification WHERE title LIKE '超时催办%'")).scalar()
    assert notes == 2
    assert TREASURY.role == Role.TREASURY and leader().role == Role.UNIT_LEADER


def _open(core: Core, doc_id: str) -> list[dict[str, Any]]:
    with core.db.read() as conn:
        rows = conn.execute(text("SELECT * FROM sys_task WHERE doc_id = :d AND status = 'open' ORDER BY user_id"),
                            {"d": doc_id}).mappings().all()
    return [dict(r) for r in rows]
