"""A small test district driven through the core's commands (no shortcuts into the tables)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from stdnum.cn import ric

from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.agencies import Account
from fiscal_core.domain.projects import PerfIndicator
from fiscal_core.service_layer.core import Core
from fiscal_core.service_layer.results import PaymentResult

DIV = "320509000"
YEAR = 2026
ADMIN = Actor("admin", Role.ADMIN)
BUDGET = Actor("ysk", Role.FIN_BUDGET)
BUSINESS = Actor("ywk", Role.FIN_BUSINESS)
TREASURY = Actor("gkk", Role.TREASURY)
BANK = Actor("bank", Role.BANK)
PERF = (PerfIndicator("产出指标", "数量指标", "完成数量", "≥10", 50),
        PerfIndicator("效益指标", "社会效益指标", "受益人数", "≥500", 30),
        PerfIndicator("满意度指标", "服务对象满意度指标", "满意度", "≥90%", 10))

PW = "correct-horse-9"   # the test users' password


def clerk(agency: str = "101001") -> Actor:
    return Actor(f"jb{agency}", Role.UNIT_CLERK, agency_code=agency)


def leader(agency: str = "101001") -> Actor:
    return Actor(f"fz{agency}", Role.UNIT_LEADER, agency_code=agency)


def dept(code: str = "101") -> Actor:
    return Actor(f"zg{code}", Role.DEPT, dept_code=code)


class World:
    """区划 320509000 with 教育局 (101, 行政) and two schools (101001, 101002, 事业)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        h = core.handle
        h(c.RegisterMofDiv(DIV, "苏州市吴江区本级", actor=ADMIN))
        h(c.RegisterAgency("101", "吴江区教育局", DIV, "1", accounts=(
            Account("1010012", "吴江区教育局零余额账户", "农行吴江支行", "12", False),), exp_func_code="2050101",
            actor=ADMIN))
        for code, name, func in (("101001", "吴江实验小学", "2050202"), ("101002", "吴江区第一初级中学", "2050203")):
            h(c.RegisterAgency(code, name, DIV, "3", parent_code="101", accounts=(
                Account(f"{code}12", f"{name}零余额账户", "农行吴江支行", "12", False),
                Account(f"{code}61", f"{name}工资统发户", "农行吴江支行", "61", False),
                Account(f"{code}63", name, "工行吴江支行", "63", True)), exp_func_code=func, actor=ADMIN))
        self._iden_seq = 0

    def iden_no(self, birth: str = "19850312") -> str:
        """A valid 身份证号 (birth place, the given birth date, a fresh sequence, its check digit)."""
        self._iden_seq += 1
        body = f"320500{birth}{self._iden_seq % 1000:03d}"   # 苏州市: valid for any birth year
        return body + ric.calc_check_digit(body + "0")   # it reads the first 17 of 18 characters

    def hire(self, agency: str = "101001", ide: str = "22", staf: str = "2", gr: str = "P10", step: str = "S20",
             day: date = date(YEAR - 1, 9, 1), **kw: Any) -> str:
        return self.h(c.HirePerson(agency, kw.pop("per_name", "张三"), kw.pop("iden_no", None) or self.iden_no(),
                                   ide, staf, gr, step, day, kw.pop("card", "6228480000000001"),
                                   "中国农业银行吴江支行", actor=kw.pop("actor", BUDGET), **kw))

    def h(self, cmd: c.Command) -> Any:
        return self.core.handle(cmd)

    def declare(self, agency: str = "101001", cat: str = "31", amount: int = 1_000_000_00, *,
                start: int = YEAR, end: int = YEAR, year_plans: dict[int, int] | None = None, **kw: Any) -> str:
        perf = PERF if cat.startswith("3") else ()
        return self.h(c.DeclareProject(f"测试项目{cat}", agency, cat, start, start, end, amount,
                                       year_plans=year_plans or {}, kpi_target="完成目标" if perf else "",
                                       perf_indicators=perf, actor=clerk(agency), **kw))

    def to_library(self, pro: str, agency: str = "101001") -> None:
        """Through the review chain into the library; the unit's department (its code's first three digits)
        reviews it."""
        for action, who in (("submit", clerk(agency)), ("approve", leader(agency)), ("approve", dept(agency[:3])),
                            ("approve", BUSINESS)):
            self.h(c.ProjectAction(pro, action, "同意", actor=who))

    def project(self, agency: str = "101001", cat: str = "31", amount: int = 1_000_000_00, **kw: Any) -> str:
        pro = self.declare(agency, cat, amount, **kw)
        self.to_library(pro, agency)
        return pro

    def indicator(self, pro: str, amount: int, *, agency: str = "101001", func: str = "2050202",
                  eco: str = "30201", fund: str = "11", year: int = YEAR) -> str:
        line = self.h(c.AddBudgetLine(year, pro, func, eco, fund, amount, actor=clerk(agency)))
        return self.h(c.ApproveBudget((line,), f"吴财预〔{year}〕1号", date(year, 1, 20), actor=BUDGET))[line]

    def funded(self, amount: int = 100_000_00, *, agency: str = "101001", eco: str = "30201",
               func: str = "2050202", fund: str = "11", cat: str = "31") -> tuple[str, str]:
        """A library project with one executable indicator of ``amount`` fen: (pro_code, bgt_id)."""
        pro = self.project(agency, cat, max(amount, 1_000_000_00))
        return pro, self.indicator(pro, amount, agency=agency, func=func, eco=eco, fund=fund)

    def add_division(self, i: int) -> tuple[str, str]:
        """Another 区划, 3205{i}000, with one department and one school: (mof_div_code, school agency code)."""
        div, dep = f"3205{i:02d}000", f"9{i:02d}"
        unit = f"{dep}001"
        h = self.h
        h(c.RegisterMofDiv(div, f"测试区划{i}", actor=ADMIN))
        h(c.RegisterAgency(dep, f"测试教育局{i}", div, "1", accounts=(
            Account(f"{dep}12", f"测试教育局{i}零余额账户", "农行", "12", False),), exp_func_code="2050101",
            actor=ADMIN))
        h(c.RegisterAgency(unit, f"测试学校{i}", div, "3", parent_code=dep, accounts=(
            Account(f"{unit}12", f"测试学校{i}零余额账户", "农行", "12", False),
            Account(f"{unit}61", f"测试学校{i}工资统发户", "农行", "61", False),
            Account(f"{unit}63", f"测试学校{i}", "工行", "63", True)), exp_func_code="2050202", actor=ADMIN))
        return div, unit

    def pay_cmd(self, bgt_id: str, amount: int, **kw: Any) -> c.SubmitPayment:
        ind = self.core.indicator(bgt_id)
        assert ind is not None
        cmd = c.SubmitPayment(ind["agency_code"], bgt_id, ind["pro_code"], ind["exp_func_code"],
                              ind["gov_bgt_eco_code"], ind["dep_bgt_eco_code"], ind["fund_type_code"], amount,
                              "苏州恒信商贸有限公司", "6222020000000001", "中国银行吴江支行", "购买办公用品及耗材",
                              date(ind["fiscal_year"], 3, 10), actor=clerk(ind["agency_code"]))
        return replace(cmd, **kw)

    def pay(self, bgt_id: str, amount: int, **kw: Any) -> PaymentResult:
        return self.h(self.pay_cmd(bgt_id, amount, **kw))

    def approve(self, app_id: str, agency: str = "101001") -> str:
        status = self.h(c.ReviewPayment(app_id, "approve", "同意", actor=leader(agency)))
        if status == "fin_review":
            status = self.h(c.ReviewPayment(app_id, "approve", "同意", actor=TREASURY))
        return status

    def cert_no(self, app_id: str) -> str:
        tr = self.core.trace_payment(app_id)
        assert tr is not None
        return next(v["pay_cert_no"] for v in tr["vouchers"] if v["bill_type"] == "pay")

    def paid(self, app_id: str, agency: str = "101001", *, clear: bool = True, day: date = date(YEAR, 3, 12)
             ) -> str:
        """Take an application through approval, voucher, bank receipt (and clearing)."""
        self.approve(app_id, agency)
        assert self.h(c.IssueVouchers((app_id,), day, actor=TREASURY)).ok
        cert = self.cert_no(app_id)
        amt = self.status(app_id)["pay_app_amt"]
        assert self.h(c.ConfirmBankReceipts((c.BankReceipt(cert, amt, day, f"B{cert}"),), actor=BANK)).ok
        if clear:
            assert self.h(c.ClearDay(f"HZ{cert}", f"LQ{cert}", day, (c.ClearingItem(cert, amt),), actor=BANK)).ok
        return cert

    def status(self, app_id: str) -> dict[str, Any]:
        tr = self.core.trace_payment(app_id)
        assert tr is not None
        return tr["payment"]

    def balance(self, bgt_id: str) -> dict[str, Any]:
        b = self.core.indicator(bgt_id)
        assert b is not None
        return b

    def assert_consistent(self) -> None:
        assert self.core.check_ledger() == []
        assert self.core.verify_journal().ok


def platform_users(world: World) -> None:
    """Two schools of 教育局 with a clerk and a leader each, the department, a division, the treasury."""
    h = world.h
    for uid, name in (("jb101001", "实小经办"), ("fz101001", "实小负责人"), ("jb101002", "一中经办"),
                      ("fz101002", "一中负责人"), ("zg101", "教育局审核"), ("ywk", "教科文处"), ("gkk", "国库处甲"),
                      ("gkk2", "国库处乙"), ("deputy", "实小副校长")):
        h(c.AddUser(uid, name, PW, actor=ADMIN))
    h(c.SetDivision("JKW", "教科文处", DIV, ("101",), actor=ADMIN))
    for uid, role, kind, code in (("jb101001", "unit_clerk", "unit", "101001"), ("fz101001", "unit_leader", "unit", "101001"),
                                  ("jb101002", "unit_clerk", "unit", "101002"), ("fz101002", "unit_leader", "unit", "101002"),
                                  ("zg101", "dept_reviewer", "dept", "101"), ("ywk", "fin_business", "division", "JKW"),
                                  ("gkk", "treasury", "div", DIV), ("gkk2", "treasury", "div", DIV),
                                  ("deputy", "unit_leader", "unit", "101001")):
        h(c.GrantRole(uid, role, kind, code, valid_from=date(YEAR - 1, 1, 1), actor=ADMIN))
