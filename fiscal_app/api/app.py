"""The platform's HTTP API, ``/api/v1`` (FastAPI): the core's commands and the reads budget units, the
finance divisions, other subsystems and the agency bank need.

- Every path but ``/api/v1/openapi.json``, ``/api/v1/health`` and the identity provider's bridge needs a
  bearer token (``auth.TokenVerifier``): no token or a bad one is 401 on every path, known or not.
- The caller's actor is built from the token's subject and their grants in the core; a document outside
  the caller's scope is 404 (its existence does not leak).
- Errors are ``application/problem+json`` (RFC 9457) with the core's rule code and its Chinese and English
  messages; amounts travel as decimal strings of yuan (``"1234.56"``), never floats.
- POSTs that create take an ``Idempotency-Key`` header: a payment application hands it to the core's own
  idempotency (a retry answers with the first result, a different request under the same key is 409);
  a step taken from the inbox is idempotent by itself (a retry by the same person answers with what they did).
- Lists page with ``cursor`` (the last key of the previous page, returned as ``next_cursor``) and ``limit``.
- Every read of people's data (``/persons``) is journalled with the reader.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from fiscal_core.adapters.identity_repo import IdentityRepo
from fiscal_core.domain import commands as c
from fiscal_core.domain.actors import Actor, Role
from fiscal_core.domain.errors import DomainError, NotFound, PermissionDenied
from fiscal_core.domain.identity import Grant
from fiscal_core.domain.money import to_fen, to_yuan
from fiscal_core.domain.tz import TZ
from fiscal_core.domain.workflow import DOC_KINDS
from fiscal_core.service_layer import scoped
from fiscal_core.service_layer.core import BatchRefused, Core

from .auth import Principal, TokenVerifier, Unauthorized, bearer

PREFIX = "/api/v1"
PUBLIC = {f"{PREFIX}/openapi.json", f"{PREFIX}/health", f"{PREFIX}/_idp/verify", f"{PREFIX}/_idp/cas"}
PROBLEM = "application/problem+json"
MONEY_SUFFIXES = ("_amt", "amount")


# -- problems (RFC 9457) ----------------------------------------------------------------------------------
def problem(status: int, rule: str, zh: str, en: str, **extra: Any) -> JSONResponse:
    body = {"type": f"urn:fiscal:rule:{rule}", "title": zh, "status": status, "detail": zh, "detail_en": en,
            "rule": rule, **extra}
    headers = {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{rule}"'} if status == 401 else {}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _domain_problem(_: Request, err: Exception) -> Response:
    assert isinstance(err, DomainError)
    return problem(err.http_status, err.rule, err.message, err.en,
                   fields={k: str(v) for k, v in err.fields.items()})


def _validation_problem(_: Request, err: Exception) -> Response:
    assert isinstance(err, RequestValidationError)
    errors = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "rule": e.get("type", ""),
               "message": e.get("msg", "")} for e in err.errors()]
    first = errors[0]["field"] if errors else ""
    return problem(422, "request.invalid", f"请求字段不符合要求：{first}", f"invalid request field: {first}",
                   errors=errors)


# -- wire format --------------------------------------------------------------------------------------------
def wire(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON: fen columns as yuan strings, dates ISO."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if v is not None and k.endswith(MONEY_SUFFIXES) and isinstance(v, int) and not isinstance(v, bool):
            out[k] = str(to_yuan(v))
        elif isinstance(v, (date, datetime)):
            out[k] = v.isoformat()
        elif isinstance(v, Decimal):
            out[k] = str(v)
        else:
            out[k] = v
    return out


def page(rows: list[dict[str, Any]], key: str, limit: int) -> dict[str, Any]:
    return {"items": [wire(r) for r in rows], "next_cursor": str(rows[-1][key]) if len(rows) == limit else None}


Yuan = Annotated[str, Field(pattern=r"^\d{1,16}(\.\d{1,2})?$", description="金额（元），十进制字符串 / yuan, decimal string",
                            examples=["1234.56"])]


class PaymentApplicationIn(BaseModel):
    """支付申请 (pay_voucher): the fields of the data standard."""

    agency_code: str
    bgt_id: str
    pro_code: str
    exp_func_code: str
    gov_bgt_eco_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    pay_app_amt: Yuan
    payee_acct_name: str
    payee_acct_no: str
    payee_acct_bank_name: str
    use_des: str
    create_date: date | None = None
    set_mode_code: str = "1"
    pay_type_code: str = "4"
    fund_traobj_type_code: str = "2"
    contract_no: str | None = None


class TaskActionIn(BaseModel):
    action: str = Field(description="approve / return / resubmit / void / submit / reject / feedback / confirm")
    opinion: str = ""
    fields: dict[str, str] = Field(default_factory=dict)


class BulkIn(BaseModel):
    task_ids: list[str] = Field(min_length=1, max_length=500)
    opinion: str = "同意"


class ForwardIn(BaseModel):
    to_user: str
    opinion: str = ""


class ProjectIn(BaseModel):
    """项目申报 (pm_project)."""

    pro_name: str
    agency_code: str
    pro_cat_code: str
    setup_year: int
    pro_start_year: int
    end_year: int
    pro_total_amt: Yuan
    pro_desc: str = ""
    year_plans: dict[int, Yuan] = Field(default_factory=dict)


class BankReceiptIn(BaseModel):
    pay_cert_no: str
    xpay_amt: Yuan
    xpay_date: date
    agent_business_no: str
    ok: bool = True
    reason: str = ""


class BankReceiptsIn(BaseModel):
    receipts: list[BankReceiptIn] = Field(min_length=1)


# -- the caller ---------------------------------------------------------------------------------------------
class Caller:
    """The authenticated person and their valid grants (own and delegated) on today's date, read once per
    request on a read connection (no write transaction: a read must not queue behind the writers)."""

    def __init__(self, core: Core, principal: Principal) -> None:
        self.core = core
        self.principal = principal
        self.user_id = principal.user_id
        self.day = datetime.now(TZ).date()
        with core.db.read() as conn:
            self.grants: list[Grant] = IdentityRepo(conn).grants(self.user_id, self.day)

    def actor(self, roles: set[Role], agency_code: str | None = None) -> Actor:
        """The caller as one of ``roles`` for ``agency_code`` (their grant whose scope covers it)."""
        mine = [g for g in self.grants if g.role in roles]
        if mine and agency_code is not None:
            with self.core.db.read() as conn:
                nodes = IdentityRepo(conn).scope_nodes(agency_code)
            mine = [g for g in mine if (g.scope_kind.value, g.scope_code) in nodes]
        for g in mine:
            a = g.actor()
            if g.role in (Role.UNIT_CLERK, Role.UNIT_LEADER) and agency_code is not None:
                return Actor(a.user_id, a.role, agency_code, None, a.on_behalf_of)
            return a
        raise PermissionDenied("no_grant", "当前用户没有办理此业务的授权", "you hold no grant for this action",
                               roles="/".join(sorted(r.value for r in roles)), agency_code=agency_code or "")


def _caller(request: Request) -> Caller:
    return Caller(request.app.state.core, request.state.principal)


Who = Annotated[Caller, Depends(_caller)]


def create_app(core: Core, verifier: TokenVerifier, *, extra_routers: tuple[APIRouter, ...] = ()) -> FastAPI:
    app = FastAPI(title="财政一体化管理平台 API / fiscal integration platform API", version="1",
                  openapi_url=f"{PREFIX}/openapi.json", docs_url=f"{PREFIX}/docs", redoc_url=None,
                  description=__doc__)
    app.state.core = core
    app.state.verifier = verifier
    app.add_exception_handler(DomainError, _domain_problem)
    app.add_exception_handler(RequestValidationError, _validation_problem)

    @app.middleware("http")
    async def authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if (path in PUBLIC or path.startswith(f"{PREFIX}/gate/")      # the gate checks its logins itself (gate.py)
                or (path.startswith(f"{PREFIX}/docs") and request.method == "GET")):
            return await call_next(request)
        try:
            request.state.principal = verifier.verify(bearer(request.headers.get("authorization")))
        except Unauthorized as e:
            return problem(401, e.rule, e.zh, e.en)
        return await call_next(request)

    r = APIRouter(prefix=PREFIX)

    @r.get("/health", tags=["platform"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @r.get("/me", tags=["platform"], summary="当前用户、角色与待办数 / the caller, roles and pending count")
    def me(who: Who) -> dict[str, Any]:
        with core.db.read() as conn:
            counts = scoped.pending_count(conn, who.user_id)
            user = conn.execute(text("SELECT user_name FROM sys_user WHERE user_id = :u"), {"u": who.user_id}).first()
        return {"user_id": who.user_id, "user_name": user[0] if user else None,
                "grants": [{"grant_id": g.grant_id, "role": g.role.value, "scope_kind": g.scope_kind.value,
                            "scope_code": g.scope_code, "on_behalf_of": g.delegated_from} for g in who.grants],
                **counts}

    # -- the inbox ------------------------------------------------------------------------------------
    @r.get("/inbox", tags=["inbox"], summary="我的待办 / 已办 (my pending or done steps)")
    def get_inbox(who: Who, done: bool = False, step_code: str | None = None, cursor: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=scoped.MAX_PAGE)] = 100) -> dict[str, Any]:
        with core.db.read() as conn:
            rows = scoped.inbox(conn, who.user_id, done=done, after=cursor, limit=limit, step_code=step_code)
        out = page(rows, "task_id", limit)
        for item in out["items"]:
            kind = DOC_KINDS[item["doc_type"]]
            item["doc_title"] = {"zh": kind.title_zh, "en": kind.title_en}
        return out

    @r.post("/inbox/{task_id}/actions", tags=["inbox"], summary="办理待办 / take a step")
    def act(task_id: str, body: TaskActionIn, who: Who) -> dict[str, Any]:
        return _act(who, task_id, body.action, body.opinion, body.fields)

    @r.post("/inbox/bulk-approve", tags=["inbox"], summary="批量审核通过 / approve many")
    def bulk(body: BulkIn, who: Who) -> dict[str, Any]:
        person = _person(who)
        results = core.handle_batch([c.ActOnTask(t, "approve", body.opinion, actor=person) for t in body.task_ids])
        items = []
        for tid, res in zip(body.task_ids, results, strict=True):
            if isinstance(res, DomainError):
                items.append({"task_id": tid, "ok": False, "rule": res.rule, "detail": res.message,
                              "detail_en": res.en})
            else:
                items.append({"task_id": tid, "ok": True, **{k: v for k, v in res.items() if k != "task_id"}})
        return {"items": items, "approved": sum(1 for i in items if i["ok"])}

    @r.post("/inbox/{task_id}/forward", tags=["inbox"], summary="转办 / forward to a colleague")
    def forward(task_id: str, body: ForwardIn, who: Who) -> dict[str, Any]:
        new = core.handle(c.ForwardTask(task_id, body.to_user, body.opinion, actor=_person(who)))
        return {"task_id": new}

    def _act(who: Caller, task_id: str, action: str, opinion: str, fields: dict[str, str]) -> dict[str, Any]:
        try:
            return dict(core.handle(c.ActOnTask(task_id, action, opinion, tuple(sorted(fields.items())),
                                                actor=_person(who))))
        except DomainError as e:
            if e.rule == "task_closed" and e.fields.get("done_by") == who.user_id:   # a retry of what they did
                with core.db.read() as conn:
                    done = [t for t in scoped.inbox(conn, who.user_id, done=True, limit=scoped.MAX_PAGE)
                            if t["task_id"] == task_id]
                if (done and done[0]["outcome"] in (action, "sign")) or (done and action in done[0]["outcome"]):
                    return {"task_id": task_id, "doc_type": done[0]["doc_type"], "doc_id": done[0]["doc_id"],
                            "replayed": True}
            raise

    # -- documents ------------------------------------------------------------------------------------
    def listing(kind: str, key: str, filters: tuple[str, ...]) -> None:
        path = "/" + kind.replace("_", "-")

        def list_(request: Request, who: Who, cursor: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=scoped.MAX_PAGE)] = 100) -> dict[str, Any]:
            wanted = {f: request.query_params.get(f) for f in filters if request.query_params.get(f) is not None}
            with core.db.read() as conn:
                rows = scoped.list_docs(conn, kind, who.user_id, who.day, filters=wanted, after=cursor, limit=limit)
            if kind == "persons" and rows:
                _log_personal_read(who, "list", wanted.get("agency_code") or "*", len(rows))
            return page(rows, key, limit)

        def get_(doc_id: str, who: Who) -> dict[str, Any]:
            with core.db.read() as conn:
                row = scoped.get_doc(conn, kind, who.user_id, who.day, doc_id)
                if row is None:
                    raise NotFound("not_found", "记录不存在", "no such record", id=doc_id)
                out = wire(row)
                if kind in ("payment_applications", "projects", "plans", "warnings"):
                    doc_type = {"payment_applications": "pay_voucher", "projects": "pm_project",
                                "plans": "pay_plan_voucher", "warnings": "mon_warning"}[kind]
                    out["route"] = [wire(t) for t in scoped.doc_route(conn, doc_type, doc_id)]
            if kind == "persons":
                _log_personal_read(who, "get", doc_id, 1)
            return out

        list_.__name__, get_.__name__ = f"list_{kind}", f"get_{kind}"
        doc = f"按数据范围过滤 / filtered by the caller's scope; filters: {', '.join(filters)}"
        r.add_api_route(path, list_, methods=["GET"], tags=[kind], summary=f"list {kind}", description=doc)
        r.add_api_route(path + "/{doc_id}", get_, methods=["GET"], tags=[kind], summary=f"one of {kind}")

    for kind, spec in scoped.LISTINGS.items():
        listing(kind, spec.key, spec.filters)

    def _log_personal_read(who: Caller, what: str, target: str, rows: int) -> None:
        core.handle(c.LogPersonalRead(what, target, rows, actor=_person(who, {Role.HR, Role.ADMIN})))

    @r.get("/indicators/{bgt_id}/balance", tags=["indicators"], summary="指标可用额度 / an indicator's balance")
    def balance(bgt_id: str, who: Who) -> dict[str, Any]:
        with core.db.read() as conn:
            if scoped.get_doc(conn, "indicators", who.user_id, who.day, bgt_id) is None:
                raise NotFound("not_found", "记录不存在", "no such record", id=bgt_id)
        return wire(core.indicator(bgt_id) or {})

    @r.post("/payment-applications", status_code=201, tags=["payment_applications"],
            summary="提交支付申请 / apply for a payment")
    def submit_payment(body: PaymentApplicationIn, who: Who,
                       idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None
                       ) -> dict[str, Any]:
        res = core.handle(_payment(who, body, idempotency_key))
        return {"pay_app_id": res.pay_app_id, "pay_app_no": res.pay_app_no, "status": res.status,
                "replayed": res.replayed}

    @r.post("/payment-applications/batch", status_code=201, tags=["payment_applications"],
            summary="批量导入支付申请（全部成功或全部不写入）/ import many applications, all or nothing")
    def submit_many(body: list[PaymentApplicationIn], who: Who) -> Any:
        cmds, errors = [], []
        for i, x in enumerate(body):
            try:
                cmds.append(_payment(who, x, None))
            except DomainError as e:
                errors.append({"row": i + 1, "rule": e.rule, "detail": e.message, "detail_en": e.en,
                               "fields": {k: str(v) for k, v in e.fields.items()}})
        if not errors:
            try:
                res = core.handle_all(cmds)
                return {"items": [{"row": i + 1, "pay_app_id": x.pay_app_id, "pay_app_no": x.pay_app_no,
                                   "status": x.status} for i, x in enumerate(res)]}
            except BatchRefused as e:
                errors = [{"row": i + 1, "rule": err.rule, "detail": err.message, "detail_en": err.en,
                           "fields": {k: str(v) for k, v in err.fields.items()}} for i, err in e.items]
        return problem(422, "batch_refused", f"批量导入未执行：{len(errors)} 行有误，全部未写入",
                       f"nothing imported: {len(errors)} row(s) refused", errors=errors)

    def _payment(who: Caller, body: PaymentApplicationIn, idempotency_key: str | None) -> c.SubmitPayment:
        return c.SubmitPayment(
            body.agency_code, body.bgt_id, body.pro_code, body.exp_func_code, body.gov_bgt_eco_code,
            body.dep_bgt_eco_code, body.fund_type_code, to_fen(body.pay_app_amt, "pay_app_amt"), body.payee_acct_name,
            body.payee_acct_no, body.payee_acct_bank_name, body.use_des, body.create_date or who.day,
            body.set_mode_code, body.pay_type_code, body.fund_traobj_type_code, body.contract_no,
            idem_key=f"{who.user_id}:{idempotency_key}" if idempotency_key else None,
            actor=who.actor({Role.UNIT_CLERK}, body.agency_code))

    @r.post("/payment-applications/{pay_app_id}/actions", tags=["payment_applications"],
            summary="办理支付申请（经待办）/ act on an application through one's inbox")
    def pay_action(pay_app_id: str, body: TaskActionIn, who: Who) -> dict[str, Any]:
        return _act(who, _task_for(who, "pay_voucher", pay_app_id), body.action, body.opinion, body.fields)

    @r.post("/projects", status_code=201, tags=["projects"], summary="项目申报 / declare a project")
    def declare(body: ProjectIn, who: Who) -> dict[str, Any]:
        actor = who.actor({Role.UNIT_CLERK}, body.agency_code)
        pro = core.handle(c.DeclareProject(
            body.pro_name, body.agency_code, body.pro_cat_code, body.setup_year, body.pro_start_year, body.end_year,
            to_fen(body.pro_total_amt, "pro_total_amt"),
            {y: to_fen(v, f"year_plans.{y}") for y, v in body.year_plans.items()}, pro_desc=body.pro_desc, actor=actor))
        return {"pro_code": pro}

    @r.post("/projects/{pro_code}/actions", tags=["projects"], summary="项目送审或审核（经待办）/ act on a project")
    def project_action(pro_code: str, body: TaskActionIn, who: Who) -> dict[str, Any]:
        if body.action == "submit":
            with core.db.read() as conn:
                doc = scoped.get_doc(conn, "projects", who.user_id, who.day, pro_code)
            if doc is None:
                raise NotFound("not_found", "记录不存在", "no such record", id=pro_code)
            if doc["pro_status"] == "draft":
                status = core.handle(c.ProjectAction(pro_code, "submit", body.opinion,
                                                     actor=who.actor({Role.UNIT_CLERK}, doc["agency_code"])))
                return {"pro_code": pro_code, "status": status}
        return _act(who, _task_for(who, "pm_project", pro_code), body.action, body.opinion, body.fields)

    @r.post("/bank/receipts", tags=["bank"], summary="代理银行回单 / the agency bank's payment receipts")
    def bank_receipts(body: BankReceiptsIn, who: Who) -> dict[str, Any]:
        actor = who.actor({Role.BANK})
        res = core.handle(c.ConfirmBankReceipts(tuple(
            c.BankReceipt(x.pay_cert_no, to_fen(x.xpay_amt, "xpay_amt"), x.xpay_date, x.agent_business_no, x.ok,
                          x.reason) for x in body.receipts), actor=actor))
        return {"ok": res.ok, "accepted": list(res.accepted),
                "rejected": [{"pay_cert_no": x.item, "rule": x.rule, "detail": x.message} for x in res.rejected]}

    def _task_for(who: Caller, doc_type: str, doc_id: str) -> str:
        kind = {"pay_voucher": "payment_applications", "pm_project": "projects"}[doc_type]
        with core.db.read() as conn:
            if scoped.get_doc(conn, kind, who.user_id, who.day, doc_id) is None:
                raise NotFound("not_found", "记录不存在", "no such record", id=doc_id)
            mine = [t for t in scoped.inbox(conn, who.user_id, limit=scoped.MAX_PAGE) if t["doc_id"] == doc_id]
        if not mine:
            raise NotFound("task_not_found", "您的待办中没有这份单据", "this document is not in your inbox", id=doc_id)
        return str(mine[0]["task_id"])

    app.include_router(r)
    for extra in extra_routers:
        app.include_router(extra)
    return app


def _person(who: Caller, roles: set[Role] | None = None) -> Actor:
    """The caller as a person for commands that check the user themselves (the inbox: the task names its
    role); the role here is only the journal's label of the request."""
    if roles is not None:
        return who.actor(roles)
    return Actor(who.user_id, who.grants[0].role if who.grants else Role.UNIT_CLERK)

