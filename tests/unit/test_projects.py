import pytest

from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.errors import ControlViolation, PermissionDenied, StateError, ValidationError
from fiscal_core.domain.projects import PerfIndicator, Project, ProjectStatus

CLERK = Actor("c", Role.UNIT_CLERK, agency_code="101001")
LEADER = Actor("l", Role.UNIT_LEADER, agency_code="101001")
DEPT = Actor("d", Role.DEPT, dept_code="101")
FIN = Actor("f", Role.FIN_BUSINESS)


def project(cat: str = "31", **kw) -> Project:  # type: ignore[no-untyped-def]
    p = Project("P1", "项目", "320509000", "101001", "101", cat, 2026, 2026, 2027, 300, year_plans={2026: 100, 2027: 200},
                kpi_target="目标", perf_indicators=[PerfIndicator("产出指标", "数量指标", "x", "1")])
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def test_full_review_chain_reaches_the_library() -> None:
    p = project()
    for action, who in [("submit", CLERK), ("approve", LEADER), ("approve", DEPT), ("approve", FIN)]:
        p.transition(action, who)
    assert p.pro_status == ProjectStatus.RESERVED and p.in_library


def test_each_step_needs_its_own_role() -> None:
    p = project()
    with pytest.raises(PermissionDenied):
        p.transition("submit", FIN)
    p.transition("submit", CLERK)
    with pytest.raises(PermissionDenied):
        p.transition("approve", CLERK)
    with pytest.raises(PermissionDenied):   # another agency's leader
        p.transition("approve", Actor("x", Role.UNIT_LEADER, agency_code="999"))


def test_return_needs_an_opinion_and_goes_back_to_the_unit() -> None:
    p = project()
    p.transition("submit", CLERK)
    with pytest.raises(ValidationError):
        p.transition("return", LEADER, "")
    p.transition("return", LEADER, "测算不清")
    assert p.pro_status == ProjectStatus.RETURNED
    p.transition("submit", CLERK)
    assert p.pro_status == ProjectStatus.UNIT_REVIEW


def test_specific_purpose_project_needs_performance_targets() -> None:
    p = project(kpi_target="", perf_indicators=[])
    with pytest.raises(ControlViolation) as e:
        p.transition("submit", CLERK)
    assert e.value.rule == "perf_target_missing"
    project(cat="22", kpi_target="", perf_indicators=[]).transition("submit", CLERK)  # 运转类 needs none


def test_year_plans_must_sum_to_the_total() -> None:
    p = project(year_plans={2026: 100, 2027: 199})
    with pytest.raises(ControlViolation) as e:
        p.transition("submit", CLERK)
    assert e.value.rule == "year_plan_sum"


def test_illegal_transitions_are_state_errors() -> None:
    p = project()
    with pytest.raises(StateError):
        p.transition("approve", LEADER)      # not submitted yet
    with pytest.raises(StateError):
        p.transition("complete", FIN)


def test_only_library_projects_take_budget_and_roll_within_their_term() -> None:
    p = project()
    with pytest.raises(ControlViolation):
        p.require_library("budget")
    p.pro_status = ProjectStatus.RESERVED
    p.require_library("budget")
    p.roll(2027)
    assert (p.roll_year, p.exist_statue_code) == (2027, "2")
    with pytest.raises(ControlViolation):
        p.roll(2028)
    p.pro_status = ProjectStatus.TERMINATED
    with pytest.raises(ControlViolation):
        p.require_library("payment")
