"""The unit of work: one database transaction, its repositories, and the journal events it appends.

Everything a command changes, including its journal rows, commits or rolls back as a whole. Journal
events are buffered and chained at commit, so a chain's lock is held for the shortest possible time and
always last in the lock order. Each event joins its 区划's chain (``adapters/journal_store.py``): the
区划 the handler names, else the acting unit's, else the one of the object it is about, else the
platform chain.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from types import TracebackType
from typing import Any

from sqlalchemy import Connection

from ..adapters.db import Database
from ..adapters.identity_repo import IdentityRepo
from ..adapters.journal_store import DIV_OF_OBJECT, Anchor, JournalStore
from ..adapters.rawsql import RawSql
from ..adapters.repository import (
    AgencyRepo,
    BudgetRepo,
    ConfigRepo,
    CounterRepo,
    IndicatorRepo,
    PaymentRepo,
    PerfRepo,
    PersonRepo,
    PlanRepo,
    ProcurementRepo,
    ProjectRepo,
    RoundRepo,
    TreasuryRepo,
    YearEndRepo,
)
from ..domain.actors import Actor
from ..domain.codes import CodeSets
from ..domain.journal import ANCHOR_EVERY, PLATFORM, dumps
from ..monitoring.repository import WarningRepo

# per database: agency → 区划 and the 区划 codes seen (neither ever changes once registered)
_DIV_CACHES: weakref.WeakKeyDictionary[Database, tuple[dict[str, str], set[str]]] = weakref.WeakKeyDictionary()


class UnitOfWork:
    def __init__(self, db: Database, codes: CodeSets, clock: Callable[[], datetime],
                 new_id: Callable[[], str]) -> None:
        self.db = db
        self.codes = codes
        self._clock = clock
        self.new_id = new_id
        self._events: list[dict[str, Any]] = []
        self._counter_state: dict[str, list[int]] = {}
        self._now: datetime | None = None
        self._sp = 0
        self.div: str | None = None           # the 区划 whose journal chain this transaction's events join
        self.scratch: dict[str, Any] = {}     # per-transaction caches of the collaboration hooks (routes, …)

    # -- context -------------------------------------------------------------------------------------
    def __enter__(self) -> UnitOfWork:
        self._cm = self.db.write()
        self.conn: Connection = self._cm.__enter__()
        self.raw = RawSql(self.conn, self.db.is_postgres)
        return self

    # repositories: declared here, each made on first use in the transaction (a payment touches a few)
    @cached_property
    def counters(self) -> CounterRepo:
        return CounterRepo(self.conn, self.db.is_postgres, self.raw, self._counter_state)

    @cached_property
    def config(self) -> ConfigRepo:
        return ConfigRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def agencies(self) -> AgencyRepo:
        return AgencyRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def projects(self) -> ProjectRepo:
        return ProjectRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def budget(self) -> BudgetRepo:
        return BudgetRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def indicators(self) -> IndicatorRepo:
        return IndicatorRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def plans(self) -> PlanRepo:
        return PlanRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def payments(self) -> PaymentRepo:
        return PaymentRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def persons(self) -> PersonRepo:
        return PersonRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def rounds(self) -> RoundRepo:
        return RoundRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def procurement(self) -> ProcurementRepo:
        return ProcurementRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def perf(self) -> PerfRepo:
        return PerfRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def yearend(self) -> YearEndRepo:
        return YearEndRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def treasury(self) -> TreasuryRepo:
        return TreasuryRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def warnings(self) -> WarningRepo:
        """动态监控: warnings, their disposal steps and the facts the real-time rules read."""
        return WarningRepo(self.conn, self.db.is_postgres, self.raw)

    @cached_property
    def identity(self) -> IdentityRepo:
        return IdentityRepo(self.conn)

    @property
    def events(self) -> tuple[dict[str, Any], ...]:
        """The journal events this transaction has recorded so far (read-only view)."""
        return tuple(self._events)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._events.clear()
        self._counter_state.clear()
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
               before: Any = None, after: Any = None, opinion: str = "", *,
               mof_div_code: str | None = None) -> None:
        """Append a business event to this transaction's journal (who, what, before/after, opinion).
        ``mof_div_code`` names the 区划 whose chain the event joins when the handler knows it (else
        ``self.div``, the acting unit's 区划, the object's, or the platform chain)."""
        if actor.on_behalf_of:        # 代理审批: every step taken under a delegation says for whom
            after = {**(after if isinstance(after, dict) else {"value": after} if after is not None else {}),
                     "on_behalf_of": actor.on_behalf_of}
        self._events.append({
            "occurred_at": self.now().isoformat(timespec="microseconds"),
            "actor": actor.user_id, "actor_role": actor.role.value, "action": action,
            "object_type": object_type, "object_id": object_id,
            "before_json": dumps(before) if before is not None else "{}",
            "after_json": dumps(after) if after is not None else "{}",
            "opinion": opinion or "",
            "_div": mof_div_code or self.div, "_agency": actor.agency_code,
        })

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """All-or-nothing for one item of a batch: its rows and its journal events go together."""
        # plain SAVEPOINT statements: SQLAlchemy's nested-transaction object costs more than the item
        mark = len(self._events)
        counters = {k: v[:] for k, v in self._counter_state.items()}
        self._sp += 1
        name = f"item_{self._sp}"
        self.raw.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.raw.execute(f"RELEASE SAVEPOINT {name}")
            del self._events[mark:]
            # a counter first taken inside the rolled-back item is forgotten (its row change is undone)
            self._counter_state.clear()
            self._counter_state.update(counters)
            raise
        self.raw.execute(f"RELEASE SAVEPOINT {name}")

    @property
    def journal(self) -> JournalStore:
        caches = _DIV_CACHES.get(self.db)
        if caches is None:
            caches = _DIV_CACHES[self.db] = ({}, set())
        return JournalStore(self.raw, *caches)

    def _chains(self, store: JournalStore) -> None:
        """Set each buffered event's ``chain`` (see the module docstring for the order of the rules)."""
        pending: dict[str, list[dict[str, Any]]] = {}
        for ev in self._events:
            div, agency = ev.pop("_div", None), ev.pop("_agency", None)
            if div is None and agency:
                div = store.agency_div(agency)
            if div is None:
                head = ev["object_id"].split(":", 1)[0]
                if ev["object_type"] in DIV_OF_OBJECT:
                    pending.setdefault(ev["object_type"], []).append(ev)
                    continue
                if store.is_div(head):
                    div = head
            ev["chain"] = div or PLATFORM
        for object_type, evs in pending.items():
            found = store.divs_of(object_type, (ev["object_id"] for ev in evs))
            for ev in evs:
                ev["chain"] = found.get(ev["object_id"]) or PLATFORM

    def _flush_journal(self) -> None:
        if not self._events:
            return
        store = self.journal
        self._chains(store)
        seqs = store.append(self._events)
        self._events.clear()
        if any(s % ANCHOR_EVERY == 0 for s in seqs):
            store.write_anchor("auto", self.now().isoformat(timespec="microseconds"))

    def write_anchor(self, reason: str = "manual") -> Anchor:
        """A cross-anchor of every chain's tip (``fiscal audit anchor``), in this transaction."""
        self._flush_journal()
        return self.journal.write_anchor(reason, self.now().isoformat(timespec="microseconds"))

    def commit(self) -> None:
        if self._counter_state:
            self.counters.flush()
        self._flush_journal()
        self.conn.commit()

    def rollback(self) -> None:
        self._events.clear()
        self.conn.rollback()
