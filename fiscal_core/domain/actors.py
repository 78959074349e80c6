"""Who acts: one role model for every document (the collaboration layer builds its inbox on it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import PermissionDenied


class Role(StrEnum):
    UNIT_CLERK = "unit_clerk"          # 单位经办
    UNIT_LEADER = "unit_leader"        # 单位负责人 / 单位审核
    DEPT = "dept_reviewer"             # 主管部门
    FIN_BUSINESS = "fin_business"      # 财政业务处室
    FIN_BUDGET = "fin_budget"          # 预算处
    TREASURY = "treasury"              # 国库处
    BANK = "bank"                      # 代理银行
    ADMIN = "admin"                    # 系统管理
    BUREAU_LEADER = "bureau_leader"    # 局领导 (reads the whole 区划; approves nothing here)
    DEPT_LEADER = "dept_leader"        # 部门负责人 (reads their department)
    HR = "hr"                          # 人事 (the personnel database and staff-cost pages)
    ANALYST = "analyst"                # 数据分析 (marts through governed SQL; no documents)
    SYSTEM = "system"                  # 系统自动（生成、批处理）


ROLE_NAMES = {
    Role.UNIT_CLERK: "单位经办", Role.UNIT_LEADER: "单位负责人", Role.DEPT: "主管部门",
    Role.FIN_BUSINESS: "财政业务处室", Role.FIN_BUDGET: "预算处", Role.TREASURY: "国库处",
    Role.BANK: "代理银行", Role.ADMIN: "系统管理员", Role.SYSTEM: "系统",
    Role.BUREAU_LEADER: "局领导", Role.DEPT_LEADER: "部门负责人", Role.HR: "人事管理", Role.ANALYST: "数据分析",
}

UNIT_ROLES = frozenset({Role.UNIT_CLERK, Role.UNIT_LEADER})
FINANCE_ROLES = frozenset({Role.FIN_BUSINESS, Role.FIN_BUDGET, Role.TREASURY})

# Who may read the leadership dashboards (领导驾驶舱), each person within their grants' scope (区划, 部门, 单位):
# every person's role; not the bank's machine client, not the system.
DASHBOARD_ROLES = frozenset(Role) - {Role.BANK, Role.SYSTEM}
# Who may read the dashboards' personnel pages (人员经费: headcount and payroll by department and 人员身份),
# within their scope: the roles that hold people's data (HR, admin), the leaders who answer for the payroll
# (局领导 for the district, 部门负责人 for their department) and 预算处, which budgets it. Not a unit's clerk or
# leader, whose unit's figures come down to a few people's pay.
PERSONNEL_DASHBOARD_ROLES = frozenset({Role.HR, Role.ADMIN, Role.BUREAU_LEADER, Role.DEPT_LEADER, Role.FIN_BUDGET})


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or system) behind a command. Unit roles act for one agency, 主管部门 for one dept.

    The platform builds actors from a login and the user's grants (``fiscal_core.domain.identity``), never
    from what a client sends; ``on_behalf_of`` names the person a delegate (代理审批) acts for."""

    user_id: str
    role: Role
    agency_code: str | None = None
    dept_code: str | None = None
    on_behalf_of: str | None = None

    @property
    def label(self) -> str:
        who = f"{self.user_id}({ROLE_NAMES[self.role]})"
        return f"{who}代{self.on_behalf_of}" if self.on_behalf_of else who


SYSTEM = Actor("system", Role.SYSTEM)


def authorize(actor: Actor, allowed: frozenset[Role] | set[Role], *, action: str,
              agency_code: str | None = None, dept_code: str | None = None) -> None:
    """Raise PermissionDenied unless the actor's role may take ``action`` on this agency's document."""
    if actor.role in (Role.SYSTEM, Role.ADMIN):
        return
    if actor.role not in allowed:
        raise PermissionDenied("role", "当前角色无权执行此操作", "role not allowed for this action",
                               action=action, role=actor.role.value,
                               allowed="/".join(sorted(r.value for r in allowed)))
    if actor.role in UNIT_ROLES and agency_code is not None and actor.agency_code != agency_code:
        raise PermissionDenied("agency_scope", "只能办理本单位的业务", "unit users act only for their own agency",
                               action=action, actor_agency=actor.agency_code, agency_code=agency_code)
    if actor.role == Role.DEPT and dept_code is not None and actor.dept_code != dept_code:
        raise PermissionDenied("dept_scope", "只能审核本部门的业务", "department users act only for their department",
                               action=action, actor_dept=actor.dept_code, dept_code=dept_code)
