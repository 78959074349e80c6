"""The whole app once in a real browser: `streamlit run` as a subprocess, Debian's Chromium driven by
Playwright. Cockpit → a department → a project → a payment's trail, with the figures on screen checked
against the marts and a screenshot of each step in tests/artifacts/."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from devtools.devserver import CHROMIUM_ARGS, choose, chromium_path, metric_value, streamlit_server, wait_idle

from .conftest import REPO, Warehouse

ARTIFACTS = REPO / "tests" / "artifacts"


def wan_text(yuan: Decimal) -> str:
    return f"{(yuan / Decimal(10000)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def test_cockpit_to_a_payments_trail_in_chromium(district_home: Warehouse, tmp_path: Path) -> None:
    chromium = chromium_path()
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (run `make chromium`, which `make test` and .ci/run do)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wh = district_home
    year = wh.one("select max(fiscal_year) from marts.fct_budget_execution_monthly")
    ytd = wh.one("select sum(collected_ytd_amt) from marts.fct_revenue_monthly where fiscal_year = ? and fiscal_month = "
                 "(select max(fiscal_month) from marts.fct_revenue_monthly where fiscal_year = ? and booking_count > 0)",
                 [year, year])
    dept, dept_name = wh.one("select p.dept_code, max(a.dept_name) from marts.fct_payment p join marts.dim_agency a "
                             "on a.dept_code = p.dept_code where p.fiscal_year = ? group by 1 order by count(*) desc "
                             "limit 1", [year])
    pro, pro_name, indicator = wh.one(
        "select b.pro_code, max(d.pro_name), sum(b.adjusted_amt) from marts.fct_indicator_balance b "
        "join marts.dim_project d on d.pro_code = b.pro_code where b.fiscal_year = ? and b.dept_code = ? "
        "and b.pro_code in (select pro_code from marts.fct_payment where is_cleared) group by 1 "
        "order by 3 desc limit 1", [year, dept])
    pay_app_id, pay_app_no, net_paid, steps = wh.one(
        "select pay_app_id, pay_app_no, net_paid_amt, (select count(*) from marts.payment_trace t "
        "where t.pay_app_id = p.pay_app_id) from marts.fct_payment p where fiscal_year = ? and pro_code = ? "
        "and is_cleared order by create_date desc, pay_app_id desc limit 1", [year, pro])

    with streamlit_server(wh.home, log_path=tmp_path / "streamlit.log") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
            page.set_default_timeout(120_000)  # the CI machine is shared and slow
            page.goto(base)
            page.get_by_text("财政收入（年累计）").first.wait_for()
            wait_idle(page)
            assert metric_value(page, "财政收入（年累计） · 万元") == wan_text(ytd)
            page.screenshot(path=str(ARTIFACTS / "dashboard_1_cockpit.png"))

            # cockpit → the department (its link in the spending-by-department panel)
            page.get_by_text("打开部门明细").click()
            page.get_by_role("link", name=dept_name).first.click()
            page.wait_for_url(f"**/expenditure?*dept={dept}*")
            page.get_by_text("逐级查看").first.wait_for()
            wait_idle(page)
            page.get_by_text("逐级查看").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "dashboard_2_department.png"))

            # → a project
            choose(page, "项目", pro_name)
            page.get_by_text("项目指标").first.wait_for()
            assert metric_value(page, "项目指标 · 万元") == wan_text(indicator)
            page.wait_for_url(f"**pro={pro}**")  # Streamlit writes the query string after the rerun settles
            # the app scrolls inside its own container, so bring the part that matters into the viewport
            page.get_by_text("项目指标 · 万元").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "dashboard_3_project.png"))

            # → a payment and its trail
            choose(page, "支付申请", pay_app_no)
            page.get_by_text("的来龙去脉").first.wait_for()
            assert metric_value(page, "净支付（元）") == f"{net_paid:,.2f}"
            page.wait_for_url(f"**pay={pay_app_id}**")
            lines = page.locator('[data-testid="stMarkdownContainer"] code', has_text=str(year)).count()
            assert lines >= steps  # one timestamped line per journalled step (the trail reaches back to declaration)
            page.get_by_text("的来龙去脉").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "dashboard_4_payment_trail.png"))

            # the trail's URL opens the same view directly
            fresh = browser.new_page(viewport={"width": 1400, "height": 1000})
            fresh.goto(f"{base}/expenditure?pay={pay_app_id}")
            fresh.get_by_text("的来龙去脉").first.wait_for(timeout=120_000)
            wait_idle(fresh)
            assert metric_value(fresh, "净支付（元）") == f"{net_paid:,.2f}"
        finally:
            browser.close()
