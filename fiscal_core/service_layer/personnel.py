"""Handlers: 财政供养人员库 — staffing quotas, hires, transfers, retirements, grade changes.

Each change is a new situation effective from a date; the journal records that it happened (who acted,
which person id, what kind of change, when effective) but never the person's name, ID number, card or
salary, which stay in ``bas_person_info`` / ``bas_person_hist`` only.
"""

from __future__ import annotations

from datetime import date

from ..domain import commands as c
from ..domain.actors import Role, authorize
from ..domain.errors import StateError, ValidationError, require
from ..domain.personnel import (
    Situation,
    Staffing,
    changed,
    check_vacancy,
    retired_salary,
    salary_from_standards,
    scheme_of,
    validate_iden_no,
)
from .unit_of_work import UnitOfWork

PERSONNEL_ROLES = frozenset({Role.UNIT_CLERK, Role.FIN_BUDGET})


def _occupied(uow: UnitOfWork, agency_code: str, staf_type_code: str, on: date, exclude: str = "") -> int:
    return sum(1 for s in uow.persons.as_of(agency_code, on)
               if s.is_working and s.staf_type_code == staf_type_code and s.per_id != exclude)


def _need_vacancy(uow: UnitOfWork, agency_code: str, staf_type_code: str, on: date, exclude: str = "") -> None:
    if uow.codes.require("staf_type", staf_type_code, "staf_type_code").flag("counts_against_quota"):
        check_vacancy(uow.persons.staffing(agency_code), staf_type_code,
                      _occupied(uow, agency_code, staf_type_code, on, exclude), agency_code)


def _event(s: Situation) -> dict[str, object]:
    """What the journal may say about a person's change: no identity, no salary."""
    return {"change_type": s.change_type, "agency_code": s.agency_code, "eff_date": s.eff_date,
            "per_sta_code": s.per_sta_code, "per_ide_code": s.per_ide_code, "staf_type_code": s.staf_type_code}


def _after_latest(uow: UnitOfWork, per_id: str, eff_date: date) -> Situation:
    latest = uow.persons.latest(per_id)
    if eff_date <= latest.eff_date:
        raise ValidationError("eff_date_order", "变动生效日期须晚于该人员上一次变动", "a change must be dated after the last one",
                              field="eff_date", eff_date=eff_date, last=latest.eff_date)
    return latest


def set_staffing(uow: UnitOfWork, cmd: c.SetStaffing) -> None:
    authorize(cmd.actor, {Role.FIN_BUDGET}, action="personnel.staffing")
    uow.agencies.get(cmd.agency_code)
    for f in ("admin_staf_num", "inst_staf_num", "worker_staf_num"):
        if getattr(cmd, f) < 0:
            raise ValidationError("staffing_negative", "编制数不能为负", "staffing cannot be negative", field=f)
    st = Staffing(cmd.admin_staf_num, cmd.inst_staf_num, cmd.worker_staf_num)
    old = uow.persons.set_staffing(cmd.agency_code, st, uow.now_naive())
    def summary(x: Staffing | None) -> dict[str, int] | None:
        return None if x is None else {"admin": x.admin_staf_num, "inst": x.inst_staf_num,
                                       "worker": x.worker_staf_num}

    uow.record(cmd.actor, "personnel.staffing", "bas_agency_staffing", cmd.agency_code, before=summary(old),
               after=summary(st))


def hire_person(uow: UnitOfWork, cmd: c.HirePerson) -> str:
    authorize(cmd.actor, PERSONNEL_ROLES, action="personnel.hire", agency_code=cmd.agency_code)
    require(cmd.per_name, "per_name")
    require(cmd.sala_card_no, "sala_card_no")
    require(cmd.sala_card_bank, "sala_card_bank")
    iden_no, birth, sex = validate_iden_no(cmd.iden_no)
    if uow.persons.iden_exists(iden_no):
        raise StateError("person_exists", "该身份证号已在人员库中（调动请用调动，不要重复录入）",
                         "this ID number is already in the personnel database", field="iden_no")
    uow.agencies.get(cmd.agency_code)
    uow.codes.require("per_ide", cmd.per_ide_code, "per_ide_code")
    age = (cmd.eff_date - birth).days // 365
    if not 16 <= age <= 70:
        raise ValidationError("age_range", "入职年龄不合理（16-70岁）", "implausible age at hire", field="iden_no", age=age)
    salary = salary_from_standards(uow.codes, cmd.per_ide_code, cmd.gr_code, cmd.step_code)
    _need_vacancy(uow, cmd.agency_code, cmd.staf_type_code, cmd.eff_date)
    per_id = uow.new_id()
    now = uow.now_naive()
    uow.persons.add_person({"per_id": per_id, "per_name": cmd.per_name.strip(), "iden_type_code": "01",
                            "iden_no": iden_no, "sex_code": sex, "birth_date": birth,
                            "work_init_date": cmd.work_init_date, "sala_card_no": cmd.sala_card_no.strip(),
                            "sala_card_bank": cmd.sala_card_bank.strip(), "create_time": now, "update_time": now})
    s = Situation(per_id, cmd.eff_date, "hire", cmd.agency_code, "1", cmd.per_ide_code, cmd.staf_type_code,
                  cmd.gr_code, cmd.step_code, cmd.is_uni_sala, salary)
    uow.persons.add_situation(s, uow.new_id(), now)
    uow.record(cmd.actor, "personnel.hire", "bas_person_info", per_id, after=_event(s))
    return per_id


def transfer_person(uow: UnitOfWork, cmd: c.TransferPerson) -> None:
    authorize(cmd.actor, {Role.FIN_BUDGET}, action="personnel.transfer")
    latest = _after_latest(uow, cmd.per_id, cmd.eff_date)
    if not latest.is_working:
        raise StateError("person_not_working", "该人员不在职，不能调动", "only working staff transfer", per_id=cmd.per_id)
    if latest.agency_code == cmd.to_agency_code:
        raise ValidationError("transfer_same", "调入单位与现单位相同", "same agency", field="to_agency_code")
    uow.agencies.get(cmd.to_agency_code)
    _need_vacancy(uow, cmd.to_agency_code, latest.staf_type_code, cmd.eff_date)
    s = changed(latest, eff_date=cmd.eff_date, change_type="transfer", agency_code=cmd.to_agency_code)
    uow.persons.add_situation(s, uow.new_id(), uow.now_naive())
    uow.record(cmd.actor, "personnel.transfer", "bas_person_info", cmd.per_id, before=_event(latest), after=_event(s))


def retire_person(uow: UnitOfWork, cmd: c.RetirePerson) -> None:
    if cmd.per_sta_code not in ("2", "3"):
        raise ValidationError("retire_status", "离退休状态只能是离休(2)或退休(3)", "status must be 2 or 3",
                              field="per_sta_code", value=cmd.per_sta_code)
    latest = _after_latest(uow, cmd.per_id, cmd.eff_date)
    authorize(cmd.actor, PERSONNEL_ROLES, action="personnel.retire", agency_code=latest.agency_code)
    if not latest.is_working:
        raise StateError("person_not_working", "该人员已不在职", "person is not working", per_id=cmd.per_id)
    s = changed(latest, eff_date=cmd.eff_date, change_type="retire", per_sta_code=cmd.per_sta_code,
                salary=retired_salary(latest.salary, cmd.per_sta_code))
    uow.persons.add_situation(s, uow.new_id(), uow.now_naive())
    uow.record(cmd.actor, "personnel.retire", "bas_person_info", cmd.per_id, before=_event(latest), after=_event(s))


def change_grade(uow: UnitOfWork, cmd: c.ChangeGrade) -> None:
    latest = _after_latest(uow, cmd.per_id, cmd.eff_date)
    authorize(cmd.actor, PERSONNEL_ROLES, action="personnel.grade", agency_code=latest.agency_code)
    if not latest.is_working:
        raise StateError("person_not_working", "该人员不在职，不能调整职级", "only working staff change grade",
                         per_id=cmd.per_id)
    ide = cmd.per_ide_code or latest.per_ide_code
    if scheme_of(uow.codes, ide) != scheme_of(uow.codes, latest.per_ide_code) and cmd.per_ide_code is None:
        raise ValidationError("grade_scheme", "职级与人员身份的工资制度不符", "grade does not fit the salary scheme",
                              field="gr_code")
    salary = salary_from_standards(uow.codes, ide, cmd.gr_code, cmd.step_code)
    s = changed(latest, eff_date=cmd.eff_date, change_type="grade", per_ide_code=ide, gr_code=cmd.gr_code,
                step_code=cmd.step_code, salary=salary)
    uow.persons.add_situation(s, uow.new_id(), uow.now_naive())
    uow.record(cmd.actor, "personnel.grade", "bas_person_info", cmd.per_id, before=_event(latest), after=_event(s))


def staffing_summary(uow: UnitOfWork, agency_code: str, on: date) -> dict[str, int]:
    """编制数 against 实有人数 on a date (the docs/standard/entities.md §E2 agency summary): quotas, working staff by 编制 type,
    编外, 离休 and 退休."""
    staff = uow.persons.as_of(agency_code, on)
    quota = uow.persons.staffing(agency_code)
    working = [s for s in staff if s.is_working]
    count = {t: sum(1 for s in working if s.staf_type_code == t) for t in ("1", "2", "3", "9")}
    return {
        "admin_staf_num": quota.admin_staf_num if quota else 0,
        "inst_staf_num": quota.inst_staf_num if quota else 0,
        "worker_staf_num": quota.worker_staf_num if quota else 0,
        "actu_staf_num": len(working),
        "actunow_staf_num": count["1"] + count["2"] + count["3"],
        "adm_staff_num": count["1"], "ins_staff_num": count["2"], "worker_num": count["3"],
        "outside_quota_num": count["9"],
        "wc_retiree_num": sum(1 for s in staff if s.per_sta_code == "2"),
        "retiree_num": sum(1 for s in staff if s.per_sta_code == "3"),
    }
