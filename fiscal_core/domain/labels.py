"""Bilingual labels (Chinese, English) of the core's status and code enums: one place for every reader
(the dashboards, reports) to name a status, so none re-types the core's vocabulary and drifts from it.

Each table is keyed by the enum and covers every member; building it fails at import when a member lacks
a label in either language. The Chinese is the core's own (``STATUS_NAMES``, ``PAY_STATUS_NAMES``,
``LEVEL_NAMES``, ``ROLE_NAMES`` next to each enum) where the core has one; the English is added here, and so
is the Chinese of the enums the core names nowhere else (用款计划 status, trigger). No I/O.

Code sets (资金性质, 功能分类 …) are not here: their names live in ``fiscal_core/codesets/*.csv`` and reach the
warehouse as the dbt seeds of schema ``ref``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from ..monitoring.catalogue import LEVEL_NAMES, Level, Trigger
from ..monitoring.disposal import STATUS_NAMES as WARN_STATUS_NAMES
from ..monitoring.disposal import WarnStatus
from .actors import ROLE_NAMES, Role
from .payments import PAY_STATUS_NAMES, PayStatus, PlanStatus
from .projects import STATUS_NAMES as PROJECT_STATUS_NAMES
from .projects import ProjectStatus

Label = tuple[str, str]  # (Chinese, English)
E = TypeVar("E", bound=StrEnum)


def _bilingual(enum: type[E], zh: Mapping[Any, str], en: Mapping[Any, str]) -> Mapping[E, Label]:
    """Every member of ``enum`` with its Chinese and English label (StrEnum members look up str keys too)."""
    missing = [m.value for m in enum if not zh.get(m) or not en.get(m)]
    if missing:
        raise KeyError(f"{enum.__name__}: no bilingual label for {', '.join(missing)}")
    extra = sorted({str(k) for k in (*zh, *en)} - {m.value for m in enum})
    if extra:
        raise KeyError(f"{enum.__name__}: labels for values it does not have: {', '.join(extra)}")
    return MappingProxyType({m: (zh[m], en[m]) for m in enum})


PROJECT_STATUS: Mapping[ProjectStatus, Label] = _bilingual(ProjectStatus, PROJECT_STATUS_NAMES, {
    ProjectStatus.DRAFT: "draft",
    ProjectStatus.UNIT_REVIEW: "unit review",
    ProjectStatus.DEPT_REVIEW: "department review",
    ProjectStatus.FIN_REVIEW: "bureau review",
    ProjectStatus.RESERVED: "in the library",
    ProjectStatus.BUDGETED: "budgeted",
    ProjectStatus.EXECUTING: "executing",
    ProjectStatus.COMPLETED: "completed",
    ProjectStatus.TERMINATED: "terminated",
    ProjectStatus.RETURNED: "returned for revision",
    ProjectStatus.VOIDED: "voided",
})

PAY_STATUS: Mapping[PayStatus, Label] = _bilingual(PayStatus, PAY_STATUS_NAMES, {
    PayStatus.SUBMITTED: "awaiting unit review",
    PayStatus.FIN_REVIEW: "awaiting bureau review",
    PayStatus.APPROVED: "approved, awaiting the voucher",
    PayStatus.VOUCHER_ISSUED: "sent to the bank",
    PayStatus.PAID: "paid by the bank",
    PayStatus.CLEARED: "cleared",
    PayStatus.RETURNED: "sent back",
    PayStatus.VOIDED: "voided",
    PayStatus.BANK_RETURNED: "returned by the bank",
})

PLAN_STATUS: Mapping[PlanStatus, Label] = _bilingual(PlanStatus, {
    PlanStatus.SUBMITTED: "已提交",
    PlanStatus.APPROVED: "已批复",
    PlanStatus.REJECTED: "不予批复",
}, {
    PlanStatus.SUBMITTED: "submitted",
    PlanStatus.APPROVED: "approved",
    PlanStatus.REJECTED: "rejected",
})

WARNING_LEVEL: Mapping[Level, Label] = _bilingual(Level, LEVEL_NAMES, {
    Level.RED: "red",
    Level.ORANGE: "orange",
    Level.YELLOW: "yellow",
    Level.BLUE: "blue",
})

WARNING_STATUS: Mapping[WarnStatus, Label] = _bilingual(WarnStatus, WARN_STATUS_NAMES, {
    WarnStatus.FEEDBACK: "awaiting feedback",
    WarnStatus.REVIEW: "awaiting review",
    WarnStatus.CONFIRM: "awaiting confirmation",
    WarnStatus.RECTIFY: "rectifying",
    WarnStatus.CLOSED: "closed",
})

TRIGGER: Mapping[Trigger, Label] = _bilingual(Trigger, {
    Trigger.REALTIME: "实时触发",
    Trigger.SCHEDULED: "定时触发",
}, {
    Trigger.REALTIME: "real time",
    Trigger.SCHEDULED: "scheduled",
})

ROLE: Mapping[Role, Label] = _bilingual(Role, ROLE_NAMES, {
    Role.UNIT_CLERK: "unit clerk",
    Role.UNIT_LEADER: "unit head",
    Role.DEPT: "supervising department",
    Role.FIN_BUSINESS: "finance business division",
    Role.FIN_BUDGET: "budget division",
    Role.TREASURY: "treasury division",
    Role.BANK: "agent bank",
    Role.ADMIN: "administrator",
    Role.SYSTEM: "system",
    Role.BUREAU_LEADER: "bureau leadership",
    Role.DEPT_LEADER: "department head",
    Role.HR: "human resources",
    Role.ANALYST: "analyst",
})

# every table, by the enum it labels (what the unit test walks)
ALL: Mapping[type[StrEnum], Mapping[Any, Label]] = MappingProxyType({
    ProjectStatus: PROJECT_STATUS, PayStatus: PAY_STATUS, PlanStatus: PLAN_STATUS, Level: WARNING_LEVEL,
    WarnStatus: WARNING_STATUS, Trigger: TRIGGER, Role: ROLE,
})


def label(value: str | None, table: Mapping[E, Label], lang: str = "zh") -> str:
    """The label of ``value`` (an enum member or its string) in ``lang`` ("zh" or "en"); a value the table
    does not know (a warehouse older or newer than this code) shows as itself, None as an empty string."""
    if value is None:
        return ""
    pair = table.get(value)  # type: ignore[call-overload]
    if pair is None:
        return str(value)
    return pair[1] if lang == "en" else pair[0]
