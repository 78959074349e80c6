"""The data layer (dashboards/data/) itself: every connection governed, the package re-exporting every loader,
the core's project statuses all placed by the loaders that group them, the disclosure workbook the same as
ingest's export, and the completeness disclosure (fct_completeness) the mart's, within the reader's scope."""

from __future__ import annotations

import ast
import io
from contextlib import nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml  # type: ignore[import-untyped]
from openpyxl import load_workbook

from dashboards import data
from dashboards.data import connection, projects, quality
from fiscal_core.domain.projects import LIBRARY_STATES, ProjectStatus
from ingest.disclosure_export import DisclosureNotFound, export_disclosure
from ingest.warehouse import GovernedRefusal, refusal

from .conftest import REPO, People, Warehouse

DASHBOARDS = REPO / "dashboards"
DISTRICT = data.Scope(district=True)


@pytest.fixture
def tiny_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema marts; create table marts.t as select 1 as x")
    (tmp_path / "secret.csv").write_text("a\n1\n", encoding="utf-8")
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("sql, rule", [
    ("select * from read_csv('{home}/secret.csv')", "governed.no_host_files"),
    ("copy (select 1) to '{home}/out.csv'", "governed.no_host_files"),
    ("attach '{home}/other.duckdb' as other", "governed.no_attach"),
    ("set enable_external_access = true", "governed.config_locked"),
    ("create table marts.u as select 2 as y", "governed.read_only"),
])
def test_every_connection_of_the_data_layer_is_governed(tiny_home: Path, sql: str, rule: str) -> None:
    statement = sql.format(home=tiny_home)
    for in_request in (False, True):  # a loader's own connection, and the one a page view shares
        with data.request() if in_request else nullcontext(), connection.connection() as con:
            assert con.execute("select x from marts.t").fetchall() == [(1,)]
            with pytest.raises(duckdb.Error) as err:
                con.execute(statement)
            found = refusal(err.value, statement)
            assert isinstance(found, GovernedRefusal) and found.rule == rule, str(err.value)
    assert not (tiny_home / "out.csv").exists()


def test_no_module_of_the_dashboards_opens_duckdb_itself() -> None:
    """Only connect_governed (through data/connection.py) opens the warehouse."""
    opened = []
    for path in sorted(DASHBOARDS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "connect" and \
                    isinstance(node.value, ast.Name) and node.value.id == "duckdb":
                opened.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert opened == []


def test_a_missing_warehouse_is_warehouse_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FISCAL_HOME", str(tmp_path))
    with pytest.raises(data.WarehouseMissing):
        data.revenue_monthly.uncached(DISTRICT, 2025)  # type: ignore[attr-defined]
    with data.request(), pytest.raises(data.WarehouseMissing):
        data.revenue_monthly(DISTRICT, 2025)


def test_the_package_re_exports_every_loader() -> None:
    assert len(data.LOADERS) >= 40
    for name, loader in data.LOADERS.items():
        assert getattr(data, name) is loader, name
        assert callable(loader.uncached), name  # type: ignore[attr-defined]
        assert name in data.__all__
        assert loader.__module__.startswith("dashboards.data."), (name, loader.__module__)


def test_every_project_status_is_placed_by_the_waiting_projects_loader() -> None:
    groups = (projects.BEFORE_LIBRARY, projects.IN_LIBRARY, projects.FINISHED)
    placed = [s for g in groups for s in g]
    assert sorted(placed) == sorted(ProjectStatus)  # each status exactly once
    assert set(projects.IN_LIBRARY) == LIBRARY_STATES
    assert ProjectStatus.FIN_REVIEW in projects.BEFORE_LIBRARY


def test_stuck_projects_finds_the_same_projects_as_the_statuses_spelt_out(fiscal_home: Warehouse) -> None:
    as_of = data.as_of_date.uncached()  # type: ignore[attr-defined]
    got = data.stuck_projects.uncached(DISTRICT, None, as_of, 0)  # type: ignore[attr-defined]
    open_ = fiscal_home.one("select count(*) from marts.fct_project_lifecycle "
                            "where pro_status not in ('completed', 'terminated', 'voided')")
    assert 0 < len(got) <= open_
    assert set(got["stuck_at"]) <= set(data.STUCK_AT)


@pytest.mark.parametrize("unit", ["万元", "元"])
def test_the_disclosure_workbook_is_ingests_export(fiscal_home: Warehouse, tmp_path: Path, unit: str) -> None:
    """Read through the governed connection, laid out by ingest's writers: the same cells, formats and merges."""
    dept = fiscal_home.one("select min(dept_code) from marts.disclosure_1_budget_summary")
    ours = load_workbook(io.BytesIO(data.disclosure_xlsx.uncached(DISTRICT, dept, 2025, unit)))  # type: ignore[attr-defined]
    theirs = load_workbook(export_disclosure(fiscal_home.path, dept, 2025, tmp_path / "x.xlsx", unit=unit))  # type: ignore[arg-type]
    assert ours.sheetnames == theirs.sheetnames and len(ours.sheetnames) == 9
    for name in ours.sheetnames:
        a, b = ours[name], theirs[name]
        assert [[(c.value, c.number_format) for c in r] for r in a.iter_rows()] == \
               [[(c.value, c.number_format) for c in r] for r in b.iter_rows()], name
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges)), name
        assert {k: d.width for k, d in a.column_dimensions.items()} == \
               {k: d.width for k, d in b.column_dimensions.items()}, name


def test_the_disclosure_workbook_of_a_department_without_a_budget(fiscal_home: Warehouse) -> None:
    with pytest.raises(DisclosureNotFound):
        data.disclosure_xlsx.uncached(DISTRICT, "no-such-dept", 2025)  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        data.disclosure_xlsx.uncached(DISTRICT, "101", 2025, "千元")  # type: ignore[attr-defined]


# loaders that read no one's figures: the data's as-of date and the latest month with budget execution
UNSCOPED = {"as_of_date", "latest_exec_month"}


def test_every_loader_of_facts_takes_the_scope_first() -> None:
    """The scope is an argument of every loader (and so part of its cache key), never read from the page."""
    import inspect

    for name, loader in data.LOADERS.items():
        params = list(inspect.signature(loader.uncached).parameters)  # type: ignore[attr-defined]
        if name in UNSCOPED:
            assert "scope" not in params, name
        else:
            assert params[:1] == ["scope"], name


def test_a_loader_given_a_scope_must_apply_it(tiny_home: Path) -> None:
    """``filters.scoped`` parameters on a statement without the scope predicate: refused, not run unfiltered."""
    from dashboards.data.filters import scoped
    from dashboards.data.scope import in_scope

    unit = data.Scope(agencies=("101001",))
    with pytest.raises(ValueError, match="scope"):
        connection.rows("select x from marts.t", scoped(unit))
    assert connection.rows(f"select x from marts.t where {in_scope(repr('101001'))}", scoped(unit)) == [{"x": 1}]
    assert connection.rows(f"select x from marts.t where {in_scope(repr('102001'))}", scoped(unit)) == []
    assert connection.rows(f"select x from marts.t where {in_scope('null')}", scoped(unit)) == []  # a district figure
    assert connection.rows(f"select x from marts.t where {in_scope('null')}", scoped(DISTRICT)) == [{"x": 1}]
    assert connection.rows(f"select x from marts.t where {in_scope(repr('101001'))}", scoped(data.NOTHING)) == []


# ---------------------------------------------------------------------------------------------- 完整性说明


def _completeness_by_kind(wh: Warehouse, year: int, where: str = "true", params: list[Any] | None = None) \
        -> dict[str, tuple[int, Decimal | None]]:
    """Items and amount per gap kind of ``year``, straight from the mart."""
    return {k: (n, a) for k, n, a in wh.all(
        "select gap_kind, sum(item_count), sum(amount) from marts.fct_completeness "
        f"where fiscal_year = ? and ({where}) group by 1", [year, *(params or [])])}


def _decimal_sum(amounts: Any) -> Decimal | None:
    """SQL's sum: None when every amount is missing."""
    present = [a for a in amounts if a is not None]
    return sum(present, Decimal(0)) if present else None


def test_completeness_gap_kinds_are_the_marts_accepted_values() -> None:
    doc = yaml.safe_load((REPO / "dbt/models/marts/quality/fct_completeness.yml").read_text(encoding="utf-8"))
    column = next(c for c in doc["models"][0]["columns"] if c["name"] == "gap_kind")
    accepted = next(t["accepted_values"] for t in column["data_tests"] if isinstance(t, dict) and "accepted_values" in t)
    assert sorted(quality.GAP_KINDS) == sorted(accepted["arguments"]["values"])


def test_completeness_totals_per_gap_kind_are_the_marts_for_the_district(fiscal_home: Warehouse) -> None:
    years = [y for (y,) in fiscal_home.all("select distinct fiscal_year from marts.fct_completeness order by 1")]
    assert years, "the small district has gaps (at least the vouchers still with the bank on its last day)"
    for year in years:
        summary = data.completeness_summary.uncached(DISTRICT, year, None)  # type: ignore[attr-defined]
        got = {r["gap_kind"]: (r["item_count"], r["amount"]) for r in summary}
        assert got == _completeness_by_kind(fiscal_home, year)
        assert [r["gap_kind"] for r in summary] == [k for k in quality.GAP_KINDS if k in got]
        assert all(r["amount"] is None or isinstance(r["amount"], Decimal) for r in summary)  # never a float
        detail = data.completeness_detail.uncached(DISTRICT, year, None)  # type: ignore[attr-defined]
        assert len(detail) == fiscal_home.one("select count(*) from marts.fct_completeness where fiscal_year = ?", [year])
        assert all(a is None or isinstance(a, Decimal) for a in detail["amount"])
        by_kind = {k: (int(g["item_count"].sum()), _decimal_sum(g["amount"])) for k, g in detail.groupby("gap_kind")}
        assert by_kind == got
        assert detail["dept_code"].isna().any(), "the district sees the district-wide rows (the exchange feeds)"


def test_completeness_of_a_department_chosen_in_the_sidebar_keeps_the_district_wide_gaps(fiscal_home: Warehouse) -> None:
    year, dept = fiscal_home.one("select fiscal_year, min(dept_code) from marts.fct_completeness "
                                 "where dept_code is not null group by 1 order by 1 desc limit 1")
    got = {r["gap_kind"]: (r["item_count"], r["amount"])
           for r in data.completeness_summary.uncached(DISTRICT, year, dept)}  # type: ignore[attr-defined]
    assert got == _completeness_by_kind(fiscal_home, year, "dept_code = ? or dept_code is null", [dept])
    detail = data.completeness_detail.uncached(DISTRICT, year, dept)  # type: ignore[attr-defined]
    assert set(detail["dept_code"].dropna()) == {dept}


@pytest.mark.parametrize("role", ["dept_leader", "fin_business", "dept_reviewer", "unit_clerk"])
def test_completeness_of_a_scope_short_of_the_district_is_its_departments_only(fiscal_home: Warehouse,
                                                                               people: People, role: str) -> None:
    """A department's rows for a scope that wholly covers the department; the district-wide rows (the exchange
    feeds) and every other department's, never. A unit's scope covers no department of several units: nothing."""
    person = people.one(role)
    scope = data.viewer(person.user_id).scope
    assert not scope.district and scope.agencies
    if role in ("dept_leader", "dept_reviewer"):
        assert scope.depts == (person.scope_code,)
    if role == "unit_clerk":
        units = fiscal_home.one("select count(*) from marts.dim_agency b join marts.dim_agency a "
                                "on a.dept_code = b.dept_code where a.agency_code = ?", [person.scope_code])
        assert units > 1 and scope.depts == (), "the clerk's unit is one of several in its department"
    mine = list(scope.depts)
    for (year,) in fiscal_home.all("select distinct fiscal_year from marts.fct_completeness order by 1"):
        others = fiscal_home.one("select count(*) from marts.fct_completeness where fiscal_year = ? "
                                 "and (dept_code is null or not list_contains(?::varchar[], dept_code))", [year, mine])
        assert others > 0, "the mart has rows this scope must not see"
        summary = data.completeness_summary.uncached(scope, year, None)  # type: ignore[attr-defined]
        assert {r["gap_kind"]: (r["item_count"], r["amount"]) for r in summary} == \
            _completeness_by_kind(fiscal_home, year, "list_contains(?::varchar[], dept_code)", [mine])
        detail = data.completeness_detail.uncached(scope, year, None)  # type: ignore[attr-defined]
        assert set(detail["dept_code"]) <= set(mine) and not detail["dept_code"].isna().any()
        assert len(detail) == fiscal_home.one("select count(*) from marts.fct_completeness where fiscal_year = ? "
                                              "and list_contains(?::varchar[], dept_code)", [year, mine])
        # the sidebar's department cannot widen the scope: another department's, or the district's rows
        other = fiscal_home.one("select min(dept_code) from marts.dim_agency where dept_code is not null "
                                "and not list_contains(?::varchar[], dept_code)", [mine])
        if other is not None:
            assert data.completeness_detail.uncached(scope, year, other).empty  # type: ignore[attr-defined]
    assert data.completeness_summary.uncached(data.NOTHING, 2025, None) == []  # type: ignore[attr-defined]
