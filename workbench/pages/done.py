"""已办 (done): the steps I took, newest first, with what I decided."""

from __future__ import annotations

import streamlit as st

from workbench import ui
from workbench.client import Problem
from workbench.i18n import action_name, pick, step_name, t

c = ui.ctx()
st.title(t("已办", "Done"))
try:
    done = c.api.inbox(done=True)
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()
st.caption(t(f"共 {len(done)} 件", f"{len(done)} item(s)"))
rows = [{t("单据", "Document"): f"{pick(x.get('doc_title'), str(x['doc_type']))} {x.get('doc_no') or x['doc_id']}",
         t("环节", "Step"): step_name(str(x["step_code"])),
         t("办理", "Outcome"): action_name(str(x.get("outcome") or x.get("status"))),
         t("意见", "Opinion"): x.get("opinion") or "",
         t("金额（元）", "Amount (yuan)"): ui.yuan(x.get("amount")),
         t("办理时间", "When"): str(x.get("done_at") or "")[:16]} for x in done]
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.caption(t("还没有已办事项。", "Nothing done yet."))
