"""Handlers: 用款计划 and 国库集中支付 (申请 → 审核 → 凭证 → 银行支付 → 清算; 退回, 退票, 退款, 更正)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import ControlViolation, DomainError, IdempotencyConflict, StateError, ValidationError, require
from ..domain.indicators import Indicator, check_classification
from ..domain.money import check_fen, yuan
from ..domain.payments import (
    EXECUTED,
    PaymentApplication,
    PaymentPlan,
    PayStatus,
    PlanStatus,
    check_application,
    check_plan,
    review,
)
from ..monitoring.service import require_released, screen_payment
from .reference import fin_review_threshold
from .results import BatchResult, PaymentResult, Rejection
from .unit_of_work import UnitOfWork

TREASURY = frozenset({Role.TREASURY})
BANK_SIDE = frozenset({Role.BANK, Role.TREASURY})


# -- 用款计划 ---------------------------------------------------------------------------------------------
def submit_plan(uow: UnitOfWork, cmd: c.SubmitPlan) -> str:
    ind = uow.indicators.get(cmd.bgt_id)
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="plan.submit", agency_code=ind.agency_code)
    if not 1 <= cmd.plan_month <= 12:
        raise ValidationError("plan_month", "计划月份须为1-12", "plan_month must be 1-12", field="plan_month",
                              value=cmd.plan_month)
    amt = check_fen(cmd.plan_app_amt, "plan_app_amt")
    ind.check_executable()
    if not uow.config.plan_controlled(ind.mof_div_code, ind.fund_type_code):
        raise ControlViolation("plan_not_enabled", "该区划该资金性质未启用用款计划", "payment plans are off here",
                               mof_div_code=ind.mof_div_code, fund_type_code=ind.fund_type_code)
    if uow.plans.for_month(ind.bgt_id, cmd.plan_month, lock=False) is not None:
        raise StateError("plan_exists", "该指标本月已有用款计划，请调整原计划", "a plan for this month exists",
                         bgt_id=ind.bgt_id, plan_month=cmd.plan_month)
    seq = uow.counters.next(f"plan_no:{ind.mof_div_code}:{ind.fiscal_year}")
    plan = PaymentPlan(uow.new_id(), f"JH{ind.fiscal_year}{seq:08d}", ind.bgt_id, ind.fiscal_year, cmd.plan_month,
                       ind.agency_code, amt, use_des=cmd.use_des)
    uow.plans.add(plan, uow.now_naive())
    uow.record(cmd.actor, "plan.submit", "pay_plan_voucher", plan.plan_id, after={
        "plan_voucher_no": plan.plan_voucher_no, "bgt_id": ind.bgt_id, "plan_month": cmd.plan_month,
        "plan_app_amt": amt})
    return plan.plan_id


def approve_plan(uow: UnitOfWork, cmd: c.ApprovePlan) -> str:
    authorize(cmd.actor, TREASURY, action="plan.approve")
    plan0 = uow.plans.get(cmd.plan_id)
    ind = uow.indicators.get(plan0.bgt_id, lock=True)
    plan = uow.plans.get(cmd.plan_id, lock=True)
    if plan.status != PlanStatus.SUBMITTED:
        raise StateError("plan_state", "用款计划已处理", "plan already decided", plan_id=plan.plan_id,
                         status=plan.status.value)
    if cmd.reject:
        require(cmd.opinion, "opinion")
        plan.status = PlanStatus.REJECTED
    else:
        amt = plan.plan_app_amt if cmd.plan_amt is None else check_fen(cmd.plan_amt, "plan_amt")
        if amt > plan.plan_app_amt:
            raise ControlViolation("plan_over_applied", "批复数不能超过申请数", "approved exceeds applied",
                                   plan_id=plan.plan_id, plan_app_amt=yuan(plan.plan_app_amt), plan_amt=yuan(amt))
        uow.indicators.post([ind.reserve_plan(amt, plan.plan_id)], uow.now_naive())   # 指标控制计划
        plan.plan_amt, plan.status = amt, PlanStatus.APPROVED
    uow.plans.save(plan, uow.now_naive())
    uow.record(cmd.actor, "plan.reject" if cmd.reject else "plan.approve", "pay_plan_voucher", plan.plan_id,
               before={"status": "submitted"}, after={"status": plan.status.value, "plan_amt": plan.plan_amt},
               opinion=cmd.opinion)
    return plan.status.value


def reduce_plan(uow: UnitOfWork, cmd: c.ReducePlan) -> None:
    authorize(cmd.actor, TREASURY, action="plan.reduce")
    amt = check_fen(cmd.amount, "amount")
    plan0 = uow.plans.get(cmd.plan_id)
    ind = uow.indicators.get(plan0.bgt_id, lock=True)
    plan = uow.plans.get(cmd.plan_id, lock=True)
    if plan.status != PlanStatus.APPROVED or amt > plan.balance:
        raise ControlViolation("plan_reduce_exceeds", "调减金额超过计划余额", "reduction exceeds plan balance",
                               plan_id=plan.plan_id, balance=yuan(plan.balance), requested=yuan(amt))
    uow.indicators.post([ind.unreserve_plan(amt, plan.plan_id)], uow.now_naive())
    plan.plan_amt -= amt
    uow.plans.save(plan, uow.now_naive())
    uow.record(cmd.actor, "plan.reduce", "pay_plan_voucher", plan.plan_id, after={"reduced": amt,
                                                                                   "plan_amt": plan.plan_amt})


# -- 支付申请 -----------------------------------------------------------------------------------------------
def _request_hash(cmd: c.SubmitPayment) -> str:
    """Fingerprint of what decides a payment (who, from which indicator, how much, to whom, when, for
    what), so a key reused for a different request is caught."""
    key = f"{cmd.agency_code}\x1f{cmd.bgt_id}\x1f{cmd.pay_app_amt}\x1f{cmd.payee_acct_no}\x1f{cmd.create_date}\x1f{cmd.use_des}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def _replay(cmd: c.SubmitPayment, prior: tuple[str, str, str, str | None] | None, req_hash: str
            ) -> PaymentResult | None:
    if not cmd.idem_key or prior is None:
        return None
    pay_app_id, pay_app_no, status, idem_hash = prior
    if idem_hash != req_hash:
        raise IdempotencyConflict("idem_conflict", "幂等键已用于另一笔不同的支付申请",
                                  "idempotency key reused for a different request", idem_key=cmd.idem_key,
                                  pay_app_no=pay_app_no)
    return PaymentResult(pay_app_id, pay_app_no, status, replayed=True)


def _check_contract(uow: UnitOfWork, app: PaymentApplication, ind: Indicator) -> dict[str, Any]:
    """Check 4 (docs/standard/controls.md §PAY) / rule 13: a procurement-flagged indicator pays only against a contract of its own
    procurement plan, to the contract's supplier, within the contract amount. Returns the plan (locked)."""
    if not app.contract_no:
        raise ControlViolation("contract_required", "政府采购指标支付须填写采购合同编号",
                               "a procurement-flagged indicator pays only against a contract",
                               field="contract_no", bgt_id=ind.bgt_id)
    contract = uow.procurement.contract(app.contract_no, lock=True)
    if contract is None:
        raise ControlViolation("contract_not_found", "采购合同不存在", "contract not found", field="contract_no",
                               contract_no=app.contract_no)
    plan = uow.procurement.plan(contract["plan_id"], lock=True)
    if plan["bgt_id"] != ind.bgt_id or contract["agency_code"] != app.agency_code:
        raise ControlViolation("contract_indicator", "合同不属于该单位的该指标", "contract belongs to another indicator",
                               field="contract_no", contract_no=app.contract_no, bgt_id=ind.bgt_id)
    if plan["status"] != "open" or contract["status"] != "active":
        raise ControlViolation("contract_closed", "采购计划或合同已关闭", "procurement plan or contract closed",
                               contract_no=app.contract_no)
    if app.payee_acct_name != contract["supplier_name"] or app.payee_acct_no != contract["supplier_acct_no"]:
        raise ControlViolation("payee_not_supplier", "收款人须为合同供应商（户名和账号一致）",
                               "the payee must be the contract's supplier", field="payee_acct_name",
                               contract_no=app.contract_no, supplier=contract["supplier_name"],
                               payee=app.payee_acct_name)
    used = uow.procurement.contract_used(app.contract_no)
    if used + app.pay_app_amt > contract["contract_amt"]:
        raise ControlViolation("contract_exceeded", "累计支付超过合同金额", "payments would exceed the contract",
                               contract_no=app.contract_no, contract_amt=yuan(contract["contract_amt"]),
                               paid_or_in_flight=yuan(used), requested=yuan(app.pay_app_amt))
    return plan


def _occupy(uow: UnitOfWork, app: PaymentApplication, ind: Indicator, plan_controlled: bool,
            gp_plan: dict[str, Any] | None = None) -> None:
    """Check 3: occupy the amount — out of the procurement plan's reservation for a contract payment
    (contracts, not monthly plans, control those), out of the month's plan when plans control this
    fund type, else out of the available balance."""
    plan = None
    if gp_plan is not None:
        app.gp_plan_id = gp_plan["plan_id"]
        uow.procurement.update_plan(gp_plan["plan_id"], reserved_amt=gp_plan["reserved_amt"] - app.pay_app_amt,
                                    update_time=uow.now_naive())
    elif plan_controlled:
        plan = check_plan(uow.plans.for_month(ind.bgt_id, app.create_date.month), app)
        plan.used_amt += app.pay_app_amt
        app.plan_id = plan.plan_id
    entry = ind.occupy(app.pay_app_amt, app.pay_app_id, via_plan=plan is not None, via_gp=gp_plan is not None)
    uow.indicators.post([entry], uow.now_naive())
    if plan is not None:
        uow.plans.save(plan, uow.now_naive())


def _release(uow: UnitOfWork, app: PaymentApplication, ind: Indicator, entry_type: str = "RELEASE") -> None:
    to_plan = _restore_plan(uow, app, app.pay_app_amt)
    to_gp = _restore_gp(uow, app, app.pay_app_amt)
    uow.indicators.post([ind.release(app.pay_app_amt, app.pay_app_id, to_plan=to_plan, entry_type=entry_type,
                                     to_gp=to_gp)], uow.now_naive())


def _unpay(uow: UnitOfWork, app: PaymentApplication, ind: Indicator, amt: int, entry_type: str) -> None:
    """Money that was paid comes back (same-year refund, bank return): to the plan or the procurement
    reservation it came from while those are still open, else to the available balance."""
    to_plan = _restore_plan(uow, app, amt)
    to_gp = _restore_gp(uow, app, amt)
    uow.indicators.post([ind.unpay(amt, app.pay_app_id, to_plan=to_plan, entry_type=entry_type, to_gp=to_gp)],
                        uow.now_naive())


def _restore_plan(uow: UnitOfWork, app: PaymentApplication, amt: int) -> bool:
    if not app.plan_id:
        return False
    plan = uow.plans.get(app.plan_id, lock=True)
    if plan.bgt_id != app.bgt_id or plan.status != PlanStatus.APPROVED:
        return False
    plan.used_amt -= amt
    uow.plans.save(plan, uow.now_naive())
    return True


def _restore_gp(uow: UnitOfWork, app: PaymentApplication, amt: int) -> bool:
    if not app.gp_plan_id:
        return False
    plan = uow.procurement.plan(app.gp_plan_id, lock=True)
    if plan["bgt_id"] != app.bgt_id or plan["status"] != "open":
        return False
    uow.procurement.update_plan(plan["plan_id"], reserved_amt=plan["reserved_amt"] + amt,
                                update_time=uow.now_naive())
    return True


def submit_payment(uow: UnitOfWork, cmd: c.SubmitPayment) -> PaymentResult:
    """支付申请 with the hard checks of docs/standard/controls.md §PAY, the balance check and the occupation in one transaction."""
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="payment.submit", agency_code=cmd.agency_code)
    amt = check_fen(cmd.pay_app_amt, "pay_app_amt")
    require(cmd.bgt_id, "bgt_id")
    require(cmd.pro_code, "pro_code")
    req_hash = _request_hash(cmd) if cmd.idem_key else None
    # the indicator's lock serialises its applications; the same read finds an earlier one under the key
    ctx = uow.indicators.for_payment(cmd.bgt_id, cmd.agency_code, cmd.create_date.year, cmd.idem_key)
    replay = _replay(cmd, ctx.prior, req_hash or "")
    if replay is not None:
        return replay
    ind, payer = ctx.indicator, ctx.payer
    app = PaymentApplication(
        pay_app_id=uow.new_id(), pay_app_no="", fiscal_year=cmd.create_date.year, mof_div_code=ind.mof_div_code,
        agency_code=cmd.agency_code, dept_code=ind.dept_code, bgt_id=ind.bgt_id, pro_code=cmd.pro_code,
        pro_cat_code=ind.pro_cat_code, fund_type_code=cmd.fund_type_code, exp_func_code=cmd.exp_func_code,
        gov_bgt_eco_code=cmd.gov_bgt_eco_code, dep_bgt_eco_code=cmd.dep_bgt_eco_code,
        pay_type_code=cmd.pay_type_code, set_mode_code=cmd.set_mode_code,
        fund_traobj_type_code=cmd.fund_traobj_type_code, pay_app_amt=amt, payee_acct_name=cmd.payee_acct_name,
        payee_acct_no=cmd.payee_acct_no, payee_acct_bank_name=cmd.payee_acct_bank_name,
        use_des=cmd.use_des.strip(), create_date=cmd.create_date, pay_acct_name=payer[0], pay_acct_no=payer[1],
        pay_acct_bank_name=payer[2], contract_no=cmd.contract_no, idem_key=cmd.idem_key, idem_hash=req_hash)
    check_application(app, ind, ctx.pro_status, uow.codes)
    if ctx.year_closed:
        raise ControlViolation("year_closed", "该预算年度已年终结账，请使用结转指标", "the fiscal year is closed",
                               bgt_id=ind.bgt_id, fiscal_year=ind.fiscal_year)
    if cmd.beneficiaries and sum(check_fen(b.pay_amt, "pay_amt") for b in cmd.beneficiaries) != amt:
        raise ValidationError("beneficiaries_sum", "受益人明细合计与支付金额不符",
                              "the beneficiaries do not add up to the amount", field="beneficiaries",
                              pay_app_amt=yuan(amt))
    gp_plan = _check_contract(uow, app, ind) if ind.is_gov_pur or app.contract_no else None
    screening = screen_payment(uow, app)        # 动态监控 (docs/standard/controls.md §PAY9): red refuses; orange holds it, unoccupied
    if screening.holds:
        app.status = PayStatus.RETURNED
    else:
        _occupy(uow, app, ind, ctx.plan_controlled, gp_plan)
    app.pay_app_no = uow.counters.next_pay_app_no(ind.mof_div_code, app.fiscal_year, ctx.last_app_no)
    uow.payments.add(app, uow.now_naive())
    if cmd.beneficiaries:
        uow.payments.add_details(app.pay_app_id, [
            {"detail_type": "beneficiary", "payee_acct_name": b.payee_acct_name, "payee_acct_no": b.payee_acct_no,
             "pay_amt": b.pay_amt, "per_name": b.per_name or None, "iden_no": b.iden_no or None,
             "corp_name": b.corp_name or None, "unifsoc_cred_code": b.unifsoc_cred_code or None}
            for b in cmd.beneficiaries], uow.new_id)
    uow.record(cmd.actor, "payment.submit", "pay_voucher", app.pay_app_id, after={
        "pay_app_no": app.pay_app_no, "bgt_id": ind.bgt_id, "pay_app_amt": amt, "status": app.status.value,
        "canuse_amt": ind.canuse_amt} | ({"beneficiaries": len(cmd.beneficiaries)} if cmd.beneficiaries else {}))
    screening.record(uow, app)
    return PaymentResult(app.pay_app_id, app.pay_app_no, app.status.value)


def _locked(uow: UnitOfWork, pay_app_id: str) -> tuple[PaymentApplication, Indicator]:
    """An application and its indicator, locked in the deadlock-free order (indicator first)."""
    for _ in range(3):
        bgt_id = uow.payments.get(pay_app_id).bgt_id
        ind = uow.indicators.get(bgt_id, lock=True)
        app = uow.payments.get(pay_app_id, lock=True)
        if app.bgt_id == bgt_id:
            return app, ind
    raise StateError("payment_busy", "支付申请正在被更正，请重试", "payment is being corrected, retry",
                     pay_app_id=pay_app_id)


def review_payment(uow: UnitOfWork, cmd: c.ReviewPayment) -> str:
    if cmd.action == "approve":     # no money moves: the application's own lock is enough
        app = uow.payments.get(cmd.pay_app_id, lock=True)
    else:
        app, ind = _locked(uow, cmd.pay_app_id)
    before = app.status
    new = review(app, cmd.actor, cmd.action, cmd.opinion, fin_review_threshold(uow, app.mof_div_code))
    if new == PayStatus.RETURNED:
        _release(uow, app, ind)     # 退回 releases the occupation
    app.status = new
    uow.payments.save(app, uow.now_naive())
    uow.record(cmd.actor, f"payment.{cmd.action}", "pay_voucher", app.pay_app_id,
               before={"status": before.value}, after={"status": new.value}, opinion=cmd.opinion)
    return new.value


def resubmit_payment(uow: UnitOfWork, cmd: c.ResubmitPayment) -> str:
    app, ind = _locked(uow, cmd.pay_app_id)
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="payment.resubmit", agency_code=app.agency_code)
    app.require_status({PayStatus.RETURNED}, "resubmit")
    ctx = uow.indicators.for_payment(app.bgt_id, app.agency_code, app.fiscal_year)
    check_application(app, ind, ctx.pro_status, uow.codes)
    if ctx.year_closed:
        raise ControlViolation("year_closed", "该预算年度已年终结账，请使用结转指标", "the fiscal year is closed",
                               bgt_id=ind.bgt_id, fiscal_year=ind.fiscal_year)
    gp_plan = _check_contract(uow, app, ind) if ind.is_gov_pur or app.contract_no else None
    require_released(uow, app)                  # an orange monitoring warning waits for the unit's explanation
    _occupy(uow, app, ind, ctx.plan_controlled, gp_plan)
    app.status = PayStatus.SUBMITTED
    uow.payments.save(app, uow.now_naive(), plan_id=app.plan_id, gp_plan_id=app.gp_plan_id)
    uow.record(cmd.actor, "payment.resubmit", "pay_voucher", app.pay_app_id, before={"status": "returned"},
               after={"status": "submitted", "canuse_amt": ind.canuse_amt})
    return app.status.value


def void_payment(uow: UnitOfWork, cmd: c.VoidPayment) -> str:
    app, ind = _locked(uow, cmd.pay_app_id)
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="payment.void", agency_code=app.agency_code)
    app.require_status({PayStatus.SUBMITTED, PayStatus.RETURNED}, "void")
    before = app.status
    if before == PayStatus.SUBMITTED:
        _release(uow, app, ind)
    app.status = PayStatus.VOIDED
    uow.payments.save(app, uow.now_naive())
    uow.record(cmd.actor, "payment.void", "pay_voucher", app.pay_app_id, before={"status": before.value},
               after={"status": "voided"}, opinion=cmd.opinion)
    return app.status.value


# -- batches: vouchers, bank receipts, clearing ----------------------------------------------------------------
def _batch(uow: UnitOfWork, items: Iterable[Any], key: Callable[[Any], str],
           handle: Callable[[Any], None], on_error: Callable[[Any], None] | None = None) -> BatchResult:
    """Each item all-or-nothing inside a savepoint; rejected items are reported, the rest commit."""
    result = BatchResult()
    for item in items:
        try:
            with uow.savepoint():
                handle(item)
            result.accepted.append(key(item))
        except DomainError as e:
            result.rejected.append(Rejection(key(item), e.rule, e.message))
            if on_error is not None:
                on_error(item)
    return result


def _reject(result: BatchResult, item: str, e: DomainError) -> None:
    result.rejected.append(Rejection(item, e.rule, e.message))


def review_payments(uow: UnitOfWork, cmd: c.ReviewPayments) -> BatchResult:
    """单位/财政审核通过, many at once (a reviewer's inbox): each application checked on its own, the
    ones that pass written together. Returns go one by one (they move money back)."""
    apps = uow.payments.get_many(cmd.pay_app_ids, lock=True)
    thresholds: dict[str, int] = {}
    result, changed = BatchResult(), []
    for pay_app_id in dict.fromkeys(cmd.pay_app_ids):
        app = apps.get(pay_app_id)
        try:
            if app is None:
                raise StateError("payment_not_found", "支付申请不存在", "payment application not found",
                                 pay_app_id=pay_app_id)
            if app.mof_div_code not in thresholds:
                thresholds[app.mof_div_code] = fin_review_threshold(uow, app.mof_div_code)
            new = review(app, cmd.actor, "approve", cmd.opinion, thresholds[app.mof_div_code])
        except DomainError as e:
            _reject(result, pay_app_id, e)
            continue
        before, app.status = app.status, new
        changed.append(app)
        result.accepted.append(pay_app_id)
        uow.record(cmd.actor, "payment.approve", "pay_voucher", app.pay_app_id, before={"status": before.value},
                   after={"status": new.value}, opinion=cmd.opinion)
    uow.payments.save_many(changed, uow.now_naive())
    return result


def issue_vouchers(uow: UnitOfWork, cmd: c.IssueVouchers) -> BatchResult:
    """生成支付凭证 and send them to the agent bank, for many applications at once. No money moves, so
    no indicator lock is needed; each application is checked on its own and the rest go through."""
    authorize(cmd.actor, TREASURY, action="payment.issue_voucher")
    apps = uow.payments.get_many(cmd.pay_app_ids, lock=True)
    result, changed, bills = BatchResult(), [], []
    now = uow.now_naive()
    for pay_app_id in sorted(set(cmd.pay_app_ids)):
        app = apps.get(pay_app_id)
        try:
            if app is None:
                raise StateError("payment_not_found", "支付申请不存在", "payment application not found",
                                 pay_app_id=pay_app_id)
            app.require_status({PayStatus.APPROVED}, "issue_voucher")
            if cmd.vou_date < app.create_date:
                raise ValidationError("vou_date", "凭证日期早于申请日期", "voucher dated before the application",
                                      field="vou_date", vou_date=cmd.vou_date, create_date=app.create_date)
        except DomainError as e:
            _reject(result, pay_app_id, e)
            continue
        seq = uow.counters.next(f"pay_cert_no:{app.mof_div_code}:{app.fiscal_year}")
        cert_id, cert_no = uow.new_id(), f"PZ{app.fiscal_year}{seq:08d}"
        bills.append({
            "pay_cert_id": cert_id, "pay_cert_no": cert_no, "mof_div_code": app.mof_div_code,
            "fiscal_year": app.fiscal_year, "bill_type": "pay", "pay_app_id": app.pay_app_id,
            "ori_pay_cert_id": None, "vou_date": cmd.vou_date, "pay_amt": app.pay_app_amt, "xpay_amt": 0,
            "xpay_date": None, "agent_business_no": None, "payee_acct_name": app.payee_acct_name,
            "payee_acct_no": app.payee_acct_no, "payee_acct_bank_name": app.payee_acct_bank_name,
            "abstract": app.use_des, "status": "sent", "create_time": now, "update_time": now})
        app.status, app.pay_cert_id = PayStatus.VOUCHER_ISSUED, cert_id
        changed.append(app)
        result.accepted.append(pay_app_id)
        uow.record(cmd.actor, "payment.voucher", "pay_voucher", app.pay_app_id, before={"status": "approved"},
                   after={"status": app.status.value, "pay_cert_no": cert_no, "pay_cert_id": cert_id})
    uow.payments.add_bills(bills)
    uow.payments.save_many(changed, now, "pay_cert_id")
    return result


def confirm_bank_receipts(uow: UnitOfWork, cmd: c.ConfirmBankReceipts) -> BatchResult:
    """A bank receipt file: each line pays (or fails) one voucher; lines that do not match are rejected
    and the rest are booked together."""
    authorize(cmd.actor, BANK_SIDE, action="payment.bank_receipt")
    bills = uow.payments.bills_by_cert_nos(r.pay_cert_no for r in cmd.receipts)
    pre = uow.payments.get_many(b["pay_app_id"] for b in bills.values())
    inds = uow.indicators.lock_many(a.bgt_id for a in pre.values())      # lock order: indicators first
    apps = uow.payments.get_many(pre, lock=True)
    result, entries, changed, bill_updates = BatchResult(), [], {}, []
    now = uow.now_naive()
    for r in cmd.receipts:
        bill = bills.get(r.pay_cert_no)
        try:
            if bill is None:
                raise StateError("voucher_not_found", "回单对应的支付凭证不存在", "no voucher for this receipt",
                                 pay_cert_no=r.pay_cert_no)
            app = apps[bill["pay_app_id"]]
            if app.status in EXECUTED and bill["agent_business_no"] == r.agent_business_no:
                raise StateError("receipt_duplicate", "重复的银行回单（已入账）", "duplicate receipt (already booked)",
                                 pay_cert_no=r.pay_cert_no, agent_business_no=r.agent_business_no)
            app.require_status({PayStatus.VOUCHER_ISSUED}, "bank_receipt")
            ind = inds[app.bgt_id]
            if r.ok:
                if r.xpay_amt != bill["pay_amt"]:
                    raise ControlViolation("receipt_amount", "回单实付金额与凭证金额不符", "paid amount differs from voucher",
                                           pay_cert_no=r.pay_cert_no, voucher=yuan(bill["pay_amt"]),
                                           paid=yuan(r.xpay_amt))
                if r.xpay_date < bill["vou_date"]:
                    raise ValidationError("xpay_date", "支付日期早于凭证日期", "paid before the voucher date",
                                          field="xpay_date", xpay_date=r.xpay_date, vou_date=bill["vou_date"])
                require(r.agent_business_no, "agent_business_no")
                entries.append(ind.pay(r.xpay_amt, app.pay_app_id))      # in memory; written below
                app.status, app.xpay_amt = PayStatus.PAID, r.xpay_amt
                bill.update(xpay_amt=r.xpay_amt, xpay_date=r.xpay_date, agent_business_no=r.agent_business_no,
                            status="paid")
                bill_updates.append({"pay_cert_id": bill["pay_cert_id"], "xpay_amt": r.xpay_amt,
                                     "xpay_date": r.xpay_date, "agent_business_no": r.agent_business_no,
                                     "status": "paid", "receipt_add_word": None, "update_time": now})
            else:
                _release(uow, app, ind, "BANK_RETURN")                   # rare: written at once
                app.status = PayStatus.BANK_RETURNED
                bill_updates.append({"pay_cert_id": bill["pay_cert_id"], "xpay_amt": 0, "xpay_date": None,
                                     "agent_business_no": r.agent_business_no or None, "status": "failed",
                                     "receipt_add_word": r.reason[:200], "update_time": now})
        except DomainError as e:
            _reject(result, r.pay_cert_no, e)
            continue
        changed[app.pay_app_id] = app
        result.accepted.append(r.pay_cert_no)
        uow.record(cmd.actor, "payment.paid" if r.ok else "payment.bank_failed", "pay_voucher", app.pay_app_id,
                   before={"status": "voucher_issued"},
                   after={"status": app.status.value, "xpay_amt": app.xpay_amt, "xpay_date": r.xpay_date,
                          "agent_business_no": r.agent_business_no, "file": cmd.file_name},
                   opinion=r.reason)
    uow.indicators.post(entries, now)
    uow.payments.save_many(list(changed.values()), now, "xpay_amt")
    uow.payments.update_bills(bill_updates)
    return result


def clear_day(uow: UnitOfWork, cmd: c.ClearDay) -> BatchResult:
    """汇总清算: the treasury settles the bank's 划款申请 for the day's paid vouchers."""
    authorize(cmd.actor, BANK_SIDE, action="payment.clear")
    require(cmd.pay_cert_sum_no, "pay_cert_sum_no")
    require(cmd.lqd_cert_no, "lqd_cert_no")
    if uow.payments.clearing_exists(cmd.pay_cert_sum_no):
        raise StateError("clearing_duplicate", "汇总清算单号重复（该批已清算）", "clearing batch already processed",
                         pay_cert_sum_no=cmd.pay_cert_sum_no)
    bills = uow.payments.bills_by_cert_nos(i.pay_cert_no for i in cmd.items)
    apps = uow.payments.get_many((b["pay_app_id"] for b in bills.values()), lock=True)
    result, changed, bill_updates, total = BatchResult(), [], [], 0
    now = uow.now_naive()
    for item in cmd.items:
        bill = bills.get(item.pay_cert_no)
        try:
            if bill is None:
                raise StateError("voucher_not_found", "清算明细对应的支付凭证不存在", "no voucher for this item",
                                 pay_cert_no=item.pay_cert_no)
            app = apps[bill["pay_app_id"]]
            app.require_status({PayStatus.PAID}, "clear")
            if item.pay_amt != bill["xpay_amt"]:
                raise ControlViolation("clearing_amount", "清算金额与实付金额不符", "clearing amount differs from paid",
                                       pay_cert_no=item.pay_cert_no, paid=yuan(bill["xpay_amt"]),
                                       clearing=yuan(item.pay_amt))
            if cmd.act_lqd_date < bill["xpay_date"]:
                raise ValidationError("act_lqd_date", "清算日期早于支付日期", "cleared before payment",
                                      field="act_lqd_date", act_lqd_date=cmd.act_lqd_date,
                                      xpay_date=bill["xpay_date"])
        except DomainError as e:
            _reject(result, item.pay_cert_no, e)
            continue
        app.status = PayStatus.CLEARED
        changed.append(app)
        bill_updates.append({"pay_cert_id": bill["pay_cert_id"], "pay_cert_sum_no": cmd.pay_cert_sum_no,
                             "lqd_cert_no": cmd.lqd_cert_no, "act_lqd_date": cmd.act_lqd_date, "status": "cleared",
                             "update_time": now})
        total += item.pay_amt
        result.accepted.append(item.pay_cert_no)
        uow.record(cmd.actor, "payment.cleared", "pay_voucher", app.pay_app_id, before={"status": "paid"},
                   after={"status": "cleared", "pay_cert_sum_no": cmd.pay_cert_sum_no,
                          "lqd_cert_no": cmd.lqd_cert_no, "act_lqd_date": cmd.act_lqd_date})
    uow.payments.save_many(changed, now)
    uow.payments.update_bills(bill_updates)
    if result.accepted:
        uow.payments.add_clearing({"pay_cert_sum_no": cmd.pay_cert_sum_no, "lqd_cert_no": cmd.lqd_cert_no,
                                   "act_lqd_date": cmd.act_lqd_date, "item_count": len(result.accepted),
                                   "total_amt": total, "create_time": now})
        uow.record(cmd.actor, "payment.clearing_batch", "pay_clearing", cmd.pay_cert_sum_no,
                   after={"items": len(result.accepted), "total_amt": total,
                          "rejected": len(result.rejected), "act_lqd_date": cmd.act_lqd_date})
    return result


# -- after payment: refund, bank return, correction --------------------------------------------------------------
def _negative_bill(uow: UnitOfWork, app: PaymentApplication, bill_type: str, amt: int, when: Any,
                   agent_no: str, reason: str) -> str:
    seq = uow.counters.next(f"pay_cert_no:{app.mof_div_code}:{app.fiscal_year}")
    cert_no = f"{'TK' if bill_type == 'refund' else 'TP'}{app.fiscal_year}{seq:08d}"
    now = uow.now_naive()
    uow.payments.add_bill({
        "pay_cert_id": uow.new_id(), "pay_cert_no": cert_no, "mof_div_code": app.mof_div_code,
        "fiscal_year": app.fiscal_year, "bill_type": bill_type, "pay_app_id": app.pay_app_id,
        "ori_pay_cert_id": app.pay_cert_id, "vou_date": when, "pay_amt": -amt, "xpay_amt": -amt,
        "xpay_date": when, "agent_business_no": agent_no or None, "payee_acct_name": app.payee_acct_name,
        "payee_acct_no": app.payee_acct_no, "payee_acct_bank_name": app.payee_acct_bank_name,
        "abstract": reason, "status": "paid", "create_time": now, "update_time": now})
    return cert_no


def refund_payment(uow: UnitOfWork, cmd: c.RefundPayment) -> str:
    """退款: same fiscal year restores the indicator (and plan); a later year's refund goes to the
    treasury as prior-year revenue and leaves the closed indicator alone."""
    authorize(cmd.actor, TREASURY, action="payment.refund")
    amt = check_fen(cmd.refund_amt, "refund_amt")
    require(cmd.reason, "reason")
    app, ind = _locked(uow, cmd.pay_app_id)
    app.require_status(EXECUTED, "refund")
    if amt > app.xpay_amt - app.refund_amt:
        raise ControlViolation("refund_exceeds", "退款金额超过已支付未退金额", "refund exceeds the paid amount",
                               pay_app_no=app.pay_app_no, refundable=yuan(app.xpay_amt - app.refund_amt),
                               requested=yuan(amt))
    same_year = cmd.refund_date.year == app.fiscal_year
    if same_year:
        _unpay(uow, app, ind, amt, "REFUND")
    cert_no = _negative_bill(uow, app, "refund", amt, cmd.refund_date, cmd.agent_business_no, cmd.reason)
    app.refund_amt += amt
    uow.payments.save(app, uow.now_naive())
    uow.record(cmd.actor, "payment.refund", "pay_voucher", app.pay_app_id,
               after={"refund_amt": amt, "refund_cert_no": cert_no, "restores_indicator": same_year,
                      "total_refunded": app.refund_amt,
                      "note": "" if same_year else "以前年度退款，缴入国库，不恢复指标"},
               opinion=cmd.reason)
    return cert_no


def bank_return(uow: UnitOfWork, cmd: c.BankReturn) -> str:
    """银行退票 after payment: the whole executed amount returns to the indicator; a new application may follow."""
    authorize(cmd.actor, BANK_SIDE, action="payment.bank_return")
    require(cmd.reason, "reason")
    bill = uow.payments.bill_by_cert_no(None, cmd.pay_cert_no)
    if bill is None:
        raise StateError("voucher_not_found", "退票对应的支付凭证不存在", "no voucher for this return",
                         pay_cert_no=cmd.pay_cert_no)
    app, ind = _locked(uow, bill["pay_app_id"])
    app.require_status(EXECUTED, "bank_return")
    if app.refund_amt:
        raise StateError("return_after_refund", "已部分退款的支付不能整笔退票", "partially refunded payment",
                         pay_app_no=app.pay_app_no)
    amt = app.xpay_amt
    if cmd.return_date.year == app.fiscal_year:
        _unpay(uow, app, ind, amt, "BANK_RETURN")
    cert_no = _negative_bill(uow, app, "return", amt, cmd.return_date, "", cmd.reason)
    uow.payments.update_bill(bill["pay_cert_id"], status="returned", update_time=uow.now_naive())
    before = app.status
    app.status = PayStatus.BANK_RETURNED
    uow.payments.save(app, uow.now_naive())
    uow.record(cmd.actor, "payment.bank_return", "pay_voucher", app.pay_app_id, before={"status": before.value},
               after={"status": app.status.value, "returned_amt": amt, "return_cert_no": cert_no},
               opinion=cmd.reason)
    return cert_no


def correct_payment(uow: UnitOfWork, cmd: c.CorrectPayment) -> str:
    """更正: the executed amount moves from the payment's indicator to another of the same agency and year;
    the payment then carries the new indicator's project and elements."""
    authorize(cmd.actor, TREASURY, action="payment.correct")
    doc_no = cmd.cor_doc_no.strip()
    require(doc_no, "cor_doc_no")
    require(cmd.reason, "reason")
    app0 = uow.payments.get(cmd.pay_app_id)
    if app0.bgt_id == cmd.to_bgt_id:
        raise ValidationError("correct_same", "更正前后指标相同", "target indicator is the current one",
                              field="to_bgt_id", bgt_id=cmd.to_bgt_id)
    inds = uow.indicators.lock_many([app0.bgt_id, cmd.to_bgt_id])
    app = uow.payments.get(cmd.pay_app_id, lock=True)
    if app.bgt_id != app0.bgt_id:
        raise StateError("payment_busy", "支付申请正在被更正，请重试", "payment is being corrected, retry",
                         pay_app_id=app.pay_app_id)
    app.require_status(EXECUTED, "correct")
    if app.contract_no:
        raise ControlViolation("correct_contract", "合同支付不能更正到其他指标", "a contract payment stays on its indicator",
                               pay_app_no=app.pay_app_no, contract_no=app.contract_no)
    src, dst = inds[app.bgt_id], inds[cmd.to_bgt_id]
    amt = app.xpay_amt - app.refund_amt
    if amt <= 0:
        raise StateError("correct_nothing", "该支付已全部退款，无可更正金额", "nothing left to correct",
                         pay_app_no=app.pay_app_no)
    dst.check_executable()
    if cmd.corr_date.year != dst.fiscal_year or dst.fiscal_year != app.fiscal_year:
        raise ControlViolation("indicator_year", "更正只能在同一预算年度内进行", "correction within one fiscal year",
                               bgt_id=dst.bgt_id, indicator_year=dst.fiscal_year, fiscal_year=app.fiscal_year)
    if dst.agency_code != app.agency_code:
        raise ControlViolation("indicator_agency", "指标所属单位与申请单位不一致", "indicator belongs to another agency",
                               bgt_id=dst.bgt_id, indicator_agency=dst.agency_code, agency_code=app.agency_code)
    check_classification("fund_type_code", dst.fund_type_code, src.fund_type_code, dst.bgt_id)
    uow.projects.get(dst.pro_code, details=False).require_library("payment")
    now = uow.now_naive()
    uow.indicators.post([src.correct_out(amt, app.pay_app_id), dst.correct_in(amt, app.pay_app_id)], now)
    corr_id = uow.new_id()
    uow.payments.add_correction({"corr_id": corr_id, "pay_app_id": app.pay_app_id, "from_bgt_id": src.bgt_id,
                                 "to_bgt_id": dst.bgt_id, "corr_amt": amt, "cor_doc_no": doc_no,
                                 "reason": cmd.reason, "corr_date": cmd.corr_date, "create_time": now})
    before = {"bgt_id": src.bgt_id, "pro_code": app.pro_code, "exp_func_code": app.exp_func_code,
              "dep_bgt_eco_code": app.dep_bgt_eco_code, "gov_bgt_eco_code": app.gov_bgt_eco_code}
    app.bgt_id, app.pro_code, app.plan_id = dst.bgt_id, dst.pro_code, None
    new_elems = {"pro_code": dst.pro_code, "pro_cat_code": dst.pro_cat_code, "exp_func_code": dst.exp_func_code,
                 "dep_bgt_eco_code": dst.dep_bgt_eco_code, "gov_bgt_eco_code": dst.gov_bgt_eco_code,
                 "plan_id": None}
    uow.payments.save(app, now, **new_elems)
    uow.record(cmd.actor, "payment.correct", "pay_voucher", app.pay_app_id, before=before,
               after={"bgt_id": dst.bgt_id, **new_elems, "corr_amt": amt, "cor_doc_no": doc_no},
               opinion=cmd.reason)
    return corr_id
