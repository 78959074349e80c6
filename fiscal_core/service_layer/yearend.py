"""Handler: 年终结转结余 (docs/standard/lifecycles.md §L6). Close year N for a 区划:

per indicator, unspent = approved − paid. Continuing projects carry it over (结转: a year-N+1 indicator,
source 上年结转, ``ori_bgt_id`` → the old one, taking along what was frozen, reserved for procurement and
in flight); finished or terminated projects, projects whose term ended, and money already carried over
once (two years unused) return it (结余 收回 to the budget stabilisation pool). Applications still in
flight follow their indicator whatever happens. Unused monthly 用款计划 lapse. Afterwards year N takes no
new applications, budget lines or indicators; carried-over money is spent through the new indicators.
"""

from __future__ import annotations

from datetime import date

from ..adapters import tables as t
from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import StateError, ValidationError
from ..domain.indicators import Indicator, LedgerEntry
from ..domain.projects import Project, ProjectStatus
from .budget import CARRYOVER, _new_indicator
from .unit_of_work import UnitOfWork

ENDED = frozenset({ProjectStatus.COMPLETED, ProjectStatus.TERMINATED})


def _reason_to_return(p: Project, ind: Indicator, fiscal_year: int) -> str | None:
    if p.pro_status in ENDED:
        return "finished" if p.pro_status == ProjectStatus.COMPLETED else "terminated"
    if p.end_year <= fiscal_year:
        return "term_ended"
    if ind.source_type_code == CARRYOVER:
        return "two_years_unused"
    return None


def close_year(uow: UnitOfWork, cmd: c.CloseYear) -> dict[str, int]:
    authorize(cmd.actor, {Role.FIN_BUDGET}, action="yearend.close")
    year = cmd.fiscal_year
    if cmd.close_date < date(year, 12, 31):
        raise ValidationError("close_date", "年终结账日期不能早于12月31日", "close date before 31 December",
                              field="close_date", close_date=cmd.close_date)
    if uow.yearend.closed(cmd.mof_div_code, year):
        raise StateError("year_closed", "该预算年度已年终结账", "the fiscal year is already closed", fiscal_year=year)
    now = uow.now_naive()
    totals = {"indicators": 0, "carried": 0, "returned": 0, "applications_moved": 0}
    projects: dict[str, Project] = {}
    for bgt_id in uow.yearend.indicators_of_year(cmd.mof_div_code, year):
        old = uow.indicators.get(bgt_id, lock=True)
        left = old.cur_amt                       # approved − paid: what year N did not spend
        if left == 0:
            continue
        if old.pro_code not in projects:
            projects[old.pro_code] = uow.projects.get(old.pro_code)
        p = projects[old.pro_code]
        if old.plan_amt:                          # monthly plans lapse with the year
            uow.plans.close_for_indicator(old.bgt_id, now)
        approved = old.amount - old.dis_amt
        reason = _reason_to_return(p, old, year) if old.bgt_exe_flag else "unallocated"
        inflight, frozen, gp = old.inflight_amt, old.frozen_amt, old.gp_amt
        rest = left - inflight                    # everything not in flight
        carried = left if reason is None else inflight
        returned = left - carried
        keep_frozen = frozen if reason is None else 0
        keep_gp = gp if reason is None else 0
        if reason is not None and gp:
            uow.procurement.close_for_indicator(old.bgt_id, now)
        entries = [old.post(LedgerEntry(old.bgt_id, "CARRY_OUT" if carried else "BALANCE", d_dis=left,
                                        d_frozen=-frozen, d_plan=-old.plan_amt, d_gp=-gp, d_inflight=-inflight,
                                        ref_type="yearend", ref_id=str(year)))]
        new: Indicator | None = None
        if carried:
            agency = uow.agencies.get(old.agency_code)
            new = _new_indicator(uow, p, agency, fiscal_year=year + 1, exp_func_code=old.exp_func_code,
                                 dep_bgt_eco_code=old.dep_bgt_eco_code, gov_bgt_eco_code=old.gov_bgt_eco_code,
                                 fund_type_code=old.fund_type_code, source_type_code=CARRYOVER,
                                 doc_no=f"{year}年度结转", doc_date=cmd.close_date, ori_bgt_id=old.bgt_id,
                                 bgt_doc_title=f"{year}年度结转指标")
            entries.append(new.post(LedgerEntry(new.bgt_id, "CARRY_IN", d_amount=carried, d_frozen=keep_frozen,
                                                d_gp=keep_gp, d_inflight=inflight, ref_type="yearend",
                                                ref_id=str(year))))
            moved = uow.yearend.move_inflight(old.bgt_id, new.bgt_id, now)
            if keep_gp:
                uow.yearend.move_gp_plans(old.bgt_id, new.bgt_id, now)
            uow.yearend.add(t.ba_bgt_carryovers, {
                "carryovers_bgt_id": new.bgt_id, "ori_bgt_id": old.bgt_id, "fiscal_year": year + 1,
                "mof_div_code": old.mof_div_code, "agency_code": old.agency_code, "pro_code": old.pro_code,
                "exp_func_code": old.exp_func_code, "gov_bgt_eco_code": old.gov_bgt_eco_code,
                "fund_type_code": old.fund_type_code, "approve_amt": approved,
                "carryovers_amt": carried, "create_time": now})
            for app_id in moved:
                uow.record(cmd.actor, "payment.carry_over", "pay_voucher", app_id,
                           before={"bgt_id": old.bgt_id}, after={"bgt_id": new.bgt_id})
            totals["applications_moved"] += len(moved)
        if returned:
            uow.yearend.add(t.ba_bgt_balance, {
                "balance_bgt_id": old.bgt_id, "fiscal_year": year, "mof_div_code": old.mof_div_code,
                "agency_code": old.agency_code, "pro_code": old.pro_code, "balance": returned,
                "back_balance": returned, "reason": reason or "", "create_time": now})
        uow.indicators.post(entries, now)
        uow.record(cmd.actor, "indicator.yearend", "ba_bgt_info", old.bgt_id,
                   after={"unspent": left, "carried": carried, "returned": returned, "reason": reason or "carry_over",
                          "carryover_bgt_id": new.bgt_id if new else None, "not_in_flight": rest})
        totals["indicators"] += 1
        totals["carried"] += carried
        totals["returned"] += returned
    for p in projects.values():                    # multi-year projects roll on into the new year
        if p.pro_status == ProjectStatus.EXECUTING and p.end_year > year and (p.roll_year or 0) < year + 1:
            before = p.roll_year
            p.roll(year + 1)
            uow.projects.save_state(p, now)
            uow.record(cmd.actor, "project.roll", "pm_project", p.pro_code, before={"roll_year": before},
                       after={"roll_year": p.roll_year, "exist_statue_code": p.exist_statue_code})
    uow.yearend.add(t.bgt_year_close, {"mof_div_code": cmd.mof_div_code, "fiscal_year": year,
                                      "close_date": cmd.close_date, "carried_amt": totals["carried"],
                                      "returned_amt": totals["returned"], "create_time": now})
    uow.record(cmd.actor, "yearend.close", "bgt_year_close", f"{cmd.mof_div_code}:{year}", after=totals)
    return totals
