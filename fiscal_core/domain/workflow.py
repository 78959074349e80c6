"""Routing: which step of which document waits for whom (工作找人). No I/O.

A document kind names the table holding its state; a route maps a state of a kind to the step that is
pending in it: the role that takes it, the policy when several people may (``first`` = 或签, the first
decides; ``all`` = 会签, every candidate must approve), and how long it may wait before escalation.
Routes are configurable per 区划 and versioned (``sys_route``); these defaults apply where a 区划 has set
none. Tasks are written per candidate in the same transaction as the document's transition
(``fiscal_core.service_layer.workflow``), so the inbox is never out of step with the documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .actors import Role


class Policy(StrEnum):
    FIRST = "first"    # 或签
    ALL = "all"        # 会签


@dataclass(frozen=True, slots=True)
class DocKind:
    """Where a document kind keeps its state (the journal's ``object_type`` is the table)."""

    doc_type: str
    table: str
    key: str
    status: str = "status"
    title_zh: str = ""
    title_en: str = ""
    number: str | None = None        # the document's number shown in the inbox
    amount: str | None = None        # fen column shown in the inbox


DOC_KINDS: dict[str, DocKind] = {k.doc_type: k for k in (
    DocKind("pay_voucher", "pay_voucher", "pay_app_id", "status", "支付申请", "payment application",
            "pay_app_no", "pay_app_amt"),
    DocKind("pm_project", "pm_project", "pro_code", "pro_status", "项目", "project", "pro_code", "pro_total_amt"),
    DocKind("pay_plan_voucher", "pay_plan_voucher", "plan_id", "status", "用款计划", "payment plan",
            "plan_voucher_no", "plan_app_amt"),
    DocKind("mon_warning", "mon_warning", "warning_id", "status", "预警", "warning", "rule_code", "amount"),
)}


@dataclass(frozen=True, slots=True)
class Route:
    doc_type: str
    status: str
    step_code: str
    role: Role
    policy: Policy = Policy.FIRST
    due_hours: int = 72
    actions: tuple[str, ...] = ("approve", "return")
    name_zh: str = ""
    name_en: str = ""


DEFAULT_ROUTES: tuple[Route, ...] = (
    # 支付申请: 单位审核 → 国库处 (above the 区划's threshold) — docs/standard/lifecycles.md
    Route("pay_voucher", "submitted", "pay.unit_review", Role.UNIT_LEADER, due_hours=24,
          name_zh="单位审核支付申请", name_en="unit review of a payment application"),
    Route("pay_voucher", "fin_review", "pay.fin_review", Role.TREASURY, due_hours=24,
          name_zh="国库处审核支付申请", name_en="treasury review of a payment application"),
    Route("pay_voucher", "returned", "pay.revise", Role.UNIT_CLERK, due_hours=72, actions=("resubmit", "void"),
          name_zh="修改退回的支付申请", name_en="revise a returned payment application"),
    # 项目库: 单位 → 主管部门 → 财政业务处室
    Route("pm_project", "unit_review", "project.unit_review", Role.UNIT_LEADER,
          name_zh="单位审核项目", name_en="unit review of a project"),
    Route("pm_project", "dept_review", "project.dept_review", Role.DEPT,
          name_zh="主管部门审核项目", name_en="department review of a project"),
    Route("pm_project", "fin_review", "project.fin_review", Role.FIN_BUSINESS, due_hours=120,
          name_zh="业务处室审核项目", name_en="finance division review of a project"),
    Route("pm_project", "returned", "project.revise", Role.UNIT_CLERK, due_hours=168, actions=("submit", "void"),
          name_zh="修改退回的项目", name_en="revise a returned project"),
    # 用款计划: 国库处批复
    Route("pay_plan_voucher", "submitted", "plan.approve", Role.TREASURY, actions=("approve", "reject"),
          name_zh="批复用款计划", name_en="approve a payment plan"),
    # 预警处置: 单位反馈 → 业务处室审核 → 国库处确认
    Route("mon_warning", "awaiting_feedback", "warning.feedback", Role.UNIT_CLERK, actions=("feedback",),
          name_zh="反馈预警", name_en="answer a warning"),
    Route("mon_warning", "awaiting_review", "warning.review", Role.FIN_BUSINESS, name_zh="审核预警反馈",
          name_en="review a warning's answer"),
    Route("mon_warning", "awaiting_confirmation", "warning.confirm", Role.TREASURY, actions=("confirm",),
          name_zh="确认预警处置", name_en="confirm a warning's disposal"),
)

ROUTE_BY_STATE: dict[tuple[str, str], Route] = {(r.doc_type, r.status): r for r in DEFAULT_ROUTES}

TASK_OPEN, TASK_DONE, TASK_CANCELLED, TASK_FORWARDED = "open", "done", "cancelled", "forwarded"
