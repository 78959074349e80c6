"""财政信息公开: one year's budget and execution as a Fiscal Data Package (``fiscal export open-data``).

A Frictionless *Tabular Data Package* (``datapackage.json``, CSV resources each with its Table Schema) written the
way the Fiscal Data Package 1.0 describes fiscal data: every field carries the ``columnType`` of the FDP budget
taxonomy where one fits (``value``, ``date:fiscal-year``, ``functional-classification:…``), the package its
``countryCode``, ``fiscalPeriod`` and ``granularity``. The descriptor's ``profile`` is ``tabular-data-package``:
the FDP profile is a URL that a validator must download, and the package is checked where there is no network.

What goes in (read from the analysts' copy over a governed connection: marts only, nothing personal):

- ``expenditure``: the year's approved budget (年初批复数, the 部门预算公开 basis), the indicators (调整后指标) and
  what was paid to the as-of date, per unit × 功能分类 × 政府经济分类 × 资金性质 (``marts.fct_budget_execution_monthly``);
- ``expenditure_monthly``: what was paid in each month, same keys;
- ``revenue`` / ``revenue_monthly``: revenue per 收入分类 (``marts.fct_revenue_monthly``): the budget and what was
  collected;
- ``completeness``: what the figures do not contain yet (``marts.fct_completeness``), so that none is read as complete;
- the code lists (``codes/``) of the classifications the resources use — 功能分类, 政府经济分类, 收入分类, 资金性质,
  from the core's own code sets (``fiscal_core/codesets``), and the units (预算单位) — tied to the resources by
  foreign keys, so a validator proves every code is listed;
- ``README.md`` in Chinese and English: what each file is, the totals and the completeness statement.

Before anything is moved into place the exporter ties the package to the disclosure marts: each department's budget
total equals its 公开表1-2 合计, and the 一般公共预算 / 政府性基金 / 国有资本经营 parts equal 公开表3 / 4 / 5, to the fen; a
difference stops the export. The package is written into a sibling folder and renamed over ``out`` at the end.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from .warehouse import connect_governed

ROOT = Path(__file__).resolve().parent.parent
CODESETS_DIR = ROOT / "fiscal_core" / "codesets"      # the core's code sets (also dbt's seeds)
TAXONOMY = "https://specs.frictionlessdata.io/taxonomies/fiscal/budgets.json"
FDP_VERSION = "1.0-rc.1"
BATCH = 50_000
ENCODING = "utf-8"      # written with a BOM, so that Excel shows the Chinese text; the validators skip it


class OpenDataError(RuntimeError):
    """The year cannot be published (nothing approved for it, or the package does not tie to the marts)."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str                # Table Schema type: string, integer, number, date
    title: str               # 中文
    title_en: str
    column_type: str | None = None     # the FDP taxonomy's columnType
    required: bool = False

    def descriptor(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.type, "title": self.title,
                             "description": f"{self.title} / {self.title_en}"}
        if self.type == "number":
            d.update(bareNumber=True, decimalChar=".", groupChar="")
        if self.column_type:
            d["columnType"] = self.column_type
        if self.required:
            d["constraints"] = {"required": True}
        return d


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    title: str
    title_en: str
    fields: Sequence[Field]
    query: str | None = None          # marts query, parameter $year; None: a code list from fiscal_core/codesets
    primary_key: Sequence[str] = ()
    foreign_keys: Sequence[tuple[str, str, str]] = ()   # (field, resource, field)
    note: str = ""
    note_en: str = ""

    def descriptor(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"fields": [f.descriptor() for f in self.fields], "missingValues": [""]}
        if self.primary_key:
            schema["primaryKey"] = list(self.primary_key)
        if self.foreign_keys:
            schema["foreignKeys"] = [{"fields": f, "reference": {"resource": r, "fields": rf}}
                                     for f, r, rf in self.foreign_keys]
        return {"name": self.name, "path": self.path, "profile": "tabular-data-resource", "format": "csv",
                "mediatype": "text/csv", "encoding": ENCODING, "title": self.title,
                "description": f"{self.title}。{self.note} / {self.title_en}. {self.note_en}".strip(),
                "schema": schema}


def _code_list(name: str, title: str, title_en: str, column_type: str) -> Resource:
    return Resource(
        name, f"codes/{name}.csv", title, title_en,
        (Field("code", "string", "编码", "code", f"{column_type}:code", True),
         Field("name", "string", "名称", "name", f"{column_type}:label", True),
         Field("parent_code", "string", "上级编码", "parent code"),
         Field("level", "integer", "级次", "level (1 = 类)", None, True)),
        primary_key=("code",),
        note="编码表全文（财政部《政府收支分类科目》体系，平台核心使用的代码集）",
        note_en="the whole code list, as the platform's core uses it")


YEAR = Field("fiscal_year", "integer", "预算年度", "fiscal year", "date:fiscal-year", True)
MONTH = Field("fiscal_month", "integer", "月份", "month", None, True)
DEPT = (Field("dept_code", "string", "部门（一级预算单位）编码", "department code",
              "administrative-classification:generic:level1:code", True),
        Field("dept_name", "string", "部门名称", "department", "administrative-classification:generic:level1:label"))
AGENCY = (Field("agency_code", "string", "预算单位编码", "budget unit code",
                "administrative-classification:generic:level2:code", True),
          Field("agency_name", "string", "预算单位名称", "budget unit", "administrative-classification:generic:level2:label"))
FUNC = (Field("exp_func_code", "string", "支出功能分类科目编码", "functional classification code",
              "functional-classification:generic:code", True),
        Field("exp_func_name", "string", "支出功能分类科目名称", "functional classification",
              "functional-classification:generic:label"))
ECO = (Field("gov_bgt_eco_code", "string", "政府预算支出经济分类编码", "economic classification code",
             "economic-classification:generic:code", True),
       Field("gov_bgt_eco_name", "string", "政府预算支出经济分类名称", "economic classification",
             "economic-classification:generic:label"))
FUND = (Field("fund_type_code", "string", "资金性质编码", "fund nature code", None, True),
        Field("fund_type_name", "string", "资金性质名称", "fund nature"))
INC = (Field("inc_code", "string", "收入分类科目编码", "revenue classification code",
             "economic-classification:generic:code", True),
       Field("inc_name", "string", "收入分类科目名称", "revenue classification", "economic-classification:generic:label"))
EXP_KEYS = ("fiscal_year", "agency_code", "exp_func_code", "gov_bgt_eco_code", "fund_type_code")
EXP_FKS = (("agency_code", "agencies", "agency_code"), ("exp_func_code", "exp_func", "code"),
           ("gov_bgt_eco_code", "gov_bgt_eco", "code"), ("fund_type_code", "fund_type", "code"))

# Individual salaries never leave the core: a unit with fewer than MIN_PERSONS people on its payroll in every month
# of the year would show, in its wage lines, what a few persons earn; those lines are published with its
# department's (the level at which 部门预算公开 publishes 人员经费 anyway).
MIN_PERSONS = 10
PERSONNEL_ECO = ("50101", "50102", "50103", "50199", "50501", "50905")
_EXECUTION = f"""
    with small_units as (
        select agency_code
        from (select agency_code, pay_month, sum(paid_headcount) as persons
              from marts.fct_staff_cost_monthly where fiscal_year = $year group by all)
        group by agency_code
        having max(persons) < {MIN_PERSONS}
    ),
    e as (
        select x.*,
               case when x.gov_bgt_eco_code in {PERSONNEL_ECO!r} and x.agency_code in (select agency_code from small_units)
                    then a.dept_code else x.agency_code end as pub_agency_code
        from marts.fct_budget_execution_monthly as x
        left join marts.dim_agency as a on a.agency_code = x.agency_code
        where x.fiscal_year = $year
    )
"""

RESOURCES: tuple[Resource, ...] = (
    Resource(
        "expenditure", "data/expenditure.csv", "支出预算与执行", "expenditure budget and execution",
        (YEAR, *DEPT, *AGENCY, *FUNC, *ECO, *FUND,
         Field("budget_amt", "number", "年初预算数（元）", "approved budget (yuan)", "value", True),
         Field("indicator_amt", "number", "调整后预算指标（元）", "budget indicators after adjustments (yuan)", "value", True),
         Field("paid_amt", "number", "支出执行数（元，截至数据日期）", "paid to the as-of date (yuan)", "value", True),
         Field("execution_rate", "number", "执行率（执行数/调整后指标）", "execution rate (paid / indicators)")),
        _EXECUTION + """
        select e.fiscal_year, a.dept_code, any_value(a.dept_name), e.pub_agency_code, any_value(a.agency_name),
               e.exp_func_code, null as exp_func_name, e.gov_bgt_eco_code, null as gov_bgt_eco_name,
               e.fund_type_code, null as fund_type_name,
               sum(e.budget_amt), sum(e.indicator_amt), sum(e.paid_ytd_amt),
               case when sum(e.indicator_amt) > 0 then round(sum(e.paid_ytd_amt) / sum(e.indicator_amt), 4) end
        from e
        left join marts.dim_agency as a on a.agency_code = e.pub_agency_code
        where e.fiscal_month = (select max(fiscal_month) from e)
        group by e.fiscal_year, a.dept_code, e.pub_agency_code, e.exp_func_code, e.gov_bgt_eco_code, e.fund_type_code
        order by a.dept_code, e.pub_agency_code, e.exp_func_code, e.gov_bgt_eco_code, e.fund_type_code
        """,
        primary_key=EXP_KEYS, foreign_keys=EXP_FKS,
        note="每行一个预算单位、功能分类、经济分类、资金性质；年初预算数与部门预算公开表一致；"
             f"在编人数少于 {MIN_PERSONS} 人的单位，其工资福利类支出并入所属部门列示（不披露个人工资）",
        note_en="one row per budget unit, function, economic class and fund nature; the approved budget is the "
                f"basis of the published department budgets; the wage lines of units with fewer than {MIN_PERSONS} "
                "persons on the payroll are shown with their department's (no individual salaries)"),
    Resource(
        "expenditure_monthly", "data/expenditure_monthly.csv", "分月支出执行", "expenditure paid by month",
        (YEAR, MONTH, DEPT[0], AGENCY[0], FUNC[0], ECO[0], FUND[0],
         Field("paid_amt", "number", "当月支出数（元）", "paid in the month (yuan)", "value", True)),
        _EXECUTION + """
        select e.fiscal_year, e.fiscal_month, a.dept_code, e.pub_agency_code, e.exp_func_code, e.gov_bgt_eco_code,
               e.fund_type_code, sum(e.paid_in_month_amt)
        from e
        left join marts.dim_agency as a on a.agency_code = e.pub_agency_code
        group by all
        having sum(e.paid_in_month_amt) <> 0
        order by 2, 3, 4, 5, 6, 7
        """,
        primary_key=("fiscal_month", *EXP_KEYS), foreign_keys=EXP_FKS,
        note="只列有支出的月份", note_en="months with payments only"),
    Resource(
        "revenue", "data/revenue.csv", "收入预算与执行", "revenue budget and collection",
        (YEAR, *INC,
         Field("budget_amt", "number", "收入预算数（元，空 = 未编列）", "revenue budget (yuan; empty: none set)", "value"),
         Field("collected_amt", "number", "收入完成数（元，截至数据日期）", "collected to the as-of date (yuan)", "value", True)),
        """
        select fiscal_year, inc_code, any_value(inc_name) as inc_name, any_value(budget_amt) as budget_amt,
               sum(collected_amt) as collected_amt
        from marts.fct_revenue_monthly
        where fiscal_year = $year
        group by fiscal_year, inc_code
        order by inc_code
        """,
        primary_key=("fiscal_year", "inc_code"), foreign_keys=(("inc_code", "income", "code"),)),
    Resource(
        "revenue_monthly", "data/revenue_monthly.csv", "分月收入", "revenue collected by month",
        (YEAR, MONTH, INC[0],
         Field("collected_amt", "number", "当月收入（元）", "collected in the month (yuan)", "value", True)),
        """
        select fiscal_year, fiscal_month, inc_code, collected_amt
        from marts.fct_revenue_monthly
        where fiscal_year = $year
        order by fiscal_month, inc_code
        """,
        primary_key=("fiscal_year", "fiscal_month", "inc_code"), foreign_keys=(("inc_code", "income", "code"),)),
    Resource(
        "completeness", "data/completeness.csv", "完整性说明（未报告事项）", "what is not reported",
        (YEAR, MONTH,
         Field("dept_code", "string", "部门编码（空 = 全区）", "department code (empty: the district as a whole)"),
         DEPT[1],
         Field("gap_kind", "string", "缺口类型", "gap kind", None, True),
         Field("gap_name_zh", "string", "缺口说明", "gap (Chinese)"),
         Field("gap_name_en", "string", "缺口说明（英文）", "gap (English)"),
         Field("feed", "string", "交换数据源", "exchange feed"),
         Field("item_count", "integer", "笔数", "number of items", None, True),
         Field("amount", "number", "金额（元）", "amount involved (yuan)", "value"),
         Field("as_of_date", "date", "数据截至日期", "as-of date")),
        """
        select fiscal_year, fiscal_month, dept_code, dept_name, gap_kind, gap_name_zh, gap_name_en, feed,
               item_count, amount, as_of_date
        from marts.fct_completeness
        where fiscal_year = $year
        order by fiscal_month, dept_code nulls first, gap_kind, feed
        """,
        note="本年度各部门各月平台尚不掌握的情况：应报未报的文件、隔离未重报的数据、无支付的单位、未回单和未清算的支付、"
             "未关联项目的上级转移支付指标",
        note_en="per department and month, what the figures do not contain yet"),
    Resource(
        "agencies", "codes/agencies.csv", "预算单位", "budget units",
        (Field("agency_code", "string", "预算单位编码", "budget unit code",
               "administrative-classification:generic:code", True),
         Field("agency_name", "string", "预算单位名称", "budget unit", "administrative-classification:generic:label", True),
         Field("dept_code", "string", "所属部门编码", "department code"),
         Field("dept_name", "string", "所属部门", "department"),
         Field("is_department", "boolean", "是否一级预算单位（部门）", "is a department (first-level unit)"),
         Field("agency_type_name", "string", "单位类型", "unit type"),
         Field("mof_div_code", "string", "财政区划编码", "fiscal region code"),
         Field("mof_div_name", "string", "财政区划", "fiscal region")),
        """
        select agency_code, agency_name, dept_code, dept_name, is_department, agency_type_name, mof_div_code,
               mof_div_name
        from marts.dim_agency
        order by agency_code
        """,
        primary_key=("agency_code",)),
    _code_list("exp_func", "支出功能分类科目", "functional classification of expenditure",
               "functional-classification:generic"),
    _code_list("gov_bgt_eco", "政府预算支出经济分类科目", "economic classification of government expenditure",
               "economic-classification:generic"),
    _code_list("income", "收入分类科目", "revenue classification", "economic-classification:generic"),
    _code_list("fund_type", "资金性质", "fund nature", "fund"),
)
CODE_FILES = {"exp_func": "exp_func.csv", "gov_bgt_eco": "gov_bgt_eco.csv", "income": "income.csv",
              "fund_type": "fund_type.csv"}
_NAMED = {"exp_func_name": ("exp_func", "exp_func_code"), "gov_bgt_eco_name": ("gov_bgt_eco", "gov_bgt_eco_code"),
          "fund_type_name": ("fund_type", "fund_type_code")}

# the disclosure tables the budget ties to: 公开表1-2 (all funds), 3 / 4 / 5 (one fund kind each, by the
# fund nature's disclosure column, fund_type.csv)
TIES = (
    ("disclosure_1_2_expenditure_summary", None),
    ("disclosure_3_general_public_expenditure", "一般公共预算拨款收入"),
    ("disclosure_4_government_fund_expenditure", "政府性基金预算拨款收入"),
    ("disclosure_5_state_capital_expenditure", "国有资本经营预算拨款收入"),
)


@dataclass
class OpenDataReport:
    out: Path
    fiscal_year: int
    as_of: date | None
    rows: dict[str, int] = field(default_factory=dict)
    totals: dict[str, Decimal] = field(default_factory=dict)
    ties: list[tuple[str, str, Decimal, Decimal]] = field(default_factory=list)   # (table, dept, package, mart)


def _read_code_list(name: str, folder: Path) -> list[dict[str, str]]:
    with open(folder / CODE_FILES[name], encoding="utf-8", newline="") as fh:
        return [{k: row[k] for k in ("code", "name", "parent_code", "level")} for row in csv.DictReader(fh)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):     # rates only: money is DECIMAL
        return repr(round(value, 4))
    return str(value)


def _rows(con: duckdb.DuckDBPyConnection, query: str, year: int) -> Iterator[tuple[Any, ...]]:
    cur = con.execute(query, {"year": year} if "$year" in query else {})
    while batch := cur.fetchmany(BATCH):
        yield from batch


def export_open_data(analytics: str | Path, fiscal_year: int, out: str | Path, *,
                     codesets: Path = CODESETS_DIR, publisher: str = "") -> OpenDataReport:
    """Write the Fiscal Data Package of ``fiscal_year`` from the analysts' copy ``analytics`` into ``out`` (a new or
    empty folder, or one holding an earlier package, which is replaced). Raises OpenDataError when the year has no
    approved budget or a total does not tie to the disclosure marts."""
    fiscal_year, out = int(fiscal_year), Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "datapackage.json").exists():
        raise OpenDataError(f"输出目录 {out} 不为空，也不是已有的数据包 (the output folder is not empty and holds no "
                            "earlier data package)")
    codes = {name: _read_code_list(name, codesets) for name in CODE_FILES}
    names = {name: {r["code"]: r["name"] for r in rows} for name, rows in codes.items()}
    build = out.with_name(f".{out.name}.build")
    shutil.rmtree(build, ignore_errors=True)
    report = OpenDataReport(out, fiscal_year, None)
    con = connect_governed(Path(analytics))
    try:
        if not con.execute("select count(*) from marts.fct_budget_execution_monthly where fiscal_year = $year",
                           {"year": fiscal_year}).fetchone()[0]:      # type: ignore[index]
            raise OpenDataError(f"数据仓库中没有 {fiscal_year} 年的预算 (the warehouse holds no budget for {fiscal_year})")
        as_of = con.execute("select max(as_of_date) from marts.fct_completeness").fetchone()[0]  # type: ignore[index]
        report.as_of = as_of
        for res in RESOURCES:
            path = build / res.path
            path.parent.mkdir(parents=True, exist_ok=True)
            header = [f.name for f in res.fields]
            amounts = [i for i, f in enumerate(res.fields) if f.type == "number" and f.column_type == "value"]
            sums = [Decimal(0)] * len(amounts)
            named = [(header.index(col), names[code_list], header.index(code_col))
                     for col, (code_list, code_col) in _NAMED.items() if col in header]
            n = 0
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(header)
                if res.query is None:
                    rows: Iterator[Sequence[Any]] = ((r[c] for c in header) for r in codes[res.name])  # type: ignore[misc]
                else:
                    rows = _rows(con, res.query, fiscal_year)
                for raw in rows:
                    row = list(raw)
                    for at, by_code, code_at in named:
                        row[at] = by_code.get(row[code_at])
                    for k, i in enumerate(amounts):
                        if row[i] is not None:
                            sums[k] += row[i]
                    w.writerow([_cell(v) for v in row])
                    n += 1
            report.rows[res.name] = n
            for k, i in enumerate(amounts):
                report.totals[f"{res.name}.{header[i]}"] = sums[k]
        report.ties = _tie_to_disclosure(con, build, fiscal_year, codesets)
        completeness = _completeness_summary(con, fiscal_year)
        departments = con.execute("select count(distinct dept_code) from marts.disclosure_1_2_expenditure_summary "
                                  "where fiscal_year = $year", {"year": fiscal_year}).fetchone()[0]  # type: ignore[index]
        district = con.execute("select any_value(mof_div_name), any_value(mof_div_code) from marts.dim_agency").fetchone()
    finally:
        con.close()
    district_name, district_code = (district or ("", ""))
    descriptor = _descriptor(report, district_name or "", district_code or "", publisher)
    (build / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")
    (build / "README.md").write_text(_readme(report, district_name or "", completeness, int(departments)),
                                     encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    build.rename(out)
    return report


def _tie_to_disclosure(con: duckdb.DuckDBPyConnection, build: Path, year: int,
                       codesets: Path) -> list[tuple[str, str, Decimal, Decimal]]:
    """Each department's budget in the package against the disclosure marts' 合计 rows; any difference raises."""
    disclosure_column = _fund_disclosure_columns(codesets)
    package: dict[tuple[str | None, str], Decimal] = {}
    with open(build / "data" / "expenditure.csv", encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            amt = Decimal(r["budget_amt"])
            package[(None, r["dept_code"])] = package.get((None, r["dept_code"]), Decimal(0)) + amt
            column = disclosure_column.get(r["fund_type_code"])
            if column:
                package[(column, r["dept_code"])] = package.get((column, r["dept_code"]), Decimal(0)) + amt
    ties: list[tuple[str, str, Decimal, Decimal]] = []
    broken: list[str] = []
    for table, column in TIES:
        for dept, total in con.execute(f"select dept_code, total_amt from marts.{table} "
                                       "where fiscal_year = $year and subject_level = 0", {"year": year}).fetchall():
            mine = package.get((column, dept), Decimal(0))
            ties.append((table, dept, mine, total))
            if mine != total:
                broken.append(f"{table} {dept}: {mine} ≠ {total}")
    if broken:
        raise OpenDataError("数据包与部门预算公开表不一致 (the package does not tie to the disclosure tables): "
                            + "; ".join(broken[:10]))
    return ties


def _fund_disclosure_columns(folder: Path) -> dict[str, str]:
    with open(folder / "fund_type.csv", encoding="utf-8", newline="") as fh:
        return {r["code"]: r["disclosure_column"] for r in csv.DictReader(fh) if r.get("disclosure_column")}


def _completeness_summary(con: duckdb.DuckDBPyConnection, year: int) -> list[tuple[str, str, str, int, Decimal | None]]:
    return [tuple(r) for r in con.execute(  # type: ignore[misc]
        "select gap_kind, any_value(gap_name_zh), any_value(gap_name_en), sum(item_count), sum(amount) "
        "from marts.fct_completeness where fiscal_year = $year group by gap_kind order by gap_kind",
        {"year": year}).fetchall()]


def _descriptor(report: OpenDataReport, district: str, district_code: str, publisher: str) -> dict[str, Any]:
    year = report.fiscal_year
    return {
        "profile": "tabular-data-package",
        "name": f"fiscal-{district_code or 'district'}-{year}",
        "title": f"{district}{year}年预算与执行公开数据",
        "description": f"{district}{year}年一般公共预算、政府性基金预算和国有资本经营预算的年初预算、预算指标、支出执行和收入完成情况，"
                       f"附分类编码表和完整性说明。/ The {year} budget and its execution of {district or 'the district'}: "
                       "approved budget, indicators, payments and revenue, with the classification code lists and a "
                       "statement of what is not yet reported.",
        "version": "1.0.0",
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "keywords": ["财政", "预算公开", "fiscal", "budget", "open data"],
        "countryCode": "CN",
        "regionCode": district_code,
        "fiscalPeriod": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "asOf": report.as_of.isoformat() if report.as_of else None,
        "granularity": "aggregated",
        "currency": "CNY",
        "fiscalDataPackage": {"version": FDP_VERSION, "taxonomy": TAXONOMY},
        **({"publisher": publisher} if publisher else {}),
        "resources": [r.descriptor() for r in RESOURCES],
    }


def _yuan(v: Decimal | None) -> str:
    return "–" if v is None else f"{v:,.2f}"


def _readme(report: OpenDataReport, district: str, completeness: list[tuple[str, str, str, int, Decimal | None]],
            departments: int) -> str:
    y, t = report.fiscal_year, report.totals
    as_of = report.as_of.isoformat() if report.as_of else "–"
    lines = [
        f"# {district}{y}年预算与执行公开数据 / {y} budget and execution open data",
        "",
        "## 中文",
        "",
        f"本数据包由财政一体化管理平台生成，数据截至 **{as_of}**。金额单位为元，保留两位小数，为精确值（未四舍五入到万元）。"
        "文件为 UTF-8 编码的 CSV（带 BOM，Excel 可直接打开），`datapackage.json` 按 Frictionless 数据包规范描述每个文件的字段、"
        "类型、主键和外键（财政数据包 Fiscal Data Package 的 columnType）。",
        "",
        "| 文件 | 内容 | 行数 |",
        "|---|---|---|",
        *[f"| `{r.path}` | {r.title} | {report.rows.get(r.name, 0):,} |" for r in RESOURCES],
        "",
        "**合计**：",
        "",
        f"- 年初预算数 {_yuan(t.get('expenditure.budget_amt'))} 元，调整后预算指标 {_yuan(t.get('expenditure.indicator_amt'))} 元，"
        f"截至 {as_of} 支出 {_yuan(t.get('expenditure.paid_amt'))} 元；",
        f"- 收入预算 {_yuan(t.get('revenue.budget_amt'))} 元，截至 {as_of} 收入 {_yuan(t.get('revenue.collected_amt'))} 元。",
        "",
        f"**与部门预算公开表核对**：{departments} 个部门的年初预算数合计与公开表1-2“合计”一致，其中一般公共预算、政府性基金预算、"
        "国有资本经营预算部分分别与公开表3、4、5 一致，精确到分（生成时逐一核对，不一致则不发布）。",
        "",
        "**分类**：功能分类见 `codes/exp_func.csv`（类、款、项），政府预算支出经济分类见 `codes/gov_bgt_eco.csv`，"
        "收入分类见 `codes/income.csv`，资金性质见 `codes/fund_type.csv`，预算单位见 `codes/agencies.csv`。"
        "数据文件中的每个编码都能在编码表中找到（外键）。",
        "",
        "### 完整性说明（未报告事项）",
        "",
        f"以下情况截至 {as_of} 尚未反映在数据中，使用数据时请注意数字可能不完整（明细见 `data/completeness.csv`，按部门和月份）：",
        "",
        "| 缺口 | 笔数 | 金额（元） |",
        "|---|---|---|",
        *[f"| {zh} | {n:,} | {_yuan(amt)} |" for _k, zh, _en, n, amt in completeness],
        *(["| 无 | 0 | – |"] if not completeness else []),
        "",
        "本数据包不含任何个人信息：不含姓名、身份证号、银行账号，也不含个人工资。",
        "",
        "## English",
        "",
        f"Published by the fiscal integration platform; figures as of **{as_of}**. Amounts are in yuan (CNY) with two "
        "decimals, exact (not rounded to 10,000 yuan). Files are UTF-8 CSV (with a BOM, so Excel opens them); "
        "`datapackage.json` describes every file's fields, types, primary and foreign keys as a Frictionless Tabular "
        "Data Package, with the Fiscal Data Package's column types.",
        "",
        "| file | content | rows |",
        "|---|---|---|",
        *[f"| `{r.path}` | {r.title_en} | {report.rows.get(r.name, 0):,} |" for r in RESOURCES],
        "",
        f"**Totals**: approved budget {_yuan(t.get('expenditure.budget_amt'))}, indicators after adjustments "
        f"{_yuan(t.get('expenditure.indicator_amt'))}, paid to {as_of} {_yuan(t.get('expenditure.paid_amt'))}; revenue "
        f"budget {_yuan(t.get('revenue.budget_amt'))}, collected to {as_of} {_yuan(t.get('revenue.collected_amt'))}.",
        "",
        f"**Tied to the published department budgets**: for each of the {departments} departments the approved budget "
        "equals the 合计 of disclosure table 1-2, and its general public, government fund and state capital parts equal "
        "tables 3, 4 and 5, to the fen (checked when the package is written; a difference stops it).",
        "",
        "**Classifications**: functional `codes/exp_func.csv` (类/款/项), economic `codes/gov_bgt_eco.csv`, revenue "
        "`codes/income.csv`, fund nature `codes/fund_type.csv`, budget units `codes/agencies.csv`; every code in the "
        "data files is in its list (foreign keys).",
        "",
        "### What is not reported",
        "",
        f"As of {as_of} the figures do not yet contain the following (per department and month in "
        "`data/completeness.csv`):",
        "",
        "| gap | items | amount (yuan) |",
        "|---|---|---|",
        *[f"| {en} | {n:,} | {_yuan(amt)} |" for _k, _zh, en, n, amt in completeness],
        *(["| none | 0 | – |"] if not completeness else []),
        "",
        "The package holds no personal data: no names, ID numbers, bank accounts or individual salaries.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["RESOURCES", "OpenDataError", "OpenDataReport", "export_open_data"]
