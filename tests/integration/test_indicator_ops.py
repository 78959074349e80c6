"""Indicator operations: 分配, 调剂, 调减, 冻结/解冻 — and the balance identity after each."""

from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import ControlViolation, ValidationError

from ..support import BUDGET, TREASURY, YEAR, World, clerk


def _pool(world: World, amount: int = 500_000_00) -> str:
    """A 待分 (non-executable) indicator held by the department, on a department project."""
    pro = world.project(agency="101", cat="32")
    return world.h(c.IssueIndicator(YEAR, pro, "101", "2050202", "31002", "11", amount, "5", "吴财教〔2026〕8号",
                                    date(YEAR, 3, 1), sup_bgt_doc_no="苏财教〔2026〕21号", bgt_exe_flag=False,
                                    actor=BUDGET))


def test_allocation_children_within_the_parent(world: World) -> None:
    pool = _pool(world)
    with pytest.raises(ControlViolation) as e:
        world.pay(pool, 1_00)                       # 待分 indicators cannot be spent
    assert e.value.rule == "indicator_not_executable"
    p1, p2 = world.project("101001"), world.project("101002")
    kids = world.h(c.AllocateIndicator(pool, (c.IndicatorPart("101001", p1, 200_000_00),
                                              c.IndicatorPart("101002", p2, 250_000_00)),
                                       "吴财教〔2026〕9号", date(YEAR, 3, 5), actor=BUDGET))
    parent = world.balance(pool)
    assert (parent["dis_amt"], parent["canuse_amt"]) == (450_000_00, 50_000_00)
    child = world.balance(kids[0])
    assert (child["ori_bgt_id"], child["amount"], child["bgt_exe_flag"]) == (pool, 200_000_00, True)
    # the department's 行政 mapping (50306) is re-derived for the 事业 school: 31002 → 50601
    assert (child["dep_bgt_eco_code"], child["gov_bgt_eco_code"]) == ("31002", "50601")
    with pytest.raises(ControlViolation) as e:
        world.h(c.AllocateIndicator(pool, (c.IndicatorPart("101001", p1, 50_000_01),), "吴财教〔2026〕10号",
                                    date(YEAR, 3, 6), actor=BUDGET))
    assert e.value.rule == "reduce_exceeds_available"
    world.pay(kids[0], 10_000_00)
    world.assert_consistent()


def test_adjustment_batch_sums_to_zero(world: World) -> None:
    _, a = world.funded(100_000_00)
    _, b = world.funded(50_000_00, eco="30202")
    with pytest.raises(ControlViolation) as e:
        world.h(c.AdjustIndicators(((a, -10_000_00), (b, 9_000_00)), "吴财预〔2026〕15号", date(YEAR, 4, 1),
                                   actor=BUDGET))
    assert e.value.rule == "adjust_not_balanced"
    p3 = world.project("101002")
    new = world.h(c.AdjustIndicators(((a, -30_000_00), (b, 10_000_00)), "吴财预〔2026〕15号", date(YEAR, 4, 1),
                                     new_targets=(c.IndicatorPart("101002", p3, 20_000_00),), reason="年中调剂",
                                     actor=BUDGET))
    assert world.balance(a)["canuse_amt"] == 70_000_00
    assert world.balance(b)["amount"] == 60_000_00
    n = world.balance(new[0])
    assert (n["amount"], n["source_type_code"], n["ori_bgt_id"]) == (20_000_00, "4", a)
    world.assert_consistent()


def test_adjustment_cannot_cross_fund_types_or_take_committed_money(world: World) -> None:
    _, a = world.funded(100_000_00)
    _, g = world.funded(100_000_00, fund="121", eco="30202")
    with pytest.raises(ControlViolation) as e:
        world.h(c.AdjustIndicators(((a, -1_00), (g, 1_00)), "x号", date(YEAR, 4, 1), actor=BUDGET))
    assert e.value.rule == "adjust_cross"
    _, b = world.funded(10_000_00, eco="30202")
    world.pay(a, 95_000_00)
    with pytest.raises(ControlViolation) as e:
        world.h(c.AdjustIndicators(((a, -5_000_01), (b, 5_000_01)), "x号", date(YEAR, 4, 1), actor=BUDGET))
    assert e.value.rule == "reduce_exceeds_available"


def test_reduce_only_uncommitted_and_needs_a_document(world: World) -> None:
    _, a = world.funded(100_000_00)
    world.pay(a, 60_000_00)
    with pytest.raises(ValidationError):
        world.h(c.ReduceIndicator(a, 1_00, " ", actor=BUDGET))
    with pytest.raises(ControlViolation):
        world.h(c.ReduceIndicator(a, 40_000_01, "吴财预〔2026〕40号", actor=BUDGET))
    world.h(c.ReduceIndicator(a, 40_000_00, "吴财预〔2026〕40号", reason="收回", actor=BUDGET))
    assert world.balance(a)["canuse_amt"] == 0
    world.assert_consistent()


def test_freeze_blocks_spending_until_unfrozen(world: World) -> None:
    _, a = world.funded(100_000_00)
    assert world.h(c.FreezeIndicator(a, actor=TREASURY)) == 100_000_00
    with pytest.raises(ControlViolation) as e:
        world.pay(a, 1_00)
    assert e.value.rule == "indicator_frozen"
    world.h(c.FreezeIndicator(a, 30_000_00, unfreeze=True, actor=TREASURY))
    world.pay(a, 30_000_00)
    with pytest.raises(ControlViolation):
        world.pay(a, 1_00)
    world.assert_consistent()


def test_unit_cannot_operate_indicators(world: World) -> None:
    _, a = world.funded(100_00)
    from fiscal_core.domain.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        world.h(c.FreezeIndicator(a, actor=clerk()))
