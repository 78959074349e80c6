"""Chinese by default, English on request, as the dashboards do it: the choice lives in
``st.session_state["lang"]`` (the sidebar switch), mirrored in the ``?lang=`` query parameter so that it survives
a reload and the login's round trip. Status and role names come from ``fiscal_core.domain.labels`` and step names
from the core's routes, never re-typed here."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fiscal_core.domain import labels
from fiscal_core.domain.workflow import DEFAULT_ROUTES

LANGS = ("zh", "en")
STEPS: dict[str, tuple[str, str]] = {r.step_code: (r.name_zh, r.name_en) for r in DEFAULT_ROUTES}
ACTIONS: dict[str, tuple[str, str]] = {
    "approve": ("通过", "approve"), "return": ("退回", "return"), "resubmit": ("重新提交", "resubmit"),
    "void": ("作废", "void"), "submit": ("送审", "submit"), "reject": ("不予批复", "reject"),
    "feedback": ("反馈", "answer"), "confirm": ("确认", "confirm"), "sign": ("会签", "sign"),
    "forward": ("转办", "forward"),
}


def init_lang() -> None:
    url = st.query_params.get("lang")
    if url in LANGS and url != st.session_state.get("_lang_synced"):
        st.session_state["lang"] = url
        st.session_state["_lang_synced"] = url
    st.session_state.setdefault("lang", "zh")


def sidebar_language() -> None:
    with st.sidebar:
        st.radio("语言 / Language", options=list(LANGS), key="lang", horizontal=True,
                 format_func=lambda v: "中文" if v == "zh" else "English")
    if st.query_params.get("lang") != lang():
        st.query_params["lang"] = lang()
        st.session_state["_lang_synced"] = lang()


def lang() -> str:
    value = st.session_state.get("lang", "zh")
    return value if value in LANGS else "zh"


def t(zh: str, en: str) -> str:
    return en if lang() == "en" else zh


def pick(pair: tuple[str, str] | dict[str, str] | None, fallback: str = "") -> str:
    if not pair:
        return fallback
    if isinstance(pair, dict):
        return pair.get(lang()) or pair.get("zh") or fallback
    return pair[1] if lang() == "en" else pair[0]


def step_name(step_code: str) -> str:
    return pick(STEPS.get(step_code), step_code)


def action_name(action: str) -> str:
    return pick(ACTIONS.get(action), action)


def status_name(value: str | None, table: Any) -> str:
    return labels.label(value, table, lang())
