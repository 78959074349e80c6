"""The simulator writes its exchange files from the published specs (``ingest/specs``): the names, headers and
encodings the ingest expects, and a spec that changes under the writer fails it rather than the ingest."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from demo_district.exchange import ExchangeWriter, file_name
from fiscal_core.domain.codes import CodeSets
from fiscal_core.domain.commands import BankReceipt
from ingest.exchange import FeedSpec, load_specs, read_any

DAY = date(2025, 3, 14)


def _check(path: Path, spec: FeedSpec) -> list[list[str]]:
    assert spec.file_pattern.fullmatch(path.name)
    rf = read_any(path, path.read_bytes(), spec)
    assert rf.header == spec.headers and rf.encoding in spec.encodings
    return [row for _, row in rf.rows]


def test_file_names_follow_each_spec_pattern() -> None:
    for spec in load_specs().values():
        for fmt in ("csv", "xlsx", "parquet"):
            name = file_name(spec, DAY, fmt)
            assert name.endswith(f"_20250314.{fmt}") and spec.file_pattern.fullmatch(name), name
        with pytest.raises(ValueError):
            file_name(spec, DAY, "txt")


def test_tax_feed_and_bank_receipts_read_back_under_their_specs(tmp_path: Path) -> None:
    specs = load_specs()
    w = ExchangeWriter(tmp_path)
    w.tax_feed(DAY, [("10101", 123_456_78), ("10104", -5_00)], CodeSets({}))
    w.bank_receipts(DAY, [BankReceipt("PZ202500000001", 1_000_00, DAY, "ABC2025031400001", True, ""),
                          BankReceipt("PZ202500000002", 50, DAY, "ABC2025031400002", False, "户名账号不符")])
    [tax] = tmp_path.glob("tax_revenue_*.csv")
    rows = _check(tax, specs["tax_revenue"])
    assert [r[1] for r in rows] == ["10101", "10104"] and [r[-1] for r in rows] == ["123456.78", "-5.00"]
    tax.read_bytes().decode("gbk")                                  # the tax bureau's export is GBK
    [bank] = tmp_path.glob("bank_receipt_*.csv")
    rows = _check(bank, specs["bank_receipt"])
    assert [(r[1], r[4]) for r in rows] == [("1000.00", "SUCCESS"), ("0.50", "FAILED")]


def test_a_spec_change_fails_the_writer(tmp_path: Path) -> None:
    specs = load_specs()
    tax = specs["tax_revenue"]
    renamed = dataclasses.replace(tax, columns=(*tax.columns[:-1], dataclasses.replace(tax.columns[-1], name="amt")))
    with pytest.raises(ValueError, match="no value for"):
        ExchangeWriter(tmp_path, specs | {"tax_revenue": renamed}).tax_feed(DAY, [("10101", 100)], CodeSets({}))
    utf8_only = dataclasses.replace(tax, encodings=("utf-8",))
    with pytest.raises(ValueError, match="does not allow gbk"):
        ExchangeWriter(tmp_path, specs | {"tax_revenue": utf8_only}).tax_feed(DAY, [("10101", 100)], CodeSets({}))
