"""The dbt project as assets, run with ``dbt build`` into this run's build file.

``dbt build`` runs seeds, models and data tests in dependency order, and dagster-dbt reports each test as an
asset check; a failing test fails the step, so the warehouse is not swapped in. dbt is told where the build
file is through ``FISCAL_WAREHOUSE_PATH`` (absolute; ``dbt/profiles.yml`` reads it). Each run's dbt artifacts
(run_results.json, logs, compiled SQL) go to ``dbt/target/dagster/runs/<run id>/``; the last five are kept.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from ..warehouse.resource import FiscalWarehouse
from .project import dbt_resource, fiscal_dbt_project, manifest_for_load, prune_run_targets, run_target_path
from .translator import FiscalDbtTranslator


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


@cache
def fiscal_dbt_assets() -> dg.AssetsDefinition:
    """The ``@dbt_assets`` definition (built once per process: other definitions read its keys)."""

    @dbt_assets(manifest=manifest_for_load(), project=fiscal_dbt_project(), name="fiscal_dbt",
                dagster_dbt_translator=FiscalDbtTranslator())
    def fiscal_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: FiscalWarehouse) -> Iterator[Any]:
        # dbt runs as a subprocess that inherits this environment when it starts (inside .cli())
        with _env("FISCAL_WAREHOUSE_PATH", str(warehouse.build_file())):
            invocation = dbt.cli(["build"], context=context, target_path=run_target_path(context.run_id))
        try:
            yield from invocation.stream()
        finally:
            prune_run_targets()

    return fiscal_dbt


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[fiscal_dbt_assets()], resources={"dbt": dbt_resource()})
