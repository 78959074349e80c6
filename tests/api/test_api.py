"""The API over real HTTP on both backends: tokens checked, scope enforced, errors as problem+json,
idempotent POSTs, the inbox driving approvals, and exact control under concurrent clients."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from fiscal_core.domain import commands as c

from ..support import ADMIN, World, platform_users
from .conftest import Api

UNIT_1, UNIT_2 = "101001", "101002"


def application(world: World, bgt_id: str, amount: str, **kw: Any) -> dict[str, Any]:
    ind = world.core.indicator(bgt_id)
    assert ind is not None
    body = {"agency_code": ind["agency_code"], "bgt_id": bgt_id, "pro_code": ind["pro_code"],
            "exp_func_code": ind["exp_func_code"], "gov_bgt_eco_code": ind["gov_bgt_eco_code"],
            "dep_bgt_eco_code": ind["dep_bgt_eco_code"], "fund_type_code": ind["fund_type_code"],
            "pay_app_amt": amount, "payee_acct_name": "苏州恒信商贸有限公司", "payee_acct_no": "6222020000000001",
            "payee_acct_bank_name": "中国银行吴江支行", "use_des": "购买办公用品及耗材", "create_date": "2026-03-10"}
    return {**body, **kw}


def test_every_path_without_a_valid_token_is_401(world: World, api: Api) -> None:
    platform_users(world)
    with api.client() as anon:
        spec = anon.get("/api/v1/openapi.json").json()
        assert spec["openapi"].startswith("3.")
        paths = [(re.sub(r"\{[^}]+\}", "x", p), m) for p, ops in spec["paths"].items() for m in ops
                 if p not in ("/api/v1/health", "/api/v1/openapi.json", "/api/v1/_idp/verify")]
        assert len(paths) >= 20
        for path, method in [*paths, ("/api/v1/no-such-path", "get")]:
            r = anon.request(method.upper(), path, json={})
            assert r.status_code == 401, (method, path, r.status_code)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["rule"] == "token.missing" and "Bearer" in r.headers["www-authenticate"]
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    bad = {"another key": api.issuer.token("jb101001", key=other),
           "expired": api.issuer.token("jb101001", exp_in=-120),
           "another audience": api.issuer.token("jb101001", aud="someone-else"),
           "another issuer": api.issuer.token("jb101001", iss="https://idp.example.org"),
           "garbage": "a.b.c"}
    with api.client() as anon:
        for why, token in bad.items():
            r = anon.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
            assert r.status_code == 401, why
        rules = {why: anon.get("/api/v1/me", headers={"authorization": f"Bearer {t}"}).json()["rule"]
                 for why, t in bad.items()}
    assert rules["expired"] == "token.expired" and rules["another key"] == "token.signature"
    assert rules["another audience"] == rules["another issuer"] == "token.claims"


def test_a_clerk_sees_only_their_unit_through_every_list_and_id(world: World, api: Api) -> None:
    platform_users(world)
    _, b1 = world.funded(100_000_00, agency=UNIT_1)
    pro2, b2 = world.funded(100_000_00, agency=UNIT_2)
    with api.client("jb101001") as mine, api.client("jb101002") as theirs:
        a1 = mine.post("/api/v1/payment-applications", json=application(world, b1, "100.00")).json()
        a2 = theirs.post("/api/v1/payment-applications", json=application(world, b2, "200.00")).json()
        for path in ("/api/v1/payment-applications", "/api/v1/indicators", "/api/v1/projects", "/api/v1/agencies"):
            items = mine.get(path).json()["items"]
            assert items and {i["agency_code"] for i in items} == {UNIT_1}, path
        assert mine.get(f"/api/v1/payment-applications/{a2['pay_app_id']}").status_code == 404
        assert mine.get(f"/api/v1/indicators/{b2}").status_code == 404
        assert mine.get(f"/api/v1/indicators/{b2}/balance").status_code == 404
        assert mine.get(f"/api/v1/projects/{pro2}").status_code == 404
        assert mine.get(f"/api/v1/payment-applications/{a1['pay_app_id']}").json()["pay_app_amt"] == "100.00"
        # applying for another unit's indicator is refused, and says why
        r = mine.post("/api/v1/payment-applications", json=application(world, b2, "1.00"))
        assert r.status_code == 403 and r.json()["rule"] == "no_grant"
        assert mine.get("/api/v1/persons").json()["items"] == []       # people's data: HR roles only
    with api.client("zg101") as dept:
        assert {i["agency_code"] for i in dept.get("/api/v1/payment-applications").json()["items"]} == {UNIT_1, UNIT_2}


def test_apply_approve_and_see_it_move_on_through_the_inbox(world: World, api: Api) -> None:
    platform_users(world)
    _, bgt = world.funded(2_000_000_00)
    key = str(uuid.uuid4())
    with api.client("jb101001") as clerk, api.client("fz101001") as leader, api.client("gkk") as treasury:
        body = application(world, bgt, "1500000.00")
        first = clerk.post("/api/v1/payment-applications", json=body, headers={"Idempotency-Key": key})
        again = clerk.post("/api/v1/payment-applications", json=body, headers={"Idempotency-Key": key})
        assert first.status_code == again.status_code == 201
        assert again.json()["pay_app_id"] == first.json()["pay_app_id"] and again.json()["replayed"]
        conflict = clerk.post("/api/v1/payment-applications", json={**body, "pay_app_amt": "1.00"},
                              headers={"Idempotency-Key": key})
        assert conflict.status_code == 409 and conflict.headers["content-type"].startswith("application/problem+json")
        app_id = first.json()["pay_app_id"]
        me = leader.get("/api/v1/me").json()
        assert me["pending"] == 1 and me["grants"][0]["role"] == "unit_leader"
        inbox = leader.get("/api/v1/inbox").json()["items"]
        assert [(t["doc_id"], t["step_code"], t["amount"]) for t in inbox] == [(app_id, "pay.unit_review", "1500000.00")]
        assert treasury.get("/api/v1/inbox").json()["items"] == []
        r = leader.post(f"/api/v1/inbox/{inbox[0]['task_id']}/actions", json={"action": "return", "opinion": ""})
        assert r.status_code == 422 and r.json()["rule"] == "opinion_required" and r.json()["detail_en"]
        r = leader.post(f"/api/v1/inbox/{inbox[0]['task_id']}/actions", json={"action": "approve", "opinion": "同意"})
        assert r.status_code == 200 and r.json()["status"] == "fin_review"
        retry = leader.post(f"/api/v1/inbox/{inbox[0]['task_id']}/actions", json={"action": "approve"})
        assert retry.status_code == 200 and retry.json()["replayed"]
        assert leader.get("/api/v1/inbox").json()["items"] == []
        done = leader.get("/api/v1/inbox", params={"done": True}).json()["items"]
        assert [t["doc_id"] for t in done if t["doc_type"] == "pay_voucher"] == [app_id]
        nxt = treasury.get("/api/v1/inbox").json()["items"]
        assert [t["doc_id"] for t in nxt] == [app_id]
        route = treasury.get(f"/api/v1/payment-applications/{app_id}").json()["route"]
        assert sorted((s["user_id"], s["status"]) for s in route if s["step_code"] == "pay.unit_review") == [
            ("deputy", "cancelled"), ("fz101001", "done")]
        bulk = treasury.post("/api/v1/inbox/bulk-approve", json={"task_ids": [nxt[0]["task_id"], "nope"]}).json()
        assert bulk["approved"] == 1 and bulk["items"][1]["rule"] == "task_not_found"
    assert world.status(app_id)["status"] == "approved"
    events = world.core.trace_payment(app_id)["payment"]["events"]
    assert [(e["action"], e["actor"]) for e in events][:3] == [
        ("payment.submit", "jb101001"), ("payment.approve", "fz101001"), ("payment.approve", "gkk")]


def test_an_overspend_comes_back_as_the_cores_rule_in_both_languages(world: World, api: Api) -> None:
    platform_users(world)
    _, bgt = world.funded(100_000_00)
    with api.client("jb101001") as clerk:
        r = clerk.post("/api/v1/payment-applications", json=application(world, bgt, "100000.01"))
        p = r.json()
        assert r.status_code == 409 and p["rule"] == "insufficient_balance" and p["type"] == "urn:fiscal:rule:insufficient_balance"
        assert "可用额度不足" in p["detail"] and p["detail_en"]
        r = clerk.post("/api/v1/payment-applications", json=application(world, bgt, "1.234"))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pay_app_amt"


def test_eight_clients_cannot_overspend_an_indicator_and_retries_are_not_counted_twice(world: World, api: Api) -> None:
    platform_users(world)
    n, clients, each = 120, 8, 40                # 320 applications of 1 yuan on an indicator of exactly 120
    _, bgt = world.funded(n * 100)
    body = application(world, bgt, "1.00")

    def run(k: int) -> list[tuple[int, str | None]]:
        out = []
        with api.client("jb101001") as cl:
            for i in range(each):
                key = f"c{k}-{i}"
                r = cl.post("/api/v1/payment-applications", json=body, headers={"Idempotency-Key": key})
                if i % 5 == 0:   # a retried request: same key, same body
                    r2 = cl.post("/api/v1/payment-applications", json=body, headers={"Idempotency-Key": key})
                    assert r2.status_code == r.status_code
                    if r.status_code == 201:
                        assert r2.json()["pay_app_id"] == r.json()["pay_app_id"]
                out.append((r.status_code, r.json().get("pay_app_id")))
        return out

    with ThreadPoolExecutor(clients) as pool:
        results = [x for part in pool.map(run, range(clients)) for x in part]
    accepted = [a for s, a in results if s == 201]
    assert len(accepted) == n == len(set(accepted))
    assert {s for s, _ in results} == {201, 409}
    b = world.balance(bgt)
    assert (b["inflight_amt"], b["canuse_amt"]) == (n * 100, 0)
    assert Decimal(n) == sum(Decimal("1.00") for _ in accepted)
    world.assert_consistent()


def test_the_bank_posts_receipts_as_a_machine_client(world: World, api: Api) -> None:
    platform_users(world)
    world.h(c.AddUser("bank-abc", "农行吴江支行", user_kind="machine", actor=ADMIN))
    world.h(c.GrantRole("bank-abc", "bank", "div", "320509000", actor=ADMIN))
    _, bgt = world.funded(100_000_00)
    app = world.pay(bgt, 10_000_00)
    world.approve(app.pay_app_id)
    from ..support import TREASURY
    world.h(c.IssueVouchers((app.pay_app_id,), world.core.clock().date(), actor=TREASURY))
    cert = world.cert_no(app.pay_app_id)
    token = api.issuer.token("bank-abc", client_id="bank-abc")
    today = world.core.clock().date().isoformat()
    with api.client() as bank:
        r = bank.post("/api/v1/bank/receipts", headers={"authorization": f"Bearer {token}"}, json={"receipts": [
            {"pay_cert_no": cert, "xpay_amt": "10000.00", "xpay_date": today, "agent_business_no": "B1"}]})
        assert r.status_code == 200 and r.json()["ok"], r.text
        with api.client("jb101001") as clerk:
            r = clerk.post("/api/v1/bank/receipts", json={"receipts": [
                {"pay_cert_no": cert, "xpay_amt": "1.00", "xpay_date": "2026-03-12", "agent_business_no": "B2"}]})
            assert r.status_code == 403
    assert world.status(app.pay_app_id)["status"] == "paid"


@pytest.mark.parametrize("path", ["/api/v1/openapi.json"])
def test_the_openapi_document_uses_the_standards_names(world: World, api: Api, path: str) -> None:
    with api.client() as anon:
        spec = anon.get(path).json()
    fields = spec["components"]["schemas"]["PaymentApplicationIn"]["properties"]
    assert {"agency_code", "bgt_id", "pro_code", "exp_func_code", "pay_app_amt", "payee_acct_no"} <= set(fields)
    assert "/api/v1/inbox" in spec["paths"] and "/api/v1/payment-applications" in spec["paths"]


def test_a_batch_import_writes_all_rows_or_none_and_names_every_bad_row(world: World, api: Api) -> None:
    platform_users(world)
    _, bgt = world.funded(1_000_00)
    good = application(world, bgt, "100.00")
    with api.client("jb101001") as clerk:
        r = clerk.post("/api/v1/payment-applications/batch",
                       json=[good, {**good, "pay_app_amt": "5000.00"}, good, {**good, "exp_func_code": "9999999"}])
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert [e["row"] for e in r.json()["errors"]] == [2, 4]
        assert clerk.get("/api/v1/payment-applications").json()["items"] == []      # nothing half-imported
        assert world.balance(bgt)["inflight_amt"] == 0
        r = clerk.post("/api/v1/payment-applications/batch", json=[good, good, good])
        assert r.status_code == 201 and [i["row"] for i in r.json()["items"]] == [1, 2, 3]
    assert world.balance(bgt)["inflight_amt"] == 300_00
    world.assert_consistent()
