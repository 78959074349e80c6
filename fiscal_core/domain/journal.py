"""The journal's hash chain, as pure functions (the adapters store rows; anyone can verify offline).

``hash = sha256(prev_hash ‖ canonical event)``, where the canonical event is the JSON array of the stored
columns, in a fixed order, with ``before``/``after`` kept as the exact JSON text that was stored. Verifying
therefore needs nothing but the rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

CHAIN_FIELDS = ("seq", "occurred_at", "actor", "actor_role", "action", "object_type", "object_id",
                "before_json", "after_json", "opinion")


def dumps(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept (Chinese stays readable)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical(row: Mapping[str, Any]) -> str:
    return dumps([row[f] for f in CHAIN_FIELDS])


def chain_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(rows: Iterable[Mapping[str, Any]]) -> tuple[int, ChainBreak | None]:
    """Walk rows in seq order; return (rows checked, first break or None)."""
    prev = GENESIS
    expected_seq = 1
    n = 0
    for row in rows:
        n += 1
        if row["seq"] != expected_seq:
            return n, ChainBreak(row["seq"], f"序号不连续 (expected={expected_seq}, found={row['seq']})")
        if row["prev_hash"] != prev:
            return n, ChainBreak(row["seq"], "前序哈希不符 (prev_hash mismatch)")
        h = chain_hash(prev, row)
        if row["hash"] != h:
            return n, ChainBreak(row["seq"], "内容哈希不符，记录被改动 (hash mismatch: row content changed)")
        prev = h
        expected_seq += 1
    return n, None
