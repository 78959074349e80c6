"""Every dashboard page under streamlit's AppTest against the small district's warehouse: no exception, no
error message, and the key figures on screen equal the marts' values computed here independently."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboards.data.scope import Scope
from dashboards.ui import PAGES

from .conftest import APP, BUREAU_LEADER, People, Warehouse, copy_home, logged_in

DISTRICT = Scope(district=True)
TIMEOUT = 120  # seconds per script run; the 2-core CI machine is shared


def wan_text(yuan: Decimal) -> str:
    """The spec of the dashboards' 万元 display, written out independently of dashboards.fmt."""
    return f"{(yuan / Decimal(10000)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def amt(label: str) -> str:
    """Amount metrics carry their unit in the label."""
    return f"{label} · 万元"


def pct_text(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,.1f}%"


def run(page: str | None = None, query: dict[str, str] | None = None, user: str | None = BUREAU_LEADER) -> AppTest:
    """The app as ``user`` sees it (the 局领导 by default, whose scope is the district; None: logged out)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.user = logged_in(user)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest) -> str:
    parts: list[Any] = [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.title, *at.subheader]
    return "\n".join(str(p.value) for p in parts)


def assert_no_error(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", [p.file for p in PAGES], ids=[p.url_path for p in PAGES])
def test_every_page_renders_without_error(fiscal_home: Warehouse, page: str) -> None:
    at = run(page)
    assert_no_error(at)
    assert at.title, "every page has a title"


def test_cockpit_shows_revenue_spending_cash_and_warnings_as_the_marts_have_them(fiscal_home: Warehouse) -> None:
    at = run()
    assert_no_error(at)
    year = fiscal_home.one("select max(fiscal_year) from marts.fct_budget_execution_monthly")
    month = fiscal_home.one("select max(fiscal_month) from marts.fct_revenue_monthly "
                            "where fiscal_year = ? and booking_count > 0", [year])
    ytd = fiscal_home.one("select sum(collected_ytd_amt) from marts.fct_revenue_monthly "
                          "where fiscal_year = ? and fiscal_month = ?", [year, month])
    paid, indicator = fiscal_home.one(
        "select sum(paid_ytd_amt), sum(indicator_amt) from marts.fct_budget_execution_monthly "
        "where fiscal_year = ? and fiscal_month = (select max(fiscal_month) from marts.fct_budget_execution_monthly "
        "where fiscal_year = ?)", [year, year])
    closing = fiscal_home.one("select closing_amt from marts.fct_treasury_cash_daily order by cash_date desc limit 1")
    n_open = fiscal_home.one("select count(*) from marts.fct_warning where fiscal_year = ? "
                             "and coalesce(disposal_status, '') <> 'closed'", [year])
    m = metrics(at)
    assert m[amt("财政收入（年累计）")] == wan_text(ytd)
    assert m["支出执行进度"] == pct_text(paid / indicator)
    assert m[amt("国库库款余额")] == wan_text(closing)
    assert m["预警（未办结）"] == f"{n_open:,}"
    # each headline links to its page
    links = {link.proto.page for link in at.get("page_link")}
    assert {"revenue", "expenditure", "treasury", "warnings"} <= {str(p).strip("/") for p in links}


def test_revenue_page_figures_by_category(fiscal_home: Warehouse) -> None:
    at = run("views/revenue.py")
    assert_no_error(at)
    year = fiscal_home.one("select max(fiscal_year) from marts.fct_revenue_monthly where budget_amt is not null")
    ytd, budget, prev = fiscal_home.one(
        "select sum(collected_ytd_amt), sum(budget_amt), sum(prev_year_ytd_amt) from marts.fct_revenue_monthly "
        "where fiscal_year = ? and fiscal_month = (select max(fiscal_month) from marts.fct_revenue_monthly "
        "where fiscal_year = ? and booking_count > 0)", [year, year])
    m = metrics(at)
    assert m[amt("年累计收入")] == wan_text(ytd)
    assert m["预算完成进度"] == pct_text(ytd / budget)
    assert m["累计同比"] == pct_text(ytd / prev - 1)


def test_expenditure_drill_opens_a_payments_trail_from_the_url(fiscal_home: Warehouse) -> None:
    pay_app_id, dept, pro, net_paid, steps = fiscal_home.one(
        "select p.pay_app_id, p.dept_code, p.pro_code, p.net_paid_amt, "
        "(select count(*) from marts.payment_trace t where t.pay_app_id = p.pay_app_id) "
        "from marts.fct_payment p where p.is_cleared and p.is_refunded order by p.pay_app_id limit 1")
    at = run("views/expenditure.py", {"pay": pay_app_id})  # only ?pay=: department and project follow
    assert_no_error(at)
    assert at.session_state["dept"] == dept and at.session_state["pro"] == pro
    assert at.query_params["dept"] == dept and at.query_params["pro"] == pro and at.query_params["pay"] == pay_app_id
    m = metrics(at)
    assert m["净支付（元）"] == f"{net_paid:,.2f}"
    timeline = [md.value for md in at.markdown if str(md.value).startswith("`20")]
    assert len(timeline) == steps  # one readable line per journalled step
    assert any("银行支付" in line for line in timeline) and any("退款" in line for line in timeline)


def test_expenditure_drill_by_selection(fiscal_home: Warehouse) -> None:
    dept = fiscal_home.one("select dept_code from marts.fct_payment group by 1 order by count(*) desc limit 1")
    at = run("views/expenditure.py")
    at.selectbox(key="drill_dept").select(dept).run()
    assert at.session_state["dept"] == dept
    pro, ind = fiscal_home.one(
        "select pro_code, sum(adjusted_amt) from marts.fct_indicator_balance where dept_code = ? "
        "and fiscal_year = 2025 and pro_code in (select pro_code from marts.fct_payment) group by 1 "
        "order by 2 desc limit 1", [dept])
    at.selectbox(key="pro").select(pro).run()
    assert_no_error(at)
    assert metrics(at)[amt("项目指标")] == wan_text(ind)
    first = at.selectbox(key="pay").options[0]
    assert first
    at.selectbox(key="pay").select_index(0).run()
    assert_no_error(at)
    assert any("来龙去脉" in str(s.value) for s in at.subheader)


def test_warnings_page_counts(fiscal_home: Warehouse) -> None:
    at = run("views/warnings.py")
    assert_no_error(at)
    n, red = fiscal_home.one("select count(*), count(*) filter (where warning_level = 'red') from marts.fct_warning "
                             "where fiscal_year = 2025")
    m = metrics(at)
    assert m["预警总数"] == f"{n:,}" and m["红色（拦截）"] == f"{red:,}"


def test_treasury_page_balance_and_coverage(fiscal_home: Warehouse) -> None:
    at = run("views/treasury.py")
    assert_no_error(at)
    day, closing = fiscal_home.one("select cash_date, closing_amt from marts.fct_treasury_cash_daily "
                                   "order by cash_date desc limit 1")
    out90, days = fiscal_home.one("select sum(outflow_amt), count(*) from marts.fct_treasury_cash_daily "
                                  "where cash_date > ?::date - interval 90 day", [day])
    m = metrics(at)
    assert m[amt(f"库款余额（{day}）")] == wan_text(closing)
    months = closing / (out90 / days * 30)
    assert m["库款保障水平"] == f"{months.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} 个月"


def test_staff_and_procurement_figures(fiscal_home: Warehouse) -> None:
    at = run("views/staff_procurement.py")
    assert_no_error(at)
    month, heads = fiscal_home.one("select pay_month, sum(headcount_in_post) from marts.fct_staff_cost_monthly "
                                   "where fiscal_year = 2025 group by 1 order by 1 desc limit 1")
    n, amount = fiscal_home.one("select count(*), sum(contract_amt) from marts.fct_procurement_contract where fiscal_year = 2025")
    m = metrics(at)
    assert m[f"在职人数（{month}）"] == f"{heads:,}"
    assert m["合同数"] == f"{n:,}" and m[amt("合同金额")] == wan_text(amount)


def test_projects_page(fiscal_home: Warehouse) -> None:
    at = run("views/projects.py")
    assert_no_error(at)
    with_targets = fiscal_home.one("select count(*) from marts.fct_performance where fiscal_year = 2025 "
                                   "and perf_indicator_count > 0")
    assert metrics(at)["设定绩效目标的项目"] == f"{with_targets:,}"


def test_disclosure_page_offers_the_xlsx(fiscal_home: Warehouse) -> None:
    at = run("views/disclosure.py")
    assert_no_error(at)
    assert at.download_button(key="disc_download")
    from dashboards import data
    dept = fiscal_home.one("select min(dept_code) from marts.disclosure_1_budget_summary")
    wb = load_workbook(io.BytesIO(data.disclosure_xlsx(DISTRICT, dept, 2025)))
    assert len(wb.sheetnames) == 9


def test_data_quality_page_reconciles(fiscal_home: Warehouse) -> None:
    at = run("views/data_quality.py")
    assert_no_error(at)
    n = fiscal_home.one("select count(distinct measure) from marts.fct_reconciliation")
    assert n >= 10 and any(f"{n} / {n} 项对账一致" in str(s.value) for s in at.success)


def _completeness_table(at: AppTest, column: str) -> Any:
    """The completeness section's dataframe that has ``column`` (the summary: 涉及部门; the detail: 月份)."""
    found = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(found) == 1, column
    return found[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_quality_page_says_what_is_not_reported(fiscal_home: Warehouse, lang: str) -> None:
    """完整性说明: per gap kind the mart's items and amount (元) for the sidebar's year, a chart by month and
    kind, the gaps by department and month, and the statement that the figures are not complete."""
    at = run("views/data_quality.py", {"lang": lang} if lang == "en" else None)
    assert_no_error(at)
    zh = lang == "zh"
    year = at.session_state["year"]
    assert any(str(s.value) == ("完整性说明" if zh else "What is not reported") for s in at.subheader)
    assert ("并不完整" if zh else "are not complete") in texts(at)
    expected = fiscal_home.all(
        "select gap_kind, any_value(gap_name_zh), any_value(gap_name_en), sum(item_count), sum(amount), "
        "count(distinct dept_code), count(distinct fiscal_month) from marts.fct_completeness where fiscal_year = ? "
        "group by 1", [year])
    assert expected, "the small district has gaps"
    summary = _completeness_table(at, "涉及部门" if zh else "Departments")
    gap, items, amount = ("缺口类型", "笔数", "金额（元）") if zh else ("Gap", "Items", "Amount (yuan)")
    shown = {r[gap]: (r[items], r[amount]) for r in summary.to_dict("records")}
    assert shown == {(name_zh if zh else name_en): (n, "—" if a is None else f"{a:,.2f}")
                     for _, name_zh, name_en, n, a, _, _ in expected}
    detail = _completeness_table(at, "月份" if zh else "Month")
    assert len(detail) == fiscal_home.one("select count(*) from marts.fct_completeness where fiscal_year = ?", [year])
    assert sum(detail[items]) == sum(n for _, _, _, n, _, _, _ in expected)
    district = "全区划（交换数据）" if zh else "District-wide (exchange feeds)"
    assert district in set(detail["部门" if zh else "Department"])
    assert at.get("plotly_chart"), "the items by month and kind"


def test_data_quality_completeness_follows_the_sidebars_department(fiscal_home: Warehouse) -> None:
    dept = fiscal_home.one("select min(dept_code) from marts.fct_completeness where dept_code is not null")
    at = run("views/data_quality.py", {"dept": dept})
    assert_no_error(at)
    year = at.session_state["year"]
    detail = _completeness_table(at, "月份")
    n = fiscal_home.one("select count(*) from marts.fct_completeness where fiscal_year = ? "
                        "and (dept_code = ? or dept_code is null)", [year, dept])
    assert len(detail) == n
    assert {d.split(" ")[0] for d in detail["部门"]} <= {dept, "全区划（交换数据）"}


def test_english_switch_persists_across_pages(fiscal_home: Warehouse) -> None:
    at = run(query={"lang": "en"})
    assert "Fiscal overview" in at.title[0].value
    at.switch_page("views/revenue.py").run()
    assert_no_error(at)
    assert at.title[0].value.startswith("Revenue") and at.query_params["lang"] == "en"
    at.radio(key="lang").set_value("zh").run()
    assert "收入" in at.title[0].value and "lang" not in at.query_params


def test_filters_persist_across_pages_and_in_the_url(fiscal_home: Warehouse) -> None:
    dept = fiscal_home.one("select min(dept_code) from marts.dim_agency")
    at = run()
    at.selectbox(key="dept").select(dept).run()
    assert at.query_params["dept"] == dept
    at.switch_page("views/warnings.py").run()
    assert_no_error(at)
    assert at.selectbox(key="dept").value == dept and at.query_params["dept"] == dept
    n = fiscal_home.one("select count(*) from marts.fct_warning where fiscal_year = 2025 and dept_code = ?", [dept])
    if n:
        assert metrics(at)["预警总数"] == f"{n:,}"


def test_missing_warehouse_is_a_message_on_every_page(tmp_path: Path, people: People,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path))
    monkeypatch.setenv("FISCAL_CORE_URL", people.core_url)
    for page in PAGES:
        at = run(page.file)
        assert_no_error(at)
        said = [w for w in at.warning if "fiscal demo" in str(w.value) and "fiscal refresh" in str(w.value)]
        assert len(said) == 1, page  # once, on the page (not again for the sidebar)


def test_forecast_tables_when_present(forecast_home: Warehouse, people: People,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FISCAL_HOME", str(forecast_home.home))
    monkeypatch.setenv("FISCAL_CORE_URL", people.core_url)
    at = run()
    assert_no_error(at)
    body = texts(at)
    assert "收入短收风险" in body and "支出进度滞后" in body and "库款充足" not in body  # red and yellow only
    at.switch_page("views/revenue.py").run()
    assert_no_error(at)
    m = metrics(at)
    assert m["完不成预算的概率"] == "23.7%" and m[amt("全年预计")] == wan_text(Decimal("720000000"))
    assert at.dataframe, "the backtest table sits beside the fan chart"
    at.switch_page("views/treasury.py").run()
    assert_no_error(at)
    assert metrics(at)["90 天内低于最低余额的概率"] == "12.5%"
    at.switch_page("views/expenditure.py").run()
    assert_no_error(at)


def test_missing_forecast_tables_are_messages(no_forecast_home: Warehouse, people: People,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FISCAL_HOME", str(no_forecast_home.home))
    monkeypatch.setenv("FISCAL_CORE_URL", people.core_url)
    for page in ("views/cockpit.py", "views/revenue.py", "views/treasury.py"):
        at = run(page)
        assert_no_error(at)
        assert "预测结果尚未生成" in texts(at), page
        assert metrics(at), page  # the pages still show the marts' figures


def test_a_refresh_shows_new_data_at_once(district_home: Warehouse, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache key carries the warehouse's mtime: a swapped-in warehouse is read on the next page view."""
    wh = copy_home(district_home, tmp_path / "home")
    monkeypatch.setenv("FISCAL_HOME", str(wh.home))
    from dashboards import data
    before = data.revenue_summary(DISTRICT, 2025)["ytd"]
    assert data.revenue_summary(DISTRICT, 2025)["ytd"] == before  # cached
    new = tmp_path / "new.duckdb"
    Path(new).write_bytes(wh.path.read_bytes())
    with duckdb.connect(str(new)) as con:  # a "refresh": one more yuan booked in the latest month
        con.execute("update marts.fct_revenue_monthly set collected_ytd_amt = collected_ytd_amt + 1 "
                    "where fiscal_year = 2025 and fiscal_month = 4 and inc_code = "
                    "(select min(inc_code) from marts.fct_revenue_monthly)")
    new.replace(wh.path)
    assert data.revenue_summary(DISTRICT, 2025)["ytd"] == before + 1


def test_a_view_never_mixes_two_warehouses(district_home: Warehouse, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Within one page view the cache key is fixed; a file swapped before the view's first query makes the
    view start over (app.py reruns it) instead of caching the new file's rows under the old key."""
    wh = copy_home(district_home, tmp_path / "home")
    monkeypatch.setenv("FISCAL_HOME", str(wh.home))
    from dashboards import data
    with data.request():
        first = data.stamp()
        new = tmp_path / "new.duckdb"
        new.write_bytes(wh.path.read_bytes())
        new.replace(wh.path)
        assert data.stamp() == first
        with pytest.raises(data.WarehouseSwapped):
            data.revenue_monthly.uncached(DISTRICT, 2025)  # type: ignore[attr-defined]
    with data.request():
        assert data.stamp() != first
        assert not data.revenue_monthly(DISTRICT, 2025).empty


def test_a_warnings_disposal_steps_come_from_the_core(fiscal_home: Warehouse) -> None:
    """The 预警 page's disposal history: the core's steps of a warning, extracted into raw.mon_warning_step."""
    from dashboards import data

    rows = fiscal_home.all("select w.warning_key, count(s.step_id) from raw.mon_warning as w "
                           "join raw.mon_warning_step as s on s.warning_id = w.warning_id group by 1 order by 1 limit 3")
    assert rows, "the small district's real-time warnings have disposal steps in the core"
    for key, n in rows:
        steps = data.warning_steps(DISTRICT, key)
        assert steps is not None and len(steps) == n
        assert list(steps["step_no"]) == sorted(steps["step_no"])


def test_statuses_levels_and_roles_read_as_the_cores_labels(fiscal_home: Warehouse) -> None:
    """The pages name statuses, levels and roles as fiscal_core.domain.labels does, in both languages."""
    from dashboards.data import NOT_REGISTERED
    from fiscal_core.domain import labels

    def names(table: Any, lang: str = "zh") -> set[str]:
        return {labels.label(k, table, lang) for k in table}

    at = run("views/warnings.py")
    assert_no_error(at)
    table = next(df.value for df in at.dataframe if "级别" in df.value.columns)
    assert set(table["级别"]) <= names(labels.WARNING_LEVEL)
    statuses = set(fiscal_home.all("select distinct coalesce(disposal_status, ?) from marts.fct_warning "
                                   "where fiscal_year = 2025", [NOT_REGISTERED]))
    shown = set(table["处置状态"])
    assert {labels.label(s, labels.WARNING_STATUS) for (s,) in statuses if s != NOT_REGISTERED} <= shown
    assert shown <= names(labels.WARNING_STATUS) | {"未登记处置"}

    pay_app_id, status = fiscal_home.one("select pay_app_id, status from marts.fct_payment where is_cleared "
                                         "order by pay_app_id limit 1")
    roles = [r for (r,) in fiscal_home.all("select distinct actor_role from marts.payment_trace "
                                           "where pay_app_id = ? and actor_role is not null", [pay_app_id])]
    assert roles
    for lang in ("zh", "en"):
        at = run("views/expenditure.py", {"pay": pay_app_id, "lang": lang})
        assert_no_error(at)
        assert metrics(at)["状态" if lang == "zh" else "Status"] == labels.label(status, labels.PAY_STATUS, lang)
        lines = "\n".join(str(md.value) for md in at.markdown if str(md.value).startswith("`20"))
        for role in roles:
            shown_role = labels.label(role, labels.ROLE, lang)
            assert shown_role != role and shown_role in lines, (lang, role)

    at = run("views/projects.py")
    assert_no_error(at)
    rolling = [df.value for df in at.dataframe if "状态" in df.value.columns]
    assert rolling and set(rolling[0]["状态"]) <= names(labels.PROJECT_STATUS)
