"""预警处置 (docs/standard/monitoring.md §M1, docs/standard/monitoring.md §M3): a warning's life from the unit's feedback to closing. No I/O.

::

    待单位反馈 ──反馈(单位)──▶ 待处室审核 ──审核通过(业务处室/主管部门)──▶ 待确认 ──确认正常(国库处)──▶ 已办结
        ▲                         │                                       └─确认违规(类型、金额)─▶ 整改中 ──办结──▶ 已办结
        └────────退回(意见)────────┘

Every open step has a deadline; a warning past it escalates (the level rises, the deadline is renewed).
An orange warning that holds its payment application releases it when the unit answers 正常 with an
attachment; a unit that admits 违规 leaves the application held (it is to be voided).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ..domain.actors import Actor, Role, authorize
from ..domain.errors import StateError, ValidationError, require
from ..domain.money import Fen, check_fen, yuan


class WarnStatus(StrEnum):
    FEEDBACK = "awaiting_feedback"          # 待单位反馈
    REVIEW = "awaiting_review"              # 待处室审核
    CONFIRM = "awaiting_confirmation"       # 待确认
    RECTIFY = "rectifying"                  # 整改中
    CLOSED = "closed"                       # 已办结


STATUS_NAMES = {WarnStatus.FEEDBACK: "待单位反馈", WarnStatus.REVIEW: "待处室审核", WarnStatus.CONFIRM: "待确认",
                WarnStatus.RECTIFY: "整改中", WarnStatus.CLOSED: "已办结"}
OPEN = frozenset({WarnStatus.FEEDBACK, WarnStatus.REVIEW, WarnStatus.CONFIRM, WarnStatus.RECTIFY})
# the deadline parameter (catalogue DISPOSAL) of each open step
DEADLINE_PARAM = {WarnStatus.FEEDBACK: "feedback_days", WarnStatus.REVIEW: "review_days",
                  WarnStatus.CONFIRM: "confirm_days", WarnStatus.RECTIFY: "rectify_days"}

# docs/standard/monitoring.md §M3 violation types (S1 AffirmDialogs)
VIOLATION_TYPES = {
    "01": "预算下达不及时", "02": "滞留闲置", "03": "挤占挪用", "04": "违反规定扩大开支范围、提高支出标准",
    "05": "违规将直达资金划转至财政专户、单位或乡镇实有资金账户", "06": "虚报、冒领、套取资金",
    "07": "违规发放工资、津补贴", "08": "数据不完整、不真实", "99": "其他",
}
RESULTS = {"normal": "正常", "violation": "违规"}

UNIT = frozenset({Role.UNIT_CLERK, Role.UNIT_LEADER})
REVIEWERS = frozenset({Role.FIN_BUSINESS, Role.DEPT})
MONITOR_OFFICE = frozenset({Role.TREASURY})


@dataclass(slots=True)
class Warning:
    """The disposal-relevant part of a ``mon_warning`` row."""

    warning_id: str
    rule_code: str
    warning_level: str
    agency_code: str
    dept_code: str
    amount: Fen
    status: WarnStatus
    holds_payment: bool = False
    hold_released: bool = False
    due_date: date | None = None
    escalation_level: int = 0

    def require(self, allowed: frozenset[WarnStatus] | set[WarnStatus], action: str) -> None:
        if self.status not in allowed:
            raise StateError("warning_state", "预警当前环节不允许此操作", "action not allowed at this step",
                             warning_id=self.warning_id, status=STATUS_NAMES[self.status], action=action)


def _result(value: str) -> str:
    if value not in RESULTS:
        raise ValidationError("warning_result", "处置结果只能是正常或违规", "result must be normal or violation",
                              field="result", value=value)
    return value


def feedback(w: Warning, actor: Actor, result: str, reason: str, attachment_ref: str) -> WarnStatus:
    """单位反馈: 正常 with a reason (an orange warning also needs its attachment), or admits 违规."""
    authorize(actor, UNIT, action="warning.feedback", agency_code=w.agency_code)
    w.require({WarnStatus.FEEDBACK}, "feedback")
    _result(result)
    require(reason, "reason")
    if result == "normal" and w.warning_level == "orange" and not attachment_ref.strip():
        raise ValidationError("attachment_required", "橙色预警反馈“正常”须上传说明附件",
                              "an orange warning answered 'normal' needs an attachment", field="attachment_ref",
                              warning_id=w.warning_id)
    if result == "normal" and w.holds_payment:
        w.hold_released = True
    return WarnStatus.REVIEW


def review(w: Warning, actor: Actor, action: str, opinion: str) -> WarnStatus:
    """业务处室（或主管部门）审核: agree and pass on for confirmation, or return to the unit with an opinion."""
    authorize(actor, REVIEWERS, action=f"warning.review.{action}", dept_code=w.dept_code)
    w.require({WarnStatus.REVIEW}, "review")
    if action not in ("approve", "return"):
        raise ValidationError("review_action", "审核动作只能是通过或退回", "action must be approve or return",
                              field="action", value=action)
    if action == "return":
        require(opinion, "opinion")
        return WarnStatus.FEEDBACK
    return WarnStatus.CONFIRM


def confirm(w: Warning, actor: Actor, result: str, violation_type: str, amounts: dict[str, Fen],
            opinion: str) -> WarnStatus:
    """确认 by the monitoring office (国库处): 正常 closes; 违规 needs its type (docs/standard/monitoring.md §M3) and opens 整改 with the
    amounts to recover (收回), to re-book (调账) and other; together they cannot exceed the warning's amount."""
    authorize(actor, MONITOR_OFFICE, action="warning.confirm")
    w.require({WarnStatus.CONFIRM}, "confirm")
    _result(result)
    total = 0
    for name, amt in amounts.items():
        total += check_fen(amt, name, allow_zero=True)
    if result == "normal":
        if total:
            raise ValidationError("rectify_amounts", "确认正常时不应填写整改金额", "no rectification amounts for 'normal'",
                                  field="return_amt")
        return WarnStatus.CLOSED
    if violation_type not in VIOLATION_TYPES:
        raise ValidationError("violation_type", "确认违规须选择违规类型", "a violation needs its type (docs/standard/monitoring.md §M3)",
                              field="violation_type", value=violation_type,
                              allowed="/".join(VIOLATION_TYPES))
    if w.amount and total > w.amount:
        raise ValidationError("rectify_amounts", "整改金额合计超过预警金额", "rectification exceeds the warning's amount",
                              field="return_amt", amount=yuan(w.amount), total=yuan(total))
    require(opinion, "opinion")
    return WarnStatus.RECTIFY


def close(w: Warning, actor: Actor, rectify_detail: str) -> WarnStatus:
    """整改完成，办结."""
    authorize(actor, MONITOR_OFFICE, action="warning.close")
    w.require({WarnStatus.RECTIFY}, "close")
    require(rectify_detail, "rectify_detail")
    return WarnStatus.CLOSED


def due(today: date, days: int) -> date:
    return today + timedelta(days=days)


def overdue(w: Warning, as_of: date) -> bool:
    return w.status in OPEN and w.due_date is not None and w.due_date < as_of
