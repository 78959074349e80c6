"""批量导入支付申请 (batch import of payment applications): download the template (the data standard's field
names, with their Chinese and English names), fill one application per row, upload. All or nothing: if any row
is refused, the core writes none of them and every refused row is listed with its reason."""

from __future__ import annotations

import streamlit as st

from workbench import template, ui
from workbench.client import Problem
from workbench.i18n import t

c = ui.ctx()
st.title(t("批量导入支付申请", "Batch import of payment applications"))
ui.show_flash()
try:
    indicators = {str(i["bgt_id"]): i for i in c.api.items("indicators")}
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()

st.download_button(t("下载导入模板（XLSX）", "Download the template (XLSX)"), data=template.template(list(indicators.values())),
                   file_name="支付申请导入模板_payment_applications.xlsx", key="template",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
st.caption(t("第 1 行为数据标准字段名；单位、项目与分类留空时按指标填写；任何一行有误则全部不导入。",
             "Row 1 holds the standard's field names; unit, project and classifications left blank come from the "
             "indicator; if any row is refused, nothing is imported."))

upload = st.file_uploader(t("上传填好的模板", "Upload the filled template"), type=["xlsx"], key="batch_file")


def body_of(values: dict[str, str]) -> tuple[dict[str, object], list[str]]:
    """The API's body for one row, and what is wrong with it before the core sees it (missing columns)."""
    problems = [f"{col.name}（{col.zh}）" for col in template.COLUMNS if col.required and not values.get(col.name)]
    ind = indicators.get(values.get("bgt_id", ""))
    body: dict[str, object] = {k: v for k, v in values.items() if v}
    for k in template.FROM_INDICATOR:
        if not body.get(k):
            if ind is None:
                continue
            body[k] = ind[k]
    if values.get("bgt_id") and ind is None:
        problems.append(t("指标不存在或不在您的数据范围内", "no such indicator in your scope") + f"：{values['bgt_id']}")
    if ind is not None and not body.get("create_date"):
        body["create_date"] = ui.default_day(ind.get("fiscal_year")).isoformat()
    if "pay_app_amt" in body:
        body["pay_app_amt"] = str(body["pay_app_amt"]).replace(",", "")
    return body, problems


if upload is not None and st.button(t("导入", "Import"), type="primary", key="batch_go"):
    try:
        rows = template.read_rows(upload.getvalue())
    except template.TemplateError as e:
        st.error(t(e.zh, e.en))
        st.stop()
    if not rows:
        st.warning(t("模板中没有数据行", "the template has no data rows"))
        st.stop()
    bodies, local = [], []
    for i, (line, values) in enumerate(rows, start=1):
        body, wrong = body_of(values)
        bodies.append(body)
        local += [{"row": i, "line": line, "field": "", "detail": w, "detail_en": w, "rule": "template"} for w in wrong]
    errors = local
    if not local:
        try:
            res = c.api.post("/payment-applications/batch", bodies)
        except Problem as p:
            lines = [line for line, _ in rows]
            errors = [{"row": e.get("row"), "line": lines[int(e["row"]) - 1] if e.get("row") else "",
                       "field": (e.get("fields") or {}).get("field") or e.get("field") or "",
                       "detail": e.get("detail") or e.get("message") or p.detail,
                       "detail_en": e.get("detail_en") or e.get("message") or p.detail_en, "rule": e.get("rule", "")}
                      for e in p.body.get("errors") or []] or [
                {"row": "", "line": "", "field": p.field, "detail": p.detail, "detail_en": p.detail_en, "rule": p.rule}]
        else:
            st.success(t(f"已导入 {len(res['items'])} 笔支付申请，待单位审核",
                         f"{len(res['items'])} applications imported, awaiting the unit's review"))
            st.dataframe([{t("行", "Row"): rows[int(x["row"]) - 1][0], t("编号", "Number"): x["pay_app_no"],
                           t("状态", "Status"): x["status"]} for x in res["items"]], hide_index=True)
    if errors:
        st.error(t(f"未导入：{len({e['row'] for e in errors})} 行有误，全部未写入",
                   f"nothing imported: {len({e['row'] for e in errors})} row(s) refused"))
        st.dataframe([{t("表格行", "Sheet row"): e["line"], t("字段", "Field"): e["field"],
                       t("原因", "Reason"): t(str(e["detail"]), str(e["detail_en"])), t("规则", "Rule"): e["rule"]}
                      for e in errors], hide_index=True, key="batch_errors")
