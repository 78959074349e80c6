"""The single sign-on for real, in headless Chromium: a copy of the demo district with its demo people (a known
password), the embedded identity provider (node oidc-provider), the API (uvicorn, the platform's own app) and the
workbench (``streamlit run`` with the ``[auth]`` secrets fiscal serve writes). A unit clerk logs in on the
provider's page, applies for a payment, sees only their own unit's applications, logs out; the unit's leader logs
in, finds the application in 我的待办, approves it, and it leaves the inbox and moves on (to the treasury's inbox
above the threshold, approved otherwise). Screenshots in tests/artifacts/."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text

from devtools.devserver import CHROMIUM_ARGS, chromium_path, free_port
from fiscal_app.api.server import build
from fiscal_app.demo_users import DemoUser, create_demo_users, demo_password, seed_inbox
from fiscal_app.idp import default_clients, start_idp, stop_idp
from fiscal_app.serve import _streamlit
from fiscal_app.settings import Settings
from fiscal_app.web_auth import redirect_uri

from ..district import District, copy_home

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "demo-Passw0rd-e2e"
TIMEOUT_MS = 120_000        # the CI machine is shared and slow


@dataclass
class Platform:
    settings: Settings
    people: list[DemoUser]
    issuer: str
    api: str
    workbench: str

    def query(self, sql: str, **params: Any) -> list[Any]:
        core = self.settings.open_core()
        try:
            with core.db.read() as conn:
                return list(conn.execute(text(sql), params).all())
        finally:
            core.close()


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
def platform(district: District, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (run `make chromium`, which `make test` and .ci/run do)")
    home = copy_home(district.final, tmp_path / "home")
    idp_port, api_port, wb_port = free_port(), free_port(), free_port()
    for k in ("FISCAL_OIDC_ISSUER", "FISCAL_OIDC_CLIENT_ID", "FISCAL_OIDC_CLIENT_SECRET", "FISCAL_CORE_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("FISCAL_HOME", str(home))
    monkeypatch.setenv("FISCAL_IDP_PORT", str(idp_port))
    monkeypatch.setenv("FISCAL_DEMO_PASSWORD", PASSWORD)
    settings = Settings.for_home(home)
    core = settings.open_core()
    try:
        password, _ = demo_password(settings)
        people = create_demo_users(core, password)
        seed_inbox(core, people)
    finally:
        core.close()

    api_url, wb_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{wb_port}"
    clients = default_clients(web_redirect_uris=[redirect_uri(wb_url)],
                              post_logout_redirect_uris=[wb_url + "/", redirect_uri(wb_url)])
    idp = start_idp(settings, port=idp_port, bridge_url=api_url, clients=clients, log=tmp_path / "idp.log")
    app = build(settings)            # the API as fiscal serve runs it, the password bridge beside it
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=api_port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    env = {**os.environ, "FISCAL_API_URL": api_url, "PYTHONUNBUFFERED": "1"}
    cmd = [*_streamlit(ROOT / "workbench" / "app.py", wb_port, settings, env), "--server.fileWatcherType", "none"]
    with open(tmp_path / "workbench.log", "wb") as log:
        wb = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"{api_url}/api/v1/health")
        _wait(f"{wb_url}/_stcore/health", wb)
        yield Platform(settings, people, f"http://127.0.0.1:{idp_port}", api_url, wb_url)
    finally:
        wb.terminate()
        try:
            wb.wait(10)
        except subprocess.TimeoutExpired:
            wb.kill()
            wb.wait()
        server.should_exit = True
        thread.join(10)
        stop_idp(idp)
        app.state.core.close()


def wait_idle(page: Any) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)


def log_in(page: Any, p: Platform, user: str) -> None:
    page.goto(p.workbench)
    page.get_by_role("button", name="登录 / Log in").click()
    page.wait_for_url(re.compile(re.escape(p.issuer) + r"/interaction/"), timeout=TIMEOUT_MS)
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(re.compile(re.escape(p.workbench)), timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="我的待办").wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


def log_out(page: Any, p: Platform) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(re.escape(p.issuer)), timeout=TIMEOUT_MS)
    page.click("#logout")                        # the provider asks: log out everywhere
    page.wait_for_url(re.compile(re.escape(p.workbench)), timeout=TIMEOUT_MS)
    page.get_by_role("button", name="登录 / Log in").wait_for(timeout=TIMEOUT_MS)


def test_clerk_applies_and_the_leader_approves_through_the_login_and_the_inbox(platform: Platform) -> None:
    from playwright.sync_api import sync_playwright

    p = platform
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    clerk = next(u for u in p.people if u.role == "unit_clerk")
    leader = next(u for u in p.people if u.role == "unit_leader" and u.scope_code == clerk.scope_code)
    unit = clerk.scope_code
    others = [r[0] for r in p.query("SELECT pay_app_no FROM pay_voucher WHERE agency_code <> :a AND status = "
                                    "'submitted' ORDER BY pay_app_no", a=unit)]
    assert others, "seed_inbox leaves applications of the other unit"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1300}, locale="zh-CN")
            page.set_default_timeout(TIMEOUT_MS)

            # the clerk logs in on the provider's page and applies for a payment
            log_in(page, p, clerk.user_id)
            page.get_by_role("link", name="发起：支付申请").click()
            page.get_by_text("可用额度（元）").first.wait_for()
            wait_idle(page)
            page.get_by_label("申请金额（元）").fill("1234.56")
            page.get_by_label("收款人全称").fill("苏州恒信商贸有限公司")
            page.get_by_label("收款人账号").fill("6222020000000001")
            page.get_by_label("收款人开户银行").fill("中国银行吴江支行")
            page.get_by_label("用途", exact=True).fill("购买办公用品及耗材（浏览器测试）")
            page.get_by_role("button", name="提交申请").click()
            done = page.get_by_text(re.compile("已提交支付申请"))
            done.wait_for()
            number = re.search(r"已提交支付申请 (\S+)，", done.inner_text())
            assert number, done.inner_text()
            pay_app_no = number.group(1)
            wait_idle(page)
            (app_id, status, agency), = p.query("SELECT pay_app_id, status, agency_code FROM pay_voucher "
                                                "WHERE pay_app_no = :n", n=pay_app_no)
            assert (status, agency) == ("submitted", unit)
            # the clerk's own applications are listed; another unit's never
            listing = page.locator('[data-testid="stTable"]').inner_text()
            assert pay_app_no in listing
            assert not [n for n in others if n in page.content()]
            page.screenshot(path=str(ARTIFACTS / "workbench_1_applied.png"), full_page=True)
            log_out(page, p)

            # the unit's leader logs in, finds it in the inbox and approves it
            log_in(page, p, leader.user_id)
            (tid,), = p.query("SELECT task_id FROM sys_task WHERE doc_id = :d AND user_id = :u AND status = 'open'",
                              d=app_id, u=leader.user_id)
            card = page.locator(f".st-key-card_{tid}")
            card.wait_for()
            assert pay_app_no in card.inner_text() and "1,234.56" in card.inner_text()
            page.screenshot(path=str(ARTIFACTS / "workbench_2_inbox.png"), full_page=True)
            card.get_by_label("审核意见（退回时必填）").fill("同意支付")
            card.get_by_role("button", name="通过", exact=True).click()
            page.get_by_text(re.compile(f"已通过：支付申请 {re.escape(pay_app_no)}")).wait_for()
            wait_idle(page)
            assert page.locator(f".st-key-card_{tid}").count() == 0
            page.screenshot(path=str(ARTIFACTS / "workbench_3_approved.png"), full_page=True)
        finally:
            browser.close()

    (status,), = p.query("SELECT status FROM pay_voucher WHERE pay_app_id = :d", d=app_id)
    nxt = [r[0] for r in p.query("SELECT user_id FROM sys_task WHERE doc_id = :d AND status = 'open'", d=app_id)]
    assert leader.user_id not in nxt
    if status == "fin_review":             # above the 区划's threshold: in the treasury's inbox now
        treasury = [u.user_id for u in p.people if u.role == "treasury"]
        assert set(nxt) & set(treasury), nxt
    else:
        assert status == "approved" and nxt == []
    (actor,), = p.query("SELECT actor FROM journal WHERE object_id = :d AND action = 'payment.approve'", d=app_id)
    assert actor == leader.user_id          # the journal names the person who logged in
