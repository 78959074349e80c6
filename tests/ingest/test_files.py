"""Whole exchange files: the encodings and formats accepted, the files rejected (and kept, with the reason), and
that every file dropped into the inbox ends in exactly one place."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.district import District

from .helpers import (
    BANK_HEADER,
    COLLECTOR,
    TAX_HEADER,
    assert_message,
    assert_same_tables,
    copy_home,
    csv_bytes,
    drop,
    file_record,
    grow,
    inbox,
    kept_files,
    query,
    run,
    sha256,
    tax_row,
)

DAY = "2025-05-06"


def real(district: District, prefix: str, last: bool = False) -> bytes:
    files = sorted((district.final / "exchange" / "inbox").glob(f"{prefix}_*"))
    return (files[-1] if last else files[0]).read_bytes()


def tax(rows: int = 2) -> bytes:
    return csv_bytes(TAX_HEADER, [tax_row(DAY, code) for code in ("10101", "10104", "10106")[:rows]], "gbk")


def cut_in_last_value(data: bytes) -> bytes:
    return data.rstrip(b"\r\n")[:-3]                          # 408437.05 → 408437: the field count still fits


def cut_mid_line(data: bytes) -> bytes:
    body = data.rstrip(b"\r\n")
    return body[: body.rfind(b"\n") + 20]


def cut_mid_character(data: bytes) -> bytes:
    return data[: data.rfind("税务局".encode("gbk")) + 1]    # half of the two bytes of 税


def open_quote(data: bytes) -> bytes:
    return data + f'{DAY},10109,城市维护建设税,4,"{COLLECTOR}\r\n'.encode("gbk")


def damaged_sheet(data: bytes) -> bytes:
    """A well-formed zip whose worksheet XML stops half-way."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            dst.writestr(item, body[: len(body) // 2] if item.filename.startswith("xl/worksheets/") else body)
    return out.getvalue()


BAD_FILES: list[tuple[str, str, Callable[[District], bytes], str]] = [  # id, file name, content, rule
    ("utf16", "tax_revenue_20250506.csv", lambda d: tax().decode("gbk").encode("utf-16"), "encoding"),
    ("wrong_header", "tax_revenue_20250506.csv",
     lambda d: csv_bytes([*TAX_HEADER[:-1], "金额（元）"], [tax_row(DAY)], "gbk"), "wrong_columns"),
    ("missing_column", "bank_receipt_20250506.csv",
     lambda d: csv_bytes(BANK_HEADER[:-1], [["PZ1", "1.00", DAY, "B1", "SUCCESS"]]), "wrong_columns"),
    ("empty", "bank_receipt_20250506.csv", lambda d: b"", "empty_file"),
    ("blank_lines_only", "bank_receipt_20250506.csv", lambda d: b"\r\n  \r\n", "empty_file"),
    ("truncated_in_last_value", "tax_revenue_20250506.csv", lambda d: cut_in_last_value(real(d, "tax")), "truncated"),
    ("truncated_mid_line", "bank_receipt_20250506.csv", lambda d: cut_mid_line(real(d, "bank", last=True)),
     "truncated"),
    ("truncated_mid_character", "tax_revenue_20250506.csv", lambda d: cut_mid_character(real(d, "tax")),
     "truncated"),
    ("truncated_in_quotes", "tax_revenue_20250506.csv", lambda d: open_quote(tax()), "truncated"),
    ("truncated_xlsx", "hr_roster_20250506.xlsx",
     lambda d: real(d, "hr_roster")[: len(real(d, "hr_roster")) * 2 // 3], "unreadable"),
    ("damaged_xlsx_sheet", "hr_roster_20250506.xlsx", lambda d: damaged_sheet(real(d, "hr_roster")), "unreadable"),
    ("unknown_feed", "budget_plan_20250506.csv", lambda d: tax(1), "unknown_feed"),
    ("bad_file_date", "tax_revenue_20251341.csv", lambda d: tax(3), "bad_file_date"),
]


@pytest.fixture
def home(loaded: Path, tmp_path: Path) -> Path:
    return copy_home(loaded, tmp_path / "home")


@pytest.mark.parametrize(("name", "content", "rule"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_rejected_whole_and_kept_with_its_reason(home: Path, district: District, name: str,
                                                               content: Callable[[District], bytes], rule: str) -> None:
    data = content(district)
    before = {t: query(home, f"select count(*) from raw.{t}")[0][0]
              for t in ("xch_tax_revenue", "xch_bank_receipt", "xch_hr_roster", "xch_quarantine")}
    drop(home, name, data)
    report = run(home)

    rec = file_record(home, name)
    assert (rec["status"], rec["rule"], rec["rows_loaded"], rec["file_sha256"]) == ("rejected", rule, 0, sha256(data))
    assert rec["feed"] == ("unknown" if rule == "unknown_feed" else name.rsplit("_", 1)[0])
    [message] = query(home, "select message from raw.xch_file where file_name = ?", [name])[0]
    assert_message(message)
    assert [f.status for f in report.exchange.files] == ["rejected"]  # type: ignore[union-attr]
    # kept, with the reason beside it, and nothing of it loaded
    [kept] = kept_files(home)[sha256(data)]
    assert kept.parent == home / "exchange" / "rejected" and kept.name.endswith(f"_{name}")
    assert kept.with_name(kept.name + ".reason.txt").read_text(encoding="utf-8") == message
    assert not list(inbox(home).iterdir())
    assert before == {t: query(home, f"select count(*) from raw.{t}")[0][0] for t in before}


def test_the_tax_feed_in_gbk_round_trips_its_chinese_text(loaded: Path, district: District) -> None:
    files = sorted((district.final / "exchange" / "inbox").glob("tax_revenue_*.csv"))
    assert len(files) > 50
    encodings = dict(query(loaded, "select feed, string_agg(distinct encoding, '/') from raw.xch_file group by feed"))
    assert encodings == {"tax_revenue": "gbk", "bank_receipt": "utf-8", "hr_roster": "xlsx"}
    for f in files[::10]:
        data = f.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")                               # really GBK, not UTF-8 that happens to fit
        expected = sorted((r[0], r[1], r[2], r[3], r[4], Decimal(r[5]))
                          for r in list(csv.reader(io.StringIO(data.decode("gbk"), newline="")))[1:])
        got = query(loaded, "select tre_date::varchar, inc_code, inc_name, budget_level_code, collector, amount "
                            "from raw.xch_tax_revenue where file_sha256 = ? order by all", [sha256(data)])
        assert got == expected and got
    assert query(loaded, "select distinct collector from raw.xch_tax_revenue") == [(COLLECTOR,)]
    assert ("10101", "增值税") in query(loaded, "select distinct inc_code, inc_name from raw.xch_tax_revenue")


def test_a_utf8_file_with_a_byte_order_mark_is_accepted(home: Path) -> None:
    data = b"\xef\xbb\xbf" + tax().decode("gbk").encode("utf-8")
    drop(home, "tax_revenue_20250506.csv", data)
    run(home)
    rec = file_record(home, "tax_revenue_20250506.csv")
    assert (rec["status"], rec["encoding"], rec["rows_loaded"]) == ("loaded", "utf-8-sig", 2)


def test_a_parquet_tax_feed_is_accepted(home: Path) -> None:
    table = pa.table({
        "入库日期": pa.array([date(2025, 5, 6), date(2025, 5, 6)], pa.date32()),
        "收入科目代码": ["10101", "10104"],
        "收入科目名称": ["增值税", "企业所得税"],
        "预算级次": ["4", "4"],
        "征收机关": [COLLECTOR, COLLECTOR],
        "金额": pa.array([Decimal("12345.67"), Decimal("-8.90")], pa.decimal128(18, 2)),
    })
    buf = io.BytesIO()
    pq.write_table(table, buf)
    drop(home, "tax_revenue_20250506.parquet", buf.getvalue())
    run(home)
    rec = file_record(home, "tax_revenue_20250506.parquet")
    assert (rec["status"], rec["encoding"], rec["rows_loaded"], rec["rows_quarantined"]) == ("loaded", "parquet", 2, 0)
    assert query(home, "select tre_date, inc_code, inc_name, collector, amount, file_date from raw.xch_tax_revenue "
                       "where file_sha256 = ? order by inc_code", [rec["file_sha256"]]) == [
        (date(2025, 5, 6), "10101", "增值税", COLLECTOR, Decimal("12345.67"), date(2025, 5, 6)),
        (date(2025, 5, 6), "10104", "企业所得税", COLLECTOR, Decimal("-8.90"), date(2025, 5, 6))]
    assert [p.parent.name for p in kept_files(home)[rec["file_sha256"]]] == ["tax_revenue"]


def test_every_file_of_the_inbox_ends_in_exactly_one_place(early_built: Path, district: District,
                                                           tmp_path: Path) -> None:
    """Good, bad and repeated files together: afterwards the inbox is empty and each content is kept exactly
    once, under exchange/archive (loaded) or exchange/rejected (with its reason), as raw.xch_file records it.
    A full rebuild then replays both folders and gives the same warehouse."""
    home = copy_home(early_built, tmp_path / "home")
    grow(home, district)
    for i, (_id, name, content, _rule) in enumerate(BAD_FILES):
        stem, ext = name.rsplit(".", 1)
        drop(home, f"{stem[:-2]}{i + 10:02d}.{ext}" if stem[-8:].isdigit() else name, content(district))
    first_tax = sorted(inbox(home).glob("tax_revenue_2025040*.csv"))[0]
    drop(home, "tax_revenue_20250530.csv", first_tax.read_bytes())       # the same content under another name
    dropped = {p.name: sha256(p.read_bytes()) for p in inbox(home).iterdir()}
    assert len(dropped) > 40 and len(set(dropped.values())) == len(dropped) - 1
    run(home)

    assert not list(inbox(home).iterdir())
    kept = kept_files(home)
    for name, digest in dropped.items():
        [where] = kept[digest]                                # exactly one copy of each content
        assert where.name.endswith(f"_{name}") or name == "tax_revenue_20250530.csv", name
    recorded = dict(query(home, "select file_sha256, status from raw.xch_file"))
    assert set(kept) == set(recorded)                         # every kept file is recorded, and vice versa
    for digest, paths in kept.items():
        folder = paths[0].relative_to(home / "exchange").parts[0]
        assert folder == ("rejected" if recorded[digest] == "rejected" else "archive")
        assert (folder == "rejected") == paths[0].with_name(paths[0].name + ".reason.txt").exists()
    assert sum(s == "rejected" for s in recorded.values()) == len(BAD_FILES)

    incremental = copy_home(home, tmp_path / "incremental")
    run(home, full=True)
    assert_same_tables(home / "warehouse.duckdb", incremental / "warehouse.duckdb")
    assert kept_files(home) == {d: [home / p.relative_to(incremental) for p in ps]
                                for d, ps in kept_files(incremental).items()}
