"""预算编制: 两上两下 with control numbers, 三公 lines, and basic expenditure generated from the
personnel database."""

from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import ControlViolation, StateError, ValidationError
from fiscal_core.service_layer.budget_prep import basic_budget_gap

from ..support import BUDGET, DIV, YEAR, World, clerk, dept

MONTHLY = 11_000_00            # 专技十级 / 薪级20 under the standards (2,250 pay + 1,750 allowances + 7,000 performance)


def _lines(world: World, cat: str) -> dict[str, dict]:
    def q(uow):  # type: ignore[no-untyped-def]
        p = uow.projects.generated_for("101001", cat, YEAR)
        return {ln["dep_bgt_eco_code"]: ln for ln in uow.budget.lines_for_project(p.pro_code, YEAR)}
    return world.core.query(q)  # type: ignore[no-any-return]


def test_basic_expenditure_is_generated_from_the_personnel_database(world: World) -> None:
    a, _b = world.hire(), world.hire()
    retiree = world.hire()
    world.h(c.RetirePerson(retiree, date(YEAR - 1, 12, 1), "2", actor=BUDGET))      # 离休
    world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 1, 1), actor=BUDGET))
    staff = _lines(world, "1")
    wages = 2 * MONTHLY * 12
    assert staff["301"]["apply_up"] == wages and staff["301"]["gov_bgt_eco_code"] == "50501"
    assert staff["301"]["exp_func_code"] == "2050202"
    expected = {"30108": (wages * 16 // 100, "2080505"), "30109": (wages * 8 // 100, "2080506"),
                "30110": (wages * 75 // 1000, "2101102"), "30112": (wages * 7 // 1000, "2050202"),
                "30113": (wages * 12 // 100, "2210201")}
    for eco, (amt, func) in expected.items():
        assert (staff[eco]["apply_up"], staff[eco]["exp_func_code"]) == (amt, func), eco
    assert staff["30301"]["apply_up"] == (MONTHLY - 7_000_00) * 12 and staff["30301"]["exp_func_code"] == "2080502"
    public = _lines(world, "21")
    assert public["30228"]["apply_up"] == wages * 2 // 100                 # 工会经费 2% of wages
    assert sum(ln["apply_up"] for e, ln in public.items() if e != "30228") == 2 * 12_000_00   # 2 heads × 12,000
    # recalculated when the database changes, while still unapproved
    world.h(c.RetirePerson(a, date(YEAR, 1, 1), "3", actor=BUDGET))
    world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 1, 1), actor=BUDGET))
    assert _lines(world, "1")["301"]["apply_up"] == MONTHLY * 12
    world.assert_consistent()


def test_generated_budget_is_approved_once_then_gaps_are_reported(world: World) -> None:
    world.hire()
    ids = world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 1, 1), actor=BUDGET))
    made = world.h(c.ApproveBudget(tuple(ids), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    assert len(made) == len(ids)
    world.hire(day=date(YEAR, 3, 1))
    with pytest.raises(StateError) as e:
        world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 3, 1), actor=BUDGET))
    assert e.value.rule == "basic_budget_approved"
    gap = world.core.query(basic_budget_gap, "101001", YEAR, date(YEAR, 3, 1))
    assert gap["301"] == MONTHLY * 12 and gap["30108"] == MONTHLY * 12 * 16 // 100


def test_generated_categories_cannot_be_declared_or_typed(world: World) -> None:
    with pytest.raises(ValidationError) as e:
        world.declare(cat="21")
    assert e.value.rule == "pro_cat_generated"
    world.hire()
    world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 1, 1), actor=BUDGET))
    pro = world.core.query(lambda uow: uow.projects.generated_for("101001", "1", YEAR).pro_code)
    with pytest.raises(ValidationError) as e:
        world.h(c.AddBudgetLine(YEAR, pro, "2050202", "30199", "11", 1_00, actor=clerk()))
    assert e.value.rule == "generated_project"


def test_two_up_two_down_keeps_departments_within_their_control_numbers(world: World) -> None:
    p1, p2 = world.project("101001"), world.project("101002")
    world.h(c.OpenBudgetRound(DIV, YEAR, actor=BUDGET))
    l1 = world.h(c.AddBudgetLine(YEAR, p1, "2050202", "30201", "11", 600_000_00, actor=clerk("101001")))
    l2 = world.h(c.AddBudgetLine(YEAR, p2, "2050203", "30201", "11", 600_000_00, actor=clerk("101002")))
    with world.core.db.read() as conn:
        assert {r[0] for r in conn.exec_driver_sql("SELECT apply_link FROM bgt_pm_annual")} == {"1"}
    with pytest.raises(ValidationError):
        world.h(c.IssueControlNumbers(DIV, YEAR, {"101001": 1_00}, actor=BUDGET))     # departments only
    world.h(c.IssueControlNumbers(DIV, YEAR, {"101": 1_000_000_00}, actor=BUDGET))
    with pytest.raises(ControlViolation) as e:                                     # Σ > 控制数 at 二上
        world.h(c.AddBudgetLine(YEAR, p1, "2050202", "30202", "11", 1_00, actor=clerk("101001")))
    assert e.value.rule == "control_exceeded"
    world.h(c.ReviseBudgetLine(l2, 350_000_00, actor=clerk("101002")))
    l3 = world.h(c.AddBudgetLine(YEAR, p1, "2050202", "30202", "11", 50_000_00, actor=clerk("101001")))
    with pytest.raises(StateError) as e:                                           # not submitted yet
        world.h(c.ApproveBudget((l1,), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    assert e.value.rule == "second_up_missing"
    assert world.h(c.SubmitSecondRound(DIV, YEAR, "101", actor=dept("101"))) == 1_000_000_00
    with pytest.raises(StateError):                                               # frozen after 二上
        world.h(c.ReviseBudgetLine(l1, 1_00, actor=clerk("101001")))
    with pytest.raises(ControlViolation) as e:
        world.h(c.ApproveBudget((l1, l2, l3), "吴财预〔2026〕1号", date(YEAR, 1, 20), reply_amts={l1: 600_000_01},
                                actor=BUDGET))
    assert e.value.rule == "control_exceeded"
    made = world.h(c.ApproveBudget((l1, l2, l3), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    assert set(made) == {l1, l2, l3}
    world.assert_consistent()


def test_sangong_lines_only_on_sangong_codes(world: World) -> None:
    ordinary = world.project()
    with pytest.raises(ControlViolation) as e:
        world.h(c.AddBudgetLine(YEAR, ordinary, "2050202", "30217", "11", 1_00, actor=clerk()))
    assert e.value.rule == "sangong_project_required"
    sangong = world.project(cat="22", is_sangong=True)
    with pytest.raises(ControlViolation) as e:
        world.h(c.AddBudgetLine(YEAR, sangong, "2050202", "30201", "11", 1_00, actor=clerk()))
    assert e.value.rule == "sangong_code_required"
    line = world.h(c.AddBudgetLine(YEAR, sangong, "2050202", "30217", "11", 20_000_00, actor=clerk()))
    assert line
