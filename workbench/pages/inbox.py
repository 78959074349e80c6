"""我的待办 (my inbox): every step waiting for me; approve, return with an opinion, approve many at once, or
转办 (forward) to a colleague. A step leaves the list when anyone takes it."""

from __future__ import annotations

import streamlit as st

from fiscal_core.domain.workflow import DEFAULT_ROUTES
from workbench import ui
from workbench.client import Problem
from workbench.i18n import action_name, pick, step_name, t

ROUTE_ACTIONS = {r.step_code: r.actions for r in DEFAULT_ROUTES}
ELSEWHERE = {"feedback"}          # answered on its own page (a form with an attachment)

c = ui.ctx()
st.title(t("我的待办", "My inbox"))
ui.show_flash()
try:
    tasks = c.api.inbox()
except Problem as p:
    st.error(ui.problem_text(p))
    st.stop()

st.info(t(f"共 {len(tasks)} 件待办", f"{len(tasks)} pending item(s)"), icon=":material/inbox:")
if not tasks:
    st.caption(t("没有待办事项。", "Nothing is waiting for you."))
    st.stop()

steps = sorted({str(x["step_code"]) for x in tasks})
step = st.selectbox(t("事项类型", "Kind of step"), ["", *steps], key="inbox_step",
                    format_func=lambda s: t("全部", "All") if not s else step_name(s))
shown = [x for x in tasks if not step or x["step_code"] == step]

# -- bulk approval of the selected items ---------------------------------------------------------------------
selectable = [x for x in shown if "approve" in ROUTE_ACTIONS.get(str(x["step_code"]), ())]
selected = [str(x["task_id"]) for x in selectable if st.session_state.get(f"sel_{x['task_id']}")]
with st.container(border=True):
    cols = st.columns([3, 2])
    bulk_opinion = cols[0].text_input(t("批量审核意见", "Opinion for the selected items"), value="同意",
                                      key="bulk_opinion")
    cols[1].write("")
    if cols[1].button(t(f"批量通过所选（{len(selected)}）", f"Approve selected ({len(selected)})"),
                      key="bulk_approve", disabled=not selected, type="primary"):
        try:
            res = c.api.bulk_approve(selected, bulk_opinion)
        except Problem as p:
            ui.set_errors("bulk", p, set())
        else:
            ui.set_errors("bulk", None, set())
            refused = [i for i in res["items"] if not i["ok"]]
            for tid in selected:
                st.session_state.pop(f"sel_{tid}", None)
            msg = t(f"已通过 {res['approved']} 件", f"{res['approved']} approved")
            if refused:
                msg += " · " + "; ".join(t(i["detail"], i["detail_en"]) for i in refused)
            ui.flash(msg)
        st.rerun()
    ui.general_error("bulk")

# -- one card per step ----------------------------------------------------------------------------------------
for x in shown:
    tid = str(x["task_id"])
    form = f"task_{tid}"
    actions = [a for a in ROUTE_ACTIONS.get(str(x["step_code"]), ("approve", "return")) if a not in ELSEWHERE]
    with st.container(border=True, key=f"card_{tid}"):
        head = st.columns([0.6, 6, 2])
        if "approve" in actions:
            head[0].checkbox(t("选择", "Select"), key=f"sel_{tid}", label_visibility="collapsed")
        title = pick(x.get("doc_title"), str(x["doc_type"]))
        head[1].markdown(f"**{title} {x.get('doc_no') or x['doc_id']}** · {step_name(str(x['step_code']))}")
        meta = [f"{t('单位', 'unit')} {x['agency_code']}", f"{t('收到', 'received')} {str(x['created_at'])[:16]}"]
        if x.get("due_at"):
            meta.append(f"{t('时限', 'due')} {str(x['due_at'])[:16]}")
        if x.get("on_behalf_of"):
            meta.append(t(f"代 {x['on_behalf_of']} 办理", f"on behalf of {x['on_behalf_of']}"))
        head[1].caption(" · ".join(meta))
        if x.get("amount") not in (None, ""):
            head[2].markdown(f"**¥ {ui.yuan(x['amount'])}**")
        if "feedback" in ROUTE_ACTIONS.get(str(x["step_code"]), ()):
            st.page_link(str(ui.HERE / "pages/warning_feedback.py"), label=t("去反馈", "Answer it"),
                         icon=":material/report:")
        if not actions:
            continue
        opinion = st.text_input(t("审核意见（退回时必填）", "Opinion (required to return)"), key=f"op_{tid}")
        ui.field_error(form, "opinion")
        buttons = st.columns(len(actions) + 2)
        for i, a in enumerate(actions):
            if buttons[i].button(action_name(a), key=f"do_{a}_{tid}",
                                 type="primary" if a == "approve" else "secondary"):
                try:
                    c.api.act(tid, a, opinion)
                except Problem as p:
                    ui.set_errors(form, p, {"opinion"})
                else:
                    ui.set_errors(form, None, set())
                    ui.flash(t(f"已{action_name(a)}：{title} {x.get('doc_no') or x['doc_id']}",
                               f"{action_name(a)}: {title} {x.get('doc_no') or x['doc_id']}"))
                st.rerun()
        with buttons[len(actions)].popover(t("转办", "Forward")):
            to = st.text_input(t("转给（用户名）", "To (user id)"), key=f"to_{tid}")
            ui.field_error(form, "to_user")
            if st.button(t("确认转办", "Forward"), key=f"fwd_{tid}"):
                try:
                    c.api.forward(tid, to.strip(), opinion)
                except Problem as p:
                    ui.set_errors(form, p, {"to_user"})
                else:
                    ui.set_errors(form, None, set())
                    ui.flash(t(f"已转办给 {to}", f"forwarded to {to}"))
                st.rerun()
        ui.general_error(form)
