"""Handlers: 绩效 monitoring (双监控) and self-evaluation, scores kept for next year's budget."""

from __future__ import annotations

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import StateError, ValidationError
from ..domain.journal import dumps
from ..domain.performance import WARNING_GAP, grade, score, weighted_progress
from ..domain.projects import Project
from .unit_of_work import UnitOfWork


def _kpis(uow: UnitOfWork, p: Project, values: dict[str, int], what: str) -> dict[str, int]:
    """kpi_id → weight of the project's indicators; the values must name exactly those, 0-100."""
    with_ids = uow.projects.perf_indicator_ids(p.pro_code)
    if not with_ids:
        raise StateError("perf_targets_missing", "项目没有绩效指标", "the project has no performance indicators",
                         pro_code=p.pro_code)
    missing = sorted(set(with_ids) - set(values))
    unknown = sorted(set(values) - set(with_ids))
    if missing or unknown:
        raise ValidationError("kpi_ids", "须逐项填报本项目的全部绩效指标", "report every indicator of the project",
                              field=what, missing=",".join(missing) or "-", unknown=",".join(unknown) or "-")
    for k, v in values.items():
        if not 0 <= v <= 100:
            raise ValidationError("kpi_percent", "完成/达成比例须在0-100之间", "percent must be 0-100",
                                  field=f"{what}[{k}]", value=v)
    return with_ids


def _exec_per_mille(uow: UnitOfWork, pro_code: str, fiscal_year: int) -> tuple[int, int, int]:
    budget, paid = uow.perf.project_execution(pro_code, fiscal_year)
    return (round(paid * 1000 / budget) if budget else 0), budget, paid


def record_monitoring(uow: UnitOfWork, cmd: c.RecordPerfMonitoring) -> bool:
    """双监控: target completion against spending progress; a gap over 20 points is a warning."""
    p = uow.projects.get(cmd.pro_code)
    authorize(cmd.actor, {Role.UNIT_CLERK, Role.FIN_BUSINESS}, action="perf.monitor", agency_code=p.agency_code)
    p.require_library("performance monitoring")
    if cmd.as_of.year != cmd.fiscal_year:
        raise ValidationError("date_outside_year", "监控日期不在预算年度内", "as_of outside the fiscal year",
                              field="as_of", as_of=cmd.as_of, fiscal_year=cmd.fiscal_year)
    weights = _kpis(uow, p, cmd.progress, "progress")
    target = weighted_progress(weights, cmd.progress)
    spent, budget, paid = _exec_per_mille(uow, p.pro_code, cmd.fiscal_year)
    warning = abs(target - spent) > WARNING_GAP
    monitor_id = uow.new_id()
    uow.perf.add_monitor({"monitor_id": monitor_id, "pro_code": p.pro_code, "fiscal_year": cmd.fiscal_year,
                          "as_of": cmd.as_of, "target_progress": target, "exec_progress": spent,
                          "is_warning": warning, "detail_json": dumps({"progress": cmd.progress, "budget": budget,
                                                                       "paid": paid}),
                          "create_time": uow.now_naive()})
    uow.record(cmd.actor, "perf.monitor", "pm_project", p.pro_code,
               after={"as_of": cmd.as_of, "target_progress": target, "exec_progress": spent, "warning": warning})
    return warning


def self_evaluate(uow: UnitOfWork, cmd: c.SelfEvaluate) -> tuple[int, str]:
    """绩效自评 with the standard weights; 预算执行率 from the ledger. Stored once per project and year."""
    p = uow.projects.get(cmd.pro_code, lock=True)
    authorize(cmd.actor, {Role.UNIT_CLERK}, action="perf.evaluate", agency_code=p.agency_code)
    if uow.perf.evaluation(p.pro_code, cmd.fiscal_year) is not None:
        raise StateError("perf_evaluated", "该项目本年度已完成绩效自评", "already evaluated for the year",
                         pro_code=p.pro_code, fiscal_year=cmd.fiscal_year)
    weights = _kpis(uow, p, cmd.achievements, "achievements")
    rate, budget, paid = _exec_per_mille(uow, p.pro_code, cmd.fiscal_year)
    points = score(weights, cmd.achievements, rate)
    g = grade(points)
    uow.perf.add_evaluation({"pro_code": p.pro_code, "fiscal_year": cmd.fiscal_year, "score": points, "grade": g,
                             "exec_rate": rate, "detail_json": dumps({"achievements": cmd.achievements,
                                                                      "budget": budget, "paid": paid}),
                             "create_time": uow.now_naive()})
    uow.record(cmd.actor, "perf.evaluate", "pm_project", p.pro_code,
               after={"fiscal_year": cmd.fiscal_year, "score": points, "grade": g, "exec_rate": rate})
    return points, g
