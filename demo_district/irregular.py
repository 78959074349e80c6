"""Planted irregularities (docs/standard/monitoring.md), at a low rate and only where the core's controls allow them.

Each case is scheduled as ordinary payments (or a spending pattern) and recorded in the ground truth
with the objects involved, so that the monitoring rules can be scored for precision and recall.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError

from .actors import BUDGET
from .calendar import month_workdays
from .payments import LARGE, NOT_PURCHASES, SPLIT_LIMIT, enqueue, on_contract, payment
from .people import card_no, name
from .state import Ind, Pending

if TYPE_CHECKING:
    from .engine import Simulation

KEYWORDS_SANGONG = ("接待客人用餐", "宴请来访人员", "车辆维修保养", "公务车辆加油", "支付招待费用")
VAGUE = ("支付有关款项", "付相关费用一笔", "支付往来款项", "结算相关费用")


def _day(sim: Simulation, year: int, month: int) -> date:
    days = month_workdays(year, month)
    return sim.rng.choice(days[2:-2] or days)


def _projects(sim: Simulation, *, min_amount: int = 0, kinds: tuple[str, ...] = ("project",)) -> list[Ind]:
    return [i for i in sim.inds.values() if i.kind in kinds and i.fund == "11" and i.amount >= min_amount
            and not i.slow and not i.dep.startswith("303") and i.payee == "company"]


def _pay(sim: Simulation, ind: Ind, amount: int, day: date, case: str, **kw: object) -> None:
    _schedule(sim, ind, amount, day, case, False, kw)


def _schedule(sim: Simulation, ind: Ind, amount: int, day: date, case: str, via_contract: bool,
              kw: dict[str, object]) -> None:
    """A planted payment on its day. The indicator keeps room for it: outside the project's procurement
    contract (a split purchase, a payment to a person …), or through the contract (a year-end rush pays
    the contracted supplier early and in bulk)."""
    if via_contract:
        ind.held_contract += amount
    else:
        ind.held += amount

    def go() -> None:
        if via_contract and ind.contract is not None:
            cmd = on_contract(sim, ind, amount, day, what="年度合同款")
            ind.contract_spent += amount
        else:
            cmd = payment(sim, ind, amount, day, **kw)
        enqueue(sim, day, Pending(cmd, amount >= LARGE, case))
        ind.spent += amount
    sim.later[day].append(go)


def plant(sim: Simulation, kind: str, rule: int, objects: dict[str, Any], amount: int, note: str) -> str:
    """A case into the ground truth; its payment applications are added as they are filed."""
    sim.case_no += 1
    case = f"C{sim.case_no:05d}"
    sim.truth.append({"case_id": case, "kind": kind, "rule_no": rule, "year": sim.clock.now.year,
                      "amount": amount, "objects": objects, "note": note})
    return case


def write_truth(sim: Simulation) -> None:
    with open(sim.truth_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "kind", "rule_no", "year", "amount", "objects", "note"])
        for t in sim.truth:
            w.writerow([t["case_id"], t["kind"], t["rule_no"], t["year"], t["amount"],
                        json.dumps(t["objects"], ensure_ascii=False, sort_keys=True), t["note"]])


def plant_year(sim: Simulation, year: int) -> None:
    """The year's cases, laid out when its budget is approved."""
    rng = sim.rng
    pool = _projects(sim, min_amount=800_000_00)
    rng.shuffle(pool)

    def nxt(at_least: int = 0, purchases: bool = False) -> Ind | None:
        """The next project of the pool at least this large (and buying goods or services, if asked)."""
        for i, ind in enumerate(pool):
            if ind.amount >= at_least and (not purchases or (ind.dep[:3] in ("302", "310")
                                                              and ind.dep not in NOT_PURCHASES)):
                return pool.pop(i)
        return None

    # 12 拆分采购: 3-4 payments under the 30万 limit to one supplier in a quarter, together above it
    for _ in range(sim.n(8)):
        ind = nxt(purchases=True)
        if ind is None:
            break
        q = rng.randint(1, 3)
        supplier, acct = sim.company("30201", f"split{ind.bgt_id}")
        parts = [rng.randint(90_000, 140_000) * 100 for _ in range(rng.randint(3, 4))]
        parts[-1] += max(0, SPLIT_LIMIT - sum(parts))      # together at or above the limit, as the note says
        case = plant(sim, "split_procurement", 12, {"agency_code": ind.agency, "payee": supplier,
                                                    "quarter": f"{year}Q{q}"}, sum(parts),
                     "同一供应商一个季度内多笔，均低于分散采购限额，合计超过")
        for k, part in enumerate(parts):
            _pay(sim, ind, part, _day(sim, year, (q - 1) * 3 + 1 + k % 3), case, payee_acct_name=supplier,
                 payee_acct_no=acct, use_des=f"采购办公设备及耗材（第{k + 1}批）")
    # 10 年底突击花钱: a project that barely spends until November, then more than half in Nov-Dec
    for _ in range(sim.n(6)):
        ind = nxt()
        if ind is None:
            break
        ind.slow = True                                    # the schedule spends only 30 % of it
        case = plant(sim, "year_end_rush", 10, {"bgt_id": ind.bgt_id, "pro_code": ind.pro_code,
                                                "agency_code": ind.agency}, int(ind.amount * 0.55),
                     "11-12月支付超过项目年度指标的50%")
        # holding the money back until November is itself an execution lag: the same project is an R11 case
        plant(sim, "year_end_rush_lag", 11, {"bgt_id": ind.bgt_id, "pro_code": ind.pro_code, "agency_code": ind.agency},
              int(ind.amount * 0.3), "11月前执行缓慢（进度滞后），随后年底突击")
        for month, share in ((11, 0.25), (12, 0.3)):
            _schedule(sim, ind, int(ind.amount * share) // 100 * 100, _day(sim, year, month), case, True,
                      {"use_des": f"支付{ind.name}年度款项"})
    # single payments that break a rule: (kind, rule, cases at scale 1, amount range in yuan, note, how)
    singles: list[tuple[str, int, float, tuple[int, int], str, Callable[[Ind], dict[str, object]]]] = [
        ("personal_large", 3, 8, (60_000, 200_000), "非工资福利科目向个人账户大额转账",
         lambda ind: {"payee_acct_name": name(rng), "payee_acct_no": card_no(rng), "fund_traobj_type_code": "3",
                      "use_des": f"支付{ind.name}服务费"}),
        ("own_account", 1, 6, (50_000, 500_000), "零余额账户资金划入本单位实有资金账户",
         lambda ind: {"payee_acct_name": sim.agencies[ind.agency].name,
                      "payee_acct_no": sim.agencies[ind.agency].own_acct, "fund_traobj_type_code": "1",
                      "use_des": "划转项目资金至单位基本户"}),
        ("sangong_hidden", 9, 10, (1_500, 20_000), "三公性质支出列入其他科目",
         lambda ind: {"use_des": rng.choice(KEYWORDS_SANGONG)}),
        ("cash", 6, 6, (20_000, 100_000), "大额现金支票",
         lambda ind: {"set_mode_code": "3", "use_des": "提取备用金用于零星支出"}),
        ("generic_des", 18, 10, (5_000, 80_000), "摘要笼统，看不出用途", lambda ind: {"use_des": rng.choice(VAGUE)}),
    ]
    for kind, rule, per_year, (lo, hi), note, how in singles:
        for _ in range(sim.n(per_year)):
            amt = rng.randint(lo, hi) * 100
            # a payment the controls may hold back: on a project five times its size, so that the project's
            # own spending still runs to plan if the payment never goes out
            ind = nxt(5 * amt)
            if ind is None:
                break
            kw = how(ind)
            objects: dict[str, object] = {"agency_code": ind.agency}
            if kind == "own_account":
                objects["payee_acct_no"] = kw["payee_acct_no"]
            case = plant(sim, kind, rule, objects, amt, note)
            # not in November-December: on a small project it would also look like a year-end rush
            _pay(sim, ind, amt, _day(sim, year, rng.randint(2, 10)), case, **kw)
    # 5 工会经费支付给个人
    unions = [i for i in sim.inds.values() if i.kind == "public" and i.dep == "30228" and i.amount >= 30_000_00]
    rng.shuffle(unions)
    for ind in unions[: sim.n(6)]:
        amt = min(rng.randint(12_000, 50_000) * 100, ind.amount // 3 // 100 * 100)
        case = plant(sim, "union_person", 5, {"agency_code": ind.agency}, amt, "工会经费大额支付给个人")
        _pay(sim, ind, amt, _day(sim, year, rng.randint(3, 11)), case, payee_acct_name=name(rng),
             payee_acct_no=card_no(rng), fund_traobj_type_code="3", use_des="工会活动经费")
    # 23 补贴到人缺少明细: a subsidy batch paid without its beneficiary list (early in the year, so that even a
    # district simulated to the spring has one)
    subsidies = [i for i in sim.inds.values() if i.payee == "person" and i.fund == "11" and not i.slow
                 and i.amount >= 50_000_00]
    rng.shuffle(subsidies)
    for ind in subsidies[: sim.n(6)]:
        amt = min(rng.randint(20_000, 80_000) * 100, ind.amount // 5 // 100 * 100)
        case = plant(sim, "subsidy_without_details", 23, {"agency_code": ind.agency, "pro_code": ind.pro_code},
                     amt, "补贴到人资金支付未附受益人明细")
        _pay(sim, ind, amt, _day(sim, year, rng.randint(2, 3)), case, beneficiaries=())
    # 11 预算执行进度滞后: projects that spend about 30 % of their indicator by year end
    for _ in range(sim.n(6)):
        ind = nxt()
        if ind is None:
            break
        ind.slow = True
        plant(sim, "slow_execution", 11, {"bgt_id": ind.bgt_id, "pro_code": ind.pro_code, "agency_code": ind.agency},
              ind.amount, "全年执行约30%")
    # 8 三公经费超年初预算: a late top-up, then spending past the 年初 budget
    sangong = [i for i in sim.inds.values() if i.kind == "sangong" and i.dep == "30217"]
    rng.shuffle(sangong)
    for sg in sangong[: sim.n(4)]:
        case = plant(sim, "sangong_overspend", 8, {"agency_code": sg.agency, "bgt_id": sg.bgt_id},
                     sg.amount // 2, "三公经费执行超过年初预算")
        # the 追加 comes in October, just before the overspending: an indicator raised in September and spent
        # in Q4 would also look behind time at the end of Q3
        day = month_workdays(year, 10)[1]

        def top_up(i: Ind = sg, d: date = day) -> None:
            extra = i.amount // 2 // 100 * 100
            row = sim.core.indicator(i.bgt_id)
            if row is None:
                return
            try:
                sim.h(c.IssueIndicator(year, i.pro_code, i.agency, row["exp_func_code"], "30217", "11", extra, "3",
                                       f"吴财预〔{year}〕追三公{sim.rng.randint(1, 99)}号", d, to_bgt_id=i.bgt_id,
                                       actor=BUDGET))
            except DomainError:
                return
            i.amount += extra
            i.target = 0.8                # 1.2 × the 年初 budget: past it, but not the whole top-up at once
        sim.later[day].append(top_up)
        for month in (10, 10, 11):        # October and November: not also a December rush
            _pay(sim, sg, max(1_00, sg.amount // 6 // 100 * 100), _day(sim, year, month), case,
                 use_des="公务接待用餐（超标准批次）")

