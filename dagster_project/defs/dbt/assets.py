"""The dbt project as assets, run with ``dbt build`` into this run's build file.

``dbt build`` runs seeds, models and data tests in dependency order, and dagster-dbt reports each test as an
asset check; a failing test fails the step, so the warehouse is not swapped in. The arguments are those of
``fiscal refresh`` (``ingest.refresh.dbt_build_args``): no unit tests (they test the SQL and run in the test
suite), and the code-set seeds only when they changed or on a full rebuild. dbt is told where the build
file is through ``FISCAL_WAREHOUSE_PATH`` (absolute; ``dbt/profiles.yml`` reads it). Each run's dbt artifacts
(run_results.json, logs, compiled SQL) go to ``dbt/target/dagster/runs/<run id>/``; the last five are kept.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, dbt_assets

from ingest.refresh import dbt_build_args

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


class DbtProjectChanged(RuntimeError):
    pass


def fiscal_dbt_assets() -> dg.AssetsDefinition:
    """The ``@dbt_assets`` definition for the current manifest (built once per manifest and process: the
    other definitions read its keys)."""
    manifest = manifest_for_load()
    return _fiscal_dbt_assets(manifest, manifest.stat().st_mtime_ns)


@cache
def _fiscal_dbt_assets(manifest: Path, version: int) -> dg.AssetsDefinition:
    known = set(json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {}))

    @dbt_assets(manifest=manifest, project=fiscal_dbt_project(), name="fiscal_dbt",
                dagster_dbt_translator=FiscalDbtTranslator())
    def fiscal_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: FiscalWarehouse) -> Iterator[Any]:
        build = warehouse.build_file()
        con = duckdb.connect(str(build))
        try:
            args = dbt_build_args(con, full=warehouse.full_rebuild)
            con.execute("checkpoint")
        finally:
            con.close()
        context.log.info(f"dbt {' '.join(args)} → {build}")
        # dbt runs as a subprocess that inherits this environment when it starts (inside .cli())
        with _env("FISCAL_WAREHOUSE_PATH", str(build)):
            invocation = dbt.cli(args, context=context, target_path=run_target_path(context.run.run_id))
        try:
            yield from invocation.stream()
        except KeyError as e:
            node = str(e.args[0]) if e.args else ""
            if node.split(".")[0] in {"model", "seed", "test", "snapshot"} and node not in known:
                raise DbtProjectChanged(
                    f"dbt 项目在定义加载之后新增了 {node}，请重新加载代码位置后再运行 (the dbt project gained {node} "
                    "after the definitions were loaded: reload the code location and run again)") from e
            raise
        finally:
            prune_run_targets()

    return fiscal_dbt


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[fiscal_dbt_assets()], resources={"dbt": dbt_resource()})
