"""Chinese by default, English on request: ``t("收入", "Revenue")`` returns the text of the chosen language.

The choice lives in ``st.session_state["lang"]`` (set by the sidebar switch in app.py and mirrored in the
``?lang=`` query parameter, so it persists across pages and survives a reload).
"""

from __future__ import annotations

import streamlit as st

LANGS = ("zh", "en")


def lang() -> str:
    value = st.session_state.get("lang", "zh")
    return value if value in LANGS else "zh"


def t(zh: str, en: str) -> str:
    return en if lang() == "en" else zh


def both(zh: str, en: str) -> str:
    """Chinese and English together, for error messages that must be understood whatever the switch says."""
    return f"{zh}（{en}）"
