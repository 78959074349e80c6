"""动态监控 in the core: the payment hook (real-time rules) and the handlers of the disposal workflow.

``screen_payment`` is called by ``submit_payment`` inside its transaction, after the hard checks of docs/standard/controls.md §PAY:
a red hit refuses the application with the rule's message; an orange hit holds it (it is filed as
returned, nothing occupied) until the unit answers the warning with an attachment and resubmits;
yellow and blue hits are recorded. Every warning and every disposal step is journalled in the same
transaction as the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..domain import commands as c
from ..domain.actors import SYSTEM, Actor, Role, authorize
from ..domain.errors import ControlViolation, ValidationError, require
from ..domain.journal import dumps
from ..domain.money import check_fen
from ..domain.payments import PaymentApplication
from ..service_layer.unit_of_work import UnitOfWork
from . import disposal as d
from .catalogue import DISPOSAL, Level, Params, Trigger, config_key, rule, validate_setting
from .realtime import Hit, PaymentFacts, evaluate
from .repository import WarningRepo, now_row

ENABLED_KEY = config_key("ALL", "enabled")      # mon.ALL.enabled = 0 switches real-time screening off


def repo(uow: UnitOfWork) -> WarningRepo:
    """The unit of work's warning repository (``uow.warnings``), for callers that name it this way."""
    return uow.warnings


def _deadline(settings: Mapping[str, str], status: d.WarnStatus, today: date) -> date | None:
    if status not in d.DEADLINE_PARAM:
        return None
    return d.due(today, int(Params(DISPOSAL, settings)[d.DEADLINE_PARAM[status]]))


# -- the payment hook ---------------------------------------------------------------------------------------
@dataclass
class Screening:
    """The real-time rules' verdict on one application (red ones have already refused it)."""

    hits: list[Hit] = field(default_factory=list)
    settings: Mapping[str, str] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        """An orange hit: the application waits for the unit's explanation."""
        return any(h.rule.level == Level.ORANGE for h in self.hits)

    def record(self, uow: UnitOfWork, app: PaymentApplication) -> None:
        """Write a warning per hit (and the hold) once the application has its number."""
        if not self.hits:
            return
        now = uow.now_naive()
        due = _deadline(self.settings, d.WarnStatus.FEEDBACK, now.date())
        for hit in self.hits:
            wid = uow.new_id()
            held = hit.rule.level == Level.ORANGE
            uow.warnings.add({
                "warning_id": wid, "warning_key": f"{hit.rule.code}:{app.pay_app_id}", "rule_code": hit.rule.code,
                "rule_no": hit.rule.no, "rule_version": hit.rule.version, "trigger_type": Trigger.REALTIME.value,
                "warning_level": hit.rule.level.value, "mof_div_code": app.mof_div_code,
                "fiscal_year": app.fiscal_year, "agency_code": app.agency_code, "dept_code": app.dept_code,
                "pro_code": app.pro_code, "bgt_id": app.bgt_id, "pay_app_id": app.pay_app_id, "period": None,
                "amount": app.pay_app_amt, "message": hit.message, "evidence_json": dumps(hit.evidence),
                "detected_at": now, "status": d.WarnStatus.FEEDBACK.value, "holds_payment": held,
                "hold_released": False, "due_date": due, "escalation_level": 0, "return_amt": 0,
                "transfer_amt": 0, "other_amt": 0, **now_row(now)})
            _step(uow, SYSTEM, wid, "raise", None, d.WarnStatus.FEEDBACK, "",
                  {"rule_code": hit.rule.code, "pay_app_no": app.pay_app_no})
            uow.record(SYSTEM, "warning.raise", "mon_warning", wid, after={
                "rule_code": hit.rule.code, "rule_version": hit.rule.version, "level": hit.rule.level.value,
                "pay_app_id": app.pay_app_id, "pay_app_no": app.pay_app_no, "amount": app.pay_app_amt,
                "holds_payment": held, "message": hit.message})
        if self.holds:
            uow.record(SYSTEM, "payment.monitor_hold", "pay_voucher", app.pay_app_id,
                       before={"status": "submitted"}, after={"status": app.status.value},
                       opinion="动态监控橙色预警：须上传说明附件后重新提交 (orange warning: explain with an attachment, "
                               "then resubmit)")


def screen_payment(uow: UnitOfWork, app: PaymentApplication) -> Screening:
    """Run the real-time rules on an application about to be filed. Raises ``ControlViolation`` on a red hit."""
    name, accounts, settings = uow.warnings.facts(app.agency_code, app.mof_div_code)
    if settings.get(ENABLED_KEY) == "0":
        return Screening()
    facts = PaymentFacts(app.pay_app_id, app.mof_div_code, app.agency_code, name, app.fund_type_code,
                         app.dep_bgt_eco_code, app.set_mode_code, app.fund_traobj_type_code, app.pay_app_amt,
                         app.payee_acct_name, app.payee_acct_no, app.use_des, accounts)
    hits = evaluate(facts, settings, uow.codes)
    if hits and hits[0].rule.level == Level.RED:
        h = hits[0]
        raise ControlViolation(f"mon_{h.rule.code}", f"动态监控红色预警拦截：{h.rule.name}：{h.zh}",
                               f"blocked by monitoring rule {h.rule.code} ({h.rule.name_en}): {h.en}",
                               rule_code=h.rule.code, rule_version=h.rule.version)
    return Screening(hits, settings)


def require_released(uow: UnitOfWork, app: PaymentApplication) -> None:
    """A resubmitted application held by an orange warning goes on only once the unit has explained it."""
    held = uow.warnings.holds(app.pay_app_id)
    if held:
        wid, code, status = held[0]
        raise ControlViolation("mon_explanation_required", "动态监控橙色预警：须先反馈说明并上传附件，方可重新提交",
                               "an orange monitoring warning holds this application: answer it with an attachment "
                               "first", warning_id=wid, rule_code=code, status=d.STATUS_NAMES[d.WarnStatus(status)])


# -- disposal ----------------------------------------------------------------------------------------------
def _step(uow: UnitOfWork, actor: Actor, warning_id: str, action: str, before: d.WarnStatus | None,
          after: d.WarnStatus, opinion: str, detail: Mapping[str, Any]) -> None:
    r = uow.warnings
    r.add_step({"step_id": uow.new_id(), "warning_id": warning_id, "step_no": r.next_step_no(warning_id),
                "action": action, "actor": actor.user_id, "actor_role": actor.role.value,
                "from_status": before.value if before else None, "to_status": after.value, "opinion": opinion or "",
                "detail_json": dumps(dict(detail)), "created_at": uow.now_naive()})


def _move(uow: UnitOfWork, actor: Actor, w: d.Warning, row: Mapping[str, Any], action: str, new: d.WarnStatus,
          opinion: str, values: Mapping[str, Any]) -> str:
    """Write the warning's new step: status, deadline, the step row and the journal event."""
    before = w.status
    now = uow.now_naive()
    settings = uow.warnings.settings(row["mof_div_code"])
    update = {"status": new.value, "due_date": _deadline(settings, new, now.date()), "update_time": now, **values}
    if new == d.WarnStatus.CLOSED:
        update["closed_at"] = now
    uow.warnings.update(w.warning_id, update)
    detail = {k: v for k, v in values.items() if k != "update_time"}
    _step(uow, actor, w.warning_id, action, before, new, opinion, detail)
    uow.record(actor, f"warning.{action}", "mon_warning", w.warning_id, before={"status": before.value},
               after={"status": new.value, **detail}, opinion=opinion)
    return new.value


def feedback_warning(uow: UnitOfWork, cmd: c.FeedbackWarning) -> str:
    w, row = uow.warnings.get(cmd.warning_id, lock=True)
    new = d.feedback(w, cmd.actor, cmd.result, cmd.reason, cmd.attachment_ref)
    values: dict[str, Any] = {"feedback_result": cmd.result, "feedback_text": cmd.reason.strip(),
                              "attachment_ref": cmd.attachment_ref.strip() or None}
    if w.hold_released and not row["hold_released"]:
        values["hold_released"] = True
    return _move(uow, cmd.actor, w, row, "feedback", new, cmd.reason, values)


def review_warning(uow: UnitOfWork, cmd: c.ReviewWarning) -> str:
    w, row = uow.warnings.get(cmd.warning_id, lock=True)
    new = d.review(w, cmd.actor, cmd.action, cmd.opinion)
    return _move(uow, cmd.actor, w, row, "review" if cmd.action == "approve" else "review_return", new,
                 cmd.opinion, {"review_opinion": cmd.opinion.strip() or None})


def confirm_warning(uow: UnitOfWork, cmd: c.ConfirmWarning) -> str:
    w, row = uow.warnings.get(cmd.warning_id, lock=True)
    amounts = {"return_amt": cmd.return_amt, "transfer_amt": cmd.transfer_amt, "other_amt": cmd.other_amt}
    new = d.confirm(w, cmd.actor, cmd.result, cmd.violation_type, amounts, cmd.opinion)
    values: dict[str, Any] = {"affirm_result": cmd.result, **amounts,
                              "violation_type": cmd.violation_type if cmd.result == "violation" else None}
    return _move(uow, cmd.actor, w, row, "confirm", new, cmd.opinion, values)


def close_warning(uow: UnitOfWork, cmd: c.CloseWarning) -> str:
    w, row = uow.warnings.get(cmd.warning_id, lock=True)
    new = d.close(w, cmd.actor, cmd.rectify_detail)
    return _move(uow, cmd.actor, w, row, "close", new, cmd.rectify_detail,
                 {"rectify_detail": cmd.rectify_detail.strip()})


def escalate_warnings(uow: UnitOfWork, cmd: c.EscalateWarnings) -> list[str]:
    """Open warnings past their deadline escalate one level; the step's deadline is renewed from ``as_of``."""
    authorize(cmd.actor, {Role.TREASURY}, action="warning.escalate")
    r = uow.warnings
    settings = r.settings(cmd.mof_div_code)
    out = []
    for wid in r.overdue(cmd.mof_div_code, cmd.as_of):
        w, _row = r.get(wid, lock=True)
        if not d.overdue(w, cmd.as_of):
            continue
        level = w.escalation_level + 1
        due = _deadline(settings, w.status, cmd.as_of)
        r.update(wid, {"escalation_level": level, "due_date": due, "update_time": uow.now_naive()})
        detail = {"escalation_level": level, "was_due": w.due_date, "due_date": due, "as_of": cmd.as_of}
        _step(uow, cmd.actor, wid, "escalate", w.status, w.status, "逾期未办，升级督办 (overdue, escalated)", detail)
        uow.record(cmd.actor, "warning.escalate", "mon_warning", wid, before={"escalation_level": w.escalation_level},
                   after=detail, opinion="逾期未办，升级督办")
        out.append(wid)
    return out


def record_scheduled_warnings(uow: UnitOfWork, cmd: c.RecordScheduledWarnings) -> list[str]:
    """Bring the warehouse's scheduled hits (``marts.fct_warning``) into the disposal workflow; a hit
    already recorded (same ``warning_key``) is left alone. Returns the new warnings' ids."""
    authorize(cmd.actor, {Role.TREASURY}, action="warning.record")
    r = uow.warnings
    seen = r.existing_keys(h.warning_key for h in cmd.hits)
    now = uow.now_naive()
    settings_by_div: dict[str, dict[str, str]] = {}
    out = []
    for h in cmd.hits:
        if h.warning_key in seen:
            continue
        ru = rule(h.rule_code)
        if ru.trigger != Trigger.SCHEDULED:
            raise ValidationError("mon_rule_trigger", "只能登记定时规则的预警", "only scheduled rules' hits are recorded",
                                  field="rule_code", rule_code=h.rule_code)
        require(h.agency_code, "agency_code")
        check_fen(h.amount, "amount", allow_zero=True)
        seen.add(h.warning_key)
        settings = settings_by_div.setdefault(h.mof_div_code, r.settings(h.mof_div_code))
        dept = uow.agencies.get(h.agency_code).dept_code
        wid = uow.new_id()
        r.add({"warning_id": wid, "warning_key": h.warning_key, "rule_code": ru.code, "rule_no": ru.no,
               "rule_version": h.rule_version, "trigger_type": Trigger.SCHEDULED.value,
               "warning_level": ru.level.value, "mof_div_code": h.mof_div_code, "fiscal_year": h.fiscal_year,
               "agency_code": h.agency_code, "dept_code": dept, "pro_code": h.pro_code, "bgt_id": h.bgt_id,
               "pay_app_id": h.pay_app_id, "period": h.period, "amount": h.amount, "message": h.message,
               "evidence_json": h.evidence_json, "detected_at": h.detected_at,
               "status": d.WarnStatus.FEEDBACK.value, "holds_payment": False, "hold_released": False,
               "due_date": _deadline(settings, d.WarnStatus.FEEDBACK, now.date()), "escalation_level": 0,
               "return_amt": 0, "transfer_amt": 0, "other_amt": 0, **now_row(now)})
        _step(uow, cmd.actor, wid, "raise", None, d.WarnStatus.FEEDBACK, "", {"rule_code": ru.code,
                                                                             "warning_key": h.warning_key})
        uow.record(cmd.actor, "warning.raise", "mon_warning", wid, after={
            "rule_code": ru.code, "rule_version": h.rule_version, "level": ru.level.value,
            "warning_key": h.warning_key, "amount": h.amount, "message": h.message})
        out.append(wid)
    return out


def set_monitor_param(uow: UnitOfWork, cmd: c.SetMonitorParam) -> None:
    """A rule's parameter (or ``enabled``) for one 区划, validated against the catalogue and journalled."""
    authorize(cmd.actor, {Role.TREASURY}, action="monitor.set_param")
    if not uow.agencies.div_exists(cmd.mof_div_code):
        from ..domain.errors import NotFound
        raise NotFound("mof_div_not_found", "财政区划不存在", "mof_div not found", mof_div_code=cmd.mof_div_code)
    if cmd.rule_code == "ALL" and cmd.param == "enabled":
        value = validate_setting(DISPOSAL.code, "enabled", cmd.value)
    else:
        value = validate_setting(cmd.rule_code, cmd.param, cmd.value)
    key = config_key(cmd.rule_code, cmd.param)
    old = uow.config.set(cmd.mof_div_code, key, value)
    uow.record(cmd.actor, "monitor.set_param", "sys_div_config", f"{cmd.mof_div_code}:{key}",
               before={"value": old}, after={"value": value})
