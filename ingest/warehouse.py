"""The warehouse file and how a refresh replaces it without blocking readers (docs/architecture.md §A8).

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
    """A short-lived read-only connection to the live warehouse for a person (governed: see below)."""
    return connect_governed(live)


# -- the doors people use ----------------------------------------------------------------------------------------
# Every connection the platform opens for a person (`fiscal sql`, the dashboards, the API's reads) is read-only
# and cannot reach outside the warehouse file: no host files read or written (read_csv, COPY … TO), no ATTACH, no
# extension installed or loaded (DuckDB would download one when a query names it), and the configuration locked
# so that no SET undoes any of it.
GOVERNED = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


class GovernedRefusal(RuntimeError):
    """A query asked for something a governed connection does not allow; ``rule`` names the rule."""

    def __init__(self, rule: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en}) [{rule}]")
        self.rule, self.zh, self.en = rule, zh, en


RULES = {
    "governed.no_host_files": ("只读分析连接不能读写主机上的文件；导出请用 fiscal sql --format csv|xlsx|parquet --output 文件",
                               "a governed connection reads and writes no host files; to export, use fiscal sql "
                               "--format csv|xlsx|parquet --output FILE"),
    "governed.no_attach": ("只读分析连接不能挂载其他数据库", "a governed connection attaches no other database"),
    "governed.no_extensions": ("只读分析连接不能安装或加载扩展", "a governed connection installs and loads no extension"),
    "governed.config_locked": ("只读分析连接的配置已锁定，不能修改", "a governed connection's configuration is locked"),
    "governed.read_only": ("数据仓库只读，不能修改", "the warehouse is read-only"),
}


def refusal(err: duckdb.Error, query: str = "") -> GovernedRefusal | None:
    """The governed rule a DuckDB error on ``query`` stands for, or None when it is an ordinary query error."""
    text = str(err)
    statement = " ".join(query.split()).lower()
    if "configuration has been locked" in text:
        rule = "governed.config_locked"
    elif statement.startswith(("attach", "detach")) or "in-memory database in read-only mode" in text:
        rule = "governed.no_attach"
    elif statement.startswith(("install", "load", "force install")) or (
            isinstance(err, duckdb.PermissionException) and "extension" in text.lower()):
        rule = "governed.no_extensions"
    elif isinstance(err, duckdb.PermissionException) or "file system operations are disabled" in text:
        rule = "governed.no_host_files"
    elif "read-only mode" in text:
        rule = "governed.read_only"
    else:
        return None
    zh, en = RULES[rule]
    return GovernedRefusal(rule, zh, en)


def connect_governed(path: Path) -> duckdb.DuckDBPyConnection:
    """A short-lived governed read-only connection (open one per query or page view)."""
    if not path.exists():
        raise FileNotFoundError(f"数据仓库尚未生成，请先运行 fiscal refresh (warehouse not built yet: {path})")
    return duckdb.connect(str(path), read_only=True, config=dict(GOVERNED))
