"""Exchange files other subsystems would send (``ingest`` loads them): the tax bureau's daily revenue feed,
the agent bank's receipt files and the HR system's roster export.

Each file is written to its published spec (``ingest/specs/<feed>.v<N>.yaml``, the data-exchange standard):
the file name follows the spec's pattern, the columns are the spec's headers in the spec's order, and the
encoding is the one the sender uses among those the spec allows. A spec that changes under the writer (a
column renamed or added, an encoding or a format no longer allowed) fails here, loudly, rather than
producing files the ingest would reject.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fiscal_core.domain.codes import CodeSets
from ingest.exchange import FeedSpec, load_specs

if TYPE_CHECKING:
    from fiscal_core.domain.commands import BankReceipt

# what each sender's system produces: the spec says what is allowed, not what a sender happens to use
SENDER_ENCODING = {"tax_revenue": "gbk",           # the tax bureau's export, as such exports are
                   "bank_receipt": "utf-8"}
TAX_BUDGET_LEVEL = "4"                             # 县级
TAX_COLLECTOR = "国家税务总局苏州市吴江区税务局"


def _yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


def file_name(spec: FeedSpec, d: date, fmt: str) -> str:
    """The file name the spec's pattern gives a file of ``d`` in format ``fmt`` (csv / xlsx / parquet)."""
    name = re.sub(r"\(\?P<file_date>[^)]*\)", f"{d:%Y%m%d}", spec.file_pattern.pattern)
    name = re.sub(r"\(([\w|]+)\)", lambda m: fmt if fmt in m.group(1).split("|") else m.group(0), name)
    name = name.replace("\\.", ".")
    if not spec.file_pattern.fullmatch(name):
        raise ValueError(f"{spec.feed} v{spec.version}: cannot make a .{fmt} file name for {d} from "
                         f"{spec.file_pattern.pattern!r}")
    return name


def _row(spec: FeedSpec, values: Mapping[str, Any]) -> list[Any]:
    """A row in the spec's column order, from values by field name (every column of the spec is needed)."""
    missing = [col.name for col in spec.columns if col.name not in values]
    if missing:
        raise ValueError(f"{spec.feed} v{spec.version}: no value for {missing}")
    return [values[col.name] for col in spec.columns]


class ExchangeWriter:
    def __init__(self, inbox: Path, specs: Mapping[str, FeedSpec] | None = None) -> None:
        self.inbox = inbox
        self.specs = dict(specs) if specs is not None else load_specs()
        inbox.mkdir(parents=True, exist_ok=True)

    def _csv(self, feed: str, d: date, rows: Sequence[Mapping[str, Any]]) -> Path:
        spec = self.specs[feed]
        encoding = SENDER_ENCODING[feed]
        if encoding not in spec.encodings:
            raise ValueError(f"{feed} v{spec.version} does not allow {encoding} (only {', '.join(spec.encodings)})")
        path = self.inbox / file_name(spec, d, "csv")
        with open(path, "w", encoding=encoding, newline="") as fh:
            w = csv.writer(fh)
            w.writerow(spec.headers)
            for r in rows:
                w.writerow(_row(spec, r))
        return path

    def tax_feed(self, d: date, rows: list[tuple[str, int]], codes: CodeSets) -> None:
        """税务局 daily revenue feed: one line per revenue code booked that day (amounts in yuan)."""
        if not rows:
            return
        lines = []
        for code, amt in rows:
            cat = codes.get("income", code)
            lines.append({"tre_date": d.isoformat(), "inc_code": code, "inc_name": cat.name if cat else "",
                          "budget_level_code": TAX_BUDGET_LEVEL, "collector": TAX_COLLECTOR, "amount": _yuan(amt)})
        self._csv("tax_revenue", d, lines)

    def bank_receipts(self, d: date, receipts: list[BankReceipt]) -> None:
        """代理银行 receipt file: one line per voucher paid (or failed) that day."""
        self._csv("bank_receipt", d, [
            {"pay_cert_no": r.pay_cert_no, "xpay_amt": _yuan(r.xpay_amt), "xpay_date": r.xpay_date.isoformat(),
             "agent_business_no": r.agent_business_no, "status": "SUCCESS" if r.ok else "FAILED", "reason": r.reason}
            for r in receipts])

    def roster(self, people: Iterable[Mapping[str, Any]], as_of: date) -> Path:
        """The HR system's roster export as of a date (personal data: it is the HR system's own file); ``people``
        by the spec's field names."""
        from openpyxl import Workbook

        spec = self.specs["hr_roster"]
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(spec.sheet or "Sheet1")
        ws.append(spec.headers)
        for person in people:
            ws.append(_row(spec, {f: _cell(x) for f, x in person.items()}))
        path = self.inbox / file_name(spec, as_of, "xlsx")
        _save_reproducibly(wb, path, datetime.combine(as_of, datetime.min.time()))
        return path


def _cell(x: Any) -> Any:
    return x.isoformat() if isinstance(x, date) else x


def _save_reproducibly(wb: Any, path: Path, stamp: datetime) -> None:
    """Save an XLSX whose bytes depend on its content only: openpyxl stamps the document properties and every
    zip entry with the wall clock, so the same roster would be a new file (a new SHA-256) on each run."""
    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    wb.properties.created = stamp
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        writer = ExcelWriter(wb, archive)
        wb.properties.modified = stamp       # ExcelWriter writes the properties as they are now
        writer.save()
    fixed = stamp.timetuple()[:6]
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=fixed)     # type: ignore[arg-type]
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, src.read(info.filename))
