"""动态监控 rule catalogue (docs/standard/monitoring.md, docs/standard/monitoring.md §M1): every rule as code, with its level, trigger and parameters.

A rule runs in one place: ``realtime`` rules inside the payment-application command (``realtime.py``),
``scheduled`` rules over the ledger in the warehouse (``dbt/models/intermediate/monitoring``), and two
rules are the core's own hard controls of docs/standard/controls.md §PAY (``core_control``), listed here so the catalogue is whole.
Parameters have defaults (the docs/standard/monitoring.md values where it gives one) and can be set per 区划 in
``sys_div_config`` under ``mon.<rule>.<param>`` (``SetMonitorParam``); a rule is switched off for a 区划
with ``mon.<rule>.enabled = 0``. Changing a rule's logic means a new ``version``: warnings carry the
version that raised them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..domain.errors import ValidationError


class Trigger(StrEnum):
    REALTIME = "realtime"      # 实时触发 = 事中监控, on the payment application
    SCHEDULED = "scheduled"    # 定时触发 = 事后监控, over the ledger in the warehouse


class Level(StrEnum):
    RED = "red"          # 红色：拦截
    ORANGE = "orange"    # 橙色：预警，需上传附件（说明）后方可继续
    YELLOW = "yellow"    # 黄色：预警，无需附件
    BLUE = "blue"        # 蓝色：记录


LEVEL_NAMES = {Level.RED: "红色", Level.ORANGE: "橙色", Level.YELLOW: "黄色", Level.BLUE: "蓝色"}
HANDLING = {Level.RED: "拦截 block", Level.ORANGE: "预警需上传附件 attachment required",
            Level.YELLOW: "预警 warn", Level.BLUE: "记录 record"}
DIMENSIONS = {"flow": "流向", "speed": "流速", "volume": "流量"}


class ParamKind(StrEnum):
    FEN = "fen"            # money, integer fen
    RATIO = "ratio"        # a decimal fraction, e.g. 0.5
    INT = "int"
    WORDS = "words"        # comma-separated keywords or codes


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    default: str
    label: str             # Chinese first, English in parentheses

    def parse(self, value: str) -> Any:
        """The typed value: int fen / int, a ratio as ``Decimal``, words as a tuple."""
        from decimal import Decimal, InvalidOperation

        v = value.strip()
        if self.kind in (ParamKind.FEN, ParamKind.INT):
            if not v.isdigit():
                raise ValidationError("mon_param_value", "监控参数须为非负整数", "parameter must be a non-negative integer",
                                      field="value", param=self.name, value=value)
            return int(v)
        if self.kind == ParamKind.RATIO:
            try:
                d = Decimal(v)
            except InvalidOperation:
                d = Decimal(-1)
            if not Decimal(0) <= d <= Decimal(10):
                raise ValidationError("mon_param_value", "监控参数须为0到10之间的小数", "ratio must be between 0 and 10",
                                      field="value", param=self.name, value=value)
            return d
        words = tuple(w.strip() for w in v.split(",") if w.strip())
        return words


@dataclass(frozen=True)
class Rule:
    code: str               # stable id, e.g. R03; a rule of docs/standard/monitoring.md row N is R<N> (+ a letter for a second part)
    no: int                 # the docs/standard/monitoring.md row it implements
    name: str
    name_en: str
    basis: str              # 规则依据: the legal basis and the source of the logic (domain.md keys)
    dimension: str          # flow / speed / volume (流向 / 流速 / 流量)
    trigger: Trigger
    level: Level
    logic: str              # one line: what it checks
    params: tuple[Param, ...] = ()
    version: int = 1
    fund_types: tuple[str, ...] = ()          # 资金性质 prefixes in scope; () = every fund type
    core_control: tuple[str, ...] = ()        # enforced by the core's hard checks: their error rule codes
    model: str | None = None                  # scheduled: the dbt model that finds its hits

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ValidationError("mon_param", "规则没有该参数", "the rule has no such parameter", rule_code=self.code,
                              param=name, allowed="/".join(p.name for p in self.params) or "-")

    def in_scope(self, fund_type_code: str) -> bool:
        return not self.fund_types or fund_type_code.startswith(self.fund_types)


def _p(name: str, kind: ParamKind, default: str, label: str) -> Param:
    return Param(name, kind, default, label)


_BUDGET_LAW = "《中华人民共和国预算法》"
_MONITOR = "《中央财政国库动态监控管理暂行办法》"
_PENALTY = "《财政违法行为处罚处分条例》"
_THRIFT = "《党政机关厉行节约反对浪费条例》"

RULES: tuple[Rule, ...] = (
    Rule("R01", 1, "向本单位实有资金账户划转（资金回流）", "transfer to the unit's own-funds account",
         f"{_MONITOR}；{_PENALTY}（坐收坐支、转移资金）；docs/standard/monitoring.md §R01 (S5 A0108, S1 同户名转账)", "flow",
         Trigger.REALTIME, Level.ORANGE,
         "收款账号是本单位实有资金账户，或收款户名与单位全称相同；摘要属代扣代缴等白名单的除外",
         (_p("whitelist", ParamKind.WORDS, "代扣,代缴,社会保险,社保,公积金,个人所得税,个税,工会经费",
             "白名单摘要关键词 (purposes allowed to the own account)"),)),
    Rule("R03", 3, "向个人账户大额转账", "large transfer to a personal account",
         f"{_MONITOR}；docs/standard/controls.md §PAY5, docs/standard/monitoring.md §R03 (S1 向个人账户大额转账单笔)", "flow",
         Trigger.REALTIME, Level.ORANGE,
         "收款人为个人（资金往来对象=个人），经济分类不属于可付个人的科目（301/303/30226），单笔金额超过限额",
         (_p("min_amount", ParamKind.FEN, "5000000", "单笔限额（分）(single-payment limit, fen; 5万元)"),)),
    Rule("R04", 4, "工资性支出未通过统发（同户名转账的工资业务）", "wages paid outside 工资统发",
         "国库集中支付制度（财政供养人员工资统一发放）；docs/standard/controls.md §PAY5, docs/standard/monitoring.md §R04 (S1 同户名转账的工资业务)", "flow",
         Trigger.REALTIME, Level.RED,
         "工资类经济分类付到本单位实有资金账户、与单位同名的账户或个人账户，且收款账户不是单位的工资统发户",
         (_p("wage_codes", ParamKind.WORDS, "301,30101,30102,30103,30107", "工资类经济分类 (wage codes)"),)),
    Rule("R05", 5, "工会经费大额支付给个人", "union funds paid to a person",
         "《中华人民共和国工会法》（工会经费按工资总额2%拨缴工会）；docs/standard/monitoring.md §R05 (S5 A0109 虚列支出)", "flow",
         Trigger.REALTIME, Level.YELLOW,
         "经济分类为工会经费(30228)或摘要、收款人含“工会”，收款人为个人，单笔超过限额",
         (_p("min_amount", ParamKind.FEN, "1000000", "单笔限额（分）(limit, fen; 1万元)"),
          _p("keywords", ParamKind.WORDS, "工会", "关键词 (keywords)"))),
    Rule("R06", 6, "大额现金支付", "large cash payment",
         "《现金管理暂行条例》（现金结算起点1000元）；docs/standard/monitoring.md §R06", "volume",
         Trigger.REALTIME, Level.ORANGE,
         "结算方式为现金（现金支票、电子现金），单笔达到现金结算起点",
         (_p("min_amount", ParamKind.FEN, "100000", "现金结算起点（分）(cash threshold, fen; 1000元)"),)),
    Rule("R06M", 6, "现金支付累计超限", "cash payments above the monthly or yearly total",
         "《现金管理暂行条例》；docs/standard/monitoring.md §R06（限额为本地参数 ⚠）", "volume",
         Trigger.SCHEDULED, Level.YELLOW,
         "单位当月或当年现金结算支付累计超过限额（已支付、扣除退款）",
         (_p("monthly_limit", ParamKind.FEN, "5000000", "月累计限额（分）(monthly, fen; 5万元 ⚠)"),
          _p("yearly_limit", ParamKind.FEN, "20000000", "年累计限额（分）(yearly, fen; 20万元 ⚠)")),
         model="int_mon_r06m_cash_totals"),
    Rule("R08", 8, "三公经费超年初预算", "三公 spending above the 年初 budget",
         f"{_THRIFT}；《党政机关国内公务接待管理规定》；docs/standard/monitoring.md §R08 (S1 ThrExpReport)", "volume",
         Trigger.SCHEDULED, Level.YELLOW,
         "单位某类三公经费（出国、接待、公车运行、公车购置）本年已支付超过年初批复预算 × 比例（超调整预算由核心指标控制拦截）",
         (_p("ratio", ParamKind.RATIO, "1.0", "相对年初预算的比例 (share of the 年初 budget)"),),
         model="int_mon_r08_sangong_over_budget"),
    Rule("R09", 9, "疑似挪用三公经费（科目与用途不符）", "三公-type spending on another code",
         f"{_THRIFT}；《党政机关公务用车管理办法》；docs/standard/monitoring.md §R09 (S5 A0112-A0119, S1 疑似挪用三公经费)", "flow",
         Trigger.REALTIME, Level.YELLOW,
         "摘要含公车/接待/出国关键词而经济分类不是对应三公科目（应记未记），或三公科目的摘要不含对应关键词（不应记但记入）；金额超过下限",
         (_p("min_amount", ParamKind.FEN, "100000", "金额下限（分）(floor, fen; 1000元)"),
          _p("vehicle_words", ParamKind.WORDS, "公务用车,公车,车辆,加油,燃油,油费,停车费,过路费,过桥费,通行费,洗车,车险",
             "公务用车关键词 (official-car words)"),
          _p("vehicle_exempt", ParamKind.WORDS, "执法执勤用车,特种专业技术用车,专用车辆",
             "不属公务用车的专用车 (special vehicles, not 公务用车)"),
          _p("reception_words", ParamKind.WORDS, "接待,招待,宴请,陪餐", "公务接待关键词 (reception words)"),
          _p("abroad_words", ParamKind.WORDS, "出国,出境,境外,护照,签证", "因公出国关键词 (travel-abroad words)"))),
    Rule("R10", 10, "年底突击花钱", "year-end spending rush",
         f"{_BUDGET_LAW}；docs/standard/monitoring.md §R10 (S5 A0110)", "speed",
         Trigger.SCHEDULED, Level.YELLOW,
         "项目指标（年初预算、上年结转，年初即可用）11-12月支付额超过调整后指标的比例",
         (_p("share", ParamKind.RATIO, "0.5", "11-12月支付占比 (Nov-Dec share)"),
          _p("sources", ParamKind.WORDS, "1,2", "适用的指标来源 (indicator sources: 年初预算, 上年结转)")),
         model="int_mon_r10_year_end_rush"),
    Rule("R11", 11, "预算执行进度滞后", "budget execution behind time",
         f"{_BUDGET_LAW}；docs/standard/monitoring.md §R11 (S1 ThreeGuarantees, S5 A0102/A0105)", "speed",
         Trigger.SCHEDULED, Level.YELLOW,
         "项目指标在季度末的执行率低于序时进度（指标可用以来经过的时间占比）× 比例；年末即执行率低于50%；一季度不预警",
         (_p("ratio", ParamKind.RATIO, "0.5", "相对序时进度的比例 (share of time progress)"),
          _p("first_quarter", ParamKind.INT, "2", "从第几季度末开始预警 (first quarter end evaluated)")),
         model="int_mon_r11_execution_lag"),
    Rule("R12", 12, "拆分采购（化整为零）", "split procurement",
         "《中华人民共和国政府采购法》第二十八条；国办发〔2019〕55号 集中采购目录及标准指引；docs/standard/monitoring.md §R12", "volume",
         Trigger.SCHEDULED, Level.YELLOW,
         "同一单位向同一收款人、同一季度内无合同的采购类支付（302商品和服务、310资本性支出）至少两笔，单笔均低于分散采购限额而合计达到限额",
         (_p("min_payments", ParamKind.INT, "2", "最少笔数 (payments at least)"),
          _p("excluded_codes", ParamKind.WORDS,
             "30205,30206,30207,30211,30212,30217,30226,30228,30229,30239",
             "非采购类经济分类（水电、差旅、三公、劳务、工会、福利、交通补贴）(codes that are not purchases)")),
         model="int_mon_r12_split_procurement"),
    Rule("R13", 13, "无合同支付／超合同支付／收款人非供应商", "payment without or beyond a contract",
         "《中华人民共和国政府采购法》；docs/standard/controls.md §PAY4, docs/standard/monitoring.md §R13", "flow",
         Trigger.REALTIME, Level.RED,
         "政府采购指标支付须有合同、收款人为合同供应商、累计不超过合同金额（核心硬控制 docs/standard/controls.md §PAY4）",
         core_control=("contract_required", "contract_not_found", "contract_indicator", "contract_closed",
                       "payee_not_supplier", "contract_exceeded")),
    Rule("R13S", 13, "合同支付事后核查", "contract payments checked after the fact",
         "《中华人民共和国政府采购法》；docs/standard/monitoring.md §R13", "flow",
         Trigger.SCHEDULED, Level.YELLOW,
         "已支付数据中：政府采购指标无合同支付、合同累计支付超过合同金额、收款人与合同供应商不一致",
         model="int_mon_r13s_contract_breaches"),
    Rule("R15", 15, "疑似高档消费", "suspected luxury spending",
         "中央八项规定及其实施细则；docs/standard/monitoring.md §R15 (S5 A0122)", "flow",
         Trigger.REALTIME, Level.YELLOW,
         "摘要或收款人含旅游、景区、烟酒、工艺品、纪念品、足疗按摩、洗浴、会所、娱乐等关键词，金额达到下限",
         (_p("min_amount", ParamKind.FEN, "100000", "金额下限（分）(floor, fen; 1000元)"),
          _p("keywords", ParamKind.WORDS,
             "旅游,风景区,景区,香烟,烟草,烟酒,白酒,名酒,酒水,红酒,茅台,五粮液,工艺品,纪念品,足疗,按摩,洗浴,会所,"
             "娱乐,KTV,高尔夫,夜总会", "关键词 (keywords)"))),
    Rule("R16", 16, "超市商场大额整数支付", "round sums at supermarkets and malls",
         "中央八项规定（严禁用公款购买购物卡）；docs/standard/monitoring.md §R16 (S5 A0123)", "volume",
         Trigger.REALTIME, Level.YELLOW,
         "收款人含超市、商场、购物中心、百货，金额超过下限且为整百元",
         (_p("min_amount", ParamKind.FEN, "100000", "金额下限（分）(floor, fen; 1000元)"),
          _p("round_unit", ParamKind.FEN, "10000", "整数单位（分）(round unit, fen; 100元)"),
          _p("keywords", ParamKind.WORDS, "超市,商场,购物中心,百货", "收款人关键词 (payee words)"))),
    Rule("R17", 17, "禁止使用科目", "forbidden economic code",
         "docs/standard/controls.md §PAY8, docs/standard/monitoring.md §R17 (S1 禁止使用科目)", "flow",
         Trigger.REALTIME, Level.RED,
         "经济分类 39999 其他支出 禁止使用（核心硬控制 docs/standard/controls.md §PAY8）", core_control=("forbidden_eco_code",)),
    Rule("R17S", 17, "“其他”科目占比过高", "too much on the 'other' codes",
         "docs/standard/monitoring.md §R17 (S5 A0129)", "volume",
         Trigger.SCHEDULED, Level.YELLOW,
         "项目本年在“其他”类经济分类（款级末两位为99）的支付超过项目指标的比例",
         (_p("share", ParamKind.RATIO, "0.2", "“其他”占比上限 (share of the project's indicators)"),),
         model="int_mon_r17s_other_codes_share"),
    Rule("R18", 18, "支付摘要不规范", "vague payment purpose",
         "docs/standard/controls.md §PAY6, docs/standard/monitoring.md §R18 (S1 规范使用支付摘要)", "flow",
         Trigger.REALTIME, Level.YELLOW,
         "摘要去掉泛指词（支付、有关、相关、款项、费用、一笔……）后不足两个汉字，看不出具体用途",
         (_p("generic_words", ParamKind.WORDS,
             "支付,付,结算,拨付,有关,相关,上述,该项,各项,往来,款项,费用,款,一笔,一批,部分,其他,等",
             "泛指词 (generic words)"),
          _p("min_chars", ParamKind.INT, "2", "至少保留的汉字数 (meaningful characters at least)"))),
    Rule("R19", 19, "超范围发放奖金津补贴", "bonuses and allowances outside the payroll",
         "规范津贴补贴的有关规定（不得超范围、超标准发放）；docs/standard/monitoring.md §R19 (S5 A0124)", "flow",
         Trigger.REALTIME, Level.YELLOW,
         "津贴补贴、奖金、绩效工资科目不经工资统发支付，或摘要含奖金/津贴/补贴/过节费等而经济分类不是对个人补助、福利费等允许的科目",
         (_p("keywords", ParamKind.WORDS, "奖金,津贴,补贴,过节费,加班费,慰问金,绩效工资,福利", "关键词 (keywords)"),
          _p("allowed_prefixes", ParamKind.WORDS, "303,30229,312,39908", "允许的经济分类前缀 (allowed code prefixes)"),
          _p("bonus_codes", ParamKind.WORDS, "30102,30103,30107", "只能统发的津补贴奖金科目 (payroll-only codes)"))),
    Rule("R23", 23, "惠企利民补贴到人缺少明细", "subsidies to people without beneficiary rows",
         "直达资金、惠企利民资金须直达受益人（补贴到人到企）；docs/standard/controls.md §PAY7, docs/standard/monitoring.md §R23 (S2 PAY_DETAIL)", "flow",
         Trigger.SCHEDULED, Level.YELLOW,
         "补贴到人（is_sub）项目本年已支付而没有支付明细（受益人）行；支付申请尚不能携带明细，故事后核查",
         model="int_mon_r23_subsidy_without_details"),
)
RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}

# the disposal deadlines (days) are parameters of the workflow, set per 区划 like the rules' own
DISPOSAL = Rule("DISPOSAL", 0, "预警处置时限", "disposal deadlines", "docs/standard/monitoring.md §M1, docs/standard/monitoring.md §M3", "flow",
                Trigger.SCHEDULED, Level.BLUE, "各处置环节的办理时限（自然日），逾期升级",
                (_p("feedback_days", ParamKind.INT, "5", "单位反馈时限 (unit feedback, days)"),
                 _p("review_days", ParamKind.INT, "5", "处室审核时限 (division review, days)"),
                 _p("confirm_days", ParamKind.INT, "5", "确认时限 (confirmation, days)"),
                 _p("rectify_days", ParamKind.INT, "30", "整改时限 (rectification, days)")))


def rule(code: str) -> Rule:
    if code == DISPOSAL.code:
        return DISPOSAL
    found = RULES_BY_CODE.get(code)
    if found is None:
        raise ValidationError("mon_rule", "监控规则不存在", "no such monitoring rule", rule_code=code)
    return found


def config_key(rule_code: str, param: str) -> str:
    return f"mon.{rule_code}.{param}"


class Params:
    """A rule's parameters for one 区划: the defaults overlaid with that 区划's ``sys_div_config`` rows."""

    def __init__(self, rule_: Rule, overrides: Mapping[str, str]) -> None:
        self.rule = rule_
        self._overrides = overrides
        self._cache: dict[str, Any] = {}

    @property
    def enabled(self) -> bool:
        return self._overrides.get(config_key(self.rule.code, "enabled"), "1") != "0"

    def __getitem__(self, name: str) -> Any:
        if name not in self._cache:
            value = self._overrides.get(config_key(self.rule.code, name))
            self._cache[name] = _default(self.rule, name) if value is None else self.rule.param(name).parse(value)
        return self._cache[name]


_DEFAULTS: dict[tuple[str, str], Any] = {}


def _default(rule_: Rule, name: str) -> Any:
    """A parameter's parsed default (parsed once per process: the hot path reads them per application)."""
    key = (rule_.code, name)
    if key not in _DEFAULTS:
        p = rule_.param(name)
        _DEFAULTS[key] = p.parse(p.default)
    return _DEFAULTS[key]


def validate_setting(rule_code: str, param: str, value: str) -> str:
    """The normalised value of ``mon.<rule>.<param>``, or a ValidationError."""
    r = rule(rule_code)
    if param == "enabled":
        if value.strip() not in ("0", "1"):
            raise ValidationError("mon_param_value", "启用标志须为0或1", "enabled must be 0 or 1", field="value",
                                  value=value)
        return value.strip()
    p = r.param(param)
    parsed = p.parse(value)
    return ",".join(parsed) if p.kind == ParamKind.WORDS else str(parsed)


# -- the catalogue for the warehouse ----------------------------------------------------------------------
DBT_CATALOGUE = "dbt/models/intermediate/monitoring/int_mon_rule_catalogue.sql"
DBT_PARAMS = "dbt/models/intermediate/monitoring/int_mon_rule_param_defaults.sql"


def _sql_str(s: str) -> str:
    """A SQL string literal for the generated models. A quote inside is escaped by dbt's cross-database
    ``escape_single_quotes`` (doubled on DuckDB, backslashed on Spark, where ``'a''b'`` would read as two
    adjacent literals and lose the quote)."""
    if "'" not in s:
        return "'" + s + "'"
    assert not any(c in s for c in '"\\{}'), s
    return "'{{ dbt.escape_single_quotes(\"" + s + "\") }}'"


def dbt_catalogue_sql() -> str:
    """``int_mon_rule_catalogue``: one row per rule, generated from this module (a test keeps the file in
    step), so the warehouse names rules, levels and versions exactly as the core does."""
    rows = []
    for r in RULES:
        rows.append(f"        ({_sql_str(r.code)}, {r.no}, {r.version}, {_sql_str(r.name)}, {_sql_str(r.name_en)}, "
                    f"{_sql_str(r.trigger.value)}, {_sql_str(r.level.value)}, {_sql_str(LEVEL_NAMES[r.level])}, "
                    f"{_sql_str(HANDLING[r.level])}, {_sql_str(DIMENSIONS[r.dimension])}, {_sql_str(r.basis)})")
    body = ",\n".join(rows)
    return (
        "-- Generated from fiscal_core/monitoring/catalogue.py (python -m fiscal_core.monitoring.catalogue);\n"
        "-- tests/monitoring/test_catalogue.py fails when this file and the catalogue differ.\n"
        "with rules (rule_code, rule_no, rule_version, rule_name, rule_name_en, trigger_type, warning_level,\n"
        "            level_name, handling, dimension, rule_basis) as (\n\n"
        f"    values\n{body}\n\n"
        "),\n\nfinal as (\n\n    select * from rules\n\n)\n\nselect * from final\n")


def dbt_params_sql() -> str:
    """``int_mon_rule_param_defaults``: one row per scheduled rule's parameter and its default."""
    rows = []
    for r in (*RULES, DISPOSAL):
        if r.trigger != Trigger.SCHEDULED:
            continue
        for p in r.params:
            rows.append(f"        ({_sql_str(r.code)}, {_sql_str(p.name)}, {_sql_str(p.kind.value)}, "
                        f"{_sql_str(p.default)})")
    body = ",\n".join(rows)
    return (
        "-- Generated from fiscal_core/monitoring/catalogue.py (python -m fiscal_core.monitoring.catalogue);\n"
        "-- tests/monitoring/test_catalogue.py fails when this file and the catalogue differ.\n"
        "with defaults (rule_code, param_name, param_kind, default_value) as (\n\n"
        f"    values\n{body}\n\n"
        "),\n\nfinal as (\n\n    select * from defaults\n\n)\n\nselect * from final\n")


def main() -> None:
    """Write the generated dbt models (run from the repository root)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    (root / DBT_CATALOGUE).write_text(dbt_catalogue_sql(), encoding="utf-8")
    (root / DBT_PARAMS).write_text(dbt_params_sql(), encoding="utf-8")


if __name__ == "__main__":
    main()
