"""部门预算公开, the nine tables the marts hold (公开表1 … 公开表5), on a real dbt build of a small simulated
built_district: documented columns, the tie-outs the templates require, and the XLSX export."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from ingest.disclosure_export import SHEETS, DisclosureNotFound, export_disclosure
from tests.district import Built

from .test_subsystem_marts import assert_marts_match_their_docs

# named after the official 公开表 numbers (docs/standard/disclosure.md §D1, 开江 numbering)
TABLES = [
    "disclosure_1_budget_summary", "disclosure_1_1_income_summary", "disclosure_1_2_expenditure_summary",
    "disclosure_2_fiscal_appropriation_summary", "disclosure_3_general_public_expenditure",
    "disclosure_3_1_general_public_basic_expenditure", "disclosure_3_3_three_public_expenditure",
    "disclosure_4_government_fund_expenditure", "disclosure_5_state_capital_expenditure",
]


@pytest.fixture(scope="module")
def departments(built_district: Built) -> list[tuple[str, int]]:
    rows = built_district.query("select distinct dept_code, fiscal_year from marts.disclosure_1_budget_summary order by 1, 2")
    assert len(rows) >= 3
    return rows


def test_the_nine_tables_exist_with_the_documented_columns(built_district: Built) -> None:
    docs = assert_marts_match_their_docs(built_district, "disclosure")
    assert sorted(docs) == sorted(TABLES)


def test_summary_balances_and_carries_every_approved_line(built_district: Built, departments: list) -> None:
    approved = dict(((d, int(y)), a) for d, y, a in built_district.query(
        "select dept_code, fiscal_year, sum(reply_amt) from staging.stg_core__bgt_pm_annual "
        "where status = 'approved' group by 1, 2"))
    assert set(approved) == set(departments)
    for dept, year in departments:
        rows = built_district.query("select side, line_name, budget_amt from marts.disclosure_1_budget_summary "
                              "where dept_code = ? and fiscal_year = ?", [dept, year])
        by_name = {(side, name): amt for side, name, amt in rows}
        assert by_name[("收入", "收入总计")] == by_name[("支出", "支出总计")] == approved[(dept, year)] > 0
        assert by_name[("收入", "本年收入合计")] == sum(
            a for (s, n), a in by_name.items() if s == "收入" and n not in ("本年收入合计", "上年结转结余", "收入总计"))


def test_tables_tie_out_as_the_templates_require(built_district: Built, departments: list) -> None:
    with duckdb.connect(str(built_district.warehouse), read_only=True) as con:
        for dept, year in departments:
            tie_out(con, dept, year)


def tie_out(con: duckdb.DuckDBPyConnection, dept: str, year: int) -> None:
    def row(table: str, columns: str, condition: str) -> tuple:
        return con.execute(f"select {columns} from marts.{table} where dept_code = ? and fiscal_year = ? "
                           f"and {condition}", [dept, year]).fetchall()[0]

    t1 = row("disclosure_1_budget_summary", "budget_amt", "side = '支出' and line_name = '本年支出合计'")[0]
    t1_1 = row("disclosure_1_1_income_summary", "total_amt", "subject_level = 0")[0]
    t1_2 = row("disclosure_1_2_expenditure_summary", "total_amt", "subject_level = 0")[0]
    assert t1 == t1_1 == t1_2                                    # 公开表1 = 1-1 = 1-2
    t2 = row("disclosure_2_fiscal_appropriation_summary",
             "general_public_amt, government_fund_amt, state_capital_amt, total_amt",
             "side = '支出' and row_kind = 'total'")
    t3 = row("disclosure_3_general_public_expenditure",
             "total_amt, basic_amt, personnel_amt, public_amt, project_amt", "subject_level = 0")
    t3_1 = row("disclosure_3_1_general_public_basic_expenditure", "total_amt, personnel_amt, public_amt",
               "subject_level = 0")
    t4 = row("disclosure_4_government_fund_expenditure", "total_amt", "subject_level = 0")[0]
    t5 = row("disclosure_5_state_capital_expenditure", "total_amt", "subject_level = 0")[0]
    assert t2 == (t3[0], t4, t5, t3[0] + t4 + t5)                 # 公开表2 = 公开表3, 4, 5
    assert t3[0] == t3[1] + t3[4]                                 # 公开表3 = basic + project …
    assert t3[1:4] == t3_1                                        # … and its basic part = 公开表3-1
    sangong = {n: b for n, b in con.execute(
        "select line_no, budget_amt from marts.disclosure_3_3_three_public_expenditure "
        "where dept_code = ? and fiscal_year = ?", [dept, year]).fetchall()}
    assert sorted(sangong) == [1, 2, 3, 4, 5, 6]
    assert sangong[1] == sangong[2] + sangong[3] + sangong[6]     # 合计 = the three buckets
    assert sangong[3] == sangong[4] + sangong[5]                  # 公务用车 = 购置 + 运行维护
    assert sangong[1] <= t3[0]


def test_function_rows_add_up_to_their_class_and_total(built_district: Built) -> None:
    for table in ("disclosure_1_1_income_summary", "disclosure_1_2_expenditure_summary",
                  "disclosure_3_general_public_expenditure"):
        rows = built_district.query(f"select dept_code, fiscal_year, subject_level, subject_code, total_amt from marts.{table}")
        sums: dict[tuple, Decimal] = defaultdict(Decimal)
        for dept, year, level, code, amt in rows:
            if level == 1:
                sums[(dept, year, None)] += amt
            if level == 2:
                sums[(dept, year, code[:3])] += amt
        for dept, year, level, code, amt in rows:
            if level in (0, 1):
                assert amt == sums[(dept, year, code)], (table, dept, code)


def test_xlsx_export_opens_and_its_table_1_total_is_the_marts(built_district: Built, departments: list,
                                                               tmp_path: Path) -> None:
    dept, year = departments[0]
    out = export_disclosure(built_district.warehouse, dept, year, tmp_path / "公开" / f"{dept}_{year}.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == [s.sheet_name for s in SHEETS]
    ws = wb["公开表1 部门收支总表"]
    assert "单位：元" in [c.value for c in ws[3]]
    name = built_district.query("select dept_name from marts.disclosure_1_budget_summary where dept_code = ? limit 1",
                          [dept])[0][0]
    assert ws["A2"].value == f"{name}{year}年部门收支总表"
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    mart_total = built_district.query("select budget_amt from marts.disclosure_1_budget_summary where dept_code = ? "
                                "and fiscal_year = ? and line_name = '收入总计'", [dept, year])[0][0]
    assert Decimal(str(rows["收入总计"][1])) == mart_total
    assert rows["收入总计"][2] == "支出总计" and Decimal(str(rows["收入总计"][3])) == mart_total
    assert ws.cell(row=[r[0] for r in ws.iter_rows(min_row=1, values_only=True)].index("收入总计") + 1,
                   column=2).number_format == "#,##0.00"
    # every sheet carries the department's title and a header
    for spec, sheet in zip(SHEETS, wb.worksheets, strict=True):
        assert sheet["A2"].value == f"{name}{year}年{spec.title}"
    # 万元: each figure rounded half-up to 0.01 万元
    wan = load_workbook(export_disclosure(built_district.warehouse, dept, year, tmp_path / "wan.xlsx", unit="万元"))
    ws = wan["公开表1 部门收支总表"]
    assert "单位：万元" in [c.value for c in ws[3]]
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    expected = (mart_total / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(str(rows["收入总计"][1])) == expected


def test_export_refuses_a_department_without_a_budget(built_district: Built, tmp_path: Path) -> None:
    with pytest.raises(DisclosureNotFound, match="没有部门 999"):
        export_disclosure(built_district.warehouse, "999", 2025, tmp_path / "none.xlsx")
    assert not (tmp_path / "none.xlsx").exists()
