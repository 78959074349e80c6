"""One year of a school, end to end through the service layer: personnel → generated budget → 两上两下 →
indicators → payroll every month → procurement paid in instalments → performance → year-end carry-over.
At the end every ledger identity holds and the journal verifies."""

from datetime import date

from stdnum.cn import uscc

from fiscal_core.domain import commands as c
from fiscal_core.service_layer.budget_prep import basic_budget_gap

from ..support import BUDGET, DIV, YEAR, World, clerk, dept


def test_a_whole_year(world: World) -> None:
    h = world.h
    h(c.SetStaffing("101001", 0, 30, 2, actor=BUDGET))
    staff = [world.hire(gr=g, step=s) for g, s in [("P10", "S20"), ("P09", "S25"), ("P11", "S15"), ("P08", "S30")]]
    world.hire(ide="23", staf="3", gr="W04", step="S12")
    # 一上: the bureau opens the round; the school declares a multi-year equipment project
    h(c.OpenBudgetRound(DIV, YEAR, actor=BUDGET))
    equip = world.project(amount=900_000_00, start=YEAR, end=YEAR + 1,
                          year_plans={YEAR: 600_000_00, YEAR + 1: 300_000_00}, is_gov_pur=True)
    line = h(c.AddBudgetLine(YEAR, equip, "2050202", "31002", "11", 600_000_00, actor=clerk()))
    basic = h(c.GenerateBasicBudget("101001", YEAR, date(YEAR - 1, 11, 30), actor=BUDGET))
    # 一下 / 二上 / 二下
    h(c.IssueControlNumbers(DIV, YEAR, {"101": 3_000_000_00}, actor=BUDGET))
    h(c.ReviseBudgetLine(line, 550_000_00, actor=clerk()))
    h(c.SubmitSecondRound(DIV, YEAR, "101", actor=dept()))
    made = h(c.ApproveBudget(tuple([line, *basic]), "吴财预〔2026〕1号", date(YEAR, 1, 20), actor=BUDGET))
    equip_bgt = made[line]
    # procurement: a plan, a contract, three instalments
    plan = h(c.CreateProcurementPlan("101001", equip_bgt, "A02010105", "1", "1", 500_000_00, actor=clerk()))
    body = "91320509MA1M9K3D0"
    no = h(c.RegisterContract(plan, "WJ-HT-2026-07", "苏州恒信信息科技有限公司", body + uscc.calc_check_digit(body),
                              "3220010001", "工行吴江支行", 480_000_00, date(YEAR, 3, 15), actor=clerk()))
    # a mid-year hire; the personnel database shows the gap, the bureau adds half a year of it (追加)
    staff.append(world.hire(day=date(YEAR, 7, 1)))
    gap = world.core.query(basic_budget_gap, "101001", YEAR, date(YEAR, 7, 1))
    wage_pro = world.core.query(lambda uow: uow.projects.generated_for("101001", "1", YEAR).pro_code)
    wage = world.core.query(lambda uow: uow.indicators.wage_indicator(wage_pro, YEAR).bgt_id)
    h(c.IssueIndicator(YEAR, wage_pro, "101001", "2050202", "301", "11", gap["301"] // 2, "3",
                       "吴财预〔2026〕追12号", date(YEAR, 7, 1), to_bgt_id=wage, actor=BUDGET))
    payroll = []
    for month in range(1, 13):
        r = h(c.RunPayroll("101001", YEAR, month, date(YEAR, month, 10), actor=clerk()))
        world.paid(r.pay_app_id, day=date(YEAR, month, 12))
        payroll.append(world.status(r.pay_app_id)["pay_app_amt"])
        if month in (4, 8, 11):
            inst = world.pay(equip_bgt, 160_000_00, contract_no=no, payee_acct_name="苏州恒信信息科技有限公司",
                             payee_acct_no="3220010001", create_date=date(YEAR, month, 20))
            if month != 11:
                world.paid(inst.pay_app_id, day=date(YEAR, month, 25))
    assert payroll[6] > payroll[5]                    # the July hire is on the payroll from July
    assert payroll[11] == payroll[10]                 # no 公务员 here: December pays no year-end bonus
    # performance
    weights = world.core.query(lambda uow: uow.projects.perf_indicator_ids(equip))
    h(c.RecordPerfMonitoring(equip, YEAR, date(YEAR, 6, 30), dict.fromkeys(weights, 40), actor=clerk()))
    points, grade = h(c.SelfEvaluate(equip, YEAR, dict.fromkeys(weights, 100), actor=clerk()))
    assert grade in ("优", "良") and points > 90
    # year end: the equipment project continues; the November instalment is still in flight
    totals = h(c.CloseYear(DIV, YEAR, date(YEAR + 1, 1, 4), actor=BUDGET))
    assert totals["applications_moved"] == 1 and totals["carried"] > 0 and totals["returned"] > 0
    with world.core.db.read() as conn:
        wages_paid = conn.exec_driver_sql(
            "SELECT SUM(paid_amt) FROM ba_bgt_info WHERE dep_bgt_eco_code = '301'").scalar()
    assert wages_paid == sum(payroll)
    world.assert_consistent()
