"""Helpers for the ingest tests: homes, exchange files, and the warehouse's contents."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ingest.pipeline import RefreshReport
from tests.district import copy_home, refresh_home, settings

if TYPE_CHECKING:
    from tests.district import District

__all__ = ["copy_home", "settings"]

MESSAGE = re.compile(r"^(?P<zh>[^(]*[\u4e00-\u9fff][^(]*) \((?P<en>[A-Za-z].*[A-Za-z].*)\)$")
TAX_HEADER = ["入库日期", "收入科目代码", "收入科目名称", "预算级次", "征收机关", "金额"]
BANK_HEADER = ["pay_cert_no", "xpay_amt", "xpay_date", "agent_business_no", "status", "reason"]
COLLECTOR = "国家税务总局苏州市吴江区税务局"


def live_path(home: Path) -> Path:
    return settings(home).warehouse


def run(home: Path, **kw: Any) -> RefreshReport:
    """One refresh of the home, without dbt (the ingest tests are about raw)."""
    return refresh_home(home, dbt=False, **kw)


def put_core(src_home: Path, dst_home: Path) -> None:
    """Replace the core of dst_home by src_home's (with its WAL, and without dst's stale WAL/shm)."""
    for f in dst_home.glob("core.sqlite3*"):
        f.unlink()
    for f in src_home.glob("core.sqlite3*"):
        if not f.name.endswith("-shm"):
            shutil.copy2(f, dst_home / f.name)


def grow(home: Path, district: District) -> list[str]:
    """Bring a home built from ``district.early`` to ``district.final``: the later core, and the exchange files
    that arrived since. Returns the names of the new files."""
    put_core(district.final, home)
    early = {p.name: p.read_bytes() for p in (district.early / "exchange" / "inbox").iterdir()}
    new = []
    for p in sorted((district.final / "exchange" / "inbox").iterdir()):
        if p.name in early:
            assert early[p.name] == p.read_bytes(), p.name       # a file, once written, does not change
        else:
            shutil.copy2(p, home / "exchange" / "inbox" / p.name)
            new.append(p.name)
    assert new
    return new


def inbox(home: Path) -> Path:
    return home / "exchange" / "inbox"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kept_files(home: Path) -> dict[str, list[Path]]:
    """Content hash → the files holding it under exchange/archive and exchange/rejected (no reason files)."""
    out: dict[str, list[Path]] = {}
    for folder in ("archive", "rejected"):
        base = home / "exchange" / folder
        if base.exists():
            for p in sorted(base.rglob("*")):
                if p.is_file() and not p.name.endswith(".reason.txt"):
                    out.setdefault(sha256(p.read_bytes()), []).append(p)
    return out


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def tax_row(day: str, code: str = "10101", amount: str = "1000.00", *, name: str = "增值税", level: str = "4",
            collector: str = COLLECTOR) -> list[str]:
    return [day, code, name, level, collector, amount]


def bank_row(n: int, amount: str = "100.00", day: str = "2025-05-06", status: str = "SUCCESS") -> list[str]:
    return [f"PZ2025T{n:07d}", amount, day, f"TEST2025050600{n:05d}", status, ""]


def drop(home: Path, name: str, data: bytes) -> Path:
    path = inbox(home) / name
    path.write_bytes(data)
    return path


def query(home: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(live_path(home)), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of a warehouse, its rows sorted; the extraction timestamp left out (it is when, not what)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        for schema, table in names:
            cols = [r[0] for r in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
                "order by column_index", [schema, table]).fetchall()]
            if table == "_extract_state":
                cols.remove("extracted_at")
            select = ", ".join(f'"{c}"' for c in cols)
            out[f"{schema}.{table}"] = con.execute(f'select {select} from "{schema}"."{table}" order by all').fetchall()
    return out


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    assert sorted(ta) == sorted(tb)
    differ = {name: (len(ta[name]), len(tb[name])) for name in ta if ta[name] != tb[name]}
    assert not differ, f"tables that differ (row counts): {differ}"


def new_files(district: District) -> list[str]:
    """Exchange files that arrived between ``district.early`` and ``district.final``."""
    early = {p.name for p in (district.early / "exchange" / "inbox").iterdir()}
    return sorted(p.name for p in (district.final / "exchange" / "inbox").iterdir() if p.name not in early)


def file_sha(path: Path) -> str:
    return sha256(path.read_bytes())


def folder_state(folder: Path) -> dict[str, str]:
    """Relative path → content hash of every file under a folder."""
    return {str(p.relative_to(folder)): file_sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def quarantined(home: Path, name: str) -> list[dict[str, Any]]:
    cols = ("feed", "file_name", "file_sha256", "row_no", "field", "rule", "message", "row_json")
    rows = query(home, f"select {', '.join(cols)} from raw.xch_quarantine where file_name = ? order by row_no, field",
                 [name])
    return [dict(zip(cols, r, strict=True)) for r in rows]


def file_record(home: Path, name: str) -> dict[str, Any]:
    cols = ("feed", "status", "rule", "rows_total", "rows_loaded", "rows_quarantined", "encoding", "file_sha256")
    rows = query(home, f"select {', '.join(cols)} from raw.xch_file where file_name = ?", [name])
    assert len(rows) == 1, rows
    return dict(zip(cols, rows[0], strict=True))


def assert_message(msg: str, *, zh: str = "", en: str = "") -> None:
    m = MESSAGE.match(msg)
    assert m, f"not “中文 (English)”: {msg}"
    assert zh in m["zh"] and en in m["en"], msg
