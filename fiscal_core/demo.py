"""A small scripted district for ``fiscal demo`` and the end-to-end tests.

It drives the core only through commands, as a real bureau would: agencies, projects through their
review chain, budget approval, an allocation and an adjustment, plans, payments through bank receipt
and clearing, a refund, a bank return, a correction and a termination. Deterministic: the same seed
gives the same ledger. (The realistic district of ``fiscal simulate`` replaces it as the demo's data.)
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .config import TZ
from .domain import commands as c
from .domain.actors import Actor, Role
from .domain.agencies import Account
from .domain.errors import DomainError
from .domain.projects import PerfIndicator
from .service_layer.core import Core

DIV = "320509000"
ADMIN = Actor("admin", Role.ADMIN)
BUDGET = Actor("ysk01", Role.FIN_BUDGET)
BUSINESS = Actor("jkk01", Role.FIN_BUSINESS)
TREASURY = Actor("gkk01", Role.TREASURY)
BANK = Actor("bank-abc", Role.BANK)

# (dept code, name, type, [(unit code, name, type, function code of its main work)])
AGENCIES = [
    ("101", "吴江区教育局", "1", "2050101", [("101001", "吴江实验小学", "3", "2050202"),
                                           ("101002", "吴江区第一初级中学", "3", "2050203"),
                                           ("101003", "吴江区实验幼儿园", "3", "2050201")]),
    ("102", "吴江区卫生健康委员会", "1", "2100101", [("102001", "吴江区第一人民医院", "4", "2100201"),
                                               ("102002", "松陵社区卫生服务中心", "3", "2100301")]),
    ("103", "吴江区农业农村局", "1", "2130101", [("103001", "吴江区农业技术推广中心", "3", "2130106")]),
    ("104", "吴江区财政局", "1", "2010601", []),
]


@dataclass
class ScenarioClock:
    """Business time the scenario sets; the journal records it."""

    now: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=TZ))

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def set_day(self, d: date) -> None:
        self.now = datetime.combine(d, time(9, 0), tzinfo=TZ)


def seeded_ids(seed: int) -> Callable[[], str]:
    rng = random.Random(seed)
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


def perf_set(output: str) -> tuple[PerfIndicator, ...]:
    """Targets with the standard weights: 产出 50, 效益 30, 满意度 10 (预算执行率 10 is computed)."""
    return (PerfIndicator("产出指标", "数量指标", output, "≥95%", 50),
            PerfIndicator("效益指标", "社会效益指标", "服务对象覆盖率", "≥90%", 30),
            PerfIndicator("满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10))


def mark_demo(core: Core) -> None:
    """Mark the core as demo data, so that the next ``fiscal demo`` may rebuild it (and nothing else)."""
    from sqlalchemy import insert

    from .adapters.tables import sys_meta

    with core.db.write() as conn:
        conn.execute(insert(sys_meta).values(meta_key="origin", meta_value="demo"))
        conn.commit()


def clerk(agency: str) -> Actor:
    return Actor(f"jb{agency}", Role.UNIT_CLERK, agency_code=agency)


def leader(agency: str) -> Actor:
    return Actor(f"fz{agency}", Role.UNIT_LEADER, agency_code=agency)


def dept_reviewer(dept: str) -> Actor:
    return Actor(f"zg{dept}", Role.DEPT, dept_code=dept)


@dataclass
class ScenarioResult:
    payments: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    projects: int = 0
    indicators: int = 0


def run_scenario(core: Core, clock: ScenarioClock, *, year: int = 2026, payments_per_unit: int = 40,
                 seed: int = 7, log: Callable[[str], None] = print) -> ScenarioResult:
    rng = random.Random(seed)
    res = ScenarioResult()
    clock.set_day(date(year, 1, 4))
    log("1/7 区划与单位 · mof_div and agencies")
    core.handle(c.RegisterMofDiv(DIV, "苏州市吴江区本级", actor=ADMIN))
    units: list[tuple[str, str, str]] = []   # (agency, dept, function)
    for dept, name, typ, func, subs in AGENCIES:
        core.handle(c.RegisterAgency(dept, name, DIV, typ, accounts=(
            Account(f"32050{dept}0012", f"{name}零余额账户", "中国农业银行苏州吴江支行", "12", False),
            Account(f"32050{dept}0063", name, "中国工商银行苏州吴江支行", "63", True)), actor=ADMIN))
        units.append((dept, dept, func))
        for code, uname, utyp, ufunc in subs:
            core.handle(c.RegisterAgency(code, uname, DIV, utyp, parent_code=dept, accounts=(
                Account(f"32050{code}12", f"{uname}零余额账户", "中国农业银行苏州吴江支行", "12", False),
                Account(f"32050{code}63", uname, "中国工商银行苏州吴江支行", "63", True)), actor=ADMIN))
            units.append((code, dept, ufunc))
    core.handle(c.SetDivConfig(DIV, "plan_control_fund_types", "12", actor=ADMIN))

    log("2/7 项目申报与审核入库 · project library")
    library: list[tuple[str, str, str, str, int]] = []   # (pro_code, agency, func, dep_eco, amount)
    for agency, dept, func in units:
        specs = [("运行维护", "22", "30213", 60), ("设备购置", "31", "31002", 120), ("专项业务", "31", "30227", 200)]
        for label, cat, eco, wan in specs:
            amount = (wan + rng.randint(0, wan // 2)) * 10_000_00
            perf = perf_set(f"{label}完成率") if cat.startswith("3") else ()
            pro = core.handle(c.DeclareProject(
                f"{label}项目（{agency}）", agency, cat, year, year, year, amount,
                kpi_target=f"保障{label}按期完成" if perf else "", perf_indicators=perf, actor=clerk(agency)))
            steps = [("submit", clerk(agency)), ("approve", leader(agency)), ("approve", dept_reviewer(dept))]
            if rng.random() < 0.15:   # sent back once by the finance division, then fixed and resubmitted
                steps += [("approve", BUSINESS)]
                for action, who in steps[:3]:
                    core.handle(c.ProjectAction(pro, action, actor=who))
                core.handle(c.ProjectAction(pro, "return", "测算依据不充分，请补充", actor=BUSINESS))
            for action, who in [*steps[:3], ("approve", BUSINESS)]:
                core.handle(c.ProjectAction(pro, action, "同意" if action == "approve" else "", actor=who))
            library.append((pro, agency, func, eco, amount))
    res.projects = len(library)

    log("3/7 预算编制与批复 · budget lines approved into indicators")
    clock.set_day(date(year, 1, 20))
    lines = [core.handle(c.AddBudgetLine(year, pro, func, eco, "11", amt, actor=clerk(agency)))
             for pro, agency, func, eco, amt in library]
    indicators = core.handle(c.ApproveBudget(tuple(lines), f"吴财预〔{year}〕1号", date(year, 1, 20),
                                             "关于批复2026年部门预算的通知", actor=BUDGET))
    by_project = {pro: indicators[line] for (pro, *_), line in zip(library, lines, strict=True)}

    log("4/7 追加、分配与调剂 · additions, allocation and adjustment")
    clock.set_day(date(year, 3, 2))
    edu_fund = core.handle(c.DeclareProject("义务教育薄弱环节改善专项资金", "101", "32", year, year, year,
                                            500_000_00, kpi_target="改善办学条件",
                                            perf_indicators=perf_set("受益学校数"),
                                            actor=clerk("101")))
    for action, who in [("submit", clerk("101")), ("approve", leader("101")), ("approve", dept_reviewer("101")),
                        ("approve", BUSINESS)]:
        core.handle(c.ProjectAction(edu_fund, action, actor=who))
    pool = core.handle(c.IssueIndicator(year, edu_fund, "101", "2050202", "31002", "11", 500_000_00, "6",
                                        f"吴财教〔{year}〕8号", date(year, 3, 2), sup_bgt_doc_no=f"苏财教〔{year}〕21号",
                                        bgt_exe_flag=False, actor=BUDGET))
    school_projects = [(p, a) for p, a, _, e, _ in library if a in ("101001", "101002") and e == "31002"]
    core.handle(c.AllocateIndicator(pool, tuple(c.IndicatorPart(a, p, 200_000_00) for p, a in school_projects),
                                    f"吴财教〔{year}〕9号", date(year, 3, 5), actor=BUDGET))
    a, b = library[0], library[1]
    core.handle(c.AdjustIndicators(((by_project[a[0]], -5_000_00), (by_project[b[0]], 5_000_00)),
                                   f"吴财预〔{year}〕15号", date(year, 4, 1), reason="年中调剂", actor=BUDGET))

    log("5/7 支付申请、审核、凭证、银行回单与清算 · payments to clearing")
    paid_apps: list[tuple[str, str]] = []
    for month in range(2, 13):
        month_apps: list[str] = []
        for agency, _dept, _func in units:
            for pro, pa, pfunc, eco, _amt in library:
                if pa != agency:
                    continue
                bgt_id = by_project[pro]
                for _ in range(max(1, payments_per_unit // 33)):
                    day = date(year, month, rng.randint(1, 28))
                    clock.set_day(day)
                    amount = rng.randint(1_000, 60_000) * 100
                    cmd = c.SubmitPayment(
                        agency, bgt_id, pro, pfunc, _gov(core, agency, eco), eco, "11", amount,
                        f"苏州{rng.choice(['恒信', '华润', '东吴', '太湖', '永鑫'])}商贸有限公司",
                        f"62220{rng.randint(10**10, 10**11 - 1)}", "中国银行苏州吴江支行",
                        f"{rng.choice(['支付', '采购', '结算'])}{_eco_name(core, eco)}（{month}月）", day,
                        idem_key=f"demo-{pro}-{month}-{rng.random():.8f}", actor=clerk(agency))
                    try:
                        r = core.handle(cmd)
                    except DomainError as e:
                        res.refused[e.rule] = res.refused.get(e.rule, 0) + 1
                        continue
                    core.handle(c.ReviewPayment(r.pay_app_id, "approve", "同意", actor=leader(agency)))
                    if amount >= 50_000_000:
                        core.handle(c.ReviewPayment(r.pay_app_id, "approve", "同意", actor=TREASURY))
                    paid_apps.append((r.pay_app_id, agency))
                    month_apps.append(r.pay_app_id)
                    res.payments += 1
        # month end: vouchers, the bank's receipt file, the day's clearing
        _settle_month(core, clock, year, month, month_apps, rng)
    log("6/7 退款、退票、更正、终止 · refunds, bank returns, corrections, termination")
    clock.set_day(date(year, 12, 20))
    paid_apps = [(p, a) for p, a in paid_apps if (core.trace_payment(p) or {}).get("payment", {}).get("status")
                 == "cleared"][:3]
    core.handle(c.RefundPayment(paid_apps[0][0], 500_00, date(year, 12, 20), "结算多付退回", "R0001", actor=TREASURY))
    tr = core.trace_payment(paid_apps[1][0])
    assert tr is not None
    core.handle(c.BankReturn(tr["vouchers"][0]["pay_cert_no"], date(year, 12, 20), "收款账户已销户", actor=BANK))
    src = core.trace_payment(paid_apps[2][0])
    assert src is not None
    pay_agency = paid_apps[2][1]
    target = next(by_project[p] for p, a, *_ in library if a == pay_agency and by_project[p] != src["payment"]["bgt_id"]
                  and _elements_match(core, by_project[p], src["payment"]["bgt_id"]))
    core.handle(c.CorrectPayment(paid_apps[2][0], target, f"吴财库〔{year}〕3号", "科目更正", date(year, 12, 20),
                                 actor=TREASURY))
    idle = library[-1][0]
    core.handle(c.ProjectAction(idle, "terminate", "项目停止实施，收回结余", actor=BUSINESS))
    res.indicators = len(indicators) + 3
    log("7/7 校验 · journal chain and ledger identities")
    return res


AGENCY_TYPES = {code: typ for d, _, t, _, subs in AGENCIES for code, typ in [(d, t)] + [(s[0], s[2]) for s in subs]}


def _gov(core: Core, agency: str, eco: str) -> str:
    return sorted(core.codes.gov_eco_for(eco, AGENCY_TYPES[agency]))[0]


def _eco_name(core: Core, eco: str) -> str:
    code = core.codes.get("dep_bgt_eco", eco)
    return code.name if code else eco


def _elements_match(core: Core, a: str, b: str) -> bool:
    ia, ib = core.indicator(a), core.indicator(b)
    return bool(ia and ib and ia["fund_type_code"] == ib["fund_type_code"] and ia["canuse_amt"] > 10_000_000)


def _settle_month(core: Core, clock: ScenarioClock, year: int, month: int, app_ids: list[str],
                  rng: random.Random) -> None:
    last = date(year, month, 28)
    clock.set_day(last)
    pending = app_ids
    if not pending:
        return
    core.handle(c.IssueVouchers(tuple(pending), last, actor=TREASURY))
    receipts: list[c.BankReceipt] = []
    items: list[c.ClearingItem] = []
    for app_id in pending:
        tr = core.trace_payment(app_id)
        assert tr is not None
        bill = tr["vouchers"][0]
        ok = rng.random() > 0.01
        receipts.append(c.BankReceipt(bill["pay_cert_no"], bill["pay_amt"], last,
                                      f"ABC{year}{month:02d}{len(receipts):06d}", ok, "" if ok else "户名不符"))
        if ok:
            items.append(c.ClearingItem(bill["pay_cert_no"], bill["pay_amt"]))
    core.handle(c.ConfirmBankReceipts(tuple(receipts), f"receipt_{year}{month:02d}28.csv", actor=BANK))
    core.handle(c.ClearDay(f"HZ{year}{month:02d}28", f"LQ{year}{month:02d}28", last, tuple(items), actor=BANK))
