"""The journal's hash chain, as pure functions (the adapters store rows; anyone can verify offline).

``hash = sha256(prev_hash ‖ canonical event)``, where the canonical event is the ten stored columns in a
fixed order, each written as ``<length>:<text>`` (a netstring without the trailing comma: unambiguous
whatever the text holds, and cheap), with ``before``/``after`` kept as the exact JSON text that was
stored. Verifying therefore needs nothing but the rows; in SQL-free pseudo-code::

    canonical = "".join(f"{len(v)}:{v}" for v in map(str, (seq, occurred_at, actor, actor_role, action,
                                                          object_type, object_id, before_json, after_json,
                                                          opinion)))
    hash = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
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


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def dumps(obj: Any) -> str:
    """Compact JSON, UTF-8 kept (Chinese stays readable), keys in the order the code wrote them (the
    chain hashes the stored text, so no re-serialisation has to reproduce it)."""
    return _ENCODER.encode(obj)


def canonical(row: Mapping[str, Any]) -> str:
    parts = []
    for f in CHAIN_FIELDS:
        v = str(row[f])
        parts.append(f"{len(v)}:{v}")
    return "".join(parts)


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
