"""Handlers: 政府采购 — plans that reserve indicator balance, contracts, and their thresholds (docs/standard/entities.md §E11)."""

from __future__ import annotations

from decimal import Decimal

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.agencies import validate_uscc
from ..domain.errors import ControlViolation, StateError, ValidationError, require
from ..domain.money import check_fen, to_fen, yuan
from .reference import div_setting
from .unit_of_work import UnitOfWork

PUBLIC_TENDER = "1"        # 公开招标
CENTRAL_AGENCY = "1"       # 集中采购机构采购
KIND_KEYS = {"货物": "GOODS", "服务": "SERVICE", "工程": "WORKS"}


def threshold(uow: UnitOfWork, mof_div_code: str, code: str) -> int:
    """A procurement threshold in fen: the 区划's setting ``gp_threshold.<code>`` or the default of the
    gp_threshold code set (docs/standard/monitoring.md §R12, 市县 floors)."""
    row = uow.codes.require("gp_threshold", code, "gp_threshold")
    default = to_fen(Decimal(row.attrs["amount"]), "amount")
    return int(div_setting(uow, mof_div_code, f"gp_threshold.{code}", str(default)))


def _kind(uow: UnitOfWork, gpdir_code: str) -> tuple[str, bool]:
    item = uow.codes.require("gp_catalog", gpdir_code, "gpdir_code")
    kind = item.attrs.get("gp_kind", "")
    if kind not in KIND_KEYS:
        raise ValidationError("gp_kind", "采购品目类别无效", "unknown procurement kind", field="gpdir_code",
                              code=gpdir_code)
    return kind, item.flag("is_centralized")


def create_plan(uow: UnitOfWork, cmd: c.CreateProcurementPlan) -> str:
    """A procurement plan reserves its amount on the indicator; the method must suit the amount and the
    item (集中采购目录 items through the 集中采购机构; at or above 公开招标数额标准 by 公开招标)."""
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="procurement.plan", agency_code=cmd.agency_code)
    amt = check_fen(cmd.plan_amt, "plan_amt")
    uow.codes.require("pur_method", cmd.pur_method_code, "pur_method_code")
    uow.codes.require("pur_org_form", cmd.pur_org_form, "pur_org_form")
    kind, centralized = _kind(uow, cmd.gpdir_code)
    ind = uow.indicators.get(cmd.bgt_id, lock=True)
    if ind.agency_code != cmd.agency_code:
        raise ControlViolation("indicator_agency", "指标所属单位与申请单位不一致", "indicator belongs to another agency",
                               bgt_id=ind.bgt_id, indicator_agency=ind.agency_code, agency_code=cmd.agency_code)
    ind.check_executable()
    if uow.yearend.closed(ind.mof_div_code, ind.fiscal_year):
        raise ControlViolation("year_closed", "该预算年度已年终结账", "the fiscal year is closed", fiscal_year=ind.fiscal_year)
    if centralized and cmd.pur_org_form != CENTRAL_AGENCY:
        raise ControlViolation("gp_centralized", "集中采购目录内品目须委托集中采购机构采购",
                               "items on the 集中采购目录 go through the 集中采购机构", field="pur_org_form",
                               gpdir_code=cmd.gpdir_code)
    tender = threshold(uow, ind.mof_div_code, f"PT_{KIND_KEYS[kind]}")
    if amt >= tender and cmd.pur_method_code != PUBLIC_TENDER:
        raise ControlViolation("gp_public_tender_required", "达到公开招标数额标准，须采用公开招标方式",
                               "at or above the public-tender threshold the method must be 公开招标",
                               field="pur_method_code", plan_amt=yuan(amt), threshold=yuan(tender), kind=kind)
    plan_id = uow.new_id()
    seq = uow.counters.next(f"gp_plan_no:{ind.mof_div_code}:{ind.fiscal_year}")
    now = uow.now_naive()
    uow.indicators.post([ind.reserve_gp(amt, plan_id)], now)
    uow.procurement.add_plan({
        "plan_id": plan_id, "gp_plan_no": f"CG{ind.fiscal_year}{seq:06d}", "mof_div_code": ind.mof_div_code,
        "fiscal_year": ind.fiscal_year, "agency_code": cmd.agency_code, "pro_code": ind.pro_code,
        "bgt_id": ind.bgt_id, "gpdir_code": cmd.gpdir_code, "pur_method_code": cmd.pur_method_code,
        "pur_org_form": cmd.pur_org_form, "plan_amt": amt, "reserved_amt": amt,
        "is_smes_reserved": cmd.is_smes_reserved, "status": "open", "create_time": now, "update_time": now})
    below = amt < threshold(uow, ind.mof_div_code, f"DL_{KIND_KEYS[kind]}") and not centralized
    uow.record(cmd.actor, "procurement.plan", "gp_plan", plan_id, after={
        "bgt_id": ind.bgt_id, "gpdir_code": cmd.gpdir_code, "pur_method_code": cmd.pur_method_code,
        "pur_org_form": cmd.pur_org_form, "plan_amt": amt, "below_procurement_limit": below})
    return plan_id


def register_contract(uow: UnitOfWork, cmd: c.RegisterContract) -> str:
    plan = uow.procurement.plan(cmd.plan_id, lock=True)
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="procurement.contract", agency_code=plan["agency_code"])
    no = require(cmd.contract_no, "contract_no").strip()
    require(cmd.supplier_name, "supplier_name")
    require(cmd.supplier_acct_no, "supplier_acct_no")
    require(cmd.supplier_bank_name, "supplier_bank_name")
    require(cmd.supplier_unifsoc_cred_code, "supplier_unifsoc_cred_code")
    uscc = validate_uscc(cmd.supplier_unifsoc_cred_code)
    amt = check_fen(cmd.contract_amt, "contract_amt")
    if plan["status"] != "open":
        raise StateError("gp_plan_closed", "采购计划已关闭", "procurement plan closed", plan_id=plan["plan_id"])
    if uow.procurement.contract(no) is not None:
        raise StateError("contract_exists", "合同编号已存在", "contract number already used", contract_no=no)
    room = plan["plan_amt"] - uow.procurement.contracted(plan["plan_id"])
    if amt > room:
        raise ControlViolation("contract_over_plan", "合同金额超过采购计划余额", "contract exceeds the plan",
                               plan_id=plan["plan_id"], available=yuan(room), requested=yuan(amt))
    if cmd.sign_date.year != plan["fiscal_year"]:
        raise ValidationError("date_outside_year", "合同签订日期不在预算年度内", "contract signed outside the fiscal year",
                              field="sign_date", sign_date=cmd.sign_date, fiscal_year=plan["fiscal_year"])
    now = uow.now_naive()
    uow.procurement.add_contract({
        "contract_no": no, "plan_id": plan["plan_id"], "agency_code": plan["agency_code"],
        "supplier_name": cmd.supplier_name.strip(), "supplier_unifsoc_cred_code": uscc,
        "supplier_acct_no": cmd.supplier_acct_no.strip(), "supplier_bank_name": cmd.supplier_bank_name.strip(),
        "contract_amt": amt, "sign_date": cmd.sign_date, "status": "active", "create_time": now, "update_time": now})
    uow.record(cmd.actor, "procurement.contract", "gp_contract", no, after={
        "plan_id": plan["plan_id"], "supplier_name": cmd.supplier_name.strip(), "supplier_uscc": uscc,
        "contract_amt": amt, "sign_date": cmd.sign_date})
    return no


def close_plan(uow: UnitOfWork, cmd: c.CloseProcurementPlan) -> int:
    """Close a plan: what it still reserves returns to the indicator's available balance."""
    plan0 = uow.procurement.plan(cmd.plan_id)
    ind = uow.indicators.get(plan0["bgt_id"], lock=True)
    plan = uow.procurement.plan(cmd.plan_id, lock=True)
    authorize(cmd.actor, {Role.UNIT_CLERK, Role.FIN_BUSINESS}, action="procurement.close",
              agency_code=plan["agency_code"])
    if plan["status"] != "open":
        raise StateError("gp_plan_closed", "采购计划已关闭", "procurement plan closed", plan_id=plan["plan_id"])
    released = int(plan["reserved_amt"])
    now = uow.now_naive()
    if released:
        uow.indicators.post([ind.release_gp(released, plan["plan_id"])], now)
    uow.procurement.update_plan(plan["plan_id"], reserved_amt=0, status="closed", update_time=now)
    uow.record(cmd.actor, "procurement.close", "gp_plan", plan["plan_id"], before={"status": "open"},
               after={"status": "closed", "released": released})
    return released
