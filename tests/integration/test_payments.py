"""Payments from application to clearing, with every control and every way back, on both backends."""

from dataclasses import replace
from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import (
    ControlViolation,
    IdempotencyConflict,
    PermissionDenied,
    StateError,
    ValidationError,
)

from ..support import ADMIN, BANK, BUDGET, DIV, TREASURY, YEAR, World, clerk, leader


def test_application_to_clearing_moves_money_through_the_ledger(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 30_000_00)
    assert app.pay_app_no.startswith(f"ZF{YEAR}")
    b = world.balance(bgt)
    assert (b["inflight_amt"], b["paid_amt"], b["canuse_amt"]) == (30_000_00, 0, 70_000_00)
    cert = world.paid(app.pay_app_id)
    b = world.balance(bgt)
    assert (b["inflight_amt"], b["paid_amt"], b["canuse_amt"], b["cur_amt"]) == (0, 30_000_00, 70_000_00, 70_000_00)
    p = world.status(app.pay_app_id)
    assert (p["status"], p["xpay_amt"]) == ("cleared", 30_000_00)
    tr = world.core.trace_payment(app.pay_app_id)
    assert tr is not None
    bill = tr["vouchers"][0]
    assert (bill["pay_cert_no"], bill["lqd_cert_no"], bill["act_lqd_date"]) == (cert, f"LQ{cert}", date(YEAR, 3, 12))
    assert [e["action"] for e in tr["payment"]["events"]] == [
        "payment.submit", "payment.approve", "payment.voucher", "payment.paid", "payment.cleared"]
    assert tr["projects"][0]["pro_code"] == p["pro_code"] and tr["budget_lines"]
    world.assert_consistent()


def test_amount_above_available_is_refused_with_the_figures(world: World) -> None:
    _, bgt = world.funded(100_00)
    with pytest.raises(ControlViolation) as e:
        world.pay(bgt, 100_01)
    assert str(e.value) == f"可用额度不足 (bgt_id={bgt}, available=100.00, requested=100.01)"
    world.pay(bgt, 100_00)
    assert world.core.counts()["pay_voucher"] == 1


def test_controls_block_on_submit_and_write_nothing(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    _, other = world.funded(100_000_00, agency="101002")
    cases = [
        (dict(bgt_id=other), "indicator_agency"),
        (dict(pro_code="320509000202630009999"), "indicator_project"),
        (dict(exp_func_code="2050203"), "element_mismatch"),
        (dict(dep_bgt_eco_code="30217"), "sangong_without_budget"),
        (dict(dep_bgt_eco_code="39999", gov_bgt_eco_code="59999"), "forbidden_eco_code"),
        (dict(use_des="支付"), "use_des_meaningless"),
        (dict(pay_app_amt=0), "amount_zero"),
        (dict(pay_app_amt=-100), "amount_negative"),
        (dict(create_date=date(YEAR + 1, 1, 2)), "indicator_year"),
        (dict(set_mode_code="X"), "unknown_code"),
    ]
    for change, rule in cases:
        with pytest.raises((ControlViolation, ValidationError)) as e:
            world.h(replace(world.pay_cmd(bgt, 1_000_00), **change))
        assert e.value.rule == rule, change
    with pytest.raises(PermissionDenied):
        world.pay(bgt, 1_00, actor=clerk("101002"))
    assert world.core.counts()["pay_voucher"] == 0
    assert world.balance(bgt)["canuse_amt"] == 100_000_00
    world.assert_consistent()


def test_return_releases_and_resubmit_occupies_again(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 60_000_00)
    with pytest.raises(ValidationError):
        world.h(c.ReviewPayment(app.pay_app_id, "return", "", actor=leader()))
    world.h(c.ReviewPayment(app.pay_app_id, "return", "附件不全", actor=leader()))
    assert world.balance(bgt)["canuse_amt"] == 100_000_00
    world.pay(bgt, 50_000_00)
    with pytest.raises(ControlViolation):       # the balance went to someone else meanwhile
        world.h(c.ResubmitPayment(app.pay_app_id, actor=clerk()))
    world.h(c.VoidPayment(app.pay_app_id, "作废重报", actor=clerk()))
    with pytest.raises(StateError):
        world.h(c.ResubmitPayment(app.pay_app_id, actor=clerk()))
    assert world.balance(bgt)["inflight_amt"] == 50_000_00
    world.assert_consistent()


def test_large_application_needs_treasury_review(world: World) -> None:
    world.h(c.SetDivConfig(DIV, "fin_review_threshold", "10000000", actor=ADMIN))   # 10万元
    _, bgt = world.funded(500_000_00)
    small, big = world.pay(bgt, 99_999_99), world.pay(bgt, 100_000_00)
    assert world.h(c.ReviewPayment(small.pay_app_id, "approve", actor=leader())) == "approved"
    assert world.h(c.ReviewPayment(big.pay_app_id, "approve", actor=leader())) == "fin_review"
    res = world.h(c.IssueVouchers((small.pay_app_id, big.pay_app_id), date(YEAR, 3, 11), actor=TREASURY))
    assert res.accepted == [small.pay_app_id] and res.rejected[0].rule == "payment_state"
    assert world.h(c.ReviewPayment(big.pay_app_id, "approve", "同意", actor=TREASURY)) == "approved"


def test_plan_control_when_switched_on(world: World) -> None:
    world.h(c.SetDivConfig(DIV, "plan_control_fund_types", "11", actor=ADMIN))
    _, bgt = world.funded(100_000_00)
    with pytest.raises(ControlViolation) as e:
        world.pay(bgt, 1_00)
    assert e.value.rule == "plan_missing"
    plan = world.h(c.SubmitPlan(bgt, 3, 40_000_00, "三月用款", actor=clerk()))
    with pytest.raises(ControlViolation):
        world.pay(bgt, 1_00)                      # not yet approved
    world.h(c.ApprovePlan(plan, 30_000_00, actor=TREASURY))
    b = world.balance(bgt)
    assert (b["plan_amt"], b["canuse_amt"]) == (30_000_00, 70_000_00)
    app = world.pay(bgt, 20_000_00)
    with pytest.raises(ControlViolation) as e:
        world.pay(bgt, 10_000_01)
    assert e.value.rule == "plan_insufficient"
    world.h(c.ReviewPayment(app.pay_app_id, "return", "退回", actor=leader()))
    world.pay(bgt, 30_000_00)                     # the return gave the plan balance back
    with pytest.raises(ControlViolation):
        world.h(c.ReducePlan(plan, 1, actor=TREASURY))
    plan4 = world.h(c.SubmitPlan(bgt, 4, 80_000_00, actor=clerk()))
    with pytest.raises(ControlViolation):         # 指标控制计划: more than the indicator has left
        world.h(c.ApprovePlan(plan4, actor=TREASURY))
    world.assert_consistent()


def test_document_numbers_stay_gapless_when_a_batch_item_is_rejected(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    apps = [world.pay(bgt, 1_000_00) for _ in range(4)]
    for a in apps[:3]:
        world.approve(a.pay_app_id)
    res = world.h(c.IssueVouchers(tuple(a.pay_app_id for a in apps), date(YEAR, 3, 11), actor=TREASURY))
    assert len(res.accepted) == 3 and res.rejected[0].item == apps[3].pay_app_id
    certs = sorted(world.cert_no(a.pay_app_id) for a in apps[:3])
    assert [int(x[-8:]) for x in certs] == [1, 2, 3]
    assert [int(world.status(a.pay_app_id)["pay_app_no"][-8:]) for a in apps] == [1, 2, 3, 4]
    world.approve(apps[3].pay_app_id)
    world.h(c.IssueVouchers((apps[3].pay_app_id,), date(YEAR, 3, 12), actor=TREASURY))
    assert world.cert_no(apps[3].pay_app_id).endswith("00000004")


def test_bank_receipt_file_accepts_matching_lines_and_rejects_the_rest(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    apps = [world.pay(bgt, amt) for amt in (10_000_00, 20_000_00, 30_000_00)]
    for a in apps:
        world.approve(a.pay_app_id)
    assert world.h(c.IssueVouchers(tuple(a.pay_app_id for a in apps), date(YEAR, 3, 11), actor=TREASURY)).ok
    certs = [world.cert_no(a.pay_app_id) for a in apps]
    res = world.h(c.ConfirmBankReceipts((
        c.BankReceipt(certs[0], 10_000_00, date(YEAR, 3, 11), "B1"),
        c.BankReceipt(certs[1], 19_999_00, date(YEAR, 3, 11), "B2"),           # wrong amount
        c.BankReceipt(certs[2], 30_000_00, date(YEAR, 3, 11), "B3", ok=False, reason="账户不存在"),
        c.BankReceipt("PZ-NOPE", 1_00, date(YEAR, 3, 11), "B4"),
    ), "receipt_20260311.csv", actor=BANK))
    assert res.accepted == [certs[0], certs[2]]
    assert [r.rule for r in res.rejected] == ["receipt_amount", "voucher_not_found"]
    b = world.balance(bgt)
    assert (b["paid_amt"], b["inflight_amt"]) == (10_000_00, 20_000_00)
    assert world.status(apps[2].pay_app_id)["status"] == "bank_returned"
    dup = world.h(c.ConfirmBankReceipts((c.BankReceipt(certs[0], 10_000_00, date(YEAR, 3, 11), "B1"),), actor=BANK))
    assert dup.rejected[0].rule == "receipt_duplicate"
    clr = world.h(c.ClearDay("HZ0311", "LQ0311", date(YEAR, 3, 11), (
        c.ClearingItem(certs[0], 10_000_00), c.ClearingItem(certs[1], 20_000_00)), actor=BANK))
    assert clr.accepted == [certs[0]] and clr.rejected[0].rule == "payment_state"
    with pytest.raises(StateError):
        world.h(c.ClearDay("HZ0311", "LQ0311", date(YEAR, 3, 11), (), actor=BANK))
    world.assert_consistent()


def test_refund_same_year_restores_prior_year_does_not(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 40_000_00)
    world.paid(app.pay_app_id)
    world.h(c.RefundPayment(app.pay_app_id, 5_000_00, date(YEAR, 5, 1), "多付退回", actor=TREASURY))
    assert world.balance(bgt)["canuse_amt"] == 65_000_00
    with pytest.raises(ControlViolation):
        world.h(c.RefundPayment(app.pay_app_id, 35_000_01, date(YEAR, 5, 2), "退回", actor=TREASURY))
    world.h(c.RefundPayment(app.pay_app_id, 1_000_00, date(YEAR + 1, 2, 1), "上年退回", actor=TREASURY))
    b = world.balance(bgt)
    assert (b["paid_amt"], b["canuse_amt"]) == (35_000_00, 65_000_00)
    assert world.status(app.pay_app_id)["refund_amt"] == 6_000_00
    world.assert_consistent()


def test_bank_return_after_payment_restores_the_indicator(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 40_000_00)
    cert = world.paid(app.pay_app_id)
    world.h(c.BankReturn(cert, date(YEAR, 3, 20), "收款账户已销户", actor=BANK))
    b = world.balance(bgt)
    assert (b["paid_amt"], b["canuse_amt"]) == (0, 100_000_00)
    with pytest.raises(StateError):
        world.h(c.BankReturn(cert, date(YEAR, 3, 21), "重复", actor=BANK))
    world.assert_consistent()


def test_correction_moves_the_executed_amount(world: World) -> None:
    _, a = world.funded(100_000_00)
    _, b = world.funded(50_000_00, eco="30202")
    _, small = world.funded(1_000_00, eco="30205")
    _, foreign = world.funded(100_000_00, agency="101002")
    app = world.pay(a, 30_000_00)
    world.paid(app.pay_app_id)
    for target, rule in ((small, "insufficient_balance"), (foreign, "indicator_agency")):
        with pytest.raises(ControlViolation) as e:
            world.h(c.CorrectPayment(app.pay_app_id, target, "吴财库〔2026〕3号", "科目更正", date(YEAR, 4, 1),
                                     actor=TREASURY))
        assert e.value.rule == rule
    world.h(c.CorrectPayment(app.pay_app_id, b, "吴财库〔2026〕3号", "科目更正", date(YEAR, 4, 1), actor=TREASURY))
    assert (world.balance(a)["paid_amt"], world.balance(b)["paid_amt"]) == (0, 30_000_00)
    p = world.status(app.pay_app_id)
    assert (p["bgt_id"], p["dep_bgt_eco_code"]) == (b, "30202")
    tr = world.core.trace_payment(app.pay_app_id)
    assert tr is not None and {i["bgt_id"] for i in tr["indicators"]} >= {a, b}
    world.h(c.RefundPayment(app.pay_app_id, 1_000_00, date(YEAR, 5, 1), "退回", actor=TREASURY))
    assert world.balance(b)["paid_amt"] == 29_000_00
    world.assert_consistent()


def test_idempotency_key_returns_the_first_result(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    first = world.pay(bgt, 10_000_00, idem_key="client-42")
    again = world.pay(bgt, 10_000_00, idem_key="client-42")
    assert (again.pay_app_id, again.replayed, first.replayed) == (first.pay_app_id, True, False)
    assert world.balance(bgt)["inflight_amt"] == 10_000_00
    with pytest.raises(IdempotencyConflict):
        world.pay(bgt, 10_000_01, idem_key="client-42")


def test_budget_role_cannot_pay_and_bank_cannot_review(world: World) -> None:
    _, bgt = world.funded(100_00)
    with pytest.raises(PermissionDenied):
        world.pay(bgt, 1_00, actor=BUDGET)
    app = world.pay(bgt, 1_00)
    with pytest.raises(PermissionDenied):
        world.h(c.ReviewPayment(app.pay_app_id, "approve", actor=BANK))
