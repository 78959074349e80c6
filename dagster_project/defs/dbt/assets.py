"""The dbt project as assets, run with ``dbt build`` into this run's build file.

``dbt build`` runs seeds, models and data tests in dependency order, and dagster-dbt reports each test as an
asset check; a failing test fails the step, so the warehouse is not swapped in. The invocation is the refresh
pipeline's (``Refresh.dbt_invocation``: the same arguments, environment and artefact folder as ``fiscal
refresh``, so the data-quality page reads this run's results), and the pipeline judges its ``run_results.json``
as it does on the command line.
"""

import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from ..warehouse.resource import FiscalWarehouse
from .project import dbt_resource, fiscal_dbt_project, manifest_for_load
from .translator import FiscalDbtTranslator


@contextmanager
def _env(values: Mapping[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


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
        r = warehouse.refresh
        inv = r.dbt_invocation()
        context.log.info(f"dbt {' '.join(inv.args)} → {inv.env['FISCAL_WAREHOUSE_PATH']}")
        started = time.time()
        # dbt runs as a subprocess that inherits this environment when it starts (inside .cli())
        with _env(inv.env):
            # the op context: dagster-dbt reads `.op` of it, deprecated on the asset context
            invocation = dbt.cli(list(inv.args), context=context.op_execution_context, target_path=inv.target_path)
        try:
            yield from invocation.stream()
        except KeyError as e:
            node = str(e.args[0]) if e.args else ""
            if node.split(".")[0] in {"model", "seed", "test", "snapshot"} and node not in known:
                raise DbtProjectChanged(
                    f"dbt 项目在定义加载之后新增了 {node}，请重新加载代码位置后再运行 (the dbt project gained {node} "
                    "after the definitions were loaded: reload the code location and run again)") from e
            raise
        r.dbt_outcome(started=started)

    return fiscal_dbt


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[fiscal_dbt_assets()], resources={"dbt": dbt_resource()})
