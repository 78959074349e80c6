"""Dagster definitions, discovered by ``dg.load_from_defs_folder``: ``warehouse/`` (the refresh: build file,
ingest, swap, reconciliation), ``dbt/`` (the dbt project as assets, its tests as checks), ``refresh/`` (the job,
its schedule and the inbox sensor)."""
