"""The district's structure: the region, its departments and units with their accounts, and the
fiscal-supported staff — hired at the start, then retiring, promoted and recruited month by month."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from fiscal_core.domain import commands as c
from fiscal_core.domain.agencies import Account
from fiscal_core.domain.errors import DomainError

from .actors import ADMIN, BUDGET
from .catalogue import BANKS, DEPTS, DIV_CODE, DIV_NAME, Dept, Sub
from .people import Person, birth_for, card_no, iden_no, name, profile, retirement_age
from .state import Agency

if TYPE_CHECKING:
    from .engine import Simulation

FULL_DISTRICT_AGENCIES = 310
TOWNS = ("松陵", "同里", "平望", "盛泽", "震泽", "黎里", "七都", "桃源", "横扇", "八坼", "江陵")


def select_depts(sim: Simulation) -> list[tuple[Dept, list[tuple[Sub, int]]]]:
    """The catalogue's departments and units kept at this scale (the most important first)."""
    s = sim.cfg.scale
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


def setup(sim: Simulation, start: date) -> None:
    sim.clock.set_day(start)
    sim.h(c.RegisterMofDiv(DIV_CODE, DIV_NAME, actor=ADMIN))
    sim.h(c.SetDivConfig(DIV_CODE, "fin_review_threshold", str(500_000_00), actor=ADMIN))
    for d, subs in select_depts(sim):
        add_agency(sim, d.code, d.name, d.agency_type, None, d.func, d.sector, d.staff)
        k = 0
        for sub, count in subs:
            for i in range(1, count + 1):
                k += 1
                town = TOWNS[(i - 1) % len(TOWNS)] if "{town}" in sub.pattern else ""
                nm = sub.pattern.format(n=_cn(i) if count > 1 else "", town=town)
                if nm in {a.name for a in sim.agencies.values()}:
                    nm = f"{nm}（{_cn(i)}）"
                add_agency(sim, f"{d.code}{k:03d}", nm, sub.agency_type, d.code, sub.func, d.sector, sub.staff)
    # revenue and cash follow the size of the district actually built (at small scales the catalogue
    # keeps more structure than a linear cut would), at 60 % of the revenue of a scale-1 district
    sim.fiscal_scale = len(sim.agencies) / FULL_DISTRICT_AGENCIES * 0.6
    sim.progress(f"区划与单位：{len(sim.agencies)} 个预算单位，{sum(a.is_dept for a in sim.agencies.values())} 个部门")
    hire_initial(sim, start)


def add_agency(sim: Simulation, code: str, nm: str, typ: str, parent: str | None, func: str, sector: str,
               staff: tuple[int, int]) -> None:
    bank = sim.rng.choice(BANKS)
    accts = (Account(f"3205{code:0>9}12", f"{nm}零余额账户", bank, "12", False),
             Account(f"3205{code:0>9}61", f"{nm}工资统发户", bank, "61", False),
             Account(f"3205{code:0>9}63", nm, sim.rng.choice(BANKS), "63", True))
    sim.h(c.RegisterAgency(code, nm, DIV_CODE, typ, parent_code=parent, accounts=accts, exp_func_code=func,
                           actor=ADMIN))
    sim.agencies[code] = Agency(code, nm, typ, parent or code, func, sector, staff, parent is None,
                                accts[2].acct_no, accts[0].acct_no)


def hire_initial(sim: Simulation, start: date) -> None:
    # about 7,500 fiscal-supported staff per scale unit, spread over the agencies by their typical size
    raw = {a.code: sim.rng.randint(*a.staff_range) for a in sim.agencies.values()}
    factor = 7_500 * min(sim.cfg.scale, 1.0) * max(1, math.ceil(sim.cfg.scale)) / sum(raw.values())
    for a in sim.agencies.values():
        size = max(2, round(raw[a.code] * factor))
        members = [new_person(sim, a, start, initial=True) for _ in range(size)]
        results = sim.batch([hire_cmd(sim, p, a) for p in members])
        quota: dict[str, int] = defaultdict(int)
        for p, r in zip(members, results, strict=True):
            if isinstance(r, DomainError):
                continue
            p.per_id = r
            sim.staff[r] = p
            quota[p.staf] += 1
        # the staffing office's 编制数, a little above the staff in post
        sim.h(c.SetStaffing(a.code, math.ceil(quota["1"] * 1.08), math.ceil(quota["2"] * 1.08),
                            math.ceil(quota["3"] * 1.1) + 1, actor=BUDGET))
        if a.agency_type == "1" and sim.rng.random() < 0.3:     # a few old cadres drawing 离休费
            p = new_person(sim, a, start, initial=True, retiree=True)
            p.per_id = sim.h(hire_cmd(sim, p, a))
            sim.staff[p.per_id] = p
            sim.h(c.RetirePerson(p.per_id, date(start.year - 30, 1, 1), "2", actor=BUDGET))
            p.working = False
    sim.progress(f"财政供养人员：{sum(p.working for p in sim.staff.values())} 人在职")


def new_person(sim: Simulation, a: Agency, on: date, *, initial: bool = False, retiree: bool = False) -> Person:
    rng = sim.rng
    if retiree:
        birth, sex = date(rng.randint(1926, 1932), rng.randint(1, 12), rng.randint(1, 28)), "1"
    elif initial:
        birth, sex = birth_for(rng, on)
    else:
        birth, sex = date(on.year - rng.randint(23, 30), rng.randint(1, 12), rng.randint(1, 28)), \
            ("1" if rng.random() < 0.45 else "2")
    ide, staf, grade, step = profile(rng, a.agency_type)
    if retiree:
        ide, staf, grade, step = "11", "1", "G07", "L20"
    return Person("", a.code, birth, sex, ide, staf, grade, step)


def hire_cmd(sim: Simulation, p: Person, a: Agency) -> c.HirePerson:
    sim.serial += 1
    age_at_hire = sim.rng.randint(22, 28)
    eff = date(max(p.birth.year + age_at_hire, 1950), 9, 1)
    if eff > sim.clock.now.date():
        eff = sim.clock.now.date()
    return c.HirePerson(a.code, name(sim.rng), iden_no(sim.rng, p.birth, p.sex, sim.serial), p.ide, p.staf,
                        p.grade, p.step, eff, card_no(sim.rng), sim.rng.choice(BANKS), actor=BUDGET)


def personnel_month(sim: Simulation, year: int, month: int) -> None:
    """Retirements on reaching the age, July's grade promotions, September's recruits."""
    first = date(year, month, 1)
    cmds: list[c.Command] = []
    for p in sim.staff.values():
        if not p.working:
            continue
        if (year - p.birth.year, p.birth.month) == (retirement_age(p), month):
            cmds.append(c.RetirePerson(p.per_id, first, "3", actor=BUDGET))
            p.working = False
            sim.stats["retired"] += 1
    if month == 7:                            # grade promotions, once a year
        for p in sim.staff.values():
            if p.working and p.step and sim.rng.random() < 0.12:
                step = f"{p.step[0]}{min(int(p.step[1:]) + (1 if p.step[0] == 'S' else -1), 65 if p.step[0] == 'S' else 27):02d}"
                if step != p.step and step[1:] != "00":
                    cmds.append(c.ChangeGrade(p.per_id, p.grade, step, first, actor=BUDGET))
                    p.step = step
    res = sim.batch(cmds)
    sim.stats["personnel_refused"] += sum(isinstance(r, DomainError) for r in res)
    if month == 9:                            # new staff join with the school year
        want = max(1, round(sum(p.working for p in sim.staff.values()) * 0.035))
        agencies = list(sim.agencies.values())
        hires = []
        for _ in range(want):
            a = sim.rng.choice(agencies)
            p = new_person(sim, a, first)
            cmd = hire_cmd(sim, p, a)
            hires.append((p, replace(cmd, eff_date=first)))
        res = sim.batch([cmd for _, cmd in hires])
        for (p, _cmd), r in zip(hires, res, strict=True):
            if isinstance(r, DomainError):
                sim.stats[f"hire_refused:{r.rule}"] += 1
                continue
            p.per_id = r
            sim.staff[r] = p
            sim.stats["hired"] += 1


def _cn(i: int) -> str:
    return "一二三四五六七八九十"[i - 1] if 1 <= i <= 10 else str(i)
