"""用款计划 and 国库集中支付: the payment application's life cycle and the hard checks of docs/standard/controls.md §PAY."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .actors import Actor, Role, authorize
from .codes import CodeSets
from .errors import ControlViolation, StateError, ValidationError
from .indicators import Indicator, check_classification, check_dep_eco
from .money import Fen, yuan
from .projects import ProjectStatus, require_live


# ---------------------------------------------------------------------------------------------------
# 用款计划 (optional layer, switchable per 区划 and fund type)
# ---------------------------------------------------------------------------------------------------
class PlanStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(slots=True)
class PaymentPlan:
    plan_id: str
    plan_voucher_no: str
    bgt_id: str
    fiscal_year: int
    plan_month: int
    agency_code: str
    plan_app_amt: Fen
    plan_amt: Fen = 0          # approved (批复) amount, net of 调减
    used_amt: Fen = 0          # taken by payment applications in flight or paid
    status: PlanStatus = PlanStatus.SUBMITTED
    use_des: str = ""

    @property
    def balance(self) -> Fen:
        return self.plan_amt - self.used_amt


# ---------------------------------------------------------------------------------------------------
# 支付申请
# ---------------------------------------------------------------------------------------------------
class PayStatus(StrEnum):
    SUBMITTED = "submitted"          # 已提交，待单位审核
    FIN_REVIEW = "fin_review"        # 待财政审核
    APPROVED = "approved"            # 审核通过，待生成凭证
    VOUCHER_ISSUED = "voucher_issued"  # 已生成支付凭证并发送银行
    PAID = "paid"                    # 银行已支付
    CLEARED = "cleared"              # 已清算
    RETURNED = "returned"            # 已退回（释放占用）
    VOIDED = "voided"                # 已作废
    BANK_RETURNED = "bank_returned"  # 银行退票


PAY_STATUS_NAMES = {
    "submitted": "待单位审核", "fin_review": "待财政审核", "approved": "待生成凭证", "voucher_issued": "已发送银行",
    "paid": "银行已支付", "cleared": "已清算", "returned": "已退回", "voided": "已作废", "bank_returned": "银行退票",
}
IN_FLIGHT = frozenset({PayStatus.SUBMITTED, PayStatus.FIN_REVIEW, PayStatus.APPROVED, PayStatus.VOUCHER_ISSUED})
EXECUTED = frozenset({PayStatus.PAID, PayStatus.CLEARED})


@dataclass(slots=True)
class PaymentApplication:
    pay_app_id: str
    pay_app_no: str
    fiscal_year: int
    mof_div_code: str
    agency_code: str
    dept_code: str
    bgt_id: str
    pro_code: str
    pro_cat_code: str
    fund_type_code: str
    exp_func_code: str
    gov_bgt_eco_code: str
    dep_bgt_eco_code: str
    pay_type_code: str
    set_mode_code: str
    fund_traobj_type_code: str
    pay_app_amt: Fen
    payee_acct_name: str
    payee_acct_no: str
    payee_acct_bank_name: str
    use_des: str
    create_date: date
    status: PayStatus = PayStatus.SUBMITTED
    pay_acct_name: str = ""
    pay_acct_no: str = ""
    pay_acct_bank_name: str = ""
    contract_no: str | None = None
    plan_id: str | None = None
    gp_plan_id: str | None = None
    idem_key: str | None = None
    idem_hash: str | None = None
    xpay_amt: Fen = 0
    refund_amt: Fen = 0
    pay_cert_id: str | None = None
    details: list[dict[str, str]] = field(default_factory=list)

    @property
    def executed_amt(self) -> Fen:
        return self.xpay_amt - self.refund_amt if self.status in EXECUTED else 0

    def require_status(self, allowed: frozenset[PayStatus] | set[PayStatus], action: str) -> None:
        if self.status not in allowed:
            raise StateError("payment_state", "支付申请当前状态不允许此操作", "action not allowed in this state",
                             pay_app_no=self.pay_app_no, status=PAY_STATUS_NAMES[self.status], action=action)


GENERIC_USE_DES = frozenset({"费用", "支付", "付款", "其他", "款项", "货款", "报销", "支出", "转账", "付费", "用款",
                             "资金", "拨款", "经费", "其他支出", "其他费用", "支付款项", "支付费用", "付款项"})
_MEANINGLESS = re.compile(r"^[\W\d_a-zA-Z]*$")


def check_use_des(use_des: str) -> str:
    """Check 6: 摘要 required and meaningful (at least four characters, Chinese words, not a generic term)."""
    text = (use_des or "").strip()
    if not text:
        raise ValidationError("use_des_required", "用途（摘要）必填", "use_des (purpose) is required", field="use_des")
    if len(text) < 4 or text in GENERIC_USE_DES or _MEANINGLESS.match(text):
        raise ValidationError("use_des_meaningless", "用途（摘要）不规范，须写明具体用途",
                              "use_des must state the concrete purpose", field="use_des", value=text)
    return text


def check_application(app: PaymentApplication, ind: Indicator, pro_status: ProjectStatus, codes: CodeSets) -> None:
    """The hard checks at submit (docs/standard/controls.md §PAY: 1, 2, 6, 8; 3 is the ledger post that follows).

    No payment without project and indicator: the indicator must be executable, of the same year,
    agency and project, the project alive in the library, and every classification element consistent.
    """
    # bad input first: codes, amounts, required fields
    codes.require("pay_type", app.pay_type_code, "pay_type_code")
    codes.require("set_mode", app.set_mode_code, "set_mode_code")
    codes.require("fund_traobj_type", app.fund_traobj_type_code, "fund_traobj_type_code")
    codes.require("fund_type", app.fund_type_code, "fund_type_code")
    codes.require("exp_func", app.exp_func_code, "exp_func_code")
    codes.require("gov_bgt_eco", app.gov_bgt_eco_code, "gov_bgt_eco_code")
    codes.require("dep_bgt_eco", app.dep_bgt_eco_code, "dep_bgt_eco_code")
    for f in ("payee_acct_name", "payee_acct_no", "payee_acct_bank_name"):
        if not getattr(app, f).strip():
            raise ValidationError("required", "必填字段为空", "required field is empty", field=f)
    check_use_des(app.use_des)
    if app.create_date.year != app.fiscal_year:
        raise ValidationError("date_outside_year", "申请日期不在预算年度内", "application date outside the fiscal year",
                              field="create_date", create_date=app.create_date, fiscal_year=app.fiscal_year)
    # check 8: forbidden codes; 三公 only against a 三公 budget
    if codes.is_forbidden_eco(app.dep_bgt_eco_code):
        raise ControlViolation("forbidden_eco_code", "禁止使用该经济分类科目", "economic code is forbidden",
                               field="dep_bgt_eco_code", code=app.dep_bgt_eco_code)
    kind = codes.sangong_kind(app.dep_bgt_eco_code)
    if kind and ind.dep_bgt_eco_code != app.dep_bgt_eco_code:
        raise ControlViolation("sangong_without_budget", "“三公”经费支出须有对应的三公预算指标",
                               "三公 spending needs a 三公 budget line", field="dep_bgt_eco_code",
                               code=app.dep_bgt_eco_code, kind=kind, bgt_id=ind.bgt_id)
    # check 1: indicator present, executable, same year, same agency and project; project alive
    ind.check_executable()
    if ind.fiscal_year != app.fiscal_year:
        raise ControlViolation("indicator_year", "指标年度与支付年度不一致", "indicator year differs",
                               bgt_id=ind.bgt_id, indicator_year=ind.fiscal_year, fiscal_year=app.fiscal_year)
    if ind.agency_code != app.agency_code:
        raise ControlViolation("indicator_agency", "指标所属单位与申请单位不一致",
                               "indicator belongs to another agency", bgt_id=ind.bgt_id,
                               indicator_agency=ind.agency_code, agency_code=app.agency_code)
    if ind.pro_code != app.pro_code:
        raise ControlViolation("indicator_project", "支付项目与指标项目不一致", "project differs from the indicator's",
                               bgt_id=ind.bgt_id, indicator_pro_code=ind.pro_code, pro_code=app.pro_code)
    require_live(ind.pro_code, pro_status, "payment")
    # check 2: element consistency
    check_classification("fund_type_code", app.fund_type_code, ind.fund_type_code, ind.bgt_id)
    check_classification("exp_func_code", app.exp_func_code, ind.exp_func_code, ind.bgt_id)
    check_classification("gov_bgt_eco_code", app.gov_bgt_eco_code, ind.gov_bgt_eco_code, ind.bgt_id)
    check_dep_eco(app.dep_bgt_eco_code, ind)


def check_plan(plan: PaymentPlan | None, app: PaymentApplication) -> PaymentPlan:
    """Plan control (计划控制支付): an approved plan of the indicator for the payment's month, with balance."""
    if plan is None or plan.status != PlanStatus.APPROVED:
        raise ControlViolation("plan_missing", "该指标本月无已批复的用款计划", "no approved payment plan this month",
                               bgt_id=app.bgt_id, plan_month=f"{app.fiscal_year}-{app.create_date.month:02d}")
    if app.pay_app_amt > plan.balance:
        raise ControlViolation("plan_insufficient", "用款计划余额不足", "payment plan balance insufficient",
                               plan_id=plan.plan_id, available=yuan(plan.balance), requested=yuan(app.pay_app_amt))
    return plan


# review routing -------------------------------------------------------------------------------------
def review(app: PaymentApplication, actor: Actor, action: str, opinion: str,
           fin_review_threshold: Fen) -> PayStatus:
    """单位审核 then, above the 区划's threshold, 财政（国库）审核. Returns the new status."""
    if action not in ("approve", "return"):
        raise ValidationError("review_action", "审核动作只能是通过或退回", "action must be approve or return",
                              field="action", value=action)
    if action == "return" and not opinion.strip():
        raise ValidationError("opinion_required", "退回须填写审核意见", "a return needs an opinion", field="opinion")
    if app.status == PayStatus.SUBMITTED:
        authorize(actor, {Role.UNIT_LEADER}, action=f"payment.{action}", agency_code=app.agency_code)
        if action == "return":
            return PayStatus.RETURNED
        return PayStatus.FIN_REVIEW if app.pay_app_amt >= fin_review_threshold else PayStatus.APPROVED
    if app.status in (PayStatus.FIN_REVIEW, PayStatus.APPROVED):
        authorize(actor, {Role.TREASURY, Role.FIN_BUSINESS}, action=f"payment.{action}")
        if app.status == PayStatus.APPROVED and action == "approve":
            app.require_status({PayStatus.FIN_REVIEW}, action)
        return PayStatus.RETURNED if action == "return" else PayStatus.APPROVED
    app.require_status({PayStatus.SUBMITTED, PayStatus.FIN_REVIEW}, action)
    raise AssertionError("unreachable")
