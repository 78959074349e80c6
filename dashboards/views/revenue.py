"""收入: by category against budget and last year, month by month, and the forecast with its accuracy."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import pct, ratio, wan, wan_float
from dashboards.i18n import t

f = ui.filters()
st.title(t(f"{f.year} 年收入", f"Revenue {f.year}"))
scope = ui.require_district("收入", "Revenue figures")
st.caption(t("收入不分部门与资金性质，侧栏的部门、资金性质筛选对本页不适用；金额单位：万元",
             "Revenue is not split by department or fund nature, so those filters do not apply here; amounts in 万元"))

rev = data.revenue_summary(scope, f.year)
if not rev["n"]:
    raise ui.NoData(t(f"{f.year} 年暂无收入数据", f"No revenue data for {f.year}"))
c1, c2, c3 = st.columns(3)
with c1:
    ui.amount_metric(t("年累计收入", "Collected YTD"), rev["ytd"])
with c2:
    st.metric(t("预算完成进度", "Progress against budget"), pct(ratio(rev["ytd"], rev["budget"])),
              help=t(f"年度预算 {wan(rev['budget'])} 万元", f"annual budget {wan(rev['budget'])}"))
with c3:
    yoy = ratio(rev["ytd"], rev["prev_ytd"])
    st.metric(t("累计同比", "YTD year on year"), pct(yoy - 1) if yoy is not None else "—",
              help=t(f"上年同期 {wan(rev['prev_ytd'])} 万元", f"same period last year {wan(rev['prev_ytd'])}"))

st.subheader(t(f"分科目：年累计、预算与上年同期（截至 {rev['month']} 月）",
               f"By category: YTD, budget and last year (to month {rev['month']})"))
cats = data.revenue_by_category(scope, f.year)
fig = go.Figure()
fig.add_bar(y=cats["inc_name"], x=[wan_float(v) for v in cats["budget_amt"]], name=t("年度预算", "Annual budget"),
            orientation="h", marker_color="#d9d9d9")
fig.add_bar(y=cats["inc_name"], x=[wan_float(v) for v in cats["ytd_amt"]], name=t("本年累计", "This year YTD"),
            orientation="h", marker_color="#1f77b4")
fig.add_scatter(y=cats["inc_name"], x=[wan_float(v) for v in cats["prev_ytd_amt"]], mode="markers",
                name=t("上年同期", "Last year, same period"), marker={"symbol": "line-ns", "size": 18,
                                                                        "line": {"width": 3, "color": "#d62728"}})
fig.update_layout(barmode="overlay")
fig.update_yaxes(autorange="reversed")
fig.update_xaxes(title_text=ui.wan_axis(), tickformat=",.0f")
st.plotly_chart(ui.layout(fig, height=max(320, 26 * len(cats))))

st.subheader(t("逐月入库与上年同月", "Month by month against the same month last year"))
monthly = data.revenue_monthly(scope, f.year)
fig = go.Figure()
fig.add_bar(x=monthly["fiscal_month"], y=[wan_float(v) for v in monthly["collected_amt"]], name=t("本年", "This year"))
fig.add_bar(x=monthly["fiscal_month"], y=[wan_float(v) for v in monthly["prev_collected_amt"]], name=t("上年同月", "Last year"))
fig.update_xaxes(title_text=t("月份", "Month"), dtick=1)
st.plotly_chart(ui.layout(fig, height=300, yaxis_title=ui.wan_axis()))

st.subheader(t("收入预测（80% / 95% 区间）", "Revenue forecast (80% / 95% intervals)"))
fc = data.revenue_forecast(scope)
if fc is None or fc.empty:
    ui.forecast_missing()
else:
    series = fc.drop_duplicates("series_id")[["series_id", "series_name"]]
    names = dict(zip(series["series_id"], series["series_name"], strict=True))
    if "total" in names:  # the total first: what leadership asks about
        names = {"total": names["total"], **{k: v for k, v in names.items() if k != "total"}}
    sid = st.selectbox(t("预测序列", "Series"), list(names), format_func=lambda s: names[s], key="rev_series")
    s = fc[fc["series_id"] == sid].sort_values("date")
    act, fut = s[s["kind"] == "actual"], s[s["kind"] == "forecast"]
    chart, side = st.columns([3, 2])
    with chart:
        fig = go.Figure()
        for lo, hi, name, colour in (("lo95", "hi95", "95%", "rgba(31,119,180,0.15)"),
                                     ("lo80", "hi80", "80%", "rgba(31,119,180,0.30)")):
            fig.add_scatter(x=fut["date"], y=[wan_float(v) for v in fut[hi]], mode="lines", line={"width": 0},
                            showlegend=False, hoverinfo="skip")
            fig.add_scatter(x=fut["date"], y=[wan_float(v) for v in fut[lo]], mode="lines", line={"width": 0},
                            fill="tonexty", fillcolor=colour, name=t(f"{name} 区间", f"{name} interval"))
        fig.add_scatter(x=act["date"], y=[wan_float(v) for v in act["mean"]], mode="lines", name=t("实际", "Actual"),
                        line={"color": "#333"})
        fig.add_scatter(x=fut["date"], y=[wan_float(v) for v in fut["mean"]], mode="lines",
                        name=t("预测均值", "Forecast mean"), line={"color": "#1f77b4", "dash": "dash"})
        st.plotly_chart(ui.layout(fig, height=380, yaxis_title=ui.wan_axis()))
    with side:
        ye = data.revenue_year_end(scope, f.year)
        if ye is not None and not ye.empty:
            row = ye[ye["series_id"] == sid]
            if not row.empty:
                r = row.iloc[0]
                ui.amount_metric(t("全年预计", "Year-end forecast"), r["forecast_mean"])
                st.metric(t("完不成预算的概率", "Probability of falling short of budget"), pct(r["p_shortfall"]))
                st.caption(t(f"预算 {wan(r['budget_amt'])} 万元；80% 区间 {wan(r['lo80'])} – {wan(r['hi80'])}；"
                             f"95% 区间 {wan(r['lo95'])} – {wan(r['hi95'])}",
                             f"budget {wan(r['budget_amt'])}; 80% {wan(r['lo80'])} – {wan(r['hi80'])}; "
                             f"95% {wan(r['lo95'])} – {wan(r['hi95'])}"))
                if isinstance(r.get("note"), str) and r["note"]:
                    st.caption(r["note"])
        bt = data.backtest(scope)
        st.markdown(t("**模型回测精度**", "**Backtest accuracy**"))
        if bt is None:
            ui.forecast_missing()
        else:
            mine = bt[(bt["series_id"] == sid) & (bt["table_name"].isin(["revenue_monthly", "revenue"]))]
            if mine.empty:
                mine = bt[bt["series_id"] == sid]
            if mine.empty:
                ui.empty("该序列暂无回测结果", "No backtest for this series")
            else:
                chosen = mine["chosen"].fillna(False) if "chosen" in mine else [False] * len(mine)
                show = pd.DataFrame({
                    t("模型", "Model"): [f"{m} ✔" if c else m for m, c in zip(mine["model"], chosen, strict=True)],
                    "MASE": mine["mase"].round(3),
                    "sMAPE": mine["smape"].round(3),
                    t("80% 覆盖率", "80% coverage"): [pct(v) for v in mine["coverage80"]],
                    t("95% 覆盖率", "95% coverage"): [pct(v) for v in mine["coverage95"]],
                    t("起点数", "Origins"): mine["n_origins"]})
                st.dataframe(show, hide_index=True)
                st.caption(t("✔ 为采用的模型。MASE < 1 表示优于季节性朴素预测；覆盖率应接近 80% / 95%。",
                             "✔ marks the model in use. MASE below 1 beats the seasonal naive forecast; coverage "
                             "should be near 80% / 95%."))
    ye_all = data.revenue_year_end(scope, f.year)
    if ye_all is not None and not ye_all.empty:
        risk = ye_all[(ye_all["series_id"] != "total") & ye_all["p_shortfall"].notna()].sort_values("p_shortfall")
        if not risk.empty:
            st.subheader(t("各科目完不成预算的概率", "Probability of falling short of budget, by category"))
            fig = go.Figure(go.Bar(
                y=risk["series_name"], x=risk["p_shortfall"].astype(float) * 100, orientation="h",
                marker_color=["#d62728" if p >= 0.5 else "#e6b800" if p >= 0.2 else "#2ca02c" for p in risk["p_shortfall"]],
                text=[pct(p) for p in risk["p_shortfall"]]))
            fig.update_xaxes(title_text="%", range=[0, 100])
            st.plotly_chart(ui.layout(fig, height=max(300, 24 * len(risk))))

with st.expander(t("分科目明细表", "Table by category")):
    st.dataframe(pd.DataFrame({
        t("科目", "Category"): cats["inc_code"] + " " + cats["inc_name"],
        t("年累计（万元）", "YTD (万元)"): [wan(v) for v in cats["ytd_amt"]],
        t("年度预算（万元）", "Budget (万元)"): [wan(v) for v in cats["budget_amt"]],
        t("完成进度", "Progress"): [pct(v) for v in cats["budget_progress_rate"]],
        t("上年同期（万元）", "Last year (万元)"): [wan(v) for v in cats["prev_ytd_amt"]],
        t("同比", "YoY"): [pct(v) for v in cats["ytd_yoy_rate"]],
    }), hide_index=True)
