"""What every workbench page shares: the person and their API client for this run, the pages and who sees
them, the core's refusals shown on the field they name, and money shown exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import streamlit as st

from fiscal_app.web_auth import WebUser

from .client import Api, Problem
from .i18n import t

HERE = Path(__file__).resolve().parent
CTX = "_wb_ctx"
UNIT_ROLES = {"unit_clerk"}


@dataclass(frozen=True)
class Ctx:
    user: WebUser
    api: Api
    me: dict[str, Any]

    @property
    def roles(self) -> set[str]:
        return {str(g["role"]) for g in self.me.get("grants", [])}

    def units(self, role: str = "unit_clerk") -> list[str]:
        """The units the person acts for in ``role`` (their unit-scoped grants)."""
        return sorted({str(g["scope_code"]) for g in self.me.get("grants", [])
                       if g["role"] == role and g["scope_kind"] == "unit"})


@dataclass(frozen=True)
class PageDef:
    file: str
    zh: str
    en: str
    icon: str
    url_path: str
    roles: frozenset[str] = frozenset()      # empty: everyone


PAGES: tuple[PageDef, ...] = (
    PageDef("pages/inbox.py", "我的待办", "My inbox", ":material/inbox:", "inbox"),
    PageDef("pages/done.py", "已办", "Done", ":material/task_alt:", "done"),
    PageDef("pages/apply_payment.py", "发起：支付申请", "New: payment application", ":material/payments:",
            "apply-payment", frozenset(UNIT_ROLES)),
    PageDef("pages/declare_project.py", "发起：项目申报", "New: project", ":material/add_box:", "declare-project",
            frozenset(UNIT_ROLES)),
    PageDef("pages/warning_feedback.py", "发起：预警反馈", "Answer a warning", ":material/report:",
            "warning-feedback", frozenset(UNIT_ROLES)),
    PageDef("pages/batch_import.py", "批量导入支付申请", "Batch import of applications", ":material/upload_file:",
            "batch-import", frozenset(UNIT_ROLES)),
)


def navigation_pages(roles: set[str]) -> list[Any]:
    shown = [p for p in PAGES if not p.roles or p.roles & roles]
    return [st.Page(str(HERE / p.file), title=t(p.zh, p.en), icon=p.icon, url_path=p.url_path, default=(i == 0))
            for i, p in enumerate(shown)]


def ctx() -> Ctx:
    c = st.session_state.get(CTX)
    if not isinstance(c, Ctx):          # a page run on its own (never through app.py): nothing to show
        st.error(t("请从工作台首页打开", "open the workbench from its home page"))
        st.stop()
    return c


# -- refusals on their field ----------------------------------------------------------------------------------
def problem_text(p: Problem) -> str:
    return t(p.detail, p.detail_en) + f" · {p.rule}"


def set_errors(form: str, p: Problem | None, known: set[str]) -> None:
    """Keep the refusal for the next run: on its field when the core names one the form has, else general."""
    if p is None:
        st.session_state.pop(f"_err_{form}", None)
        return
    name = p.field.split(".")[-1] if p.field else ""
    st.session_state[f"_err_{form}"] = {(name if name in known else ""): problem_text(p)}


def errors(form: str) -> dict[str, str]:
    return dict(st.session_state.get(f"_err_{form}") or {})


def field_error(form: str, name: str) -> None:
    msg = errors(form).get(name)
    if msg:
        st.error(msg, icon=":material/error:")


def general_error(form: str) -> None:
    field_error(form, "")


# -- money (yuan strings from the API, exact) --------------------------------------------------------------
def yuan(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def default_day(fiscal_year: Any) -> date:
    """Today, or the last day of the indicator's fiscal year when that year is over (a late application of a
    closed year is for the core to accept or refuse, but the form should not propose a day outside it)."""
    today = date.today()
    try:
        year = int(fiscal_year)
    except (TypeError, ValueError):
        return today
    return today if year >= today.year else date(year, 12, 31)


def flash(message: str) -> None:
    """A success message shown on the next run (after st.rerun())."""
    st.session_state["_flash"] = message


def show_flash() -> None:
    msg = st.session_state.pop("_flash", None)
    if msg:
        st.success(msg)
