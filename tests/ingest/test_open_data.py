"""财政信息公开 (issue 15 item 4): ``fiscal export open-data --year Y --out DIR`` on the shared district publishes a
Fiscal Data Package that the ``frictionless`` library validates (schemas, primary and foreign keys into the
published code lists), whose totals equal the disclosure marts and the execution marts to the fen, which carries
the completeness statement, a README in Chinese and English, and nothing personal."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import frictionless
import pytest

from ingest.open_data import CODESETS_DIR, MIN_PERSONS, PERSONNEL_ECO
from tests.district import Built

from .test_personal_data import _core_persons, scan

FISCAL = str(Path(sys.executable).with_name("fiscal"))
YEAR = 2025


def export(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"FISCAL_HOME": str(home)}
    env.pop("FISCAL_CORE_URL", None)
    return subprocess.run([FISCAL, "export", "open-data", *args], env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def package(built_district: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("open") / "fdp"
    r = export(built_district.home, "--year", str(YEAR), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "2025" in r.stdout and (out / "datapackage.json").exists()
    return out


def rows(package: Path, resource: str) -> list[dict[str, object]]:
    """A resource's rows as frictionless reads them (numbers as Decimal, integers as int)."""
    res = frictionless.Package(package / "datapackage.json").get_resource(resource)  # type: ignore[misc]
    return [dict(r) for r in res.read_rows()]                                        # type: ignore[attr-defined]


def test_the_package_validates(package: Path) -> None:
    report = frictionless.validate(package / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])[:10]
    d = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert d["profile"] == "tabular-data-package" and d["countryCode"] == "CN"
    assert d["fiscalPeriod"] == {"start": "2025-01-01", "end": "2025-12-31"} and d["asOf"] == "2025-04-30"
    names = {r["name"] for r in d["resources"]}
    assert {"expenditure", "expenditure_monthly", "revenue", "revenue_monthly", "completeness", "agencies",
            "exp_func", "gov_bgt_eco", "income", "fund_type"} <= names
    # every amount is a value of the FDP taxonomy, every classification column says which it is
    columns = {f["name"]: f.get("columnType") for r in d["resources"] for f in r["schema"]["fields"]}
    assert columns["budget_amt"] == "value" and columns["fiscal_year"] == "date:fiscal-year"
    assert columns["exp_func_code"].startswith("functional-classification")
    assert columns["gov_bgt_eco_code"].startswith("economic-classification")


def test_a_code_missing_from_its_list_fails_validation(package: Path, tmp_path: Path) -> None:
    """The foreign keys are checked: a code not in the published list makes the package invalid."""
    broken = shutil.copytree(package, tmp_path / "broken")
    path = broken / "data" / "expenditure.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("exp_func_code")] = "2999999"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8-sig")
    report = frictionless.validate(broken / "datapackage.json")
    assert not report.valid
    assert {e[0] for e in report.flatten(["type"])} == {"foreign-key"}


def test_the_code_lists_are_the_whole_classifications(package: Path) -> None:
    for name, file in (("exp_func", "exp_func.csv"), ("gov_bgt_eco", "gov_bgt_eco.csv"), ("income", "income.csv"),
                       ("fund_type", "fund_type.csv")):
        with open(CODESETS_DIR / file, encoding="utf-8") as fh:
            expected = {(r["code"], r["name"]) for r in csv.DictReader(fh)}
        assert {(str(r["code"]), str(r["name"])) for r in rows(package, name)} == expected, name
    assert any(r["code"] == "2050101" and r["name"] == "行政运行" for r in rows(package, "exp_func"))


def test_budget_totals_equal_the_disclosure_tables_to_the_fen(package: Path, built_district: Built) -> None:
    with open(CODESETS_DIR / "fund_type.csv", encoding="utf-8") as fh:
        column = {r["code"]: r["disclosure_column"] for r in csv.DictReader(fh)}
    mine: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows(package, "expenditure"):
        amt = r["budget_amt"]
        assert isinstance(amt, Decimal)
        mine[("disclosure_1_2_expenditure_summary", str(r["dept_code"]))] += amt
        table = {"一般公共预算拨款收入": "disclosure_3_general_public_expenditure",
                 "政府性基金预算拨款收入": "disclosure_4_government_fund_expenditure",
                 "国有资本经营预算拨款收入": "disclosure_5_state_capital_expenditure"}.get(column[str(r["fund_type_code"])])
        if table:
            mine[(table, str(r["dept_code"]))] += amt
    checked = 0
    for table in ("disclosure_1_2_expenditure_summary", "disclosure_3_general_public_expenditure",
                  "disclosure_4_government_fund_expenditure", "disclosure_5_state_capital_expenditure"):
        for dept, total in built_district.query(
                f"select dept_code, total_amt from marts.{table} where fiscal_year = {YEAR} and subject_level = 0"):
            assert mine.get((table, dept), Decimal(0)) == total, (table, dept)
            checked += 1
    assert checked >= 8 and sum(v for (t, _d), v in mine.items() if t.startswith("disclosure_1_2")) > 0


def test_execution_and_revenue_equal_the_marts_to_the_fen(package: Path, built_district: Built) -> None:
    (budget, indicators, paid), = built_district.query(
        f"select sum(budget_amt), sum(indicator_amt), sum(paid_ytd_amt) from marts.fct_budget_execution_monthly "
        f"where fiscal_year = {YEAR} and fiscal_month = (select max(fiscal_month) from "
        f"marts.fct_budget_execution_monthly where fiscal_year = {YEAR})")
    exp = rows(package, "expenditure")
    assert sum(r["budget_amt"] for r in exp) == budget                  # type: ignore[misc]
    assert sum(r["indicator_amt"] for r in exp) == indicators           # type: ignore[misc]
    assert sum(r["paid_amt"] for r in exp) == paid > 0                  # type: ignore[misc]
    assert sum(r["paid_amt"] for r in rows(package, "expenditure_monthly")) == paid    # type: ignore[misc]
    (collected,), = built_district.query(
        f"select sum(collected_amt) from marts.fct_revenue_monthly where fiscal_year = {YEAR}")
    assert sum(r["collected_amt"] for r in rows(package, "revenue")) == collected > 0           # type: ignore[misc]
    assert sum(r["collected_amt"] for r in rows(package, "revenue_monthly")) == collected       # type: ignore[misc]


def test_the_completeness_statement_travels_with_the_package(package: Path, built_district: Built) -> None:
    gaps = built_district.query(f"select gap_kind, gap_name_zh, gap_name_en, sum(item_count), sum(amount) "
                                f"from marts.fct_completeness where fiscal_year = {YEAR} group by all")
    assert gaps, "the shared district has gaps to state"
    published = rows(package, "completeness")
    for kind, _zh, _en, n, amount in gaps:
        mine = [r for r in published if r["gap_kind"] == kind]
        assert sum(r["item_count"] for r in mine) == n                                       # type: ignore[misc]
        assert sum((r["amount"] or Decimal(0)) for r in mine) == (amount or Decimal(0))      # type: ignore[misc]
    readme = (package / "README.md").read_text(encoding="utf-8")
    assert "## 中文" in readme and "## English" in readme
    assert "完整性说明" in readme and "What is not reported" in readme
    for _kind, zh, en, n, _amount in gaps:
        assert zh in readme and en in readme and f"{n:,}" in readme


def test_no_personal_data_and_no_small_unit_wages(package: Path, built_district: Built) -> None:
    persons = _core_persons(built_district.home)
    names = {p[1] for p in persons}
    texts = {f.name: f.read_text(encoding="utf-8-sig") for f in sorted(package.rglob("*")) if f.is_file()}
    values = [*texts.items(), *((name, cell) for name, text in texts.items()
                                for line in text.splitlines() for cell in line.split(","))]
    assert scan(values, names) == []
    assert not [p[0] for p in persons for text in texts.values() if p[2] in text or p[4] in text]
    # the wage lines of a unit with fewer than MIN_PERSONS persons on its payroll are its department's
    small = {a for (a,) in built_district.query(
        f"select agency_code from (select agency_code, pay_month, sum(paid_headcount) n from "
        f"marts.fct_staff_cost_monthly where fiscal_year = {YEAR} group by all) group by 1 having max(n) < {MIN_PERSONS} "
        f"and agency_code not in (select agency_code from marts.dim_agency where is_department)")}
    assert small, "the shared district has small units"
    for resource in ("expenditure", "expenditure_monthly"):
        leaked = [r for r in rows(package, resource)
                  if r["agency_code"] in small and r["gov_bgt_eco_code"] in PERSONNEL_ECO]
        assert leaked == [], resource


def test_a_year_without_a_budget_and_a_foreign_folder_are_refused(built_district: Built, tmp_path: Path) -> None:
    r = export(built_district.home, "--year", "2019", "--out", str(tmp_path / "none"))
    assert r.returncode == 1 and "2019" in r.stderr and not (tmp_path / "none").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    r = export(built_district.home, "--year", str(YEAR), "--out", str(foreign))
    assert r.returncode != 0 and (foreign / "notes.txt").read_text() == "keep me"
