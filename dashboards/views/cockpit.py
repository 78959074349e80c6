"""总览 cockpit: revenue, spending progress, cash, warnings and top risks, each linking to its page. Revenue,
cash and the forecasts' risks are the district's own figures: a person whose scope is a department or a unit
sees spending and warnings of their scope only."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import pct, ratio, wan, wan_float
from dashboards.i18n import t
from fiscal_core.monitoring.disposal import WarnStatus

f = ui.filters()
st.title(t(f"{f.year} 年财政运行总览", f"Fiscal overview {f.year}"))
as_of = data.as_of_date()
st.caption(t(f"数据截至 {as_of}；金额单位：万元", f"Data as of {as_of}; amounts in 万元 (10,000 yuan)"))

district = f.scope.district
rev = data.revenue_summary(f.scope, f.year)
spend = data.spending_summary(f.scope, f.year, f.dept, f.fund)
cash = data.cash_summary(f.scope)
warn = data.warnings(f.scope, f.year, f.dept)


def district_only() -> None:
    ui.empty("全区划数据，仅对区划范围的角色显示", "The whole district's figures: shown to roles over the district only")


c1, c2, c3, c4 = st.columns(4)
with c1, st.container(border=True):
    if district:
        yoy = ratio(rev["ytd"], rev["prev_ytd"])
        ui.amount_metric(t("财政收入（年累计）", "Revenue year to date"), rev["ytd"],
                         delta=t(f"{pct(yoy - 1)} 同比", f"{pct(yoy - 1)} YoY") if yoy is not None else None)
        st.caption(t(f"完成预算 {pct(ratio(rev['ytd'], rev['budget']))}（预算 {wan(rev['budget'])} 万元，截至 {rev['month']} 月）",
                     f"{pct(ratio(rev['ytd'], rev['budget']))} of budget {wan(rev['budget'])} (to month {rev['month']})"))
        ui.link("revenue", t("收入详情 →", "Revenue →"))
    else:
        district_only()
with c2, st.container(border=True):
    gap = (spend["rate"] - spend["expected_share"]) if spend["rate"] is not None and spend["expected_share"] else None
    st.metric(t("支出执行进度", "Spending progress"), pct(spend["rate"]),
              delta=t(f"{pct(gap)} 较应达进度", f"{pct(gap)} vs expected") if gap is not None else None)
    basis = t("季节性规律", "seasonal pattern") if spend["expected_basis"] == "seasonal" else t("序时进度", "time elapsed")
    st.caption(t(f"已支付 {wan(spend['paid_ytd'])} / 指标 {wan(spend['indicator'])} 万元；应达 {pct(spend['expected_share'])}（{basis}）",
                 f"paid {wan(spend['paid_ytd'])} of {wan(spend['indicator'])}; expected {pct(spend['expected_share'])} ({basis})"))
    ui.link("expenditure", t("支出详情 →", "Expenditure →"))
with c3, st.container(border=True):
    if not district:
        district_only()
    else:
        outlook = data.cash_forecast_summary(f.scope)
        if cash:
            ui.amount_metric(t("国库库款余额", "Treasury cash balance"), cash["closing_amt"])
            months = cash["guarantee_months"]
            line = t(f"{cash['cash_date']}；库款保障 {months:.1f} 个月" if months else f"{cash['cash_date']}",
                     f"{cash['cash_date']}; covers {months:.1f} months of outflow" if months else f"{cash['cash_date']}")
            if outlook:
                line += t(f"；90 天内低于最低余额概率 {pct(outlook.get('p_below_min_90d'))}",
                          f"; P(below minimum within 90 days) {pct(outlook.get('p_below_min_90d'))}")
            st.caption(line)
        else:
            ui.empty("暂无库款数据", "No treasury cash data")
        ui.link("treasury", t("库款详情 →", "Treasury →"))
with c4, st.container(border=True):
    open_ = warn[warn["disposal_status"] != WarnStatus.CLOSED] if not warn.empty else warn
    st.metric(t("预警（未办结）", "Warnings (open)"), f"{len(open_):,}")
    counts = warn["warning_level"].value_counts() if not warn.empty else {}
    st.caption(" · ".join(f"{ui.level_name(k)} {counts.get(k, 0)}" for k in data.LEVELS))
    ui.link("warnings", t("预警详情 →", "Warnings →"))

left, right = st.columns(2)
with left:
    st.subheader(t("收入：年累计与上年同期、预算", "Revenue: YTD vs last year and budget"))
    monthly = data.revenue_monthly(f.scope, f.year)
    if not district:
        district_only()
    elif monthly.empty:
        ui.empty("本年度暂无收入数据", "No revenue data for this year")
    else:
        fig = go.Figure()
        fig.add_bar(x=monthly["fiscal_month"], y=[wan_float(v) for v in monthly["ytd_amt"]], name=t("本年累计", "This year YTD"))
        fig.add_scatter(x=monthly["fiscal_month"], y=[wan_float(v) for v in monthly["prev_ytd_amt"]],
                        name=t("上年同期累计", "Last year YTD"), mode="lines+markers")
        budget = monthly["budget_amt"].iloc[-1]
        if budget == budget:
            fig.add_scatter(x=list(range(1, 13)), y=[wan_float(budget * m / 12) for m in range(1, 13)],
                            name=t("预算序时", "Budget, pro rata"), mode="lines", line={"dash": "dot"})
        fig.update_xaxes(title_text=t("月份", "Month"), dtick=1)
        st.plotly_chart(ui.layout(fig, yaxis_title=ui.wan_axis()))
with right:
    st.subheader(t("各部门支出进度", "Spending progress by department"))
    by_dept = data.execution_by(f.scope, f.year, None, f.fund, "dept")
    if by_dept.empty:
        ui.empty("暂无支出数据", "No expenditure data")
    else:
        colours = ["#1f77b4" if (f.dept is None or c == f.dept) else "#c7c7c7" for c in by_dept["code"]]
        fig = go.Figure(go.Bar(x=by_dept["execution_rate"] * 100, y=by_dept["name"], orientation="h",
                               marker_color=colours, text=[pct(v) for v in by_dept["execution_rate"]]))
        if spend["expected_share"] is not None:
            fig.add_vline(x=float(spend["expected_share"]) * 100, line_dash="dash", line_color="#d62728",
                          annotation_text=t("应达进度", "expected"))
        fig.update_xaxes(title_text="%")
        fig.update_yaxes(autorange="reversed")
        st.plotly_chart(ui.layout(fig))
        with st.expander(t("打开部门明细", "Open a department"), expanded=False):
            for row in by_dept.itertuples():
                ui.link("expenditure", f"{row.name}：{pct(row.execution_rate)}", dept=row.code)

left, right = st.columns(2)
with left:
    st.subheader(t("预警分级", "Warnings by level"))
    if warn.empty:
        ui.empty("本年度暂无预警", "No warnings this year")
    else:
        by_level = warn.groupby("warning_level").size()
        levels = [lv for lv in data.LEVELS if lv in by_level]
        fig = go.Figure(go.Bar(x=[ui.level_name(lv) for lv in levels], y=[int(by_level[lv]) for lv in levels],
                               marker_color=[ui.level_colour(lv) for lv in levels]))
        st.plotly_chart(ui.layout(fig, height=280))
with right:
    st.subheader(t("主要风险（预测预警）", "Top risks (early warning)"))
    ew = data.early_warning(f.scope)
    if not district:
        district_only()
    elif ew is None:
        ui.forecast_missing()
    else:
        risks = ew[ew["band"].isin(data.RISK_BANDS)]
        if risks.empty:
            st.success(t("所有预警指标均处于正常区间", "Every early-warning indicator is in its green band"))
        for r in risks.head(8).itertuples():
            icon = "🔴" if r.band == "red" else "🟡"
            name = r.indicator_name if not ui.lang_is_en() else r.indicator_name_en
            reason = r.reason_zh if not ui.lang_is_en() else r.reason_en
            st.markdown(f"{icon} **{name}**（{r.scope}）：{reason}")
