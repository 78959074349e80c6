"""Who acts in the simulated district: the finance bureau's divisions, the treasury, the agent bank, and each
agency's clerk (经办), leader (负责人) and department (主管部门)."""

from __future__ import annotations

from fiscal_core.domain.actors import Actor, Role

ADMIN = Actor("sim-admin", Role.ADMIN)
BUDGET = Actor("sim-ysk", Role.FIN_BUDGET)          # 预算科
BUSINESS = Actor("sim-ywk", Role.FIN_BUSINESS)      # 业务科
TREASURY = Actor("sim-gkk", Role.TREASURY)          # 国库科
BANK = Actor("sim-bank", Role.BANK)                 # 代理银行


def clerk(agency: str) -> Actor:
    return Actor(f"jb{agency}", Role.UNIT_CLERK, agency_code=agency)


def leader(agency: str) -> Actor:
    return Actor(f"fz{agency}", Role.UNIT_LEADER, agency_code=agency)


def dept_actor(dept: str) -> Actor:
    return Actor(f"zg{dept}", Role.DEPT, dept_code=dept)
