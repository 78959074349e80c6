"""数据质量 loaders: how fresh each source is (the core's extract, the exchange feeds), what the exchange
validation quarantined and rejected, the reconciliation of the marts with the core (marts.fct_reconciliation),
and the last dbt build's tests (the refresh pipeline's run_results.json). The district's data as a whole:
only a district scope reads it (``$district``)."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from ingest.pipeline import read_run_results

from .connection import cached, frame, rows, settings, stamp
from .filters import as_of_date, scoped
from .scope import Scope


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


def dbt_results() -> dict[str, Any] | None:
    """The last dbt build's test results (the refresh pipeline's ``run_results.json``, whichever entry point
    ran it), when present. A file, not the warehouse: read each view, not cached."""
    doc = read_run_results(settings().refresh_paths().run_results)
    if doc is None:
        return None
    tests = [r for r in doc["nodes"] if r["unique_id"].startswith("test.")]
    return {"generated_at": doc["generated_at"], "tests": pd.DataFrame(tests), "nodes": len(doc["nodes"])}
