"""区划 → 部门 → 单位: the agency tree and each agency's own accounts."""

from __future__ import annotations

from dataclasses import dataclass, field

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from .errors import ValidationError, require


@dataclass(slots=True)
class Account:
    acct_no: str
    acct_name: str
    bank_name: str
    acct_type_code: str = "63"   # legacy account types (docs/standard/entities.md §E1): 12 单位零余额, 63 普通收款/基本户 …
    is_own_fund: bool = True     # 实有资金账户 (used by the 资金回流 / 坐收坐支 rules)


@dataclass(slots=True)
class Agency:
    agency_code: str
    agency_name: str
    mof_div_code: str
    agency_type_code: str
    parent_code: str | None = None          # None: a department (一级预算单位)
    dept_code: str = ""                     # the department this agency belongs to (itself for a department)
    unifsoc_cred_code: str | None = None
    is_enabled: bool = True
    accounts: list[Account] = field(default_factory=list)
    exp_func_code: str | None = None

    @property
    def is_dept(self) -> bool:
        return self.parent_code is None


def validate_mof_div_code(code: str) -> str:
    require(code, "mof_div_code")
    if len(code) != 9 or not code.isdigit():
        raise ValidationError("mof_div_format", "财政区划代码须为9位数字", "mof_div_code must be 9 digits",
                              field="mof_div_code", value=code)
    return code


def validate_agency_code(code: str) -> str:
    require(code, "agency_code")
    if len(code) > 21 or not code.isalnum():
        raise ValidationError("agency_code_format", "单位代码须为不超过21位的字母数字",
                              "agency_code must be up to 21 alphanumerics", field="agency_code", value=code)
    return code


def validate_uscc(code: str | None) -> str | None:
    """统一社会信用代码 with its check character (python-stdnum ``stdnum.cn.uscc``)."""
    if not code:
        return None
    try:
        return uscc.validate(code)
    except StdnumError:
        raise ValidationError("uscc_invalid", "统一社会信用代码校验失败", "invalid unified social credit code",
                              field="unifsoc_cred_code", value=code) from None
