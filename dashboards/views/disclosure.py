"""公开: the nine 部门预算公开 tables of a department and year, and the whole set as an XLSX workbook."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui
from dashboards.fmt import wan
from dashboards.i18n import both, t

TITLES = {
    "disclosure_1_budget_summary": ("公开表1 部门收支总表", "Table 1 Revenue and expenditure summary"),
    "disclosure_1_1_income_summary": ("公开表1-1 部门收入总表", "Table 1-1 Income summary"),
    "disclosure_1_2_expenditure_summary": ("公开表1-2 部门支出总表", "Table 1-2 Expenditure summary"),
    "disclosure_2_fiscal_appropriation_summary": ("公开表2 财政拨款收支总表", "Table 2 Fiscal appropriations"),
    "disclosure_3_general_public_expenditure": ("公开表3 一般公共预算支出表", "Table 3 General public budget expenditure"),
    "disclosure_3_1_general_public_basic_expenditure": ("公开表3-1 一般公共预算基本支出表", "Table 3-1 Basic expenditure"),
    "disclosure_3_3_three_public_expenditure": ("公开表3-3 “三公”经费支出表", "Table 3-3 The three public expenses"),
    "disclosure_4_government_fund_expenditure": ("公开表4 政府性基金预算支出表", "Table 4 Government fund expenditure"),
    "disclosure_5_state_capital_expenditure": ("公开表5 国有资本经营预算支出表", "Table 5 State capital expenditure"),
}

f = ui.filters()
st.title(t(f"{f.year} 年部门预算公开", f"Departmental budget disclosure {f.year}"))
depts = data.disclosure_departments(f.scope, f.year)
if depts.empty and not (f.scope.district or f.scope.depts):
    raise ui.Refused(both("部门预算公开表是整个部门的数据，您的数据范围不含完整的部门",
                          "the disclosure tables are a whole department's figures; your data scope covers no "
                          "whole department"))
if depts.empty:
    raise ui.NoData(t(f"{f.year} 年没有已批复的部门预算", f"No approved departmental budget for {f.year}"))
names = dict(zip(depts["dept_code"], depts["dept_name"], strict=True))
codes = list(names)
default = codes.index(f.dept) if f.dept in names else 0
dept = st.selectbox(t("部门", "Department"), codes, index=default, key="disc_dept", format_func=lambda c: f"{c} {names[c]}")
unit = st.radio(t("金额单位", "Unit"), ["万元", "元"], horizontal=True, key="disc_unit")

year = f.year
# built on click, in the download's own thread (about 0.2 s of openpyxl that a page view need not pay)
st.download_button(t("下载 XLSX（九张公开表）", "Download XLSX (all nine tables)"),
                   lambda: data.disclosure_xlsx.uncached(f.scope, dept, year, unit),  # type: ignore[attr-defined]
                   file_name=f"{dept}_{names[dept]}_{f.year}_部门预算公开.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="disc_download",
                   icon=":material/download:")

first = data.DISCLOSURE_TABLES[0][0]  # 公开表1, open; the others folded
for table, _order in data.DISCLOSURE_TABLES:
    df = data.disclosure_table(f.scope, table, dept, f.year)
    with st.expander(t(*TITLES[table]), expanded=(table == first)):
        if df.empty:
            ui.empty("本表无数据（该部门没有这类资金）", "No rows (the department has no such funds)")
            continue
        shown = df.copy()
        for col in [c for c in shown.columns if c.endswith("_amt")]:
            shown[col] = [wan(v) if unit == "万元" else f"{v:,.2f}" if pd.notna(v) else "—" for v in df[col]]
        st.dataframe(shown, hide_index=True)
