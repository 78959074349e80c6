"""人员与采购: staff costs by agency and identity; procurement contracts, methods and split-purchase suspects."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import pct, wan, wan_float, yuan
from dashboards.i18n import both, t

f = ui.filters()
st.title(t(f"{f.year} 年人员经费与政府采购", f"Staff costs and procurement {f.year}"))
staff_tab, proc_tab = st.tabs([t("人员经费", "Staff costs"), t("政府采购", "Procurement")])

with staff_tab:
    personnel = ui.personnel_scope()
    if personnel is None:
        st.warning(both("人员经费仅对有权查看人员信息的角色开放（人事、局领导、部门负责人、预算处）",
                        "staff costs are open only to roles allowed to see personnel figures (HR, bureau and "
                        "department leaders, the budget division)"), icon=":material/lock:")
    else:
        s = data.staff_summary(personnel, f.year, f.dept)
        sc = data.staff_cost(personnel, f.year, f.dept)
        if sc.empty:
            ui.empty("所选范围内没有人员经费数据", "No staff cost data in the selected scope")
        else:
            c1, c2, c3 = st.columns(3)
            with c1:
                st.metric(t(f"在职人数（{s['month']}）", f"Staff in post ({s['month']})"), f"{int(s['headcount'] or 0):,}")
            with c2:
                ui.amount_metric(t("统发工资（应发，年累计）", "Payroll paid (gross, YTD)"), s["gross_pay"])
            with c3:
                ui.amount_metric(t("预算人员经费（年累计）", "Budgeted staff cost (YTD)"), s["budgeted"])
            left, right = st.columns(2)
            with left:
                by_dept = sc.groupby("dept_name", dropna=False)[["gross_pay_amt", "budgeted_staff_cost_amt"]].sum().reset_index()
                fig = go.Figure()
                fig.add_bar(y=by_dept["dept_name"], x=[wan_float(v) for v in by_dept["gross_pay_amt"]], orientation="h",
                            name=t("统发工资", "Payroll paid"))
                fig.add_bar(y=by_dept["dept_name"], x=[wan_float(v) for v in by_dept["budgeted_staff_cost_amt"]], orientation="h",
                            name=t("预算人员经费", "Budgeted staff cost"))
                fig.update_layout(title=t("按部门", "By department"))
                fig.update_xaxes(title_text=ui.wan_axis())
                st.plotly_chart(ui.layout(fig, height=max(280, 40 * len(by_dept))))
            with right:
                last = sc[sc["pay_month"] == sc["pay_month"].max()]
                by_ide = last.groupby("per_ide_name")["headcount"].sum()
                fig = go.Figure(go.Pie(labels=by_ide.index, values=by_ide.values, hole=0.5))
                fig.update_layout(title=t(f"按人员身份（{sc['pay_month'].max()} 在职）", f"By identity (in post, {sc['pay_month'].max()})"))
                st.plotly_chart(ui.layout(fig, height=320))
            monthly = sc.groupby("pay_month")[["gross_pay_amt", "net_pay_amt", "budgeted_staff_cost_amt"]].sum().reset_index()
            fig = go.Figure()
            fig.add_bar(x=monthly["pay_month"], y=[wan_float(v) for v in monthly["gross_pay_amt"]], name=t("应发", "Gross"))
            fig.add_bar(x=monthly["pay_month"], y=[wan_float(v) for v in monthly["net_pay_amt"]], name=t("实发", "Net"))
            fig.add_scatter(x=monthly["pay_month"], y=[wan_float(v) for v in monthly["budgeted_staff_cost_amt"]],
                            name=t("预算人员经费", "Budgeted"), mode="lines+markers")
            st.plotly_chart(ui.layout(fig, height=300, yaxis_title=ui.wan_axis()))

with proc_tab:
    c = data.contracts(f.scope, f.year, f.dept)
    if c.empty:
        ui.empty("所选范围内没有采购合同", "No procurement contracts in the selected scope")
    else:
        total = c["contract_amt"].sum()
        c1, c2, c3, c4 = st.columns(4)
        with c1:
            st.metric(t("合同数", "Contracts"), f"{len(c):,}")
        with c2:
            ui.amount_metric(t("合同金额", "Contract value"), data.contracts_total(f.scope, f.year, f.dept))
        with c3:
            st.metric(t("已支付比例", "Paid share"), pct(c["paid_to_date_amt"].sum() / total if total else None))
        with c4:
            st.metric(t("超合同支付", "Paid beyond the contract"), f"{int(c['is_overpaid'].fillna(False).sum()):,}")
        left, right = st.columns(2)
        with left:
            by_method = c.groupby("pur_method_name")["contract_amt"].agg(["count", "sum"]).reset_index()
            fig = go.Figure(go.Bar(x=by_method["pur_method_name"], y=[wan_float(v) for v in by_method["sum"]],
                                   text=[t(f"{n} 份", f"{n}") for n in by_method["count"]]))
            fig.update_layout(title=t("按采购方式", "By procurement method"))
            st.plotly_chart(ui.layout(fig, height=300, yaxis_title=ui.wan_axis()))
        with right:
            by_kind = c.groupby("gp_kind")["contract_amt"].sum()
            fig = go.Figure(go.Pie(labels=by_kind.index, values=[wan_float(v) for v in by_kind.values], hole=0.5))
            fig.update_layout(title=t("按品目类别（货物/工程/服务）", "By kind (goods / works / services)"))
            st.plotly_chart(ui.layout(fig, height=300))
        st.dataframe(pd.DataFrame({
            t("合同", "Contract"): c["contract_no"], t("品目", "Item"): c["gpdir_name"], t("方式", "Method"): c["pur_method_name"],
            t("供应商", "Supplier"): c["supplier_name"], t("合同金额（万元）", "Amount (万元)"): [wan(v) for v in c["contract_amt"]],
            t("已付（万元）", "Paid (万元)"): [wan(v) for v in c["paid_to_date_amt"]],
            t("付款次数", "Instalments"): c["instalment_count"], t("签订日期", "Signed"): c["sign_date"],
        }), hide_index=True)
    st.subheader(t("疑似化整为零（规则 R12）", "Suspected split purchases (rule R12)"))
    sp = data.split_purchase_suspects(f.scope, f.year, f.dept)
    if sp.empty:
        st.success(t("所选范围内没有 R12 预警", "No R12 warnings in the selected scope"))
    else:
        st.dataframe(pd.DataFrame({
            t("单位", "Agency"): sp["agency_code"], t("收款人", "Payee"): sp["payee_acct_name"],
            t("金额（元）", "Amount (yuan)"): [yuan(v) for v in sp["amount"]], t("期间", "Period"): sp["period"],
            t("说明", "Message"): sp["message"], t("处置状态", "Status"): [ui.disposal_status_name(v) for v in sp["disposal_status"]],
        }), hide_index=True)
        ui.link("warnings", t("在预警页查看证据 →", "See the evidence on the warnings page →"))
