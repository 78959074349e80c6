"""库款: the treasury single account's daily balance, the commitment-aware forecast with its bands, the
risk of falling below the minimum balance, and 库款保障水平 (months of spending the cash covers)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import pct, wan, wan_float
from dashboards.i18n import t

st.title(t("国库库款", "Treasury cash"))
scope = ui.require_district("库款", "Treasury cash figures")
st.caption(t("库款不分部门与资金性质；金额单位：万元", "Treasury cash is not split by department or fund; amounts in 万元"))
hist = data.cash_daily(scope)
summary = data.cash_summary(scope)
if hist.empty or summary is None:
    raise ui.NoData(t("暂无库款数据", "No treasury cash data"))
fc_sum = data.cash_forecast_summary(scope)

c1, c2, c3, c4 = st.columns(4)
with c1:
    ui.amount_metric(t(f"库款余额（{summary['cash_date']}）", f"Balance on {summary['cash_date']}"), summary["closing_amt"])
with c2:
    months = summary["guarantee_months"]
    st.metric(t("库款保障水平", "Cash coverage"), t(f"{months:.2f} 个月", f"{months:.2f} months") if months else "—",
              help=t("日终余额 ÷ 近 90 天日均流出 × 30", "closing balance ÷ (mean daily outflow over 90 days × 30)"))
with c3:
    ui.amount_metric(t("近 90 天流出", "Outflow, last 90 days"), summary["outflow_90"])
with c4:
    if fc_sum:
        st.metric(t("90 天内低于最低余额的概率", "P(below minimum within 90 days)"), pct(fc_sum.get("p_below_min_90d")),
                  help=t(f"最低余额 {wan(fc_sum.get('min_balance'))} 万元", f"minimum {wan(fc_sum.get('min_balance'))}"))
    else:
        st.metric(t("90 天内低于最低余额的概率", "P(below minimum within 90 days)"), "—")

st.subheader(t("日终余额与 90 天展望", "Closing balance and the 90-day outlook"))
fc = data.cash_forecast(scope)
fig = go.Figure()
fig.add_scatter(x=hist["cash_date"], y=[wan_float(v) for v in hist["closing_amt"]], mode="lines",
                name=t("日终余额", "Closing balance"), line={"color": "#333"})
if fc is not None and not fc.empty:
    fut = fc[fc["kind"] == "forecast"] if "kind" in fc else fc
    for lo, hi, name, colour in (("lo95", "hi95", "95%", "rgba(44,160,44,0.15)"), ("lo80", "hi80", "80%", "rgba(44,160,44,0.3)")):
        fig.add_scatter(x=fut["date"], y=[wan_float(v) for v in fut[hi]], mode="lines", line={"width": 0},
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=fut["date"], y=[wan_float(v) for v in fut[lo]], mode="lines", line={"width": 0}, fill="tonexty",
                        fillcolor=colour, name=t(f"{name} 区间", f"{name} interval"))
    fig.add_scatter(x=fut["date"], y=[wan_float(v) for v in fut["balance_mean"]], mode="lines",
                    name=t("预测均值", "Forecast mean"), line={"color": "#2ca02c", "dash": "dash"})
    if fut["min_balance"].notna().any():
        fig.add_hline(y=wan_float(fut["min_balance"].dropna().iloc[0]), line_dash="dot", line_color="#d62728",
                      annotation_text=t("最低余额", "minimum balance"))
st.plotly_chart(ui.layout(fig, height=420, yaxis_title=ui.wan_axis()))
if fc is None or fc.empty:
    ui.forecast_missing()
else:
    if fc_sum and isinstance(fc_sum.get("note"), str):
        st.caption(fc_sum["note"])
    risky = fc[fc["p_below_min"] > 0.05] if "p_below_min" in fc else pd.DataFrame()
    if not risky.empty:
        st.warning(t(f"{len(risky)} 天低于最低余额的概率超过 5%，最早 {risky['date'].min():%Y-%m-%d}",
                     f"{len(risky)} days with P(below minimum) above 5%, the first on {risky['date'].min():%Y-%m-%d}"))
    with st.expander(t("已知的收支（承诺）", "Known inflows and outflows (commitments)")):
        fut = fc[fc["kind"] == "forecast"]
        fig = go.Figure()
        fig.add_bar(x=fut["date"], y=[wan_float(v) for v in fut["known_inflow"]], name=t("已知流入", "Known inflow"))
        fig.add_bar(x=fut["date"], y=[-(wan_float(v) or 0) for v in fut["known_outflow"]], name=t("已知流出", "Known outflow"))
        fig.update_layout(barmode="relative")
        st.plotly_chart(ui.layout(fig, height=280, yaxis_title=ui.wan_axis()))

st.subheader(t("每日流入与流出", "Daily inflows and outflows"))
fig = go.Figure()
for col, zh, en in (("revenue_in_amt", "税收与非税收入", "Revenue"), ("debt_in_amt", "债务收入", "Debt"),
                    ("transfer_in_amt", "转移性收入", "Transfers"), ("refund_in_amt", "退款退回", "Refunds")):
    fig.add_bar(x=hist["cash_date"], y=[wan_float(v) for v in hist[col]], name=t(zh, en))
fig.add_bar(x=hist["cash_date"], y=[-(wan_float(v) or 0) for v in hist["outflow_amt"]], name=t("清算流出", "Clearing outflow"),
            marker_color="#d62728")
fig.update_layout(barmode="relative")
st.plotly_chart(ui.layout(fig, height=320, yaxis_title=ui.wan_axis()))
