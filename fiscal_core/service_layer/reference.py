"""Handlers: 区划, agencies, per-区划 configuration."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.agencies import Agency, validate_agency_code, validate_mof_div_code, validate_uscc
from ..domain.errors import NotFound, StateError, ValidationError, require
from ..domain.money import check_fen
from .unit_of_work import UnitOfWork

ADMIN = frozenset({Role.ADMIN})
CONFIG_KEYS = {"fin_review_threshold", "plan_control_fund_types"}
CONFIG_PREFIXES = ("gp_threshold.", "public_fund_per_capita.", "contribution_rate.")
DEFAULT_FIN_REVIEW_THRESHOLD = 50_000_000  # fen = 50万元: applications at or above go to 国库处 review


ORIGINS = frozenset({"demo"})


def declare_core_origin(uow: UnitOfWork, cmd: c.DeclareCoreOrigin) -> None:
    authorize(cmd.actor, ADMIN, action="core.declare_origin")
    if cmd.origin not in ORIGINS:
        raise ValidationError("core_origin_invalid", "核心库来源无效", "unknown core origin", origin=cmd.origin)
    if uow.agencies.div_exists_any():
        raise StateError("core_not_empty", "核心库已有业务数据，不能再声明来源", "the core already holds business data",
                         origin=cmd.origin)
    uow.config.set_meta("origin", cmd.origin)
    uow.record(cmd.actor, "core.declare_origin", "sys_meta", "origin", after={"origin": cmd.origin})


def register_mof_div(uow: UnitOfWork, cmd: c.RegisterMofDiv) -> str:
    authorize(cmd.actor, ADMIN, action="mof_div.register")
    code = validate_mof_div_code(cmd.mof_div_code)
    require(cmd.mof_div_name, "mof_div_name")
    if uow.agencies.div_exists(code):
        raise StateError("mof_div_exists", "财政区划已存在", "mof_div already registered", mof_div_code=code)
    uow.agencies.add_div(code, cmd.mof_div_name.strip(), uow.now_naive())
    uow.record(cmd.actor, "mof_div.register", "bas_mof_div", code, after={"mof_div_name": cmd.mof_div_name})
    return code


def register_agency(uow: UnitOfWork, cmd: c.RegisterAgency) -> str:
    authorize(cmd.actor, ADMIN, action="agency.register")
    code = validate_agency_code(cmd.agency_code)
    require(cmd.agency_name, "agency_name")
    uow.codes.require("agency_type", cmd.agency_type_code, "agency_type_code")
    if not uow.agencies.div_exists(cmd.mof_div_code):
        raise NotFound("mof_div_not_found", "财政区划不存在", "mof_div not found", mof_div_code=cmd.mof_div_code)
    if uow.agencies.exists(code):
        raise StateError("agency_exists", "单位代码已存在", "agency already registered", agency_code=code)
    dept_code = code
    if cmd.parent_code:
        parent = uow.agencies.get(cmd.parent_code)
        if parent.mof_div_code != cmd.mof_div_code:
            raise ValidationError("parent_div", "上级单位须属于同一财政区划", "parent agency is in another mof_div",
                                  field="parent_code", parent_code=cmd.parent_code)
        dept_code = parent.dept_code
    for acct in cmd.accounts:
        require(acct.acct_no, "accounts.acct_no")
        require(acct.acct_name, "accounts.acct_name")
        require(acct.bank_name, "accounts.bank_name")
    if cmd.exp_func_code:
        uow.codes.require("exp_func", cmd.exp_func_code, "exp_func_code", leaf=True)
    agency = Agency(code, cmd.agency_name.strip(), cmd.mof_div_code, cmd.agency_type_code, cmd.parent_code or None,
                    dept_code, validate_uscc(cmd.unifsoc_cred_code), True, list(cmd.accounts),
                    cmd.exp_func_code or None)
    uow.agencies.add(agency, uow.now_naive())
    uow.record(cmd.actor, "agency.register", "bas_agency_info", code, after={
        "agency_name": agency.agency_name, "mof_div_code": agency.mof_div_code, "dept_code": dept_code,
        "parent_code": agency.parent_code, "agency_type_code": agency.agency_type_code,
        "accounts": [a.acct_no for a in agency.accounts]})
    return code


def set_div_config(uow: UnitOfWork, cmd: c.SetDivConfig) -> None:
    authorize(cmd.actor, ADMIN | {Role.TREASURY, Role.FIN_BUDGET}, action="config.set")
    if cmd.key not in CONFIG_KEYS and not cmd.key.startswith(CONFIG_PREFIXES):
        raise ValidationError("config_key", "未知的配置项", "unknown configuration key", field="key", key=cmd.key,
                              allowed="/".join(sorted(CONFIG_KEYS)))
    value = cmd.value.strip()
    if cmd.key == "fin_review_threshold":
        if not value.isdigit():
            raise ValidationError("config_value", "阈值须为非负整数（分）", "threshold must be integer fen",
                                  field="value", value=value)
        check_fen(int(value), "fin_review_threshold", allow_zero=True)
    elif cmd.key.startswith(("gp_threshold.", "public_fund_per_capita.")):
        if not value.isdigit():
            raise ValidationError("config_value", "金额须为非负整数（分）", "amount must be integer fen",
                                  field="value", key=cmd.key, value=value)
    elif cmd.key.startswith("contribution_rate."):
        try:
            rate = Decimal(value)
        except InvalidOperation:
            rate = Decimal(-1)
        if not Decimal(0) <= rate < Decimal(1):
            raise ValidationError("config_value", "费率须为0到1之间的小数", "rate must be a fraction in [0, 1)",
                                  field="value", key=cmd.key, value=value)
    elif cmd.key == "plan_control_fund_types":
        fund_types = [f for f in value.split(",") if f]
        for f in fund_types:
            uow.codes.require("fund_type", f, "plan_control_fund_types")
        uow.config.set_plan_control(cmd.mof_div_code, fund_types)
        value = ",".join(sorted(set(fund_types)))
    old = uow.config.set(cmd.mof_div_code, cmd.key, value)
    uow.record(cmd.actor, "config.set", "sys_div_config", f"{cmd.mof_div_code}:{cmd.key}",
               before={"value": old}, after={"value": value})


def div_setting(uow: UnitOfWork, mof_div_code: str, key: str, default: str) -> str:
    v = uow.config.get(mof_div_code, key)
    return default if v is None else v


def fin_review_threshold(uow: UnitOfWork, mof_div_code: str) -> int:
    v = uow.config.get(mof_div_code, "fin_review_threshold")
    return int(v) if v is not None else DEFAULT_FIN_REVIEW_THRESHOLD
