"""Domain errors: a message a finance clerk understands, Chinese first, the field and rule named.

``str(err)`` is the Chinese message with the fields in parentheses, e.g.
``可用额度不足 (bgt_id=…, available=…, requested=…)``; ``err.en`` is the English one; ``err.rule`` is a
stable rule code for programs (API error bodies, tests).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the core raises on purpose. Never shown as a traceback."""

    http_status = 400

    def __init__(self, rule: str, zh: str, en: str, **fields: Any) -> None:
        self.rule = rule
        self.zh = zh
        self.fields = fields
        detail = ", ".join(f"{k}={v}" for k, v in fields.items())
        self.message = f"{zh} ({detail})" if detail else zh
        self.en = f"{en} ({detail})" if detail else en
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "message_en": self.en,
                "fields": {k: str(v) for k, v in self.fields.items()}}


class ValidationError(DomainError):
    """Bad input: a field breaks a rule (missing, wrong format, unknown code, out of range)."""

    http_status = 422


class NotFound(DomainError):
    http_status = 404


class StateError(DomainError):
    """The document is not in a state that allows the action."""

    http_status = 409


class PermissionDenied(DomainError):
    http_status = 403


class ControlViolation(DomainError):
    """A budget-execution control blocks the operation (balance, element consistency, …)."""

    http_status = 409


class IdempotencyConflict(DomainError):
    http_status = 409


def require(value: Any, field: str) -> Any:
    """Raise a ValidationError naming ``field`` if ``value`` is empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("required", "必填字段为空", "required field is empty", field=field)
    return value
