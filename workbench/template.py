"""批量导入 (batch import) of payment applications: the XLSX template and its reading. No Streamlit here.

The template's first row holds the data standard's field names (``bgt_id``, ``pay_app_amt`` … what the reader
keys on), the second their Chinese and English names; data starts on the third row. Every cell is text (format
``@``) so account numbers and codes keep their digits; an amount typed as a number is read through its decimal
text, never as a float sum. Columns left blank that the indicator determines (unit, project, classifications)
are filled from the indicator by the page, so a clerk needs only the indicator, the amount, the payee and the
purpose.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill


@dataclass(frozen=True)
class Column:
    name: str           # the data standard's field name
    zh: str
    en: str
    required: bool = False
    from_indicator: bool = False
    width: int = 18


COLUMNS: tuple[Column, ...] = (
    Column("bgt_id", "指标ID", "indicator id", True, width=40),
    Column("pay_app_amt", "申请金额（元）", "amount (yuan)", True),
    Column("payee_acct_name", "收款人全称", "payee name", True, width=28),
    Column("payee_acct_no", "收款人账号", "payee account number", True, width=24),
    Column("payee_acct_bank_name", "收款人开户银行", "payee's bank", True, width=24),
    Column("use_des", "用途", "purpose", True, width=30),
    Column("create_date", "申请日期", "application date (YYYY-MM-DD)"),
    Column("contract_no", "采购合同编号", "procurement contract number"),
    Column("agency_code", "单位代码", "unit code", from_indicator=True),
    Column("pro_code", "项目代码", "project code", from_indicator=True, width=24),
    Column("exp_func_code", "支出功能分类", "functional classification", from_indicator=True),
    Column("gov_bgt_eco_code", "政府预算支出经济分类", "government economic classification", from_indicator=True),
    Column("dep_bgt_eco_code", "部门预算支出经济分类", "departmental economic classification", from_indicator=True),
    Column("fund_type_code", "资金性质", "fund nature", from_indicator=True),
    Column("set_mode_code", "结算方式", "settlement mode"),
    Column("pay_type_code", "支付方式", "payment type"),
)
NAMES = tuple(c.name for c in COLUMNS)
FROM_INDICATOR = tuple(c.name for c in COLUMNS if c.from_indicator)
SHEET = "支付申请 applications"


def template(indicators: list[dict[str, Any]] | None = None) -> bytes:
    """The template as XLSX bytes; with ``indicators``, a second sheet lists those the person may spend from."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(COLUMNS, start=1):
        a = ws.cell(row=1, column=i, value=col.name)
        b = ws.cell(row=2, column=i, value=f"{col.zh}{' *' if col.required else ''} / {col.en}")
        a.font = b.font = bold
        if col.required:
            a.fill = b.fill = fill
        letter = a.column_letter
        ws.column_dimensions[letter].width = col.width
        for r in range(3, 503):
            ws.cell(row=r, column=i).number_format = "@"
    ws.freeze_panes = "A3"
    notes = wb.create_sheet("说明 notes")
    for line in (("第 1 行为数据标准字段名，请勿修改；第 3 行起每行一笔支付申请。",
                  "Row 1 holds the data standard's field names (keep them); one application per row from row 3."),
                 ("带 * 的列必填；单位、项目与分类留空时按指标填写。",
                  "Columns marked * are required; unit, project and classifications left blank come from the indicator."),
                 ("金额以元为单位，最多两位小数。任何一行有误则全部不导入。",
                  "Amounts in yuan, at most two decimals. If any row is refused, nothing is imported.")):
        notes.append(list(line))
    if indicators:
        sheet = wb.create_sheet("可用指标 indicators")
        sheet.append(["bgt_id", "pro_code", "exp_func_code", "dep_bgt_eco_code", "fund_type_code", "amount"])
        for ind in indicators:
            sheet.append([str(ind.get(k) or "") for k in ("bgt_id", "pro_code", "exp_func_code", "dep_bgt_eco_code",
                                                           "fund_type_code", "amount")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class TemplateError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh}（{en}）")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        try:                     # the shortest decimal text of the typed number: 1234.56, not 1234.5599…
            d = Decimal(repr(v))
        except InvalidOperation:
            return str(v)
        return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return str(v).strip()


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {field: text}) for every non-empty data row of an uploaded template."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:          # openpyxl raises many kinds for a file that is not XLSX
        raise TemplateError("文件不是有效的 XLSX 模板", "the file is not a valid XLSX template") from e
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    header: list[str] | None = None
    out: list[tuple[int, dict[str, str]]] = []
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = [_text(v) for v in row]
        if header is None:
            if "bgt_id" in cells and "pay_app_amt" in cells:
                header = cells
            continue
        values = {h: cells[i] if i < len(cells) else "" for i, h in enumerate(header) if h in NAMES}
        if all(v == "" for v in values.values()) or " / " in values.get("bgt_id", ""):
            continue                                      # an empty row, or the names row under the header
        out.append((n, values))
    wb.close()
    if header is None:
        raise TemplateError("未找到字段名行（bgt_id、pay_app_amt …），请使用下载的模板",
                            "no row of field names (bgt_id, pay_app_amt …): use the downloaded template")
    return out
