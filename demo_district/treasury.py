"""The treasury: revenue booked day by day (and ten years of monthly history before it), debt proceeds, the
general transfers from above that keep the treasury within its band;
the agent bank's receipts for yesterday's vouchers and the day's clearing, with the payments the bank
could not make (退票, paid again) and the refunds that come back weeks later."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import DomainError

from . import reads, revenue
from .actors import BANK, TREASURY, clerk
from .calendar import is_workday, month_workdays
from .catalogue import DIV_CODE
from .payments import LARGE, beneficiaries, enqueue
from .state import Pending

if TYPE_CHECKING:
    from .engine import Simulation


# -- revenue ------------------------------------------------------------------------------------------------------
def revenue_history(sim: Simulation) -> None:
    """Monthly totals for the years before the detailed window (so forecasting has ten years)."""
    rng = random.Random(sim.cfg.seed * 7919)
    first = sim.first_year - sim.cfg.history_years + sim.cfg.years
    rows: list[c.IncomeRow] = []
    for year in range(first, sim.first_year):
        for m in range(1, 13):
            last = month_workdays(year, m)[-1]
            for cat in revenue.CATEGORIES:
                amt = revenue.month_amount(cat, year, m, sim.fiscal_scale, rng)
                if amt:
                    rows.append(c.IncomeRow(last, cat.code, amt, f"H{year}{m:02d}{cat.code}"))
        for d, amt in revenue.land_auctions(year, sim.fiscal_scale, rng):
            rows.append(c.IncomeRow(d, revenue.LAND.code, amt, f"H{d:%Y%m%d}L{amt % 997}"))
    if rows:
        sim.clock.set_day(date(sim.first_year - 1, 9, 2))
        for i in range(0, len(rows), 2000):
            sim.h(c.RecordTreasuryIncome(DIV_CODE, tuple(rows[i:i + 2000]), "history", actor=TREASURY))
    sim.progress(f"收入历史：{first}-{sim.first_year - 1} 年按月入库 {len(rows)} 行")


def revenue_day(sim: Simulation, d: date) -> None:
    """The day's revenue into the treasury; its taxes also arrive as the tax bureau's feed. A month's revenue
    is planned on its first working day (its own random stream, so spending cannot shift it)."""
    if sim.revenue_month != (d.year, d.month):
        sim.revenue_month = (d.year, d.month)
        rng = random.Random(sim.cfg.seed * 104729 + d.year * 12 + d.month)
        days = month_workdays(d.year, d.month)
        plan: dict[date, list[tuple[str, int]]] = defaultdict(list)
        for cat in revenue.CATEGORIES:
            total = revenue.month_amount(cat, d.year, d.month, sim.fiscal_scale, rng)
            for day, amt in revenue.split_over_days(total, days, cat.first_half, rng):
                plan[day].append((cat.code, amt))
        if d.month == 1:
            sim.land = revenue.land_auctions(d.year, sim.fiscal_scale, random.Random(sim.cfg.seed + d.year))
        for day, amt in sim.land:
            if (day.year, day.month) == (d.year, d.month):
                plan[day].append((revenue.LAND.code, amt))
        sim.revenue_plan = plan
    items = sim.revenue_plan.get(d, [])
    if not items:
        return
    rows = tuple(c.IncomeRow(d, code, amt, f"T{d:%Y%m%d}{i:04d}") for i, (code, amt) in enumerate(items))
    sim.h(c.RecordTreasuryIncome(DIV_CODE, rows, f"tips_{d:%Y%m%d}", actor=TREASURY))
    sim.exchange.tax_feed(d, [(code, amt) for code, amt in items if code.startswith("101")], sim.core.codes)
    sim.stats["revenue_rows"] += len(rows)


COVER_FLOOR = 0.8         # months of spending below which the upper level tops the monthly 资金调度 up
COVER_CEILING = 2.5       # months of spending above which it sends nothing that month
COVER_TARGET = 1.0        # months of spending the year's plan aims to leave in the treasury at its end
DEBT_PER_ISSUE = 14e8     # 专项债券 proceeds per issue at scale 1 (yuan; drawn between 8亿 and 20亿)


def plan_year(sim: Simulation, year: int) -> None:
    """The year's transfers from above, planned when the budget is approved (批复, 5 January).

    The district keeps only its share of the shared taxes, so its own revenue, the 专项债券 proceeds and the
    专项转移支付 that come with their projects do not cover its budget: the province and the city close the
    gap with 一般性转移支付 (均衡性转移支付, 结算补助). The year's amount is planned to leave about a month of
    spending in the treasury at the year's end and is sent as monthly 资金调度 around the 20th (in December
    on the last working day, with the year-end settlement); the upper level watches the district's
    库款保障水平 (guidance: between 0.3 and 3 months) and tops a month's 调度 up when the cash would cover
    less than COVER_FLOOR months, or holds it back above COVER_CEILING. The first year also sets the
    treasury's opening balance (a month and a half of spending)."""
    spend = int(sum(i.amount for i in sim.inds.values()) * 0.95)
    monthly = spend // 12
    balance = reads.treasury_balance(sim.core)
    if balance is None:
        balance = int(monthly * 1.5) // 100 * 100
        sim.h(c.SetTreasuryOpening(DIV_CODE, date(year, 1, 1), balance, actor=TREASURY))
    own = sum(revenue.annual(cat, year, sim.fiscal_scale) for cat in revenue.CATEGORIES)
    own += revenue.annual(revenue.LAND, year, sim.fiscal_scale) * revenue.land_market(year)
    debt = 2 * DEBT_PER_ISSUE * 100 * sim.fiscal_scale
    general = max(0, int(spend + COVER_TARGET * monthly - balance - own - debt))
    sim.stats[f"general_transfer_plan_{year}"] = general
    part = general // 12 // 100 * 100
    for m in range(1, 13):
        days = month_workdays(year, m)
        day = days[-1] if m == 12 else next((d for d in days if d.day >= 20), days[-1])
        sim.later[day].append(partial(_general_transfer, sim, day, part, monthly, m))


def _general_transfer(sim: Simulation, day: date, base: int, month_spend: int, month: int) -> None:
    """One month's 资金调度: the planned part, topped up or held back by the district's cash cover."""
    balance = reads.treasury_balance(sim.core) or 0
    monthly_out = max(month_spend, reads.treasury_outflow(sim.core, day - timedelta(days=90)) // 3)
    amt = base
    if balance + base < COVER_FLOOR * monthly_out:
        amt = int(COVER_FLOOR * monthly_out) - balance
    elif balance > COVER_CEILING * monthly_out:
        amt = 0
    if month == 12:                                   # the year-end settlement leaves about a month's cover
        amt = max(amt, int(COVER_TARGET * monthly_out) - balance)
    amt = amt // 100 * 100
    if amt <= 0:
        return
    doc = f"苏财预〔{day.year}〕调度{month}号"
    sim.h(c.RecordTreasuryIncome(DIV_CODE, (c.IncomeRow(day, "11002", amt, f"G{day:%Y%m%d}{month:02d}"),),
                                 doc, actor=TREASURY))
    sim.stats["general_transfers"] += 1
    sim.stats[f"general_transfer_{day.year}"] += amt


def debt_proceeds(sim: Simulation, year: int, month: int) -> None:
    """专项债券 proceeds in May and August."""
    amt = int(sim.rng.uniform(8, 20) / 14 * DEBT_PER_ISSUE * 100 * sim.fiscal_scale) // 100 * 100
    if amt:
        sim.h(c.RecordTreasuryIncome(DIV_CODE, (c.IncomeRow(sim.clock.now.date(), "105", amt,
                                                           f"D{sim.clock.now:%Y%m%d}"),),
                                     "专项债券发行", actor=TREASURY))


# -- the bank and clearing --------------------------------------------------------------------------------------
def settle_bank(sim: Simulation, d: date) -> None:
    """The bank's receipt file for vouchers sent before today, then the day's 汇总清算."""
    waiting = sim.pending_receipts
    if not waiting:
        return
    sim.pending_receipts = []
    bills = reads.sent_vouchers(sim.core, waiting)
    if not bills:
        return
    app_of = {no: app for no, _amt, app in bills}
    receipts, items = [], []
    for no, amt, _app in bills:
        ok = sim.rng.random() > 0.003
        sim.serial += 1
        receipts.append(c.BankReceipt(no, amt, d, f"ABC{d:%Y%m%d}{sim.serial:07d}", ok,
                                      "" if ok else sim.rng.choice(("收款账户已销户", "户名账号不符"))))
        if ok:
            items.append(c.ClearingItem(no, amt))
    fname = f"bank_receipt_{d:%Y%m%d}.csv"
    sim.h(c.ConfirmBankReceipts(tuple(receipts), fname, actor=BANK))
    sim.exchange.bank_receipts(d, receipts)
    sim.h(c.ClearDay(f"HZ{d:%Y%m%d}", f"LQ{d:%Y%m%d}", d, tuple(items), actor=BANK))
    sim.stats["bank_failed"] += sum(not r.ok for r in receipts)
    failed = [app_of[r.pay_cert_no] for r in receipts if not r.ok]
    if failed:                  # 退票: the unit corrects the payee's account and applies again within days
        reissue(sim, failed, d)
    for r in receipts[: max(1, len(receipts) // 700)]:
        if r.ok and sim.rng.random() < 0.5:
            sim.later[d + timedelta(days=sim.rng.randint(10, 40))].append(
                partial(refund, sim, app_of[r.pay_cert_no], r.xpay_amt))


def reissue(sim: Simulation, pay_app_ids: list[str], d: date) -> None:
    """退票: the failed payments filed again a few working days later, to the corrected account."""
    apps = [reads.payment(sim.core, app) for app in pay_app_ids]
    day = d + timedelta(days=sim.rng.randint(2, 7))
    while not is_workday(day):
        day += timedelta(days=1)
    if day.year != d.year:
        return
    for app in apps:
        acct, use, amt = app["payee_acct_no"], app["use_des"], int(app["pay_app_amt"])
        fixed = acct[:-1] + str((int(acct[-1]) + 1) % 10) if acct and acct[-1].isdigit() else acct
        if app["contract_no"]:          # the contract's account is the supplier's: the bank pays it again
            fixed = acct
        use = use if use.endswith("（退票重新支付）") else f"{use}（退票重新支付）"
        cmd = c.SubmitPayment(app["agency_code"], app["bgt_id"], app["pro_code"], app["exp_func_code"],
                              app["gov_bgt_eco_code"], app["dep_bgt_eco_code"], app["fund_type_code"], amt,
                              app["payee_acct_name"], fixed, app["payee_acct_bank_name"], use, day,
                              app["set_mode_code"], app["pay_type_code"], app["fund_traobj_type_code"],
                              app["contract_no"], actor=clerk(app["agency_code"]),
                              beneficiaries=beneficiaries(amt, f"{app['bgt_id']}{amt}{app['use_des']}")
                              if app["payee_acct_name"].endswith("惠民资金代发户") else ())
        enqueue(sim, day, Pending(cmd, amt >= LARGE))
        sim.stats["reissued"] += 1


def refund(sim: Simulation, app: str, amt: int) -> None:
    """Part of a payment comes back from the payee (结算多付); contract instalments are paid as agreed."""
    if reads.payment(sim.core, app)["contract_no"]:
        return
    part = max(1_00, int(amt * sim.rng.uniform(0.02, 0.3)) // 100 * 100)
    try:
        sim.h(c.RefundPayment(app, part, sim.clock.now.date(), "结算多付，收款人退回", actor=TREASURY))
        sim.stats["refunds"] += 1
    except DomainError:
        sim.stats["refund_refused"] += 1
