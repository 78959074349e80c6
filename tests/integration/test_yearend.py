"""年终结转结余: continuing projects carry over, finished ones return, in-flight money follows, the year
closes to new business."""

from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import ControlViolation, StateError, ValidationError

from ..support import BUDGET, DIV, YEAR, World, clerk


def _rows(world: World, table: str) -> list[dict]:
    with world.core.db.read() as conn:
        return [dict(r._mapping) for r in conn.exec_driver_sql(f"SELECT * FROM {table}")]


def test_continuing_project_carries_over_with_what_is_committed(world: World) -> None:
    pro = world.project(amount=300_000_00, start=YEAR, end=YEAR + 1,
                        year_plans={YEAR: 100_000_00, YEAR + 1: 200_000_00}, is_gov_pur=True)
    old = world.indicator(pro, 100_000_00, eco="31002")
    plan = world.h(c.CreateProcurementPlan("101001", old, "A02010105", "1", "1", 50_000_00, actor=clerk()))
    from stdnum.cn import uscc
    body = "91320509MA1M9K3D0"
    no = world.h(c.RegisterContract(plan, "HT-1", "苏州恒信信息科技有限公司", body + uscc.calc_check_digit(body),
                                    "3220010001", "工行", 50_000_00, date(YEAR, 4, 1), actor=clerk()))
    paid = world.pay(old, 30_000_00, contract_no=no, payee_acct_name="苏州恒信信息科技有限公司",
                     payee_acct_no="3220010001")
    world.paid(paid.pay_app_id)
    flying = world.pay(old, 15_000_00, contract_no=no, payee_acct_name="苏州恒信信息科技有限公司",
                       payee_acct_no="3220010001")
    world.h(c.FreezeIndicator(old, 10_000_00, actor=BUDGET))
    totals = world.h(c.CloseYear(DIV, YEAR, date(YEAR + 1, 1, 5), actor=BUDGET))
    assert totals["carried"] == 70_000_00 and totals["returned"] == 0 and totals["applications_moved"] == 1
    o = world.balance(old)
    assert (o["cur_amt"], o["inflight_amt"], o["frozen_amt"], o["gp_amt"]) == (0, 0, 0, 0)
    [carry] = _rows(world, "ba_bgt_carryovers")
    new = world.balance(carry["carryovers_bgt_id"])
    assert (new["fiscal_year"], new["source_type_code"], new["ori_bgt_id"]) == (YEAR + 1, "2", old)
    assert (new["amount"], new["frozen_amt"], new["gp_amt"], new["inflight_amt"], new["canuse_amt"]) == (
        70_000_00, 10_000_00, 5_000_00, 15_000_00, 40_000_00)
    assert world.status(flying.pay_app_id)["bgt_id"] == new["bgt_id"]
    world.paid(flying.pay_app_id, day=date(YEAR + 1, 1, 8))         # in-flight money is paid next year
    assert world.balance(new["bgt_id"])["paid_amt"] == 15_000_00
    with pytest.raises(ControlViolation) as e:                       # year N takes no new applications
        world.pay(old, 1_00, contract_no=no, payee_acct_name="苏州恒信信息科技有限公司", payee_acct_no="3220010001")
    assert e.value.rule == "year_closed"
    with pytest.raises(ControlViolation):
        world.h(c.AddBudgetLine(YEAR, pro, "2050202", "31002", "11", 1_00, actor=clerk()))
    world.assert_consistent()


def test_finished_terms_return_and_two_year_unused_money_returns(world: World) -> None:
    single = world.project()                                         # term ends this year
    a = world.indicator(single, 100_000_00)
    world.paid(world.pay(a, 40_000_00).pay_app_id)
    multi = world.project(amount=300_000_00, start=YEAR, end=YEAR + 2,
                          year_plans={YEAR: 100_000_00, YEAR + 1: 100_000_00, YEAR + 2: 100_000_00})
    b = world.indicator(multi, 100_000_00, eco="30202")
    t1 = world.h(c.CloseYear(DIV, YEAR, date(YEAR, 12, 31), actor=BUDGET))
    assert (t1["carried"], t1["returned"]) == (100_000_00, 60_000_00)
    [bal] = _rows(world, "ba_bgt_balance")
    assert (bal["balance_bgt_id"], bal["back_balance"], bal["reason"]) == (a, 60_000_00, "term_ended")
    [carry] = _rows(world, "ba_bgt_carryovers")
    carried = carry["carryovers_bgt_id"]
    assert carry["ori_bgt_id"] == b and carry["carryovers_amt"] == 100_000_00
    t2 = world.h(c.CloseYear(DIV, YEAR + 1, date(YEAR + 1, 12, 31), actor=BUDGET))   # unused again
    assert (t2["carried"], t2["returned"]) == (0, 100_000_00)
    reasons = {r["balance_bgt_id"]: r["reason"] for r in _rows(world, "ba_bgt_balance")}
    assert reasons[carried] == "two_years_unused"
    with world.core.db.read() as conn:
        pool = conn.exec_driver_sql("SELECT SUM(back_balance) FROM ba_bgt_balance").scalar()
    assert pool == 160_000_00                                        # 收回 to the stabilisation pool
    world.assert_consistent()


def test_closing_is_once_and_not_before_the_year_ends(world: World) -> None:
    with pytest.raises(ValidationError):
        world.h(c.CloseYear(DIV, YEAR, date(YEAR, 12, 30), actor=BUDGET))
    world.h(c.CloseYear(DIV, YEAR, date(YEAR, 12, 31), actor=BUDGET))
    with pytest.raises(StateError):
        world.h(c.CloseYear(DIV, YEAR, date(YEAR + 1, 1, 2), actor=BUDGET))
    pro = world.project()
    with pytest.raises(ControlViolation) as e:
        world.h(c.IssueIndicator(YEAR, pro, "101001", "2050202", "30201", "11", 1_00, "3", "x号", date(YEAR, 12, 31),
                                 actor=BUDGET))
    assert e.value.rule == "year_closed"

