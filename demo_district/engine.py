"""``fiscal simulate``: years of a district's life, driven day by day through the core's own commands.

Everything goes through ``Core.handle`` / ``Core.handle_batch``, so every row obeys the controls and
every change is journalled. Memory stays bounded: the district itself (agencies, staff, projects,
the year's indicators) is held, payments never are — each day's applications are made, settled and
forgotten. Irregularities are planted at a low rate, only where the controls allow them, and written
to a ground-truth file the core never sees.
"""

from __future__ import annotations

import csv
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import text

from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.agencies import Account
from fiscal_core.domain.errors import DomainError
from fiscal_core.domain.projects import PerfIndicator
from fiscal_core.domain.tz import TZ
from fiscal_core.service_layer.core import Core

from . import revenue
from .calendar import is_workday, month_workdays, next_workday
from .catalogue import (
    BANKS,
    COMMON,
    COMPANY_PLACES,
    COMPANY_TRADES,
    COMPANY_WORDS,
    DEPTS,
    DIV_CODE,
    DIV_NAME,
    PROJECTS,
    Dept,
    ProjectKind,
    Sub,
)
from .exchange import ExchangeWriter
from .people import Person, birth_for, card_no, iden_no, name, profile, retirement_age

ADMIN = Actor("sim-admin", Role.ADMIN)
BUDGET = Actor("sim-ysk", Role.FIN_BUDGET)
BUSINESS = Actor("sim-ywk", Role.FIN_BUSINESS)
TREASURY = Actor("sim-gkk", Role.TREASURY)
BANK = Actor("sim-bank", Role.BANK)

FULL_DISTRICT_AGENCIES = 310
AMOUNT_FACTOR = 4      # the catalogue's ranges are for a modest county; a rich southern-Jiangsu district spends more
SPEND_SEASON = (0.5, 0.35, 0.8, 0.85, 0.9, 1.1, 0.9, 0.85, 1.05, 0.9, 1.3, 2.0)   # Jan..Dec
PUBLIC_PAYEES = {"30201": "吴江{w}办公用品有限公司", "30202": "吴江{w}印务有限公司", "30205": "吴江区自来水有限公司",
                 "30206": "国网江苏省电力有限公司苏州市吴江区供电分公司", "30207": "中国电信股份有限公司吴江分公司",
                 "30209": "苏州{w}物业管理有限公司", "30211": "", "30213": "吴江{w}建筑安装有限公司",
                 "30215": "吴江宾馆有限公司", "30216": "吴江区委党校", "30228": "吴江区总工会", "30299": "苏州{w}商贸有限公司"}
INSTITUTIONS = {"30108": "苏州市吴江区社会保险基金管理中心", "30109": "苏州市吴江区社会保险基金管理中心",
                "30110": "苏州市吴江区医疗保障基金管理中心", "30112": "苏州市吴江区社会保险基金管理中心",
                "30113": "苏州市住房公积金管理中心吴江分中心"}


def perf_targets(what: str) -> tuple[PerfIndicator, ...]:
    return (PerfIndicator("产出指标", "数量指标", f"{what}完成数量", "≥100%", 30),
            PerfIndicator("产出指标", "时效指标", f"{what}按期完成率", "≥95%", 20),
            PerfIndicator("效益指标", "社会效益指标", "服务对象覆盖率", "≥90%", 30),
            PerfIndicator("满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10))


@dataclass(frozen=True)
class SimConfig:
    scale: float = 1.0
    years: int = 3
    seed: int = 7
    as_of: date = field(default_factory=lambda: datetime.now(TZ).date())
    irregularity: float = 1.0           # multiplier on the planted-case rate
    history_years: int = 10             # monthly revenue history for forecasting


class SimClock:
    """Business time: the day being simulated, advancing a microsecond per transaction."""

    def __init__(self, start: date) -> None:
        self.now = datetime.combine(start, datetime.min.time(), TZ)

    def set_day(self, d: date, hour: int = 9) -> None:
        target = datetime.combine(d, datetime.min.time(), TZ) + timedelta(hours=hour)
        self.now = max(self.now, target)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


@dataclass
class Agency:
    code: str
    name: str
    agency_type: str
    dept: str
    func: str
    sector: str
    staff_range: tuple[int, int]
    is_dept: bool
    own_acct: str = ""
    zero_acct: str = ""


@dataclass
class Ind:
    """An executable indicator the simulator spends from in the current year."""

    bgt_id: str
    pro_code: str
    agency: str
    func: str
    dep: str
    gov: str
    fund: str
    amount: int
    kind: str                     # project / public / contribution / retiree / gov_pur / sangong
    payee: str = "company"
    target: float = 0.93          # share of the amount spent in the year
    spent: int = 0
    name: str = ""
    contract: tuple[str, str, str] | None = None   # (contract_no, supplier, account)
    plan_id: str | None = None
    slow: bool = False


@dataclass
class Pending:
    cmd: c.SubmitPayment
    large: bool
    case: str | None = None        # ground-truth case id


class Simulation:
    def __init__(self, core: Core, clock: SimClock, home: Path, cfg: SimConfig,
                 log: Callable[[str], None] = print) -> None:
        self.core, self.clock, self.cfg, self.log = core, clock, cfg, log
        self.rng = random.Random(cfg.seed)
        self.home = home
        self.exchange = ExchangeWriter(home / "exchange" / "inbox")
        self.truth_path = home / "simulation" / "ground_truth.csv"
        self.truth_path.parent.mkdir(parents=True, exist_ok=True)
        self.truth: list[dict[str, Any]] = []
        self.agencies: dict[str, Agency] = {}
        self.staff: dict[str, Person] = {}
        self.projects: dict[str, dict[str, Any]] = {}     # pro_code → kind, agency, years, plans, status
        self.inds: dict[str, Ind] = {}                     # executable indicators of the current year
        self.sangong: dict[tuple[str, int], str] = {}      # (agency, year) → 三公 project
        self.pending_receipts: list[str] = []              # applications whose vouchers await the bank file
        self.later: dict[date, list[Callable[[], None]]] = defaultdict(list)
        self.controls: dict[int, dict[str, int]] = {}
        self.stats: dict[str, Any] = defaultdict(int)
        self.serial = 0
        self.case_no = 0
        self.started = time.perf_counter()
        self.first_year = cfg.as_of.year - cfg.years + 1
        self.fiscal_scale = cfg.scale * 0.6

    # -- helpers -------------------------------------------------------------------------------------------
    def h(self, cmd: c.Command) -> Any:
        return self.core.handle(cmd)

    def batch(self, cmds: Sequence[c.Command], chunk: int = 400) -> list[Any]:
        out: list[Any] = []
        for i in range(0, len(cmds), chunk):
            out += self.core.handle_batch(list(cmds[i:i + chunk]))
        return out

    def clerk(self, agency: str) -> Actor:
        return Actor(f"jb{agency}", Role.UNIT_CLERK, agency_code=agency)

    def leader(self, agency: str) -> Actor:
        return Actor(f"fz{agency}", Role.UNIT_LEADER, agency_code=agency)

    def dept_actor(self, dept: str) -> Actor:
        return Actor(f"zg{dept}", Role.DEPT, dept_code=dept)

    def n(self, per_scale_1: float) -> int:
        """A count that scales with the district, at least one when anything at all is expected."""
        x = per_scale_1 * self.cfg.scale * self.cfg.irregularity
        return max(1, int(x)) if x > 0.05 else 0

    def money(self, lo_wan: float, hi_wan: float) -> int:
        return int(math.exp(self.rng.uniform(math.log(lo_wan), math.log(hi_wan))) * 10_000) * 100

    def company(self, trade_eco: str, key: str) -> tuple[str, str]:
        r = random.Random(f"{key}:{trade_eco}")
        trade = COMPANY_TRADES.get(trade_eco, "商贸")
        nm = f"{r.choice(COMPANY_PLACES)}{r.choice(COMPANY_WORDS)}{trade}有限公司"
        return nm, f"3220{r.randint(10**9, 10**10 - 1)}"

    def plant(self, kind: str, rule: int, objects: dict[str, Any], amount: int, note: str) -> str:
        self.case_no += 1
        case = f"C{self.case_no:05d}"
        self.truth.append({"case_id": case, "kind": kind, "rule_no": rule, "year": self.clock.now.year,
                           "amount": amount, "objects": objects, "note": note})
        return case

    def progress(self, msg: str) -> None:
        self.log(f"[{time.perf_counter() - self.started:7.1f}s] {msg}")

    # -- setup ---------------------------------------------------------------------------------------------
    def select_depts(self) -> list[tuple[Dept, list[tuple[Sub, int]]]]:
        s = self.cfg.scale
        copies = max(1, math.ceil(s)) if s > 1 else 1
        per = min(s, 1.0) if s <= 1 else s / copies
        depts = sorted(DEPTS, key=lambda d: (d.priority, d.code))
        keep = max(3, round(len(depts) * min(1.0, per ** 0.5))) if per < 1 else len(depts)
        chosen = sorted(depts[:keep], key=lambda d: d.code)
        out = []
        for d in chosen:
            subs = [(sub, max(1 if per >= 0.05 or sub.count <= 2 else 0, round(sub.count * per))) for sub in d.subs]
            out.append((d, [(sub, k) for sub, k in subs if k]))
        return out

    def setup(self, start: date) -> None:
        self.clock.set_day(start)
        self.h(c.RegisterMofDiv(DIV_CODE, DIV_NAME, actor=ADMIN))
        self.h(c.SetDivConfig(DIV_CODE, "fin_review_threshold", str(500_000_00), actor=ADMIN))
        for d, subs in self.select_depts():
            self.add_agency(d.code, d.name, d.agency_type, None, d.func, d.sector, d.staff)
            k = 0
            for sub, count in subs:
                for i in range(1, count + 1):
                    k += 1
                    places = ("松陵", "同里", "平望", "盛泽", "震泽", "黎里", "七都", "桃源", "横扇", "八坼", "江陵")
                    town = places[(i - 1) % len(places)] if "{town}" in sub.pattern else ""
                    nm = sub.pattern.format(n=_cn(i) if count > 1 else "", town=town)
                    if nm in {a.name for a in self.agencies.values()}:
                        nm = f"{nm}（{_cn(i)}）"
                    self.add_agency(f"{d.code}{k:03d}", nm, sub.agency_type, d.code, sub.func, d.sector, sub.staff)
        # revenue and cash follow the size of the district actually built (at small scales the catalogue
        # keeps more structure than a linear cut would), at 60 % of the revenue of a scale-1 district
        self.fiscal_scale = len(self.agencies) / FULL_DISTRICT_AGENCIES * 0.6
        self.progress(f"区划与单位：{len(self.agencies)} 个预算单位，{sum(a.is_dept for a in self.agencies.values())} 个部门")
        self.hire_initial(start)

    def add_agency(self, code: str, nm: str, typ: str, parent: str | None, func: str, sector: str,
                   staff: tuple[int, int]) -> None:
        bank = self.rng.choice(BANKS)
        accts = (Account(f"3205{code:0>9}12", f"{nm}零余额账户", bank, "12", False),
                 Account(f"3205{code:0>9}61", f"{nm}工资统发户", bank, "61", False),
                 Account(f"3205{code:0>9}63", nm, self.rng.choice(BANKS), "63", True))
        self.h(c.RegisterAgency(code, nm, DIV_CODE, typ, parent_code=parent, accounts=accts, exp_func_code=func,
                                actor=ADMIN))
        self.agencies[code] = Agency(code, nm, typ, parent or code, func, sector, staff, parent is None,
                                     accts[2].acct_no, accts[0].acct_no)

    def hire_initial(self, start: date) -> None:
        # about 7,500 fiscal-supported staff per scale unit, spread over the agencies by their typical size
        raw = {a.code: self.rng.randint(*a.staff_range) for a in self.agencies.values()}
        factor = 7_500 * min(self.cfg.scale, 1.0) * max(1, math.ceil(self.cfg.scale)) / sum(raw.values())
        for a in self.agencies.values():
            size = max(2, round(raw[a.code] * factor))
            members = [self.new_person(a, start, initial=True) for _ in range(size)]
            results = self.batch([self.hire_cmd(p, a) for p in members])
            quota: dict[str, int] = defaultdict(int)
            for p, r in zip(members, results, strict=True):
                if isinstance(r, DomainError):
                    continue
                p.per_id = r
                self.staff[r] = p
                quota[p.staf] += 1
            # the staffing office's 编制数, a little above the staff in post
            self.h(c.SetStaffing(a.code, math.ceil(quota["1"] * 1.08), math.ceil(quota["2"] * 1.08),
                                 math.ceil(quota["3"] * 1.1) + 1, actor=BUDGET))
            if a.agency_type == "1" and self.rng.random() < 0.3:     # a few old cadres drawing 离休费
                p = self.new_person(a, start, initial=True, retiree=True)
                p.per_id = self.h(self.hire_cmd(p, a))
                self.staff[p.per_id] = p
                self.h(c.RetirePerson(p.per_id, date(start.year - 30, 1, 1), "2", actor=BUDGET))
                p.working = False
        self.progress(f"财政供养人员：{sum(p.working for p in self.staff.values())} 人在职")

    def new_person(self, a: Agency, on: date, *, initial: bool = False, retiree: bool = False) -> Person:
        if retiree:
            birth, sex = date(self.rng.randint(1926, 1932), self.rng.randint(1, 12), self.rng.randint(1, 28)), "1"
        elif initial:
            birth, sex = birth_for(self.rng, on)
        else:
            birth, sex = date(on.year - self.rng.randint(23, 30), self.rng.randint(1, 12), self.rng.randint(1, 28)), \
                ("1" if self.rng.random() < 0.45 else "2")
        ide, staf, grade, step = profile(self.rng, a.agency_type)
        if retiree:
            ide, staf, grade, step = "11", "1", "G07", "L20"
        return Person("", a.code, birth, sex, ide, staf, grade, step)

    def hire_cmd(self, p: Person, a: Agency) -> c.HirePerson:
        self.serial += 1
        age_at_hire = self.rng.randint(22, 28)
        eff = date(max(p.birth.year + age_at_hire, 1950), 9, 1)
        if eff > self.clock.now.date():
            eff = self.clock.now.date()
        return c.HirePerson(a.code, name(self.rng), iden_no(self.rng, p.birth, p.sex, self.serial), p.ide, p.staf,
                            p.grade, p.step, eff, card_no(self.rng), self.rng.choice(BANKS), actor=BUDGET)

    # -- the day loop ----------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        start = date(self.first_year - 1, 9, 1)
        self.setup(start)
        self.revenue_history()
        self.h(c.SetTreasuryOpening(DIV_CODE, date(self.first_year, 1, 1),
                                    int(40e8 * 100 * self.fiscal_scale), actor=TREASURY))
        d = date(self.first_year - 1, 10, 8)
        while d <= self.cfg.as_of:
            self.day(d)
            d += timedelta(days=1)
        self.write_truth()
        self.exchange.roster(self.core, self.cfg.as_of)
        refused = {k: v for k, v in sorted(self.stats.items()) if "refused" in k and v}
        if refused:
            self.progress("被控制规则拒绝 · refused by the controls: " + "，".join(f"{k} {v}" for k, v in refused.items()))
        return dict(self.stats)

    def day(self, d: date) -> None:
        self.clock.set_day(d)
        y = d.year
        # budget preparation for next year (一上 in October ... 批复 in January)
        if (d.month, d.day) == (10, 8):
            self.open_round(y + 1)
        if d.month == 11 and d.day == 5:
            self.budget_lines(y + 1)
        if d.month == 12 and d.day == 1:
            self.generate_basic(y + 1)
        if d.month == 12 and d.day == 5:
            self.control_numbers(y + 1)
        if d.month == 12 and d.day == 20:
            self.second_round(y + 1)
        if d.month == 1 and d.day == 4 and y > self.first_year:
            self.close_year(y - 1)
        if d.month == 1 and d.day == 5:
            self.approve_year(y)
        if y < self.first_year:
            return
        for task in self.later.pop(d, []):
            task()
        if not is_workday(d):
            return
        self.settle_bank(d)                   # yesterday's vouchers come back from the bank
        self.revenue_day(d)
        first = month_workdays(y, d.month)[0]
        if d == first:
            self.month_start(y, d.month)
        payments = self.todays_payments(d)
        self.submit_and_review(d, payments)
        # mid-July 双监控 and the December self-evaluation: on the first working day from the 15th / 22nd
        if d.month == 7 and d == next(w for w in month_workdays(y, 7) if w.day >= 15):
            self.perf_monitoring(y, d)
        if d.month == 12 and d == next(w for w in month_workdays(y, 12) if w.day >= 22):
            self.self_evaluation(y)

    # -- budget preparation -----------------------------------------------------------------------------------
    def open_round(self, year: int) -> None:
        self.clock.set_day(date(year - 1, 10, 8))
        self.h(c.OpenBudgetRound(DIV_CODE, year, actor=BUDGET))
        self.h(c.SetIncomeBudget(DIV_CODE, year, self.income_budget(year), actor=BUDGET))
        made = returned = voided = 0
        for a in self.agencies.values():
            kinds = list(COMMON) + list(PROJECTS.get(a.sector, ()))
            for k in kinds:
                count = self.poisson(k.per_unit / 100 * (1.6 if a.is_dept else 0.9))
                for _ in range(count):
                    pro, r, v = self.declare(a, k, year)
                    made += pro is not None
                    returned += r
                    voided += v
            if a.is_dept:                          # every department keeps a small 三公 budget
                pro, *_ = self.declare(a, ProjectKind("22", "公务接待及公务用车运行", "30217", (3, 15), 100), year,
                                       sangong=True)
                if pro:
                    self.sangong[(a.code, year)] = pro
        self.stats[f"projects_{year}"] = made
        self.progress(f"{year}年预算 一上：申报项目 {made} 个（退回修改 {returned}，作废 {voided}）")

    def poisson(self, lam: float) -> int:
        lam *= 1.0 if self.cfg.scale >= 0.05 else 1.5
        n, p, limit = 0, 1.0, math.exp(-lam)
        while True:
            p *= self.rng.random()
            if p <= limit:
                return n
            n += 1

    def declare(self, a: Agency, k: ProjectKind, year: int, *, sangong: bool = False,
                mid_year: bool = False) -> tuple[str | None, int, int]:
        size = (1.0 + (a.staff_range[1] / 100 if not a.is_dept else 0.5)) * (1 if sangong else AMOUNT_FACTOR)
        total = self.money(k.amount[0] * size, k.amount[1] * size)
        term = self.rng.choice((2, 3)) if k.multi_year and not mid_year else 1
        plans: dict[int, int] = {}
        left = total
        for i in range(term):
            part = left if i == term - 1 else int(total * self.rng.uniform(0.3, 0.6) / 100) * 100
            plans[year + i] = part
            left -= part
        perf = perf_targets(k.name) if k.cat.startswith("3") else ()
        try:
            pro = self.h(c.DeclareProject(f"{year}年{k.name}（{a.name}）", a.code, k.cat, year, year, year + term - 1,
                                          total, year_plans=plans, is_gov_pur=k.gov_pur, is_sangong=sangong,
                                          is_sub=k.payee == "person", kpi_target=f"完成{k.name}年度任务" if perf else "",
                                          perf_indicators=perf, actor=self.clerk(a.code)))
        except DomainError:
            self.stats["declare_refused"] += 1
            return None, 0, 0
        returned = voided = 0
        steps = [("submit", self.clerk(a.code)), ("approve", self.leader(a.code)),
                 ("approve", self.dept_actor(a.dept)), ("approve", BUSINESS)]
        if self.rng.random() < 0.08:               # sent back once by the finance division, fixed, resubmitted
            for action, who in steps[:3]:
                self.h(c.ProjectAction(pro, action, actor=who))
            self.h(c.ProjectAction(pro, "return", "测算依据不充分，请补充明细", actor=BUSINESS))
            returned = 1
        if self.rng.random() < 0.03 and not sangong:  # withdrawn by the unit
            if returned:
                self.h(c.ProjectAction(pro, "void", "不再实施", actor=self.clerk(a.code)))
            else:
                self.h(c.ProjectAction(pro, "void", "不再实施", actor=self.clerk(a.code)))
            return None, returned, 1
        for action, who in steps:
            self.h(c.ProjectAction(pro, action, "同意" if action == "approve" else "", actor=who))
        self.projects[pro] = {"kind": k, "agency": a.code, "plans": plans, "sangong": sangong,
                              "reserve_only": self.rng.random() < 0.04 and not sangong and not mid_year}
        return pro, returned, voided

    def budget_lines(self, year: int) -> None:
        self.clock.set_day(date(year - 1, 11, 5))
        cmds: list[c.Command] = []
        for pro, info in self.projects.items():
            amt = info["plans"].get(year)
            if not amt or info.get("ended"):
                continue
            if info["reserve_only"] and year == min(info["plans"]):
                continue                                   # 已储备未安排: rolls on without a budget this year
            k: ProjectKind = info["kind"]
            a = self.agencies[info["agency"]]
            func = k.func or a.func
            if info["sangong"]:
                half = amt // 2
                cmds.append(c.AddBudgetLine(year, pro, func, "30217", "11", half, actor=self.clerk(a.code)))
                cmds.append(c.AddBudgetLine(year, pro, func, "30231", "11", amt - half, actor=self.clerk(a.code)))
            else:
                cmds.append(c.AddBudgetLine(year, pro, func, k.eco, k.fund, amt, actor=self.clerk(a.code)))
        res = self.batch(cmds)
        self.stats["budget_line_refused"] += sum(isinstance(r, DomainError) for r in res)
        self.progress(f"{year}年预算 一上：项目支出预算 {len(cmds)} 条")

    def generate_basic(self, year: int) -> None:
        """1 December: the basic budget (人员类, 公用经费) generated from the personnel database."""
        for a in self.agencies.values():
            try:
                self.h(c.GenerateBasicBudget(a.code, year, date(year - 1, 11, 30), actor=BUDGET))
            except DomainError as e:
                self.log(f"  基本支出生成失败 {a.code}: {e}")
        self.progress(f"{year}年预算 一上：基本支出按人员库生成")

    def control_numbers(self, year: int) -> None:
        self.clock.set_day(date(year - 1, 12, 5))
        with self.core.db.read() as conn:
            totals: dict[str, Any] = dict(conn.execute(text(
                "SELECT dept_code, SUM(apply_up) FROM bgt_pm_annual WHERE fiscal_year = :y GROUP BY dept_code"),
                {"y": year}).all())
        controls = {d: int(math.ceil(int(v) * 1.0 / 1_000_000) * 1_000_000) for d, v in totals.items()}
        self.h(c.IssueControlNumbers(DIV_CODE, year, controls, actor=BUDGET))
        self.controls[year] = controls
        self.progress(f"{year}年预算 一下：{len(controls)} 个部门控制数 {sum(controls.values()) / 1e10:,.2f} 亿元")

    def second_round(self, year: int) -> None:
        """二上 on 20 December: each department submits its budget within its control number."""
        for dept in sorted(self.controls.pop(year, {})):
            self.h(c.SubmitSecondRound(DIV_CODE, year, dept, actor=self.dept_actor(dept)))

    def approve_year(self, year: int) -> None:
        # the clock only moves forward: setting a later day here would stamp the days between with it
        with self.core.db.read() as conn:
            lines = conn.execute(text(
                "SELECT dept_code, bgt_pman_id FROM bgt_pm_annual WHERE fiscal_year = :y AND status = 'draft' "
                "ORDER BY dept_code, bgt_pman_id"), {"y": year}).all()
        by_dept: dict[str, list[str]] = defaultdict(list)
        for dept, line in lines:
            by_dept[str(dept)].append(str(line))
        made: dict[str, str] = {}
        for i, (_dept, ids) in enumerate(sorted(by_dept.items())):
            made |= self.h(c.ApproveBudget(tuple(ids), f"吴财预〔{year}〕{i + 1}号", date(year, 1, 5),
                                           f"关于批复{year}年部门预算的通知", actor=BUDGET))
        self.inds = {}
        with self.core.db.read() as conn:
            # what can still be spent: for 上年结转 indicators part is already in flight or reserved
            rows = conn.execute(text(
                "SELECT bgt_id, pro_code, agency_code, exp_func_code, dep_bgt_eco_code, gov_bgt_eco_code, "
                "fund_type_code, amount - dis_amt - frozen_amt - plan_amt - gp_amt - inflight_amt - paid_amt, "
                "pro_cat_code FROM ba_bgt_info WHERE fiscal_year = :y AND bgt_exe_flag ORDER BY bgt_id"),
                {"y": year}).all()
        for r in rows:
            self.track(*tuple(r))  # type: ignore[arg-type]
        self.stats[f"indicators_{year}"] = len(rows)
        total = sum(i.amount for i in self.inds.values())
        self.progress(f"{year}年预算 二下：批复指标 {len(rows)} 条，合计 {total / 1e10:,.2f} 亿元")
        self.plan_irregular_year(year)
        if year >= self.first_year:           # January's spending starts once the budget is approved
            self.schedule_month(year, 1, [d for d in month_workdays(year, 1) if d > date(year, 1, 5)])

    def track(self, bgt_id: str, pro: str, agency: str, func: str, dep: str, gov: str, fund: str, amount: int,
              cat: str) -> None:
        info = self.projects.get(pro, {})
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
                  target=self.rng.uniform(0.86, 0.99), name=k.name if k else "")
        if kind == "sangong":
            ind.target = self.rng.uniform(0.7, 0.95)
        self.inds[bgt_id] = ind

    def income_budget(self, year: int) -> dict[str, int]:
        budget = {cat.code: int(revenue.annual(cat, year, self.fiscal_scale) * 1.03) // 100 * 100
                  for cat in revenue.CATEGORIES}
        # land sales: the bureau budgets the cooled market (since 2022), still a little hopeful
        land = revenue.annual(revenue.LAND, year, self.fiscal_scale) * revenue.land_market(year) * 1.10
        budget[revenue.LAND.code] = int(land) // 100 * 100
        return budget

    # -- revenue ------------------------------------------------------------------------------------------
    def revenue_history(self) -> None:
        """Monthly totals for the years before the detailed window (so forecasting has ten years)."""
        rng = random.Random(self.cfg.seed * 7919)
        first = self.first_year - self.cfg.history_years + self.cfg.years
        rows: list[c.IncomeRow] = []
        for year in range(first, self.first_year):
            for m in range(1, 13):
                last = month_workdays(year, m)[-1]
                for cat in revenue.CATEGORIES:
                    amt = revenue.month_amount(cat, year, m, self.fiscal_scale, rng)
                    if amt:
                        rows.append(c.IncomeRow(last, cat.code, amt, f"H{year}{m:02d}{cat.code}"))
            for d, amt in revenue.land_auctions(year, self.fiscal_scale, rng):
                rows.append(c.IncomeRow(d, revenue.LAND.code, amt, f"H{d:%Y%m%d}L{amt % 997}"))
        if rows:
            self.clock.set_day(date(self.first_year - 1, 9, 2))
            for i in range(0, len(rows), 2000):
                self.h(c.RecordTreasuryIncome(DIV_CODE, tuple(rows[i:i + 2000]), "history", actor=TREASURY))
        self.progress(f"收入历史：{first}-{self.first_year - 1} 年按月入库 {len(rows)} 行")

    def revenue_day(self, d: date) -> None:
        if getattr(self, "_month_key", None) != (d.year, d.month):
            self._month_key = (d.year, d.month)
            rng = random.Random(self.cfg.seed * 104729 + d.year * 12 + d.month)
            days = month_workdays(d.year, d.month)
            plan: dict[date, list[tuple[str, int]]] = defaultdict(list)
            for cat in revenue.CATEGORIES:
                total = revenue.month_amount(cat, d.year, d.month, self.fiscal_scale, rng)
                for day, amt in revenue.split_over_days(total, days, cat.first_half, rng):
                    plan[day].append((cat.code, amt))
            if d.month == 1:
                self._land = revenue.land_auctions(d.year, self.fiscal_scale, random.Random(self.cfg.seed + d.year))
            for day, amt in getattr(self, "_land", []):
                if (day.year, day.month) == (d.year, d.month):
                    plan[day].append((revenue.LAND.code, amt))
            self._month_revenue = plan
        items = self._month_revenue.get(d, [])
        if not items:
            return
        rows = tuple(c.IncomeRow(d, code, amt, f"T{d:%Y%m%d}{i:04d}") for i, (code, amt) in enumerate(items))
        self.h(c.RecordTreasuryIncome(DIV_CODE, rows, f"tips_{d:%Y%m%d}", actor=TREASURY))
        self.exchange.tax_feed(d, [(code, amt) for code, amt in items if code.startswith("101")],
                               self.core.codes)
        self.stats["revenue_rows"] += len(rows)

    # -- the month --------------------------------------------------------------------------------------------
    def month_start(self, year: int, month: int) -> None:
        self.progress(f"{year}-{month:02d}：付款 {self.stats['payments']:,} 笔，在职 "
                      f"{sum(p.working for p in self.staff.values()):,} 人")
        self.personnel_month(year, month)
        days = month_workdays(year, month)
        payday = days[min(6, len(days) - 1)]
        self.later[payday].append(lambda: self.payroll(year, month, payday))
        if month > 1:
            self.schedule_month(year, month, days)
        if month in (3, 6, 9):
            self.later[days[len(days) // 2]].append(lambda: self.upper_transfer(year, month))
        if month in (4, 7, 9):
            self.later[days[3]].append(lambda: self.mid_year_addition(year, month))
        if month in (6, 9):
            self.later[days[5]].append(lambda: self.adjustments(year, month))
        if month in (5, 8):
            self.later[days[2]].append(lambda: self.debt_proceeds(year, month))
        if month in (2, 3, 4):
            self.later[days[4]].append(lambda: self.procurement(year, month))

    def schedule_month(self, year: int, month: int, days: list[date]) -> None:
        """Spread this month's spending of every indicator over its working days (never the whole year
        at once: memory stays bounded)."""
        w_left = sum(SPEND_SEASON[month - 1:])
        if not hasattr(self, "_today"):
            self._today: dict[date, list[Pending]] = defaultdict(list)
        for ind in list(self.inds.values()):
            if ind.kind in ("wage",) or ind.kind == "gov_pur":
                continue
            goal = int(ind.amount * (0.3 if ind.slow else ind.target))
            left = goal - ind.spent
            if left <= 0:
                continue
            share = SPEND_SEASON[month - 1] / w_left
            amt = int(left * share * self.rng.uniform(0.85, 1.15)) if month < 12 else left
            if ind.kind in ("contribution", "retiree"):
                amt = min(left, int(ind.amount / 12))
                count = 1
            else:
                avg, cap = {"public": (8_000_00, 6), "sangong": (3_000_00, 4)}.get(ind.kind, (150_000_00, 12))
                count = max(1, min(cap, round(amt / avg)))
            amt = min(amt, left)
            if amt < 100_00:
                continue
            parts = self.split(amt, count)
            for part in parts:
                day = self.rng.choice(days if ind.kind not in ("contribution",) else days[5:8] or days)
                self._today[day].append(Pending(self.payment(ind, part, day), part >= 500_000_00))
            ind.spent += sum(parts)

    def split(self, amt: int, count: int) -> list[int]:
        if count <= 1:
            return [amt]
        w = [self.rng.lognormvariate(0, 0.6) for _ in range(count)]
        parts = [int(amt * x / sum(w)) // 100 * 100 for x in w]
        parts[-1] += amt - sum(parts)
        return [p for p in parts if p > 0]

    def payment(self, ind: Ind, amount: int, day: date, **kw: Any) -> c.SubmitPayment:
        a = self.agencies[ind.agency]
        eco = ind.dep
        if ind.kind == "contribution":
            payee, acct, traobj = INSTITUTIONS.get(eco, "社会保险经办机构"), f"3220{eco}00{a.code[:3]}", "1"
            use = f"{day.year}年{day.month}月{self.core.codes.get('dep_bgt_eco', eco).name}（单位缴费）"  # type: ignore[union-attr]
        elif ind.kind == "retiree":
            payee, acct, traobj = f"{a.name}离休干部", card_no(self.rng), "3"
            use = f"{day.year}年{day.month}月离休费"
        elif ind.kind == "public":
            pat = PUBLIC_PAYEES.get(eco) or "苏州{w}旅行社有限公司"
            payee = pat.format(w=random.Random(a.code + eco).choice(COMPANY_WORDS))
            acct, traobj = self.company(eco, payee)[1], "2"
            use = f"支付{self.core.codes.get('dep_bgt_eco', eco).name}（{day.month}月）"  # type: ignore[union-attr]
        elif ind.payee == "person":
            payee, acct, traobj = f"{a.name}惠民资金代发户", f"3205{a.code:0>9}88", "3"
            use = f"发放{ind.name}（{day.month}月批）"
        elif ind.payee == "government":
            payee, acct, traobj = f"吴江区{self.rng.choice(('同里', '平望', '盛泽', '震泽', '黎里'))}镇财政所", \
                f"3205{self.rng.randint(10**8, 10**9)}", "1"
            use = f"拨付{ind.name}"
        elif ind.kind == "sangong":
            if eco == "30231":
                payee, acct = self.company("30213", a.code + "car")
                payee = payee.replace("建筑工程", "汽车服务")
                use = "公务用车维修保养及燃油费"
            else:
                payee, acct = "吴江宾馆有限公司", "322001000011"
                use = "接待上级检查工作用餐（按标准）"
            traobj = "2"
        else:
            pool = max(3, ind.amount // 15_000_000)      # a big project pays many suppliers
            payee, acct = self.company(eco, f"{a.code}{ind.pro_code[-4:]}{self.rng.randrange(pool)}")
            traobj = "2"
            use = f"支付{ind.name}项目款"
        cmd = c.SubmitPayment(a.code, ind.bgt_id, ind.pro_code, ind.func, ind.gov, eco, ind.fund, amount, payee, acct,
                              self.rng.choice(BANKS), use, day, "1", "4", traobj, actor=self.clerk(a.code))
        if kw:
            from dataclasses import replace
            cmd = replace(cmd, **kw)
        return cmd

    def todays_payments(self, d: date) -> list[Pending]:
        return getattr(self, "_today", {}).pop(d, [])

    # -- submit, review, vouchers, bank, clearing --------------------------------------------------------------
    def submit_and_review(self, d: date, pending: list[Pending]) -> None:
        if not pending:
            return
        for p in pending:
            self.serial += 1
            p.cmd = _with_key(p.cmd, f"{d:%Y%m%d}-{self.serial:08d}")
        res = self.batch([p.cmd for p in pending])
        ok: list[tuple[Pending, Any]] = []
        for p, r in zip(pending, res, strict=True):
            if isinstance(r, DomainError):
                self.stats["refused"] += 1
                self.stats[f"refused:{r.rule}:{p.cmd.dep_bgt_eco_code}{':case' if p.case else ''}{':contract' if p.cmd.contract_no else ''}"] += 1
                continue
            ok.append((p, r))
            if p.case:
                for case in self.truth:
                    if case["case_id"] == p.case:
                        case["objects"].setdefault("pay_app_ids", []).append(r.pay_app_id)
        self.stats["payments"] += len(ok)
        returned: list[tuple[Pending, Any]] = []
        by_leader: dict[str, list[str]] = defaultdict(list)
        for p, r in ok:
            if self.rng.random() < 0.01 and not p.case:
                self.h(c.ReviewPayment(r.pay_app_id, "return", "附件不全，请补充后重新提交",
                                       actor=self.leader(p.cmd.agency_code)))
                returned.append((p, r))
            else:
                by_leader[p.cmd.agency_code].append(r.pay_app_id)
        self.batch([c.ReviewPayments(tuple(ids), "同意", actor=self.leader(a)) for a, ids in by_leader.items()],
                   chunk=50)
        big = tuple(r.pay_app_id for p, r in ok if p.cmd.pay_app_amt >= 500_000_00 and (p, r) not in returned)
        if big:
            self.h(c.ReviewPayments(big, "同意", actor=TREASURY))
        for _p, r in returned:
            if self.rng.random() < 0.6:
                self.later[next_workday(d)].append(partial(self.resubmit, r.pay_app_id))
            else:
                self.h(c.VoidPayment(r.pay_app_id, "作废", actor=self.clerk(_p.cmd.agency_code)))
        approved = [r.pay_app_id for p, r in ok if (p, r) not in returned]
        if approved:
            res = self.h(c.IssueVouchers(tuple(approved), d, actor=TREASURY))
            self.pending_receipts += res.accepted

    def resubmit(self, app_id: str) -> None:
        try:
            who = self.core.trace_payment(app_id)["payment"]["agency_code"]  # type: ignore[index]
            self.h(c.ResubmitPayment(app_id, actor=self.clerk(who)))
            self.h(c.ReviewPayment(app_id, "approve", "同意", actor=self.leader(who)))
            res = self.h(c.IssueVouchers((app_id,), self.clock.now.date(), actor=TREASURY))
            self.pending_receipts += res.accepted
        except DomainError:
            self.stats["resubmit_refused"] += 1

    def settle_bank(self, d: date) -> None:
        """The bank's receipt file for vouchers sent before today, then the day's 汇总清算."""
        waiting = [a for a in self.pending_receipts]
        if not waiting:
            return
        self.pending_receipts = []
        bills: list[Any] = []
        with self.core.db.read() as conn:
            for i in range(0, len(waiting), 500):
                chunk = waiting[i:i + 500]
                marks = ", ".join(f":k{j}" for j in range(len(chunk)))
                bills += conn.execute(text(
                    f"SELECT pay_cert_no, pay_amt, vou_date FROM pay_voucher_bill WHERE bill_type = 'pay' "
                    f"AND status = 'sent' AND pay_app_id IN ({marks})"), {f"k{j}": k for j, k in enumerate(chunk)}
                ).all()
        bills.sort()
        if not bills:
            return
        receipts, items = [], []
        for no, amt, _vd in bills:
            ok = self.rng.random() > 0.003
            self.serial += 1
            receipts.append(c.BankReceipt(no, amt, d, f"ABC{d:%Y%m%d}{self.serial:07d}", ok,
                                          "" if ok else self.rng.choice(("收款账户已销户", "户名账号不符"))))
            if ok:
                items.append(c.ClearingItem(no, amt))
        fname = f"bank_receipt_{d:%Y%m%d}.csv"
        self.h(c.ConfirmBankReceipts(tuple(receipts), fname, actor=BANK))
        self.exchange.bank_receipts(d, receipts)
        self.h(c.ClearDay(f"HZ{d:%Y%m%d}", f"LQ{d:%Y%m%d}", d, tuple(items), actor=BANK))
        self.stats["bank_failed"] += sum(not r.ok for r in receipts)
        failed = [r.pay_cert_no for r in receipts if not r.ok]
        if failed:                  # 退票: the unit corrects the payee's account and applies again within days
            self.reissue(failed, d)
        for r in receipts[: max(1, len(receipts) // 700)]:
            if r.ok and self.rng.random() < 0.5:
                self.later[d + timedelta(days=self.rng.randint(10, 40))].append(
                    partial(self.refund, r.pay_cert_no, r.xpay_amt))

    def reissue(self, cert_nos: list[str], d: date) -> None:
        cols = ("agency_code, bgt_id, pro_code, exp_func_code, gov_bgt_eco_code, dep_bgt_eco_code, fund_type_code, "
                "pay_app_amt, payee_acct_name, payee_acct_no, payee_acct_bank_name, use_des, set_mode_code, "
                "pay_type_code, fund_traobj_type_code, contract_no")
        with self.core.db.read() as conn:
            rows: list[Any] = [conn.execute(text(
                f"SELECT {cols} FROM pay_voucher WHERE pay_app_id = (SELECT pay_app_id FROM pay_voucher_bill "
                "WHERE pay_cert_no = :n AND bill_type = 'pay')"), {"n": no}).one_or_none() for no in cert_nos]
        day = d + timedelta(days=self.rng.randint(2, 7))
        while not is_workday(day):
            day += timedelta(days=1)
        for row in rows:
            if row is None or day.year != d.year:
                continue
            (agency, bgt_id, pro, func, gov, dep, fund, amt, payee, acct, bank, use, setm, payt, traobj,
             contract) = row
            fixed = acct[:-1] + str((int(acct[-1]) + 1) % 10) if acct and acct[-1].isdigit() else acct
            use = use if use.endswith("（退票重新支付）") else f"{use}（退票重新支付）"
            cmd = c.SubmitPayment(agency, bgt_id, pro, func, gov, dep, fund, int(amt), payee, fixed, bank, use, day,
                                  setm, payt, traobj, contract, actor=self.clerk(agency))
            self.enqueue(day, Pending(cmd, int(amt) >= 500_000_00))
            self.stats["reissued"] += 1

    def refund(self, cert_no: str, amt: int) -> None:
        with self.core.db.read() as conn:
            app = conn.execute(text("SELECT pay_app_id FROM pay_voucher_bill WHERE pay_cert_no = :n AND "
                                    "bill_type = 'pay'"), {"n": cert_no}).scalar()
        if not app:
            return
        part = max(1_00, int(amt * self.rng.uniform(0.02, 0.3)) // 100 * 100)
        try:
            self.h(c.RefundPayment(app, part, self.clock.now.date(), "结算多付，收款人退回", actor=TREASURY))
            self.stats["refunds"] += 1
        except DomainError:
            self.stats["refund_refused"] += 1

    # -- payroll and personnel ------------------------------------------------------------------------------------
    def payroll(self, year: int, month: int, day: date) -> None:
        cmds = [c.RunPayroll(a.code, year, month, day, actor=self.clerk(a.code)) for a in self.agencies.values()]
        res = self.batch(cmds, chunk=50)
        short = [cmd for cmd, r in zip(cmds, res, strict=True)
                 if isinstance(r, DomainError) and r.rule in ("insufficient_balance", "indicator_frozen")]
        if short:                       # the personnel database outgrew the budget: 追加, then pay
            self.top_up_wages(year, [cmd.agency_code for cmd in short], 13 - month, day)
            retry = self.batch(short, chunk=50)
            res = [r for r in res if not isinstance(r, DomainError)] + retry
        ok = [r for r in res if not isinstance(r, DomainError)]
        for r in res:
            if isinstance(r, DomainError):
                self.stats[f"payroll_refused:{r.rule}"] += 1
        with self.core.db.read() as conn:
            agency_of: dict[str, str] = dict(conn.execute(text(
                "SELECT pay_app_id, agency_code FROM pay_voucher WHERE status = 'submitted' AND create_date = :d "
                "AND use_des LIKE '%工资统发%'"), {"d": day}).all())
        self.batch([c.ReviewPayments((r.pay_app_id,), "同意", actor=self.leader(agency_of[r.pay_app_id]))
                    for r in ok if r.pay_app_id in agency_of])
        with self.core.db.read() as conn:
            big = tuple(row[0] for row in conn.execute(text(
                "SELECT pay_app_id FROM pay_voucher WHERE status = 'fin_review' AND create_date = :d"), {"d": day}))
        if big:
            self.h(c.ReviewPayments(big, "同意", actor=TREASURY))
        if ok:
            res = self.h(c.IssueVouchers(tuple(r.pay_app_id for r in ok), day, actor=TREASURY))
            self.pending_receipts += res.accepted
        self.stats["payrolls"] += len(ok)

    def personnel_month(self, year: int, month: int) -> None:
        first = date(year, month, 1)
        cmds: list[c.Command] = []
        for p in self.staff.values():
            if not p.working:
                continue
            if (year - p.birth.year, p.birth.month) == (retirement_age(p), month):
                cmds.append(c.RetirePerson(p.per_id, first, "3", actor=BUDGET))
                p.working = False
                self.stats["retired"] += 1
        if month == 7:                            # grade promotions, once a year
            for p in self.staff.values():
                if p.working and p.step and self.rng.random() < 0.12:
                    step = f"{p.step[0]}{min(int(p.step[1:]) + (1 if p.step[0] == 'S' else -1), 65 if p.step[0] == 'S' else 27):02d}"
                    if step != p.step and step[1:] != "00":
                        cmds.append(c.ChangeGrade(p.per_id, p.grade, step, first, actor=BUDGET))
                        p.step = step
        res = self.batch(cmds)
        self.stats["personnel_refused"] += sum(isinstance(r, DomainError) for r in res)
        if month == 9:                            # new staff join with the school year
            want = max(1, round(sum(p.working for p in self.staff.values()) * 0.035))
            agencies = list(self.agencies.values())
            hires = []
            for _ in range(want):
                a = self.rng.choice(agencies)
                p = self.new_person(a, first)
                cmd = self.hire_cmd(p, a)
                hires.append((p, _replace(cmd, eff_date=first)))
            res = self.batch([cmd for _, cmd in hires])
            for (p, _cmd), r in zip(hires, res, strict=True):
                if isinstance(r, DomainError):
                    self.stats[f"hire_refused:{r.rule}"] += 1
                    continue
                p.per_id = r
                self.staff[r] = p
                self.stats["hired"] += 1

    def top_up_wages(self, year: int, agencies: list[str], months: int, day: date) -> None:
        """追加 of 人员类 wages: what the personnel database now implies beyond the approved budget, for
        the months left (the 追加 tops up the existing wage indicator)."""
        from fiscal_core.service_layer.budget_prep import basic_budget_gap

        for code in agencies:
            gap = self.core.query(basic_budget_gap, code, year, day).get("301", 0)
            wage = self.core.query(lambda uow, a=code: (
                uow.indicators.wage_indicator(uow.projects.generated_for(a, "1", year).pro_code, year)))
            if gap <= 0 or wage is None:
                continue
            amt = max(gap * months // 12, gap // 12) // 100 * 100 + 100_000_00
            try:
                self.h(c.IssueIndicator(year, wage.pro_code, code, wage.exp_func_code, "301", wage.fund_type_code, amt,
                                        "3", f"吴财预〔{year}〕追人{self.rng.randint(100, 999)}号", day,
                                        to_bgt_id=wage.bgt_id, actor=BUDGET))
                self.stats["wage_top_ups"] += 1
            except DomainError:
                self.stats["wage_top_up_refused"] += 1

    # -- mid-year business ----------------------------------------------------------------------------------------
    def mid_year_addition(self, year: int, month: int) -> None:
        """追加: a few new projects enter the library and receive an indicator (with a 文号)."""
        count = self.n(12)
        for _ in range(count):
            a = self.rng.choice(list(self.agencies.values()))
            k = self.rng.choice(PROJECTS.get(a.sector, COMMON))
            if k.fund != "11":
                continue
            pro, *_ = self.declare(a, ProjectKind(k.cat if k.cat != "22" else "31", k.name, k.eco, k.amount, 0,
                                                  k.func, False, k.fund, False, k.payee), year, mid_year=True)
            if not pro:
                continue
            amt = self.projects[pro]["plans"][year]
            try:
                bgt = self.h(c.IssueIndicator(year, pro, a.code, k.func or a.func, k.eco, "11", amt, "3",
                                              f"吴财预〔{year}〕追{month}{self.rng.randint(10, 99)}号",
                                              self.clock.now.date(), actor=BUDGET))
            except DomainError:
                self.stats["addition_refused"] += 1
                continue
            row = self.core.indicator(bgt)
            assert row is not None
            self.track(bgt, pro, a.code, row["exp_func_code"], k.eco, row["gov_bgt_eco_code"], "11", amt, k.cat)
            self.stats["additions"] += 1

    def adjustments(self, year: int, month: int) -> None:
        """调剂 within a department: money moves from a slow project to a busy one."""
        by_agency: dict[str, list[Ind]] = defaultdict(list)
        for ind in self.inds.values():
            if ind.kind == "project" and ind.fund == "11":
                by_agency[ind.agency].append(ind)
        pairs = [(a, inds) for a, inds in sorted(by_agency.items()) if len(inds) >= 2]
        self.rng.shuffle(pairs)
        for _a, inds in pairs[: self.n(10)]:
            src, dst = self.rng.sample(inds, 2)
            row = self.core.indicator(src.bgt_id)
            if row is None or row["canuse_amt"] < 2_000_00:
                continue
            amt = int(row["canuse_amt"] * self.rng.uniform(0.05, 0.2)) // 100 * 100
            try:
                self.h(c.AdjustIndicators(((src.bgt_id, -amt), (dst.bgt_id, amt)),
                                          f"吴财预〔{year}〕调{month}{self.rng.randint(10, 99)}号", self.clock.now.date(),
                                          reason="项目进度调整，年中调剂", actor=BUDGET))
                src.amount -= amt
                dst.amount += amt
                self.stats["adjustments"] += 1
            except DomainError:
                self.stats["adjust_refused"] += 1

    def upper_transfer(self, year: int, month: int) -> None:
        """上级转移支付: a 待分 pool arrives for a department and is allocated to its units' projects;
        the cash arrives in the treasury the same day."""
        candidates = [a for a in self.agencies.values() if a.is_dept and a.sector in ("education", "health",
                                                                                        "agriculture", "welfare")]
        if not candidates:
            return
        a = self.rng.choice(candidates)
        kinds = PROJECTS.get(a.sector, COMMON)
        k = next((x for x in kinds if x.cat == "32"), kinds[0])
        pro, *_ = self.declare(a, ProjectKind("32", f"上级{k.name}专项", k.eco, k.amount, 0, k.func, False, "11"),
                               year, mid_year=True)
        if not pro:
            return
        total = self.projects[pro]["plans"][year]
        doc = f"苏财{'教' if a.sector == 'education' else '社'}〔{year}〕{self.rng.randint(10, 99)}号"
        pool = self.h(c.IssueIndicator(year, pro, a.code, k.func or a.func, k.eco, "11", total, "6",
                                       f"吴财预〔{year}〕转{month}号", self.clock.now.date(), sup_bgt_doc_no=doc,
                                       bgt_exe_flag=False, actor=BUDGET))
        self.h(c.RecordTreasuryIncome(DIV_CODE, (c.IncomeRow(self.clock.now.date(), "11003", total,
                                                            f"Z{self.clock.now:%Y%m%d}{pool[:8]}"),),
                                      doc, actor=TREASURY))
        # allocate it to the department's own project and, where there are, its units' library projects
        units = [p for p, info in self.projects.items() if self.agencies[info["agency"]].dept == a.code
                 and info["kind"].cat.startswith("3") and year in info["plans"] and not info.get("ended")]
        targets = self.rng.sample(units, min(len(units), 3)) or [pro]
        parts = self.split(total, len(targets))
        try:
            kids = self.h(c.AllocateIndicator(pool, tuple(c.IndicatorPart(self.projects[t]["agency"], t, p)
                                                          for t, p in zip(targets, parts, strict=True)),
                                              f"吴财预〔{year}〕分{month}号", self.clock.now.date(), actor=BUDGET))
        except DomainError:
            self.stats["allocation_refused"] += 1
            return
        for kid in kids:
            row = self.core.indicator(kid)
            assert row is not None
            self.track(kid, row["pro_code"], row["agency_code"], row["exp_func_code"], row["dep_bgt_eco_code"],
                       row["gov_bgt_eco_code"], row["fund_type_code"], row["amount"], row["pro_cat_code"])
        self.stats["transfers"] += 1

    def debt_proceeds(self, year: int, month: int) -> None:
        amt = int(self.rng.uniform(8, 20) * 1e8 * 100 * self.fiscal_scale) // 100 * 100
        if amt:
            self.h(c.RecordTreasuryIncome(DIV_CODE, (c.IncomeRow(self.clock.now.date(), "105", amt,
                                                                f"D{self.clock.now:%Y%m%d}"),),
                                          "专项债券发行", actor=TREASURY))

    def procurement(self, year: int, month: int) -> None:
        """政府采购: plans and contracts for procurement-flagged indicators; instalments follow."""
        for ind in list(self.inds.values()):
            if ind.kind != "gov_pur" or ind.contract or (month < 4 and self.rng.random() > 0.5):
                continue
            a = self.agencies[ind.agency]
            amt = int(ind.amount * self.rng.uniform(0.85, 0.97)) // 100 * 100
            item = self.gp_item(ind.dep, amt)
            if item is None:
                continue
            code, method, form = item
            try:
                plan = self.h(c.CreateProcurementPlan(a.code, ind.bgt_id, code, method, form, amt,
                                                      actor=self.clerk(a.code)))
                supplier, acct = self.company(ind.dep, ind.pro_code)
                no = f"WJCG{year}{self.serial:06d}"
                self.serial += 1
                contract_amt = int(amt * self.rng.uniform(0.9, 1.0)) // 100 * 100
                self.h(c.RegisterContract(plan, no, supplier, _uscc(random.Random(supplier)), acct,
                                          self.rng.choice(BANKS), contract_amt, self.clock.now.date(),
                                          actor=self.clerk(a.code)))
            except DomainError as e:
                self.stats[f"procurement_refused:{e.rule}"] += 1
                continue
            ind.contract, ind.plan_id = (no, supplier, acct), plan
            self.stats["contracts"] += 1
            # instalments: 30 % advance, 40 % progress, 25 % on acceptance (Nov-Dec); 5 % warranty stays
            for share, when in ((0.3, month + self.rng.randint(1, 2)), (0.4, self.rng.randint(6, 10)),
                                (0.25, self.rng.choice((11, 12)))):
                days = month_workdays(year, when)
                day = self.rng.choice(days[3:-2] or days)
                part = int(contract_amt * share) // 100 * 100
                self.later[day].append(partial(self.instalment, ind, part, day))

    def gp_item(self, eco: str, amt: int) -> tuple[str, str, str] | None:
        codes = self.core.codes
        works = eco in ("31005", "30213", "31001")
        kind = "工程" if works else "服务" if eco in ("30227",) else "货物"
        items = [r for r in codes.rows("gp_catalog") if r.attrs.get("gp_kind") == kind
                 and not codes.has_children("gp_catalog", r.code)]
        if not items:
            return None
        item = random.Random(eco).choice(items)
        form = "1" if item.flag("is_centralized") else "3"
        tender = {"工程": 400_000_000, "服务": 200_000_000, "货物": 200_000_000}[kind]
        method = "1" if amt >= tender else self.rng.choice(("1", "3", "4", "6"))
        return item.code, method, form

    def instalment(self, ind: Ind, amount: int, day: date) -> None:
        """A contract instalment joins the day's applications."""
        assert ind.contract is not None
        no, supplier, acct = ind.contract
        cmd = self.payment(ind, amount, day, contract_no=no, payee_acct_name=supplier, payee_acct_no=acct,
                           use_des=f"支付{ind.name}合同款（{no}）")
        self.enqueue(day, Pending(cmd, amount >= 500_000_00))
        ind.spent += amount

    def enqueue(self, day: date, p: Pending) -> None:
        if not hasattr(self, "_today"):
            self._today = defaultdict(list)
        self._today[day].append(p)

    # -- performance and year end ---------------------------------------------------------------------------------
    def perf_monitoring(self, year: int, d: date) -> None:
        cmds = []
        for pro, info in self.projects.items():
            if info["kind"].cat.startswith("3") and year in info["plans"] and not info.get("ended"):
                ids = self.core.query(lambda uow, p=pro: uow.projects.perf_indicator_ids(p))
                cmds.append(c.RecordPerfMonitoring(pro, year, d, {k: self.rng.randint(30, 70) for k in ids},
                                                   actor=self.clerk(info["agency"])))
        res = self.batch(cmds, chunk=100)
        self.stats["perf_monitored"] += sum(not isinstance(r, DomainError) for r in res)

    def self_evaluation(self, year: int) -> None:
        cmds = []
        for pro, info in self.projects.items():
            if info["kind"].cat.startswith("3") and year in info["plans"] and not info.get("ended"):
                ids = self.core.query(lambda uow, p=pro: uow.projects.perf_indicator_ids(p))
                cmds.append(c.SelfEvaluate(pro, year, {k: self.rng.randint(70, 100) for k in ids},
                                           actor=self.clerk(info["agency"])))
        res = self.batch(cmds, chunk=100)
        self.stats["perf_evaluated"] += sum(not isinstance(r, DomainError) for r in res)

    def close_year(self, year: int) -> None:
        self.clock.set_day(date(year + 1, 1, 4))
        totals = self.h(c.CloseYear(DIV_CODE, year, date(year + 1, 1, 4), actor=BUDGET))
        for info in self.projects.values():
            if max(info["plans"]) <= year:
                info["ended"] = True
        self.progress(f"{year}年终结账：结转 {totals['carried'] / 1e10:,.2f} 亿元，结余收回 "
                      f"{totals['returned'] / 1e10:,.2f} 亿元，在途申请随指标结转 {totals['applications_moved']} 笔")

    # -- planted irregularities -----------------------------------------------------------------------------------
    def plan_irregular_year(self, year: int) -> None:
        from .irregular import plant_year
        plant_year(self, year)

    def write_truth(self) -> None:
        with open(self.truth_path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["case_id", "kind", "rule_no", "year", "amount", "objects", "note"])
            for t in self.truth:
                import json
                w.writerow([t["case_id"], t["kind"], t["rule_no"], t["year"], t["amount"],
                            json.dumps(t["objects"], ensure_ascii=False, sort_keys=True), t["note"]])


def _cn(i: int) -> str:
    return "一二三四五六七八九十"[i - 1] if 1 <= i <= 10 else str(i)


def _with_key(cmd: c.SubmitPayment, key: str) -> c.SubmitPayment:
    from dataclasses import replace
    return replace(cmd, idem_key=f"sim-{key}")


def _replace(cmd: Any, **kw: Any) -> Any:
    from dataclasses import replace
    return replace(cmd, **kw)


def _uscc(rng: random.Random) -> str:
    from stdnum.cn import uscc
    body = "91320509" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)

