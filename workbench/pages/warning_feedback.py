"""发起：预警反馈 (answer a warning): the warnings waiting for my unit's answer; the result (a normal payment or
a violation), the reason and an attachment. The uploaded file is kept under
``$FISCAL_HOME/attachments/<warning_id>/`` and the answer carries its reference (``attachment_ref``); the core
decides whether one is needed (an orange warning answered "normal" needs an attachment)."""

from __future__ import annotations

import re

import streamlit as st

from fiscal_app.settings import Settings
from fiscal_core.domain import labels
from workbench import ui
from workbench.client import Problem
from workbench.i18n import status_name, t

RESULTS = {"normal": ("正常业务", "a normal payment"), "violation": ("确属违规", "a violation")}
MAX_BYTES = 20 * 1024 * 1024


def safe_name(name: str) -> str:
    """A file name that stays inside its folder (no path, no leading dot)."""
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", name.replace("\\", "/").split("/")[-1]).lstrip(".")
    return base[:120] or "attachment"


def keep_attachment(warning_id: str, name: str, data: bytes) -> str:
    """Store the file; the reference is its path under $FISCAL_HOME."""
    home = Settings.from_env().home
    folder = home / "attachments" / safe_name(warning_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_name(name)
    path.write_bytes(data)
    return str(path.relative_to(home))


c = ui.ctx()
st.title(t("预警反馈", "Answer a warning"))
ui.show_flash()
try:
    tasks = c.api.inbox(step_code="warning.feedback")
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()
if not tasks:
    st.info(t("没有待反馈的预警。", "No warning is waiting for your answer."))
    st.stop()

for x in tasks:
    tid, wid = str(x["task_id"]), str(x["doc_id"])
    form = f"warn_{tid}"
    try:
        w = c.api.one("warnings", wid)
    except Problem as p:
        st.error(ui.problem_text(p))
        continue
    with st.container(border=True, key=f"warning_{wid}"):
        st.markdown(f"**{w['rule_code']}** · {status_name(w['warning_level'], labels.WARNING_LEVEL)} · "
                    f"{t('单位', 'unit')} {w['agency_code']}" + (f" · ¥ {ui.yuan(w['amount'])}" if w.get("amount") else ""))
        st.caption(f"{w.get('message') or ''} · {t('反馈时限', 'due')} {str(w.get('due_date') or x.get('due_at') or '')[:10]}")
        with st.form(f"warn_form_{tid}"):
            result = st.radio(t("反馈结论", "Result"), list(RESULTS), key=f"result_{tid}", horizontal=True,
                              format_func=lambda k: t(*RESULTS[k]))
            ui.field_error(form, "result")
            reason = st.text_area(t("情况说明", "Explanation"), key=f"reason_{tid}")
            ui.field_error(form, "reason")
            upload = st.file_uploader(t("附件（合同、发票等）", "Attachment (contract, invoice …)"), key=f"file_{tid}")
            ui.field_error(form, "attachment_ref")
            ui.general_error(form)
            sent = st.form_submit_button(t("提交反馈", "Send the answer"), type="primary")
        if sent:
            ref = ""
            if upload is not None:
                data = upload.getvalue()
                if len(data) > MAX_BYTES:
                    ui.set_errors(form, Problem(413, "attachment_too_large", "附件超过 20 MB",
                                                "the attachment is larger than 20 MB", "attachment_ref"),
                                  {"attachment_ref"})
                    st.rerun()
                ref = keep_attachment(wid, upload.name, data)
            try:
                c.api.act(tid, "feedback", reason, {"result": result, "reason": reason, "attachment_ref": ref})
            except Problem as p:
                ui.set_errors(form, p, {"result", "reason", "attachment_ref"})
            else:
                ui.set_errors(form, None, set())
                ui.flash(t(f"已反馈预警 {w['rule_code']}", f"warning {w['rule_code']} answered"))
            st.rerun()
