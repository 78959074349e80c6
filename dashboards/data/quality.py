"""数据质量 loaders: how fresh each source is (the core's extract, the exchange feeds), what the exchange
validation quarantined and rejected, the reconciliation of the marts with the core (marts.fct_reconciliation),
and the last dbt build's tests (the refresh pipeline's run_results.json). The district's data as a whole:
only a district scope reads it (``$district``).

完整性说明 (marts.fct_completeness): what the platform does not know, per month, department and gap kind. Its
rows are whole departments' (or, with no department, the district's own: the exchange feeds), so a scope reads
the rows of the departments it wholly covers (``dept_in_scope``, as the 公开 tables) and the district-wide rows
only when it is the district's."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from ingest.pipeline import read_run_results

from .connection import cached, frame, rows, settings, stamp
from .filters import as_of_date, scoped
from .scope import Scope, dept_in_scope
from .sql import rank

# fct_completeness's gap kinds, in the order the page lists them (the mart's accepted values)
GAP_KINDS = ("feed_day_missing", "quarantine_pending", "unit_silent", "payment_awaiting_bank",
             "payment_not_cleared", "transfer_unlinked")
_GAP_ORDER = rank("c.gap_kind", GAP_KINDS)

# the year, the sidebar's department (None = every one in scope; a department's view keeps the district-wide
# rows, whose gaps — a missing bank or tax file — concern every department) and the scope: a row without a
# department passes ``dept_in_scope`` only for a district scope (null is never in ``$depts``)
_COMPLETENESS_FILTER = f"""
    c.fiscal_year = $year
    and ($dept is null or c.dept_code = $dept or c.dept_code is null)
    and {dept_in_scope("c.dept_code")}
"""


@cached
def freshness(scope: Scope) -> dict[str, Any]:
    """When the warehouse was built (the file the view reads), how far the core's extract reached, and each
    exchange feed's latest file (by business date in the file and arrival order)."""
    core = rows("select source, last_seq, extracted_at from raw._extract_state where $district order by source",
                scoped(scope))
    feeds = frame("""
        with f as (
            select feed, count(*) as files, max(arrival_no) as last_arrival,
                   count(*) filter (where status <> 'loaded') as files_rejected,
                   sum(rows_total) as rows_total, sum(rows_loaded) as rows_loaded,
                   sum(rows_quarantined) as rows_quarantined
            from raw.xch_file group by feed
        ), d as (
            select 'tax_revenue' as feed, max(file_date) as latest_file_date from raw.xch_tax_revenue
            union all select 'bank_receipt', max(file_date) from raw.xch_bank_receipt
        )
        select f.*, d.latest_file_date from f left join d using (feed) where $district order by feed""",
                  scoped(scope))
    built = stamp()[2] / 1e9  # the modification time of the very file this view reads
    return {"core": core, "feeds": feeds, "built_at": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(built)),
            "as_of": as_of_date.uncached()}  # type: ignore[attr-defined]


@cached
def quarantine_by_rule(scope: Scope) -> pd.DataFrame:
    return frame("""
        select feed, rule, field, count(*) as rows_, count(distinct file_sha256) as files, any_value(message) as example
        from raw.xch_quarantine where $district
        group by feed, rule, field order by rows_ desc""", scoped(scope))


@cached
def rejected_files(scope: Scope) -> pd.DataFrame:
    return frame("""
        select arrival_no, feed, file_name, status, rule, message from raw.xch_file
        where status <> 'loaded' and $district order by arrival_no desc""", scoped(scope))


@cached
def reconciliation(scope: Scope) -> pd.DataFrame:
    """Per measure of the reconciliation mart: keys compared, keys that differ, and the core's and the
    warehouse's totals (yuan)."""
    return frame("""
        select measure, count(*) as keys, count(*) filter (where not is_matched) as keys_differing,
               sum(core_amt) as core_total, sum(warehouse_amt) as mart_total
        from marts.fct_reconciliation where $district group by measure order by measure""", scoped(scope))


@cached
def completeness_summary(scope: Scope, year: int, dept: str | None) -> list[dict[str, Any]]:
    """Per gap kind of ``year`` (GAP_KINDS order, only the kinds with a gap): its names (Chinese, English),
    items, amount (Decimal yuan, None for kinds without one: missing files, silent units), the departments and
    months it touches, and the date the data reaches."""
    return rows(f"""
        select c.gap_kind, any_value(c.gap_name_zh) as gap_name_zh, any_value(c.gap_name_en) as gap_name_en,
               sum(c.item_count) as item_count, sum(c.amount) as amount,
               count(distinct c.dept_code) as depts, count(distinct c.fiscal_month) as months,
               max(c.as_of_date) as as_of_date
        from marts.fct_completeness c
        where {_COMPLETENESS_FILTER}
        group by c.gap_kind order by {_GAP_ORDER}""", scoped(scope, year=year, dept=dept))


@cached
def completeness_detail(scope: Scope, year: int, dept: str | None) -> pd.DataFrame:
    """The mart's rows of ``year`` in scope — month, department (null: the district's own), gap kind and its
    names, feed, items, amount — by month, department and gap kind. Amounts stay Decimal (yuan) in the frame
    (built from the rows, not through DuckDB's DataFrame, which would make them floats)."""
    found = rows(f"""
        select c.fiscal_month, c.dept_code, c.dept_name, c.gap_kind, c.gap_name_zh, c.gap_name_en, c.feed,
               c.item_count, c.amount
        from marts.fct_completeness c
        where {_COMPLETENESS_FILTER}
        order by c.fiscal_month, c.dept_code nulls first, {_GAP_ORDER}, c.feed""",
                 scoped(scope, year=year, dept=dept))
    columns = ["fiscal_month", "dept_code", "dept_name", "gap_kind", "gap_name_zh", "gap_name_en", "feed",
               "item_count", "amount"]
    return pd.DataFrame(found, columns=columns)


def dbt_results() -> dict[str, Any] | None:
    """The last dbt build's test results (the refresh pipeline's ``run_results.json``, whichever entry point
    ran it), when present. A file, not the warehouse: read each view, not cached."""
    doc = read_run_results(settings().refresh_paths().run_results)
    if doc is None:
        return None
    tests = [r for r in doc["nodes"] if r["unique_id"].startswith("test.")]
    return {"generated_at": doc["generated_at"], "tests": pd.DataFrame(tests), "nodes": len(doc["nodes"])}
