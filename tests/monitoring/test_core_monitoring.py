"""Real-time rules inside the payment command and the disposal workflow, on real SQLite and PostgreSQL:
red refuses and writes nothing, orange holds the application until the unit explains it, yellow records;
every warning and every disposal step is journalled; roles and states are enforced."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.errors import ControlViolation, PermissionDenied, StateError, ValidationError
from fiscal_core.domain.tz import TZ
from fiscal_core.service_layer.core import Core
from tests.support import ADMIN, BUSINESS, DIV, TREASURY, World, clerk, dept, leader

PERSON = {"payee_acct_name": "王建国", "payee_acct_no": "6228480000001234", "fund_traobj_type_code": "3"}


def warnings(core: Core, **where: Any) -> list[dict[str, Any]]:
    cond = " AND ".join(f"{k} = :{k}" for k in where) or "1 = 1"
    with core.db.read() as conn:
        return [dict(r) for r in conn.execute(text(f"SELECT * FROM mon_warning WHERE {cond} ORDER BY detected_at"),
                                              where).mappings()]


def journal_actions(core: Core, object_id: str) -> list[str]:
    with core.db.read() as conn:
        return [r[0] for r in conn.execute(text("SELECT action FROM journal WHERE object_id = :o ORDER BY seq"),
                                           {"o": object_id})]


def test_a_red_rule_refuses_the_application_and_writes_nothing(world: World) -> None:
    _, bgt = world.funded(200_000_00, eco="30102")
    before = world.balance(bgt)["canuse_amt"]
    with pytest.raises(ControlViolation) as e:      # 津贴补贴 to the school's own account, not via the payroll
        world.pay(bgt, 30_000_00, payee_acct_name="吴江实验小学", payee_acct_no="10100163", use_des="发放津贴补贴")
    assert e.value.rule == "mon_R04"
    assert e.value.message.startswith("动态监控红色预警拦截：工资性支出未通过统发") and "blocked" in e.value.en
    assert world.balance(bgt)["canuse_amt"] == before
    assert warnings(world.core) == [] and world.core.counts()["pay_voucher"] == 0
    world.assert_consistent()


def test_the_core_controls_of_rules_13_and_17_refuse_too(world: World) -> None:
    pro = world.project(is_gov_pur=True)
    bgt = world.indicator(pro, 200_000_00, eco="31002")
    with pytest.raises(ControlViolation) as e:
        world.pay(bgt, 10_000_00)
    assert e.value.rule == "contract_required"          # R13: a procurement-flagged indicator needs a contract
    _, plain = world.funded()
    with pytest.raises(ControlViolation) as e:
        world.pay(plain, 10_000_00, dep_bgt_eco_code="39999")
    assert e.value.rule == "forbidden_eco_code"         # R17: 39999 其他支出
    assert warnings(world.core) == []


def test_orange_holds_the_application_until_the_unit_explains_with_an_attachment(world: World) -> None:
    _, bgt = world.funded(200_000_00)
    before = world.balance(bgt)
    res = world.pay(bgt, 80_000_00, use_des="支付项目咨询服务费", **PERSON)
    assert res.status == "returned"                       # filed, waiting; nothing occupied
    assert world.balance(bgt)["canuse_amt"] == before["canuse_amt"]
    [w] = warnings(world.core, pay_app_id=res.pay_app_id)
    assert (w["rule_code"], w["warning_level"], w["status"], bool(w["holds_payment"])) == \
        ("R03", "orange", "awaiting_feedback", True)
    assert w["amount"] == 80_000_00 and "80,000.00" in w["message"] and "(large transfer" in w["message"]
    with pytest.raises(ControlViolation) as e:
        world.h(c.ResubmitPayment(res.pay_app_id, actor=clerk()))
    assert e.value.rule == "mon_explanation_required"
    with pytest.raises(ValidationError) as v:             # 正常 on an orange warning needs its attachment
        world.h(c.FeedbackWarning(w["warning_id"], "normal", "专家咨询合同，已签订", actor=clerk()))
    assert v.value.rule == "attachment_required"
    assert world.h(c.FeedbackWarning(w["warning_id"], "normal", "专家咨询合同，已签订", "att/2026/0310-01.pdf",
                                     actor=clerk())) == "awaiting_review"
    assert world.h(c.ResubmitPayment(res.pay_app_id, actor=clerk())) == "submitted"
    assert world.balance(bgt)["canuse_amt"] == before["canuse_amt"] - 80_000_00
    world.paid(res.pay_app_id)
    assert journal_actions(world.core, res.pay_app_id)[:3] == ["payment.submit", "payment.monitor_hold",
                                                               "payment.resubmit"]
    assert journal_actions(world.core, w["warning_id"]) == ["warning.raise", "warning.feedback"]
    world.assert_consistent()


def test_an_admitted_violation_keeps_the_application_held(world: World) -> None:
    _, bgt = world.funded(200_000_00)
    res = world.pay(bgt, 30_000_00, set_mode_code="3", use_des="提取备用金用于零星支出")     # R06 cash, orange
    [w] = warnings(world.core, pay_app_id=res.pay_app_id)
    assert w["rule_code"] == "R06"
    world.h(c.FeedbackWarning(w["warning_id"], "violation", "确属违规提现，申请作废", actor=leader()))
    with pytest.raises(ControlViolation):
        world.h(c.ResubmitPayment(res.pay_app_id, actor=clerk()))
    assert world.h(c.VoidPayment(res.pay_app_id, "违规，作废", actor=clerk())) == "voided"


def test_yellow_is_recorded_and_the_payment_goes_on(world: World) -> None:
    _, bgt = world.funded(200_000_00)
    res = world.pay(bgt, 18_000_00, use_des="工会活动经费", **PERSON)                         # R05
    assert res.status == "submitted"
    [w] = warnings(world.core, pay_app_id=res.pay_app_id)
    assert (w["rule_code"], w["warning_level"], bool(w["holds_payment"])) == ("R05", "yellow", False)
    assert w["warning_key"] == f"R05:{res.pay_app_id}"
    world.paid(res.pay_app_id)
    clean = world.pay(bgt, 1_000_00)                        # an ordinary payment raises nothing
    assert warnings(world.core, pay_app_id=clean.pay_app_id) == []
    world.assert_consistent()


def test_the_disposal_workflow_with_its_roles_and_states(world: World) -> None:
    _, bgt = world.funded(200_000_00)
    res = world.pay(bgt, 3_000_00, use_des="公务车辆加油")                                     # R09, yellow
    [w] = warnings(world.core, pay_app_id=res.pay_app_id)
    wid = w["warning_id"]
    other_school = Actor("jb101002", Role.UNIT_CLERK, agency_code="101002")
    with pytest.raises(PermissionDenied):
        world.h(c.FeedbackWarning(wid, "normal", "加油卡充值", actor=other_school))
    with pytest.raises(PermissionDenied):
        world.h(c.FeedbackWarning(wid, "normal", "加油卡充值", actor=BUSINESS))
    with pytest.raises(StateError):
        world.h(c.ReviewWarning(wid, "approve", actor=BUSINESS))                 # not fed back yet
    world.h(c.FeedbackWarning(wid, "normal", "为学校校车加油，科目选择有误", actor=clerk()))
    with pytest.raises(PermissionDenied):
        world.h(c.ReviewWarning(wid, "approve", actor=clerk()))
    with pytest.raises(PermissionDenied):
        world.h(c.ReviewWarning(wid, "approve", actor=dept("102")))               # another department
    with pytest.raises(ValidationError):
        world.h(c.ReviewWarning(wid, "return", actor=BUSINESS))                  # a return needs an opinion
    assert world.h(c.ReviewWarning(wid, "return", "请说明校车是否属于公务用车", actor=dept("101"))) == \
        "awaiting_feedback"
    world.h(c.FeedbackWarning(wid, "violation", "校车燃油应列公务用车运行维护费", actor=leader()))
    assert world.h(c.ReviewWarning(wid, "approve", "同意", actor=BUSINESS)) == "awaiting_confirmation"
    with pytest.raises(PermissionDenied):
        world.h(c.ConfirmWarning(wid, "violation", "03", actor=BUSINESS))
    with pytest.raises(ValidationError) as v:
        world.h(c.ConfirmWarning(wid, "violation", "", opinion="挤占", actor=TREASURY))
    assert v.value.rule == "violation_type"
    with pytest.raises(ValidationError) as v:
        world.h(c.ConfirmWarning(wid, "violation", "03", return_amt=2_000_00, transfer_amt=1_000_01,
                                 opinion="调账", actor=TREASURY))
    assert v.value.rule == "rectify_amounts"
    assert world.h(c.ConfirmWarning(wid, "violation", "03", transfer_amt=3_000_00, opinion="调整至公务用车运行维护费",
                                    actor=TREASURY)) == "rectifying"
    with pytest.raises(ValidationError):
        world.h(c.CloseWarning(wid, " ", actor=TREASURY))
    assert world.h(c.CloseWarning(wid, "已调账至30231并完成整改", actor=TREASURY)) == "closed"
    with pytest.raises(StateError):
        world.h(c.CloseWarning(wid, "再次办结", actor=TREASURY))
    [done] = warnings(world.core, warning_id=wid)
    assert (done["status"], done["affirm_result"], done["violation_type"], done["transfer_amt"]) == \
        ("closed", "violation", "03", 3_000_00)
    assert done["closed_at"] is not None and done["due_date"] is None
    with world.core.db.read() as conn:
        steps = conn.execute(text("SELECT step_no, action, to_status FROM mon_warning_step WHERE warning_id = :w "
                                  "ORDER BY step_no"), {"w": wid}).all()
    assert [tuple(s) for s in steps] == [
        (1, "raise", "awaiting_feedback"), (2, "feedback", "awaiting_review"), (3, "review_return", "awaiting_feedback"),
        (4, "feedback", "awaiting_review"), (5, "review", "awaiting_confirmation"), (6, "confirm", "rectifying"),
        (7, "close", "closed")]
    assert journal_actions(world.core, wid) == ["warning.raise", "warning.feedback", "warning.review_return",
                                                "warning.feedback", "warning.review", "warning.confirm",
                                                "warning.close"]
    world.assert_consistent()


def test_a_warning_confirmed_normal_closes(world: World) -> None:
    _, bgt = world.funded(200_000_00)
    res = world.pay(bgt, 3_000_00, use_des="支付相关费用一笔")                                 # R18
    [w] = warnings(world.core, pay_app_id=res.pay_app_id)
    world.h(c.FeedbackWarning(w["warning_id"], "normal", "为购买教学用打印纸，摘要已补充", actor=clerk()))
    world.h(c.ReviewWarning(w["warning_id"], "approve", "同意", actor=BUSINESS))
    with pytest.raises(ValidationError):
        world.h(c.ConfirmWarning(w["warning_id"], "normal", return_amt=1_00, actor=TREASURY))
    assert world.h(c.ConfirmWarning(w["warning_id"], "normal", opinion="情况属实", actor=TREASURY)) == "closed"


def test_open_warnings_past_their_deadline_escalate(world: World) -> None:
    _, bgt = world.funded(200_000_00)
    res = world.pay(bgt, 3_000_00, use_des="支付有关款项")
    [w] = warnings(world.core, pay_app_id=res.pay_app_id)
    due = w["due_date"] if isinstance(w["due_date"], date) else date.fromisoformat(w["due_date"])
    from datetime import datetime
    assert due == datetime.now(TZ).date() + timedelta(days=5)          # feedback within 5 days by default
    assert world.h(c.EscalateWarnings(DIV, due, actor=TREASURY)) == []   # on the day: not yet overdue
    with pytest.raises(PermissionDenied):
        world.h(c.EscalateWarnings(DIV, due + timedelta(days=1), actor=clerk()))
    assert world.h(c.EscalateWarnings(DIV, due + timedelta(days=1), actor=TREASURY)) == [w["warning_id"]]
    [after] = warnings(world.core, warning_id=w["warning_id"])
    assert after["escalation_level"] == 1 and after["status"] == "awaiting_feedback"
    assert str(after["due_date"])[:10] == (due + timedelta(days=6)).isoformat()
    assert "warning.escalate" in journal_actions(world.core, w["warning_id"])


def test_scheduled_hits_are_recorded_once_and_enter_disposal(world: World) -> None:
    from datetime import datetime
    hit = c.ScheduledHit("R11:abc", "R11", 1, DIV, 2026, "101001", 500_000_00, "执行进度滞后 (behind time)",
                         '{"execution_rate": 0.1}', datetime(2026, 7, 1, 9), pro_code=None, period="2026Q2")
    assert len(world.h(c.RecordScheduledWarnings((hit,), actor=TREASURY))) == 1
    assert world.h(c.RecordScheduledWarnings((hit,), actor=TREASURY)) == []
    [w] = warnings(world.core, warning_key="R11:abc")
    assert (w["trigger_type"], w["dept_code"], w["status"]) == ("scheduled", "101", "awaiting_feedback")
    with pytest.raises(ValidationError):                   # real-time hits are raised by the core itself
        world.h(c.RecordScheduledWarnings((c.ScheduledHit("R03:x", "R03", 1, DIV, 2026, "101001", 1, "x", "{}",
                                                          datetime(2026, 7, 1)),), actor=TREASURY))
    with pytest.raises(PermissionDenied):
        world.h(c.RecordScheduledWarnings((hit,), actor=clerk()))
    world.h(c.FeedbackWarning(w["warning_id"], "normal", "设备已到货，待验收付款", actor=clerk()))


def test_a_division_sets_its_own_parameters_journalled(world: World) -> None:
    _, bgt = world.funded(200_000_00)
    with pytest.raises(PermissionDenied):
        world.h(c.SetMonitorParam(DIV, "R03", "min_amount", "100000", actor=clerk()))
    with pytest.raises(ValidationError):
        world.h(c.SetMonitorParam(DIV, "R03", "min_amount", "一千元", actor=TREASURY))
    world.h(c.SetMonitorParam(DIV, "R03", "min_amount", "100000", actor=TREASURY))   # 1000 yuan
    res = world.pay(bgt, 2_000_00, use_des="支付项目咨询服务费", **PERSON)
    assert res.status == "returned" and warnings(world.core, pay_app_id=res.pay_app_id)[0]["rule_code"] == "R03"
    world.h(c.SetMonitorParam(DIV, "R03", "enabled", "0", actor=ADMIN))
    res = world.pay(bgt, 2_000_00, use_des="支付项目咨询服务费", **PERSON)
    assert res.status == "submitted" and warnings(world.core, pay_app_id=res.pay_app_id) == []
    assert journal_actions(world.core, f"{DIV}:mon.R03.min_amount") == ["monitor.set_param"]
