"""预警: dynamic-monitoring warnings by rule, level, department and disposal status, each with its evidence
and what is known of its disposal."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import yuan
from dashboards.i18n import t
from fiscal_core.domain import labels
from fiscal_core.monitoring.catalogue import Level
from fiscal_core.monitoring.disposal import WarnStatus

f = ui.filters()
st.title(t(f"{f.year} 年动态监控预警", f"Monitoring warnings {f.year}"))
w = data.warnings(f.scope, f.year, f.dept)
if w.empty:
    raise ui.NoData(t("所选范围内没有预警", "No warnings in the selected scope"))

c1, c2, c3, c4 = st.columns(4)
with c1:
    st.metric(t("预警总数", "Warnings"), f"{len(w):,}")
with c2:
    st.metric(t("红色（拦截）", "Red (blocked)"), f"{int((w['warning_level'] == Level.RED).sum()):,}")
with c3:
    st.metric(t("已登记处置", "In the disposal workflow"), f"{int(w['is_in_core'].fillna(False).sum()):,}")
with c4:
    st.metric(t("已办结", "Closed"), f"{int((w['disposal_status'] == WarnStatus.CLOSED).sum()):,}")

left, right = st.columns(2)
with left:
    by_rule = w.groupby(["rule_code", "rule_name", "warning_level"]).size().reset_index(name="n")
    fig = go.Figure()
    for level in data.LEVELS:
        part = by_rule[by_rule["warning_level"] == level]
        if not part.empty:
            fig.add_bar(y=part["rule_code"] + " " + part["rule_name"], x=part["n"], orientation="h",
                        name=ui.level_name(level), marker_color=ui.level_colour(level))
    fig.update_layout(barmode="stack", title=t("按规则", "By rule"))
    fig.update_yaxes(autorange="reversed")
    st.plotly_chart(ui.layout(fig, height=max(280, 30 * len(by_rule))))
with right:
    by_dept = w.groupby([w["dept_name"].fillna(w["dept_code"].fillna("—")), "disposal_status"]).size().reset_index(name="n")
    by_dept.columns = ["dept", "status", "n"]
    fig = go.Figure()
    for status in by_dept["status"].unique():
        part = by_dept[by_dept["status"] == status]
        fig.add_bar(y=part["dept"], x=part["n"], orientation="h", name=ui.disposal_status_name(status))
    fig.update_layout(barmode="stack", title=t("按部门与处置状态", "By department and disposal status"))
    st.plotly_chart(ui.layout(fig, height=max(280, 30 * by_dept["dept"].nunique())))

st.subheader(t("预警清单", "Warnings"))
all_levels = [lv.value for lv in data.LEVELS]
levels = st.multiselect(t("级别", "Level"), all_levels, default=all_levels,
                        format_func=lambda lv: f"{ui.level_name_zh(lv)} {lv}", key="warn_levels")
rules = sorted(w["rule_code"].unique())
rule = st.selectbox(t("规则", "Rule"), ["", *rules], key="warn_rule",
                    format_func=lambda r: "全部规则 / All" if r == "" else
                    f"{r} {w.loc[w['rule_code'] == r, 'rule_name'].iloc[0]}")
shown = w[w["warning_level"].isin(levels)]
if rule:
    shown = shown[shown["rule_code"] == rule]
table = pd.DataFrame({
    t("级别", "Level"): [ui.level_name(v) for v in shown["warning_level"]],
    t("规则", "Rule"): shown["rule_code"] + " " + shown["rule_name"],
    t("单位", "Agency"): shown["agency_name"].fillna(shown["agency_code"]),
    t("金额（元）", "Amount (yuan)"): [yuan(v) for v in shown["amount"]],
    t("发现时间", "Detected"): shown["detected_at"],
    t("处置状态", "Status"): [ui.disposal_status_name(v) for v in shown["disposal_status"]],
    t("说明", "Message"): shown["message"],
})
event = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row", key="warn_table")
rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
keys = list(shown["warning_key"])
if not keys:
    raise ui.NoData(t("没有符合筛选条件的预警", "No warning matches the selection"))
picked = keys[rows[0]] if rows else None
picked = st.selectbox(t("查看预警详情", "Warning details"), keys, index=keys.index(picked) if picked in keys else 0,
                      key="warn_pick", format_func=lambda k: f"{k} · {shown.loc[shown['warning_key'] == k, 'message'].iloc[0][:60]}")
r = shown[shown["warning_key"] == picked].iloc[0]
with st.container(border=True):
    st.markdown(f"**{r['rule_code']} {r['rule_name']}** · {ui.level_name(r['warning_level'])} · {r['handling']} · "
                f"{r['dimension']} · {t('触发', 'trigger')} {ui.label(r['trigger_type'], labels.TRIGGER)}")
    st.markdown(r["message"])
    st.caption(t(f"单位 {r['agency_name']}；项目 {r['pro_code'] or '—'}；指标 {r['bgt_id'] or '—'}；支付申请 {r['pay_app_id'] or '—'}；"
                 f"期间 {r['period'] or '—'}；发现于 {r['detected_at']}",
                 f"agency {r['agency_name']}; project {r['pro_code'] or '—'}; indicator {r['bgt_id'] or '—'}; "
                 f"payment {r['pay_app_id'] or '—'}; period {r['period'] or '—'}; detected {r['detected_at']}"))
    if isinstance(r["pay_app_id"], str) and r["pay_app_id"]:
        ui.link("expenditure", t("打开这笔支付的来龙去脉 →", "Open this payment's trail →"), pay=r["pay_app_id"])
    st.markdown(t("**证据**", "**Evidence**"))
    try:
        st.json(json.loads(r["evidence"]) if isinstance(r["evidence"], str) else r["evidence"])
    except ValueError:
        st.code(str(r["evidence"]))
    st.markdown(t("**处置过程**", "**Disposal**"))
    steps = data.warning_steps(f.scope, picked)
    if steps is not None and not steps.empty:
        named = steps.assign(
            from_status=[ui.label(v, labels.WARNING_STATUS) for v in steps["from_status"]],
            to_status=[ui.label(v, labels.WARNING_STATUS) for v in steps["to_status"]],
            actor_role=[ui.label(v, labels.ROLE) for v in steps["actor_role"]])
        st.dataframe(named, hide_index=True)
    else:
        status = ui.disposal_status_name(r["disposal_status"])
        st.write(t(f"当前状态：{status}；逾期升级 {int(r['escalation_level'] or 0)} 次。",
                   f"Current status: {status}; escalated {int(r['escalation_level'] or 0)} times."))
        st.caption(t("该预警尚无处置记录（定时规则命中在 fiscal monitor sync 后进入处置流程）。",
                     "No disposal steps yet (scheduled hits enter the disposal workflow with fiscal monitor sync)."))
