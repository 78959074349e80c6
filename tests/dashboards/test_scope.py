"""The dashboards behind the login, scoped by the person's grants in the core (AppTest with the logged-in person
seeded as st.login leaves them; the grants are the demo people's, see conftest): nobody logged in sees no figure;
the 局领导 sees the district; a department's leader sees on every page only their department, the figures equal to
the marts filtered by that department here; a unit's clerk cannot reach another unit's or department's figures
through the URL; the staff costs are refused to a role without the right to see personnel figures."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.ui import PAGES

from .conftest import APP, BUREAU_LEADER, People, Warehouse, logged_in
from .test_pages import TIMEOUT, amt, metrics, pct_text, wan_text

YEAR = 2025
REFUSED = "仅对区划范围的角色"


def run(user: str | None, page: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.user = logged_in(user)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def warnings_text(at: AppTest) -> str:
    return "\n".join(str(w.value) for w in at.warning)


def figures(at: AppTest) -> list[Any]:
    return [*at.metric, *at.dataframe, *at.get("plotly_chart"), *at.get("table")]


def execution(wh: Warehouse, dept: str | None = None, agency: str | None = None) -> tuple[Any, Any]:
    """Indicator and paid YTD at the year's latest month, straight from the mart (by dim_agency's department)."""
    return wh.one(
        "select sum(e.indicator_amt), sum(e.paid_ytd_amt) from marts.fct_budget_execution_monthly e "
        "join marts.dim_agency a on a.agency_code = e.agency_code where e.fiscal_year = ? and e.fiscal_month = "
        "(select max(fiscal_month) from marts.fct_budget_execution_monthly where fiscal_year = ?) "
        "and (? is null or a.dept_code = ?) and (? is null or e.agency_code = ?)", [YEAR, YEAR, dept, dept, agency, agency])


def test_nobody_logged_in_sees_the_login_page_only(fiscal_home: Warehouse) -> None:
    for query in (None, {"dept": "101"}):
        at = run(None, query=query)
        assert [b.label for b in at.button] == ["登录 / Log in"]
        assert figures(at) == [] and not at.get("selectbox")  # no figure, not even the sidebar's filters


def test_the_bureau_leader_sees_the_district(fiscal_home: Warehouse) -> None:
    at = run(BUREAU_LEADER)
    indicator, paid = execution(fiscal_home)
    m = metrics(at)
    assert m["支出执行进度"] == pct_text(paid / indicator)
    assert amt("财政收入（年累计）") in m and amt("国库库款余额") in m  # the district's own figures too
    depts = fiscal_home.one("select count(distinct dept_code) from marts.dim_agency where dept_code is not null")
    assert len(at.selectbox(key="dept").options) == depts + 1  # every department, and "all"


def test_a_department_leader_sees_only_their_department_on_every_page(fiscal_home: Warehouse, people: People) -> None:
    leader = people.one("dept_leader")
    dept = leader.scope_code
    wh = fiscal_home
    indicator, paid = execution(wh, dept=dept)
    n_warn, n_open = wh.one("select count(*), count(*) filter (where coalesce(disposal_status, '') <> 'closed') "
                            "from marts.fct_warning where fiscal_year = ? and dept_code = ?", [YEAR, dept])
    assert n_warn > 0, "the department chosen has warnings (conftest), so their count is checked"
    seen: set[str] = set()

    at = run(leader.user_id)                                                      # 总览
    seen.add("cockpit")
    m = metrics(at)
    assert m["支出执行进度"] == pct_text(paid / indicator) and m["预警（未办结）"] == f"{n_open:,}"
    assert amt("财政收入（年累计）") not in m and amt("国库库款余额") not in m
    dept_box = at.selectbox(key="dept")
    assert len(dept_box.options) == 2 and dept in dept_box.options[1]  # "all in my scope" and the department

    at.switch_page("views/expenditure.py").run()                                  # 支出
    seen.add("expenditure")
    m = metrics(at)
    assert m[amt("调整后指标")] == wan_text(indicator) and m[amt("累计支付")] == wan_text(paid)
    assert at.selectbox(key="drill_dept").options[1:] == dept_box.options[1:]

    at.switch_page("views/warnings.py").run()                                     # 预警
    seen.add("warnings")
    assert metrics(at)["预警总数"] == f"{n_warn:,}"

    at.switch_page("views/projects.py").run()                                     # 项目库
    seen.add("projects")
    targets = wh.one("select count(*) from marts.fct_performance where fiscal_year = ? and dept_code = ? "
                     "and perf_indicator_count > 0", [YEAR, dept])
    assert metrics(at)["设定绩效目标的项目"] == f"{targets:,}"

    at.switch_page("views/staff_procurement.py").run()                            # 人员与采购 (a leader may)
    seen.add("staff-procurement")
    month, heads = wh.one("select pay_month, sum(headcount_in_post) from marts.fct_staff_cost_monthly "
                          "where fiscal_year = ? and dept_code = ? group by 1 order by 1 desc limit 1", [YEAR, dept])
    n, total = wh.one("select count(*), sum(contract_amt) from marts.fct_procurement_contract "
                      "where fiscal_year = ? and dept_code = ?", [YEAR, dept])
    m = metrics(at)
    assert m[f"在职人数（{month}）"] == f"{heads:,}"
    assert m["合同数"] == f"{n:,}" and (n == 0 or m[amt("合同金额")] == wan_text(total))

    at.switch_page("views/disclosure.py").run()                                   # 公开: their department's only
    seen.add("disclosure")
    assert [o.split(" ")[0] for o in at.selectbox(key="disc_dept").options] == [dept]

    for page in ("views/revenue.py", "views/treasury.py", "views/data_quality.py"):  # the district's own figures
        at.switch_page(page).run()
        seen.add(next(p.url_path for p in PAGES if p.file == page))
        assert REFUSED in warnings_text(at) and not at.metric and not at.dataframe, page
    assert seen == {p.url_path for p in PAGES}, "every page was looked at"


def test_a_unit_user_cannot_reach_another_units_figures_through_the_url(fiscal_home: Warehouse,
                                                                         people: People) -> None:
    clerk = people.one("unit_clerk")
    unit = clerk.scope_code
    dept, other_dept = fiscal_home.one("select dept_code, (select min(dept_code) from marts.dim_agency "
                                       "where dept_code <> a.dept_code) from marts.dim_agency a where agency_code = ?",
                                       [unit])
    indicator, paid = execution(fiscal_home, agency=unit)

    at = run(clerk.user_id, query={"dept": other_dept})
    assert f"部门 {other_dept} 不在您的数据范围内" in warnings_text(at)
    assert at.session_state["dept"] != other_dept and "dept" not in at.query_params
    assert len(at.selectbox(key="dept").options) == 2  # "all in my scope" and their unit's department
    assert metrics(at)["支出执行进度"] == pct_text(paid / indicator)
    at.switch_page("views/expenditure.py").run()
    m = metrics(at)
    assert m[amt("调整后指标")] == wan_text(indicator) and m[amt("累计支付")] == wan_text(paid)  # their unit's only

    # a payment of another unit of the same department, and one of another department: neither opens
    for agency_filter in ("p.agency_code <> ? and a.dept_code = ?", "p.agency_code <> ? and a.dept_code <> ?"):
        found = fiscal_home.all("select p.pay_app_id from marts.fct_payment p join marts.dim_agency a "
                                f"on a.agency_code = p.agency_code where {agency_filter} order by 1 limit 1",
                                [unit, dept])
        if not found:
            continue
        (pay,), = found
        at = run(clerk.user_id, "views/expenditure.py", {"pay": pay})
        assert f"支付申请 {pay} 不在您的数据范围内" in warnings_text(at)
        assert "净支付（元）" not in metrics(at) and not any("的来龙去脉" in str(s.value) for s in at.subheader)
        assert at.session_state["dept"] in (None, "__all__")

    own = fiscal_home.all("select pay_app_id, net_paid_amt from marts.fct_payment where agency_code = ? "
                          "order by 1 limit 1", [unit])
    if own:  # their own payment does open from the URL
        at = run(clerk.user_id, "views/expenditure.py", {"pay": own[0][0]})
        assert metrics(at)["净支付（元）"] == f"{own[0][1]:,.2f}"


@pytest.mark.parametrize("role", ["dept_reviewer", "unit_clerk"])
def test_staff_costs_are_refused_without_the_right_to_see_personnel(fiscal_home: Warehouse, people: People,
                                                                    role: str) -> None:
    at = run(people.one(role).user_id, "views/staff_procurement.py")
    assert "人员经费仅对有权查看人员信息的角色开放" in warnings_text(at)
    assert not [k for k in metrics(at) if k.startswith("在职人数") or "工资" in k]
    assert "合同数" in metrics(at)  # the procurement tab, in their scope, is still theirs


def test_the_banks_machine_client_sees_no_dashboard(fiscal_home: Warehouse, people: People) -> None:
    at = run(people.one("bank").user_id)
    assert "没有查看驾驶舱的授权" in warnings_text(at) and figures(at) == []
