"""工资统发: one application per agency and month, per-person detail rows, the same controls."""

from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import ControlViolation, ValidationError

from ..support import BUDGET, YEAR, World, clerk

MONTHLY = 11_000_00
PERSONAL = 8 + 4 + 2 + 0.5 + 12          # % withheld: 养老, 年金, 医保, 失业, 公积金


def _budgeted(world: World, persons: int = 3) -> list[str]:
    people = [world.hire() for _ in range(persons)]
    ids = world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 1, 1), actor=BUDGET))
    world.h(c.ApproveBudget(tuple(ids), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    return people


def _details(world: World, app_id: str) -> list[dict]:
    with world.core.db.read() as conn:
        return [dict(r._mapping) for r in conn.exec_driver_sql(
            "SELECT * FROM pay_detail WHERE pay_app_id = ? ORDER BY detail_type, per_id"
            if world.core.db.is_sqlite else
            "SELECT * FROM pay_detail WHERE pay_app_id = %(a)s ORDER BY detail_type, per_id",
            (app_id,) if world.core.db.is_sqlite else {"a": app_id})]


def test_monthly_payroll_pays_everyone_once_with_details(world: World) -> None:
    people = _budgeted(world)
    r = world.h(c.RunPayroll("101001", YEAR, 3, date(YEAR, 3, 10), actor=clerk()))
    app = world.status(r.pay_app_id)
    assert app["pay_app_amt"] == 3 * MONTHLY and app["dep_bgt_eco_code"] == "301"
    assert app["fund_traobj_type_code"] == "3" and "工资统发（3人）" in app["use_des"]
    rows = _details(world, r.pay_app_id)
    net = [x for x in rows if x["detail_type"] == "net_pay"]
    held = [x for x in rows if x["detail_type"] == "withholding"]
    assert sorted(x["per_id"] for x in net) == sorted(people)
    assert all(x["iden_no"] is None and x["payee_acct_no"] is None for x in net)   # identity stays in one place
    assert sum(x["pay_amt"] for x in rows) == app["pay_app_amt"]
    assert net[0]["pay_amt"] == round(MONTHLY * (1 - PERSONAL / 100))
    assert {x["add_word"] for x in held} == {"30108", "30109", "30110", "30112", "30113"}
    again = world.h(c.RunPayroll("101001", YEAR, 3, date(YEAR, 3, 10), actor=clerk()))
    assert again.replayed and again.pay_app_id == r.pay_app_id
    assert world.core.counts()["pay_voucher"] == 1
    world.paid(r.pay_app_id)
    world.assert_consistent()


def test_december_adds_the_year_end_bonus_for_civil_servants(world: World) -> None:
    world.hire(ide="11", staf="2", gr="G11", step="L25")
    world.hire()
    ids = world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 1, 1), actor=BUDGET))
    world.h(c.ApproveBudget(tuple(ids), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    nov = world.h(c.RunPayroll("101001", YEAR, 11, date(YEAR, 11, 10), actor=clerk()))
    dec = world.h(c.RunPayroll("101001", YEAR, 12, date(YEAR, 12, 10), actor=clerk()))
    civil_basic = world.core.query(lambda uow: next(
        s.salary.basic for s in uow.persons.as_of("101001", date(YEAR, 12, 1)) if s.per_ide_code == "11"))
    assert world.status(dec.pay_app_id)["pay_app_amt"] - world.status(nov.pay_app_id)["pay_app_amt"] == civil_basic


def test_payroll_obeys_the_same_controls(world: World) -> None:
    with pytest.raises(ValidationError) as e:
        world.h(c.RunPayroll("101001", YEAR, 3, date(YEAR, 3, 10), actor=clerk()))
    assert e.value.rule == "payroll_empty"
    world.hire()
    with pytest.raises(ControlViolation) as e:                   # no approved wage indicator yet
        world.h(c.RunPayroll("101001", YEAR, 3, date(YEAR, 3, 10), actor=clerk()))
    assert e.value.rule == "payroll_indicator_missing"
    ids = world.h(c.GenerateBasicBudget("101001", YEAR, date(YEAR, 1, 1), actor=BUDGET))
    made = world.h(c.ApproveBudget(tuple(ids), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    wage = next(b for b in made.values() if world.balance(b)["dep_bgt_eco_code"] == "301")
    world.h(c.FreezeIndicator(wage, actor=BUDGET))
    with pytest.raises(ControlViolation) as e:
        world.h(c.RunPayroll("101001", YEAR, 3, date(YEAR, 3, 10), actor=clerk()))
    assert e.value.rule == "indicator_frozen"
    with pytest.raises(ValidationError):
        world.h(c.RunPayroll("101001", YEAR, 3, date(YEAR, 4, 1), actor=clerk()))
    assert world.core.counts()["pay_voucher"] == 0
