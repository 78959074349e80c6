"""The exchange inbox seen from the scheduler: what is waiting there, and settling it once a warehouse is live.

``ingest.exchange.ingest_exchange`` loads the inbox into the build file and returns the file moves to make
once that warehouse is live (``Ingested.finish()``). In Dagster the load and the swap are different steps
(``raw_exchange/*`` and ``warehouse/live``), so rather than carry that object between them, the swap step
derives the same moves from what the live warehouse recorded: every inbox file whose checksum is in
``raw.xch_file`` goes to where ingest keeps it (``archive/<feed>/`` or ``rejected/`` under
``<arrival>_<sha12>_<name>``, with a ``.reason.txt`` for a rejected one), or is deleted when that copy
already exists (a duplicate). A file that arrived after the load is not in ``raw.xch_file`` and stays for
the next refresh. Settling twice changes nothing.

This module does not import dagster.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


def inbox_dir(home: Path) -> Path:
    return home / "exchange" / "inbox"


def _inbox_files(home: Path) -> list[Path]:
    inbox = inbox_dir(home)
    if not inbox.exists():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def kept_at(home: Path, arrival: int, sha: str, feed: str, status: str, name: str) -> Path:
    """Where ingest keeps a file it has recorded (the naming of ``ingest.exchange.ingest_exchange``)."""
    stored = f"{arrival:06d}_{sha[:12]}_{name}"
    ex = home / "exchange"
    return ex / "rejected" / stored if status == "rejected" else ex / "archive" / feed / stored


@dataclass
class Settled:
    archived: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)          # not recorded in the warehouse: for the next refresh


def settle_inbox(home: Path, live: duckdb.DuckDBPyConnection) -> Settled:
    """Move the inbox files recorded in the warehouse open on ``live`` to where ingest keeps them."""
    recorded = {sha: (arrival, feed, status, name, message) for sha, arrival, feed, status, name, message in
                live.execute("select file_sha256, arrival_no, feed, status, file_name, message from raw.xch_file")
                .fetchall()}
    out = Settled()
    for path in _inbox_files(home):
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        if sha not in recorded:
            out.left.append(path.name)
            continue
        arrival, feed, status, name, message = recorded[sha]
        dst = kept_at(home, arrival, sha, feed, status, name)
        if dst.exists():
            path.unlink()
            out.duplicates.append(path.name)
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), dst)
        if status == "rejected":
            dst.with_name(dst.name + ".reason.txt").write_text(message or "", encoding="utf-8")
            out.rejected.append(path.name)
        else:
            out.archived.append(path.name)
    return out


@dataclass(frozen=True)
class InboxState:
    ready: tuple[str, ...]          # files old enough to have been written completely
    settling: tuple[str, ...]       # files modified within the last ``settle_seconds``
    signature: str                  # identifies the ready files (name, size, modification time)


def inbox_state(home: Path, *, settle_seconds: float = 30.0, now: float | None = None) -> InboxState:
    """What waits in the inbox. A file still being copied in is left until it has not changed for
    ``settle_seconds`` (a half-copied file would be rejected as truncated)."""
    now = time.time() if now is None else now
    ready: list[tuple[str, int, int]] = []
    settling: list[str] = []
    for p in _inbox_files(home):
        st = p.stat()
        if now - st.st_mtime < settle_seconds:
            settling.append(p.name)
        else:
            ready.append((p.name, st.st_size, st.st_mtime_ns))
    digest = hashlib.sha256("\n".join(f"{n}\t{s}\t{m}" for n, s, m in ready).encode()).hexdigest()[:16]
    return InboxState(tuple(n for n, _, _ in ready), tuple(settling), digest if ready else "")
