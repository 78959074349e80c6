"""Project library and budget controls (docs/standard/controls.md §PRJ1-§PRJ6), on SQLite and PostgreSQL."""

from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import ControlViolation, PermissionDenied, StateError, ValidationError
from fiscal_core.service_layer.queries import object_events as events

from ..support import BUDGET, BUSINESS, YEAR, World, clerk


def test_life_cycle_from_declaration_to_execution(world: World) -> None:
    pro = world.declare()
    world.to_library(pro)
    line = world.h(c.AddBudgetLine(YEAR, pro, "2050202", "30201", "11", 500_000_00, actor=clerk()))
    ids = world.h(c.ApproveBudget((line,), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    bal = world.balance(ids[line])
    assert bal["source_type_code"] == "1" and bal["bgt_pman_id"] == line and bal["bgt_exe_flag"]
    assert (bal["amount"], bal["canuse_amt"], bal["gov_bgt_eco_code"]) == (500_000_00, 500_000_00, "50502")
    with world.core.db.read() as conn:
        actions = [e["action"] for e in events(conn, "pm_project", pro)]
    assert actions == ["project.declare", "project.submit", "project.approve", "project.approve", "project.approve",
                       "project.budgeted", "project.executing"]
    world.assert_consistent()


def test_no_budget_and_no_indicator_without_a_library_project(world: World) -> None:
    draft = world.declare()
    with pytest.raises(ControlViolation) as e:
        world.h(c.AddBudgetLine(YEAR, draft, "2050202", "30201", "11", 100_00, actor=clerk()))
    assert e.value.rule == "project_not_in_library"
    with pytest.raises(ControlViolation) as e:   # 追加 only for a project already in the library
        world.h(c.IssueIndicator(YEAR, draft, "101001", "2050202", "30201", "11", 100_00, "3", "吴财预〔2026〕9号",
                                 date(YEAR, 6, 1), actor=BUDGET))
    assert e.value.rule == "project_not_in_library"
    with pytest.raises(ValidationError) as e:
        world.h(c.IssueIndicator(YEAR, "NOPE", "101001", "2050202", "30201", "11", 100_00, "3", "",
                                 date(YEAR, 6, 1), actor=BUDGET))
    assert e.value.rule == "doc_no_required"


def test_mid_year_addition_needs_library_project_and_document(world: World) -> None:
    pro = world.project()
    bgt = world.h(c.IssueIndicator(YEAR, pro, "101001", "2050202", "30201", "11", 80_000_00, "3",
                                   "吴财预〔2026〕30号", date(YEAR, 6, 1), actor=BUDGET))
    assert world.balance(bgt)["source_type_code"] == "3"
    with pytest.raises(ValidationError):   # 上级转移支付 needs the upper document number
        world.h(c.IssueIndicator(YEAR, pro, "101001", "2050202", "30201", "11", 1_00, "5", "吴财预〔2026〕31号",
                                 date(YEAR, 6, 1), actor=BUDGET))
    with pytest.raises(ValidationError) as e:   # 年初预算 comes only from 批复
        world.h(c.IssueIndicator(YEAR, pro, "101001", "2050202", "30201", "11", 1_00, "1", "x", date(YEAR, 6, 1),
                                 actor=BUDGET))
    assert e.value.rule == "source_type_issue"
    with pytest.raises(PermissionDenied):
        world.h(c.IssueIndicator(YEAR, pro, "101001", "2050202", "30201", "11", 1_00, "3", "x", date(YEAR, 6, 1),
                                 actor=clerk()))


def test_annual_budget_within_the_project_year_plan_and_term(world: World) -> None:
    pro = world.project(amount=300_00, start=YEAR, end=YEAR + 1, year_plans={YEAR: 100_00, YEAR + 1: 200_00})
    world.h(c.AddBudgetLine(YEAR, pro, "2050202", "30201", "11", 60_00, actor=clerk()))
    with pytest.raises(ControlViolation) as e:
        world.h(c.AddBudgetLine(YEAR, pro, "2050202", "30202", "11", 41_00, actor=clerk()))
    assert e.value.rule == "budget_exceeds_year_plan"
    with pytest.raises(ControlViolation) as e:
        world.h(c.AddBudgetLine(YEAR + 2, pro, "2050202", "30201", "11", 1_00, actor=clerk()))
    assert e.value.rule == "budget_year_range"
    world.h(c.RollProject(pro, YEAR + 1, actor=BUSINESS))
    world.h(c.AddBudgetLine(YEAR + 1, pro, "2050202", "30201", "11", 200_00, actor=clerk()))


def test_elements_are_validated_against_the_code_sets(world: World) -> None:
    pro = world.project()
    cases = [
        (dict(exp_func_code="9999999"), "unknown_code"),
        (dict(exp_func_code="20502"), "not_leaf"),
        (dict(dep_bgt_eco_code="39999"), "forbidden_eco_code"),
        (dict(gov_bgt_eco_code="50201"), "eco_mapping"),   # 事业单位 must map 30201 → 50502
        (dict(fund_type_code="12"), "not_leaf"),
        (dict(apply_up=-5), "amount_negative"),
    ]
    for change, rule in cases:
        base = dict(fiscal_year=YEAR, pro_code=pro, exp_func_code="2050202", dep_bgt_eco_code="30201",
                    fund_type_code="11", apply_up=100_00, actor=clerk())
        with pytest.raises((ValidationError, ControlViolation)) as e:
            world.h(c.AddBudgetLine(**(base | change)))
        assert e.value.rule == rule, change
    assert world.core.counts()["bgt_pm_annual"] == 0      # nothing half-written


def test_only_the_own_unit_declares_and_flags_propagate(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.h(c.DeclareProject("x", "101001", "22", YEAR, YEAR, YEAR, 100, actor=clerk("101002")))
    pro = world.project(is_gov_pur=True, is_dir=True)
    bgt = world.indicator(pro, 100_00)
    bal = world.balance(bgt)
    assert bal["is_gov_pur"] and bal["is_dir"] and bal["is_track"]


def test_terminate_returns_the_balance_and_blocks_new_money(world: World) -> None:
    pro, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 10_000_00)
    with pytest.raises(ControlViolation) as e:
        world.h(c.ProjectAction(pro, "terminate", "停止实施", actor=BUSINESS))
    assert e.value.rule == "project_inflight"
    world.paid(app.pay_app_id)
    world.h(c.FreezeIndicator(bgt, 5_000_00, actor=BUDGET))
    assert world.h(c.ProjectAction(pro, "terminate", "停止实施", actor=BUSINESS)) == "terminated"
    bal = world.balance(bgt)
    assert (bal["canuse_amt"], bal["frozen_amt"], bal["paid_amt"], bal["dis_amt"]) == (0, 0, 10_000_00, 90_000_00)
    with pytest.raises(ControlViolation):
        world.pay(bgt, 1_00)
    with pytest.raises(ControlViolation):
        world.h(c.IssueIndicator(YEAR, pro, "101001", "2050202", "30201", "11", 1_00, "3", "x号", date(YEAR, 9, 1),
                                 actor=BUDGET))
    with pytest.raises(StateError):
        world.h(c.ProjectAction(pro, "complete", actor=BUSINESS))
    world.assert_consistent()
