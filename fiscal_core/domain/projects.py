"""项目库: the project life cycle of docs/standard/lifecycles.md §L1 and its controls."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .actors import Actor, Role, authorize
from .errors import ControlViolation, StateError, ValidationError
from .money import Fen, yuan


class ProjectStatus(StrEnum):
    DRAFT = "draft"
    UNIT_REVIEW = "unit_review"
    DEPT_REVIEW = "dept_review"
    FIN_REVIEW = "fin_review"
    RESERVED = "reserved"
    BUDGETED = "budgeted"
    EXECUTING = "executing"
    COMPLETED = "completed"
    TERMINATED = "terminated"
    RETURNED = "returned"
    VOIDED = "voided"


STATUS_NAMES = {
    "draft": "草稿", "unit_review": "单位审核", "dept_review": "主管部门审核", "fin_review": "财政审核",
    "reserved": "已储备", "budgeted": "已安排预算", "executing": "执行中", "completed": "结项",
    "terminated": "终止", "returned": "退回修改", "voided": "作废",
}

# 已储备 or later and still alive: may receive budget lines and indicators (先有项目后安排预算).
LIBRARY_STATES = frozenset({ProjectStatus.RESERVED, ProjectStatus.BUDGETED, ProjectStatus.EXECUTING})

S = ProjectStatus
# (from, action) → (to, roles allowed). Internal moves (budget, indicator) are made by the services.
TRANSITIONS: dict[tuple[ProjectStatus, str], tuple[ProjectStatus, frozenset[Role]]] = {
    (S.DRAFT, "submit"): (S.UNIT_REVIEW, frozenset({Role.UNIT_CLERK})),
    (S.RETURNED, "submit"): (S.UNIT_REVIEW, frozenset({Role.UNIT_CLERK})),
    (S.UNIT_REVIEW, "approve"): (S.DEPT_REVIEW, frozenset({Role.UNIT_LEADER})),
    (S.DEPT_REVIEW, "approve"): (S.FIN_REVIEW, frozenset({Role.DEPT})),
    (S.FIN_REVIEW, "approve"): (S.RESERVED, frozenset({Role.FIN_BUSINESS})),
    (S.UNIT_REVIEW, "return"): (S.RETURNED, frozenset({Role.UNIT_LEADER})),
    (S.DEPT_REVIEW, "return"): (S.RETURNED, frozenset({Role.DEPT})),
    (S.FIN_REVIEW, "return"): (S.RETURNED, frozenset({Role.FIN_BUSINESS})),
    (S.DRAFT, "void"): (S.VOIDED, frozenset({Role.UNIT_CLERK})),
    (S.RETURNED, "void"): (S.VOIDED, frozenset({Role.UNIT_CLERK})),
    (S.RESERVED, "void"): (S.VOIDED, frozenset({Role.FIN_BUSINESS})),
    (S.EXECUTING, "complete"): (S.COMPLETED, frozenset({Role.FIN_BUSINESS})),
    (S.RESERVED, "terminate"): (S.TERMINATED, frozenset({Role.FIN_BUSINESS})),
    (S.BUDGETED, "terminate"): (S.TERMINATED, frozenset({Role.FIN_BUSINESS})),
    (S.EXECUTING, "terminate"): (S.TERMINATED, frozenset({Role.FIN_BUSINESS})),
}

ACTION_NAMES = {"submit": "送审", "approve": "审核通过", "return": "退回修改", "void": "作废",
                "complete": "结项", "terminate": "终止"}


def require_live(pro_code: str, status: ProjectStatus, purpose: str) -> None:
    """Controls 1, 2, 5: only a live library project (≥ 已储备, not ended) takes budget, indicators or
    payments."""
    if status not in LIBRARY_STATES:
        raise ControlViolation(
            "project_not_in_library", "项目未入库或已结束，不能安排预算、指标或支付",
            "project is not a live library project", pro_code=pro_code,
            status=f"{STATUS_NAMES[status]}({status.value})", purpose=purpose)


@dataclass(slots=True)
class PerfIndicator:
    kpi_lv1: str
    kpi_lv2: str
    kpi_lv3: str
    kpi_val: str
    weight: int = 0
    meterunit: str = ""
    computesign: str = ""


@dataclass(slots=True)
class Project:
    pro_code: str
    pro_name: str
    mof_div_code: str
    agency_code: str
    dept_code: str
    pro_cat_code: str
    setup_year: int
    pro_start_year: int
    end_year: int
    pro_total_amt: Fen
    pro_status: ProjectStatus = ProjectStatus.DRAFT
    year_plans: dict[int, Fen] = field(default_factory=dict)
    exist_statue_code: str = "1"          # 1 新增项目, 2 延续性项目
    roll_year: int | None = None
    is_gov_pur: bool = False
    is_dir: bool = False
    is_sub: bool = False
    is_sal: bool = False
    is_fun: bool = False
    pro_desc: str = ""
    thr_exp_code: str = ""           # '1': a 三公 project
    is_generated: bool = False       # 人员类/公用经费 generated from the personnel database
    kpi_target: str = ""
    perf_indicators: list[PerfIndicator] = field(default_factory=list)

    @property
    def pro_term(self) -> int:
        return self.end_year - self.pro_start_year + 1

    @property
    def is_specific_purpose(self) -> bool:
        """特定目标类 (3x): needs performance targets before 入库 and budget (control 3)."""
        return self.pro_cat_code.startswith("3")

    @property
    def in_library(self) -> bool:
        return self.pro_status in LIBRARY_STATES

    # -- controls --------------------------------------------------------------------------------------
    def check_year_plans(self) -> None:
        """Control 4: Σ 分年支出计划 = 项目总额, every plan year inside the project's term."""
        for year in self.year_plans:
            if not self.pro_start_year <= year <= self.end_year:
                raise ValidationError("plan_year_range", "分年支出计划年度超出项目期限",
                                      "year plan outside the project term", field="year_plans",
                                      pro_code=self.pro_code, year=year)
        total = sum(self.year_plans.values())
        if total != self.pro_total_amt:
            raise ControlViolation("year_plan_sum", "分年支出计划合计不等于项目总额",
                                   "year plans do not sum to the project total", pro_code=self.pro_code,
                                   plans=yuan(total), pro_total_amt=yuan(self.pro_total_amt))

    def check_perf_targets(self) -> None:
        """Control 3: 特定目标类 projects need 绩效目标 and at least one indicator."""
        if self.is_specific_purpose and (not self.kpi_target.strip() or not self.perf_indicators):
            raise ControlViolation("perf_target_missing", "特定目标类项目须填报绩效目标和绩效指标",
                                   "specific-purpose projects need performance targets", pro_code=self.pro_code)

    def require_library(self, purpose: str) -> None:
        require_live(self.pro_code, self.pro_status, purpose)

    def check_budget_year(self, year: int) -> None:
        if not self.pro_start_year <= year <= self.end_year:
            raise ControlViolation("budget_year_range", "预算年度不在项目期限内", "budget year outside project term",
                                   pro_code=self.pro_code, fiscal_year=year,
                                   term=f"{self.pro_start_year}-{self.end_year}")

    # -- transitions -----------------------------------------------------------------------------------
    def transition(self, action: str, actor: Actor, opinion: str = "") -> tuple[ProjectStatus, ProjectStatus]:
        key = (self.pro_status, action)
        if key not in TRANSITIONS:
            raise StateError("project_state", "项目当前状态不允许此操作", "action not allowed in this state",
                             pro_code=self.pro_code, status=STATUS_NAMES[self.pro_status], action=action)
        to, roles = TRANSITIONS[key]
        authorize(actor, roles, action=f"project.{action}", agency_code=self.agency_code, dept_code=self.dept_code)
        if action == "return" and not opinion.strip():
            raise ValidationError("opinion_required", "退回须填写审核意见", "a return needs an opinion",
                                  field="opinion")
        if action in ("submit", "approve"):
            self.check_year_plans()
            self.check_perf_targets()
        before = self.pro_status
        self.pro_status = to
        return before, to

    def mark_budgeted(self) -> bool:
        if self.pro_status == ProjectStatus.RESERVED:
            self.pro_status = ProjectStatus.BUDGETED
            return True
        return False

    def mark_executing(self) -> bool:
        if self.pro_status in (ProjectStatus.RESERVED, ProjectStatus.BUDGETED):
            self.pro_status = ProjectStatus.EXECUTING
            return True
        return False

    def roll(self, to_year: int) -> None:
        """滚动: a reserved-unbudgeted or multi-year executing project carries on into ``to_year``."""
        if self.pro_status not in LIBRARY_STATES:
            raise StateError("project_roll_state", "只有已储备或执行中的项目可以滚动",
                             "only library projects roll", pro_code=self.pro_code,
                             status=STATUS_NAMES[self.pro_status])
        if to_year > self.end_year:
            raise ControlViolation("project_roll_term", "项目期限已满，须先调整项目期限", "project term has ended",
                                   pro_code=self.pro_code, end_year=self.end_year, to_year=to_year)
        if to_year <= (self.roll_year or self.setup_year):
            raise ValidationError("project_roll_year", "滚动年度须晚于当前年度", "roll year must be later",
                                  field="to_year", to_year=to_year)
        self.roll_year = to_year
        self.exist_statue_code = "2"
