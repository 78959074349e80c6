"""部门预算公开: the nine disclosure tables of one department and year as one XLSX workbook.

Reads only the ``marts.disclosure_*`` tables (named after their 公开表 numbers), over a read-only DuckDB
connection, so it can run while a refresh is building the next warehouse. Amounts are the marts' exact yuan
(DECIMAL) written as numbers with two decimals; with ``unit="万元"`` each cell is rounded half-up to 0.01 万元
on its own, as published tables do, and the sheet says that totals may differ from the sum of their parts by
the rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .warehouse import connect_governed

Unit = Literal["元", "万元"]
Row = dict[str, Any]                    # one mart row, column → value
Columns = Sequence[tuple[str, str]]     # (mart column, printed caption) of a sheet's amount columns
AMOUNT_FORMAT = "#,##0.00"
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_NOTE = "注：本表依据年初批复的部门预算编制。"


class DisclosureNotFound(LookupError):
    """The department has no approved budget for the year in the warehouse."""


@dataclass(frozen=True)
class Sheet:
    number: str          # 公开表 number of the template
    title: str           # table name, printed after "<部门><年>年"
    sheet_name: str      # worksheet tab (≤ 31 characters)
    mart: str            # the marts table it prints
    order: str = "line_no"   # the mart's print order


SHEETS = (
    Sheet("公开表1", "部门收支总表", "公开表1 部门收支总表", "disclosure_1_budget_summary", "side, line_no"),
    Sheet("公开表1-1", "部门收入总表", "公开表1-1 部门收入总表", "disclosure_1_1_income_summary"),
    Sheet("公开表1-2", "部门支出总表", "公开表1-2 部门支出总表", "disclosure_1_2_expenditure_summary"),
    Sheet("公开表2", "财政拨款收支总表", "公开表2 财政拨款收支总表",
          "disclosure_2_fiscal_appropriation_summary", "side, line_no"),
    Sheet("公开表3", "一般公共预算支出表", "公开表3 一般公共预算支出表", "disclosure_3_general_public_expenditure"),
    Sheet("公开表3-1", "一般公共预算基本支出表", "公开表3-1 一般公共预算基本支出表",
          "disclosure_3_1_general_public_basic_expenditure"),
    Sheet("公开表3-3", "一般公共预算“三公”经费支出表", "公开表3-3 三公经费支出表",
          "disclosure_3_3_three_public_expenditure"),
    Sheet("公开表4", "政府性基金预算支出表", "公开表4 政府性基金预算支出表",
          "disclosure_4_government_fund_expenditure"),
    Sheet("公开表5", "国有资本经营预算支出表", "公开表5 国有资本经营预算支出表",
          "disclosure_5_state_capital_expenditure"),
)

_INCOME_COLUMNS: Columns = (
    ("total_amt", "合计"), ("prior_year_carryover_amt", "上年结转结余"),
    ("general_public_amt", "一般公共预算拨款收入"), ("government_fund_amt", "政府性基金预算拨款收入"),
    ("state_capital_amt", "国有资本经营预算拨款收入"), ("special_account_amt", "财政专户管理资金收入"),
    ("business_income_amt", "事业收入"), ("operating_income_amt", "事业单位经营收入"),
    ("superior_subsidy_amt", "上级补助收入"), ("subordinate_remit_amt", "附属单位上缴收入"),
    ("other_income_amt", "其他收入"),
)
_EXPENDITURE_COLUMNS: Columns = (
    ("total_amt", "合计"), ("basic_amt", "基本支出"), ("project_amt", "项目支出"),
    ("remit_to_superior_amt", "上缴上级支出"), ("operating_expenditure_amt", "事业单位经营支出"),
    ("subsidy_to_subordinate_amt", "对附属单位补助支出"),
)


class _Writer:
    """Fills one worksheet top-down: title, unit line, header rows, body, notes."""

    def __init__(self, ws: Worksheet, unit: Unit, width: int) -> None:
        self.ws, self.unit, self.width, self.row = ws, unit, width, 1

    def amount(self, value: Decimal | int | None) -> Decimal:
        yuan = Decimal(value or 0)
        if self.unit == "万元":
            return (yuan / Decimal(10000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return yuan.quantize(Decimal("0.01"))

    def title(self, number: str, text: str) -> None:
        ws = self.ws
        ws.cell(1, self.width, number).alignment = Alignment(horizontal="right")
        ws.cell(2, 1, text).font = Font(bold=True, size=14)
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=self.width)
        ws.cell(2, 1).alignment = _CENTER
        ws.cell(3, self.width, f"单位：{self.unit}").alignment = Alignment(horizontal="right")
        self.row = 4

    def header(self, cells: Sequence[tuple[int, int, int, int, str]]) -> None:
        """Header cells as (row offset, first column, rows spanned, columns spanned, caption)."""
        depth = max(r + h for r, _c, h, _w, _t in cells)
        for r, c, h, w, text in cells:
            top = self.row + r
            cell = self.ws.cell(top, c, text)
            cell.font, cell.alignment = _BOLD, _CENTER
            if h > 1 or w > 1:
                self.ws.merge_cells(start_row=top, start_column=c, end_row=top + h - 1, end_column=c + w - 1)
        for rr in range(self.row, self.row + depth):
            for cc in range(1, self.width + 1):
                self.ws.cell(rr, cc).border = _BORDER
        self.row += depth

    def body_row(self, values: Sequence[Any], *, bold: bool = False, indent: dict[int, int] | None = None) -> None:
        for c, value in enumerate(values, start=1):
            if isinstance(value, Decimal | int) and not isinstance(value, bool):
                cell = self.ws.cell(self.row, c, self.amount(value))
                cell.number_format = AMOUNT_FORMAT
            else:
                cell = self.ws.cell(self.row, c, value)
                if indent and c in indent:
                    cell.alignment = Alignment(indent=indent[c])
            cell.border = _BORDER
            if bold:
                cell.font = _BOLD
        self.row += 1

    def notes(self, *lines: str) -> None:
        if self.unit == "万元":
            lines = (*lines, "因四舍五入，合计数与分项之和可能存在尾差。")
        for text in lines:
            self.ws.cell(self.row, 1, text)
            self.row += 1

    def widths(self, *chars: int) -> None:
        for i, w in enumerate(chars, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w


@dataclass(frozen=True)
class _Book:
    """The workbook being written: one department and year, in one unit."""

    wb: Workbook
    unit: Unit
    heading: str         # "<部门><年>年", printed before each table's name
    fiscal_year: int

    def sheet(self, spec: Sheet, width: int) -> _Writer:
        """A new worksheet for ``spec``, ``width`` columns wide, with its title lines written."""
        w = _Writer(self.wb.create_sheet(spec.sheet_name), self.unit, width)
        w.title(spec.number, self.heading + spec.title)
        return w


def _rows(con: duckdb.DuckDBPyConnection, table: str, dept_code: str, fiscal_year: int,
          order: str = "line_no") -> list[Row]:
    cur = con.execute(f"select * from marts.{table} where dept_code = ? and fiscal_year = ? order by {order}",
                      [dept_code, fiscal_year])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _paired(left: list[Row], right: list[Row], *, head: int, tail: int) -> list[tuple[Row | None, Row | None]]:
    """收/支 halves side by side as the template prints them: the first ``head`` and last ``tail`` rows
    of both sides (本年收入/支出, 结转, 总计) on the same lines, the items between padded to equal length."""
    left_items, right_items = left[head:len(left) - tail], right[head:len(right) - tail]
    n = max(len(left_items), len(right_items))
    items = list(zip(left_items + [None] * (n - len(left_items)), right_items + [None] * (n - len(right_items)),
                     strict=True))
    return [*zip(left[:head], right[:head], strict=True), *items,
            *zip(left[len(left) - tail:], right[len(right) - tail:], strict=True)]


def _subject_sheet(w: _Writer, rows: list[Row], columns: Columns,
                   header: Sequence[tuple[int, int, int, int, str]]) -> None:
    w.header(header)
    for r in rows:
        level = int(r["subject_level"])
        w.body_row([r["subject_code"] or "", r["subject_name"], *(r[c] for c, _ in columns)],
                   bold=level == 0, indent={2: max(level - 1, 0)})


def _flat_header(columns: Columns, code_caption: str = "科目编码",
                 name_caption: str = "科目名称") -> list[tuple[int, int, int, int, str]]:
    return [(0, 1, 1, 1, code_caption), (0, 2, 1, 1, name_caption)] + [
        (0, 3 + i, 1, 1, caption) for i, (_c, caption) in enumerate(columns)]


# -- one function per 公开表: each lays out its sheet from the mart's rows of the department and year -----------

def _write_budget_summary(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    """公开表1 部门收支总表: 收入 and 支出 side by side, the last three rows (合计, 结转, 总计) level."""
    w = book.sheet(spec, width=4)
    w.header([(0, 1, 1, 2, "收入"), (0, 3, 1, 2, "支出"),
              (1, 1, 1, 1, "项目"), (1, 2, 1, 1, "预算数"), (1, 3, 1, 1, "项目"), (1, 4, 1, 1, "预算数")])
    income = [r for r in rows if r["side"] == "收入"]
    spending = [r for r in rows if r["side"] == "支出"]
    for left, right in _paired(income, spending, head=0, tail=3):
        w.body_row([left["line_name"] if left else "", left["budget_amt"] if left else None,
                    right["line_name"] if right else "", right["budget_amt"] if right else None],
                   bold=bool(left and left["row_kind"] != "item"))
    w.notes(_NOTE)
    w.widths(28, 18, 28, 18)


def _write_by_function(book: _Book, spec: Sheet, rows: list[Row], columns: Columns) -> None:
    """公开表1-1 部门收入总表 and 1-2 部门支出总表: one row per 功能分类 row, one column per amount."""
    w = book.sheet(spec, width=2 + len(columns))
    _subject_sheet(w, rows, columns, _flat_header(columns))
    w.notes(_NOTE)
    w.widths(12, 30, *([16] * len(columns)))


def _write_income_summary(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    _write_by_function(book, spec, rows, _INCOME_COLUMNS)


def _write_expenditure_summary(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    _write_by_function(book, spec, rows, _EXPENDITURE_COLUMNS)


def _write_fiscal_appropriation_summary(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    """公开表2 财政拨款收支总表: 收入 beside 支出 split by kind of appropriation; 本年收入/支出 on the first
    line, 结转 and 总计 on the last two."""
    w = book.sheet(spec, width=7)
    w.header([(0, 1, 1, 2, "收入"), (0, 3, 1, 4, "支出"),
              (1, 1, 1, 1, "项目"), (1, 2, 1, 1, "预算数"), (1, 3, 1, 1, "项目"), (1, 4, 1, 1, "合计"),
              (1, 5, 1, 1, "一般公共预算"), (1, 6, 1, 1, "政府性基金预算"), (1, 7, 1, 1, "国有资本经营预算")])
    income = [r for r in rows if r["side"] == "收入"]
    spending = [r for r in rows if r["side"] == "支出"]
    for left, right in _paired(income, spending, head=1, tail=2):
        w.body_row([left["line_name"] if left else "", left["total_amt"] if left else None,
                    right["line_name"] if right else "",
                    *((right[c] for c in ("total_amt", "general_public_amt", "government_fund_amt",
                                           "state_capital_amt")) if right else (None,) * 4)],
                   bold=bool(right and right["row_kind"] != "item"))
    w.notes(_NOTE)
    w.widths(24, 16, 26, 16, 16, 16, 16)


def _write_general_public_expenditure(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    """公开表3 一般公共预算支出表: by 功能分类, 基本支出 (人员经费, 公用经费) under one heading."""
    columns: Columns = (("total_amt", "合计"), ("basic_amt", "小计"), ("personnel_amt", "人员经费"),
                        ("public_amt", "公用经费"), ("project_amt", "项目支出"))
    w = book.sheet(spec, width=7)
    _subject_sheet(w, rows, columns, [
        (0, 1, 2, 1, "科目编码"), (0, 2, 2, 1, "科目名称"), (0, 3, 2, 1, "合计"), (0, 4, 1, 3, "基本支出"),
        (0, 7, 2, 1, "项目支出"), (1, 4, 1, 1, "小计"), (1, 5, 1, 1, "人员经费"), (1, 6, 1, 1, "公用经费")])
    w.notes(_NOTE)
    w.widths(12, 30, 16, 16, 16, 16, 16)


def _write_general_public_basic_expenditure(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    """公开表3-1 一般公共预算基本支出表: by 部门经济分类, 人员经费 and 公用经费."""
    columns: Columns = (("total_amt", "合计"), ("personnel_amt", "人员经费"), ("public_amt", "公用经费"))
    w = book.sheet(spec, width=5)
    _subject_sheet(w, rows, columns, _flat_header(columns, "部门经济分类科目编码", "科目名称"))
    w.notes(_NOTE, "注：人员经费为工资福利支出和对个人和家庭的补助，公用经费为商品和服务支出等。")
    w.widths(14, 30, 16, 16, 16)


def _write_three_public_expenditure(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    """公开表3-3 一般公共预算“三公”经费支出表: the buckets across, 上年/本年/增减 down."""
    sangong = {int(r["line_no"]): r for r in rows}
    w = book.sheet(spec, width=7)
    w.header([(0, 1, 2, 1, "项目"), (0, 2, 2, 1, "合计"), (0, 3, 2, 1, "因公出国（境）费"),
              (0, 4, 1, 3, "公务用车购置及运行维护费"), (0, 7, 2, 1, "公务接待费"),
              (1, 4, 1, 1, "小计"), (1, 5, 1, 1, "公务用车购置费"), (1, 6, 1, 1, "公务用车运行维护费")])
    for caption, column in (("上年预算数", "prior_year_budget_amt"), ("本年预算数", "budget_amt"),
                            ("增减额", "change_amt")):
        w.body_row([caption, *(sangong[n][column] for n in (1, 2, 3, 4, 5, 6))])
    w.notes(_NOTE)
    w.widths(14, 16, 16, 16, 16, 18, 16)


def _write_fund_expenditure(book: _Book, spec: Sheet, rows: list[Row], kind: str) -> None:
    """公开表4 and 公开表5: one kind of budget's spending by 功能分类; a department without such money gets
    the note that the table is empty."""
    columns: Columns = (("total_amt", "合计"), ("basic_amt", "基本支出"), ("project_amt", "项目支出"))
    w = book.sheet(spec, width=5)
    _subject_sheet(w, rows, columns, [
        (0, 1, 2, 1, "科目编码"), (0, 2, 2, 1, "科目名称"), (0, 3, 1, 3, f"本年{kind}支出"),
        (1, 3, 1, 1, "合计"), (1, 4, 1, 1, "基本支出"), (1, 5, 1, 1, "项目支出")])
    empty = len(rows) == 1 and not rows[0]["total_amt"]
    w.notes(_NOTE, *([f"注：本部门{book.fiscal_year}年没有{kind}安排的支出，故本表无数据。"] if empty else []))
    w.widths(12, 30, 16, 16, 16)


def _write_government_fund_expenditure(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    _write_fund_expenditure(book, spec, rows, "政府性基金预算")


def _write_state_capital_expenditure(book: _Book, spec: Sheet, rows: list[Row]) -> None:
    _write_fund_expenditure(book, spec, rows, "国有资本经营预算")


_WRITERS: dict[str, Callable[[_Book, Sheet, list[Row]], None]] = {
    "disclosure_1_budget_summary": _write_budget_summary,
    "disclosure_1_1_income_summary": _write_income_summary,
    "disclosure_1_2_expenditure_summary": _write_expenditure_summary,
    "disclosure_2_fiscal_appropriation_summary": _write_fiscal_appropriation_summary,
    "disclosure_3_general_public_expenditure": _write_general_public_expenditure,
    "disclosure_3_1_general_public_basic_expenditure": _write_general_public_basic_expenditure,
    "disclosure_3_3_three_public_expenditure": _write_three_public_expenditure,
    "disclosure_4_government_fund_expenditure": _write_government_fund_expenditure,
    "disclosure_5_state_capital_expenditure": _write_state_capital_expenditure,
}


# -- the export ----------------------------------------------------------------------------------------------

def _read_marts(warehouse_path: str | Path, dept_code: str, fiscal_year: int) -> dict[str, list[Row]]:
    """Every sheet's mart rows of the department and year, mart name → rows in print order, read in one
    read-only connection (one consistent warehouse)."""
    with connect_governed(Path(warehouse_path)) as con:
        return {s.mart: _rows(con, s.mart, dept_code, fiscal_year, s.order) for s in SHEETS}


def _write_workbook(data: dict[str, list[Row]], heading: str, fiscal_year: int, unit: Unit) -> Workbook:
    """The nine sheets, in SHEETS order, in a new workbook."""
    wb = Workbook()
    wb.remove(wb.active)
    book = _Book(wb, unit, heading, fiscal_year)
    for spec in SHEETS:
        _WRITERS[spec.mart](book, spec, data[spec.mart])
    return wb


def export_disclosure(warehouse_path: str | Path, dept_code: str, fiscal_year: int, out_path: str | Path,
                      *, unit: Unit = "元") -> Path:
    """Write 公开表1 … 公开表5 (the nine tables of docs/standard/disclosure.md §D1 the marts hold) of ``dept_code`` and
    ``fiscal_year`` to ``out_path`` (.xlsx), one sheet per table, and return the path. ``unit`` 元 keeps the
    marts' exact amounts; 万元 rounds each cell to 0.01 万元. Raises DisclosureNotFound when the warehouse
    has no approved budget of the department for that year."""
    if unit not in ("元", "万元"):
        raise ValueError(f"金额单位只能是 元 或 万元 (unit must be 元 or 万元, got {unit!r})")
    fiscal_year = int(fiscal_year)
    data = _read_marts(warehouse_path, dept_code, fiscal_year)
    summary = data[SHEETS[0].mart]
    if not summary:
        raise DisclosureNotFound(f"数据仓库中没有部门 {dept_code} {fiscal_year} 年已批复的部门预算 "
                                 f"(no approved budget of department {dept_code} for {fiscal_year})")
    wb = _write_workbook(data, f"{summary[0]['dept_name']}{fiscal_year}年", fiscal_year, unit)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


__all__ = ["SHEETS", "DisclosureNotFound", "export_disclosure"]
