"""The ``warehouse`` resource: the refresh pipeline of one run (``ingest.pipeline``), shared by its steps.

Every asset of ``refresh_job`` is one step of the same :class:`ingest.pipeline.Refresh` that ``fiscal refresh``
runs in one go: settle and prepare (``warehouse/build``) → extract (``raw/*``) → exchange files
(``raw_exchange/*``) → dbt build (the dbt assets, its tests as checks) → reconciliation (the blocking check
``reconciles_with_core``) → forecasts (``forecast``) → swap (``warehouse/live``). The resource holds, for the
length of one run:

- the settings, read from the environment when the run starts (never at import);
- the refresh lock of the warehouse (``ingest.pipeline.refresh_session``): one refresh per FISCAL_HOME, whether
  from Dagster or ``fiscal refresh`` (a second one fails at once with 另一个刷新正在进行);
- whether this run is a full rebuild (asked for with ``full: true``, or forced when there is no live warehouse);
- on teardown, the build file of a run that did not swap is deleted: a failure anywhere leaves the live
  warehouse and the inbox as they were.

This relies on the in-process executor (set on the job and as the default in ``definitions.py``), under which
Dagster sets a resource up once per run and every step sees the same instance.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field, PrivateAttr

from fiscal_app.settings import Settings
from ingest.pipeline import Refresh, refresh_session


class WarehouseNotPrepared(RuntimeError):
    pass


class FiscalWarehouse(dg.ConfigurableResource):
    """The DuckDB warehouse of $FISCAL_HOME and the refresh of it this run makes."""

    full: bool = Field(default=False, description="全量重建：不复制现有数据仓库，从核心和交换文件归档重新构建 "
                                                  "(full rebuild from the core and the exchange archive)")

    _settings: Settings | None = PrivateAttr(default=None)
    _refresh: Refresh | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[FiscalWarehouse]:
        settings = Settings.from_env()
        log = context.log.info if context.log else None
        with refresh_session(settings.core_url, settings.refresh_paths(), full=self.full, progress=log) as r:
            self._settings, self._refresh = settings, r
            try:
                yield self
            finally:
                self._settings, self._refresh = None, None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise WarehouseNotPrepared("warehouse 资源只能在运行中使用 (the warehouse resource is only usable in a run)")
        return self._settings

    @property
    def refresh(self) -> Refresh:
        """This run's refresh pipeline."""
        if self._refresh is None:
            raise WarehouseNotPrepared("warehouse 资源只能在运行中使用 (the warehouse resource is only usable in a run)")
        return self._refresh


defs = dg.Definitions(resources={"warehouse": FiscalWarehouse()})
