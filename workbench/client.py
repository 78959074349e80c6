"""The workbench's calls to the platform's API (``FISCAL_API_URL``), as the person logged in (their access token).

A refusal comes back as ``Problem``: the API's RFC 9457 body with the core's rule, its Chinese and English
message, and the field it names (``fields.field`` from the core, ``errors[].field`` from request validation), so
the page can show the message on that field.
"""

from __future__ import annotations

import os
from typing import Any

import httpx

DEFAULT_API = "http://127.0.0.1:8000"
TIMEOUT = 30.0


def api_url() -> str:
    return (os.environ.get("FISCAL_API_URL") or DEFAULT_API).rstrip("/")


class Problem(Exception):
    def __init__(self, status: int, rule: str, detail: str, detail_en: str, field: str = "",
                 body: dict[str, Any] | None = None) -> None:
        self.status, self.rule, self.detail, self.detail_en = status, rule, detail, detail_en
        self.field, self.body = field, body or {}
        super().__init__(f"{detail}（{detail_en}）")

    def __str__(self) -> str:
        return f"{self.detail}（{self.detail_en}）"

    @classmethod
    def of(cls, r: httpx.Response) -> Problem:
        try:
            body = r.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {"detail": str(body)}
        fields = body.get("fields") or {}
        name = str(fields.get("field") or "") if isinstance(fields, dict) else ""
        errors = body.get("errors") or []
        if not name and errors and isinstance(errors[0], dict):
            name = str(errors[0].get("field") or "")
        return cls(r.status_code, str(body.get("rule") or f"http.{r.status_code}"),
                   str(body.get("detail") or body.get("title") or r.reason_phrase),
                   str(body.get("detail_en") or r.reason_phrase), name, body)


class Api:
    """One person's client: every call carries their bearer token."""

    def __init__(self, token: str, base_url: str | None = None) -> None:
        self.base = (base_url or api_url()).rstrip("/") + "/api/v1"
        self.headers = {"authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        headers = {**self.headers, **kw.pop("headers", {})}
        try:
            with httpx.Client(timeout=TIMEOUT) as http:
                r = http.request(method, self.base + path, headers=headers, **kw)
        except httpx.HTTPError as e:
            raise Problem(503, "api.unreachable", f"无法连接平台接口：{e}", f"the API cannot be reached: {e}") from e
        if r.status_code >= 400:
            raise Problem.of(r)
        return r.json()

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any, *, idempotency_key: str | None = None) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._call("POST", path, json=body, headers=headers)

    # -- what the pages use --------------------------------------------------------------------------------
    def me(self) -> dict[str, Any]:
        return dict(self.get("/me"))

    def inbox(self, *, done: bool = False, step_code: str | None = None) -> list[dict[str, Any]]:
        return list(self.get("/inbox", done=str(done).lower(), step_code=step_code, limit=500)["items"])

    def act(self, task_id: str, action: str, opinion: str = "", fields: dict[str, str] | None = None) -> Any:
        return self.post(f"/inbox/{task_id}/actions", {"action": action, "opinion": opinion, "fields": fields or {}})

    def bulk_approve(self, task_ids: list[str], opinion: str) -> dict[str, Any]:
        return dict(self.post("/inbox/bulk-approve", {"task_ids": task_ids, "opinion": opinion}))

    def forward(self, task_id: str, to_user: str, opinion: str) -> Any:
        return self.post(f"/inbox/{task_id}/forward", {"to_user": to_user, "opinion": opinion})

    def items(self, kind: str, **filters: Any) -> list[dict[str, Any]]:
        return list(self.get(f"/{kind}", limit=500, **filters)["items"])

    def one(self, kind: str, doc_id: str) -> dict[str, Any]:
        return dict(self.get(f"/{kind}/{doc_id}"))

    def balance(self, bgt_id: str) -> dict[str, Any]:
        return dict(self.get(f"/indicators/{bgt_id}/balance"))
