"""The year's end: 年终结账 on 4 January closes the year, carries forward what may be carried (with the
applications still in flight) and takes back the rest; projects whose last planned year it was end."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fiscal_core.domain import commands as c

from .actors import BUDGET
from .catalogue import DIV_CODE

if TYPE_CHECKING:
    from .engine import Simulation


def close_year(sim: Simulation, year: int) -> None:
    sim.clock.set_day(date(year + 1, 1, 4))
    totals = sim.h(c.CloseYear(DIV_CODE, year, date(year + 1, 1, 4), actor=BUDGET))
    for info in sim.projects.values():
        if max(info["plans"]) <= year:
            info["ended"] = True
    sim.progress(f"{year}年终结账：结转 {totals['carried'] / 1e10:,.2f} 亿元，结余收回 "
                 f"{totals['returned'] / 1e10:,.2f} 亿元，在途申请随指标结转 {totals['applications_moved']} 笔")
