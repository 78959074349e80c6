"""Real-time rules (事中监控): pure checks of one payment application, no I/O.

``evaluate`` runs every enabled real-time rule of the catalogue on the application's facts and returns
the hits, red first. The service layer decides what a hit means: red refuses the application, orange
holds it until the unit explains, yellow and blue are recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..domain.codes import CodeSets
from ..domain.money import Fen, yuan
from .catalogue import RULES, Level, Params, Rule, Trigger


@dataclass(frozen=True, slots=True)
class AccountFact:
    acct_no: str
    acct_name: str
    acct_type_code: str
    is_own_fund: bool


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """What the real-time rules look at: the application's elements and the paying agency's accounts."""

    pay_app_id: str
    mof_div_code: str
    agency_code: str
    agency_name: str
    fund_type_code: str
    dep_bgt_eco_code: str
    set_mode_code: str
    fund_traobj_type_code: str
    pay_app_amt: Fen
    payee_acct_name: str
    payee_acct_no: str
    use_des: str
    accounts: tuple[AccountFact, ...] = ()

    @property
    def own_account(self) -> AccountFact | None:
        """The agency's 实有资金账户 the payee account is, or one bearing the agency's own name."""
        for a in self.accounts:
            if a.acct_no == self.payee_acct_no and a.is_own_fund:
                return a
        if self.payee_acct_name.strip() == self.agency_name.strip():
            return AccountFact(self.payee_acct_no, self.payee_acct_name, "", True)
        return None

    @property
    def to_payroll_account(self) -> bool:
        return any(a.acct_no == self.payee_acct_no and a.acct_type_code == "61" for a in self.accounts)


@dataclass(frozen=True)
class Hit:
    rule: Rule
    zh: str
    en: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return f"{self.rule.name}：{self.zh} ({self.rule.name_en}: {self.en})"


_CJK = re.compile(r"[\u4e00-\u9fff]")
# characters that mark an organisation, an account or a role rather than a person's name
_ORG_MARKS = set("公司局院校所站会部处厅委馆队社行户园厂店心办室科协团组庭署账中")


def looks_personal(name: str) -> bool:
    """A payee name that reads as a person's: two to four Chinese characters and no organisation mark."""
    n = name.strip()
    return 2 <= len(n) <= 4 and all(_CJK.match(ch) for ch in n) and not (set(n) & _ORG_MARKS)


def is_person(f: PaymentFacts) -> bool:
    """资金往来对象类别 = 个人 (code 3), or a payee name that is a person's."""
    return f.fund_traobj_type_code == "3" or looks_personal(f.payee_acct_name)


def _words_in(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if w and w in text]


# -- the checks ------------------------------------------------------------------------------------------
Check = Callable[[PaymentFacts, Params, CodeSets], Hit | None]


def r01_own_account(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    acct = f.own_account
    if acct is None or _words_in(f.use_des, p["whitelist"]):
        return None
    return Hit(p.rule, f"收款账户 {f.payee_acct_no}（{f.payee_acct_name}）是本单位实有资金账户，金额 {yuan(f.pay_app_amt)} 元",
               f"payee account {f.payee_acct_no} is the unit's own-funds account, amount {yuan(f.pay_app_amt)}",
               {"payee_acct_no": f.payee_acct_no, "payee_acct_name": f.payee_acct_name,
                "agency_name": f.agency_name, "same_name": f.payee_acct_name.strip() == f.agency_name.strip()})


def r03_personal_large(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    limit = p["min_amount"]
    if f.pay_app_amt <= limit or not is_person(f):
        return None
    eco = codes.get("dep_bgt_eco", f.dep_bgt_eco_code)
    if eco is not None and eco.flag("is_personal_payee_allowed"):
        return None
    return Hit(p.rule, f"经济分类 {f.dep_bgt_eco_code} 向个人 {f.payee_acct_name} 转账 {yuan(f.pay_app_amt)} 元，超过单笔限额 "
                       f"{yuan(limit)} 元",
               f"{yuan(f.pay_app_amt)} to a person on code {f.dep_bgt_eco_code}, above {yuan(limit)}",
               {"payee_acct_name": f.payee_acct_name, "dep_bgt_eco_code": f.dep_bgt_eco_code,
                "fund_traobj_type_code": f.fund_traobj_type_code, "limit": yuan(limit)})


def r04_wages_outside_payroll(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    if f.dep_bgt_eco_code not in p["wage_codes"] or f.to_payroll_account:
        return None
    own = f.own_account
    if own is None and not is_person(f):
        return None
    where = "本单位实有资金或同名账户" if own is not None else "个人账户"
    return Hit(p.rule, f"工资类科目 {f.dep_bgt_eco_code} 付至{where} {f.payee_acct_name}，未通过工资统发",
               f"wage code {f.dep_bgt_eco_code} paid to {'the unit own account' if own else 'a person'}, "
               "not through the payroll", {"dep_bgt_eco_code": f.dep_bgt_eco_code,
                                          "payee_acct_name": f.payee_acct_name, "payee_acct_no": f.payee_acct_no})


def r05_union_to_person(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    limit = p["min_amount"]
    if f.pay_app_amt <= limit or not is_person(f):
        return None
    words = _words_in(f.use_des + " " + f.payee_acct_name, p["keywords"])
    if f.dep_bgt_eco_code != "30228" and not words:
        return None
    return Hit(p.rule, f"工会经费 {yuan(f.pay_app_amt)} 元支付给个人 {f.payee_acct_name}，超过 {yuan(limit)} 元",
               f"union funds {yuan(f.pay_app_amt)} to a person, above {yuan(limit)}",
               {"payee_acct_name": f.payee_acct_name, "dep_bgt_eco_code": f.dep_bgt_eco_code, "words": words})


def r06_cash(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    mode = codes.get("set_mode", f.set_mode_code)
    if mode is None or not mode.flag("is_cash") or f.pay_app_amt < p["min_amount"]:
        return None
    return Hit(p.rule, f"以{mode.name}支付 {yuan(f.pay_app_amt)} 元，达到现金结算起点 {yuan(p['min_amount'])} 元",
               f"{yuan(f.pay_app_amt)} in cash ({f.set_mode_code}), at or above {yuan(p['min_amount'])}",
               {"set_mode_code": f.set_mode_code, "set_mode_name": mode.name})


_SANGONG_GROUPS = (("公务用车", "vehicle", ("公务用车运行维护费", "公务用车购置费")),
                   ("公务接待", "reception", ("公务接待费",)),
                   ("因公出国（境）", "abroad", ("因公出国（境）费",)))


def r09_sangong_mismatch(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    if f.pay_app_amt <= p["min_amount"]:
        return None
    kind = codes.sangong_kind(f.dep_bgt_eco_code)
    reasons: list[str] = []
    found: dict[str, list[str]] = {}
    special_vehicle = bool(_words_in(f.use_des, p["vehicle_exempt"]))
    for label, key, kinds in _SANGONG_GROUPS:
        # fuel or repairs of a 执法执勤 / 特种专业技术 vehicle are not 公务用车 spending
        words = [] if key == "vehicle" and special_vehicle else _words_in(f.use_des, p[f"{key}_words"])
        if words:
            found[label] = words
        if words and kind not in kinds:
            reasons.append(f"摘要含“{'、'.join(words)}”（{label}），经济分类 {f.dep_bgt_eco_code} 不是{label}科目（应记未记）")
        if kind in kinds and not words:
            reasons.append(f"{label}科目 {f.dep_bgt_eco_code} 的摘要看不出{label}用途（不应记但记入）")
    if not reasons:
        return None
    return Hit(p.rule, "；".join(reasons), f"三公-type words and code {f.dep_bgt_eco_code} do not agree",
               {"use_des": f.use_des, "dep_bgt_eco_code": f.dep_bgt_eco_code, "sangong_kind": kind, "words": found})


def r15_luxury(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    if f.pay_app_amt < p["min_amount"] or f.to_payroll_account or f.own_account is not None:
        return None
    # the paying unit's own name is no evidence (吴江区文化体育和旅游局 … 工资统发户)
    text = (f.use_des + " " + f.payee_acct_name).replace(f.agency_name, "") if f.agency_name else \
        f.use_des + " " + f.payee_acct_name
    words = _words_in(text, p["keywords"])
    if not words:
        return None
    return Hit(p.rule, f"摘要或收款人含“{'、'.join(words)}”，金额 {yuan(f.pay_app_amt)} 元",
               f"luxury words {', '.join(words)}, amount {yuan(f.pay_app_amt)}",
               {"use_des": f.use_des, "payee_acct_name": f.payee_acct_name, "words": words})


def r16_store_round_sum(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    unit = p["round_unit"]
    if f.pay_app_amt <= p["min_amount"] or not unit or f.pay_app_amt % unit:
        return None
    words = _words_in(f.payee_acct_name, p["keywords"])
    if not words:
        return None
    return Hit(p.rule, f"向{f.payee_acct_name}支付整数金额 {yuan(f.pay_app_amt)} 元",
               f"a round {yuan(f.pay_app_amt)} to a store ({f.payee_acct_name})",
               {"payee_acct_name": f.payee_acct_name, "words": words})


def r18_vague_purpose(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    text = f.use_des
    for w in sorted(p["generic_words"], key=len, reverse=True):
        text = text.replace(w, "")
    meaningful = _CJK.findall(text)
    if len(meaningful) >= p["min_chars"]:
        return None
    return Hit(p.rule, f"摘要“{f.use_des}”去掉泛指词后只剩“{''.join(meaningful)}”，看不出具体用途",
               f"use_des '{f.use_des}' says nothing concrete", {"use_des": f.use_des, "left": "".join(meaningful)})


def r19_bonus_outside_payroll(f: PaymentFacts, p: Params, codes: CodeSets) -> Hit | None:
    eco = f.dep_bgt_eco_code
    if f.to_payroll_account:
        return None
    if eco in p["bonus_codes"]:
        return Hit(p.rule, f"津补贴奖金科目 {eco} 未经工资统发，付至 {f.payee_acct_name}",
                   f"bonus/allowance code {eco} paid outside the payroll", {"dep_bgt_eco_code": eco,
                                                                            "payee_acct_name": f.payee_acct_name})
    words = _words_in(f.use_des, p["keywords"])
    if not words or eco.startswith(p["allowed_prefixes"]):
        return None
    return Hit(p.rule, f"摘要含“{'、'.join(words)}”，经济分类 {eco} 不是允许发放奖金补贴的科目",
               f"bonus words on code {eco}", {"dep_bgt_eco_code": eco, "use_des": f.use_des, "words": words})


CHECKS: dict[str, Check] = {
    "R01": r01_own_account, "R03": r03_personal_large, "R04": r04_wages_outside_payroll,
    "R05": r05_union_to_person, "R06": r06_cash, "R09": r09_sangong_mismatch, "R15": r15_luxury,
    "R16": r16_store_round_sum, "R18": r18_vague_purpose, "R19": r19_bonus_outside_payroll,
}
REALTIME_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.trigger == Trigger.REALTIME and not r.core_control)
_ORDER = {Level.RED: 0, Level.ORANGE: 1, Level.YELLOW: 2, Level.BLUE: 3}


def evaluate(f: PaymentFacts, overrides: Mapping[str, str], codes: CodeSets) -> list[Hit]:
    """Every enabled real-time rule in scope, red hits first."""
    hits: list[Hit] = []
    for r in REALTIME_RULES:
        params = Params(r, overrides)
        if not params.enabled or not r.in_scope(f.fund_type_code):
            continue
        hit = CHECKS[r.code](f, params, codes)
        if hit is not None:
            hits.append(hit)
    hits.sort(key=lambda h: _ORDER[h.rule.level])
    return hits
