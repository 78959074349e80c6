"""The whole app once in a real browser, behind the real single sign-on: the embedded identity provider (node
oidc-provider, its password form posting to the platform's bridge in the API), `streamlit run` with the
``[auth]`` secrets fiscal serve writes, Debian's Chromium driven by Playwright. The 局领导 logs in on the
provider's page; cockpit → a department → a project → a payment's trail, with the figures on screen checked
against the marts and a screenshot of each step in tests/artifacts/."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from devtools.devserver import CHROMIUM_ARGS, choose, chromium_path, free_port, metric_value, wait_idle

from .conftest import APP, BUREAU_LEADER, REPO, People, Warehouse

ARTIFACTS = REPO / "tests" / "artifacts"
PASSWORD = "dashboards-test-pw"  # conftest's demo people
TIMEOUT_MS = 120_000             # the CI machine is shared and slow


def wan_text(yuan: Decimal) -> str:
    return f"{(yuan / Decimal(10000)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


@dataclass(frozen=True)
class SignOn:
    issuer: str
    dashboards: str


def _wait(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(url)
        time.sleep(0.3)


@pytest.fixture
def sign_on(district_home: Warehouse, people: People, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[SignOn]:
    """A home with the district's warehouse and the core with the demo people; the identity provider, the API
    (its password bridge) and the dashboards as fiscal serve runs them."""
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (run `make chromium`, which `make test` and .ci/run do)")
    import uvicorn

    from fiscal_app.api.server import build
    from fiscal_app.idp import default_clients, start_idp, stop_idp
    from fiscal_app.serve import _streamlit
    from fiscal_app.settings import Settings
    from fiscal_app.web_auth import redirect_uri

    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(district_home.path, home / "warehouse.duckdb")
    src, dst = sqlite3.connect(people.core_url.removeprefix("sqlite:///")), sqlite3.connect(home / "core.sqlite3")
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    idp_port, api_port, dash_port = free_port(), free_port(), free_port()
    for k in ("FISCAL_OIDC_ISSUER", "FISCAL_OIDC_CLIENT_ID", "FISCAL_OIDC_CLIENT_SECRET", "FISCAL_CORE_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("FISCAL_HOME", str(home))
    monkeypatch.setenv("FISCAL_IDP_PORT", str(idp_port))
    settings = Settings.for_home(home)
    api_url, dash_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{dash_port}"
    clients = default_clients(web_redirect_uris=[redirect_uri(dash_url)],
                              post_logout_redirect_uris=[dash_url + "/", redirect_uri(dash_url)])
    idp = start_idp(settings, port=idp_port, bridge_url=api_url, clients=clients, log=tmp_path / "idp.log")
    app = build(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=api_port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [*_streamlit(APP, dash_port, settings, env), "--server.fileWatcherType", "none"]
    with open(tmp_path / "dashboards.log", "wb") as log:
        dash = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"{api_url}/api/v1/health")
        _wait(f"{dash_url}/_stcore/health", dash)
        yield SignOn(f"http://127.0.0.1:{idp_port}", dash_url)
    finally:
        dash.terminate()
        try:
            dash.wait(10)
        except subprocess.TimeoutExpired:
            dash.kill()
            dash.wait()
        server.should_exit = True
        thread.join(10)
        stop_idp(idp)
        app.state.core.close()


def log_in(page: Any, s: SignOn, user: str) -> None:
    """On the dashboards' login page, then the provider's password form, and back."""
    page.goto(s.dashboards)
    page.get_by_role("button", name="登录 / Log in").click()
    page.wait_for_url(re.compile(re.escape(s.issuer) + r"/interaction/"), timeout=TIMEOUT_MS)
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(re.compile(re.escape(s.dashboards)), timeout=TIMEOUT_MS)


def test_cockpit_to_a_payments_trail_in_chromium(district_home: Warehouse, sign_on: SignOn) -> None:
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

    base = sign_on.dashboards
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            log_in(page, sign_on, BUREAU_LEADER)  # the 局领导: the district's figures
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

            # the trail's URL opens the same view directly (a new tab of the same browser: logged in)
            fresh = context.new_page()
            fresh.goto(f"{base}/expenditure?pay={pay_app_id}")
            fresh.get_by_text("的来龙去脉").first.wait_for(timeout=120_000)
            wait_idle(fresh)
            assert metric_value(fresh, "净支付（元）") == f"{net_paid:,.2f}"
        finally:
            browser.close()
