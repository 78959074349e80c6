"""财政供养人员库: persons, their situation over time, salary structure and agency staffing (docs/standard/entities.md §E2).

Identity (name, 身份证号, salary card) is personal data: it lives in one table and never enters the
journal, whose events for persons carry only the person's id and the kind of change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from .codes import CodeSets
from .errors import ControlViolation, ValidationError
from .money import Fen, to_fen


def validate_iden_no(iden_no: str) -> tuple[str, date, str]:
    """居民身份证号 with its check digit (python-stdnum ``stdnum.cn.ric``) → (number, birth date, sex code).
    GB 11643: the 17th digit is odd for men (GB/T 2261.1 code 1), even for women (2)."""
    try:
        number = ric.validate(iden_no)
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise ValidationError("iden_no_invalid", "身份证号码校验失败（位数、出生日期或校验位不符）",
                              "invalid resident ID number (length, birth date or check digit)",
                              field="iden_no") from None
    return number, birth, "1" if int(number[16]) % 2 else "2"


@dataclass(frozen=True, slots=True)
class Salary:
    """Monthly salary structure in fen (docs/standard/entities.md §E2 names)."""

    pos_sala: Fen = 0         # 职务(岗位)工资
    grad_sala: Fen = 0        # 级别(薪级)工资
    nation_reg_sub: Fen = 0   # 国家规定津补贴
    local_reg_sub: Fen = 0    # 地方出台津补贴
    basc_perf: Fen = 0        # 基础性绩效
    inct_perf: Fen = 0        # 奖励性绩效
    ret_pay: Fen = 0          # 离休费/退休费 (only for persons no longer working)

    @property
    def wage(self) -> Fen:
        """应发工资 of a working person (the contribution base here)."""
        return (self.pos_sala + self.grad_sala + self.nation_reg_sub + self.local_reg_sub + self.basc_perf
                + self.inct_perf)

    @property
    def basic(self) -> Fen:
        return self.pos_sala + self.grad_sala


@dataclass(frozen=True, slots=True)
class Situation:
    """Where a person stands from ``eff_date`` on (one ``bas_person_hist`` row)."""

    per_id: str
    eff_date: date
    change_type: str
    agency_code: str
    per_sta_code: str
    per_ide_code: str
    staf_type_code: str
    gr_code: str
    step_code: str
    is_uni_sala: bool
    salary: Salary

    @property
    def is_working(self) -> bool:
        return self.per_sta_code == "1"


def _yuan_fen(codes: CodeSets, code_set: str, code: str, column: str) -> Fen:
    row = codes.get(code_set, code)
    if row is None or not row.attrs.get(column):
        return 0
    return to_fen(Decimal(row.attrs[column]), column, allow_zero=True)


def scheme_of(codes: CodeSets, per_ide_code: str) -> str:
    return codes.require("per_ide", per_ide_code, "per_ide_code").attrs.get("salary_scheme", "")


def salary_from_standards(codes: CodeSets, per_ide_code: str, gr_code: str, step_code: str) -> Salary:
    """The monthly structure a grade and step earn under the standards (salary_grade, salary_step,
    allowance_standard code sets). The grade must belong to the person's salary scheme."""
    scheme = scheme_of(codes, per_ide_code)
    allowance = next((a for a in codes.rows("allowance_standard") if a.attrs.get("salary_scheme") == scheme), None)

    def part(col: str) -> Fen:
        value = allowance.attrs.get(col) if allowance else None
        return to_fen(Decimal(value), col, allow_zero=True) if value else 0

    if scheme == "编外":   # contract pay only (the standard's performance columns), no grade or step
        return Salary(basc_perf=part("basc_perf"), inct_perf=part("inct_perf"))
    grade = codes.require("salary_grade", gr_code, "gr_code")
    step = codes.require("salary_step", step_code, "step_code")
    if grade.attrs.get("salary_scheme") != scheme:
        raise ValidationError("grade_scheme", "职级/岗位与人员身份的工资制度不符", "grade does not fit the salary scheme",
                              field="gr_code", gr_code=gr_code, per_ide_code=per_ide_code, scheme=scheme)
    step_scheme = "公务员" if scheme == "公务员" else "事业"
    if step.attrs.get("salary_scheme") != step_scheme:
        raise ValidationError("step_scheme", "级别/薪级与人员身份的工资制度不符", "step does not fit the salary scheme",
                              field="step_code", step_code=step_code, per_ide_code=per_ide_code)
    return Salary(pos_sala=_yuan_fen(codes, "salary_grade", gr_code, "pos_sala"),
                  grad_sala=_yuan_fen(codes, "salary_step", step_code, "grad_sala"),
                  nation_reg_sub=part("nation_reg_sub"), local_reg_sub=part("local_reg_sub"),
                  basc_perf=part("basc_perf"), inct_perf=part("inct_perf"))


def retired_salary(working: Salary, per_sta_code: str) -> Salary:
    """离休: the full basic salary and allowances continue as 离休费 (a budget item, 30301). 退休 after the
    2014 pension reform is paid by the pension fund, not the budget: nothing remains on the payroll."""
    if per_sta_code == "2":
        return Salary(ret_pay=working.wage - working.basc_perf - working.inct_perf)
    return Salary()


@dataclass(frozen=True, slots=True)
class Staffing:
    admin_staf_num: int
    inst_staf_num: int
    worker_staf_num: int

    def quota(self, staf_type_code: str) -> int | None:
        return {"1": self.admin_staf_num, "2": self.inst_staf_num, "3": self.worker_staf_num}.get(staf_type_code)


def check_vacancy(staffing: Staffing | None, staf_type_code: str, occupied: int, agency_code: str) -> None:
    """A hire or transfer into an 编制 needs a vacancy when the agency's 编制数 is set."""
    if staffing is None:
        return
    quota = staffing.quota(staf_type_code)
    if quota is not None and occupied + 1 > quota:
        raise ControlViolation("staffing_full", "编制已满，不能再进人", "no vacancy in this staffing type",
                               agency_code=agency_code, staf_type_code=staf_type_code, quota=quota,
                               occupied=occupied)


def changed(s: Situation, **kw: object) -> Situation:
    return replace(s, **kw)  # type: ignore[arg-type]
