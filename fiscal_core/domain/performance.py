"""绩效: the three-level indicator tree, 双监控 and the year-end self-evaluation (docs/standard/entities.md §E10, docs/standard/lifecycles.md §L8)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .codes import CodeSets
from .errors import ValidationError
from .projects import PerfIndicator

INDICATOR_WEIGHTS = 90        # 产出 50 + 效益 30 + 满意度 10; 预算执行率 (10) is computed from the ledger
EXECUTION_WEIGHT = 10
WARNING_GAP = 200             # per mille: 双监控 warns when target and spending progress part by 20 points


def check_indicator_tree(codes: CodeSets, indicators: Sequence[PerfIndicator]) -> None:
    """Every indicator sits in the standard tree (一级 → 二级 of perf_frame, a named 三级 with a value),
    and the weights of a weighted set add up to 90."""
    frame = codes.rows("perf_frame")
    level1 = {r.name: r.code for r in frame if r.level == 1}
    level2 = {(r.parent_code, r.name) for r in frame if r.level == 2}
    for i, ind in enumerate(indicators):
        if ind.kpi_lv1 not in level1:
            raise ValidationError("kpi_lv1", "一级指标不在绩效指标体系中", "level-1 indicator not in the framework",
                                  field=f"perf_indicators[{i}].kpi_lv1", value=ind.kpi_lv1,
                                  allowed="/".join(level1))
        if (level1[ind.kpi_lv1], ind.kpi_lv2) not in level2:
            raise ValidationError("kpi_lv2", "二级指标不属于该一级指标", "level-2 indicator not under its level 1",
                                  field=f"perf_indicators[{i}].kpi_lv2", value=ind.kpi_lv2, kpi_lv1=ind.kpi_lv1)
        if ind.weight < 0:
            raise ValidationError("kpi_weight", "指标权重不能为负", "weight must not be negative",
                                  field=f"perf_indicators[{i}].weight")
    total = sum(ind.weight for ind in indicators)
    if indicators and total != INDICATOR_WEIGHTS:
        raise ValidationError("kpi_weights_sum", "绩效指标权重合计须为90（预算执行率10分由系统计算）",
                              "indicator weights must add up to 90 (budget execution's 10 is computed)",
                              field="perf_indicators", total=total)


def weighted_progress(weights: Mapping[str, int], percents: Mapping[str, int]) -> int:
    """Weighted completion in per mille."""
    total = sum(weights.values())
    if not total:
        return 0
    return round(sum(weights[k] * min(max(percents[k], 0), 100) * 10 for k in weights) / total)


def score(weights: Mapping[str, int], achievements: Mapping[str, int], exec_per_mille: int) -> int:
    """Self-evaluation score out of 100: each indicator scores its weight × achievement (capped at 100 %),
    plus 10 × the budget execution rate (capped at 100 %)."""
    points = sum(weights[k] * min(max(achievements[k], 0), 100) for k in weights) / 100
    points += EXECUTION_WEIGHT * min(exec_per_mille, 1000) / 1000
    return round(points)


def grade(points: int) -> str:
    """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below (财预〔2020〕10号)."""
    return "优" if points >= 90 else "良" if points >= 80 else "中" if points >= 60 else "差"
