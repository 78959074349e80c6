"""数据质量: how fresh each source is, what the exchange validation quarantined and rejected, and whether
the warehouse reconciles with the core's control totals."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
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
