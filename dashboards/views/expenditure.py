"""支出: execution by department, function and fund nature against the expected progress, and the drill
department → project → payment → the payment's whole trail (来龙去脉). ``?dept=&pro=&pay=`` opens a trail."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import pct, wan, wan_float, yuan
from dashboards.i18n import both, t
from fiscal_core.domain import labels

ACTIONS = {
    "project.declare": ("项目申报", "project declared"), "project.submit": ("项目提交", "project submitted"),
    "project.approve": ("项目审核通过", "project approved"), "project.return": ("项目退回", "project sent back"),
    "project.generate": ("系统生成项目", "project generated"), "project.budgeted": ("纳入预算", "put into the budget"),
    "project.executing": ("开始执行", "execution started"), "budget.generate_basic": ("生成基本支出", "basic budget generated"),
    "budget.add_line": ("编入预算", "budget line added"), "budget.approve_line": ("预算批复", "budget line approved"),
    "indicator.issue": ("指标下达", "indicator issued"), "indicator.allocate": ("指标分配", "indicator allocated"),
    "indicator.adjust": ("指标调剂", "indicator adjusted"), "indicator.carry_over": ("指标结转", "indicator carried over"),
    "payment.submit": ("支付申请提交", "application submitted"), "payment.resubmit": ("重新提交", "resubmitted"),
    "payment.approve": ("支付审核通过", "application approved"), "payment.return": ("支付退回", "application sent back"),
    "payment.voucher": ("生成支付凭证", "voucher issued"), "payment.paid": ("银行支付", "paid by the bank"),
    "payment.bank_return": ("银行退票", "returned by the bank"), "payment.refund": ("退款", "refund"),
    "payment.cleared": ("清算完成", "cleared"), "payment.clearing_batch": ("汇总清算", "clearing batch"),
}


def pay_status(status: str) -> str:
    return ui.label(status, labels.PAY_STATUS)


f = ui.filters()
ui.seed_from_url(("pro", "pay"))

# a link straight to a payment (?pay=) opens its department, project and year even without ?dept= / ?pro=
pay_id = st.session_state.get("pay")
linked = data.payment(f.scope, pay_id) if pay_id else None
if pay_id and linked is None:  # another unit's payment (or none): its existence is not confirmed either
    st.warning(both(f"支付申请 {pay_id} 不在您的数据范围内或不存在", f"payment application {pay_id} is not in your "
                    "data scope or does not exist"), icon=":material/lock:")
    st.session_state["pay"] = None
if linked and (st.session_state.get("pro") != linked["pro_code"] or f.dept != linked["dept_code"]
               or f.year != linked["fiscal_year"]):
    ui.set_and_rerun({"pro": linked["pro_code"], "dept": linked["dept_code"], "year": int(linked["fiscal_year"])})

st.title(t(f"{f.year} 年支出执行", f"Expenditure {f.year}"))
s = data.spending_summary(f.scope, f.year, f.dept, f.fund)
if s["month"] is None:
    raise ui.NoData(t(f"{f.year} 年暂无预算执行数据", f"No budget execution data for {f.year}"))
basis = t("以往年度同期的季节性规律", "the seasonal pattern of earlier years") if s["expected_basis"] == "seasonal" \
    else t("序时进度（月份 ÷ 12）", "time elapsed (month ÷ 12)")
c1, c2, c3, c4 = st.columns(4)
with c1:
    ui.amount_metric(t("调整后指标", "Indicators after adjustments"), s["indicator"])
with c2:
    ui.amount_metric(t("累计支付", "Paid year to date"), s["paid_ytd"])
with c3:
    st.metric(t("执行进度", "Execution rate"), pct(s["rate"]))
with c4:
    st.metric(t("应达进度", "Expected progress"), pct(s["expected_share"]), help=basis)
st.caption(t(f"截至 {s['month']} 月；应达进度依据：{basis}；金额单位：万元",
             f"To month {s['month']}; expected progress from {basis}; amounts in 万元"))


def progress_chart(df: pd.DataFrame, highlight: str | None = None) -> go.Figure:
    colours = ["#1f77b4" if highlight in (None, c) else "#c7c7c7" for c in df["code"]]
    fig = go.Figure(go.Bar(y=df["name"], x=df["execution_rate"] * 100, orientation="h", marker_color=colours,
                           text=[f"{pct(r)} · {wan(p)}/{wan(i)}" for r, p, i in
                                 zip(df["execution_rate"], df["paid_ytd_amt"], df["indicator_amt"], strict=True)],
                           textposition="auto"))
    if s["expected_share"] is not None:
        fig.add_vline(x=float(s["expected_share"]) * 100, line_dash="dash", line_color="#d62728",
                      annotation_text=t("应达", "expected"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=t("执行率 %", "execution rate %"))
    return ui.layout(fig, height=max(260, 34 * len(df)))


tab_dept, tab_func, tab_fund, tab_month = st.tabs([t("按部门", "By department"), t("按功能分类", "By function"),
                                                   t("按资金性质", "By fund nature"), t("逐月", "By month")])
with tab_dept:
    st.plotly_chart(progress_chart(data.execution_by(f.scope, f.year, None, f.fund, "dept"), f.dept))
with tab_func:
    st.plotly_chart(progress_chart(data.execution_by(f.scope, f.year, f.dept, f.fund, "func")))
with tab_fund:
    st.plotly_chart(progress_chart(data.execution_by(f.scope, f.year, f.dept, None, "fund"), f.fund))
with tab_month:
    m = data.execution_monthly(f.scope, f.year, f.dept, f.fund)
    fig = go.Figure()
    fig.add_bar(x=m["fiscal_month"], y=[wan_float(v) for v in m["paid_amt"]], name=t("当月支付", "Paid in month"))
    fig.add_scatter(x=m["fiscal_month"], y=[wan_float(v) for v in m["paid_ytd_amt"]], name=t("累计支付", "Paid YTD"))
    fig.add_scatter(x=m["fiscal_month"], y=[wan_float(v) for v in m["indicator_amt"]], name=t("指标", "Indicators"),
                    line={"dash": "dot"})
    fig.update_xaxes(dtick=1, title_text=t("月份", "Month"))
    st.plotly_chart(ui.layout(fig, yaxis_title=ui.wan_axis()))

with st.expander(t("全年支出预测", "Year-end spending forecast")):
    ye = data.expenditure_year_end(f.scope, f.year)
    if not f.scope.district:
        ui.empty("全年支出预测是全区划的预测，仅对区划范围的角色显示",
                 "The year-end forecast is the whole district's: shown to roles over the district only")
    elif ye is None or ye.empty:
        ui.forecast_missing()
    else:
        if f.fund:
            ye = ye[ye["fund_type_code"] == f.fund]
        st.dataframe(pd.DataFrame({
            t("功能分类", "Function"): ye["exp_func_class"].astype(str) + " " + ye["exp_func_name"].astype(str),
            t("资金性质", "Fund"): ye["fund_type_code"],
            t("指标（万元）", "Indicators (万元)"): [wan(v) for v in ye["indicator_amt"]],
            t("已支付（万元）", "Paid (万元)"): [wan(v) for v in ye["paid_ytd"]],
            t("预计全年支付（万元）", "Forecast paid (万元)"): [wan(v) for v in ye["forecast_paid_mean"]],
            t("80% 区间", "80% interval"): [f"{wan(a)} – {wan(b)}" for a, b in zip(ye["lo80"], ye["hi80"], strict=True)],
            t("预计执行率", "Forecast rate"): [pct(v) for v in ye["forecast_exec_rate"]],
        }), hide_index=True)

# ------------------------------------------------------------------------------------------------ drill
# Department → project → payment → trail, one step per function. Each picker returns the choice (None when
# there is none yet) and drill_down stops at the first missing one: returning, not st.stop(), which would also
# stop the URL update that follows the page.


def _clear_below_department() -> None:
    st.session_state["dept"] = st.session_state["drill_dept"]
    for key in ("pro", "pay"):
        st.session_state.pop(key, None)


def _clear_below_project() -> None:
    st.session_state.pop("pay", None)


def pick_department() -> str | None:
    """The drill's department picker, in step with the sidebar's (choosing here changes the sidebar)."""
    depts = {d["dept_code"]: d["dept_name"] for d in data.filter_options(f.scope)["depts"]}
    st.session_state["drill_dept"] = f.dept or ui.ALL
    st.selectbox(t("部门", "Department"), [ui.ALL, *depts], key="drill_dept", on_change=_clear_below_department,
                 format_func=lambda c: "— 选择部门 / choose —" if c == ui.ALL else f"{c} {depts[c]}")
    if f.dept is None:
        ui.empty("选择一个部门，查看其项目、支付和每笔支付的来龙去脉。",
                 "Choose a department to see its projects, payments and each payment's trail.")
    return f.dept


def projects_chart(projects: pd.DataFrame) -> None:
    """The department's 15 largest projects: indicator after adjustments with what has been paid of it."""
    top = projects.head(15)
    fig = go.Figure()
    fig.add_bar(y=top["pro_name"], x=[wan_float(v) for v in top["indicator_amt"]], name=t("指标", "Indicators"),
                orientation="h", marker_color="#d9d9d9")
    fig.add_bar(y=top["pro_name"], x=[wan_float(v) for v in top["paid_amt"]], name=t("已支付", "Paid"), orientation="h",
                marker_color="#1f77b4")
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=ui.wan_axis(), tickformat=",.0f")
    st.plotly_chart(ui.layout(fig, height=max(260, 28 * len(top))))


def pick_project(projects: pd.DataFrame) -> str | None:
    names = dict(zip(projects["pro_code"], projects["pro_name"].fillna(""), strict=True))
    if st.session_state.get("pro") not in names:
        st.session_state.pop("pro", None)
    pro: str | None = st.selectbox(t("项目", "Project"), list(names), key="pro", index=None,
                                   on_change=_clear_below_project, placeholder=t("选择项目", "Choose a project"),
                                   format_func=lambda c: f"{names[c]} · {c}")
    return pro


def project_figures(projects: pd.DataFrame, pro: str) -> None:
    p = projects[projects["pro_code"] == pro].iloc[0]
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        ui.amount_metric(t("项目指标", "Project indicators"), p["indicator_amt"])
    with c2:
        ui.amount_metric(t("项目已支付", "Project paid"), p["paid_amt"])
    with c3:
        ui.amount_metric(t("可用额度", "Available"), p["canuse_amt"])
    with c4:
        st.metric(t("支付笔数", "Payments"), f"{int(p['payments']):,}")


def pick_payment(pays: pd.DataFrame) -> str | None:
    choices = {r.pay_app_id: f"{r.create_date:%Y-%m-%d} · {yuan(r.pay_app_amt)} 元 · {r.payee_acct_name} · {r.pay_app_no}"
               for r in pays.itertuples()}
    if st.session_state.get("pay") not in choices:
        st.session_state.pop("pay", None)
    pay: str | None = st.selectbox(t("支付申请", "Payment application"), list(choices), key="pay", index=None,
                                   placeholder=t("选择一笔支付", "Choose a payment"), format_func=lambda k: choices[k])
    return pay


def payments_table(pays: pd.DataFrame) -> None:
    st.dataframe(pd.DataFrame({
        t("申请日期", "Applied"): pays["create_date"], t("编号", "Number"): pays["pay_app_no"],
        t("金额（元）", "Amount (yuan)"): [yuan(v) for v in pays["pay_app_amt"]],
        t("收款人", "Payee"): pays["payee_acct_name"], t("状态", "Status"): [pay_status(v) for v in pays["status"]],
        t("用途", "Purpose"): pays["use_des"]}), hide_index=True)


def payment_header(pay: str) -> None:
    """The payment itself: amounts, status, who was paid for what, and a link to this view."""
    pm = data.payment(f.scope, pay)
    if pm is None:
        raise ui.NoData(t("找不到这笔支付申请", "Payment application not found"))
    st.subheader(t(f"支付申请 {pm['pay_app_no']} 的来龙去脉", f"Trail of payment application {pm['pay_app_no']}"))
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        st.metric(t("申请金额（元）", "Applied (yuan)"), yuan(pm["pay_app_amt"]))
    with c2:
        st.metric(t("净支付（元）", "Net paid (yuan)"), yuan(pm["net_paid_amt"]))
    with c3:
        st.metric(t("状态", "Status"), pay_status(pm["status"]))
    with c4:
        st.metric(t("清算日期", "Cleared on"), str(pm["cleared_date"] or "—"))
    st.markdown(t(f"**单位** {pm['agency_name']} · **项目** {pm['pro_name']} · **指标** `{pm['bgt_id']}` · "
                  f"**收款人** {pm['payee_acct_name']}（{pm['payee_acct_bank_name']}） · **用途** {pm['use_des']} · "
                  f"**凭证号** {pm['pay_cert_no'] or '—'} · **银行流水** {pm['agent_business_no'] or '—'}",
                  f"**Agency** {pm['agency_name']} · **Project** {pm['pro_name']} · **Indicator** `{pm['bgt_id']}` · "
                  f"**Payee** {pm['payee_acct_name']} ({pm['payee_acct_bank_name']}) · **Purpose** {pm['use_des']} · "
                  f"**Voucher** {pm['pay_cert_no'] or '—'} · **Bank serial** {pm['agent_business_no'] or '—'}"))
    st.caption(t(f"链接到此页：?dept={pm['dept_code']}&pro={pm['pro_code']}&pay={pay}",
                 f"Link to this view: ?dept={pm['dept_code']}&pro={pm['pro_code']}&pay={pay}"))


def trail_steps(pay: str) -> pd.DataFrame | None:
    """The payment's journalled steps with a readable label and role each; None (and a message) when none."""
    trail = data.payment_trace(f.scope, pay)
    if trail.empty:
        ui.empty("日志中没有这笔支付的环节", "The journal has no steps for this payment")
        return None
    trail = trail.astype(object).where(trail.notna(), None)  # pandas NA is not a bool: None reads cleanly below
    trail["label"] = [t(*ACTIONS.get(a, (a, a))) for a in trail["action"]]
    trail["role"] = [ui.label(r, labels.ROLE) for r in trail["actor_role"]]
    return trail


def trail_timeline(trail: pd.DataFrame, stages: list[str]) -> None:
    fig = go.Figure(go.Scatter(
        x=trail["occurred_at"], y=trail["stage"], mode="markers+lines", line={"color": "#c7c7c7", "width": 1},
        marker={"size": 11, "color": [int(v) for v in trail["stage_no"]], "colorscale": "Viridis"},
        text=[f"{lbl}<br>{a or ''} {('(' + r + ')') if r else ''}<br>{o or ''}" for lbl, a, r, o in
              zip(trail["label"], trail["actor"], trail["role"], trail["opinion"], strict=True)],
        hovertemplate="%{x}<br>%{text}<extra></extra>"))
    fig.update_yaxes(categoryorder="array", categoryarray=stages[::-1])
    st.plotly_chart(ui.layout(fig, height=320))


def trail_by_stage(trail: pd.DataFrame, stages: list[str]) -> None:
    """One readable line per journalled step, grouped by stage."""
    for stage in stages:
        steps = trail[trail["stage"] == stage]
        with st.container(border=True):
            st.markdown(f"**{stage}**")
            for r in steps.itertuples():
                depth = f" · {t('来源链第', 'origin depth ')}{r.lineage_depth}{t('层', '')}" if r.lineage_depth else ""
                who = f"{r.actor or ''}{'（' + r.role + '）' if r.role else ''}"
                opinion = f" · “{r.opinion}”" if r.opinion else ""
                st.markdown(f"`{r.occurred_at:%Y-%m-%d %H:%M}` {r.label} · {who}{opinion} · "
                            f"{r.object_type} `{r.object_id}`{depth} · {t('日志', 'journal')} #{r.journal_seq}")


def trail_details(trail: pd.DataFrame) -> None:
    """The steps as a table, and the event data of the step asked for."""
    with st.expander(t("环节明细（含事件数据）", "Steps with their event data")):
        table = trail.assign(actor_role=trail["role"])
        st.dataframe(table[["step_no", "stage", "label", "occurred_at", "actor", "actor_role", "opinion", "object_type",
                            "object_id", "journal_seq"]], hide_index=True)
        pick = st.number_input(t("查看第几步的事件数据", "Show the event data of step"), min_value=1,
                               max_value=int(trail["step_no"].max()), value=1, step=1)
        detail = trail[trail["step_no"] == pick]
        if not detail.empty and isinstance(detail.iloc[0]["detail_json"], str):
            try:
                st.json(json.loads(detail.iloc[0]["detail_json"]))
            except ValueError:
                st.code(detail.iloc[0]["detail_json"])


def payment_trail(pay: str) -> None:
    """来龙去脉: the payment, then its journalled steps as a timeline, by stage, and in detail."""
    payment_header(pay)
    trail = trail_steps(pay)
    if trail is None:
        return
    stages = trail.drop_duplicates("stage_no").sort_values("stage_no")["stage"].tolist()
    trail_timeline(trail, stages)
    trail_by_stage(trail, stages)
    trail_details(trail)


def drill_down() -> None:
    """Department → project → payment → trail, stopping at the first choice not made yet; the URL follows the
    choices (``?pro=&pay=``)."""
    st.header(t("逐级查看：部门 → 项目 → 支付 → 来龙去脉", "Drill down: department → project → payment → trail"))
    dept = pick_department()
    if dept is None:
        ui.set_page_params({"pro": None, "pay": None})
        return

    projects = data.dept_projects(f.scope, f.year, dept, f.fund)
    if projects.empty:
        ui.empty("该部门本年度没有指标", "The department has no indicators this year")
        ui.set_page_params({"pro": None, "pay": None})
        return
    projects_chart(projects)
    pro = pick_project(projects)
    if pro is None:
        ui.set_page_params({"pro": None, "pay": None})
        return
    project_figures(projects, pro)

    pays = data.project_payments(f.scope, f.year, pro)
    if pays.empty:
        ui.empty("该项目本年度还没有支付申请", "No payment applications on this project this year")
        ui.set_page_params({"pro": pro, "pay": None})
        return
    pay = pick_payment(pays)
    ui.set_page_params({"pro": pro, "pay": pay})
    if pay is None:
        payments_table(pays)
        return
    payment_trail(pay)


drill_down()
