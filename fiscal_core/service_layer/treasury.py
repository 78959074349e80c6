"""Handlers: 国库收入 (入库流水), 收入预算 and the treasury account's opening balance. With cleared payments
they give the daily cash position (库款) the warehouse rolls forward."""

from __future__ import annotations

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import StateError, ValidationError, require
from ..domain.money import check_fen
from .payments import _batch
from .results import BatchResult
from .unit_of_work import UnitOfWork

TREASURY_SIDE = frozenset({Role.TREASURY, Role.BANK})


def record_income(uow: UnitOfWork, cmd: c.RecordTreasuryIncome) -> BatchResult:
    authorize(cmd.actor, TREASURY_SIDE, action="treasury.income")
    if not uow.agencies.div_exists(cmd.mof_div_code):
        raise ValidationError("mof_div_not_found", "财政区划不存在", "mof_div not found", field="mof_div_code",
                              mof_div_code=cmd.mof_div_code)
    now = uow.now_naive()
    seen = uow.treasury.income_seen(cmd.mof_div_code, (r.src_no for r in cmd.rows))
    total = 0

    def one(row: c.IncomeRow) -> None:
        nonlocal total
        require(row.src_no, "src_no")
        if row.src_no in seen:
            raise StateError("income_duplicate", "入库流水重复（已入账）", "duplicate treasury income row",
                             src_no=row.src_no)
        uow.codes.require("income", row.inc_code, "inc_code")
        uow.codes.require("budget_level", row.budget_level_code, "budget_level_code")
        check_fen(row.amount, "amount", allow_negative=True)
        uow.treasury.add_income({
            "inc_id": uow.new_id(), "mof_div_code": cmd.mof_div_code, "tre_date": row.tre_date,
            "inc_code": row.inc_code, "budget_level_code": row.budget_level_code, "amount": row.amount,
            "src_no": row.src_no, "create_time": now})
        seen.add(row.src_no)
        total += row.amount

    result = _batch(uow, cmd.rows, lambda r: r.src_no, one)
    if result.accepted:
        dates = sorted(r.tre_date for r in cmd.rows if r.src_no in set(result.accepted))
        uow.record(cmd.actor, "treasury.income", "inc_treasury_income", cmd.file_name or str(dates[0]),
                   after={"rows": len(result.accepted), "total": total, "from": dates[0], "to": dates[-1],
                          "rejected": len(result.rejected)})
    return result


def set_income_budget(uow: UnitOfWork, cmd: c.SetIncomeBudget) -> None:
    authorize(cmd.actor, {Role.FIN_BUDGET}, action="treasury.income_budget")
    for code, amt in cmd.budgets.items():
        uow.codes.require("income", code, "budgets")
        check_fen(amt, f"budgets[{code}]", allow_zero=True)
    uow.treasury.set_income_budget(cmd.mof_div_code, cmd.fiscal_year, dict(cmd.budgets), uow.now_naive())
    uow.record(cmd.actor, "treasury.income_budget", "bgt_income", f"{cmd.mof_div_code}:{cmd.fiscal_year}",
               after={"budgets": dict(sorted(cmd.budgets.items())), "total": sum(cmd.budgets.values())})


def set_opening(uow: UnitOfWork, cmd: c.SetTreasuryOpening) -> None:
    authorize(cmd.actor, {Role.TREASURY}, action="treasury.opening")
    check_fen(cmd.amount, "amount", allow_zero=True)
    if uow.treasury.opening_exists(cmd.mof_div_code):
        raise StateError("opening_exists", "库款期初余额已设置", "opening balance already set",
                         mof_div_code=cmd.mof_div_code)
    uow.treasury.add_opening(cmd.mof_div_code, cmd.open_date, cmd.amount, uow.now_naive())
    uow.record(cmd.actor, "treasury.opening", "trs_opening", cmd.mof_div_code,
               after={"open_date": cmd.open_date, "amount": cmd.amount})
