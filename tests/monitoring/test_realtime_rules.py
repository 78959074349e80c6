"""Each real-time rule on its own: a case it must catch and a near miss it must not (no database; the code
sets are the real ones)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fiscal_core.adapters.migrate import read_codeset_files
from fiscal_core.domain.codes import CodeSets
from fiscal_core.monitoring.catalogue import Level
from fiscal_core.monitoring.realtime import AccountFact, PaymentFacts, evaluate, looks_personal

CODES = CodeSets(*read_codeset_files())
ACCOUNTS = (AccountFact("10100112", "吴江实验小学零余额账户", "12", False),
            AccountFact("10100161", "吴江实验小学工资统发户", "61", False),
            AccountFact("10100163", "吴江实验小学", "63", True))
BASE = PaymentFacts("app-1", "320509000", "101001", "吴江实验小学", "11", "30201", "1", "2", 1_200_00,
                    "苏州恒信商贸有限公司", "6222020000000001", "购买办公用品及耗材", ACCOUNTS)


def codes_hit(f: PaymentFacts, overrides: dict[str, str] | None = None) -> list[str]:
    return [h.rule.code for h in evaluate(f, overrides or {}, CODES)]


def test_an_ordinary_payment_raises_nothing() -> None:
    assert codes_hit(BASE) == []


@pytest.mark.parametrize(("rule", "hit", "near_miss"), [
    # R01: to the unit's own-funds account (by number, or by the unit's own name) — not with a 代扣 purpose
    ("R01", {"payee_acct_no": "10100163", "payee_acct_name": "吴江实验小学", "use_des": "划转项目资金至单位基本户"},
     {"payee_acct_no": "10100163", "payee_acct_name": "吴江实验小学", "use_des": "代扣代缴职工社会保险费"}),
    ("R01", {"payee_acct_name": "吴江实验小学", "payee_acct_no": "999", "use_des": "转入单位账户备用"},
     {"payee_acct_name": "吴江实验小学食堂", "payee_acct_no": "999", "use_des": "转入食堂账户备用"}),
    # R03: above 5万 to a person on a code not allowed to pay persons — 劳务费 (30226) may
    ("R03", {"payee_acct_name": "王建国", "fund_traobj_type_code": "3", "pay_app_amt": 80_000_00,
             "use_des": "支付项目咨询服务费"},
     {"payee_acct_name": "王建国", "fund_traobj_type_code": "3", "pay_app_amt": 80_000_00,
      "dep_bgt_eco_code": "30226", "use_des": "支付专家评审劳务费"}),
    ("R03", {"payee_acct_name": "李娜", "pay_app_amt": 50_000_01, "use_des": "支付项目咨询服务费"},
     {"payee_acct_name": "李娜", "pay_app_amt": 50_000_00, "use_des": "支付项目咨询服务费"}),
    # R04 (red): wages to the unit's own account or a person, not through the payroll account
    ("R04", {"dep_bgt_eco_code": "30102", "payee_acct_no": "10100163", "payee_acct_name": "吴江实验小学",
             "use_des": "发放津贴补贴"},
     {"dep_bgt_eco_code": "301", "payee_acct_no": "10100161", "payee_acct_name": "吴江实验小学工资统发户",
      "fund_traobj_type_code": "3", "use_des": "2026年3月工资统发（60人）"}),
    # R05: union funds above 1万 to a person; to the trade-union federation is fine
    ("R05", {"dep_bgt_eco_code": "30228", "payee_acct_name": "张伟", "fund_traobj_type_code": "3",
             "pay_app_amt": 18_000_00, "use_des": "工会活动经费"},
     {"dep_bgt_eco_code": "30228", "payee_acct_name": "吴江区总工会", "pay_app_amt": 18_000_00,
      "use_des": "拨缴工会经费"}),
    # R06: cash at or above the 1000 yuan settlement threshold
    ("R06", {"set_mode_code": "3", "pay_app_amt": 1_000_00, "use_des": "提取备用金用于零星支出"},
     {"set_mode_code": "3", "pay_app_amt": 999_99, "use_des": "提取备用金用于零星支出"}),
    # R09: a car's fuel on an ordinary code; police patrol cars are special vehicles, not 公务用车
    ("R09", {"use_des": "公务车辆加油", "pay_app_amt": 2_000_00},
     {"use_des": "执法执勤用车加油", "pay_app_amt": 2_000_00}),
    ("R09", {"use_des": "购买办公耗材", "dep_bgt_eco_code": "30217", "pay_app_amt": 2_000_00},
     {"use_des": "接待上级检查工作用餐", "dep_bgt_eco_code": "30217", "pay_app_amt": 2_000_00}),
    # R15: luxury words at 1000 yuan or more; the paying unit's own name does not count
    ("R15", {"use_des": "购买茅台酒水", "pay_app_amt": 3_000_00},
     {"use_des": "购买茅台酒水", "pay_app_amt": 999_00}),
    ("R15", {"payee_acct_name": "苏州太湖景区管理有限公司", "use_des": "职工活动门票", "pay_app_amt": 5_000_00},
     {"agency_name": "吴江区文化体育和旅游局", "payee_acct_name": "吴江区文化体育和旅游局工资统发户",
      "use_des": "职工活动门票", "pay_app_amt": 5_000_00}),
    # R16: a round sum above 1000 yuan to a supermarket; a sum with cents is an ordinary bill
    ("R16", {"payee_acct_name": "吴江华润万家超市", "pay_app_amt": 5_000_00, "use_des": "购买慰问物资"},
     {"payee_acct_name": "吴江华润万家超市", "pay_app_amt": 5_000_50, "use_des": "购买慰问物资"}),
    # R18: nothing concrete left once the generic words are gone
    ("R18", {"use_des": "支付有关款项"}, {"use_des": "支付有关培训场地款项"}),
    # R19: bonus words on a goods code, or a bonus code outside the payroll; 生活补助 (303) is allowed
    ("R19", {"use_des": "发放年终奖金", "dep_bgt_eco_code": "30299"},
     {"use_des": "发放城乡低保生活补贴", "dep_bgt_eco_code": "30305", "fund_traobj_type_code": "3",
      "payee_acct_name": "吴江区民政局惠民资金代发户"}),
])
def test_rule_catches_its_case_and_not_the_near_miss(rule: str, hit: dict[str, object],
                                                     near_miss: dict[str, object]) -> None:
    assert rule in codes_hit(replace(BASE, **hit))  # type: ignore[arg-type]
    assert rule not in codes_hit(replace(BASE, **near_miss))  # type: ignore[arg-type]


def test_red_hits_come_first_and_a_division_can_switch_a_rule_off_or_move_a_threshold() -> None:
    wages_to_person = replace(BASE, dep_bgt_eco_code="30103", payee_acct_name="赵敏", fund_traobj_type_code="3",
                              pay_app_amt=60_000_00, use_des="发放奖金")
    hits = evaluate(wages_to_person, {}, CODES)
    assert hits[0].rule.code == "R04" and hits[0].rule.level == Level.RED
    assert "R19" in [h.rule.code for h in hits]
    assert "R04" not in codes_hit(wages_to_person, {"mon.R04.enabled": "0"})
    cash = replace(BASE, set_mode_code="3", pay_app_amt=3_000_00, use_des="提取备用金用于零星支出")
    assert "R06" in codes_hit(cash)
    assert "R06" not in codes_hit(cash, {"mon.R06.min_amount": "500000"})


def test_a_person_is_the_counterparty_type_or_a_name_that_reads_as_one() -> None:
    assert looks_personal("王建国") and looks_personal("欧阳娜")
    assert not looks_personal("吴江区总工会") and not looks_personal("吴江宾馆") and not looks_personal("王")
