"""Spending: each month's payments spread over its working days, submitted, reviewed (unit leader, then the
treasury above the threshold) and sent to the bank as vouchers; the monthly payroll (工资统发); government
procurement (plans, contracts and their instalments)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError

from . import budget, reads
from .actors import TREASURY, clerk, leader
from .calendar import month_workdays, next_workday
from .catalogue import BANKS, COMPANY_WORDS
from .people import card_no, iden_no, name
from .state import Ind, Pending

if TYPE_CHECKING:
    from .engine import Simulation

SPEND_SEASON = (0.5, 0.35, 0.8, 0.85, 0.9, 1.1, 0.9, 0.85, 1.05, 0.9, 1.3, 2.0)   # Jan..Dec
PUBLIC_PAYEES = {"30201": "吴江{w}办公用品有限公司", "30202": "吴江{w}印务有限公司", "30205": "吴江区自来水有限公司",
                 "30206": "国网江苏省电力有限公司苏州市吴江区供电分公司", "30207": "中国电信股份有限公司吴江分公司",
                 "30209": "苏州{w}物业管理有限公司", "30211": "", "30213": "吴江{w}建筑安装有限公司",
                 "30215": "吴江宾馆有限公司", "30216": "吴江区委党校", "30228": "吴江区总工会", "30299": "苏州{w}商贸有限公司"}
INSTITUTIONS = {"30108": "苏州市吴江区社会保险基金管理中心", "30109": "苏州市吴江区社会保险基金管理中心",
                "30110": "苏州市吴江区医疗保障基金管理中心", "30112": "苏州市吴江区社会保险基金管理中心",
                "30113": "苏州市住房公积金管理中心吴江分中心"}
LARGE = 500_000_00     # the treasury reviews applications from 50万 (the district's fin_review_threshold)
SPLIT_LIMIT = 300_000_00   # 分散采购限额标准 (货物/服务) of gp_threshold.csv, in fen
# economic codes that are not purchases (rule R12's excluded_codes: utilities, travel, 三公, labour, union, welfare)
NOT_PURCHASES = frozenset(("30205", "30206", "30207", "30211", "30212", "30217", "30226", "30228", "30229", "30239"))


# -- the month's spending --------------------------------------------------------------------------------------
def schedule_month(sim: Simulation, year: int, month: int, days: list[date]) -> None:
    """Spread this month's spending of every indicator over its working days (never the whole year
    at once: memory stays bounded). A project that buys goods or services worth the 分散采购限额 or more
    does so under a procurement contract signed when its spending starts, and pays its supplier against it."""
    w_left = sum(SPEND_SEASON[month - 1:])
    for ind in list(sim.inds.values()):
        if ind.kind in ("wage",) or ind.kind == "gov_pur":
            continue
        goal = int(ind.amount * (0.3 if ind.slow else ind.target))
        left = goal - ind.spent
        if left <= 0:
            continue
        if ind.contract is None and not ind.contract_amt and needs_contract(ind):
            service_contract(sim, ind, goal)
        share = SPEND_SEASON[month - 1] / w_left
        amt = int(left * share * sim.rng.uniform(0.85, 1.15)) if month < 12 else left
        if ind.kind in ("contribution", "retiree"):
            amt = min(left, int(ind.amount / 12))
            count = 1
        elif ind.contract is not None:
            amt = min(amt, ind.contract_amt - ind.contract_spent)
            count = sim.rng.choice((1, 1, 2))         # a service contract is paid monthly, by invoice
        else:
            avg, cap = {"public": (8_000_00, 6), "sangong": (3_000_00, 4)}.get(ind.kind, (150_000_00, 12))
            count = max(1, min(cap, round(amt / avg)))
        amt = min(amt, left)
        if amt < 100_00:
            continue
        parts = sim.split(amt, count)
        for part in parts:
            day = sim.rng.choice(days if ind.kind not in ("contribution",) else days[5:8] or days)
            cmd = on_contract(sim, ind, part, day) if ind.contract is not None else payment(sim, ind, part, day)
            sim.queue[day].append(Pending(cmd, part >= LARGE))
        ind.spent += sum(parts)
        if ind.contract is not None:
            ind.contract_spent += sum(parts)


def needs_contract(ind: Ind) -> bool:
    """Whether a well-run unit buys this project's goods, services or works under a procurement contract:
    purchases (302 商品和服务, 310 资本性支出, less what is not a purchase) from suppliers worth the
    分散采购限额 or more. Below it a unit may buy directly (docs/standard/monitoring.md §R12)."""
    return (ind.kind == "project" and ind.payee == "company" and ind.dep[:3] in ("302", "310")
            and ind.dep not in NOT_PURCHASES and ind.amount >= SPLIT_LIMIT)


def service_contract(sim: Simulation, ind: Ind, goal: int) -> None:
    """The project's procurement plan and its contract with one supplier, for what the year will spend
    through it: the planned spending and the planted payments that go through the contract, leaving room
    on the indicator for the planted payments that do not."""
    a = sim.agencies[ind.agency]
    amt = min(goal - ind.spent + ind.held_contract, ind.amount - ind.spent - ind.held) // 100 * 100
    item = gp_item(sim, ind.dep, amt)
    ind.contract_amt = -1                  # tried once a year, whatever happens
    if amt < 10_000_00 or item is None:
        return
    code, method, form = item
    supplier, acct = sim.company(ind.dep, ind.pro_code)
    no = f"WJCG{sim.clock.now.year}{sim.serial:06d}"
    sim.serial += 1
    try:
        plan = sim.h(c.CreateProcurementPlan(a.code, ind.bgt_id, code, method, form, amt, actor=clerk(a.code)))
        sim.h(c.RegisterContract(plan, no, supplier, _uscc(random.Random(supplier)), acct, sim.rng.choice(BANKS),
                                 amt, sim.clock.now.date(), actor=clerk(a.code)))
    except DomainError as e:
        sim.stats[f"service_contract_refused:{e.rule}"] += 1
        return
    ind.contract, ind.plan_id, ind.contract_amt = (no, supplier, acct), plan, amt
    sim.stats["service_contracts"] += 1


def on_contract(sim: Simulation, ind: Ind, amount: int, day: date, what: str = "合同款") -> c.SubmitPayment:
    """An application paying the indicator's contract supplier against the contract."""
    assert ind.contract is not None
    no, supplier, acct = ind.contract
    return payment(sim, ind, amount, day, contract_no=no, payee_acct_name=supplier, payee_acct_no=acct,
                   use_des=f"支付{ind.name}{what}（{no}，{day.month}月）")


def payment(sim: Simulation, ind: Ind, amount: int, day: date, **kw: Any) -> c.SubmitPayment:
    """The application a unit's clerk files against an indicator: payee, account and purpose by its kind."""
    a = sim.agencies[ind.agency]
    codes = sim.core.codes
    eco = ind.dep
    if ind.kind == "contribution":
        payee, acct, traobj = INSTITUTIONS.get(eco, "社会保险经办机构"), f"3220{eco}00{a.code[:3]}", "1"
        use = f"{day.year}年{day.month}月{codes.get('dep_bgt_eco', eco).name}（单位缴费）"  # type: ignore[union-attr]
    elif ind.kind == "retiree":
        payee, acct, traobj = f"{a.name}离休干部", card_no(sim.rng), "3"
        use = f"{day.year}年{day.month}月离休费"
    elif ind.kind == "public":
        pat = PUBLIC_PAYEES.get(eco) or "苏州{w}旅行社有限公司"
        payee = pat.format(w=random.Random(a.code + eco).choice(COMPANY_WORDS))
        acct, traobj = sim.company(eco, payee)[1], "2"
        use = f"支付{codes.get('dep_bgt_eco', eco).name}（{day.month}月）"  # type: ignore[union-attr]
    elif ind.payee == "person":
        payee, acct, traobj = f"{a.name}惠民资金代发户", f"3205{a.code:0>9}88", "3"
        use = f"发放{ind.name}（{day.month}月批）"
        kw = {"beneficiaries": beneficiaries(amount, f"{ind.bgt_id}{amount}{use}")} | kw
    elif ind.payee == "government":
        payee, acct, traobj = f"吴江区{sim.rng.choice(('同里', '平望', '盛泽', '震泽', '黎里'))}镇财政所", \
            f"3205{sim.rng.randint(10**8, 10**9)}", "1"
        use = f"拨付{ind.name}"
    elif ind.kind == "sangong":
        if eco == "30231":
            payee, acct = sim.company("30213", a.code + "car")
            payee = payee.replace("建筑工程", "汽车服务")
            use = "公务用车维修保养及燃油费"
        else:
            payee, acct = "吴江宾馆有限公司", "322001000011"
            use = "接待上级检查工作用餐（按标准）"
        traobj = "2"
    else:
        pool = max(3, ind.amount // 15_000_000)      # a big project pays many suppliers
        payee, acct = sim.company(eco, f"{a.code}{ind.pro_code[-4:]}{sim.rng.randrange(pool)}")
        traobj = "2"
        use = f"支付{ind.name}项目款"
    cmd = c.SubmitPayment(a.code, ind.bgt_id, ind.pro_code, ind.func, ind.gov, eco, ind.fund, amount, payee, acct,
                          sim.rng.choice(BANKS), use, day, "1", "4", traobj, actor=clerk(a.code))
    if kw:
        cmd = replace(cmd, **kw)
    return cmd


def beneficiaries(amount: int, key: str) -> tuple[c.Beneficiary, ...]:
    """The people a 补贴到人 batch pays (the 一卡通 list that goes with it), one to forty of them; the same
    key gives the same people (a payment filed again after a 退票 pays the same list)."""
    rng = random.Random(key)
    n = max(1, min(40, amount // 2_000_00))
    each = [amount // n // 100 * 100] * n
    each[-1] += amount - sum(each)
    out = []
    for i, amt in enumerate(each):
        who = name(rng)
        birth = date(rng.randint(1940, 2008), rng.randint(1, 12), rng.randint(1, 28))
        out.append(c.Beneficiary(who, card_no(rng), amt, per_name=who,
                                 iden_no=iden_no(rng, birth, rng.choice("12"), i)))
    return tuple(out)


def enqueue(sim: Simulation, day: date, p: Pending) -> None:
    """An application joins the applications of ``day``."""
    sim.queue[day].append(p)


# -- submit, review, vouchers ----------------------------------------------------------------------------------
def submit_and_review(sim: Simulation, d: date, pending: list[Pending]) -> None:
    """The day's applications: submitted, a few returned by the unit leader (most come back the next working
    day), the rest approved (the large ones by the treasury too) and sent to the bank as vouchers."""
    if not pending:
        return
    for p in pending:
        sim.serial += 1
        p.cmd = replace(p.cmd, idem_key=f"sim-{d:%Y%m%d}-{sim.serial:08d}")
    res = sim.batch([p.cmd for p in pending])
    ok: list[tuple[Pending, Any]] = []
    for p, r in zip(pending, res, strict=True):
        if isinstance(r, DomainError):
            sim.stats["refused"] += 1
            sim.stats[f"refused:{r.rule}:{p.cmd.dep_bgt_eco_code}{':case' if p.case else ''}{':contract' if p.cmd.contract_no else ''}"] += 1
            continue
        ok.append((p, r))
        if p.case:
            for case in sim.truth:
                if case["case_id"] == p.case:
                    case["objects"].setdefault("pay_app_ids", []).append(r.pay_app_id)
    sim.stats["payments"] += len(ok)
    returned: list[tuple[Pending, Any]] = []
    by_leader: dict[str, list[str]] = defaultdict(list)
    for p, r in ok:
        if sim.rng.random() < 0.01 and not p.case:
            sim.h(c.ReviewPayment(r.pay_app_id, "return", "附件不全，请补充后重新提交",
                                  actor=leader(p.cmd.agency_code)))
            returned.append((p, r))
        else:
            by_leader[p.cmd.agency_code].append(r.pay_app_id)
    sim.batch([c.ReviewPayments(tuple(ids), "同意", actor=leader(a)) for a, ids in by_leader.items()], chunk=50)
    big = tuple(r.pay_app_id for p, r in ok if p.cmd.pay_app_amt >= LARGE and (p, r) not in returned)
    if big:
        sim.h(c.ReviewPayments(big, "同意", actor=TREASURY))
    for p, r in returned:
        if sim.rng.random() < 0.6 or p.cmd.contract_no:     # a contract instalment is always filed again
            sim.later[next_workday(d)].append(partial(resubmit, sim, r.pay_app_id))
        else:
            sim.h(c.VoidPayment(r.pay_app_id, "作废", actor=clerk(p.cmd.agency_code)))
    approved = [r.pay_app_id for p, r in ok if (p, r) not in returned]
    if approved:
        res = sim.h(c.IssueVouchers(tuple(approved), d, actor=TREASURY))
        sim.pending_receipts += res.accepted


def resubmit(sim: Simulation, app_id: str) -> None:
    """A returned application, completed and filed again, approved (by the treasury too when it is large)
    and sent the same day."""
    try:
        who = reads.payment(sim.core, app_id)["agency_code"]
        sim.h(c.ResubmitPayment(app_id, actor=clerk(who)))
        if sim.h(c.ReviewPayment(app_id, "approve", "同意", actor=leader(who))) == "fin_review":
            sim.h(c.ReviewPayment(app_id, "approve", "同意", actor=TREASURY))    # a large one: the treasury too
        res = sim.h(c.IssueVouchers((app_id,), sim.clock.now.date(), actor=TREASURY))
        sim.pending_receipts += res.accepted
    except DomainError:
        sim.stats["resubmit_refused"] += 1


# -- payroll ----------------------------------------------------------------------------------------------------
def payroll(sim: Simulation, year: int, month: int, day: date) -> None:
    """工资统发 for every agency; where the personnel database outgrew the wage budget, 追加 first."""
    cmds = [c.RunPayroll(a.code, year, month, day, actor=clerk(a.code)) for a in sim.agencies.values()]
    res = sim.batch(cmds, chunk=50)
    agency_of = {r.pay_app_id: cmd.agency_code for cmd, r in zip(cmds, res, strict=True)
                 if not isinstance(r, DomainError)}
    short = [cmd for cmd, r in zip(cmds, res, strict=True)
             if isinstance(r, DomainError) and r.rule in ("insufficient_balance", "indicator_frozen")]
    if short:                       # the personnel database outgrew the budget: 追加, then pay
        budget.top_up_wages(sim, year, [cmd.agency_code for cmd in short], 13 - month, day)
        retry = sim.batch(short, chunk=50)
        agency_of |= {r.pay_app_id: cmd.agency_code for cmd, r in zip(short, retry, strict=True)
                      if not isinstance(r, DomainError)}
        res = [r for r in res if not isinstance(r, DomainError)] + retry
    ok = [r for r in res if not isinstance(r, DomainError)]     # in the order the applications were made
    for r in res:
        if isinstance(r, DomainError):
            sim.stats[f"payroll_refused:{r.rule}"] += 1
    # the unit leader approves the payrolls filed (a control may have returned one at once); those above the
    # threshold then wait for the treasury, in the order they were made
    filed = [r.pay_app_id for r in ok if r.status == "submitted"]
    sim.batch([c.ReviewPayments((app,), "同意", actor=leader(agency_of[app])) for app in filed])
    big = tuple(app for app, status in reads.payment_statuses(sim.core, filed).items() if status == "fin_review")
    if big:
        sim.h(c.ReviewPayments(big, "同意", actor=TREASURY))
    if ok:
        res = sim.h(c.IssueVouchers(tuple(r.pay_app_id for r in ok), day, actor=TREASURY))
        sim.pending_receipts += res.accepted
    sim.stats["payrolls"] += len(ok)


# -- government procurement ---------------------------------------------------------------------------------------
def procurement(sim: Simulation, year: int, month: int) -> None:
    """政府采购: plans and contracts for procurement-flagged indicators (signed February to April); the
    instalments follow a works or goods contract's usual terms: 30 % advance the month after signing,
    35 % progress in June-August, 30 % on acceptance in November-December, the 5 % 质保金 the next year
    (paid from the carried-over indicator, where the project goes on)."""
    for ind in list(sim.inds.values()):
        if ind.kind != "gov_pur" or ind.contract or (month < 4 and sim.rng.random() > 0.5):
            continue
        a = sim.agencies[ind.agency]
        # the plan is made at the tendered price, so the contract takes all of it (nothing stays reserved)
        amt = int(ind.amount * sim.rng.uniform(0.93, 0.99)) // 100 * 100
        item = gp_item(sim, ind.dep, amt)
        if item is None:
            continue
        code, method, form = item
        try:
            plan = sim.h(c.CreateProcurementPlan(a.code, ind.bgt_id, code, method, form, amt, actor=clerk(a.code)))
            supplier, acct = sim.company(ind.dep, ind.pro_code)
            no = f"WJCG{year}{sim.serial:06d}"
            sim.serial += 1
            sim.h(c.RegisterContract(plan, no, supplier, _uscc(random.Random(supplier)), acct,
                                     sim.rng.choice(BANKS), amt, sim.clock.now.date(),
                                     actor=clerk(a.code)))
        except DomainError as e:
            sim.stats[f"procurement_refused:{e.rule}"] += 1
            continue
        ind.contract, ind.plan_id, ind.contract_amt = (no, supplier, acct), plan, amt
        sim.stats["contracts"] += 1
        parts = [int(amt * share) // 100 * 100 for share in (0.3, 0.35, 0.3)]
        whens = (month + 1, sim.rng.randint(max(6, month + 2), 8), sim.rng.choice((11, 12)))
        for part, when in zip(parts, whens, strict=True):
            days = month_workdays(year, when)
            day = sim.rng.choice(days[3:-2] or days)
            sim.later[day].append(partial(instalment, sim, ind, part, day))
        sim.warranties[ind.bgt_id] = (ind.contract, amt - sum(parts))


def warranty(sim: Simulation, ind: Ind, contract: tuple[str, str, str], amount: int, year: int) -> None:
    """What last year's contract still owes (the 质保金, and any instalment that did not go out), from the
    indicator its reservation was carried over to."""
    days = month_workdays(year, sim.rng.choice((2, 3)))
    day = sim.rng.choice(days[3:-2] or days)

    def go() -> None:
        no, supplier, acct = contract
        cmd = payment(sim, ind, amount, day, contract_no=no, payee_acct_name=supplier, payee_acct_no=acct,
                      use_des=f"支付{ind.name}质保金及尾款（{no}）")
        enqueue(sim, day, Pending(cmd, amount >= LARGE))
    sim.later[day].append(go)


def gp_item(sim: Simulation, eco: str, amt: int) -> tuple[str, str, str] | None:
    """A procurement catalogue item for the economic class, its method and organisation form."""
    codes = sim.core.codes
    works = eco in ("31005", "30213", "31001")
    kind = "工程" if works else "服务" if eco in ("30214", "30216", "30227") else "货物"
    items = [r for r in codes.rows("gp_catalog") if r.attrs.get("gp_kind") == kind
             and not codes.has_children("gp_catalog", r.code)]
    if not items:
        return None
    item = random.Random(eco).choice(items)
    form = "1" if item.flag("is_centralized") else "3"
    tender = {"工程": 400_000_000, "服务": 200_000_000, "货物": 200_000_000}[kind]
    method = "1" if amt >= tender else sim.rng.choice(("1", "3", "4", "6"))
    return item.code, method, form


def instalment(sim: Simulation, ind: Ind, amount: int, day: date) -> None:
    """A contract instalment joins the day's applications."""
    assert ind.contract is not None
    no, supplier, acct = ind.contract
    cmd = payment(sim, ind, amount, day, contract_no=no, payee_acct_name=supplier, payee_acct_no=acct,
                  use_des=f"支付{ind.name}合同款（{no}）")
    enqueue(sim, day, Pending(cmd, amount >= LARGE))
    ind.spent += amount


def _uscc(rng: random.Random) -> str:
    """A valid 统一社会信用代码 for a supplier in the district."""
    from stdnum.cn import uscc
    body = "91320509" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)
