"""项目库: the lifecycle funnel, projects waiting at a stage, multi-year rolling projects, performance."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import pct, wan
from dashboards.i18n import t
from fiscal_core.domain import labels

# the data layer's own codes: the funnel's stages (data.FUNNEL) and where a project waits (data.STUCK_AT)
STAGES = {"declared": ("申报", "declared"), "submitted": ("提交", "submitted"), "unit_approved": ("单位审核", "unit approved"),
          "dept_approved": ("部门审核", "department approved"), "library": ("财政入库", "in the library"),
          "budgeted": ("纳入预算", "budgeted"), "indicator": ("指标下达", "indicator issued"),
          "applied": ("申请支付", "payment applied"), "paid": ("首笔支付", "first payment"), "cleared": ("清算", "cleared")}
STUCK = {"review": ("审核中", "in review"), "library": ("入库未纳入预算", "in the library, not budgeted"),
         "budgeted": ("已纳入预算未下达指标", "budgeted, no indicator"),
         "indicator": ("已下达指标未支付", "indicator issued, nothing paid")}


def name(d: dict[str, tuple[str, str]], k: str) -> str:
    zh, en = d.get(k, (k, k))
    return t(zh, en)


f = ui.filters()
st.title(t(f"{f.year} 年项目库", f"Project library {f.year}"))
funnel = data.project_funnel(f.scope, f.year, f.dept)
if funnel["projects"].max() == 0:
    raise ui.NoData(t("所选范围内没有项目", "No projects in the selected scope"))

left, right = st.columns([3, 2])
with left:
    st.subheader(t("生命周期漏斗", "Lifecycle funnel"))
    fig = go.Figure(go.Funnel(y=[name(STAGES, s) for s in funnel["stage"]], x=funnel["projects"],
                              textinfo="value+percent initial"))
    st.plotly_chart(ui.layout(fig, height=420))
with right:
    st.subheader(t("等待中的项目", "Projects waiting at a stage"))
    days = st.slider(t("等待超过（天）", "Waiting at least (days)"), 0, 365, 60, step=15, key="stuck_days")
    as_of = data.as_of_date()
    stuck = data.stuck_projects(f.scope, f.dept, as_of, days) if as_of else pd.DataFrame()
    if stuck.empty:
        st.success(t("没有超过该天数的等待项目", "No project has waited that long"))
    else:
        counts = stuck.groupby("stuck_at").size()
        st.plotly_chart(ui.layout(go.Figure(go.Bar(x=[name(STUCK, k) for k in counts.index], y=counts.values)), height=220))
        st.dataframe(pd.DataFrame({
            t("项目", "Project"): stuck["pro_name"], t("停在", "Waiting at"): [name(STUCK, k) for k in stuck["stuck_at"]],
            t("天数", "Days"): stuck["days_waiting"], t("金额（万元）", "Amount (万元)"): [wan(v) for v in stuck["pro_total_amt"]],
        }), hide_index=True)

st.subheader(t("跨年度滚动项目", "Multi-year rolling projects"))
roll = data.rolling_projects(f.scope, f.year, f.dept)
if roll.empty:
    ui.empty("所选范围内没有跨年度项目", "No multi-year projects in the selected scope")
else:
    st.dataframe(pd.DataFrame({
        t("项目", "Project"): roll["pro_name"], t("类别", "Category"): roll["pro_cat_name"],
        t("起止年度", "Years"): roll["pro_start_year"].astype("string") + "–" + roll["end_year"].astype("string"),
        t("总金额（万元）", "Total (万元)"): [wan(v) for v in roll["pro_total_amt"]],
        t("本年指标（万元）", "Indicators (万元)"): [wan(v) for v in roll["indicator_amt"]],
        t("已支付（万元）", "Paid (万元)"): [wan(v) for v in roll["paid_amt"]],
        t("状态", "Status"): [ui.label(s, labels.PROJECT_STATUS) for s in roll["pro_status"]],
    }), hide_index=True)

st.subheader(t("绩效：目标进度与执行进度（双监控）、自评得分", "Performance: targets vs execution, self-evaluation"))
perf = data.performance(f.scope, f.year, f.dept)
if perf.empty:
    ui.empty("所选范围内没有绩效记录", "No performance records in the selected scope")
else:
    c1, c2, c3 = st.columns(3)
    with c1:
        st.metric(t("设定绩效目标的项目", "Projects with targets"), f"{int((perf['perf_indicator_count'] > 0).sum()):,}")
    with c2:
        st.metric(t("最近一次监控偏离预警", "Latest monitoring warned"), f"{int(perf['is_last_monitor_warning'].fillna(False).sum()):,}")
    with c3:
        scores = perf["eval_score"].dropna()
        st.metric(t("自评平均分", "Mean self-evaluation score"), f"{scores.mean():.1f}" if len(scores) else "—")
    monitored = perf.dropna(subset=["target_progress_per_mille", "exec_progress_per_mille"])
    if monitored.empty:
        ui.empty("本年度还没有双监控记录；下图显示预算执行率。", "No monitoring yet this year; the chart shows the execution ratio.")
        fig = go.Figure(go.Bar(x=perf["pro_name"], y=perf["exec_ratio"].astype(float) * 100))
        fig.update_yaxes(title_text=t("执行率 %", "execution %"))
    else:
        fig = go.Figure(go.Scatter(x=monitored["exec_progress_per_mille"] / 10, y=monitored["target_progress_per_mille"] / 10,
                                   mode="markers", text=monitored["pro_name"],
                                   marker={"color": ["#d62728" if w else "#1f77b4" for w in monitored["is_last_monitor_warning"].fillna(False)]}))
        fig.add_shape(type="line", x0=0, y0=0, x1=100, y1=100, line={"dash": "dot", "color": "#999"})
        fig.update_xaxes(title_text=t("执行进度 %", "execution %"))
        fig.update_yaxes(title_text=t("目标完成进度 %", "target progress %"))
    st.plotly_chart(ui.layout(fig, height=360))
    with st.expander(t("绩效明细", "Performance table")):
        st.dataframe(pd.DataFrame({
            t("项目", "Project"): perf["pro_name"], t("指标数", "Indicators"): perf["perf_indicator_count"],
            t("监控次数", "Monitorings"): perf["monitor_count"],
            t("目标进度", "Target progress"): [pct(v / 1000) for v in perf["target_progress_per_mille"]],
            t("自评得分", "Score"): perf["eval_score"], t("等级", "Grade"): perf["eval_grade"],
            t("执行率", "Execution"): [pct(v) for v in perf["exec_ratio"]],
        }), hide_index=True)
