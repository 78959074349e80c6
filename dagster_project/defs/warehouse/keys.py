"""Asset keys shared across the defs folder.

dbt's sources name the ingest assets: ``source('raw', t)`` is ``raw/<t>`` and ``source('raw_exchange', t)`` is
``raw_exchange/<t>`` (dagster-dbt's default translator), so ingest and dbt form one lineage graph. The
exchange tables sit in DuckDB schema ``raw`` like the core's; only the key prefix follows the dbt source name.
"""

from __future__ import annotations

import dagster as dg

BUILD = dg.AssetKey(["warehouse", "build"])        # the build file a refresh writes into
LIVE = dg.AssetKey(["warehouse", "live"])          # the warehouse readers open ($FISCAL_HOME/warehouse.duckdb)
CORE_PREFIX = "raw"
EXCHANGE_PREFIX = "raw_exchange"
INGEST_GROUP = "ingest"
WAREHOUSE_GROUP = "warehouse"


def core_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([CORE_PREFIX, table])


def exchange_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([EXCHANGE_PREFIX, table])
