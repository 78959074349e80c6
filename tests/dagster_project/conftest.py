"""Fixtures for the Dagster project: a small simulated district, the loaded definitions, and one real
refresh_job run on a copy of the district (shared by the tests that look at its results).

The dbt manifest is parsed when the definitions load, if it is missing (a clean clone) or older than the
dbt project (``dagster_project/defs/dbt/project.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from tests.district import District


@pytest.fixture(scope="session")
def district(district: District) -> Path:
    """The shared district's final home (``tests/district.py``), never refreshed: copy it."""
    return district.final


def copy_home(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def load_defs() -> dg.Definitions:
    """Loading parses the dbt project first when its manifest is missing (a clean clone) or stale. Runs load
    just before they start, as a Dagster run worker does: others may be adding dbt models meanwhile."""
    from dagster_project.definitions import defs

    return defs()


@pytest.fixture(scope="session")
def dagster_defs() -> dg.Definitions:
    return load_defs()


@dataclass
class Refreshed:
    home: Path
    inbox_files: list[str]
    result: dg.ExecuteInProcessResult

    def check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return [e.asset_check_evaluation_data for e in self.result.all_events
                if e.event_type_value == "ASSET_CHECK_EVALUATION"]


@pytest.fixture(scope="session")
def refreshed(district: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Refreshed]:
    """refresh_job run once, in process, on a copy of the district."""
    home = copy_home(district, tmp_path_factory.mktemp("refreshed") / "home")
    inbox = sorted(p.name for p in (home / "exchange" / "inbox").iterdir())
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FISCAL_HOME", str(home))
        mp.delenv("FISCAL_CORE_URL", raising=False)
        result = load_defs().resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
    yield Refreshed(home, inbox, result)
