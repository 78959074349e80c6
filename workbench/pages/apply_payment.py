"""发起：支付申请 (apply for a payment): choose one of the indicators in my scope, see what is still available on
it, fill in the payee and the purpose. The core decides (balance, codes, controls); its refusal is shown on the
field it names. One Idempotency-Key per form: a double click or a retry never applies twice."""

from __future__ import annotations

import uuid

import streamlit as st

from fiscal_core.domain import labels
from workbench import ui
from workbench.client import Problem
from workbench.i18n import status_name, t

FORM = "pay"
FIELDS = {"bgt_id", "pay_app_amt", "payee_acct_name", "payee_acct_no", "payee_acct_bank_name", "use_des",
          "create_date", "contract_no"}

c = ui.ctx()
st.title(t("发起：支付申请", "New payment application"))
ui.show_flash()
try:
    indicators = [i for i in c.api.items("indicators") if i["agency_code"] in set(c.units())]
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()
if not indicators:
    st.info(t("您的单位没有可用指标。", "Your unit has no indicator to spend from."))
    st.stop()

by_id = {str(i["bgt_id"]): i for i in indicators}


def label(bgt_id: str) -> str:
    i = by_id[bgt_id]
    return (f"{i['pro_code']} · {i['exp_func_code']} · {i['dep_bgt_eco_code']} · {i['fund_type_code']} · "
            f"¥{ui.yuan(i['amount'])} · {bgt_id[:8]}")


bgt_id = st.selectbox(t("指标", "Indicator"), list(by_id), key="pay_bgt_id", format_func=label)
ui.field_error(FORM, "bgt_id")
try:
    bal = c.api.balance(bgt_id)
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()
cols = st.columns(3)
cols[0].metric(t("可用额度（元）", "Available (yuan)"), ui.yuan(bal.get("canuse_amt")))
cols[1].metric(t("在途（元）", "In flight (yuan)"), ui.yuan(bal.get("inflight_amt")))
cols[2].metric(t("已支付（元）", "Paid (yuan)"), ui.yuan(bal.get("paid_amt")))

st.session_state.setdefault("pay_idem", str(uuid.uuid4()))
with st.form("pay_form"):
    amount = st.text_input(t("申请金额（元）", "Amount (yuan)"), key="pay_app_amt", placeholder="1234.56")
    ui.field_error(FORM, "pay_app_amt")
    payee = st.text_input(t("收款人全称", "Payee name"), key="payee_acct_name")
    ui.field_error(FORM, "payee_acct_name")
    acct = st.text_input(t("收款人账号", "Payee account number"), key="payee_acct_no")
    ui.field_error(FORM, "payee_acct_no")
    bank = st.text_input(t("收款人开户银行", "Payee's bank"), key="payee_acct_bank_name")
    ui.field_error(FORM, "payee_acct_bank_name")
    use = st.text_input(t("用途", "Purpose"), key="use_des")
    ui.field_error(FORM, "use_des")
    contract = st.text_input(t("采购合同编号（如有）", "Procurement contract number (if any)"), key="contract_no")
    ui.field_error(FORM, "contract_no")
    day = st.date_input(t("申请日期", "Date"), value=ui.default_day(by_id[bgt_id].get("fiscal_year")),
                        key=f"create_date_{by_id[bgt_id].get('fiscal_year')}")
    ui.general_error(FORM)
    submitted = st.form_submit_button(t("提交申请", "Submit"), type="primary")

if submitted:
    ind = by_id[bgt_id]
    body = {k: ind[k] for k in ("agency_code", "bgt_id", "pro_code", "exp_func_code", "gov_bgt_eco_code",
                                "dep_bgt_eco_code", "fund_type_code")}
    body.update(pay_app_amt=amount.strip().replace(",", ""), payee_acct_name=payee, payee_acct_no=acct.strip(),
                payee_acct_bank_name=bank, use_des=use, create_date=day.isoformat(),
                contract_no=contract.strip() or None)
    try:
        res = c.api.post("/payment-applications", body, idempotency_key=st.session_state["pay_idem"])
    except Problem as p:
        if p.status == 409 and p.rule == "idem_conflict":   # the key was used for another request
            st.session_state["pay_idem"] = str(uuid.uuid4())
        ui.set_errors(FORM, p, FIELDS)
    else:
        ui.set_errors(FORM, None, set())
        st.session_state["pay_idem"] = str(uuid.uuid4())
        for k in ("pay_app_amt", "payee_acct_name", "payee_acct_no", "payee_acct_bank_name", "use_des", "contract_no"):
            st.session_state.pop(k, None)
        ui.flash(t(f"已提交支付申请 {res['pay_app_no']}，待单位审核", f"payment application {res['pay_app_no']} "
                   "submitted for the unit's review"))
    st.rerun()

st.subheader(t("我的支付申请", "My applications"))
try:
    mine = c.api.items("payment-applications")
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()
rows = [{t("编号", "Number"): x["pay_app_no"], t("日期", "Date"): x["create_date"],
         t("金额（元）", "Amount (yuan)"): ui.yuan(x["pay_app_amt"]), t("收款人", "Payee"): x["payee_acct_name"],
         t("用途", "Purpose"): x["use_des"], t("状态", "Status"): status_name(x["status"], labels.PAY_STATUS)}
        for x in sorted(mine, key=lambda r: (str(r["create_date"]), str(r["pay_app_no"])), reverse=True)[:50]]
if rows:
    st.table(rows)
else:
    st.caption(t("还没有支付申请。", "No application yet."))
