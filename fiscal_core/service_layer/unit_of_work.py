"""The unit of work: one database transaction, its repositories, and the journal events it appends.

Everything a command changes, including its journal rows, commits or rolls back as a whole. Journal
events are buffered and chained at commit, so the journal head (the only global lock) is held for the
shortest possible time and always last in the lock order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from ..adapters import tables as t
from ..adapters.db import Database
from ..adapters.repository import (
    AgencyRepo,
    BudgetRepo,
    ConfigRepo,
    CounterRepo,
    IndicatorRepo,
    PaymentRepo,
    PlanRepo,
    ProjectRepo,
)
from ..domain.actors import Actor
from ..domain.codes import CodeSets
from ..domain.journal import chain_hash, dumps

_HEAD = select(t.journal_head.c.last_seq, t.journal_head.c.last_hash).where(t.journal_head.c.head_id == 1)
_HEAD_LOCKED = _HEAD.with_for_update()
_HEAD_UPDATE = update(t.journal_head).where(t.journal_head.c.head_id == 1).values(
    last_seq=bindparam("s"), last_hash=bindparam("h"))
_JOURNAL_INSERT = insert(t.journal)


class UnitOfWork:
    def __init__(self, db: Database, codes: CodeSets, clock: Callable[[], datetime],
                 new_id: Callable[[], str]) -> None:
        self.db = db
        self.codes = codes
        self._clock = clock
        self.new_id = new_id
        self._events: list[dict[str, Any]] = []
        self._now: datetime | None = None

    # -- context -------------------------------------------------------------------------------------
    def __enter__(self) -> UnitOfWork:
        self._cm = self.db.write()
        self.conn: Connection = self._cm.__enter__()
        pg = self.db.is_postgres
        self.counters = CounterRepo(self.conn, pg)
        self.config = ConfigRepo(self.conn, pg)
        self.agencies = AgencyRepo(self.conn, pg)
        self.projects = ProjectRepo(self.conn, pg)
        self.budget = BudgetRepo(self.conn, pg)
        self.indicators = IndicatorRepo(self.conn, pg)
        self.plans = PlanRepo(self.conn, pg)
        self.payments = PaymentRepo(self.conn, pg)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._events.clear()
        self._cm.__exit__(exc_type, exc, tb)

    def now(self) -> datetime:
        """Business time of this command (Asia/Shanghai); one value for the whole transaction."""
        if self._now is None:
            self._now = self._clock()
        return self._now

    def now_naive(self) -> datetime:
        return self.now().replace(tzinfo=None)

    # -- journal -------------------------------------------------------------------------------------
    def record(self, actor: Actor, action: str, object_type: str, object_id: str,
               before: Any = None, after: Any = None, opinion: str = "") -> None:
        """Append a business event to this transaction's journal (who, what, before/after, opinion)."""
        self._events.append({
            "occurred_at": self.now().isoformat(timespec="microseconds"),
            "actor": actor.user_id, "actor_role": actor.role.value, "action": action,
            "object_type": object_type, "object_id": object_id,
            "before_json": dumps(before) if before is not None else "{}",
            "after_json": dumps(after) if after is not None else "{}",
            "opinion": opinion or "",
        })

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """All-or-nothing for one item of a batch: its rows and its journal events go together."""
        mark = len(self._events)
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._events[mark:]
            raise
        nested.commit()

    def _flush_journal(self) -> None:
        if not self._events:
            return
        head = self.conn.execute(_HEAD_LOCKED if self.db.is_postgres else _HEAD).one()
        seq, prev = int(head.last_seq), head.last_hash
        for ev in self._events:
            seq += 1
            ev["seq"] = seq
            ev["prev_hash"] = prev
            prev = ev["hash"] = chain_hash(prev, ev)
        self.conn.execute(_JOURNAL_INSERT, self._events)
        self.conn.execute(_HEAD_UPDATE, {"s": seq, "h": prev})
        self._events.clear()

    def commit(self) -> None:
        self._flush_journal()
        self.conn.commit()

    def rollback(self) -> None:
        self._events.clear()
        self.conn.rollback()
