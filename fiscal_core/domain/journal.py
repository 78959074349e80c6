"""The journal's hash chains, as pure functions (the adapters store rows; anyone can verify offline).

One chain per 区划 (``chain`` = the mof_div_code), one ``platform`` chain for events that belong to no
区划 (code sets, users, the core's origin), and the closed ``legacy`` chain: the single chain the journal
was before it was split, kept byte for byte (its rows keep their hashes and are verified as they were
written). Each chain is verifiable alone: ``chain_seq`` counts 1, 2, 3 … inside the chain and every row
hashes its predecessor *in the chain*, so writers in different 区划 never wait for each other. ``seq``
stays the journal's global order (the warehouse extracts by it); inside a chain it only increases.

Row hash, ``hash = sha256(prev_hash ‖ canonical event)``, the canonical event being stored columns in a
fixed order, each written as ``<length>:<text>`` (a netstring without the trailing comma: unambiguous
whatever the text holds, and cheap), with ``before``/``after`` kept as the exact JSON text that was
stored. Verifying therefore needs nothing but the rows; in SQL-free pseudo-code::

    fields = ROW_FIELDS if chain != "legacy" else LEGACY_FIELDS
    canonical = "".join(f"{len(v)}:{v}" for v in (str(row[f]) for f in fields))
    hash = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()

Cross-anchors tie the chains together: an anchor lists every chain's tip (chain, chain_seq, seq, hash)
and hashes them with the previous anchor's hash (``anchor_hash``). Rewriting one chain wholesale (every
hash recomputed, so the chain alone still verifies) or cutting its tail then disagrees with every anchor
taken since; the anchors themselves form a chain, so one cannot be edited or dropped unseen either.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
PLATFORM = "platform"   # the chain of events that belong to no 区划
LEGACY = "legacy"       # the single chain of a journal written before the split (closed: nothing is added)

# the stored columns a row hash covers, in order; ``LEGACY_FIELDS`` is the format of the single chain
LEGACY_FIELDS = ("seq", "occurred_at", "actor", "actor_role", "action", "object_type", "object_id",
                 "before_json", "after_json", "opinion")
ROW_FIELDS = ("chain", "chain_seq", *LEGACY_FIELDS)
CHAIN_FIELDS = LEGACY_FIELDS   # the old name, kept for readers of the single chain

# an anchor is written automatically whenever a transaction draws a global seq that is a multiple of this
ANCHOR_EVERY = 1000


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def dumps(obj: Any) -> str:
    """Compact JSON, UTF-8 kept (Chinese stays readable), keys in the order the code wrote them (the
    chain hashes the stored text, so no re-serialisation has to reproduce it)."""
    return _ENCODER.encode(obj)


def _netstrings(values: Iterable[Any]) -> str:
    parts = []
    for value in values:
        v = str(value)
        parts.append(f"{len(v)}:{v}")
    return "".join(parts)


def canonical(row: Mapping[str, Any]) -> str:
    """The text a row's hash covers: the legacy format for rows of the single chain (or rows that name no
    chain at all), the chain-qualified format otherwise."""
    chain = row.get("chain", LEGACY)
    return _netstrings(row[f] for f in (LEGACY_FIELDS if chain == LEGACY else ROW_FIELDS))


def chain_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first row (or anchor) that does not verify: its global ``seq``, its chain and place in it."""

    seq: int
    reason: str
    chain: str = ""
    chain_seq: int | None = None
    anchor_no: int | None = None

    @property
    def where_zh(self) -> str:
        """``第 345 条（320509000 链第 12 条）`` or ``交叉锚点 3``."""
        if self.anchor_no is not None and not self.chain:
            return f"交叉锚点 {self.anchor_no}"
        return f"第 {self.seq} 条" + ("" if self.chain_seq is None else f"（{self.chain} 链第 {self.chain_seq} 条）")

    @property
    def where_en(self) -> str:
        if self.anchor_no is not None and not self.chain:
            return f"cross-anchor {self.anchor_no}"
        return f"seq {self.seq}" + ("" if self.chain_seq is None else f" (chain {self.chain}, #{self.chain_seq})")


@dataclass(frozen=True)
class ChainTip:
    chain: str
    rows: int           # = the tip's chain_seq
    seq: int            # the tip's global seq (0 for an empty chain)
    hash: str


def verify_chain(rows: Iterable[Mapping[str, Any]], chain: str | None = None
                 ) -> tuple[int, ChainBreak | None]:
    """Walk one chain's rows in ``chain_seq`` order; return (rows checked, first break or None).

    Rows that carry no ``chain``/``chain_seq`` (the single-chain format) are numbered by ``seq``."""
    n, _, broken = _walk(rows, chain)
    return n, broken


def _walk(rows: Iterable[Mapping[str, Any]], chain: str | None,
          capture: Callable[[str, int, int, str], None] | None = None) -> tuple[int, ChainTip, ChainBreak | None]:
    prev = GENESIS
    expected = 1
    last_seq = 0
    n = 0
    name = chain or LEGACY
    for row in rows:
        n += 1
        name = row.get("chain", name)
        pos = int(row.get("chain_seq", row["seq"]))
        seq = int(row["seq"])

        reason = None
        h = ""
        if pos != expected:
            reason = f"链内序号不连续，缺行或多行 (chain_seq not contiguous: expected {expected}, found {pos})"
        elif seq <= last_seq:
            reason = f"全局序号未递增 (global seq not increasing in the chain: {seq} after {last_seq})"
        elif row["prev_hash"] != prev:
            reason = "前序哈希不符 (prev_hash mismatch)"
        elif row["hash"] != (h := chain_hash(prev, row)):
            reason = "内容哈希不符，记录被改动 (hash mismatch: row content changed)"
        if reason is not None:
            return n, ChainTip(name, expected - 1, last_seq, prev), ChainBreak(seq, reason, name, pos)
        if capture is not None:
            capture(name, pos, seq, h)
        prev = h
        last_seq = seq
        expected += 1
    return n, ChainTip(name, expected - 1, last_seq, prev), None


def verify_chains(chains: Iterable[tuple[str, Iterable[Mapping[str, Any]]]],
                  capture: Callable[[str, int, int, str], None] | None = None
                  ) -> tuple[dict[str, ChainTip], list[ChainBreak]]:
    """Every chain alone: (chain → its verified tip, the first break of each broken chain). A broken
    chain's tip is the last row that verified. ``capture(chain, chain_seq, seq, hash)`` sees every row
    that verified (the anchors' check uses it instead of reading rows again)."""
    tips: dict[str, ChainTip] = {}
    breaks: list[ChainBreak] = []
    for name, rows in chains:
        _, tip, broken = _walk(rows, name, capture)
        tips[name] = tip
        if broken is not None:
            breaks.append(broken)
    return tips, breaks


# -- cross-anchors ------------------------------------------------------------------------------------------
AnchorTip = tuple[str, int, int, str]     # (chain, chain_seq, seq, hash)


def anchor_tips_json(tips: Sequence[AnchorTip]) -> str:
    """The stored form of an anchor's tips: a JSON list of [chain, chain_seq, seq, hash], by chain."""
    return json.dumps([list(x) for x in sorted(tips)], separators=(",", ":"))


def parse_anchor_tips(text: str) -> list[AnchorTip]:
    return [(str(c), int(cs), int(s), str(h)) for c, cs, s, h in json.loads(text)]


def anchor_hash(prev_hash: str, anchor_no: int, created_at: str, tips: Sequence[AnchorTip]) -> str:
    """``sha256(prev anchor hash ‖ anchor_no ‖ created_at ‖ each tip's chain, chain_seq, seq, hash)``."""
    fields: list[Any] = [anchor_no, created_at]
    for tip in sorted(tips):
        fields.extend(tip)
    return hashlib.sha256((prev_hash + _netstrings(fields)).encode("utf-8")).hexdigest()


def verify_anchors(anchors: Iterable[Mapping[str, Any]], tips: Mapping[str, ChainTip],
                   row_at: Callable[[str, int], tuple[int, str] | None]) -> tuple[int, ChainBreak | None]:
    """Walk the stored anchors in order: each one's own chain (prev_hash, hash), then every chain tip it
    recorded against the journal (``row_at(chain, chain_seq)`` → (seq, hash) of that row, or None). A
    recorded tip past a chain's verified tip means the chain lost rows (truncated); a different hash at
    the recorded place means the chain was rewritten. Returns (anchors checked, first break)."""
    prev = GENESIS
    expected = 1
    n = 0
    for a in anchors:
        n += 1
        no = int(a["anchor_no"])

        at = int(a["journal_seq"])
        if no != expected:
            return n, ChainBreak(at, f"锚点编号不连续 (anchor_no not contiguous: expected {expected}, found {no})",
                                 "", None, no)
        if a["prev_hash"] != prev:
            return n, ChainBreak(at, "锚点前序哈希不符，锚点被删改 (anchor prev_hash mismatch: an anchor was "
                                     "changed or removed)", "", None, no)
        recorded = parse_anchor_tips(a["tips_json"])
        h = anchor_hash(prev, no, a["created_at"], recorded)
        if a["hash"] != h:
            return n, ChainBreak(at, "锚点内容哈希不符，锚点被改动 (anchor hash mismatch: the anchor was changed)",
                                 "", None, no)
        for chain, pos, seq, tip_hash in recorded:
            if pos == 0:
                continue
            found = row_at(chain, pos)
            have = tips.get(chain)
            if found is None or have is None or have.rows < pos:
                return n, ChainBreak(seq, f"锚点 {no} 记录的链尾不存在，{chain} 链被截断 "
                                          f"(row recorded by anchor {no} is missing: chain {chain} truncated)",
                                     chain, pos, no)
            if found != (seq, tip_hash):
                return n, ChainBreak(seq, f"与锚点 {no} 记录的哈希不符，{chain} 链被改写 "
                                          f"(differs from anchor {no}: chain {chain} rewritten)", chain, pos, no)
        prev = h
        expected += 1
    return n, None
