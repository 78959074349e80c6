"""The demo district's people: one user for every role, two units of different departments with a clerk and
a leader each, and pending items left in several inboxes, so that a new user can log in and work at once.

User ids are those the simulator acts under (``jb<unit>``, ``fz<unit>``, ``zg<dept>``, ``sim-ysk`` …), so the
journal of the simulated years names these people. One password for all of them: ``FISCAL_DEMO_PASSWORD``
when set, otherwise generated once and kept in ``$FISCAL_HOME/secrets/demo_password`` (mode 0600).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from demo_district import actors as sim
from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.errors import DomainError
from fiscal_core.domain.projects import PerfIndicator
from fiscal_core.service_layer.core import Core

from .settings import Settings

ADMIN = Actor("demo-setup", Role.ADMIN)
DIVISION = "YWK"
PERF = (PerfIndicator("产出指标", "数量指标", "完成数量", "≥10", 50),
        PerfIndicator("效益指标", "社会效益指标", "受益人数", "≥500", 30),
        PerfIndicator("满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10))


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    name: str
    role: str
    scope_kind: str
    scope_code: str
    kind: str = "person"


def password_file(settings: Settings) -> Path:
    return settings.home / "secrets" / "demo_password"


def demo_password(settings: Settings) -> tuple[str, bool]:
    """The demo password and whether it was generated now (``FISCAL_DEMO_PASSWORD`` wins; else the kept one)."""
    env = os.environ.get("FISCAL_DEMO_PASSWORD")
    f = password_file(settings)
    if env:
        return env, False
    if f.exists():
        return f.read_text(encoding="utf-8").strip(), False
    pw = secrets.token_urlsafe(12)
    f.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(pw + "\n")
    return pw, True


def _pick_units(core: Core) -> list[tuple[str, str, str, str]]:
    """Two units of two different departments that have money to spend: (unit, unit name, dept, dept name)."""
    with core.db.read() as conn:
        rows = conn.execute(text(
            "SELECT a.agency_code, a.agency_name, a.dept_code, d.agency_name AS dept_name, count(*) AS n "
            "FROM bas_agency_info a JOIN bas_agency_info d ON d.agency_code = a.dept_code "
            "JOIN ba_bgt_info b ON b.agency_code = a.agency_code AND b.bgt_exe_flag = '1' "
            # by the indicators' amounts, not what is left of them: the demo's own applications must not change
            # which units a second `fiscal demo` picks
            "WHERE a.parent_code IS NOT NULL AND b.amount > 100000 "
            "GROUP BY a.agency_code, a.agency_name, a.dept_code, d.agency_name "
            "ORDER BY count(*) DESC, a.agency_code")).all()
    picked: list[tuple[str, str, str, str]] = []
    for r in rows:
        if all(p[2] != r[2] for p in picked):
            picked.append((r[0], r[1], r[2], r[3]))
        if len(picked) == 2:
            break
    return picked


def demo_users(core: Core) -> list[DemoUser]:
    with core.db.read() as conn:
        div = conn.execute(text("SELECT mof_div_code, mof_div_name FROM bas_mof_div ORDER BY mof_div_code")).first()
    assert div is not None, "the demo district has no 区划"
    units = _pick_units(core)
    people = [
        DemoUser("admin", "系统管理员", "admin", "div", div[0]),
        DemoUser("juzhang", "局长 王建国", "bureau_leader", "div", div[0]),
        DemoUser(sim.BUDGET.user_id, "预算处 李华", "fin_budget", "div", div[0]),
        DemoUser(sim.BUSINESS.user_id, "业务处室 赵敏", "fin_business", "division", DIVISION),
        DemoUser(sim.TREASURY.user_id, "国库处 陈刚", "treasury", "div", div[0]),
        DemoUser(sim.BANK.user_id, "代理银行接口", "bank", "div", div[0], kind="machine"),
        DemoUser("analyst", "数据分析 孙琳", "analyst", "div", div[0]),
        DemoUser("hr", "人事 周洁", "hr", "div", div[0]),
    ]
    for i, (unit, uname, dept, dname) in enumerate(units):
        people += [DemoUser(sim.clerk(unit).user_id, f"{uname} 经办", "unit_clerk", "unit", unit),
                   DemoUser(sim.leader(unit).user_id, f"{uname} 负责人", "unit_leader", "unit", unit),
                   DemoUser(sim.dept_actor(dept).user_id, f"{dname} 审核", "dept_reviewer", "dept", dept)]
        if i == 0:
            people.append(DemoUser(f"bz{dept}", f"{dname} 负责人", "dept_leader", "dept", dept))
    return people


def create_demo_users(core: Core, password: str) -> list[DemoUser]:
    """Create (or keep) the demo users and their grants; the 业务处室 looks after every department."""
    people = demo_users(core)
    with core.db.read() as conn:
        existing = {r[0] for r in conn.execute(text("SELECT user_id FROM sys_user"))}
        depts = tuple(r[0] for r in conn.execute(text(
            "SELECT agency_code FROM bas_agency_info WHERE parent_code IS NULL ORDER BY agency_code")))
        div = conn.execute(text("SELECT min(mof_div_code) FROM bas_mof_div")).scalar()
    core.handle(c.SetDivision(DIVISION, "业务处室（归口全部部门）", str(div), depts, actor=ADMIN))
    for p in people:
        if p.user_id in existing:
            continue
        core.handle_batch([
            c.AddUser(p.user_id, p.name, None if p.kind == "machine" else password, p.kind, actor=ADMIN),
            c.GrantRole(p.user_id, p.role, p.scope_kind, p.scope_code, valid_from=date(2000, 1, 1), actor=ADMIN)])
    return people


def _indicators(core: Core, agency: str, n: int) -> list[dict[str, Any]]:
    with core.db.read() as conn:
        rows = conn.execute(text(
            "SELECT bgt_id FROM ba_bgt_info b WHERE agency_code = :a AND bgt_exe_flag = '1' AND is_gov_pur = :f "
            "AND fund_type_code LIKE '1%' AND b.amount - b.dis_amt - b.frozen_amt - b.plan_amt - b.inflight_amt - b.paid_amt "
            "- b.gp_amt > 100000 ORDER BY fiscal_year DESC, b.amount - b.paid_amt DESC LIMIT :n"),
            {"a": agency, "n": n, "f": False}).all()
    return [ind for r in rows if (ind := core.indicator(r[0])) is not None]


def seed_inbox(core: Core, people: list[DemoUser]) -> dict[str, int]:
    """Leave work in several inboxes: applications for each unit's leader, a large one for the treasury,
    projects for a unit leader and a department. Returns the pending count per user."""
    units = [p.scope_code for p in people if p.role == "unit_clerk"]
    for k, unit in enumerate(units):
        clerk, leader = sim.clerk(unit), sim.leader(unit)
        made = 0
        for ind in _indicators(core, unit, 8):
            if made >= 3:
                break
            canuse = int(ind["canuse_amt"])
            amount = min(canuse, 1_200_000_00) if made == 0 else min(canuse // 10, 8_000_00)
            day = min(core.clock().date(), date(int(ind["fiscal_year"]), 12, 31))
            try:
                res = core.handle(c.SubmitPayment(
                    unit, ind["bgt_id"], ind["pro_code"], ind["exp_func_code"], ind["gov_bgt_eco_code"],
                    ind["dep_bgt_eco_code"], ind["fund_type_code"], amount, "苏州演示供应商有限公司",
                    "6222021102004001234", "中国工商银行吴江支行", "办公设备采购（演示）", day, actor=clerk))
            except DomainError:
                continue
            if made == 0 and res.status == "submitted":    # the large one moves on to the treasury
                with contextlib.suppress(DomainError):
                    core.handle(c.ReviewPayment(res.pay_app_id, "approve", "同意", actor=leader))
            made += 1
        year = core.clock().date().year
        try:
            pro = core.handle(c.DeclareProject(
                f"演示项目{k + 1}：信息化设备更新", unit, "31", year, year, year, 500_000_00,
                kpi_target="完成设备更新", perf_indicators=PERF, actor=clerk))
            core.handle(c.ProjectAction(pro, "submit", "", actor=clerk))
            if k == 0:
                core.handle(c.ProjectAction(pro, "approve", "同意", actor=leader))
        except DomainError:
            pass
    with core.db.read() as conn:
        return {r[0]: int(r[1]) for r in conn.execute(text(
            "SELECT user_id, count(*) FROM sys_task WHERE status = 'open' GROUP BY user_id ORDER BY user_id"))}
