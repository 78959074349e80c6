"""What commands return."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PaymentResult:
    pay_app_id: str
    pay_app_no: str
    status: str
    replayed: bool = False   # True: an idempotent retry answered with the first result


@dataclass(frozen=True)
class Rejection:
    item: str
    rule: str
    message: str


@dataclass
class BatchResult:
    accepted: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected
