"""Handler: 工资统发 — one payment application per agency and month against its 人员类 wage indicator,
with per-person rows in ``pay_detail``, through the same checks as any payment."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import ControlViolation, ValidationError
from ..domain.personnel import Situation, scheme_of
from .payments import submit_payment
from .reference import div_setting
from .results import PaymentResult
from .unit_of_work import UnitOfWork

# personal deductions withheld from the gross and paid on to the institutions that collect them
WITHHOLDING_PAYEES = {"30108": "社会保险经办机构（养老保险个人缴费）", "30109": "社会保险经办机构（职业年金个人缴费）",
                      "30110": "医疗保障经办机构（医保个人缴费）", "30112": "社会保险经办机构（失业保险个人缴费）",
                      "30113": "住房公积金管理中心（个人缴存）"}


def _fen(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pay_slip(uow: UnitOfWork, s: Situation, month: int, mof_div_code: str) -> tuple[int, dict[str, int]]:
    """(gross, withholdings by economic code) of one working person for the month. December adds the
    年终一次性奖金 (one month's basic pay) for the 公务员 scheme. 个税 is not computed here."""
    gross = s.salary.wage
    if month == 12 and scheme_of(uow.codes, s.per_ide_code) == "公务员":
        gross += s.salary.basic
    held: dict[str, int] = defaultdict(int)
    for rate in uow.codes.rows("contribution_rate"):
        r = Decimal(div_setting(uow, mof_div_code, f"contribution_rate.{rate.code}.personal",
                                rate.attrs.get("personal_rate") or "0"))
        amt = _fen(Decimal(s.salary.wage) * r)
        if amt:
            held[rate.attrs["dep_bgt_eco_code"]] += amt
    return gross, dict(held)


def run_payroll(uow: UnitOfWork, cmd: c.RunPayroll) -> PaymentResult:
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="payroll.run", agency_code=cmd.agency_code)
    if not 1 <= cmd.month <= 12:
        raise ValidationError("month_range", "月份须为1-12", "month must be 1-12", field="month", value=cmd.month)
    if (cmd.pay_date.year, cmd.pay_date.month) != (cmd.fiscal_year, cmd.month):
        raise ValidationError("date_outside_month", "发放日期须在发放月份内", "pay date must fall in the payroll month",
                              field="pay_date", pay_date=cmd.pay_date, month=f"{cmd.fiscal_year}-{cmd.month:02d}")
    agency = uow.agencies.get(cmd.agency_code)
    last_day = date(cmd.fiscal_year, cmd.month, calendar.monthrange(cmd.fiscal_year, cmd.month)[1])
    staff = [s for s in uow.persons.as_of(agency.agency_code, last_day) if s.is_working and s.is_uni_sala]
    if not staff:
        raise ValidationError("payroll_empty", "本月没有工资统发人员", "nobody on this month's payroll",
                              field="agency_code", agency_code=agency.agency_code)
    project = uow.projects.generated_for(agency.agency_code, "1", cmd.fiscal_year)
    wage = uow.indicators.wage_indicator(project.pro_code, cmd.fiscal_year) if project else None
    if project is None or wage is None:
        raise ControlViolation("payroll_indicator_missing", "单位没有本年度人员类工资指标", "no 人员类 wage indicator",
                               agency_code=agency.agency_code, fiscal_year=cmd.fiscal_year)
    details: list[dict[str, object]] = []
    withheld: dict[str, int] = defaultdict(int)
    total = 0
    pay_month = f"{cmd.fiscal_year}-{cmd.month:02d}"
    for s in staff:
        gross, held = pay_slip(uow, s, cmd.month, agency.mof_div_code)
        total += gross
        for eco, amt in held.items():
            withheld[eco] += amt
        details.append({"per_id": s.per_id, "detail_type": "net_pay", "pay_amt": gross - sum(held.values()),
                        "pay_month": pay_month})
    for eco, amt in sorted(withheld.items()):
        details.append({"per_id": None, "detail_type": "withholding", "pay_amt": amt, "pay_month": pay_month,
                        "payee_acct_name": WITHHOLDING_PAYEES.get(eco, "代扣代缴"), "add_word": eco})
    payee = next((a for a in agency.accounts if a.acct_type_code == "61"), None)
    result = submit_payment(uow, c.SubmitPayment(
        agency_code=agency.agency_code, bgt_id=wage.bgt_id, pro_code=wage.pro_code,
        exp_func_code=wage.exp_func_code, gov_bgt_eco_code=wage.gov_bgt_eco_code,
        dep_bgt_eco_code=wage.dep_bgt_eco_code, fund_type_code=wage.fund_type_code, pay_app_amt=total,
        payee_acct_name=payee.acct_name if payee else f"{agency.agency_name}工资统发户",
        payee_acct_no=payee.acct_no if payee else f"DF{agency.agency_code}",
        payee_acct_bank_name=payee.bank_name if payee else "代发工资银行",
        use_des=f"{cmd.fiscal_year}年{cmd.month}月工资统发（{len(staff)}人）", create_date=cmd.pay_date,
        fund_traobj_type_code="3", idem_key=f"payroll:{agency.agency_code}:{pay_month}", actor=cmd.actor))
    if result.replayed:
        return result
    uow.payments.add_details(result.pay_app_id, details, uow.new_id)
    uow.record(cmd.actor, "payroll.run", "pay_voucher", result.pay_app_id,
               after={"agency_code": agency.agency_code, "month": pay_month, "persons": len(staff),
                      "gross": total, "withheld": sum(withheld.values())})
    return result
