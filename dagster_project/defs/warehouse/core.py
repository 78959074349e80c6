"""``raw/<table>``: the core's tables extracted into the build file, incrementally by journal sequence."""

from collections.abc import Iterator

import dagster as dg

from ingest.core_extract import RAW_TABLES

from .keys import BUILD, INGEST_GROUP, core_key
from .resource import FiscalWarehouse

CONTROL_TOTALS = "_control_totals"


@dg.multi_asset(
    name="core_extract",
    specs=[dg.AssetSpec(core_key(t.name), deps=[BUILD], group_name=INGEST_GROUP, kinds={"sqlite", "duckdb"},
                        description=f"核心表 {t.name} 的副本（金额为分，个人信息不复制）, {t.mode} extract "
                                    f"(the core's {t.name}: amounts in fen, personal data left out)")
           for t in RAW_TABLES]
    + [dg.AssetSpec(core_key(CONTROL_TOTALS), deps=[BUILD], group_name=INGEST_GROUP, kinds={"sqlite", "duckdb"},
                    description="核心在抽取同一快照中的控制总数（对账依据）(the core's control totals, taken in the "
                                "extract's snapshot: what the reconciliation compares the marts with)")],
    can_subset=False,       # one snapshot of the core, one watermark: all tables or none
)
def core_extract(context: dg.AssetExecutionContext, warehouse: FiscalWarehouse) -> Iterator[dg.MaterializeResult]:
    report = warehouse.refresh.extract()
    for t in RAW_TABLES:
        yield dg.MaterializeResult(asset_key=core_key(t.name), metadata={
            "rows_extracted": report.rows.get(t.name, 0),
            "extract": report.mode,
            "journal_seq": report.to_seq,
        })
    yield dg.MaterializeResult(asset_key=core_key(CONTROL_TOTALS), metadata={"journal_seq": report.to_seq})
