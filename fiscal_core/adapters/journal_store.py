"""The journal's writes: per-chain appends and cross-anchors (the hash arithmetic is in domain/journal.py).

Appending to a chain locks that chain's tip row in ``journal_chain`` (``FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serialises writers anyway), so transactions of different 区划 never wait for each other.
The global ``seq`` comes from the sequence ``journal_global_seq`` on PostgreSQL, drawn after the chain's lock
is held (so inside a chain seq only grows), and from ``max(seq) + 1`` on SQLite.

Lock order: a transaction that writes to several chains takes their tips in chain order, last in the
transaction (after every business row), so concurrent writers cannot deadlock on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.journal import (
    GENESIS,
    AnchorTip,
    anchor_hash,
    anchor_tips_json,
    chain_hash,
)
from . import tables as t
from .rawsql import RawSql, insert_sql

JOURNAL_COLUMNS = [c.name for c in t.journal.c]
_INSERT = insert_sql("journal", JOURNAL_COLUMNS)
# PostgreSQL, one chain: lock its tip (a no-op update takes the row lock) and draw the seqs after the lock
_PG_LOCK_AND_DRAW = ("UPDATE journal_chain SET tip_chain_seq = tip_chain_seq WHERE chain = :c "
                     "RETURNING tip_chain_seq, tip_hash, "
                     "(SELECT array_agg(nextval('journal_global_seq')) FROM generate_series(1, :n))")
_PG_INSERT_AND_TIP = (f"WITH j AS ({_INSERT}) UPDATE journal_chain SET tip_chain_seq = :chain_seq, "
                      "tip_seq = :seq, tip_hash = :hash WHERE chain = :chain")
_TIP = "SELECT tip_chain_seq, tip_hash FROM journal_chain WHERE chain = :c"
_NEW_CHAIN = ("INSERT INTO journal_chain (chain, tip_chain_seq, tip_seq, tip_hash) VALUES (:c, 0, 0, :g) "
              "ON CONFLICT (chain) DO NOTHING")
_SET_TIP = "UPDATE journal_chain SET tip_chain_seq = :n, tip_seq = :s, tip_hash = :h WHERE chain = :c"
_PG_DRAW = "SELECT nextval('journal_global_seq') FROM generate_series(1, :n)"
_SQLITE_MAX = "SELECT coalesce(max(seq), 0) FROM journal"
_ANCHOR_LOCK = "SELECT pg_advisory_xact_lock(7152027)"       # anchors are rare: one at a time
_LAST_ANCHOR = "SELECT anchor_no, hash FROM journal_anchor ORDER BY anchor_no DESC LIMIT 1"
_ALL_TIPS = "SELECT chain, tip_chain_seq, tip_seq, tip_hash FROM journal_chain ORDER BY chain"
_ANCHOR_INSERT = insert_sql("journal_anchor", [c.name for c in t.journal_anchor.c])

# where an event's 区划 is found when the event does not say: object_type → (table, key column)
DIV_OF_OBJECT: dict[str, tuple[str, str]] = {
    "pay_voucher": ("pay_voucher", "pay_app_id"),
    "ba_bgt_info": ("ba_bgt_info", "bgt_id"),
    "bas_agency_info": ("bas_agency_info", "agency_code"),
    "bas_agency_staffing": ("bas_agency_info", "agency_code"),
    "pm_project": ("pm_project", "pro_code"),
    "bgt_pm_annual": ("bgt_pm_annual", "bgt_pman_id"),
    "gp_plan": ("gp_plan", "plan_id"),
    "mon_warning": ("mon_warning", "warning_id"),
}


@dataclass(frozen=True)
class Anchor:
    anchor_no: int
    created_at: str
    journal_seq: int
    tips: tuple[AnchorTip, ...]
    hash: str


class JournalStore:
    def __init__(self, raw: RawSql, agency_divs: dict[str, str], divs: set[str]) -> None:
        self.raw = raw
        self.pg = raw.is_postgres
        self._agency_divs = agency_divs     # agency → 区划, cached per database (an agency never moves)
        self._divs = divs                   # registered 区划 codes seen so far (cached per database)

    # -- which chain ---------------------------------------------------------------------------------
    def agency_div(self, agency_code: str) -> str | None:
        div = self._agency_divs.get(agency_code)
        if div is None:
            row = self.raw.one("SELECT mof_div_code FROM bas_agency_info WHERE agency_code = :a", {"a": agency_code})
            if row is None:
                return None
            div = self._agency_divs[agency_code] = row[0]
        return div

    def is_div(self, code: str) -> bool:
        if code in self._divs:
            return True
        if len(code) != 9 or not code.isdigit():
            return False
        if self.raw.one("SELECT 1 FROM bas_mof_div WHERE mof_div_code = :d", {"d": code}) is None:
            return False
        self._divs.add(code)
        return True

    def divs_of(self, object_type: str, ids: Iterable[str]) -> dict[str, str]:
        """The 区划 of objects of one type, in one query (rows written by this transaction included)."""
        table, key = DIV_OF_OBJECT[object_type]
        want = sorted(set(ids))
        out: dict[str, str] = {}
        for i in range(0, len(want), 500):
            part = want[i:i + 500]
            params = {f"k{n}": v for n, v in enumerate(part)}
            marks = ", ".join(f":k{n}" for n in range(len(part)))
            out.update((str(k), str(d)) for k, d in self.raw.all(
                f"SELECT {key}, mof_div_code FROM {table} WHERE {key} IN ({marks})", params))
        return out

    # -- append --------------------------------------------------------------------------------------
    def append(self, events: Sequence[dict[str, Any]]) -> list[int]:
        """Give every event (``chain`` set) its seq, chain_seq, prev_hash and hash, insert them and move
        their chains' tips. Returns the seqs drawn."""
        chains = sorted({ev["chain"] for ev in events})
        if self.pg and len(chains) == 1:
            row = self.raw.one(_PG_LOCK_AND_DRAW, {"c": chains[0], "n": len(events)})
            if row is None:
                self.raw.execute(_NEW_CHAIN, {"c": chains[0], "g": GENESIS})
                row = self.raw.one(_PG_LOCK_AND_DRAW, {"c": chains[0], "n": len(events)})
            assert row is not None
            tips = {chains[0]: [int(row[0]), row[1], 0]}
            seqs = sorted(int(s) for s in row[2])
        else:
            tips = {}
            for ch in chains:
                tip_sql = self.raw.for_update(_TIP, True)
                row = self.raw.one(tip_sql, {"c": ch})
                if row is None:
                    self.raw.execute(_NEW_CHAIN, {"c": ch, "g": GENESIS})
                    row = self.raw.one(tip_sql, {"c": ch})
                assert row is not None
                tips[ch] = [int(row[0]), row[1], 0]
            if self.pg:
                seqs = sorted(int(r[0]) for r in self.raw.all(_PG_DRAW, {"n": len(events)}))
            else:
                top = self.raw.one(_SQLITE_MAX)
                base = int(top[0]) if top else 0
                seqs = list(range(base + 1, base + 1 + len(events)))
        for ev, seq in zip(events, seqs, strict=True):
            tip = tips[ev["chain"]]
            tip[0] += 1
            ev["seq"] = tip[2] = seq
            ev["chain_seq"] = tip[0]
            ev["prev_hash"] = tip[1]
            ev["hash"] = tip[1] = chain_hash(tip[1], ev)
        if self.pg and len(events) == 1:
            self.raw.execute(_PG_INSERT_AND_TIP, events[0])
            return seqs
        if len(events) == 1:
            self.raw.execute(_INSERT, events[0])
        else:
            self.raw.executemany(_INSERT, events)
        self.raw.executemany(_SET_TIP, [{"c": ch, "n": n, "h": h, "s": s} for ch, (n, h, s) in tips.items()])
        return seqs

    # -- cross-anchors -------------------------------------------------------------------------------
    def write_anchor(self, reason: str, created_at: str) -> Anchor:
        """Record every chain's tip as committed (plus this transaction's own rows), chained to the
        previous anchor."""
        if self.pg:
            self.raw.execute(_ANCHOR_LOCK)
        last = self.raw.one(_LAST_ANCHOR)
        no, prev = (int(last[0]) + 1, last[1]) if last else (1, GENESIS)
        tips = tuple((str(c), int(n), int(s), str(h)) for c, n, s, h in self.raw.all(_ALL_TIPS))
        h = anchor_hash(prev, no, created_at, tips)
        seq = max((s for _, _, s, _ in tips), default=0)
        self.raw.execute(_ANCHOR_INSERT, {"anchor_no": no, "created_at": created_at, "reason": reason,
                                          "journal_seq": seq, "tips_json": anchor_tips_json(tips),
                                          "prev_hash": prev, "hash": h})
        return Anchor(no, created_at, seq, tips, h)
