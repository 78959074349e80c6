"""公开 loaders: the nine 部门预算公开 tables (the disclosure marts, one per 公开表) of a department and year,
and the whole set as one XLSX workbook laid out by ``ingest.disclosure_export``. The tables are a whole
department's: a scope reads those of the departments it wholly covers (``$depts``)."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from ingest import disclosure_export
from ingest.disclosure_export import SHEETS, DisclosureNotFound

from .connection import bind, cached, connection, frame
from .filters import scoped
from .scope import Scope, dept_in_scope

# (mart, print order) of each 公开表 in the template's order: the export's own list, so page and workbook agree.
# The marts' names are also the whitelist of ``disclosure_table`` (an identifier can't be a query parameter).
DISCLOSURE_TABLES: tuple[tuple[str, str], ...] = tuple((s.mart, s.order) for s in SHEETS)
_ORDER = dict(DISCLOSURE_TABLES)


@cached
def disclosure_departments(scope: Scope, year: int) -> pd.DataFrame:
    return frame(f"""
        select distinct dept_code, dept_name from marts.disclosure_1_budget_summary
        where fiscal_year = $year and {dept_in_scope("dept_code")}
        order by dept_code""", scoped(scope, year=year))


@cached
def disclosure_table(scope: Scope, table: str, dept: str, year: int) -> pd.DataFrame:
    order = _ORDER[table]  # KeyError for anything outside the whitelist
    return frame(f"""
        select * exclude (dept_code, dept_name, fiscal_year) from marts.{table}
        where dept_code = $dept and fiscal_year = $year and {dept_in_scope("dept_code")}
        order by {order}""", scoped(scope, dept=dept, year=year))


def _disclosure_rows(scope: Scope, dept: str, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every sheet's mart rows (all columns, the database's types), read in one connection: one warehouse."""
    out: dict[str, list[dict[str, Any]]] = {}
    with connection() as con:
        for mart, order in DISCLOSURE_TABLES:
            sql = (f"select * from marts.{mart} where dept_code = $dept and fiscal_year = $year "
                   f"and {dept_in_scope('dept_code')} order by {order}")
            cur = con.execute(sql, bind(sql, scoped(scope, dept=dept, year=year)))
            names = [d[0] for d in cur.description or []]
            out[mart] = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    return out


@cached
def disclosure_xlsx(scope: Scope, dept: str, year: int, unit: str = "万元") -> bytes:
    """The nine tables as one XLSX workbook, in memory: the same workbook as ``export_disclosure`` writes
    (tests/dashboards compares them cell by cell), its marts read through the data layer's governed
    connection, since ``export_disclosure`` opens the file itself, unguarded, and DuckDB would refuse that
    connection beside a governed one. Raises DisclosureNotFound (a LookupError) when the department has no
    approved budget that year (or is outside the scope)."""
    if unit not in ("元", "万元"):
        raise ValueError(f"金额单位只能是 元 或 万元 (unit must be 元 or 万元, got {unit!r})")
    year = int(year)
    data = _disclosure_rows(scope, dept, year)
    summary = data[SHEETS[0].mart]
    if not summary:
        raise DisclosureNotFound(f"数据仓库中没有部门 {dept} {year} 年已批复的部门预算 "
                                 f"(no approved budget of department {dept} for {year})")
    heading = f"{summary[0]['dept_name']}{year}年"
    wb = disclosure_export._write_workbook(data, heading, year, unit)  # type: ignore[arg-type]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
