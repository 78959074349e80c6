"""财政供养人员库: identity, situations over time, quotas; personal data stays out of the journal."""

from datetime import date

import pytest

from fiscal_core.domain import commands as c
from fiscal_core.domain.errors import ControlViolation, PermissionDenied, StateError, ValidationError

from ..support import BUDGET, YEAR, World, clerk

WAGE_P10_S20 = (1395 + 855 + 150 + 1600 + 4500 + 2500) * 100     # 专技十级, 薪级20: 11,000.00 a month


def _as_of(world: World, agency: str, on: date):  # type: ignore[no-untyped-def]
    return world.core.query(lambda uow: uow.persons.as_of(agency, on))


def test_hire_validates_the_id_number_and_derives_birth_and_sex(world: World) -> None:
    good = world.iden_no("19900101")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as e:
        world.hire(iden_no=bad)
    assert e.value.rule == "iden_no_invalid" and "iden_no" in str(e.value) and bad not in str(e.value)
    per = world.hire(iden_no=good, per_name="李四")
    who = world.core.query(lambda uow: uow.persons.identity(per))
    assert (who["birth_date"], who["sex_code"]) == (date(1990, 1, 1), "1" if int(good[16]) % 2 else "2")
    with pytest.raises(StateError):
        world.hire(iden_no=good)                   # stored once
    [s] = _as_of(world, "101001", date(YEAR, 1, 1))
    assert s.salary.wage == WAGE_P10_S20 and s.per_sta_code == "1"


def test_personal_data_never_reaches_the_journal(world: World) -> None:
    iden = world.iden_no("19880808")
    per = world.hire(iden_no=iden, per_name="王秀英", card="6228489999999999")
    world.h(c.ChangeGrade(per, "P09", "S22", date(YEAR, 3, 1), actor=BUDGET))
    with world.core.db.read() as conn:
        text = "".join(str(r) for r in conn.exec_driver_sql("SELECT * FROM journal").fetchall())
    for secret in (iden, "王秀英", "6228489999999999", str(WAGE_P10_S20)):
        assert secret not in text
    assert per in text                              # the event is there, by id


def test_salary_follows_the_standards_and_the_scheme(world: World) -> None:
    with pytest.raises(ValidationError) as e:
        world.hire(ide="11", gr="P10")              # a 公务员 cannot sit on a 专技 grade
    assert e.value.rule == "grade_scheme"
    with pytest.raises(ValidationError) as e:
        world.hire(gr="P99")
    assert e.value.rule == "unknown_code"
    per = world.hire()
    world.h(c.ChangeGrade(per, "P09", "S22", date(YEAR, 3, 1), actor=BUDGET))
    before, after = _as_of(world, "101001", date(YEAR, 2, 28))[0], _as_of(world, "101001", date(YEAR, 3, 1))[0]
    assert after.salary.wage > before.salary.wage and after.gr_code == "P09"
    with pytest.raises(ValidationError) as e:       # changes are dated after the last one
        world.h(c.ChangeGrade(per, "P08", "S23", date(YEAR, 2, 1), actor=BUDGET))
    assert e.value.rule == "eff_date_order"


def test_staffing_quota_blocks_hires_and_transfers(world: World) -> None:
    world.h(c.SetStaffing("101001", 0, 2, 0, actor=BUDGET))
    world.hire()
    world.hire()
    with pytest.raises(ControlViolation) as e:
        world.hire()
    assert e.value.rule == "staffing_full"
    world.hire(ide="90", staf="9", gr="", step="")       # 编外 does not count against the quota
    world.h(c.SetStaffing("101002", 0, 0, 0, actor=BUDGET))
    mover = next(s.per_id for s in _as_of(world, "101001", date(YEAR, 1, 1)) if s.staf_type_code == "2")
    with pytest.raises(ControlViolation):
        world.h(c.TransferPerson(mover, "101002", date(YEAR, 4, 1), actor=BUDGET))
    world.h(c.SetStaffing("101002", 0, 1, 0, actor=BUDGET))
    world.h(c.TransferPerson(mover, "101002", date(YEAR, 4, 1), actor=BUDGET))
    assert [s.per_id for s in _as_of(world, "101002", date(YEAR, 4, 1))] == [mover]
    assert mover not in [s.per_id for s in _as_of(world, "101001", date(YEAR, 4, 1))]
    assert mover in [s.per_id for s in _as_of(world, "101001", date(YEAR, 3, 31))]


def test_retirement_and_its_pay(world: World) -> None:
    a, b = world.hire(), world.hire()
    world.h(c.RetirePerson(a, date(YEAR, 6, 1), "3", actor=BUDGET))
    world.h(c.RetirePerson(b, date(YEAR, 6, 1), "2", actor=BUDGET))
    staff = {s.per_id: s for s in _as_of(world, "101001", date(YEAR, 6, 1))}
    assert staff[a].per_sta_code == "3" and staff[a].salary.wage == 0 and staff[a].salary.ret_pay == 0
    assert staff[b].per_sta_code == "2" and staff[b].salary.ret_pay == WAGE_P10_S20 - (4500 + 2500) * 100
    with pytest.raises(StateError):
        world.h(c.RetirePerson(a, date(YEAR, 7, 1), actor=BUDGET))
    with pytest.raises(ValidationError):
        world.h(c.RetirePerson(b, date(YEAR, 7, 1), "1", actor=BUDGET))


def test_units_manage_only_their_own_staff(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.hire("101001", actor=clerk("101002"))
    world.hire("101001", actor=clerk("101001"))
    with pytest.raises(PermissionDenied):
        world.h(c.SetStaffing("101001", 1, 1, 1, actor=clerk("101001")))


def test_staffing_summary_compares_quota_and_actual(world: World) -> None:
    from fiscal_core.service_layer.personnel import staffing_summary

    world.h(c.SetStaffing("101001", 0, 5, 1, actor=BUDGET))
    for _ in range(3):
        world.hire()
    world.hire(ide="23", staf="3", gr="W04", step="S12")
    world.hire(ide="90", staf="9", gr="", step="")
    gone = world.hire()
    world.h(c.RetirePerson(gone, date(YEAR, 5, 1), "3", actor=BUDGET))
    s = world.core.query(staffing_summary, "101001", date(YEAR, 6, 1))
    assert (s["inst_staf_num"], s["ins_staff_num"], s["worker_staf_num"], s["worker_num"]) == (5, 3, 1, 1)
    assert (s["actu_staf_num"], s["actunow_staf_num"], s["outside_quota_num"], s["retiree_num"]) == (5, 4, 1, 1)
