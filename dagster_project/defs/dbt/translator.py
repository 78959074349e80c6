"""How dbt nodes become Dagster assets: dagster-dbt's defaults, grouped by warehouse schema.

Default keys are kept on purpose: a model is ``<schema>/<name>`` (``marts/fct_payment``), a seed
``ref/<name>``, and a source ``<source>/<table>``, which is the key of the ingest asset that loads it
(``raw/pay_voucher``, ``raw_exchange/xch_tax_revenue``): one lineage graph from the core to the marts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject


class FiscalDbtTranslator(DagsterDbtTranslator):
    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        schema = (props.get("config") or {}).get("schema")
        if props.get("resource_type") in {"model", "seed", "snapshot"} and schema:
            return spec.replace_attributes(group_name=f"dbt_{schema}")
        return spec
