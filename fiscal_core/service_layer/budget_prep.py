"""Handlers: 预算编制 — the "两上两下" round, control numbers, and basic expenditure generated from the
personnel database (docs/standard/lifecycles.md §L2)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ..domain import commands as c
from ..domain.actors import Actor, Role, authorize
from ..domain.agencies import Agency
from ..domain.errors import ControlViolation, StateError, ValidationError
from ..domain.money import check_fen, to_fen, yuan
from ..domain.personnel import Situation, scheme_of
from ..domain.projects import Project, ProjectStatus
from .reference import div_setting
from .unit_of_work import UnitOfWork

BUDGET = frozenset({Role.FIN_BUDGET})
FIRST_UP, SECOND_UP = "first_up", "second_up"
ADMIN_TYPES = frozenset({"1", "2"})          # 行政单位 and 参公: 行政 side of the economic mapping


# -- the round -----------------------------------------------------------------------------------------------
def open_budget_round(uow: UnitOfWork, cmd: c.OpenBudgetRound) -> str:
    authorize(cmd.actor, BUDGET, action="budget.open_round")
    if uow.rounds.stage(cmd.mof_div_code, cmd.fiscal_year, lock=True) is not None:
        raise StateError("round_exists", "该年度预算编制已开始", "the budget round has already started",
                         fiscal_year=cmd.fiscal_year)
    uow.rounds.set_stage(cmd.mof_div_code, cmd.fiscal_year, FIRST_UP, uow.now_naive())
    uow.record(cmd.actor, "budget.round_open", "bgt_round", f"{cmd.mof_div_code}:{cmd.fiscal_year}",
               after={"stage": FIRST_UP})
    return FIRST_UP


def issue_control_numbers(uow: UnitOfWork, cmd: c.IssueControlNumbers) -> str:
    """一下: 控制数 per department. Units then revise their lines within them (二上)."""
    authorize(cmd.actor, BUDGET, action="budget.control_numbers")
    stage = uow.rounds.stage(cmd.mof_div_code, cmd.fiscal_year, lock=True)
    if stage not in (FIRST_UP, SECOND_UP):
        raise StateError("round_stage", "当前阶段不能下达控制数", "control numbers are issued after 一上",
                         stage=stage or "-")
    if not cmd.controls:
        raise ValidationError("required", "必填字段为空", "required field is empty", field="controls")
    now = uow.now_naive()
    for dept, amt in sorted(cmd.controls.items()):
        agency = uow.agencies.get(dept)
        if not agency.is_dept:
            raise ValidationError("control_dept", "控制数只下达到部门（一级预算单位）", "control numbers go to departments",
                                  field="controls", agency_code=dept)
        check_fen(amt, f"controls[{dept}]", allow_zero=True)
        existing = uow.rounds.control(cmd.mof_div_code, cmd.fiscal_year, dept)
        if existing and existing["submitted"]:
            raise StateError("control_submitted", "该部门已提交二上，不能再改控制数", "department already submitted",
                             dept_code=dept)
        uow.rounds.set_control(cmd.mof_div_code, cmd.fiscal_year, dept, amt, now)
    uow.rounds.set_stage(cmd.mof_div_code, cmd.fiscal_year, SECOND_UP, now)
    uow.record(cmd.actor, "budget.control_numbers", "bgt_round", f"{cmd.mof_div_code}:{cmd.fiscal_year}",
               before={"stage": stage}, after={"stage": SECOND_UP, "controls": dict(sorted(cmd.controls.items()))})
    return SECOND_UP


def round_link(uow: UnitOfWork, mof_div_code: str, fiscal_year: int, dept_code: str, add: int) -> str:
    """Where a new or revised line of this department sits in the round ('' outside any round); refuses
    lines that the round's stage does not allow, and keeps 二上 within the department's 控制数."""
    if uow.yearend.closed(mof_div_code, fiscal_year):
        raise ControlViolation("year_closed", "该预算年度已年终结账", "the fiscal year is closed", fiscal_year=fiscal_year)
    stage = uow.rounds.stage(mof_div_code, fiscal_year)
    if stage is None:
        return ""
    if stage == FIRST_UP:
        return "1"
    if stage != SECOND_UP:
        raise StateError("round_stage", "年初预算已批复，年中预算请通过追加办理", "the round is over; use 追加",
                         stage=stage)
    control = uow.rounds.control(mof_div_code, fiscal_year, dept_code, lock=True)
    if control is None:
        raise ControlViolation("control_missing", "该部门未下达控制数", "no control number for this department",
                               dept_code=dept_code, fiscal_year=fiscal_year)
    if control["submitted"]:
        raise StateError("control_submitted", "该部门已提交二上", "the department has already submitted",
                         dept_code=dept_code)
    total = uow.rounds.dept_total(mof_div_code, fiscal_year, dept_code) + add
    if total > control["control_amt"]:
        raise ControlViolation("control_exceeded", "部门预算合计超过控制数", "department lines exceed the control number",
                               dept_code=dept_code, control_amt=yuan(control["control_amt"]), total=yuan(total))
    return "2"


def revise_budget_line(uow: UnitOfWork, cmd: c.ReviseBudgetLine) -> None:
    line = uow.budget.get_line(cmd.bgt_pman_id, lock=True)
    authorize(cmd.actor, {Role.UNIT_CLERK, Role.FIN_BUDGET}, action="budget.revise_line",
              agency_code=line["agency_code"])
    if line["status"] != "draft":
        raise StateError("budget_line_state", "预算项目已批复，不能修改", "budget line already approved",
                         bgt_pman_id=line["bgt_pman_id"])
    amt = check_fen(cmd.apply_up, "apply_up")
    link = round_link(uow, line["mof_div_code"], line["fiscal_year"], line["dept_code"], amt - line["apply_up"])
    p = uow.projects.get(line["pro_code"])
    planned = p.year_plans.get(line["fiscal_year"])
    if planned is not None and not p.is_generated:
        others = uow.budget.sum_for_project_year(p.pro_code, line["fiscal_year"]) - line["apply_up"]
        if others + amt > planned:
            raise ControlViolation("budget_exceeds_year_plan", "年度预算超过项目分年支出计划",
                                   "annual budget exceeds the project's plan for the year", pro_code=p.pro_code,
                                   planned=yuan(planned), requested=yuan(others + amt))
    uow.budget.update_line(line["bgt_pman_id"], apply_up=amt, apply_link=link or line["apply_link"],
                           update_time=uow.now_naive())
    uow.record(cmd.actor, "budget.revise_line", "bgt_pm_annual", line["bgt_pman_id"],
               before={"apply_up": line["apply_up"], "apply_link": line["apply_link"]},
               after={"apply_up": amt, "apply_link": link or line["apply_link"]})


def submit_second_round(uow: UnitOfWork, cmd: c.SubmitSecondRound) -> int:
    """二上 submitted by the department: its lines must fit the 控制数."""
    authorize(cmd.actor, {Role.DEPT, Role.FIN_BUDGET}, action="budget.second_up", dept_code=cmd.dept_code)
    if uow.rounds.stage(cmd.mof_div_code, cmd.fiscal_year) != SECOND_UP:
        raise StateError("round_stage", "当前不在二上阶段", "not in the second round", fiscal_year=cmd.fiscal_year)
    control = uow.rounds.control(cmd.mof_div_code, cmd.fiscal_year, cmd.dept_code, lock=True)
    if control is None:
        raise ControlViolation("control_missing", "该部门未下达控制数", "no control number for this department",
                               dept_code=cmd.dept_code)
    if control["submitted"]:
        raise StateError("control_submitted", "该部门已提交二上", "already submitted", dept_code=cmd.dept_code)
    total = uow.rounds.dept_total(cmd.mof_div_code, cmd.fiscal_year, cmd.dept_code)
    if total > control["control_amt"]:
        raise ControlViolation("control_exceeded", "部门预算合计超过控制数", "department lines exceed the control number",
                               dept_code=cmd.dept_code, control_amt=yuan(control["control_amt"]), total=yuan(total))
    uow.rounds.mark_submitted(cmd.mof_div_code, cmd.fiscal_year, cmd.dept_code, uow.now_naive())
    uow.record(cmd.actor, "budget.second_up", "bgt_control_num", f"{cmd.fiscal_year}:{cmd.dept_code}",
               after={"total": total, "control_amt": control["control_amt"]})
    return total


def check_approvable(uow: UnitOfWork, lines: list[dict[str, object]], replies: dict[str, int]) -> None:
    """二下: inside a round, only submitted departments, and Σ 批复数 per department within its 控制数."""
    by_dept: dict[tuple[str, int, str], int] = defaultdict(int)
    for ln in lines:
        key = (str(ln["mof_div_code"]), int(ln["fiscal_year"]), str(ln["dept_code"]))  # type: ignore[call-overload]
        by_dept[key] += replies[str(ln["bgt_pman_id"])]
    for (div, year, dept), replied in sorted(by_dept.items()):
        if uow.yearend.closed(div, year):
            raise ControlViolation("year_closed", "该预算年度已年终结账", "the fiscal year is closed", fiscal_year=year)
        if uow.rounds.stage(div, year) is None:
            continue
        control = uow.rounds.control(div, year, dept)
        if control is None or not control["submitted"]:
            raise StateError("second_up_missing", "部门尚未提交二上，不能批复", "the department has not submitted 二上",
                             dept_code=dept, fiscal_year=year)
        approved = uow.rounds.dept_total(div, year, dept, "reply_amt")
        if approved + replied > control["control_amt"]:
            raise ControlViolation("control_exceeded", "批复数超过部门控制数", "approval exceeds the control number",
                                   dept_code=dept, control_amt=yuan(control["control_amt"]),
                                   total=yuan(approved + replied))


# -- basic expenditure from the personnel database ---------------------------------------------------------------
def _fen(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rate(uow: UnitOfWork, div: str, code: str, column: str, default: str) -> Decimal:
    return Decimal(div_setting(uow, div, f"contribution_rate.{code}.{column}", default))


def _contribution_func(dep_eco: str, agency: Agency) -> str:
    """功能分类 of employer contributions: 养老/年金 under 20805, 医保 under 21011, 公积金 under 22102."""
    is_admin = agency.agency_type_code in ADMIN_TYPES
    return {"30108": "2080505", "30109": "2080506", "30110": "2101101" if is_admin else "2101102",
            "30113": "2210201"}.get(dep_eco, agency.exp_func_code or "")


def basic_lines(uow: UnitOfWork, agency: Agency, staff: list[Situation], fiscal_year: int
                ) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """(人员类 lines, 公用经费 lines), each keyed (exp_func_code, dep_bgt_eco_code) → annual fen."""
    div = agency.mof_div_code
    working = [s for s in staff if s.is_working]
    wages = sum(s.salary.wage for s in working) * 12
    thirteenth = sum(s.salary.basic for s in working if scheme_of(uow.codes, s.per_ide_code) == "公务员")
    personnel: dict[tuple[str, str], int] = defaultdict(int)
    func = agency.exp_func_code or ""
    if wages:
        personnel[(func, "301")] += wages + thirteenth                      # 工资福利 (统发) — 类 level
    base = Decimal(sum(s.salary.wage for s in working) * 12)
    for rate in uow.codes.rows("contribution_rate"):
        employer = _rate(uow, div, rate.code, "employer", rate.attrs.get("employer_rate") or "0")
        amt = _fen(base * employer)
        if amt:
            eco = rate.attrs["dep_bgt_eco_code"]
            personnel[(_contribution_func(eco, agency), eco)] += amt
    retired = sum(s.salary.ret_pay for s in staff if s.per_sta_code == "2") * 12
    if retired:
        personnel[("2080501" if agency.agency_type_code in ADMIN_TYPES else "2080502", "30301")] += retired
    public: dict[tuple[str, str], int] = defaultdict(int)
    headcount = sum(1 for s in working if uow.codes.require("staf_type", s.staf_type_code, "staf_type_code")
                    .flag("counts_against_quota"))
    standard = next((r for r in uow.codes.rows("public_fund_standard")
                     if r.attrs.get("agency_type_code") == agency.agency_type_code), None)
    default_pc = str(to_fen(Decimal(standard.attrs["per_capita_year"]))) if standard else "0"
    per_capita = int(div_setting(uow, div, f"public_fund_per_capita.{agency.agency_type_code}", default_pc))
    pool = headcount * per_capita
    if pool:
        split = uow.codes.rows("public_fund_split")
        given = 0
        for i, row in enumerate(split):
            amt = pool - given if i == len(split) - 1 else _fen(Decimal(pool) * Decimal(row.attrs["share"]))
            given += amt
            if amt:
                public[(func, row.attrs["dep_bgt_eco_code"])] += amt
    union_fee = _fen(Decimal(wages) * Decimal("0.02"))          # 工会经费: 2% of wages (工会法)
    if union_fee:
        public[(func, "30228")] += union_fee
    return dict(personnel), dict(public)


def _generated_project(uow: UnitOfWork, agency: Agency, cat: str, fiscal_year: int, total: int,
                       actor: Actor) -> Project:
    pro = uow.projects.generated_for(agency.agency_code, cat, fiscal_year)
    name = f"{fiscal_year}年{'人员类项目' if cat == '1' else '公用经费'}（{agency.agency_name}）"
    if pro is None:
        seq = uow.counters.next(f"pro_code:{agency.mof_div_code}:{fiscal_year}")
        pro = Project(f"{agency.mof_div_code}{fiscal_year}{cat[0]}{seq:07d}", name, agency.mof_div_code,
                      agency.agency_code, agency.dept_code, cat, fiscal_year, fiscal_year, fiscal_year, max(total, 1),
                      ProjectStatus.RESERVED, {fiscal_year: max(total, 1)}, is_sal=cat == "1", is_generated=True)
        uow.projects.add(pro, uow.now_naive(), uow.new_id)
        uow.record(actor, "project.generate", "pm_project", pro.pro_code,
                   after={"pro_name": name, "agency_code": agency.agency_code, "pro_cat_code": cat,
                          "pro_total_amt": pro.pro_total_amt, "pro_status": pro.pro_status.value})
    elif total and total != pro.pro_total_amt:
        uow.projects.set_amount(pro.pro_code, fiscal_year, total, uow.now_naive())
        pro.pro_total_amt, pro.year_plans = total, {fiscal_year: total}
    return pro


def generate_basic_budget(uow: UnitOfWork, cmd: c.GenerateBasicBudget) -> list[str]:
    """人员类 and 公用经费 lines from the personnel database as of ``as_of``; replaces earlier generated
    lines while they are unapproved, refuses once approved (then mid-year changes go through 追加/调减)."""
    authorize(cmd.actor, BUDGET, action="budget.generate_basic")
    agency = uow.agencies.get(cmd.agency_code)
    if not agency.exp_func_code:
        raise ValidationError("agency_func_missing", "单位未设置默认功能科目，无法生成基本支出",
                              "the agency has no default exp_func_code", field="exp_func_code",
                              agency_code=agency.agency_code)
    staff = uow.persons.as_of(agency.agency_code, cmd.as_of)
    personnel, public = basic_lines(uow, agency, staff, cmd.fiscal_year)
    created: list[str] = []
    for cat, lines in (("1", personnel), ("21", public)):
        total = sum(lines.values())
        if not total and uow.projects.generated_for(agency.agency_code, cat, cmd.fiscal_year) is None:
            continue
        p = _generated_project(uow, agency, cat, cmd.fiscal_year, total, cmd.actor)
        old = uow.budget.lines_for_project(p.pro_code, cmd.fiscal_year)
        if any(ln["status"] != "draft" for ln in old):
            raise StateError("basic_budget_approved", "基本支出预算已批复，人员变动请通过追加或调减办理",
                             "basic budget already approved; use 追加/调减", pro_code=p.pro_code)
        old_total = sum(int(ln["apply_up"]) for ln in old)
        link = _generated_link(uow, agency, cmd.fiscal_year)
        uow.budget.delete_lines([str(ln["bgt_pman_id"]) for ln in old])
        now = uow.now_naive()
        for (func, eco), amt in sorted(lines.items()):
            if eco == "301":
                gov = sorted(uow.codes.gov_eco_for("30101", agency.agency_type_code))[0]
            else:
                gov = sorted(uow.codes.gov_eco_for(eco, agency.agency_type_code))[0]
            uow.codes.require("exp_func", func, "exp_func_code", leaf=True)
            line_id = uow.new_id()
            uow.budget.add_line({
                "bgt_pman_id": line_id, "fiscal_year": cmd.fiscal_year, "mof_div_code": agency.mof_div_code,
                "agency_code": agency.agency_code, "dept_code": agency.dept_code, "pro_kind_code": cat,
                "pro_code": p.pro_code, "exp_func_code": func, "gov_bgt_eco_code": gov, "dep_bgt_eco_code": eco,
                "fund_type_code": "11", "apply_up": amt, "reply_amt": 0, "is_gov_pur": False,
                "apply_link": link, "is_generated": True, "perf_score": None, "status": "draft",
                "approval_file_no": None, "create_time": now, "update_time": now})
            created.append(line_id)
        uow.record(cmd.actor, "budget.generate_basic", "pm_project", p.pro_code,
                   before={"total": old_total, "lines": len(old)},
                   after={"total": total, "lines": len(lines), "as_of": cmd.as_of,
                          "headcount": sum(1 for s in staff if s.is_working)})
        if p.pro_status == ProjectStatus.RESERVED and lines:
            p.pro_status = ProjectStatus.BUDGETED
            uow.projects.save_state(p, now)
    return created


def _generated_link(uow: UnitOfWork, agency: Agency, fiscal_year: int) -> str:
    """Generated lines in 二上 are made by the bureau itself: they count against the control number when
    the department submits, not when generated."""
    if uow.yearend.closed(agency.mof_div_code, fiscal_year):
        raise ControlViolation("year_closed", "该预算年度已年终结账", "the fiscal year is closed", fiscal_year=fiscal_year)
    stage = uow.rounds.stage(agency.mof_div_code, fiscal_year)
    return "" if stage is None else ("2" if stage == SECOND_UP else "1")


def basic_budget_gap(uow: UnitOfWork, agency_code: str, fiscal_year: int, as_of: date) -> dict[str, int]:
    """After approval: what the personnel database now implies minus what was approved, per economic
    code (positive: 追加 needed; negative: 调减 possible)."""
    agency = uow.agencies.get(agency_code)
    personnel, public = basic_lines(uow, agency, uow.persons.as_of(agency_code, as_of), fiscal_year)
    gap: dict[str, int] = defaultdict(int)
    for cat, lines in (("1", personnel), ("21", public)):
        for (_f, eco), amt in lines.items():
            gap[eco] += amt
        p = uow.projects.generated_for(agency_code, cat, fiscal_year)
        if p is not None:
            for ln in uow.budget.lines_for_project(p.pro_code, fiscal_year):
                gap[str(ln["dep_bgt_eco_code"])] -= int(ln["reply_amt"] or ln["apply_up"])
    return {k: v for k, v in sorted(gap.items()) if v}
