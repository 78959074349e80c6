"""The exchange inbox: what is waiting there, and settling it against a live warehouse.

``ingest.exchange.ingest_exchange`` loads the inbox into the build file; the files stay in the inbox until
the warehouse holding them is live. Settling derives the file moves from what the live warehouse recorded:
every inbox file whose checksum is in ``raw.xch_file`` goes to where ingest keeps it (``archive/<feed>/`` or
``rejected/`` under ``<arrival>_<sha12>_<name>``, with a ``.reason.txt`` for a rejected one), or is deleted
when that copy already exists (a duplicate). A file that arrived after the load is not in ``raw.xch_file``
and stays for the next refresh. Settling twice changes nothing, so the refresh pipeline settles at its start
(a run killed between its swap and its settle leaves files behind) and after its swap.

``exchange`` is the exchange folder (``inbox/``, ``archive/``, ``rejected/``).
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


def inbox_dir(exchange: Path) -> Path:
    return exchange / "inbox"


def inbox_files(exchange: Path) -> list[Path]:
    """The files waiting in the inbox, by name (hidden files are someone's temporary copies)."""
    inbox = inbox_dir(exchange)
    if not inbox.exists():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def kept_at(exchange: Path, arrival: int, sha: str, feed: str, status: str, name: str) -> Path:
    """Where ingest keeps a file it has recorded: ``<arrival>_<sha12>_<name>`` under ``rejected/`` or
    ``archive/<feed>/``."""
    stored = f"{arrival:06d}_{sha[:12]}_{name}"
    return exchange / "rejected" / stored if status == "rejected" else exchange / "archive" / feed / stored


@dataclass
class Settled:
    archived: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)          # not recorded in the warehouse: for the next refresh


def settle_inbox(exchange: Path, live: duckdb.DuckDBPyConnection) -> Settled:
    """Move the inbox files recorded in the warehouse open on ``live`` to where ingest keeps them."""
    recorded = {sha: (arrival, feed, status, name, message) for sha, arrival, feed, status, name, message in
                live.execute("select file_sha256, arrival_no, feed, status, file_name, message from raw.xch_file")
                .fetchall()}
    out = Settled()
    for path in inbox_files(exchange):
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        if sha not in recorded:
            out.left.append(path.name)
            continue
        arrival, feed, status, name, message = recorded[sha]
        dst = kept_at(exchange, arrival, sha, feed, status, name)
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


def inbox_state(exchange: Path, *, settle_seconds: float = 30.0, now: float | None = None) -> InboxState:
    """What waits in the inbox. A file still being copied in is left until it has not changed for
    ``settle_seconds`` (a half-copied file would be rejected as truncated)."""
    now = time.time() if now is None else now
    ready: list[tuple[str, int, int]] = []
    settling: list[str] = []
    for p in inbox_files(exchange):
        st = p.stat()
        if now - st.st_mtime < settle_seconds:
            settling.append(p.name)
        else:
            ready.append((p.name, st.st_size, st.st_mtime_ns))
    digest = hashlib.sha256("\n".join(f"{n}\t{s}\t{m}" for n, s, m in ready).encode()).hexdigest()[:16]
    return InboxState(tuple(n for n, _, _ in ready), tuple(settling), digest if ready else "")
