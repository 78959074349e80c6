"""The warehouse file and how a refresh replaces it without blocking readers (architecture §3.8).

DuckDB lets one process write a file, and while it does no other process can open that file even
read-only. So a refresh never writes the live file: it copies it (or starts empty), loads and builds
into the copy, and renames the copy over the live file. Readers open a short read-only connection per
query; one opened before the rename keeps reading the old file (the old inode stays valid until it
closes), one opened after reads the new one, and none sees a half-built warehouse.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

BUILD_PREFIX = "."
BUILD_SUFFIX = ".build.duckdb"


def build_path(live: Path) -> Path:
    """The build file of a refresh of ``live``: next to it (same file system, so the swap is a rename)."""
    return live.with_name(f"{BUILD_PREFIX}{live.stem}{BUILD_SUFFIX}")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


class RefreshBusy(RuntimeError):
    pass


@contextmanager
def refresh_lock(live: Path) -> Iterator[None]:
    """One refresh at a time per warehouse (a second one fails at once rather than waiting)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    with open(live.with_name(".refresh.lock"), "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise RefreshBusy("另一个刷新正在进行 (another refresh of this warehouse is running)") from e
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def prepare_build(live: Path, *, full: bool) -> Path:
    """A build file to write into: a copy of the live warehouse (incremental) or nothing (full)."""
    build = build_path(live)
    for stale in (build, _wal(build)):
        stale.unlink(missing_ok=True)
    if not full and live.exists():
        shutil.copyfile(live, build)
    return build


def publish(live: Path) -> Path:
    """Atomically replace the live warehouse with the finished build."""
    build = build_path(live)
    if _wal(build).exists():
        raise RuntimeError("构建文件仍有未检查点的 WAL (build file still has a WAL: a connection is open)")
    with open(build, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(build, live)
    # make the rename durable before the caller archives the inbox files the new warehouse holds: otherwise a
    # power cut could bring back the old warehouse with those files already gone from the inbox
    fd = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return live


def discard_build(live: Path) -> None:
    build = build_path(live)
    for f in (build, _wal(build)):
        f.unlink(missing_ok=True)


def connect_read_only(live: Path) -> duckdb.DuckDBPyConnection:
    """A short-lived read-only connection to the live warehouse (open one per query or page view)."""
    if not live.exists():
        raise FileNotFoundError(f"数据仓库尚未生成，请先运行 fiscal refresh (warehouse not built yet: {live})")
    return duckdb.connect(str(live), read_only=True)
