"""The inbox (工作找人): tasks materialised per candidate in the transaction of the document's transition.

``sync_tasks`` runs in every unit of work just before it commits. For each document a command touched
(the journal events name them) it compares the document's state with the open tasks: tasks of a step the
document has left are closed — ``done`` for the person who took it, ``cancelled`` for the other
candidates, so an item leaves every inbox when anyone takes it — and when the new state has a route, a task
is written for each person whose grant covers the document's agency with the route's role (the one scope
predicate), each delegate of theirs (on behalf of them), never the person who just acted (no
self-approval). ``act_on_task`` takes a step from the inbox by running the document's own command with the
task's role; under 会签 every candidate must approve before the document moves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ..domain import commands as c
from ..domain.actors import Actor, Role, authorize
from ..domain.errors import NotFound, PermissionDenied, StateError, ValidationError
from ..domain.workflow import (
    DOC_KINDS,
    ROUTE_BY_STATE,
    TASK_CANCELLED,
    TASK_DONE,
    TASK_FORWARDED,
    TASK_OPEN,
    Policy,
    Route,
)
from ..monitoring import service as monitoring
from . import payments, projects
from .unit_of_work import UnitOfWork


def _routes(uow: UnitOfWork, mof_div_code: str) -> dict[tuple[str, str], Route | None]:
    """The 区划's routes: the defaults, overridden by its newest configured versions (cached per unit of work)."""
    cache: dict[str, dict[tuple[str, str], Route | None]] = uow.scratch.setdefault("routes", {})
    if mof_div_code not in cache:
        routes: dict[tuple[str, str], Route | None] = dict(ROUTE_BY_STATE)
        for r in uow.identity.routes(mof_div_code):
            key = (r["doc_type"], r["status"])
            base = ROUTE_BY_STATE.get(key)
            routes[key] = Route(r["doc_type"], r["status"], r["step_code"], Role(r["role"]), Policy(r["policy"]),
                                int(r["due_hours"]), base.actions if base else ("approve", "return"),
                                base.name_zh if base else r["step_code"], base.name_en if base else r["step_code"],
                                ) if r["is_enabled"] else None
            if r["min_amt"] is not None:
                uow.scratch.setdefault("min_amt", {})[(mof_div_code, *key)] = int(r["min_amt"])
        cache[mof_div_code] = routes
    return cache[mof_div_code]


def route_for(uow: UnitOfWork, doc_type: str, doc: Any) -> Route | None:
    route = _routes(uow, doc["mof_div_code"]).get((doc_type, doc["status"]))
    floor = uow.scratch.get("min_amt", {}).get((doc["mof_div_code"], doc_type, doc["status"]))
    if route is not None and floor is not None and doc["amount"] is not None and int(doc["amount"]) < floor:
        return None
    return route


def sync_tasks(uow: UnitOfWork) -> None:
    """Bring the tasks of every document this transaction touched in step with the document (pre-commit)."""
    touched: dict[tuple[str, str], dict[str, Any]] = {}
    for ev in uow.events:
        if ev["object_type"] in DOC_KINDS:
            touched[(ev["object_type"], ev["object_id"])] = ev    # the last event on a document decides
    if not touched:
        return
    if "has_grants" not in uow.scratch:
        uow.scratch["has_grants"] = uow.identity.any_grant()
    if not uow.scratch["has_grants"]:
        return                                       # a core nobody logs into (the simulator's bulk runs)
    now = uow.now_naive()
    for (doc_type, doc_id), ev in touched.items():
        _sync_one(uow, doc_type, doc_id, ev, now)


def _sync_one(uow: UnitOfWork, doc_type: str, doc_id: str, ev: dict[str, Any], now: datetime) -> None:
    repo = uow.identity
    doc = repo.document(DOC_KINDS[doc_type], doc_id)
    open_ = repo.open_tasks(doc_type, doc_id)
    route = route_for(uow, doc_type, doc) if doc is not None else None
    step = route.step_code if route else None
    actor = ev["actor"]
    outcome = ev["action"].split(".", 1)[-1]
    keep = [tk for tk in open_ if tk["step_code"] == step and tk["doc_status"] == (doc["status"] if doc else None)]
    for tk in open_:
        if tk in keep:
            continue
        mine = actor in (tk["user_id"], tk["on_behalf_of"])
        repo.close_task(tk["task_id"], TASK_DONE if mine else TASK_CANCELLED, actor, outcome,
                        ev["opinion"] or None, now)
    if route is None or keep or doc is None:
        return
    open_tasks(uow, doc_type, doc_id, doc, route, exclude=actor, now=now)


def open_tasks(uow: UnitOfWork, doc_type: str, doc_id: str, doc: Any, route: Route, *, exclude: str,
               now: datetime) -> int:
    repo = uow.identity
    day = uow.now().date()
    users = [u for u in repo.candidates(doc["agency_code"], route.role.value, day) if u != exclude]
    pairs: list[tuple[str, str | None]] = [(u, None) for u in users]
    pairs += [(to, frm) for frm, to in repo.delegates(users, day) if to != exclude]
    due = now + timedelta(hours=route.due_hours)
    if doc_type == "mon_warning" and (deadline := repo.warning_due(doc_id)) is not None:
        due = datetime.combine(deadline, datetime.min.time()) + timedelta(hours=18)   # 处置时限: that day's end
    rows, notes = [], []
    kind = DOC_KINDS[doc_type]
    for user, behalf in dict.fromkeys(pairs):
        tid = uow.new_id()
        rows.append({"task_id": tid, "doc_type": doc_type, "doc_id": doc_id, "doc_status": doc["status"],
                     "step_code": route.step_code, "policy": route.policy.value, "role": route.role.value,
                     "user_id": user, "on_behalf_of": behalf, "mof_div_code": doc["mof_div_code"],
                     "agency_code": doc["agency_code"], "doc_no": doc["doc_no"], "amount": doc["amount"],
                     "status": TASK_OPEN, "created_at": now, "due_at": due})
        notes.append({"notice_id": uow.new_id(), "user_id": user, "task_id": tid, "channel": "inbox",
                      "title": f"待办：{route.name_zh} {kind.title_zh} {doc['doc_no'] or doc_id}", "created_at": now})
    repo.add_tasks(rows)
    repo.notify(notes)
    return len(rows)


# -- taking a step ------------------------------------------------------------------------------------
def _fields(cmd: c.ActOnTask) -> dict[str, str]:
    return dict(cmd.fields)


def _fen(v: str | None) -> int:
    return int(v) if v else 0


# (doc_type, action) → the document's own handler and its command
STEPS: dict[tuple[str, str], tuple[Callable[[UnitOfWork, Any], Any], Callable[[str, c.ActOnTask, Actor], Any]]] = {
    ("pay_voucher", "approve"): (payments.review_payment,
                                 lambda i, k, a: c.ReviewPayment(i, "approve", k.opinion, a)),
    ("pay_voucher", "return"): (payments.review_payment, lambda i, k, a: c.ReviewPayment(i, "return", k.opinion, a)),
    ("pay_voucher", "resubmit"): (payments.resubmit_payment, lambda i, k, a: c.ResubmitPayment(i, a)),
    ("pay_voucher", "void"): (payments.void_payment, lambda i, k, a: c.VoidPayment(i, k.opinion, a)),
    ("pm_project", "approve"): (projects.project_action, lambda i, k, a: c.ProjectAction(i, "approve", k.opinion, a)),
    ("pm_project", "return"): (projects.project_action, lambda i, k, a: c.ProjectAction(i, "return", k.opinion, a)),
    ("pm_project", "submit"): (projects.project_action, lambda i, k, a: c.ProjectAction(i, "submit", k.opinion, a)),
    ("pm_project", "void"): (projects.project_action, lambda i, k, a: c.ProjectAction(i, "void", k.opinion, a)),
    ("pay_plan_voucher", "approve"): (payments.approve_plan,
                                      lambda i, k, a: c.ApprovePlan(i, None, False, k.opinion, a)),
    ("pay_plan_voucher", "reject"): (payments.approve_plan, lambda i, k, a: c.ApprovePlan(i, None, True, k.opinion, a)),
    ("mon_warning", "feedback"): (monitoring.feedback_warning, lambda i, k, a: c.FeedbackWarning(
        i, _fields(k).get("result", ""), _fields(k).get("reason", k.opinion), _fields(k).get("attachment_ref", ""), a)),
    ("mon_warning", "approve"): (monitoring.review_warning, lambda i, k, a: c.ReviewWarning(i, "approve", k.opinion, a)),
    ("mon_warning", "return"): (monitoring.review_warning, lambda i, k, a: c.ReviewWarning(i, "return", k.opinion, a)),
    ("mon_warning", "confirm"): (monitoring.confirm_warning, lambda i, k, a: c.ConfirmWarning(
        i, _fields(k).get("result", ""), _fields(k).get("violation_type", ""), _fen(_fields(k).get("return_amt")),
        _fen(_fields(k).get("transfer_amt")), _fen(_fields(k).get("other_amt")), k.opinion, a)),
}


def task_actor(uow: UnitOfWork, tk: Any, user_id: str) -> Actor:
    """The actor a task's step runs as: the task's role; unit roles act for the task's agency, department
    roles for its department; a delegate's task on behalf of the delegator."""
    role = Role(tk["role"])
    agency = tk["agency_code"] if role in (Role.UNIT_CLERK, Role.UNIT_LEADER) else None
    dept = None
    if role in (Role.DEPT, Role.DEPT_LEADER):
        a = uow.agencies.get(tk["agency_code"])
        dept = a.dept_code
    return Actor(user_id, role, agency_code=agency, dept_code=dept, on_behalf_of=tk["on_behalf_of"])


def _my_task(uow: UnitOfWork, task_id: str, actor: Actor) -> Any:
    tk = uow.identity.task(task_id, lock=True)
    if tk is None or tk["user_id"] != actor.user_id:   # another's task does not exist for you
        raise NotFound("task_not_found", "待办事项不存在", "no such task in your inbox", task_id=task_id)
    if tk["status"] != TASK_OPEN:
        raise StateError("task_closed", "该待办已办理", "the task is no longer pending", task_id=task_id,
                         status=tk["status"], done_by=tk["done_by"] or "")
    return tk


def act_on_task(uow: UnitOfWork, cmd: c.ActOnTask) -> dict[str, Any]:
    tk = _my_task(uow, cmd.task_id, cmd.actor)
    step = STEPS.get((tk["doc_type"], cmd.action))
    route = ROUTE_BY_STATE.get((tk["doc_type"], tk["doc_status"]))
    allowed = route.actions if route else ()
    if step is None or (allowed and cmd.action not in allowed):
        raise ValidationError("task_action", "该待办不支持此操作", "action not offered by this step", field="action",
                              action=cmd.action, allowed="/".join(allowed))
    if cmd.action in ("return", "reject") and not cmd.opinion.strip():
        raise ValidationError("opinion_required", "退回须填写审核意见", "a return needs an opinion", field="opinion")
    actor = task_actor(uow, tk, cmd.actor.user_id)
    now = uow.now_naive()
    if tk["policy"] == Policy.ALL.value and cmd.action == "approve":
        others = [o for o in uow.identity.open_tasks(tk["doc_type"], tk["doc_id"])
                  if o["task_id"] != tk["task_id"] and o["step_code"] == tk["step_code"]
                  and o["user_id"] != actor.user_id and o["on_behalf_of"] != (tk["on_behalf_of"] or actor.user_id)]
        if others:                               # 会签: this signature is recorded, the document waits for the rest
            uow.identity.close_task(tk["task_id"], TASK_DONE, actor.user_id, "sign", cmd.opinion or None, now)
            uow.record(actor, "task.sign", tk["doc_type"], tk["doc_id"], after={
                "task_id": tk["task_id"], "step_code": tk["step_code"], "waiting": len(others),
                "on_behalf_of": tk["on_behalf_of"]}, opinion=cmd.opinion)
            return {"task_id": tk["task_id"], "doc_type": tk["doc_type"], "doc_id": tk["doc_id"], "signed": True,
                    "waiting": len(others), "status": tk["doc_status"]}
    handler, build = step
    result = handler(uow, build(tk["doc_id"], cmd, actor))
    return {"task_id": tk["task_id"], "doc_type": tk["doc_type"], "doc_id": tk["doc_id"], "signed": False,
            "waiting": 0, "status": getattr(result, "status", result)}


def forward_task(uow: UnitOfWork, cmd: c.ForwardTask) -> str:
    """转办: the new holder must themselves be able to take the step (role and scope)."""
    tk = _my_task(uow, cmd.task_id, cmd.actor)
    day = uow.now().date()
    if cmd.to_user == cmd.actor.user_id or cmd.to_user not in uow.identity.candidates(tk["agency_code"], tk["role"], day):
        raise PermissionDenied("forward_target", "转办对象无权办理此事项", "the person cannot take this step",
                               field="to_user", to_user=cmd.to_user, role=tk["role"])
    now = uow.now_naive()
    uow.identity.close_task(tk["task_id"], TASK_FORWARDED, cmd.actor.user_id, "forward", cmd.opinion or None, now)
    new_id = uow.new_id()
    row = {k: tk[k] for k in ("doc_type", "doc_id", "doc_status", "step_code", "policy", "role", "mof_div_code",
                              "agency_code", "doc_no", "amount", "due_at")}
    uow.identity.add_tasks([{**row, "task_id": new_id, "user_id": cmd.to_user, "on_behalf_of": None,
                             "status": TASK_OPEN, "created_at": now}])
    uow.identity.notify([{"notice_id": uow.new_id(), "user_id": cmd.to_user, "task_id": new_id, "channel": "inbox",
                          "title": f"转办：{tk['doc_no'] or tk['doc_id']}（来自 {cmd.actor.user_id}）", "created_at": now}])
    uow.record(cmd.actor, "task.forward", tk["doc_type"], tk["doc_id"], after={
        "from_task": tk["task_id"], "task_id": new_id, "to_user": cmd.to_user}, opinion=cmd.opinion)
    return new_id


def set_route(uow: UnitOfWork, cmd: c.SetRoute) -> int:
    authorize(cmd.actor, frozenset({Role.ADMIN}), action="route.set")
    if cmd.doc_type not in DOC_KINDS:
        raise ValidationError("doc_type", "单据类型无效", "unknown document type", field="doc_type", value=cmd.doc_type)
    base = ROUTE_BY_STATE.get((cmd.doc_type, cmd.status))
    if base is None:
        raise ValidationError("route_status", "该状态没有待办环节", "no step waits in this state", field="status",
                              value=cmd.status)
    try:
        role, policy = Role(cmd.role), Policy(cmd.policy)
    except ValueError as e:
        raise ValidationError("route_value", "角色或会签方式无效", "unknown role or policy", field="role/policy",
                              value=f"{cmd.role}/{cmd.policy}") from e
    if cmd.due_hours <= 0:
        raise ValidationError("due_hours", "办理时限须为正数", "due_hours must be positive", field="due_hours")
    if not uow.agencies.div_exists(cmd.mof_div_code):
        raise ValidationError("mof_div_unknown", "财政区划不存在", "unknown mof_div_code", field="mof_div_code")
    values = {"mof_div_code": cmd.mof_div_code, "doc_type": cmd.doc_type, "status": cmd.status,
              "step_code": base.step_code, "role": role.value, "policy": policy.value, "due_hours": cmd.due_hours,
              "min_amt": cmd.min_amt, "is_enabled": cmd.is_enabled, "create_time": uow.now_naive()}
    version = uow.identity.add_route(values)
    uow.record(cmd.actor, "route.set", "sys_route", f"{cmd.mof_div_code}:{cmd.doc_type}:{cmd.status}",
               after={**{k: v for k, v in values.items() if k != "create_time"}, "version": version})
    return version


def escalate_tasks(uow: UnitOfWork, cmd: c.EscalateTasks) -> int:
    """Overdue tasks: stamped, and a reminder to the holder and to the leaders above them (单位负责人 for a
    unit clerk's step; the same role's colleagues otherwise see the count on their pages)."""
    authorize(cmd.actor, frozenset({Role.SYSTEM}), action="task.escalate")
    now = uow.now_naive()
    day = uow.now().date()
    notes = []
    overdue = uow.identity.overdue(now)
    for tk in overdue:
        uow.identity.mark_escalated(tk["task_id"], now)
        notes.append({"notice_id": uow.new_id(), "user_id": tk["user_id"], "task_id": tk["task_id"],
                      "channel": "inbox", "title": f"超时催办：{tk['doc_no'] or tk['doc_id']}", "created_at": now})
        if tk["role"] == Role.UNIT_CLERK.value:
            for leader in uow.identity.candidates(tk["agency_code"], Role.UNIT_LEADER.value, day):
                notes.append({"notice_id": uow.new_id(), "user_id": leader, "task_id": tk["task_id"],
                              "channel": "inbox", "title": f"下属待办超时：{tk['doc_no'] or tk['doc_id']}",
                              "created_at": now})
    uow.identity.notify(notes)
    if overdue:
        uow.record(cmd.actor, "task.escalate", "sys_task", "overdue", after={"tasks": len(overdue)})
    return len(overdue)
