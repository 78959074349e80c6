"""``fiscal simulate``: years of a district's life, driven day by day through the core's own commands.

Everything goes through ``Core.handle`` / ``Core.handle_batch``, so every row obeys the controls and
every change is journalled. Memory stays bounded: the district itself (agencies, staff, projects,
the year's indicators) is held, payments never are — each day's applications are made, settled and
forgotten. Irregularities are planted at a low rate, only where the controls allow them, and written
to a ground-truth file the core never sees.

This module keeps the calendar and what every room shares (the district's state, the random stream, the
command helpers); the business lives in the rooms:

- ``structure``: the region, its agencies and their staff (hiring, retirement, promotions);
- ``budget``: the project library, the budget round (两上两下), approval and the year's indicators,
  and the indicator business of the year (追加, 调剂, 上级转移支付);
- ``payments``: the daily payments, their review and vouchers, payroll, government procurement;
- ``treasury``: revenue, debt proceeds, the bank's receipts, clearing, 退票 and refunds;
- ``performance``: performance targets, mid-year monitoring, the December self-evaluation;
- ``yearend``: 年终结账;
- ``irregular``: the planted cases and their ground truth;
- ``exchange``: the files other subsystems send (tax feed, bank receipts, HR roster), written to the specs;
- ``reads``: everything read back from the core (writes only ever go through ``Core.handle``).

Determinism: the same seed gives the same district byte for byte, because every room draws from the one
``rng`` in the order the calendar calls them. Moving a draw changes the district.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fiscal_core.domain import commands as c
from fiscal_core.domain.tz import TZ
from fiscal_core.service_layer.core import Core

from . import budget, irregular, payments, performance, reads, structure, treasury, yearend
from .calendar import is_workday, month_workdays
from .catalogue import COMPANY_PLACES, COMPANY_TRADES, COMPANY_WORDS
from .exchange import ExchangeWriter
from .people import Person
from .state import Agency, Ind, Pending


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


class Simulation:
    """The district being simulated and the calendar that drives it."""

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
        self.queue: dict[date, list[Pending]] = defaultdict(list)   # applications waiting for their day
        self.pending_receipts: list[str] = []              # applications whose vouchers await the bank file
        self.later: dict[date, list[Callable[[], None]]] = defaultdict(list)
        self.controls: dict[int, dict[str, int]] = {}
        self.revenue_month: tuple[int, int] | None = None  # the month whose revenue is planned in revenue_plan
        self.revenue_plan: dict[date, list[tuple[str, int]]] = {}
        self.land: list[tuple[date, int]] = []             # this year's land auctions
        # procurement contracts' 质保金 due next year: indicator → (contract, amount)
        self.warranties: dict[str, tuple[tuple[str, str, str], int]] = {}
        self.stats: dict[str, Any] = defaultdict(int)
        self.serial = 0
        self.case_no = 0
        self.started = time.perf_counter()
        self.first_year = cfg.as_of.year - cfg.years + 1
        self.fiscal_scale = cfg.scale * 0.6

    # -- what every room uses ------------------------------------------------------------------------------
    def h(self, cmd: c.Command) -> Any:
        return self.core.handle(cmd)

    def batch(self, cmds: Sequence[c.Command], chunk: int = 400) -> list[Any]:
        out: list[Any] = []
        for i in range(0, len(cmds), chunk):
            out += self.core.handle_batch(list(cmds[i:i + chunk]))
        return out

    def n(self, per_scale_1: float) -> int:
        """A count that scales with the district, at least one when anything at all is expected."""
        x = per_scale_1 * self.cfg.scale * self.cfg.irregularity
        return max(1, int(x)) if x > 0.05 else 0

    def company(self, trade_eco: str, key: str) -> tuple[str, str]:
        """A supplier's name and account, the same for the same key (its own random stream)."""
        r = random.Random(f"{key}:{trade_eco}")
        trade = COMPANY_TRADES.get(trade_eco, "商贸")
        nm = f"{r.choice(COMPANY_PLACES)}{r.choice(COMPANY_WORDS)}{trade}有限公司"
        return nm, f"3220{r.randint(10**9, 10**10 - 1)}"

    def split(self, amt: int, count: int) -> list[int]:
        """``amt`` in ``count`` uneven parts of whole yuan."""
        if count <= 1:
            return [amt]
        w = [self.rng.lognormvariate(0, 0.6) for _ in range(count)]
        parts = [int(amt * x / sum(w)) // 100 * 100 for x in w]
        parts[-1] += amt - sum(parts)
        return [p for p in parts if p > 0]

    def progress(self, msg: str) -> None:
        self.log(f"[{time.perf_counter() - self.started:7.1f}s] {msg}")

    # -- the calendar ----------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        start = date(self.first_year - 1, 9, 1)
        structure.setup(self, start)
        treasury.revenue_history(self)      # the opening balance is set with the first year's budget
        d = date(self.first_year - 1, 10, 8)
        while d <= self.cfg.as_of:
            self.day(d)
            d += timedelta(days=1)
        irregular.write_truth(self)
        self.exchange.roster(reads.roster(self.core, self.cfg.as_of), self.cfg.as_of)
        refused = {k: v for k, v in sorted(self.stats.items()) if "refused" in k and v}
        if refused:
            self.progress("被控制规则拒绝 · refused by the controls: " + "，".join(f"{k} {v}" for k, v in refused.items()))
        return dict(self.stats)

    def day(self, d: date) -> None:
        self.clock.set_day(d)
        y = d.year
        # budget preparation for next year (一上 in October ... 批复 in January)
        if (d.month, d.day) == (10, 8):
            budget.open_round(self, y + 1)
        if d.month == 11 and d.day == 5:
            budget.budget_lines(self, y + 1)
        if d.month == 12 and d.day == 1:
            budget.generate_basic(self, y + 1)
        if d.month == 12 and d.day == 5:
            budget.control_numbers(self, y + 1)
        if d.month == 12 and d.day == 20:
            budget.second_round(self, y + 1)
        if d.month == 1 and d.day == 4 and y > self.first_year:
            yearend.close_year(self, y - 1)
        if d.month == 1 and d.day == 5:
            budget.approve_year(self, y)
        if y < self.first_year:
            return
        for task in self.later.pop(d, []):
            task()
        if not is_workday(d):
            return
        treasury.settle_bank(self, d)          # yesterday's vouchers come back from the bank
        treasury.revenue_day(self, d)
        first = month_workdays(y, d.month)[0]
        if d == first:
            self.month_start(y, d.month)
        payments.submit_and_review(self, d, self.queue.pop(d, []))
        # mid-July 双监控 and the December self-evaluation: on the first working day from the 15th / 22nd
        if d.month == 7 and d == next(w for w in month_workdays(y, 7) if w.day >= 15):
            performance.perf_monitoring(self, y, d)
        if d.month == 12 and d == next(w for w in month_workdays(y, 12) if w.day >= 22):
            performance.self_evaluation(self, y)

    def month_start(self, year: int, month: int) -> None:
        """The first working day: personnel changes, then the month's business put on its days."""
        self.progress(f"{year}-{month:02d}：付款 {self.stats['payments']:,} 笔，在职 "
                      f"{sum(p.working for p in self.staff.values()):,} 人")
        structure.personnel_month(self, year, month)
        days = month_workdays(year, month)
        payday = days[min(6, len(days) - 1)]
        self.later[payday].append(lambda: payments.payroll(self, year, month, payday))
        if month > 1:
            payments.schedule_month(self, year, month, days)
        if month in (3, 6, 9):
            self.later[days[len(days) // 2]].append(lambda: budget.upper_transfer(self, year, month))
        if month in (4, 7, 9):
            self.later[days[3]].append(lambda: budget.mid_year_addition(self, year, month))
        if month in (4, 7):         # 调剂 early in a quarter, so the receiving project can spend it
            self.later[days[5]].append(lambda: budget.adjustments(self, year, month))
        if month in (5, 8):
            self.later[days[2]].append(lambda: treasury.debt_proceeds(self, year, month))
        if month in (2, 3, 4):
            self.later[days[4]].append(lambda: payments.procurement(self, year, month))
