"""The workbench's pages as a logged-in person would use them, against the real API over HTTP: the login screen
and the session's own expiry, the count of pending items, a clerk's application with the core's refusals on
their field, the leader's inbox (a return needs an opinion, approve, bulk approve, 转办), 已办."""

from __future__ import annotations

import time
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from ..api.conftest import Api
from ..support import World
from .conftest import APP, TIMEOUT, Workbench

PAY = "pages/apply_payment.py"
INBOX = "pages/inbox.py"
DONE = "pages/done.py"


def fill_application(wb: Workbench, amount: str, use: str = "购买办公用品及耗材") -> None:
    at = wb.at
    at.text_input(key="pay_app_amt").input(amount)
    at.text_input(key="payee_acct_name").input("苏州恒信商贸有限公司")
    at.text_input(key="payee_acct_no").input("6222020000000001")
    at.text_input(key="payee_acct_bank_name").input("中国银行吴江支行")
    at.text_input(key="use_des").input(use)
    at.button[[b.label for b in at.button].index("提交申请")].click()
    wb.run()


def test_nobody_logged_in_sees_only_the_login_button(api: Api) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["登录 / Log in"]
    assert not at.metric and "待办" not in "".join(str(m.value) for m in at.markdown)


def test_a_session_older_than_eight_hours_must_log_in_again(api: Api) -> None:
    wb = Workbench(api, "jb101001", session_started=time.time() - 8 * 3600 - 60)
    assert "会话已超过 8 小时" in wb.texts() and [b.label for b in wb.at.button] == ["登录 / Log in"]
    fresh = Workbench(api, "jb101001", session_started=time.time() - 7 * 3600)
    assert "我的待办" in fresh.texts()


def test_a_token_the_api_refuses_is_not_shown_any_data(api: Api) -> None:
    wb = Workbench(api, "jb101001", token=api.issuer.token("jb101001", aud="someone-else"))
    assert "token.claims" in wb.texts() and not wb.at.metric


def test_apply_then_approve_through_the_inbox(world: World, api: Api) -> None:
    _, bgt = world.funded(100_000_00)
    clerk = Workbench(api, "jb101001", "实小经办", page=PAY)
    at = clerk.at
    assert at.selectbox(key="pay_bgt_id").value == bgt
    available = {m.label: m.value for m in at.metric}["可用额度（元）"]
    assert available == "100,000.00"

    # the core's refusals: on the field it names, or above the form when it names none
    fill_application(clerk, "100.00", use="")
    assert "用途（摘要）必填" in "".join(e.value for e in at.error)
    fill_application(clerk, "100000.01")
    assert any("可用额度不足" in e.value for e in at.error)
    assert world.core.indicator(bgt)["inflight_amt"] == 0          # nothing was applied
    fill_application(clerk, "1234.56")
    assert any("已提交支付申请" in s.value for s in at.success), clerk.texts()
    assert world.core.indicator(bgt)["inflight_amt"] == 123456
    assert {m.label: m.value for m in at.metric}["可用额度（元）"] == "98,765.44"
    apps = api.client("jb101001").get("/api/v1/payment-applications").json()["items"]
    assert [Decimal(a["pay_app_amt"]) for a in apps] == [Decimal("1234.56")]

    leader = Workbench(api, "fz101001", "实小负责人", page=INBOX)
    at = leader.at
    assert {m.label: m.value for m in at.metric}["待办"] == "1"
    task = api.client("fz101001").get("/api/v1/inbox").json()["items"][0]
    tid = task["task_id"]
    assert apps[0]["pay_app_no"] in leader.texts() and "单位审核支付申请" in leader.texts()
    at.button(key=f"do_return_{tid}").click()
    leader.run()
    assert any("退回须填写审核意见" in e.value for e in at.error)        # shown under the opinion field
    at.text_input(key=f"op_{tid}").input("同意支付")
    at.button(key=f"do_approve_{tid}").click()
    leader.run()
    assert any("已通过" in s.value for s in at.success)
    assert f"do_approve_{tid}" not in [b.key for b in at.button]
    assert "共 0 件待办" in leader.texts()
    assert world.status(apps[0]["pay_app_id"])["status"] == "approved"     # below the treasury's threshold
    at.switch_page(DONE).run()
    assert not at.exception
    done = at.dataframe[0].value
    paid = done[done["单据"].str.startswith("支付申请")]          # (the project approvals of funded() are there too)
    assert list(paid["意见"]) == ["同意支付"] and list(paid["金额（元）"]) == ["1,234.56"]
    assert list(paid["单据"]) == [f"支付申请 {apps[0]['pay_app_no']}"]


def test_bulk_approval_of_the_selected_items_and_forwarding(world: World, api: Api) -> None:
    _, bgt = world.funded(100_000_00)
    ids = [world.pay(bgt, n * 100_00).pay_app_id for n in (1, 2, 3)]
    leader = Workbench(api, "fz101001", page=INBOX)
    at = leader.at
    tasks = {t["doc_id"]: t["task_id"] for t in api.client("fz101001").get("/api/v1/inbox").json()["items"]}
    at.checkbox(key=f"sel_{tasks[ids[0]]}").check()
    at.checkbox(key=f"sel_{tasks[ids[1]]}").check()
    leader.run()
    assert at.button(key="bulk_approve").label == "批量通过所选（2）"
    at.button(key="bulk_approve").click()
    leader.run()
    assert any("已通过 2 件" in s.value for s in at.success)
    assert [world.status(i)["status"] for i in ids] == ["approved", "approved", "submitted"]
    # 转办 the last one to the deputy: it leaves my inbox and appears in theirs
    at.text_input(key=f"to_{tasks[ids[2]]}").input("deputy")
    at.button(key=f"fwd_{tasks[ids[2]]}").click()
    leader.run()
    assert any("已转办给 deputy" in s.value for s in at.success)
    assert api.client("fz101001").get("/api/v1/inbox").json()["items"] == []
    assert {t["doc_id"] for t in api.client("deputy").get("/api/v1/inbox").json()["items"]} == {ids[2]}


def test_english_switch(world: World, api: Api) -> None:
    wb = Workbench(api, "jb101001")
    wb.at.radio(key="lang").set_value("en")
    wb.run()
    assert "My inbox" in wb.texts() and "我的待办" not in wb.texts()
