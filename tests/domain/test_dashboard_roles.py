"""Who may read the leadership dashboards and their personnel pages (fiscal_core/domain/actors.py): the
dashboards take these sets, they do not re-type roles."""

from __future__ import annotations

from fiscal_core.domain.actors import DASHBOARD_ROLES, PERSONNEL_DASHBOARD_ROLES, Role
from fiscal_core.domain.identity import PERSONNEL_ROLES


def test_people_read_the_dashboards_machines_do_not() -> None:
    assert Role.BANK not in DASHBOARD_ROLES and Role.SYSTEM not in DASHBOARD_ROLES
    for role in (Role.BUREAU_LEADER, Role.DEPT_LEADER, Role.DEPT, Role.UNIT_CLERK, Role.UNIT_LEADER,
                 Role.FIN_BUDGET, Role.TREASURY, Role.FIN_BUSINESS, Role.ANALYST, Role.HR):
        assert role in DASHBOARD_ROLES, role


def test_personnel_pages_are_for_the_roles_answering_for_payroll() -> None:
    assert PERSONNEL_DASHBOARD_ROLES <= DASHBOARD_ROLES
    assert PERSONNEL_ROLES <= PERSONNEL_DASHBOARD_ROLES  # whoever may read people's data may read the totals
    assert {Role.BUREAU_LEADER, Role.DEPT_LEADER} <= PERSONNEL_DASHBOARD_ROLES
    for role in (Role.UNIT_CLERK, Role.UNIT_LEADER, Role.DEPT, Role.TREASURY, Role.ANALYST, Role.BANK):
        assert role not in PERSONNEL_DASHBOARD_ROLES, role
