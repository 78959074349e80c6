"""发起：项目申报 (declare a project into the project library) and send it to the unit's review; my projects and
their status below, with 送审 for drafts. The core checks the project (category, years, amounts)."""

from __future__ import annotations

import csv
from datetime import date

import streamlit as st

from fiscal_core.adapters.migrate import CODESETS_DIR
from fiscal_core.domain import labels
from workbench import ui
from workbench.client import Problem
from workbench.i18n import status_name, t

FORM = "project"
FIELDS = {"pro_name", "agency_code", "pro_cat_code", "setup_year", "pro_start_year", "end_year", "pro_total_amt",
          "pro_desc"}

with open(CODESETS_DIR / "pro_cat.csv", encoding="utf-8") as f:       # 项目类别: those a unit declares
    CATS = {r["code"]: r["name"] for r in csv.DictReader(f) if r["is_generated"] != "true" and r["level"] != "1"}

c = ui.ctx()
st.title(t("发起：项目申报", "New project"))
ui.show_flash()
units = c.units()
this_year = date.today().year
with st.form("project_form"):
    name = st.text_input(t("项目名称", "Project name"), key="pro_name")
    ui.field_error(FORM, "pro_name")
    agency = st.selectbox(t("申报单位", "Unit"), units, key="pro_agency")
    ui.field_error(FORM, "agency_code")
    cat = st.selectbox(t("项目类别", "Category"), list(CATS), key="pro_cat_code",
                       format_func=lambda k: f"{k} {CATS[k]}")
    ui.field_error(FORM, "pro_cat_code")
    cols = st.columns(3)
    start = cols[0].number_input(t("开始年度", "First year"), value=this_year, step=1, key="pro_start_year")
    end = cols[1].number_input(t("结束年度", "Last year"), value=this_year, step=1, key="end_year")
    total = cols[2].text_input(t("项目总额（元）", "Total (yuan)"), key="pro_total_amt", placeholder="500000.00")
    for k in ("pro_start_year", "end_year", "pro_total_amt"):
        ui.field_error(FORM, k)
    desc = st.text_area(t("项目概述", "Description"), key="pro_desc")
    ui.field_error(FORM, "pro_desc")
    send = st.checkbox(t("申报后提交单位审核", "Send to the unit's review after declaring"), value=True, key="pro_send")
    ui.general_error(FORM)
    submitted = st.form_submit_button(t("申报", "Declare"), type="primary")

if submitted:
    body = {"pro_name": name, "agency_code": agency, "pro_cat_code": cat, "setup_year": int(start),
            "pro_start_year": int(start), "end_year": int(end), "pro_total_amt": total.strip().replace(",", ""),
            "pro_desc": desc}
    try:
        pro = c.api.post("/projects", body)["pro_code"]
        if send:
            c.api.post(f"/projects/{pro}/actions", {"action": "submit", "opinion": ""})
    except Problem as p:
        ui.set_errors(FORM, p, FIELDS)
    else:
        ui.set_errors(FORM, None, set())
        ui.flash(t(f"已申报项目 {pro}" + ("，待单位审核" if send else ""),
                   f"project {pro} declared" + (", awaiting the unit's review" if send else "")))
    st.rerun()

st.subheader(t("我的项目", "My projects"))
try:
    projects = c.api.items("projects")
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()
for x in sorted(projects, key=lambda r: str(r["pro_code"]), reverse=True)[:30]:
    cols = st.columns([5, 2, 2, 1])
    cols[0].markdown(f"**{x['pro_name']}** · `{x['pro_code']}`")
    cols[1].write(f"¥ {ui.yuan(x['pro_total_amt'])}")
    cols[2].write(status_name(x["pro_status"], labels.PROJECT_STATUS))
    if x["pro_status"] == "draft" and cols[3].button(t("送审", "Submit"), key=f"submit_{x['pro_code']}"):
        try:
            c.api.post(f"/projects/{x['pro_code']}/actions", {"action": "submit", "opinion": ""})
        except Problem as p:
            st.error(ui.problem_text(p))
        else:
            ui.flash(t(f"已送审 {x['pro_code']}", f"{x['pro_code']} submitted"))
            st.rerun()
