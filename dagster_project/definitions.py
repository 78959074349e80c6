"""Dagster entry point: ``dagster dev -m dagster_project.definitions``.

Everything lives in ``dagster_project/defs/`` and is discovered; the only policy set here is the in-process
executor for any run, including single assets materialised from the UI (the warehouse has one writer, and the
steps of a refresh share its pipeline object). The live warehouse's freshness policy sits on that asset
(``defs/warehouse/publish.py``).
Loading is lazy: nothing is read (environment, manifest, specs) until Dagster asks for the definitions.
"""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=dg.in_process_executor),
    )
