"""The definitions load, form one lineage graph from the core to the marts, and wire the refresh as designed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from dagster_project.defs.warehouse.keys import BUILD, LIVE
from ingest.core_extract import RAW_TABLES

ROOT = Path(__file__).resolve().parents[2]


def test_definitions_are_loadable(dagster_defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(dagster_defs)
    job = dagster_defs.resolve_job_def("refresh_job")
    assert job.executor_def.name == "in_process"
    graph = dagster_defs.resolve_asset_graph()
    # everything the job touches, checks included, is in it (but the freshness check, which the sensor judges)
    assert set(job.asset_layer.selected_asset_keys) == set(graph.materializable_asset_keys)
    checks = {k for k in graph.asset_check_keys if k.name != "freshness_check"}
    assert checks <= set(job.asset_layer.asset_graph.asset_check_keys)


def test_one_lineage_graph_from_core_to_marts(dagster_defs: dg.Definitions) -> None:
    graph = dagster_defs.resolve_asset_graph()
    keys = graph.materializable_asset_keys
    # every dbt source is an ingest asset: nothing is left as an external (unmaterialisable) stub
    assert not graph.external_asset_keys
    assert {dg.AssetKey(["raw", t.name]) for t in RAW_TABLES} <= keys
    assert dg.AssetKey(["raw_exchange", "xch_tax_revenue"]) in keys

    def upstream(key: dg.AssetKey) -> set[dg.AssetKey]:
        seen: set[dg.AssetKey] = set()
        todo = [key]
        while todo:
            for parent in graph.get(todo.pop()).parent_keys:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    fct_payment = dg.AssetKey(["marts", "fct_payment"])
    assert {dg.AssetKey(["raw", "pay_voucher"]), dg.AssetKey(["staging", "stg_core__pay_voucher"]), BUILD} \
        <= upstream(fct_payment)
    assert {fct_payment, dg.AssetKey(["forecast"]), BUILD} <= upstream(LIVE)
    assert dg.AssetKey(["raw_exchange", "xch_tax_revenue"]) in upstream(dg.AssetKey(["staging", "stg_exchange__tax_revenue"]))
    # the exchange checks agency codes against the core's agencies, so it is loaded after them
    assert dg.AssetKey(["raw", "bas_agency_info"]) in upstream(dg.AssetKey(["raw_exchange", "xch_file"]))


def test_dbt_tests_are_asset_checks_and_reconciliation_blocks(dagster_defs: dg.Definitions) -> None:
    graph = dagster_defs.resolve_asset_graph()
    dbt_checks = [k for k in graph.asset_check_keys if k.name != "reconciles_with_core"]
    assert len(dbt_checks) >= 5
    assert any(k.asset_key.path[0] == "marts" for k in dbt_checks)
    recon = dg.AssetCheckKey(dg.AssetKey(["marts", "fct_reconciliation"]), "reconciles_with_core")
    spec = graph.get_check_spec(recon)
    assert spec.blocking        # a warehouse that disagrees with the core is not swapped in


def test_schedule_and_sensor(dagster_defs: dg.Definitions) -> None:
    schedule = dagster_defs.resolve_schedule_def("refresh_nightly")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert schedule.job_name == "refresh_job"
    sensor = dagster_defs.resolve_sensor_def("exchange_inbox_sensor")
    assert sensor.job_name == "refresh_job"


def test_live_warehouse_freshness_is_a_policy_on_the_live_asset(dagster_defs: dg.Definitions) -> None:
    graph = dagster_defs.resolve_asset_graph()
    policy = graph.get(dg.AssetKey(["warehouse", "live"])).freshness_policy
    assert type(policy).__name__ == "CronFreshnessPolicy"
    assert (policy.deadline_cron, policy.timezone) == ("0 7 * * *", "Asia/Shanghai")
    assert not [k for k in graph.asset_check_keys if k.name == "freshness_check"]     # no superseded checks


IMPORT_PROBE = r"""
import importlib, json, os, pkgutil, sys

opened, env_reads = [], []
sys.addaudithook(lambda event, args: opened.append(os.path.abspath(args[0]))
                 if event == "open" and isinstance(args[0], str) else None)

def reader():
    # the code that looked the variable up (not the mapping machinery)
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.endswith(("os.py", "<frozen os>", "_collections_abc.py",
                                                           "<frozen _collections_abc>")):
        f = f.f_back
    return f.f_code.co_filename if f is not None else ""

class Env(type(os.environ)):
    def __getitem__(self, key):
        env_reads.append([key, reader()])
        return super().__getitem__(key)

os.environ.__class__ = Env
import dagster_project.definitions
import dagster_project.defs as root
for m in pkgutil.walk_packages(root.__path__, "dagster_project.defs."):
    importlib.import_module(m.name)
print(json.dumps({"opened": opened, "env": env_reads}))
"""


def test_importing_reads_no_settings_manifest_or_specs(tmp_path: Path) -> None:
    """No import-time side effects: importing every module reads no FISCAL_* variable and opens nothing
    of the dbt project, the exchange specs or FISCAL_HOME."""
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], cwd=ROOT, capture_output=True, text=True,
                         env=os.environ | {"FISCAL_HOME": str(tmp_path)}, timeout=300)
    assert out.returncode == 0, out.stderr
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    ours = [(k, f) for k, f in probe["env"] if f.startswith(str(ROOT)) and not f.startswith(str(ROOT / ".venv"))]
    assert ours == []
    touched = [p for p in probe["opened"]
               if p.startswith((str(ROOT / "dbt"), str(ROOT / "ingest" / "specs"), str(tmp_path)))]
    assert not touched


def test_manifest_is_parsed_again_when_the_dbt_project_changes(tmp_path: Path) -> None:
    from dagster_dbt import DbtProject

    from dagster_project.defs.dbt.project import fiscal_dbt_project, manifest_is_stale

    src = fiscal_dbt_project().project_dir
    shutil.copytree(src, tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs"))
    project = DbtProject(project_dir=tmp_path / "dbt", target_path=Path("target", "dagster"))
    assert manifest_is_stale(project)       # none yet
    project.manifest_path.parent.mkdir(parents=True)
    project.manifest_path.write_text("{}", encoding="utf-8")
    assert not manifest_is_stale(project)
    model = next((tmp_path / "dbt" / "models").rglob("*.sql"))
    later = time.time() + 5
    os.utime(model, (later, later))
    assert manifest_is_stale(project)       # a model changed since the parse
