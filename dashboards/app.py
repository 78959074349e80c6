"""财政一体化管理平台 — leadership dashboards, behind the platform's single sign-on. Run by ``fiscal serve``, or
``streamlit run dashboards/app.py`` with the ``[auth]`` secrets ``fiscal_app.web_auth`` writes (FISCAL_HOME set).

Nobody sees a figure before logging in (``web_auth.require_login``: the login page only); the person's scope
comes from their grants in the core (``ui.sign_in``), never from the URL or the sidebar, and every loader
filters by it. Pages are declared here with st.navigation; each lives in views/. All SQL is in the data layer,
dashboards/data/ (one module per page area).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboards/app.py` puts dashboards/ on sys.path, not the repository root
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboards import data, ui  # noqa: E402
from dashboards.i18n import t  # noqa: E402
from fiscal_app.web_auth import require_login  # noqa: E402

st.set_page_config(page_title="财政一体化管理平台", page_icon=":material/account_balance:", layout="wide")

ui.init_state()
ui.sidebar_language()
user = require_login(t)  # the login page, and nothing else, until the person has logged in
ui.sign_in(user)
with data.request():  # one page view: one warehouse identity, at most one short read-only connection
    ui.run_guarded(ui.sidebar)
    st.sidebar.caption(t("财政一体化管理平台 · 领导驾驶舱", "Fiscal integration platform · leadership dashboards"))

    page = st.navigation(ui.navigation_pages())
    try:
        ui.run_guarded(page.run)
    finally:  # also after st.stop() in a page (a BaseException), so the URL always matches what is shown
        ui.sync_query_params(st.session_state.get("_page_params"))
        st.session_state["_page_params"] = None
