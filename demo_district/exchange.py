"""Exchange files other subsystems would send (issue 5 ingests them): the tax bureau's daily revenue
feed as GBK CSV, the agent bank's receipt files, and an HR roster export as XLSX."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from fiscal_core.domain.codes import CodeSets

if TYPE_CHECKING:
    from fiscal_core.domain.commands import BankReceipt
    from fiscal_core.service_layer.core import Core


def _yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


class ExchangeWriter:
    def __init__(self, inbox: Path) -> None:
        self.inbox = inbox
        inbox.mkdir(parents=True, exist_ok=True)

    def tax_feed(self, d: date, rows: list[tuple[str, int]], codes: CodeSets) -> None:
        """税务局 daily revenue feed: 入库日期, 收入科目代码, 收入科目名称, 预算级次, 征收机关, 金额(元)."""
        if not rows:
            return
        path = self.inbox / f"tax_revenue_{d:%Y%m%d}.csv"
        with open(path, "w", encoding="gbk", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["入库日期", "收入科目代码", "收入科目名称", "预算级次", "征收机关", "金额"])
            for code, amt in rows:
                cat = codes.get("income", code)
                w.writerow([d.isoformat(), code, cat.name if cat else "", "4", "国家税务总局苏州市吴江区税务局",
                            _yuan(amt)])

    def bank_receipts(self, d: date, receipts: list[BankReceipt]) -> None:
        """代理银行 receipt file: one line per voucher paid (or failed) that day."""
        path = self.inbox / f"bank_receipt_{d:%Y%m%d}.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["pay_cert_no", "xpay_amt", "xpay_date", "agent_business_no", "status", "reason"])
            for r in receipts:
                w.writerow([r.pay_cert_no, _yuan(r.xpay_amt), r.xpay_date.isoformat(), r.agent_business_no,
                            "SUCCESS" if r.ok else "FAILED", r.reason])

    def roster(self, core: Core, as_of: date) -> Path:
        """The HR system's roster export as of a date (personal data: it is the HR system's own file)."""
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("在职人员花名册")
        ws.append(["姓名", "身份证号", "单位代码", "人员身份", "人员状态", "编制类型", "职级", "薪级", "生效日期"])
        sql = text(
            "SELECT i.per_name, i.iden_no, h.agency_code, h.per_ide_code, h.per_sta_code, h.staf_type_code, "
            "h.gr_code, h.step_code, h.eff_date FROM bas_person_info i JOIN bas_person_hist h ON h.per_id = i.per_id "
            "WHERE h.eff_date = (SELECT MAX(h2.eff_date) FROM bas_person_hist h2 WHERE h2.per_id = h.per_id "
            "AND h2.eff_date <= :d) ORDER BY h.agency_code, i.per_name")
        with core.db.read() as conn:
            for row in conn.execute(sql, {"d": as_of}):
                ws.append([_cell(x) for x in row])
        path = self.inbox / f"hr_roster_{as_of:%Y%m%d}.xlsx"
        wb.save(path)
        return path


def _cell(x: Any) -> Any:
    return x.isoformat() if isinstance(x, date) else x
