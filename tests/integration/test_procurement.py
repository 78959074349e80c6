"""政府采购: plans reserve indicator balance, methods follow the thresholds, payments follow contracts."""

from dataclasses import replace
from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import ControlViolation, StateError, ValidationError

from ..support import ADMIN, BUSINESS, DIV, YEAR, World, clerk, leader

SUPPLIER = ("苏州恒信信息科技有限公司", "91320500MA1MXXXX1X")
DESKTOP = "A02010105"          # 台式计算机: on the 集中采购目录


def _uscc(world: World) -> str:
    from stdnum.cn import uscc
    body = "91320509MA1M9K3D0"
    return body + uscc.calc_check_digit(body)


def _gp(world: World, amount: int = 1_000_000_00) -> tuple[str, str]:
    pro = world.project(amount=max(amount, 1_000_000_00), is_gov_pur=True)
    return pro, world.indicator(pro, amount, eco="31002")


def _contract(world: World, plan: str, amt: int, no: str = "WJCG-2026-001") -> str:
    return world.h(c.RegisterContract(plan, no, SUPPLIER[0], _uscc(world), "3220010001", "工行吴江支行", amt,
                                      date(YEAR, 4, 1), actor=clerk()))


def _gp_code(world: World, kind: str) -> str:
    rows = world.core.codes.rows("gp_catalog")
    return next(r.code for r in rows if r.attrs["gp_kind"] == kind and not r.flag("is_centralized")
                and not world.core.codes.has_children("gp_catalog", r.code))


def test_plan_reserves_and_contract_payments_consume_the_reservation(world: World) -> None:
    _, bgt = _gp(world)
    plan = world.h(c.CreateProcurementPlan("101001", bgt, DESKTOP, "1", "1", 400_000_00, actor=clerk()))
    b = world.balance(bgt)
    assert (b["gp_amt"], b["canuse_amt"]) == (400_000_00, 600_000_00)
    no = _contract(world, plan, 380_000_00)
    first = world.pay(bgt, 200_000_00, contract_no=no, payee_acct_name=SUPPLIER[0], payee_acct_no="3220010001")
    b = world.balance(bgt)
    assert (b["gp_amt"], b["inflight_amt"], b["canuse_amt"]) == (200_000_00, 200_000_00, 600_000_00)
    world.paid(first.pay_app_id)
    second = world.pay(bgt, 180_000_00, contract_no=no, payee_acct_name=SUPPLIER[0], payee_acct_no="3220010001")
    world.h(c.ReviewPayment(second.pay_app_id, "return", "发票不全", actor=leader()))
    assert world.balance(bgt)["gp_amt"] == 200_000_00           # back to the reservation
    assert world.h(c.CloseProcurementPlan(plan, actor=clerk())) == 200_000_00
    b = world.balance(bgt)
    assert (b["gp_amt"], b["paid_amt"], b["canuse_amt"]) == (0, 200_000_00, 800_000_00)
    world.assert_consistent()


def test_contract_controls_on_payment(world: World) -> None:
    _, bgt = _gp(world)
    plan = world.h(c.CreateProcurementPlan("101001", bgt, DESKTOP, "1", "1", 400_000_00, actor=clerk()))
    no = _contract(world, plan, 100_000_00)
    good = world.pay_cmd(bgt, 60_000_00, contract_no=no, payee_acct_name=SUPPLIER[0], payee_acct_no="3220010001")
    cases = [
        (dict(contract_no=None), "contract_required"),
        (dict(contract_no="NOPE"), "contract_not_found"),
        (dict(payee_acct_name="苏州某某个人"), "payee_not_supplier"),
        (dict(payee_acct_no="999"), "payee_not_supplier"),
        (dict(pay_app_amt=100_000_01), "contract_exceeded"),
    ]
    for change, rule in cases:
        with pytest.raises(ControlViolation) as e:
            world.h(replace(good, **change))
        assert e.value.rule == rule, change
    world.h(good)
    with pytest.raises(ControlViolation) as e:                # 60,000 in flight + 40,000.01 > contract
        world.h(replace(good, pay_app_amt=40_000_01))
    assert e.value.rule == "contract_exceeded"
    assert world.core.counts()["pay_voucher"] == 1


def test_methods_follow_thresholds_and_the_central_catalogue(world: World) -> None:
    _, bgt = _gp(world, 5_000_000_00)
    with pytest.raises(ControlViolation) as e:                # 集中采购目录 item outside the 集中采购机构
        world.h(c.CreateProcurementPlan("101001", bgt, DESKTOP, "1", "3", 10_000_00, actor=clerk()))
    assert e.value.rule == "gp_centralized"
    goods = _gp_code(world, "货物")
    with pytest.raises(ControlViolation) as e:                # ≥ 200万 goods must go to public tender
        world.h(c.CreateProcurementPlan("101001", bgt, goods, "3", "3", 2_000_000_00, actor=clerk()))
    assert e.value.rule == "gp_public_tender_required"
    world.h(c.CreateProcurementPlan("101001", bgt, goods, "3", "3", 1_999_999_99, actor=clerk()))
    works = _gp_code(world, "工程")
    world.h(c.CreateProcurementPlan("101001", bgt, works, "3", "3", 1_000_000_00, actor=clerk()))
    world.h(c.SetDivConfig(DIV, "gp_threshold.PT_WORKS", "100000000", actor=ADMIN))   # the 区划 lowers it to 100万
    with pytest.raises(ControlViolation):
        world.h(c.CreateProcurementPlan("101001", bgt, works, "3", "3", 1_000_000_00, actor=clerk()))
    world.h(c.CreateProcurementPlan("101001", bgt, works, "1", "3", 1_000_000_00, actor=clerk()))
    with pytest.raises(ControlViolation) as e:                # the reservation needs available balance
        world.h(c.CreateProcurementPlan("101001", bgt, goods, "1", "3", 1_000_000_02, actor=clerk()))
    assert e.value.rule == "insufficient_balance"


def test_bad_procurement_input_is_rejected_whole(world: World) -> None:
    _, bgt = _gp(world)
    for cmd, rule in [
        (c.CreateProcurementPlan("101001", bgt, "X999", "1", "1", 1_00, actor=clerk()), "unknown_code"),
        (c.CreateProcurementPlan("101001", bgt, DESKTOP, "9", "1", 1_00, actor=clerk()), "unknown_code"),
        (c.CreateProcurementPlan("101001", bgt, DESKTOP, "1", "1", -1_00, actor=clerk()), "amount_negative"),
    ]:
        with pytest.raises(ValidationError) as e:
            world.h(cmd)
        assert e.value.rule == rule
    plan = world.h(c.CreateProcurementPlan("101001", bgt, DESKTOP, "1", "1", 100_000_00, actor=clerk()))
    with pytest.raises(ValidationError) as e:
        world.h(c.RegisterContract(plan, "C1", SUPPLIER[0], "91320500MA1MXXXX1X", "1", "工行", 1_00, date(YEAR, 4, 1),
                                   actor=clerk()))
    assert e.value.rule == "uscc_invalid"
    with pytest.raises(ControlViolation) as e:
        _contract(world, plan, 100_000_01)
    assert e.value.rule == "contract_over_plan"
    with pytest.raises(ValidationError) as e:
        world.h(c.RegisterContract(plan, "C2", SUPPLIER[0], _uscc(world), "1", "工行", 1_00, date(YEAR + 1, 1, 5),
                                   actor=clerk()))
    assert e.value.rule == "date_outside_year"
    _contract(world, plan, 50_000_00, "C3")
    with pytest.raises(StateError):
        _contract(world, plan, 1_00, "C3")
    assert world.core.counts()["pay_voucher"] == 0
    world.h(c.CloseProcurementPlan(plan, actor=BUSINESS))
    with pytest.raises(StateError):
        _contract(world, plan, 1_00, "C4")
