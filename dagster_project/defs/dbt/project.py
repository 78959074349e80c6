"""The dbt project ``fiscal`` (``dbt/``) and its manifest.

dagster-dbt builds the assets from ``manifest.json``, so the manifest must exist before definitions load.
It is written by ``dbt parse`` into ``dbt/target/dagster/`` (our own folder: analysts' dbt runs write
``dbt/target/`` and would otherwise race with it; a refresh's artefacts go to ``$FISCAL_HOME/.dbt``):

- it is parsed when definitions load if it is missing (a clean clone, CI) or older than a file of the
  project (a model, test, macro or seed changed since): a stale manifest makes a run fail on the first node
  it does not know. This covers ``dagster dev`` too, without a parse at every load as
  ``DbtProject.prepare_if_dev`` would do (each run's process loads the definitions again);
- a deployment can parse ahead of time: ``python -m dagster_project.defs.dbt.project``.

Nothing here runs at import.
"""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import yaml
from dagster_dbt import DbtCliResource, DbtProject

from ingest.pipeline import DBT_PROJECT

# The venv's own dbt: with the venv not activated, a bare `dbt` is not on PATH (stack.md).
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
TARGET_PATH = Path("target", "dagster")


@cache
def fiscal_dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT, target_path=TARGET_PATH)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=fiscal_dbt_project(), dbt_executable=str(DBT_EXECUTABLE))


def prepare_manifest(project: DbtProject | None = None, *, force: bool = True) -> Path:
    """``dbt parse`` into the project's target path; returns the manifest. Processes loading at once
    (``dagster dev`` starts several) take turns, and with ``force=False`` a process that waited does not
    parse again what the one before it has just parsed."""
    project = project or fiscal_dbt_project()
    project.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    with open(project.manifest_path.with_name(".parse.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if force or manifest_is_stale(project):
                (DbtCliResource(project_dir=project, dbt_executable=str(DBT_EXECUTABLE))
                 .cli(["parse", "--quiet"], target_path=project.target_path).wait())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return project.manifest_path


def _project_files(project: DbtProject) -> Iterator[Path]:
    """The files a parse reads: the project folder (without its outputs) and the seed folders."""
    skip = {project.project_dir / d for d in ("target", "logs", "dbt_packages")}
    conf = yaml.safe_load((project.project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    roots = [project.project_dir, *((project.project_dir / p).resolve() for p in conf.get("seed-paths", []))]
    for root in roots:
        stack = [root] if root.is_dir() else []
        while stack:
            for p in stack.pop().iterdir():
                if p.is_dir():
                    if p not in skip and not p.name.startswith("."):
                        stack.append(p)
                elif p.is_file():
                    yield p


def manifest_is_stale(project: DbtProject | None = None) -> bool:
    project = project or fiscal_dbt_project()
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _project_files(project))


def manifest_for_load() -> Path:
    """The manifest to build the dbt assets from, parsed first when missing or stale."""
    project = fiscal_dbt_project()
    if manifest_is_stale(project):
        prepare_manifest(project, force=False)
    return project.manifest_path


if __name__ == "__main__":
    print(prepare_manifest())
