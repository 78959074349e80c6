"""Handlers: the project library (申报 → 审核 → 入库, 滚动, 结项/终止)."""

from __future__ import annotations

import dataclasses

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import ControlViolation, StateError, ValidationError, require
from ..domain.indicators import LedgerEntry
from ..domain.money import check_fen, yuan
from ..domain.performance import check_indicator_tree
from ..domain.projects import STATUS_NAMES, Project, ProjectStatus
from .unit_of_work import UnitOfWork

NON_LEAF_CATEGORIES = frozenset({"2", "3"})  # 运转类 and 特定目标类 must be declared at a sub-category
GENERATED_CATEGORIES = frozenset({"1", "21"})  # control 3: 人员类 and 公用经费 come from the personnel database


def _summary(p: Project) -> dict[str, object]:
    return {"pro_name": p.pro_name, "agency_code": p.agency_code, "pro_cat_code": p.pro_cat_code,
            "pro_total_amt": p.pro_total_amt, "term": f"{p.pro_start_year}-{p.end_year}",
            "pro_status": p.pro_status.value, "year_plans": {str(y): a for y, a in sorted(p.year_plans.items())}}


def declare_project(uow: UnitOfWork, cmd: c.DeclareProject) -> str:
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="project.declare", agency_code=cmd.agency_code)
    require(cmd.pro_name, "pro_name")
    agency = uow.agencies.get(cmd.agency_code)
    uow.codes.require("pro_cat", cmd.pro_cat_code, "pro_cat_code")
    if cmd.pro_cat_code in NON_LEAF_CATEGORIES:
        raise ValidationError("pro_cat_level", "项目类别须选到二级（如 22 其他运转类、31 部门预算项目）",
                              "choose a sub-category of 项目类别", field="pro_cat_code", code=cmd.pro_cat_code)
    if not cmd.setup_year <= cmd.pro_start_year <= cmd.end_year or cmd.end_year - cmd.pro_start_year >= 10:
        raise ValidationError("project_term", "项目期限无效（设立年度≤起始年度≤结束年度，期限不超过10年）",
                              "invalid project term", field="end_year", setup_year=cmd.setup_year,
                              pro_start_year=cmd.pro_start_year, end_year=cmd.end_year)
    total = check_fen(cmd.pro_total_amt, "pro_total_amt")
    plans = dict(cmd.year_plans) or {cmd.pro_start_year: total}
    for y, a in plans.items():
        check_fen(a, f"year_plans[{y}]")
    pro_code = cmd.pro_code
    if pro_code is None:
        seq = uow.counters.next(f"pro_code:{agency.mof_div_code}:{cmd.setup_year}")
        pro_code = f"{agency.mof_div_code}{cmd.setup_year}{cmd.pro_cat_code[0]}{seq:07d}"
    elif len(pro_code) > 21 or not pro_code.isalnum():
        raise ValidationError("pro_code_format", "项目代码须为不超过21位的字母数字", "pro_code must be ≤21 alphanumerics",
                              field="pro_code", value=pro_code)
    p = Project(pro_code, cmd.pro_name.strip(), agency.mof_div_code, agency.agency_code, agency.dept_code,
                cmd.pro_cat_code, cmd.setup_year, cmd.pro_start_year, cmd.end_year, total, ProjectStatus.DRAFT,
                plans, "1", None, cmd.is_gov_pur, cmd.is_dir, cmd.is_sub, cmd.is_sal or cmd.pro_cat_code == "1",
                cmd.is_fun, cmd.pro_desc, "1" if cmd.is_sangong else "", False, cmd.kpi_target.strip(),
                list(cmd.perf_indicators))
    if cmd.pro_cat_code in GENERATED_CATEGORIES:
        raise ValidationError("pro_cat_generated", "人员类和公用经费项目由系统根据人员库生成，不能申报",
                              "人员类 and 公用经费 projects are generated, not declared", field="pro_cat_code",
                              code=cmd.pro_cat_code)
    p.check_year_plans()
    check_indicator_tree(uow.codes, p.perf_indicators)
    uow.projects.add(p, uow.now_naive(), uow.new_id)
    uow.record(cmd.actor, "project.declare", "pm_project", pro_code, after=_summary(p))
    return pro_code


def set_performance_targets(uow: UnitOfWork, cmd: c.SetPerformanceTargets) -> None:
    p = uow.projects.get(cmd.pro_code, lock=True)
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="project.perf", agency_code=p.agency_code)
    if p.pro_status not in (ProjectStatus.DRAFT, ProjectStatus.RETURNED):
        raise StateError("project_state", "只有草稿或退回的项目可以修改绩效目标", "targets are edited in draft only",
                         pro_code=p.pro_code, status=STATUS_NAMES[p.pro_status])
    require(cmd.kpi_target, "kpi_target")
    for i, ind in enumerate(cmd.perf_indicators):
        for f in ("kpi_lv1", "kpi_lv2", "kpi_lv3", "kpi_val"):
            require(getattr(ind, f), f"perf_indicators[{i}].{f}")
    check_indicator_tree(uow.codes, cmd.perf_indicators)
    before = {"kpi_target": p.kpi_target, "indicators": len(p.perf_indicators)}
    p.kpi_target, p.perf_indicators = cmd.kpi_target.strip(), list(cmd.perf_indicators)
    uow.projects.save_perf(p, uow.new_id)
    uow.record(cmd.actor, "project.perf_targets", "pm_project", p.pro_code, before=before,
               after={"kpi_target": p.kpi_target,
                      "indicators": [dataclasses.asdict(i) for i in p.perf_indicators]})


def project_action(uow: UnitOfWork, cmd: c.ProjectAction) -> str:
    p = uow.projects.get(cmd.pro_code, lock=True)
    ended = cmd.action in ("complete", "terminate")
    if ended:
        _close_indicators(uow, p, cmd)
    before, after = p.transition(cmd.action, cmd.actor, cmd.opinion)
    uow.projects.save_state(p, uow.now_naive())
    uow.record(cmd.actor, f"project.{cmd.action}", "pm_project", p.pro_code,
               before={"pro_status": before.value}, after={"pro_status": after.value}, opinion=cmd.opinion)
    return after.value


def _close_indicators(uow: UnitOfWork, p: Project, cmd: c.ProjectAction) -> None:
    """Control 5: 结项/终止 returns every indicator's remaining balance (结余/收回); nothing may be in flight."""
    ids = uow.indicators.ids_for_project(p.pro_code)
    inds = uow.indicators.lock_many(ids)
    entries = []
    for ind in inds.values():
        if ind.inflight_amt:
            raise ControlViolation("project_inflight", "项目有在途支付申请，不能结项或终止",
                                   "project has applications in flight", pro_code=p.pro_code, bgt_id=ind.bgt_id,
                                   inflight=yuan(ind.inflight_amt))
        rest = ind.canuse_amt + ind.frozen_amt + ind.plan_amt + ind.gp_amt
        if rest:
            if ind.plan_amt:
                uow.plans.close_for_indicator(ind.bgt_id, uow.now_naive())
            if ind.gp_amt:
                uow.procurement.close_for_indicator(ind.bgt_id, uow.now_naive())
            entries.append(ind.post(LedgerEntry(ind.bgt_id, "CLOSE", d_dis=rest, d_frozen=-ind.frozen_amt,
                                                d_plan=-ind.plan_amt, d_gp=-ind.gp_amt, ref_type="project",
                                                ref_id=p.pro_code)))
            uow.record(cmd.actor, "indicator.close", "ba_bgt_info", ind.bgt_id,
                       after={"returned": rest, "reason": cmd.action}, opinion=cmd.opinion)
    uow.indicators.post(entries, uow.now_naive())


def roll_project(uow: UnitOfWork, cmd: c.RollProject) -> None:
    p = uow.projects.get(cmd.pro_code, lock=True)
    authorize(cmd.actor, {Role.FIN_BUSINESS, Role.FIN_BUDGET}, action="project.roll")
    before = {"roll_year": p.roll_year, "exist_statue_code": p.exist_statue_code}
    p.roll(cmd.to_year)
    uow.projects.save_state(p, uow.now_naive())
    uow.record(cmd.actor, "project.roll", "pm_project", p.pro_code, before=before,
               after={"roll_year": p.roll_year, "exist_statue_code": p.exist_statue_code})
