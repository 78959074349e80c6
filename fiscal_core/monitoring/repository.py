"""Storage of warnings and their disposal trail (``mon_warning``, ``mon_warning_step``) and the facts the
real-time rules read, on the unit of work's connection (``uow.warnings``). Statements go to the raw DBAPI
cursor like the rest of the payment hot path; rows come back through the tables' decoders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from ..adapters import tables as t
from ..adapters.rawsql import RawTable
from ..adapters.repository import Repo
from ..domain.errors import NotFound
from .disposal import Warning, WarnStatus
from .realtime import AccountFact

WARN = RawTable(t.mon_warning)
STEP = RawTable(t.mon_warning_step)
_ACCOUNT = RawTable(t.bas_agency_account).part(("acct_no", "acct_name", "acct_type_code", "is_own_fund"))

# one round trip for what a payment's screening needs: the agency's name and accounts, and the 区划's
# monitoring settings (usually none: the defaults apply)
_FACTS = ("SELECT 'c', c.acct_no, c.acct_name, c.acct_type_code, c.is_own_fund FROM bas_agency_account c "
          "WHERE c.agency_code = :a "
          "UNION ALL SELECT 'a', a.agency_name, NULL, NULL, NULL FROM bas_agency_info a WHERE a.agency_code = :a "
          "UNION ALL SELECT 'p', s.config_key, s.config_value, NULL, NULL FROM sys_div_config s "
          "WHERE s.mof_div_code = :d AND s.config_key LIKE 'mon.%'")
_SETTINGS = "SELECT config_key, config_value FROM sys_div_config WHERE mof_div_code = :d AND config_key LIKE 'mon.%'"
_HOLDS = ("SELECT warning_id, rule_code, status FROM mon_warning WHERE pay_app_id = :p AND holds_payment "
          "AND NOT hold_released")
_STEPS = "SELECT COUNT(*) FROM mon_warning_step WHERE warning_id = :w"
_OVERDUE = ("SELECT warning_id FROM mon_warning WHERE mof_div_code = :d AND status <> :closed AND due_date < :a "
            "ORDER BY warning_id")


class WarningRepo(Repo):
    def facts(self, agency_code: str, mof_div_code: str) -> tuple[str, tuple[AccountFact, ...], dict[str, str]]:
        """(agency name, its accounts, the 区划's ``mon.*`` settings)."""
        name, accounts, settings = "", [], {}
        for row in self.raw.all(_FACTS, {"a": agency_code, "d": mof_div_code}):
            kind = row[0]
            if kind == "c":
                accounts.append(_ACCOUNT.build(AccountFact, row[1:]))
            elif kind == "a":
                name = row[1]
            else:
                settings[row[1]] = row[2]
        return name, tuple(accounts), settings

    def settings(self, mof_div_code: str) -> dict[str, str]:
        return dict(self.raw.all(_SETTINGS, {"d": mof_div_code}))

    def add(self, row: Mapping[str, Any]) -> None:
        self.raw.execute(WARN.insert, WARN.full(row))

    def add_step(self, row: Mapping[str, Any]) -> None:
        self.raw.execute(STEP.insert, STEP.full(row))

    def next_step_no(self, warning_id: str) -> int:
        row = self.raw.one(_STEPS, {"w": warning_id})
        return int(row[0] if row else 0) + 1

    def row(self, warning_id: str, *, lock: bool = False) -> dict[str, Any] | None:
        return WARN.row(self.raw.one(self.raw.for_update(WARN.select + " WHERE warning_id = :k", lock),
                                     {"k": warning_id}))

    def get(self, warning_id: str, *, lock: bool = False) -> tuple[Warning, dict[str, Any]]:
        """The warning's disposal state and its whole row."""
        row = self.raw.one(self.raw.for_update(WARN.select + " WHERE warning_id = :k", lock), {"k": warning_id})
        if row is None:
            raise NotFound("warning_not_found", "预警不存在", "warning not found", warning_id=warning_id)
        return WARN.build(Warning, row), WARN.row(row)

    def update(self, warning_id: str, values: Mapping[str, Any]) -> None:
        self.raw.execute(WARN.update_sql(values, "warning_id = :k_id"), dict(values) | {"k_id": warning_id})

    def holds(self, pay_app_id: str) -> list[tuple[str, str, str]]:
        """(warning_id, rule_code, status) of the orange warnings still holding this application."""
        return [(r[0], r[1], r[2]) for r in self.raw.all(_HOLDS, {"p": pay_app_id})]

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        wanted = sorted(set(keys))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            marks = ", ".join(f":k{j}" for j in range(len(chunk)))
            rows = self.raw.all(f"SELECT warning_key FROM mon_warning WHERE warning_key IN ({marks})",
                                {f"k{j}": k for j, k in enumerate(chunk)})
            found.update(r[0] for r in rows)
        return found

    def overdue(self, mof_div_code: str, as_of: date) -> list[str]:
        """Open warnings of the 区划 whose deadline has passed, in id order (the lock order)."""
        rows = self.raw.all(_OVERDUE, {"d": mof_div_code, "closed": WarnStatus.CLOSED.value, "a": as_of})
        return [r[0] for r in rows]


def now_row(now: datetime) -> dict[str, Any]:
    return {"create_time": now, "update_time": now}
