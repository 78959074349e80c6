"""数据质量: how fresh each source is, what the exchange validation quarantined and rejected, what the platform
does not know (完整性说明, marts.fct_completeness) for the sidebar's year and department, and whether the
warehouse reconciles with the core's control totals."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.data.scope import Scope
from dashboards.fmt import yuan
from dashboards.i18n import t

st.title(t("数据质量", "Data quality"))
scope = ui.require_district("数据质量", "Data-quality figures")
fr = data.freshness(scope)
c1, c2, c3 = st.columns(3)
with c1:
    st.metric(t("数据仓库生成时间", "Warehouse built at"), fr["built_at"])
with c2:
    st.metric(t("业务数据截至", "Business data up to"), str(fr["as_of"] or "—"))
with c3:
    core = fr["core"][0] if fr["core"] else None
    st.metric(t("核心系统抽取时间", "Core extracted at"), f"{core['extracted_at']:%Y-%m-%d %H:%M}" if core else "—",
              help=t(f"日志序号 {core['last_seq']}", f"journal sequence {core['last_seq']}") if core else None)

st.subheader(t("交换文件（按数据源）", "Exchange files by feed"))
feeds = fr["feeds"]
FEEDS = {"tax_revenue": ("税务入库", "tax revenue"), "bank_receipt": ("银行回单", "bank receipts"), "hr_roster": ("人事名册", "HR roster")}
if feeds.empty:
    ui.empty("还没有收到交换文件", "No exchange files received yet")
else:
    lag = []
    for d in feeds["latest_file_date"]:
        lag.append((fr["as_of"] - d.date()).days if fr["as_of"] is not None and pd.notna(d) else None)
    st.dataframe(pd.DataFrame({
        t("数据源", "Feed"): [t(*FEEDS.get(x, (x, x))) for x in feeds["feed"]],
        t("文件数", "Files"): feeds["files"], t("最新到达序号", "Last arrival"): feeds["last_arrival"],
        t("最新文件业务日期", "Latest file date"): feeds["latest_file_date"],
        t("滞后（天）", "Lag (days)"): lag,
        t("拒收文件", "Files rejected"): feeds["files_rejected"],
        t("载入行", "Rows loaded"): feeds["rows_loaded"], t("隔离行", "Rows quarantined"): feeds["rows_quarantined"],
    }), hide_index=True)

left, right = st.columns(2)
with left:
    st.subheader(t("隔离行（按规则）", "Quarantined rows by rule"))
    q = data.quarantine_by_rule(scope)
    if q.empty:
        st.success(t("没有被隔离的行", "No quarantined rows"))
    else:
        fig = go.Figure(go.Bar(y=q["feed"] + " · " + q["rule"] + " · " + q["field"], x=q["rows_"], orientation="h"))
        fig.update_yaxes(autorange="reversed")
        st.plotly_chart(ui.layout(fig, height=max(240, 28 * len(q))))
        st.dataframe(q.rename(columns={"rows_": "rows"}), hide_index=True)
with right:
    st.subheader(t("被拒收的文件", "Rejected files"))
    rj = data.rejected_files(scope)
    if rj.empty:
        st.success(t("没有被拒收的文件", "No rejected files"))
    else:
        st.dataframe(rj, hide_index=True)


def feed_name(feed: object) -> str:
    return "—" if pd.isna(feed) else t(*FEEDS.get(str(feed), (str(feed), str(feed))))


def completeness(scope: Scope) -> None:
    """完整性说明: per gap kind of the sidebar's year (and department) its items and amount, items by month and
    kind, and the gaps by department and month, so that no figure is read as complete when it is not."""
    st.subheader(t("完整性说明", "What is not reported"))
    try:
        f = ui.filters()
    except ui.NoData:
        ui.empty("数据仓库中还没有预算年度", "The warehouse has no fiscal year yet")
        return
    summary = data.completeness_summary(scope, f.year, f.dept)
    as_of = next((r["as_of_date"] for r in summary if r["as_of_date"] is not None), None) or fr["as_of"]
    st.markdown(t(
        "下列事项是平台截至数据日期尚不知道或尚未办完的：应报未报的交换文件、隔离未重报的数据行、当月没有任何支付申请的单位、"
        "已发银行未回单的凭证、已支付未清算的款项、未关联项目的上级转移支付指标。**有缺口的月份和部门，其收入、支出、库款等数字"
        "并不完整**，应结合本节阅读。笔数按类型分别是天、行、单位或凭证的个数；金额（元）是所涉款项，缺失文件和无申请的单位没有金额。",
        "What the platform does not know yet, or what has not finished, by the data date: exchange files expected but not "
        "received, quarantined rows not replayed, units with no payment application in the month, vouchers sent to "
        "the bank without a receipt, payments not yet cleared, upper-transfer indicators without a project link. "
        "**Where a month or department has gaps, its revenue, spending and cash figures are not complete**: read "
        "them with this section. Counts are of days, rows, units or documents, by kind; amounts (yuan) are the money "
        "involved, none for missing files and silent units."))
    where = t(f"{f.year} 年", f"{f.year}") + (
        t(f" · 部门 {f.dept}（另含全区划的交换数据缺口，它们涉及每个部门）",
          f" · department {f.dept} (and the district-wide exchange-feed gaps, which concern every department)")
        if f.dept else "")
    st.caption(where + t(f" · 数据截至 {as_of or '—'} · 不分资金性质", f" · data as of {as_of or '—'} · not split by fund nature"))
    if not summary:
        st.success(t("所选年度与范围内没有发现缺口", "No gaps found for the selected year and scope"))
        return
    st.warning(t(f"{len(summary)} 类事项存在缺口：相关数字不完整", f"Gaps of {len(summary)} kinds: the figures they touch are not complete"))
    st.dataframe(pd.DataFrame({
        t("缺口类型", "Gap"): [t(r["gap_name_zh"], r["gap_name_en"]) for r in summary],
        t("笔数", "Items"): [int(r["item_count"]) for r in summary],
        t("金额（元）", "Amount (yuan)"): [yuan(r["amount"]) for r in summary],
        t("涉及部门", "Departments"): [str(r["depts"]) if r["depts"] else t("全区划", "district-wide")
                                       for r in summary],
        t("涉及月份", "Months"): [int(r["months"]) for r in summary],
    }), hide_index=True)

    detail = data.completeness_detail(scope, f.year, f.dept)
    st.markdown(t("**各月缺口笔数（按类型）**", "**Items by month and gap kind**"))
    months = sorted(int(m) for m in detail["fiscal_month"].unique())
    fig = go.Figure()
    for r in summary:  # one series per kind, in the summary's order
        of_kind = detail[detail["gap_kind"] == r["gap_kind"]].groupby("fiscal_month")["item_count"].sum()
        fig.add_bar(x=months, y=[int(of_kind.get(m, 0)) for m in months], name=t(r["gap_name_zh"], r["gap_name_en"]))
    fig.update_layout(barmode="group")  # the kinds count different things (days, rows, units, documents)
    fig.update_xaxes(title_text=t("月份", "Month"), tickmode="array", tickvals=months,
                     ticktext=[t(f"{m}月", str(m)) for m in months])
    st.plotly_chart(ui.layout(fig, height=320, yaxis_title=t("笔数", "Items")))

    st.markdown(t("**按部门和月份**", "**By department and month**"))
    district = t("全区划（交换数据）", "District-wide (exchange feeds)")
    rows = detail.to_dict("records")
    st.dataframe(pd.DataFrame({
        t("月份", "Month"): [int(r["fiscal_month"]) for r in rows],
        t("部门", "Department"): [district if pd.isna(r["dept_code"])
                                  else f"{r['dept_code']} {'' if pd.isna(r['dept_name']) else r['dept_name']}".strip()
                                  for r in rows],
        t("缺口类型", "Gap"): [t(r["gap_name_zh"], r["gap_name_en"]) for r in rows],
        t("数据源", "Feed"): [feed_name(r["feed"]) for r in rows],
        t("笔数", "Items"): [int(r["item_count"]) for r in rows],
        t("金额（元）", "Amount (yuan)"): [yuan(r["amount"]) for r in rows],
    }), hide_index=True)


completeness(scope)

st.subheader(t("与核心系统对账", "Reconciliation with the core"))
rec = data.reconciliation(scope)
MEASURES = {"pay_app_by_day": ("每日支付申请", "payment applications per day"),
            "paid_by_day": ("每日银行支付", "bank payments per day"), "cleared_by_day": ("每日清算", "clearing per day"),
            "refund_by_day": ("每日退款", "refunds per day"),
            "payment_mart_totals": ("支付集市合计", "payment mart totals"),
            "indicator_balance": ("逐笔指标余额", "each indicator's balance"),
            "indicator_amount_by_year": ("指标金额（年）", "indicator amounts per year"),
            "indicator_paid_by_year": ("指标已支付（年）", "indicator paid per year"),
            "indicator_dis_by_year": ("指标调减（年）", "indicator reductions per year"),
            "indicator_inflight_by_year": ("指标在途（年）", "indicator in flight per year")}
ok = int((rec["keys_differing"] == 0).sum())
(st.success if ok == len(rec) else st.error)(
    t(f"{ok} / {len(rec)} 项对账一致（精确到分）", f"{ok} of {len(rec)} reconciliations agree to the fen"))
st.dataframe(pd.DataFrame({
    t("对账项", "Measure"): [t(*MEASURES.get(m, (m, m))) for m in rec["measure"]],
    t("比较键数", "Keys"): rec["keys"], t("不一致键数", "Keys differing"): rec["keys_differing"],
    t("核心合计（元）", "Core total (yuan)"): [yuan(v) for v in rec["core_total"]],
    t("数据仓库合计（元）", "Warehouse total (yuan)"): [yuan(v) for v in rec["mart_total"]],
    t("结果", "Result"): ["✅" if d == 0 else "❌" for d in rec["keys_differing"]],
}), hide_index=True)

res = data.dbt_results()
st.subheader(t("最近一次 dbt 构建的测试", "Tests of the last dbt build"))
if res is None or res["tests"].empty:
    ui.empty("没有找到 dbt 运行结果", "No dbt run results found")
else:
    tests = res["tests"]
    counts = tests["status"].value_counts()
    st.caption(t(f"生成于 {res['generated_at']}", f"generated at {res['generated_at']}"))
    st.write(" · ".join(f"**{k}** {v}" for k, v in counts.items()))
    bad = tests[~tests["status"].isin(["pass", "success"])]
    if not bad.empty:
        st.error(t(f"{len(bad)} 个测试未通过", f"{len(bad)} tests did not pass"))
        st.dataframe(bad, hide_index=True)
