from dataclasses import replace
from datetime import date

import pytest

from fiscal_core.adapters.migrate import read_codeset_files
from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.codes import CodeSets
from fiscal_core.domain.errors import ControlViolation, PermissionDenied, ValidationError
from fiscal_core.domain.payments import PaymentApplication, PayStatus, check_application, check_use_des, review
from fiscal_core.domain.projects import ProjectStatus

from .builders import indicator

CODES = CodeSets(*read_codeset_files())


PROJECT = ProjectStatus.EXECUTING
APP = PaymentApplication("A1", "ZF1", 2026, "320509000", "101001", "101", "B1", "P1", "31", "11", "2050202", "50502",
                         "30201", "4", "1", "2", 5_000, "苏州恒信商贸有限公司", "6222", "中国银行", "购买办公用品及耗材",
                         date(2026, 3, 1))


def test_a_consistent_application_passes() -> None:
    check_application(APP, indicator(), PROJECT, CODES)


@pytest.mark.parametrize(("change", "rule"), [
    ({"agency_code": "101002"}, "indicator_agency"),
    ({"pro_code": "P2"}, "indicator_project"),
    ({"fund_type_code": "121"}, "element_mismatch"),
    ({"exp_func_code": "2050203"}, "element_mismatch"),
    ({"gov_bgt_eco_code": "50501"}, "element_mismatch"),
    ({"dep_bgt_eco_code": "30202"}, "element_mismatch"),
    ({"dep_bgt_eco_code": "39999", "gov_bgt_eco_code": "59999"}, "forbidden_eco_code"),
    ({"dep_bgt_eco_code": "30217"}, "sangong_without_budget"),
    ({"use_des": "费用"}, "use_des_meaningless"),
    ({"use_des": "  "}, "use_des_required"),
    ({"use_des": "abc123"}, "use_des_meaningless"),
    ({"set_mode_code": "9"}, "unknown_code"),
    ({"fund_traobj_type_code": ""}, "required"),
    ({"payee_acct_no": " "}, "required"),
    ({"create_date": date(2027, 1, 3)}, "date_outside_year"),
])
def test_each_hard_check_blocks(change, rule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((ControlViolation, ValidationError)) as e:
        check_application(replace(APP, **change), indicator(), PROJECT, CODES)
    assert e.value.rule == rule


def test_indicator_state_checks() -> None:
    with pytest.raises(ControlViolation) as e:
        check_application(APP, indicator(bgt_exe_flag=False, bgt_type_code="3"), PROJECT, CODES)
    assert e.value.rule == "indicator_not_executable"
    with pytest.raises(ControlViolation) as e:
        check_application(APP, indicator(fiscal_year=2025), PROJECT, CODES)
    assert e.value.rule == "indicator_year"
    with pytest.raises(ControlViolation) as e:
        check_application(APP, indicator(), ProjectStatus.TERMINATED, CODES)
    assert e.value.rule == "project_not_in_library"


def test_class_level_indicator_accepts_child_codes_but_not_sangong() -> None:
    ind = indicator(dep_bgt_eco_code="302")
    check_application(replace(APP, dep_bgt_eco_code="30202"), ind, PROJECT, CODES)
    with pytest.raises(ControlViolation):
        check_application(replace(APP, dep_bgt_eco_code="30217"), ind, PROJECT, CODES)
    check_application(replace(APP, dep_bgt_eco_code="30217"), indicator(dep_bgt_eco_code="30217"), PROJECT, CODES)


def test_use_des_meaningful() -> None:
    assert check_use_des(" 支付三月份物业管理费 ") == "支付三月份物业管理费"


def test_review_routes_large_amounts_to_the_treasury() -> None:
    unit = Actor("l", Role.UNIT_LEADER, agency_code="101001")
    assert review(APP, unit, "approve", "", fin_review_threshold=10_000) == PayStatus.APPROVED
    assert review(replace(APP, pay_app_amt=10_000), unit, "approve", "", 10_000) == PayStatus.FIN_REVIEW
    with pytest.raises(PermissionDenied):
        review(APP, Actor("x", Role.UNIT_LEADER, agency_code="101002"), "approve", "", 10_000)
    fin = replace(APP, status=PayStatus.FIN_REVIEW)
    with pytest.raises(PermissionDenied):
        review(fin, unit, "approve", "", 10_000)
    assert review(fin, Actor("t", Role.TREASURY), "return", "超标准", 10_000) == PayStatus.RETURNED
