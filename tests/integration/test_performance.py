"""绩效: the indicator tree at declaration, 双监控, self-evaluation from the ledger, result kept for budgets."""

from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import StateError, ValidationError
from fiscal_core.domain.projects import PerfIndicator

from ..support import YEAR, World, clerk


def _kpis(world: World, pro: str) -> dict[str, int]:
    return world.core.query(lambda uow: uow.projects.perf_indicator_ids(pro))  # type: ignore[no-any-return]


@pytest.mark.parametrize(("indicators", "rule"), [
    ((PerfIndicator("产出", "数量指标", "x", "1", 90),), "kpi_lv1"),
    ((PerfIndicator("产出指标", "社会效益指标", "x", "1", 90),), "kpi_lv2"),
    ((PerfIndicator("产出指标", "数量指标", "x", "1", 50),), "kpi_weights_sum"),
])
def test_bad_targets_are_refused(world: World, indicators, rule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as e:
        world.h(c.DeclareProject("项目", "101001", "31", YEAR, YEAR, YEAR, 100_00, kpi_target="目标",
                                 perf_indicators=indicators, actor=clerk()))
    assert e.value.rule == rule
    assert world.core.counts()["pm_project"] == 0


def test_double_monitoring_warns_when_results_and_spending_part(world: World) -> None:
    pro, bgt = world.funded(100_000_00)
    kpis = list(_kpis(world, pro))
    app = world.pay(bgt, 60_000_00)
    world.paid(app.pay_app_id)
    ok = world.h(c.RecordPerfMonitoring(pro, YEAR, date(YEAR, 6, 30), dict.fromkeys(kpis, 55), actor=clerk()))
    lagging = world.h(c.RecordPerfMonitoring(pro, YEAR, date(YEAR, 7, 31), dict.fromkeys(kpis, 20), actor=clerk()))
    assert (ok, lagging) == (False, True)         # 60 % spent against 55 % done is fine, against 20 % is not
    with pytest.raises(ValidationError) as e:
        world.h(c.RecordPerfMonitoring(pro, YEAR, date(YEAR, 7, 31), {kpis[0]: 50}, actor=clerk()))
    assert e.value.rule == "kpi_ids"


def test_self_evaluation_scores_with_the_ledger_and_feeds_next_year(world: World) -> None:
    pro = world.project(amount=300_000_00, start=YEAR, end=YEAR + 1, year_plans={YEAR: 100_000_00,
                                                                                  YEAR + 1: 200_000_00})
    bgt = world.indicator(pro, 100_000_00)
    app = world.pay(bgt, 80_000_00)
    world.paid(app.pay_app_id)
    weights = _kpis(world, pro)
    achieved = {k: (100 if w == 50 else 80) for k, w in weights.items()}   # 产出 full, 效益/满意度 80 %
    points, grade = world.h(c.SelfEvaluate(pro, YEAR, achieved, actor=clerk()))
    assert (points, grade) == (50 + 24 + 8 + 8, "优")      # 产出 50 + 效益 24 + 满意度 8 + 执行率 80 % of 10
    with pytest.raises(StateError):
        world.h(c.SelfEvaluate(pro, YEAR, achieved, actor=clerk()))
    line = world.h(c.AddBudgetLine(YEAR + 1, pro, "2050202", "30201", "11", 10_000_00, actor=clerk()))
    assert world.core.query(lambda uow: uow.budget.get_line(line)["perf_score"]) == points
