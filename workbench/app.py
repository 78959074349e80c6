"""财政工作台 (the workbench) — behind the platform's single sign-on. Run by ``fiscal serve`` (port 8502), or
``streamlit run workbench/app.py`` with the ``[auth]`` secrets ``fiscal_app.web_auth`` writes.

Every figure and every step goes through the API (``FISCAL_API_URL``) with the person's access token: the
workbench holds no database connection, so it can show and do exactly what the person's grants allow.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run workbench/app.py` puts workbench/ on sys.path, not the repository root
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from fiscal_app.web_auth import logout, require_login  # noqa: E402
from fiscal_core.domain import labels  # noqa: E402
from workbench import ui  # noqa: E402
from workbench.client import Api, Problem  # noqa: E402
from workbench.i18n import init_lang, sidebar_language, status_name, t  # noqa: E402

st.set_page_config(page_title="财政工作台 Workbench", page_icon=":material/work:", layout="wide")

init_lang()
sidebar_language()
user = require_login(t)
api = Api(user.access_token)
try:
    me = api.me()
except Problem as p:
    if p.status == 401:          # the token was refused (another issuer, a key change): log in again
        st.warning(ui.problem_text(p))
        if st.button("重新登录 / Log in again", type="primary"):
            logout()
        st.stop()
    st.error(ui.problem_text(p))
    st.stop()
st.session_state[ui.CTX] = ui.Ctx(user, api, me)

with st.sidebar:
    st.markdown(f"**{me.get('user_name') or user.name}** · `{user.user_id}`")
    roles = sorted({status_name(str(g["role"]), labels.ROLE) + f" · {g['scope_code']}" for g in me.get("grants", [])})
    st.caption(" / ".join(roles) or t("（无授权）", "(no grants)"))
    st.metric(t("待办", "Pending"), me.get("pending", 0),
              delta=(t(f"{me['overdue']} 件超时", f"{me['overdue']} overdue") if me.get("overdue") else None),
              delta_color="inverse")
    if st.button(t("退出登录", "Log out"), key="logout", icon=":material/logout:"):
        logout()
    st.caption(t("财政一体化管理平台 · 工作台", "Fiscal integration platform · workbench"))

greeted = f"{user.user_id}:{user.session_expires_at}"
if st.session_state.get("_greeted") != greeted:      # once per login: the count of pending items
    st.session_state["_greeted"] = greeted
    st.toast(t(f"欢迎，{me.get('user_name') or user.name}：您有 {me.get('pending', 0)} 件待办",
               f"Welcome, {me.get('user_name') or user.name}: {me.get('pending', 0)} pending item(s)"))

page = st.navigation(ui.navigation_pages(ui.Ctx(user, api, me).roles))
page.run()
