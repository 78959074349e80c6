"""``raw_exchange/<table>``: exchange files from the inbox, checked against the exchange standard.

The tables come from the feed specs (``ingest/specs``), read when definitions load, not at import.
Files stay in the inbox until the warehouse holding them is live (``warehouse/live`` settles them).
"""

from collections.abc import Iterator

import dagster as dg

from ingest.exchange import load_specs

from .keys import BUILD, INGEST_GROUP, core_key, exchange_key
from .resource import FiscalWarehouse

BOOKKEEPING = {"xch_file": "每个收到的交换文件：校验和、行数、加载或拒收及原因 (every file received, loaded or rejected)",
               "xch_quarantine": "违反交换标准的行及所违反的规则 (rows that broke a rule of their spec)"}


@dg.definitions
def defs() -> dg.Definitions:
    specs = load_specs()
    tables = {s.table: f"{s.title_zh} · {s.title_en} (feed {s.feed} v{s.version}, from {s.sender})"
              for s in specs.values()} | BOOKKEEPING
    feed_table = {s.feed: s.table for s in specs.values()}
    # the agency code set is checked against the core's agencies, extracted just before
    upstream = [BUILD, core_key("bas_agency_info")]

    @dg.multi_asset(
        name="exchange_ingest",
        specs=[dg.AssetSpec(exchange_key(t), deps=upstream, group_name=INGEST_GROUP, kinds={"duckdb"}, description=d)
               for t, d in tables.items()],
        can_subset=False,
    )
    def exchange_ingest(context: dg.AssetExecutionContext,
                        warehouse: FiscalWarehouse) -> Iterator[dg.MaterializeResult]:
        got = warehouse.refresh.load_exchange()
        summary = got.summary()
        counts = {"files_loaded": summary.get("loaded", 0), "files_rejected": summary.get("rejected", 0),
                  "files_duplicate": summary.get("duplicate", 0)}
        loaded = dict.fromkeys(feed_table.values(), 0)
        for f in got.files:
            if f.feed in feed_table:
                loaded[feed_table[f.feed]] += f.rows_loaded
        for t in tables:
            if t in loaded:
                own = {"rows_loaded": loaded[t]}
            elif t == "xch_file":
                own = {"files_recorded": sum(1 for f in got.files if f.status != "duplicate")}
            else:
                own = {"rows_quarantined": summary["rows_quarantined"]}
            yield dg.MaterializeResult(asset_key=exchange_key(t), metadata=own | counts)

    return dg.Definitions(assets=[exchange_ingest])
