"""Row-level checks of the exchange files: each kind of bad row is quarantined with the feed, file, row number,
field, rule and a message in Chinese with English in parentheses; the good rows of the same file load."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import Workbook, load_workbook

from tests.district import District

from .helpers import (
    BANK_HEADER,
    TAX_HEADER,
    assert_message,
    bank_row,
    copy_home,
    csv_bytes,
    drop,
    file_record,
    inbox,
    live_path,
    quarantined,
    query,
    run,
    sha256,
    tax_row,
)

DAY = "2025-05-06"
TAX_FILE, BANK_FILE, ROSTER_FILE = "tax_revenue_20250506.csv", "bank_receipt_20250506.csv", "hr_roster_20250506.xlsx"


@pytest.fixture
def home(loaded: Path, tmp_path: Path) -> Path:
    return copy_home(loaded, tmp_path / "home")


# -- the tax and bank feeds: a good row, the bad row (line 3 of the file), another good row ------------------------
GOOD_TAX = [tax_row(DAY, "10101", "1000.00"), tax_row(DAY, "10104", "-250.50", name="企业所得税")]   # 退库 allowed
GOOD_BANK = [bank_row(1, "100.00"), bank_row(2, "0.00")]

CASES = [  # id, feed, bad row, field, rule, Chinese column name in the message
    ("unknown_code", "tax", tax_row(DAY, "99999", name="不存在的科目"), "inc_code", "unknown_code", "收入科目代码"),
    ("unknown_level", "tax", tax_row(DAY, "10106", level="9"), "budget_level_code", "unknown_code", "预算级次"),
    ("bad_date", "tax", tax_row("2025-02-30", "10106"), "tre_date", "bad_date", "入库日期"),
    ("bad_date_bank", "bank", bank_row(3, day="20251301"), "xpay_date", "bad_date", "xpay_date"),
    ("negative_bank_amount", "bank", bank_row(3, "-5.00"), "xpay_amt", "below_min", "xpay_amt"),
    ("missing_required", "tax", tax_row(DAY, "10106", collector=""), "collector", "required", "征收机关"),
    ("missing_required_bank", "bank", [*bank_row(3)[:3], "", "SUCCESS", ""], "agent_business_no", "required",
     "agent_business_no"),
    ("decimal_places", "tax", tax_row(DAY, "10106", "12.345"), "amount", "decimal_places", "金额"),
    ("not_a_number", "tax", tax_row(DAY, "10106", "12,3x"), "amount", "bad_number", "金额"),
    ("out_of_range", "tax", tax_row(DAY, "10106", "1e30"), "amount", "out_of_range", "金额"),
    ("not_allowed", "bank", bank_row(3, status="OK"), "status", "not_allowed", "status"),
    ("field_count", "tax", [*tax_row(DAY, "10106"), "多出的一列"], "*", "field_count", "字段数"),
    ("field_count_short", "bank", bank_row(3)[:4], "*", "field_count", "字段数"),
]


@pytest.mark.parametrize(("feed", "bad", "field", "rule", "header"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_row_is_quarantined_and_the_good_rows_load(home: Path, feed: str, bad: list[str], field: str, rule: str,
                                                         header: str) -> None:
    name, hdr, good, table = ((TAX_FILE, TAX_HEADER, GOOD_TAX, "xch_tax_revenue") if feed == "tax"
                              else (BANK_FILE, BANK_HEADER, GOOD_BANK, "xch_bank_receipt"))
    data = csv_bytes(hdr, [good[0], bad, good[1]], "gbk" if feed == "tax" else "utf-8")
    drop(home, name, data)
    run(home)

    assert file_record(home, name) | {"file_sha256": None, "encoding": None} == {
        "feed": f"{feed}_revenue" if feed == "tax" else "bank_receipt", "status": "loaded", "rule": None,
        "rows_total": 3, "rows_loaded": 2, "rows_quarantined": 1, "encoding": None, "file_sha256": None}
    loaded = query(home, f"select row_no from raw.{table} where file_sha256 = ? order by row_no", [sha256(data)])
    assert loaded == [(2,), (4,)]
    [q] = quarantined(home, name)
    assert (q["feed"], q["file_name"], q["file_sha256"], q["row_no"], q["field"], q["rule"]) == (
        file_record(home, name)["feed"], name, sha256(data), 3, field, rule)
    assert_message(q["message"], zh=header, en=field if field != "*" else "field count")
    # nothing is lost: the row as delivered is kept, to be fixed and replayed
    shown = json.loads(q["row_json"])
    assert shown == (dict(zip(hdr, bad, strict=True)) if field != "*" else bad)
    assert not list(inbox(home).iterdir())


def test_a_refund_is_a_negative_tax_amount(home: Path) -> None:
    data = csv_bytes(TAX_HEADER, GOOD_TAX, "gbk")
    drop(home, TAX_FILE, data)
    run(home)
    amounts = query(home, "select inc_code, amount::varchar from raw.xch_tax_revenue where file_sha256 = ? "
                          "order by inc_code", [sha256(data)])
    assert amounts == [("10101", "1000.00"), ("10104", "-250.50")]
    assert quarantined(home, TAX_FILE) == []


def test_row_numbers_are_lines_of_the_file(home: Path) -> None:
    """Blank lines and a quoted value spanning two lines do not shift the row number reported."""
    text = ("\r\n".join([",".join(TAX_HEADER), ",".join(GOOD_TAX[0]), "", "",
                         f'{DAY},10104,"企业所得税\r\n（跨行名称）",4,征收机关,5.00',
                         ",".join(tax_row(DAY, "99999"))]) + "\r\n").encode("gbk")
    drop(home, TAX_FILE, text)
    run(home)
    assert [(q["row_no"], q["rule"]) for q in quarantined(home, TAX_FILE)] == [(7, "unknown_code")]
    assert query(home, "select row_no, inc_name from raw.xch_tax_revenue where file_sha256 = ? order by row_no",
                 [sha256(text)]) == [(2, "增值税"), (5, "企业所得税\r\n（跨行名称）")]


def test_duplicate_key_within_a_file(home: Path) -> None:
    again = tax_row(DAY, "10101", "999.99")           # the key of the first row (date, code, level, collector)
    data = csv_bytes(TAX_HEADER, [GOOD_TAX[0], GOOD_TAX[1], again], "gbk")
    drop(home, TAX_FILE, data)
    run(home)
    [q] = quarantined(home, TAX_FILE)
    assert (q["row_no"], q["field"], q["rule"]) == (4, "tre_date,inc_code,budget_level_code,collector", "duplicate_key")
    assert_message(q["message"], zh="主键重复", en="duplicate key")
    assert json.loads(q["row_json"])["金额"] == "999.99"
    assert query(home, "select amount::varchar from raw.xch_tax_revenue where file_sha256 = ? and inc_code = '10101'",
                 [sha256(data)]) == [("1000.00",)]


def test_duplicate_key_across_two_files(home: Path) -> None:
    """A corrected re-delivery under another name: the first delivery stands, the repeated key is quarantined
    with the whole row as delivered (its amount too), and the file's new rows load."""
    first = csv_bytes(TAX_HEADER, GOOD_TAX, "gbk")
    drop(home, TAX_FILE, first)
    run(home)
    second_name = "tax_revenue_20250507.csv"
    second = csv_bytes(TAX_HEADER, [tax_row(DAY, "10101", "1200.00"), tax_row("2025-05-07", "10101", "8.00")], "gbk")
    drop(home, second_name, second)
    run(home)
    [q] = quarantined(home, second_name)
    assert (q["row_no"], q["rule"]) == (2, "duplicate_key")
    assert_message(q["message"], zh="此前文件", en="already loaded")
    assert json.loads(q["row_json"]) == dict(zip(TAX_HEADER, tax_row(DAY, "10101", "1200.00"), strict=True))
    rows = query(home, "select tre_date::varchar, amount::varchar, file_sha256 = ? from raw.xch_tax_revenue "
                       "where tre_date >= '2025-05-06' and inc_code = '10101' order by 1", [sha256(first)])
    assert rows == [(DAY, "1000.00", True), ("2025-05-07", "8.00", False)]
    assert file_record(home, second_name)["rows_loaded"] == 1


# -- the HR roster (XLSX, personal data) -------------------------------------------------------------------------
def roster(district: District) -> tuple[list[Any], list[list[Any]]]:
    wb = load_workbook(district.final / "exchange" / "inbox" / "hr_roster_20250430.xlsx", read_only=True)
    rows = [list(r) for r in wb["在职人员花名册"].iter_rows(values_only=True)]
    wb.close()
    return rows[0], rows[1:]


def xlsx(header: list[Any], rows: list[list[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("在职人员花名册")
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def bad_id(iden: str) -> str:
    return iden[:-1] + ("1" if iden[-1] != "1" else "2")         # a wrong check digit


ROSTER_CASES = [  # id, change to row 3 (index 1), field, rule
    ("bad_id_number", lambda r, _rows: r.__setitem__(1, bad_id(r[1])), "iden_hash", "bad_id_number"),
    ("unknown_agency", lambda r, _rows: r.__setitem__(2, "999999"), "agency_code", "unknown_code"),
    ("bad_eff_date", lambda r, _rows: r.__setitem__(8, "2025-13-01"), "eff_date", "bad_date"),
    ("missing_name", lambda r, _rows: r.__setitem__(0, None), "per_name", "required"),
    ("same_person_twice", lambda r, rows: r.__setitem__(slice(None), rows[0]), "file_date,iden_hash", "duplicate_key"),
]


@pytest.mark.parametrize(("change", "field", "rule"), [c[1:] for c in ROSTER_CASES], ids=[c[0] for c in ROSTER_CASES])
def test_a_bad_roster_row_is_quarantined_with_personal_data_masked(home: Path, district: District, change: Any,
                                                                   field: str, rule: str) -> None:
    header, rows = roster(district)
    rows = [list(r) for r in rows]
    original = list(rows[1])
    change(rows[1], rows)
    drop(home, ROSTER_FILE, xlsx(header, rows))
    run(home)
    rec = file_record(home, ROSTER_FILE)
    assert (rec["status"], rec["encoding"], rec["rows_loaded"], rec["rows_quarantined"]) == (
        "loaded", "xlsx", len(rows) - 1, 1)
    [q] = quarantined(home, ROSTER_FILE)
    assert (q["feed"], q["row_no"], q["field"], q["rule"]) == ("hr_roster", 3, field, rule)
    assert_message(q["message"])
    shown = json.loads(q["row_json"])
    assert shown["姓名"] == ""                                   # names are not kept, not even here
    iden = str(rows[1][1])
    assert shown["身份证号"] == iden[:4] + "*" * 10 + iden[-4:]
    assert iden not in q["message"] and iden not in q["row_json"] and str(original[0]) not in q["row_json"]


def test_names_and_id_numbers_are_stored_nowhere_in_the_warehouse(home: Path, district: District) -> None:
    """A roster with an invalid ID number and a row with a value beyond the last column: the warehouse holds
    neither any name nor any ID number of the roster, in any table or column (only the IDs' keyed digests)."""
    header, rows = roster(district)
    rows = [list(r) for r in rows]
    rows[0][1] = bad_id(rows[0][1])
    rows[1] = [*rows[1], "备注：借调"]                            # a stray cell right of the table
    drop(home, ROSTER_FILE, xlsx(header, rows))
    run(home)
    assert [(q["row_no"], q["rule"]) for q in quarantined(home, ROSTER_FILE)] == [
        (2, "bad_id_number"), (3, "field_count")]
    assert file_record(home, ROSTER_FILE)["rows_loaded"] == len(rows) - 2
    names = sorted({str(r[0]) for r in rows})
    idens = sorted({str(r[1]) for r in rows} | {str(r[1])[:-1] for r in rows})   # also without the check digit
    pattern = "|".join(re.escape(n) for n in names + idens)
    hits: list[tuple[str, str, int]] = []
    with duckdb.connect(str(live_path(home)), read_only=True) as con:
        cols = con.execute("select schema_name, table_name, c.column_name from duckdb_columns() c join duckdb_tables() "
                           "using (database_name, schema_name, table_name) where c.data_type = 'VARCHAR' "
                           "and database_name = current_database()").fetchall()
        by_table: dict[str, list[str]] = {}
        for schema, table, col in cols:
            by_table.setdefault(f'"{schema}"."{table}"', []).append(f'coalesce("{col}", \'\')')
        for table, values in by_table.items():
            n = con.execute(f"select count(*) from {table} where regexp_matches(concat_ws(chr(31), {', '.join(values)}), ?)",
                            [pattern]).fetchone()[0]  # type: ignore[index]
            if n:
                hits.append((table, ", ".join(values), n))
    assert len(by_table) > 30 and hits == []
    # and the valid IDs are there as their keyed digests, to match against the personnel database
    assert query(home, "select count(*) from raw.xch_hr_roster where file_sha256 = ? and length(iden_hash) = 52",
                 [file_record(home, ROSTER_FILE)["file_sha256"]])[0][0] == len(rows) - 2
