"""The ``warehouse`` resource: which FISCAL_HOME a run refreshes, and the rules of a refresh.

A refresh writes only the build file and renames it over the live warehouse at the end
(``ingest.warehouse``, architecture §3.8). The resource holds, for the length of one run:

- the settings, read from the environment when the run starts (never at import);
- ``ingest.warehouse.refresh_lock``: one refresh per FISCAL_HOME, whether from Dagster or ``fiscal refresh``
  (a second one fails at once with 另一个刷新正在进行);
- whether this run is a full rebuild (asked for with ``full: true``, or forced when there is no live warehouse);
- on teardown, the build file of a run that did not publish is deleted: a failure anywhere leaves the live
  warehouse and the inbox as they were.

This relies on the in-process executor (set on the job and as the default in ``definitions.py``), under which
Dagster sets a resource up once per run and every step sees the same instance.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import Field, PrivateAttr

from fiscal_core.config import Settings
from ingest.warehouse import build_path, discard_build, live_path, prepare_build, publish, refresh_lock


class WarehouseNotPrepared(RuntimeError):
    pass


class FiscalWarehouse(dg.ConfigurableResource):
    """The DuckDB warehouse of $FISCAL_HOME and its build file."""

    full: bool = Field(default=False, description="全量重建：不复制现有数据仓库，从核心和交换文件归档重新构建 "
                                                  "(full rebuild from the core and the exchange archive)")

    _settings: Settings | None = PrivateAttr(default=None)
    _full: bool = PrivateAttr(default=False)
    _prepared: bool = PrivateAttr(default=False)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[FiscalWarehouse]:
        settings = Settings.from_env()
        with refresh_lock(settings.home):
            self._settings = settings
            self._full = self.full or not live_path(settings.home).exists()
            self._prepared = False
            try:
                yield self
            finally:
                if self._prepared:          # after a publish there is no build file left: a no-op
                    discard_build(settings.home)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise WarehouseNotPrepared("warehouse 资源只能在运行中使用 (the warehouse resource is only usable in a run)")
        return self._settings

    @property
    def home(self) -> Path:
        return self.settings.home

    @property
    def full_rebuild(self) -> bool:
        """Whether this run rebuilds from nothing (decided when the run starts)."""
        if self._settings is None:
            raise WarehouseNotPrepared("warehouse 资源只能在运行中使用 (the warehouse resource is only usable in a run)")
        return self._full

    @property
    def mode(self) -> str:
        return "full" if self.full_rebuild else "incremental"

    def prepare(self) -> Path:
        """Start the refresh: a copy of the live warehouse (incremental) or an empty file (full)."""
        path = prepare_build(self.home, full=self.full_rebuild)
        self._prepared = True
        return path

    def build_file(self) -> Path:
        """The build file this run prepared (absolute). Writing into one some earlier run left is refused."""
        if not self._prepared:
            raise WarehouseNotPrepared("构建文件未在本次运行中准备：请运行 refresh_job，或连同 warehouse/build 一起物化 "
                                       "(the build file was not prepared in this run: run refresh_job, or "
                                       "materialise warehouse/build with it)")
        return build_path(self.home).resolve()

    def publish(self) -> Path:
        """Rename the finished build over the live warehouse (atomic)."""
        self.build_file()
        return publish(self.home)

    def current_file(self) -> Path:
        """What a check should read: this run's build before it is published, otherwise the live warehouse."""
        if self._prepared and build_path(self.home).exists():
            return build_path(self.home).resolve()
        live = live_path(self.home)
        if not live.exists():
            raise FileNotFoundError(f"数据仓库尚未生成，请先运行 refresh_job (warehouse not built yet: {live})")
        return live


defs = dg.Definitions(resources={"warehouse": FiscalWarehouse()})
