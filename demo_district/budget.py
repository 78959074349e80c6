"""Projects and budgets: the project library, the budget round for next year (一上 in October, 一下 control
numbers, 二上, 批复 in January), the year's executable indicators, and the indicator business of the year
(追加 of new projects and of wages, 调剂 between projects, 上级转移支付 allocated to the units)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError

from . import irregular, payments, reads, revenue, treasury
from .actors import BUDGET, BUSINESS, TREASURY, clerk, dept_actor, leader
from .calendar import month_workdays
from .catalogue import COMMON, DIV_CODE, PROJECTS, ProjectKind
from .performance import perf_targets
from .state import Agency, Ind

if TYPE_CHECKING:
    from .engine import Simulation

AMOUNT_FACTOR = 4      # the catalogue's ranges are for a modest county; a rich southern-Jiangsu district spends more


# -- the budget round ------------------------------------------------------------------------------------------
def open_round(sim: Simulation, year: int) -> None:
    """一上 on 8 October: the income budget, and every unit declares its projects into the library."""
    sim.clock.set_day(date(year - 1, 10, 8))
    sim.h(c.OpenBudgetRound(DIV_CODE, year, actor=BUDGET))
    sim.h(c.SetIncomeBudget(DIV_CODE, year, income_budget(sim, year), actor=BUDGET))
    made = returned = voided = 0
    for a in sim.agencies.values():
        kinds = list(COMMON) + list(PROJECTS.get(a.sector, ()))
        for k in kinds:
            count = poisson(sim, k.per_unit / 100 * (1.6 if a.is_dept else 0.9))
            for _ in range(count):
                pro, r, v = declare(sim, a, k, year)
                made += pro is not None
                returned += r
                voided += v
        if a.is_dept:                          # every department keeps a small 三公 budget
            pro, *_ = declare(sim, a, ProjectKind("22", "公务接待及公务用车运行", "30217", (3, 15), 100), year,
                              sangong=True)
            if pro:
                sim.sangong[(a.code, year)] = pro
    sim.stats[f"projects_{year}"] = made
    sim.progress(f"{year}年预算 一上：申报项目 {made} 个（退回修改 {returned}，作废 {voided}）")


def poisson(sim: Simulation, lam: float) -> int:
    lam *= 1.0 if sim.cfg.scale >= 0.05 else 1.5
    n, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= sim.rng.random()
        if p <= limit:
            return n
        n += 1


def money(sim: Simulation, lo_wan: float, hi_wan: float) -> int:
    """An amount in fen between two amounts in 万元, evenly spread on a log scale, in whole yuan."""
    return int(math.exp(sim.rng.uniform(math.log(lo_wan), math.log(hi_wan))) * 10_000) * 100


def declare(sim: Simulation, a: Agency, k: ProjectKind, year: int, *, sangong: bool = False,
            mid_year: bool = False) -> tuple[str | None, int, int]:
    """A project into the library through its approvals (unit, department, finance); some are returned
    once and fixed, a few withdrawn. Returns (pro_code or None, returned, voided)."""
    size = (1.0 + (a.staff_range[1] / 100 if not a.is_dept else 0.5)) * (1 if sangong else AMOUNT_FACTOR)
    total = money(sim, k.amount[0] * size, k.amount[1] * size)
    term = sim.rng.choice((2, 3)) if k.multi_year and not mid_year else 1
    plans: dict[int, int] = {}
    left = total
    for i in range(term):
        part = left if i == term - 1 else int(total * sim.rng.uniform(0.3, 0.6) / 100) * 100
        plans[year + i] = part
        left -= part
    perf = perf_targets(k.name) if k.cat.startswith("3") else ()
    try:
        pro = sim.h(c.DeclareProject(f"{year}年{k.name}（{a.name}）", a.code, k.cat, year, year, year + term - 1,
                                     total, year_plans=plans, is_gov_pur=k.gov_pur, is_sangong=sangong,
                                     is_sub=k.payee == "person", kpi_target=f"完成{k.name}年度任务" if perf else "",
                                     perf_indicators=perf, actor=clerk(a.code)))
    except DomainError:
        sim.stats["declare_refused"] += 1
        return None, 0, 0
    returned = voided = 0
    steps = [("submit", clerk(a.code)), ("approve", leader(a.code)),
             ("approve", dept_actor(a.dept)), ("approve", BUSINESS)]
    if sim.rng.random() < 0.08:               # sent back once by the finance division, fixed, resubmitted
        for action, who in steps[:3]:
            sim.h(c.ProjectAction(pro, action, actor=who))
        sim.h(c.ProjectAction(pro, "return", "测算依据不充分，请补充明细", actor=BUSINESS))
        returned = 1
    if sim.rng.random() < 0.03 and not sangong:  # withdrawn by the unit
        sim.h(c.ProjectAction(pro, "void", "不再实施", actor=clerk(a.code)))
        return None, returned, 1
    for action, who in steps:
        sim.h(c.ProjectAction(pro, action, "同意" if action == "approve" else "", actor=who))
    sim.projects[pro] = {"kind": k, "agency": a.code, "plans": plans, "sangong": sangong,
                         "reserve_only": sim.rng.random() < 0.04 and not sangong and not mid_year}
    return pro, returned, voided


def budget_lines(sim: Simulation, year: int) -> None:
    """5 November: each library project's share of next year, as budget lines (三公 split in two)."""
    sim.clock.set_day(date(year - 1, 11, 5))
    cmds: list[c.Command] = []
    for pro, info in sim.projects.items():
        amt = info["plans"].get(year)
        if not amt or info.get("ended"):
            continue
        if info["reserve_only"] and year == min(info["plans"]):
            continue                                   # 已储备未安排: rolls on without a budget this year
        k: ProjectKind = info["kind"]
        a = sim.agencies[info["agency"]]
        func = k.func or a.func
        if info["sangong"]:
            half = amt // 2
            cmds.append(c.AddBudgetLine(year, pro, func, "30217", "11", half, actor=clerk(a.code)))
            cmds.append(c.AddBudgetLine(year, pro, func, "30231", "11", amt - half, actor=clerk(a.code)))
        else:
            cmds.append(c.AddBudgetLine(year, pro, func, k.eco, k.fund, amt, actor=clerk(a.code)))
    res = sim.batch(cmds)
    sim.stats["budget_line_refused"] += sum(isinstance(r, DomainError) for r in res)
    sim.progress(f"{year}年预算 一上：项目支出预算 {len(cmds)} 条")


def generate_basic(sim: Simulation, year: int) -> None:
    """1 December: the basic budget (人员类, 公用经费) generated from the personnel database."""
    for a in sim.agencies.values():
        try:
            sim.h(c.GenerateBasicBudget(a.code, year, date(year - 1, 11, 30), actor=BUDGET))
        except DomainError as e:
            sim.log(f"  基本支出生成失败 {a.code}: {e}")
    sim.progress(f"{year}年预算 一上：基本支出按人员库生成")


def control_numbers(sim: Simulation, year: int) -> None:
    """一下 on 5 December: each department's control number, its 一上 total rounded up to 万元."""
    sim.clock.set_day(date(year - 1, 12, 5))
    totals = reads.dept_totals(sim.core, year, (a.code for a in sim.agencies.values() if a.is_dept))
    controls = {d: int(math.ceil(v * 1.0 / 1_000_000) * 1_000_000) for d, v in totals.items()}
    sim.h(c.IssueControlNumbers(DIV_CODE, year, controls, actor=BUDGET))
    sim.controls[year] = controls
    sim.progress(f"{year}年预算 一下：{len(controls)} 个部门控制数 {sum(controls.values()) / 1e10:,.2f} 亿元")


def second_round(sim: Simulation, year: int) -> None:
    """二上 on 20 December: each department submits its budget within its control number."""
    for dept in sorted(sim.controls.pop(year, {})):
        sim.h(c.SubmitSecondRound(DIV_CODE, year, dept, actor=dept_actor(dept)))


def approve_year(sim: Simulation, year: int) -> None:
    """批复 on 5 January: every department's budget approved, the year's indicators taken up for spending,
    the year's planted cases laid out, and January's spending scheduled."""
    # the clock only moves forward: setting a later day here would stamp the days between with it
    by_dept: dict[str, list[str]] = defaultdict(list)
    for dept, line in reads.draft_lines(sim.core, year):
        by_dept[dept].append(line)
    made: dict[str, str] = {}
    for i, (_dept, ids) in enumerate(sorted(by_dept.items())):
        made |= sim.h(c.ApproveBudget(tuple(ids), f"吴财预〔{year}〕{i + 1}号", date(year, 1, 5),
                                      f"关于批复{year}年部门预算的通知", actor=BUDGET))
    sim.inds = {}
    # what can still be spent: for 上年结转 indicators part is already in flight or reserved
    rows = reads.spendable_indicators(sim.core, year)
    for r in rows:
        track(sim, r["bgt_id"], r["pro_code"], r["agency_code"], r["exp_func_code"], r["dep_bgt_eco_code"],
              r["gov_bgt_eco_code"], r["fund_type_code"], r["canuse_amt"], r["pro_cat_code"])
    sim.stats[f"indicators_{year}"] = len(rows)
    # last year's contracts whose reservation came along with the carried-over indicator: their 质保金
    due, sim.warranties = sim.warranties, {}
    for r in rows:
        w = due.get(r["ori_bgt_id"] or "")
        if w and r["bgt_id"] in sim.inds and r["gp_amt"] > 0:      # the plan is the contract: all it reserves
            payments.warranty(sim, sim.inds[r["bgt_id"]], w[0], int(r["gp_amt"]), year)
    total = sum(i.amount for i in sim.inds.values())
    sim.progress(f"{year}年预算 二下：批复指标 {len(rows)} 条，合计 {total / 1e10:,.2f} 亿元")
    irregular.plant_year(sim, year)
    if year >= sim.first_year:
        treasury.plan_year(sim, year)           # January's spending starts once the budget is approved
        payments.schedule_month(sim, year, 1, [d for d in month_workdays(year, 1) if d > date(year, 1, 5)])


def track(sim: Simulation, bgt_id: str, pro: str, agency: str, func: str, dep: str, gov: str, fund: str,
          amount: int, cat: str) -> None:
    """An executable indicator into the year's spending, with its kind and how much of it gets spent."""
    info = sim.projects.get(pro, {})
    k: ProjectKind | None = info.get("kind")
    if cat == "1":
        kind = "wage" if dep == "301" else "retiree" if dep == "30301" else "contribution"
    elif cat == "21":
        kind = "public"
    elif info.get("sangong"):
        kind = "sangong"
    else:
        kind = "gov_pur" if k and k.gov_pur else "project"
    ind = Ind(bgt_id, pro, agency, func, dep, gov, fund, amount, kind, payee=k.payee if k else "company",
              target=sim.rng.uniform(0.86, 0.99), name=k.name if k else "")
    if kind == "sangong":
        ind.target = sim.rng.uniform(0.7, 0.95)
    sim.inds[bgt_id] = ind


def income_budget(sim: Simulation, year: int) -> dict[str, int]:
    budget = {cat.code: int(revenue.annual(cat, year, sim.fiscal_scale) * 1.03) // 100 * 100
              for cat in revenue.CATEGORIES}
    # land sales: the bureau budgets the cooled market (since 2022), still a little hopeful
    land = revenue.annual(revenue.LAND, year, sim.fiscal_scale) * revenue.land_market(year) * 1.10
    budget[revenue.LAND.code] = int(land) // 100 * 100
    return budget


# -- indicators during the year --------------------------------------------------------------------------------
def mid_year_addition(sim: Simulation, year: int, month: int) -> None:
    """追加: a few new projects enter the library and receive an indicator (with a 文号)."""
    count = sim.n(12)
    for _ in range(count):
        a = sim.rng.choice(list(sim.agencies.values()))
        k = sim.rng.choice(PROJECTS.get(a.sector, COMMON))
        if k.fund != "11":
            continue
        pro, *_ = declare(sim, a, ProjectKind(k.cat if k.cat != "22" else "31", k.name, k.eco, k.amount, 0,
                                              k.func, False, k.fund, False, k.payee), year, mid_year=True)
        if not pro:
            continue
        amt = sim.projects[pro]["plans"][year]
        try:
            bgt = sim.h(c.IssueIndicator(year, pro, a.code, k.func or a.func, k.eco, "11", amt, "3",
                                         f"吴财预〔{year}〕追{month}{sim.rng.randint(10, 99)}号",
                                         sim.clock.now.date(), actor=BUDGET))
        except DomainError:
            sim.stats["addition_refused"] += 1
            continue
        row = sim.core.indicator(bgt)
        assert row is not None
        track(sim, bgt, pro, a.code, row["exp_func_code"], k.eco, row["gov_bgt_eco_code"], "11", amt, k.cat)
        sim.stats["additions"] += 1


def adjustments(sim: Simulation, year: int, month: int) -> None:
    """调剂 within a department: money moves from a slow project to a busy one."""
    by_agency: dict[str, list[Ind]] = defaultdict(list)
    for ind in sim.inds.values():
        # money a unit has committed (planted payments still to come) is not moved away
        if ind.kind == "project" and ind.fund == "11" and not ind.held and not ind.held_contract:
            by_agency[ind.agency].append(ind)
    pairs = [(a, inds) for a, inds in sorted(by_agency.items()) if len(inds) >= 2]
    sim.rng.shuffle(pairs)
    for _a, inds in pairs[: sim.n(10)]:
        src, dst = sim.rng.sample(inds, 2)
        row = sim.core.indicator(src.bgt_id)
        if row is None or row["canuse_amt"] < 2_000_00 or dst.contract is not None:
            continue                # a contracted project does not take more money than its contract
        # a project gets at most half as much again: what it can spend in the months left
        amt = min(int(row["canuse_amt"] * sim.rng.uniform(0.05, 0.2)), dst.amount // 2) // 100 * 100
        try:
            sim.h(c.AdjustIndicators(((src.bgt_id, -amt), (dst.bgt_id, amt)),
                                     f"吴财预〔{year}〕调{month}{sim.rng.randint(10, 99)}号", sim.clock.now.date(),
                                     reason="项目进度调整，年中调剂", actor=BUDGET))
            src.amount -= amt
            dst.amount += amt
            sim.stats["adjustments"] += 1
        except DomainError:
            sim.stats["adjust_refused"] += 1


def upper_transfer(sim: Simulation, year: int, month: int) -> None:
    """上级转移支付: a 待分 pool arrives for a department and is allocated to its units' projects;
    the cash arrives in the treasury the same day."""
    candidates = [a for a in sim.agencies.values() if a.is_dept and a.sector in ("education", "health",
                                                                                   "agriculture", "welfare")]
    if not candidates:
        return
    a = sim.rng.choice(candidates)
    kinds = PROJECTS.get(a.sector, COMMON)
    k = next((x for x in kinds if x.cat == "32"), kinds[0])
    pro, *_ = declare(sim, a, ProjectKind("32", f"上级{k.name}专项", k.eco, k.amount, 0, k.func, False, "11"),
                      year, mid_year=True)
    if not pro:
        return
    total = sim.projects[pro]["plans"][year]
    doc = f"苏财{'教' if a.sector == 'education' else '社'}〔{year}〕{sim.rng.randint(10, 99)}号"
    pool = sim.h(c.IssueIndicator(year, pro, a.code, k.func or a.func, k.eco, "11", total, "6",
                                  f"吴财预〔{year}〕转{month}号", sim.clock.now.date(), sup_bgt_doc_no=doc,
                                  bgt_exe_flag=False, actor=BUDGET))
    sim.h(c.RecordTreasuryIncome(DIV_CODE, (c.IncomeRow(sim.clock.now.date(), "11003", total,
                                                       f"Z{sim.clock.now:%Y%m%d}{pool[:8]}"),),
                                 doc, actor=TREASURY))
    # allocate it to the department's own project and, where there are, its units' library projects of the
    # same economic class (not procurement projects: their contracts were signed in spring)
    units = [p for p, info in sim.projects.items() if sim.agencies[info["agency"]].dept == a.code
             and info["kind"].cat.startswith("3") and year in info["plans"] and not info.get("ended")
             and info["kind"].eco == k.eco and not info["kind"].gov_pur]
    targets = sim.rng.sample(units, min(len(units), 3)) or [pro]
    parts = sim.split(total, len(targets))
    try:
        kids = sim.h(c.AllocateIndicator(pool, tuple(c.IndicatorPart(sim.projects[t]["agency"], t, p)
                                                     for t, p in zip(targets, parts, strict=True)),
                                         f"吴财预〔{year}〕分{month}号", sim.clock.now.date(), actor=BUDGET))
    except DomainError:
        sim.stats["allocation_refused"] += 1
        return
    for kid in kids:
        row = sim.core.indicator(kid)
        assert row is not None
        track(sim, kid, row["pro_code"], row["agency_code"], row["exp_func_code"], row["dep_bgt_eco_code"],
              row["gov_bgt_eco_code"], row["fund_type_code"], row["amount"], row["pro_cat_code"])
    sim.stats["transfers"] += 1


def top_up_wages(sim: Simulation, year: int, agencies: list[str], months: int, day: date) -> None:
    """追加 of 人员类 wages: what the personnel database now implies beyond the approved budget, for
    the months left (the 追加 tops up the existing wage indicator)."""
    for code in agencies:
        gap = reads.wage_gap(sim.core, code, year, day)
        wage = reads.wage_indicator(sim.core, code, year)
        if gap <= 0 or wage is None:
            continue
        amt = max(gap * months // 12, gap // 12) // 100 * 100 + 100_000_00
        try:
            sim.h(c.IssueIndicator(year, wage.pro_code, code, wage.exp_func_code, "301", wage.fund_type_code, amt,
                                   "3", f"吴财预〔{year}〕追人{sim.rng.randint(100, 999)}号", day,
                                   to_bgt_id=wage.bgt_id, actor=BUDGET))
            sim.stats["wage_top_ups"] += 1
        except DomainError:
            sim.stats["wage_top_up_refused"] += 1
