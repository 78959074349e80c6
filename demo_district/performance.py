"""Performance management (绩效): the targets a project declares, mid-July 双监控 and the December self-evaluation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError
from fiscal_core.domain.projects import PerfIndicator

from . import reads
from .actors import clerk

if TYPE_CHECKING:
    from .engine import Simulation


def perf_targets(what: str) -> tuple[PerfIndicator, ...]:
    return (PerfIndicator("产出指标", "数量指标", f"{what}完成数量", "≥100%", 30),
            PerfIndicator("产出指标", "时效指标", f"{what}按期完成率", "≥95%", 20),
            PerfIndicator("效益指标", "社会效益指标", "服务对象覆盖率", "≥90%", 30),
            PerfIndicator("满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10))


def perf_monitoring(sim: Simulation, year: int, d: date) -> None:
    """双监控 in July: every running project reports how far each of its targets has got."""
    cmds = []
    for pro, info in sim.projects.items():
        if info["kind"].cat.startswith("3") and year in info["plans"] and not info.get("ended"):
            ids = reads.perf_indicator_ids(sim.core, pro)
            cmds.append(c.RecordPerfMonitoring(pro, year, d, {k: sim.rng.randint(30, 70) for k in ids},
                                               actor=clerk(info["agency"])))
    res = sim.batch(cmds, chunk=100)
    sim.stats["perf_monitored"] += sum(not isinstance(r, DomainError) for r in res)


def self_evaluation(sim: Simulation, year: int) -> None:
    """自评 in December: every running project scores its targets."""
    cmds = []
    for pro, info in sim.projects.items():
        if info["kind"].cat.startswith("3") and year in info["plans"] and not info.get("ended"):
            ids = reads.perf_indicator_ids(sim.core, pro)
            cmds.append(c.SelfEvaluate(pro, year, {k: sim.rng.randint(70, 100) for k in ids},
                                       actor=clerk(info["agency"])))
    res = sim.batch(cmds, chunk=100)
    sim.stats["perf_evaluated"] += sum(not isinstance(r, DomainError) for r in res)
